"""Beds live: one bed session per LSL stream, many beds per process.

:class:`BedMonitor` runs one bed: a :class:`~monitoring.session.BedSession` whose
source is a :class:`~monitoring.sources.LslStreamSource` and whose sinks are a
:class:`~monitoring.outputs.FileSink` and the latency bookkeeping. It writes the
same four files as offline replay while it runs: ``trends.csv`` and
``alerts.jsonl`` appended and flushed at every push (a crash loses at most the hop
in flight), ``events.tsv`` rewritten whenever a seizure ends, ``summary.json``
rewritten every ``summary_every_s`` and at the end. Stream status changes
(``stream_lost``, ``stream_restored``, ``data_gap``, ``rate_drift``) become alerts.

:class:`MultiBedMonitor` runs many beds in one process, one thread per bed (each
thread pulls its own inlet and runs its own engine, so a bed whose stream stalls
or fails never holds up another), optionally sharded over worker processes to use
more than one core (``n_processes``; each worker runs its share of beds in
threads and sends the hop results back over a queue). NumPy and liblsl release the
GIL in their heavy parts; the measured trade-off is in ``bench/live_latency.py``.

Latency bookkeeping: for every hop the monitor records the LSL timestamp of the
window's last sample (the time the outlet pushed it, on this machine's
``local_clock``) and the ``local_clock`` time at which the hop result became
available; their difference is the live latency.
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rse_monitor.monitoring.console import ConsoleSink
from rse_monitor.monitoring.engine import HopResult
from rse_monitor.monitoring.outputs import FileSink
from rse_monitor.monitoring.session import BedSession, Sink
from rse_monitor.monitoring.settings import BedSettings, EngineConfig
from rse_monitor.monitoring.sources import LslStreamSource
from rse_monitor.pipeline.lsl import get_pylsl

__all__ = ["BedSpec", "BedMonitor", "MultiBedMonitor", "HopRecord", "run_monitor"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BedSpec:
    """One bed to monitor: which stream, and where its files go.

    At least one of ``stream_name``, ``stream_type``, ``source_id``. ``out_dir`` None
    means no files (results only through the callback).
    """

    bed_id: str
    stream_name: str | None = None
    stream_type: str | None = None
    source_id: str | None = None
    out_dir: Path | None = None

    def __post_init__(self) -> None:
        if not self.bed_id:
            raise ValueError("bed_id must be a non-empty string")
        if self.stream_name is None and self.stream_type is None and self.source_id is None:
            raise ValueError(f"bed {self.bed_id!r}: give stream_name, stream_type or source_id")


@dataclass(frozen=True)
class HopRecord:
    """A hop result as the live system publishes it, with its timing.

    ``pushed_lsl_s``: LSL time at which the outlet pushed the window's last sample;
    ``available_lsl_s``: ``local_clock`` time at which the result became available.
    """

    bed_id: str
    hop: HopResult
    pushed_lsl_s: float
    available_lsl_s: float

    @property
    def latency_s(self) -> float:
        return self.available_lsl_s - self.pushed_lsl_s


class LatencySink(Sink):
    """Times each hop (pushed → available) and hands it on as a :class:`HopRecord`."""

    def __init__(
        self, source: LslStreamSource, on_hop: Callable[[HopRecord], None] | None, keep: int
    ) -> None:
        self.source = source
        self.on_hop = on_hop
        self.latencies_s: deque[float] = deque(maxlen=keep)

    def write(self, session: BedSession, hops: list[HopResult], alerts: list[Any]) -> None:
        if not hops:
            return
        now = self.source.local_clock()  # available: computed, written and flushed
        for hop in hops:
            pushed = self.source.pushed_lsl_s(hop.t_s)
            if math.isfinite(pushed):
                self.latencies_s.append(now - pushed)
            if self.on_hop is not None:
                self.on_hop(HopRecord(session.bed_id, hop, pushed, now))


class BedMonitor:
    """One bed, live: a :class:`~monitoring.session.BedSession` on an LSL stream.

    Parameters
    ----------
    spec : BedSpec
    settings : BedSettings or EngineConfig, optional
    lsl_config : str or Path, optional
        LSL configuration file (see :func:`pipeline.lsl.configure_lsl`).
    summary_every_s : float
        Wall seconds between rewrites of ``summary.json``.
    on_hop : callable, optional
        Called with each :class:`HopRecord` (from the bed's thread).
    source_options : dict, optional
        Extra keyword arguments for :class:`~pipeline.lsl.LslSource`.
    keep_latencies : int
        How many recent latencies to keep for :meth:`MultiBedMonitor.status`.
    console : callable, optional
        Receives one line per seizure onset/offset, depth change and alert
        transition (a :class:`~monitoring.console.ConsoleSink`).

    Notes
    -----
    :meth:`run` drives the session until ``stop`` is set; :meth:`finish` closes the
    open seizure, writes the final ``events.tsv`` and ``summary.json`` and returns
    the summary. The four files are those of ``replay``: ``trends.csv`` and
    ``alerts.jsonl`` appended and flushed at every hop, ``events.tsv`` rewritten
    whenever a seizure ends, ``summary.json`` every ``summary_every_s``.
    """

    def __init__(
        self,
        spec: BedSpec,
        settings: BedSettings | EngineConfig | None = None,
        *,
        lsl_config: str | Path | None = None,
        summary_every_s: float = 30.0,
        on_hop: Callable[[HopRecord], None] | None = None,
        source_options: dict[str, Any] | None = None,
        keep_latencies: int = 100_000,
        pull_timeout_s: float = 0.5,
        console: Callable[[str], None] | None = None,
    ) -> None:
        if not summary_every_s > 0:
            raise ValueError(f"summary_every_s must be > 0, got {summary_every_s!r}")
        if isinstance(settings, EngineConfig):
            settings = BedSettings(engine=settings)
        self.spec = spec
        self.stream = LslStreamSource(
            spec.stream_name, spec.stream_type, spec.source_id, lsl_config=lsl_config,
            pull_timeout_s=pull_timeout_s, source_options=source_options,
        )  # fmt: skip
        self.latency = LatencySink(self.stream, on_hop, int(keep_latencies))
        sinks: list[Sink] = [self.latency]
        if spec.out_dir is not None:
            sinks.insert(0, FileSink(Path(spec.out_dir), summary_every_s=summary_every_s))
        if console is not None:
            sinks.append(ConsoleSink(console))
        self.session = BedSession(spec.bed_id, self.stream, settings, sinks)
        self.session.summary_extra = self._live_summary
        self.n_loop_errors = 0

    @property
    def source(self) -> Any:
        """The LSL reader (:class:`pipeline.lsl.LslSource`)."""
        return self.stream.lsl

    @property
    def n_hops(self) -> int:
        return self.session.n_hops

    @property
    def n_errors(self) -> int:
        return self.session.n_engine_errors + self.n_loop_errors

    @property
    def t_last_s(self) -> float | None:
        return self.session.t_last_s

    @property
    def latencies_s(self) -> deque[float]:
        return self.latency.latencies_s

    def run(self, stop: threading.Event) -> None:
        """Monitor until ``stop``; a failure outside the engine restarts the loop."""
        n_fail = 0
        while not stop.is_set():
            try:
                for item in self.stream.items(stop, self.session.need_samples):
                    self.session.feed(item)
                    n_fail = 0
            except Exception:
                n_fail += 1
                self.n_loop_errors += 1
                log.exception("bed %s: monitoring loop failed (%d in a row)", self.spec.bed_id,
                              n_fail)  # fmt: skip
                stop.wait(min(5.0, 0.1 * 2**n_fail))

    def summary(self, final: bool = False) -> dict[str, Any]:
        """Counts, durations, settings, stream state and latency (``summary.json``)."""
        return self.session.summary(final=final)

    def _live_summary(self) -> dict[str, Any]:
        lat = np.asarray(self.latencies_s, dtype=np.float64)
        return {
            "mode": "live",
            "connected": self.source.connected,
            "n_hops": self.n_hops,
            "n_engine_errors": self.n_errors,
            "latency_s": {
                "n": int(lat.size),
                "p50": float(np.percentile(lat, 50)) if lat.size else None,
                "p99": float(np.percentile(lat, 99)) if lat.size else None,
                "max": float(lat.max()) if lat.size else None,
            },
        }

    def finish(self) -> dict[str, Any]:
        """Close the open event, write the final events and summary, release the inlet."""
        summary = self.session.finish()
        self.stream.close()
        return summary


# --------------------------------------------------------------------- many beds
class MultiBedMonitor:
    """Many beds in one process (threads), optionally sharded over worker processes.

    Parameters
    ----------
    beds : sequence of BedSpec
        Distinct ``bed_id`` values.
    config : BedSettings or EngineConfig, optional
        Settings of every bed.
    n_processes : int
        0: every bed is a thread of this process. k >= 1: beds are dealt round-robin
        to k worker processes (spawned; each runs its beds in threads, writes their
        files itself and sends :class:`HopRecord` objects back; ``available_lsl_s``
        is then stamped when this process receives them).
    lsl_config : str or Path, optional
    on_hop : callable, optional
        Called with each :class:`HopRecord` (from a bed thread, or from the queue
        reader thread in process mode).
    timeout_s : float
        Longest single wait of a bed's pull.
    bed_options : dict, optional
        Keyword arguments for each :class:`BedMonitor` (e.g. ``source_options``).

    Notes
    -----
    ``start()`` launches, ``stop()`` asks everything to end, ``join()`` waits and
    returns the per-bed summaries; :meth:`run` does the three.
    """

    def __init__(
        self,
        beds: Sequence[BedSpec],
        config: BedSettings | EngineConfig | None = None,
        *,
        n_processes: int = 0,
        lsl_config: str | Path | None = None,
        on_hop: Callable[[HopRecord], None] | None = None,
        timeout_s: float = 0.5,
        bed_options: dict[str, Any] | None = None,
    ) -> None:
        ids = [b.bed_id for b in beds]
        if not ids:
            raise ValueError("beds is empty")
        if len(set(ids)) != len(ids):
            raise ValueError(f"bed ids must be unique, got {ids}")
        if n_processes < 0:
            raise ValueError(f"n_processes must be >= 0, got {n_processes}")
        self.beds = list(beds)
        self.config = BedSettings(engine=config) if isinstance(config, EngineConfig) else config
        self.n_processes = int(n_processes)
        self.lsl_config = lsl_config
        self.on_hop = on_hop
        self.timeout_s = float(timeout_s)
        self.bed_options = dict(bed_options or {})
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.monitors: dict[str, BedMonitor] = {}
        self._procs: list[Any] = []
        self._mp_stop: Any = None
        self._queue: Any = None
        self._summaries: dict[str, dict[str, Any]] = {}

    def start(self) -> None:
        get_pylsl(self.lsl_config)  # configure before anything touches LSL
        if self.n_processes == 0:
            for spec in self.beds:
                mon = BedMonitor(
                    spec, self.config, lsl_config=self.lsl_config, on_hop=self.on_hop,
                    pull_timeout_s=self.timeout_s, **self.bed_options,
                )  # fmt: skip
                self.monitors[spec.bed_id] = mon
                th = threading.Thread(
                    target=mon.run, args=(self._stop,), name=f"bed-{spec.bed_id}", daemon=True
                )
                th.start()
                self._threads.append(th)
            return
        ctx = mp.get_context("spawn")
        self._mp_stop = ctx.Event()
        self._queue = ctx.Queue()
        shards = [self.beds[i :: self.n_processes] for i in range(self.n_processes)]
        from rse_monitor.pipeline.lsl import configure_lsl

        cfg = str(configure_lsl(self.lsl_config))
        for k, shard in enumerate(shards):
            if not shard:
                continue
            p = ctx.Process(
                target=_worker_main,
                args=(shard, self.config, cfg, self.timeout_s, self.bed_options,
                      self._queue, self._mp_stop),
                name=f"rsemon-beds-{k}", daemon=True,
            )  # fmt: skip
            p.start()
            self._procs.append(p)
        reader = threading.Thread(target=self._read_queue, name="bed-results", daemon=True)
        reader.start()
        self._threads.append(reader)

    def _read_queue(self) -> None:
        clock = get_pylsl(self.lsl_config).local_clock
        n_done = 0
        while n_done < len(self._procs):
            try:
                msg = self._queue.get(timeout=0.2)
            except queue.Empty:
                if not any(p.is_alive() for p in self._procs):
                    break
                continue
            kind = msg[0]
            if kind == "hop":
                _, bed_id, hop, pushed = msg
                if self.on_hop is not None:
                    self.on_hop(HopRecord(bed_id, hop, pushed, clock()))
            elif kind == "summary":
                self._summaries[msg[1]] = msg[2]
            elif kind == "done":
                n_done += 1

    def stop(self) -> None:
        self._stop.set()
        if self._mp_stop is not None:
            self._mp_stop.set()

    def join(self, timeout_s: float = 30.0) -> dict[str, dict[str, Any]]:
        """Wait for the beds to end (after :meth:`stop`); return the final summaries."""
        deadline = time.monotonic() + timeout_s
        for th in self._threads:
            th.join(max(0.1, deadline - time.monotonic()))
        for p in self._procs:
            p.join(max(0.1, deadline - time.monotonic()))
            if p.is_alive():  # pragma: no cover - a wedged worker
                log.error("worker %s did not stop; terminating it", p.name)
                p.terminate()
        for bed_id, mon in self.monitors.items():
            try:
                self._summaries[bed_id] = mon.finish()
            except Exception:  # pragma: no cover - keep the other beds' summaries
                log.exception("bed %s: finishing failed", bed_id)
        return dict(self._summaries)

    def run(
        self, duration_s: float | None = None, stop: threading.Event | None = None
    ) -> dict[str, dict[str, Any]]:
        """Start, wait ``duration_s`` wall seconds (or until ``stop``), stop, join."""
        self.start()
        end = math.inf if duration_s is None else time.monotonic() + duration_s
        try:
            while time.monotonic() < end:
                if stop is not None and stop.is_set():
                    break
                if self._stop.wait(min(0.2, max(0.0, end - time.monotonic()))):
                    break
        finally:
            self.stop()
        return self.join()

    def status(self) -> dict[str, dict[str, Any]]:
        """Per bed (thread mode): connected, hops, last t, errors, latest latency."""
        out = {}
        for bed_id, mon in self.monitors.items():
            out[bed_id] = {
                "connected": mon.source.connected,
                "n_hops": mon.n_hops,
                "t_s": mon.t_last_s,
                "n_errors": mon.n_errors,
                "n_lost": mon.source.n_lost,
                "latency_s": mon.latencies_s[-1] if mon.latencies_s else None,
            }
        return out


def _worker_main(
    beds: list[BedSpec],
    config: BedSettings | None,
    lsl_config: str,
    timeout_s: float,
    bed_options: dict[str, Any],
    out_queue: Any,
    stop: Any,
) -> None:
    """A worker process: its beds in threads, hop records sent back on the queue."""
    logging.basicConfig(level=logging.WARNING)

    def on_hop(rec: HopRecord) -> None:
        out_queue.put(("hop", rec.bed_id, rec.hop, rec.pushed_lsl_s))

    group = MultiBedMonitor(
        beds, config, n_processes=0, lsl_config=lsl_config, on_hop=on_hop,
        timeout_s=timeout_s, bed_options=bed_options,
    )  # fmt: skip
    group.start()
    try:
        while not stop.wait(0.2):
            pass
    finally:
        group.stop()
        for bed_id, summary in group.join().items():
            out_queue.put(("summary", bed_id, summary))
        out_queue.put(("done",))


# ------------------------------------------------------------------- the command
def run_monitor(
    names: Sequence[str],
    out_dir: str | Path | None = None,
    *,
    duration_s: float | None = None,
    config: BedSettings | EngineConfig | None = None,
    lsl_config: str | Path | None = None,
    stream_type: str | None = None,
    until_end: bool = False,
    stop: threading.Event | None = None,
    progress: Callable[[str], None] | None = None,
    source_options: dict[str, Any] | None = None,
    console: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Monitor one or more LSL streams (``rsemon monitor``); return per-bed summaries.

    Parameters
    ----------
    names : sequence of str
        Stream names, one bed each (the bed id is the name).
    out_dir : str or Path, optional
        One name: the four files go there (default ``./out/<name>``); several: into
        ``out_dir/<name>/``.
    duration_s : float, optional
        Wall-clock seconds to monitor (default: until ``stop`` is set).
    until_end : bool
        Also stop once every stream that declares its length (an ``rsemon stream``
        player without ``--loop``) has delivered its last sample.
    progress : callable, optional
        Receives a one-line status every 10 s.
    source_options : dict, optional
        Keyword arguments of :class:`pipeline.lsl.LslSource` (e.g. ``ch_names``,
        ``units``).
    console : callable, optional
        Receives one line per seizure onset/offset, depth change and alert
        transition, as they happen (:class:`~monitoring.console.ConsoleSink`).
    """
    if not names:
        raise ValueError("names is empty: give at least one --lsl NAME")
    if duration_s is not None and not duration_s > 0:
        raise ValueError(f"duration_s must be > 0, got {duration_s!r}")
    root = Path(out_dir) if out_dir is not None else None
    beds = []
    for name in names:
        if root is None:
            where = Path("out") / name
        else:
            where = root if len(names) == 1 else root / name
        beds.append(BedSpec(name, stream_name=name, stream_type=stream_type, out_dir=where))
    multi = MultiBedMonitor(
        beds, config, lsl_config=lsl_config,
        bed_options={"source_options": source_options or {}, "console": console},
    )  # fmt: skip
    stop = stop or threading.Event()
    multi.start()
    end = math.inf if duration_s is None else time.monotonic() + duration_s
    t_progress = time.monotonic()
    try:
        while time.monotonic() < end and not stop.is_set():
            stop.wait(min(0.2, max(0.0, end - time.monotonic())))
            if until_end and _all_ended(multi):
                break
            if progress is not None and time.monotonic() - t_progress >= 10.0:
                t_progress = time.monotonic()
                progress(_status_line(multi))
    finally:
        multi.stop()
    return multi.join()


def _all_ended(multi: MultiBedMonitor) -> bool:
    return all(mon.stream.ended() for mon in multi.monitors.values())


def _status_line(multi: MultiBedMonitor) -> str:
    parts = []
    for bed_id, st in multi.status().items():
        state = "live" if st["connected"] else "waiting"
        t = f"{st['t_s']:.0f} s" if st["t_s"] is not None else "-"
        parts.append(f"{bed_id}: {state}, t={t}, {st['n_hops']} hops")
    return "; ".join(parts)
