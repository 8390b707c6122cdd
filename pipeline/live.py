"""The engine live: one bed per LSL stream, many beds per process.

:class:`BedMonitor` runs one bed: :class:`~pipeline.lsl.LslSource` →
:class:`~pipeline.engine.BedEngine` → :class:`~pipeline.outputs.OutputWriter`. It
writes the same four files as offline replay while it runs: ``trends.csv`` and
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from detectors.alerting import AlertPolicy
from detectors.clinical import ClinicalState
from pipeline.engine import BedEngine, EngineConfig, HopResult
from pipeline.lsl import LslSource, LslStreamNotFound, StreamEvent, get_pylsl
from pipeline.outputs import OutputWriter

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


class BedMonitor:
    """One bed, live: pull from LSL, run the engine, write outputs.

    Parameters
    ----------
    spec : BedSpec
    config : EngineConfig, optional
    lsl_config : str or Path, optional
        LSL configuration file (see :func:`pipeline.lsl.configure_lsl`).
    summary_every_s : float
        Wall seconds between rewrites of ``summary.json``.
    on_hop : callable, optional
        Called with each :class:`HopRecord` (from the bed's thread).
    on_event : callable, optional
        Called with ``(bed_id, StreamEvent)``.
    source_options : dict, optional
        Extra keyword arguments for :class:`~pipeline.lsl.LslSource`.
    keep_latencies : int
        How many recent latencies to keep for :meth:`status`.

    Notes
    -----
    One verb, :meth:`update`: one pull (waits at most ``timeout_s``) and whatever
    hops it completes. :meth:`finish` closes the open seizure, writes the final
    ``events.tsv`` and ``summary.json`` and returns the summary.
    """

    def __init__(
        self,
        spec: BedSpec,
        config: EngineConfig | None = None,
        *,
        lsl_config: str | Path | None = None,
        summary_every_s: float = 30.0,
        on_hop: Callable[[HopRecord], None] | None = None,
        on_event: Callable[[str, StreamEvent], None] | None = None,
        source_options: dict[str, Any] | None = None,
        keep_latencies: int = 100_000,
    ) -> None:
        if not summary_every_s > 0:
            raise ValueError(f"summary_every_s must be > 0, got {summary_every_s!r}")
        self.spec = spec
        self.config = config or EngineConfig()
        self.summary_every_s = float(summary_every_s)
        self.on_hop = on_hop
        self.on_event = on_event
        self.source = LslSource(
            spec.stream_name, spec.stream_type, spec.source_id,
            config=lsl_config, **(source_options or {}),
        )  # fmt: skip
        self._clock = get_pylsl(lsl_config).local_clock
        self.keep_latencies = int(keep_latencies)
        self.reset()

    def reset(self) -> None:
        """Forget everything about the stream (a new engine at the next connection)."""
        self.engine: BedEngine | None = None
        self.writer: OutputWriter | None = None
        self.latencies_s: deque[float] = deque(maxlen=self.keep_latencies)
        self.n_hops = 0
        self.n_errors = 0
        self.n_events_written = -1
        self.status_events: list[StreamEvent] = []
        self.t_last_s: float | None = None
        self._n_seg = 0  # samples since the last gap (to pull one hop at a time)
        self._t_summary = time.monotonic()
        self._wall_start = time.monotonic()
        self._finished: dict[str, Any] | None = None
        self.started_at: datetime | None = None

    # -- helpers ------------------------------------------------------------------
    def _start(self) -> None:
        info = self.source.info
        assert info is not None
        self.engine = BedEngine(info.sfreq_hz, info.ch_names, info.unit_known, self.config)
        # as replay: the alerts a bed in the service would raise
        self._clinical, self._policy = ClinicalState(), AlertPolicy()
        self._n_window = int(round(self.config.window_s * info.sfreq_hz))
        self._n_hop = int(round(self.config.hop_s * info.sfreq_hz))
        # wall-clock time of recording t = 0 (at speed 1 alert times are real times)
        self.started_at = datetime.now(UTC)
        if self.spec.out_dir is not None:
            self.writer = OutputWriter(Path(self.spec.out_dir), self.spec.bed_id, self.started_at)
            self._write_summary(final=False)
        log.info(
            "bed %s: %s, %d channels at %g Hz%s", self.spec.bed_id, self.source.describe(),
            len(info.ch_names), info.sfreq_hz,
            f" (speed {info.speed:g}x)" if info.speed != 1 else "",
        )  # fmt: skip

    def _min_samples(self) -> int:
        """Samples still needed to complete the next window (1 before the start)."""
        if self.engine is None or self.source.info is None:
            return 1
        if self._n_seg < self._n_window:
            need = self._n_window - self._n_seg
        else:
            need = self._n_hop - (self._n_seg - self._n_window) % self._n_hop
        # in wire samples (a fast player sends the same samples, faster)
        return max(1, need)

    # -- the verb -----------------------------------------------------------------
    def update(self, timeout_s: float = 0.5) -> list[HopResult]:
        """Pull once (waiting at most ``timeout_s``), run the engine, write outputs."""
        src = self.source
        if self.engine is None:
            try:
                src.open(timeout_s=max(timeout_s, 0.1))
            except LslStreamNotFound:
                return []
            self._start()
        pulled = src.pull(timeout_s=timeout_s, min_samples=self._min_samples())
        alerts = []
        for ev in pulled.events:
            self.status_events.append(ev)
            alerts.append(ev.to_alert())
            if self.on_event is not None:
                self.on_event(self.spec.bed_id, ev)
        hops: list[HopResult] = []
        chunk = pulled.chunk
        if chunk is not None:
            assert self.engine is not None
            if chunk.gap_before:
                self._n_seg = 0
            self._n_seg += chunk.n_samples
            try:
                hops = self.engine.push(chunk)
            except Exception as exc:  # a live loop logs, counts and recovers
                self.n_errors += 1
                log.exception("bed %s: engine failed at t=%.1f s", self.spec.bed_id, chunk.t0_s)
                self.engine.reset_stages()
                self._n_seg = 0
                alerts.append({
                    "t_s": chunk.t0_s, "kind": "engine_error", "severity": "medium",
                    "message": f"analysis restarted after an internal error ({type(exc).__name__})",
                    "details": {"error": str(exc)[:200]},
                })  # fmt: skip
        if self.writer is not None and (hops or alerts):
            n_ch = len(self.engine.ch_names) if self.engine is not None else 0
            changes = [c for h in hops for c in self._policy.hop_changes(h, self._clinical, n_ch)]
            self.writer.write_hops(
                hops, extra_alerts=alerts, alerts=[c.to_record() for c in changes]
            )
            assert self.engine is not None
            if len(self.engine.events) != self.n_events_written:
                self.writer.write_events(self.engine.events, src.t_next_s)
                self.n_events_written = len(self.engine.events)
        if hops:
            # available: computed, written and flushed
            assert chunk is not None
            now = self._clock()
            stamps = chunk.meta.get("lsl_stamps_s")
            if not isinstance(stamps, np.ndarray):
                stamps = None
            for hop in hops:
                idx = int(round((hop.t_s - chunk.t0_s) * chunk.sfreq_hz)) - 1
                pushed = math.nan
                if stamps is not None and 0 <= idx < len(stamps):
                    pushed = float(stamps[idx])
                if math.isfinite(pushed):
                    self.latencies_s.append(now - pushed)
                if self.on_hop is not None:
                    self.on_hop(HopRecord(self.spec.bed_id, hop, pushed, now))
            self.n_hops += len(hops)
            self.t_last_s = hops[-1].t_s
        if self.writer is not None and time.monotonic() - self._t_summary >= self.summary_every_s:
            self._write_summary(final=False)
        return hops

    # -- outputs ------------------------------------------------------------------
    def summary(self, final: bool = False) -> dict[str, Any]:
        """Counts, durations, settings and stream state (what ``summary.json`` holds)."""
        from pipeline import __version__

        src = self.source
        info = src.info
        engine = self.engine
        events = engine.events if engine is not None else []
        t_end = src.t_next_s
        lat = np.asarray(self.latencies_s, dtype=np.float64)
        counts: dict[str, int] = {}
        for ev in self.status_events:
            counts[ev.kind] = counts.get(ev.kind, 0) + 1
        return {
            "software": "rse-monitor",
            "version": __version__,
            "mode": "live",
            "final": final,
            "bed_id": self.spec.bed_id,
            "input": {
                "lsl_query": src.describe(),
                **(info.to_dict() if info is not None else {}),
                "duration_s": round(t_end, 3),
                "start_datetime": self.started_at,
                "effective_sfreq_hz": src.effective_sfreq_hz,
            },
            "settings": engine.settings() if engine is not None else {},
            "n_seizures": len(events),
            "seizures": [
                {"onset_s": e.onset_s, "offset_s": e.offset_s, "confidence": e.confidence}
                for e in events
            ],
            "seizure_time_s": sum((e.offset_s or t_end) - e.onset_s for e in events),
            "stream_events": counts,
            "connected": src.connected,
            "n_hops": self.n_hops,
            "n_engine_errors": self.n_errors,
            "wall_time_s": round(time.monotonic() - self._wall_start, 3),
            "latency_s": {
                "n": int(lat.size),
                "p50": float(np.percentile(lat, 50)) if lat.size else None,
                "p99": float(np.percentile(lat, 99)) if lat.size else None,
                "max": float(lat.max()) if lat.size else None,
            },
        }

    def _write_summary(self, final: bool) -> None:
        self._t_summary = time.monotonic()
        if self.writer is not None:
            self.writer.write_summary(self.summary(final=final))

    def finish(self) -> dict[str, Any]:
        """Close the open event, write the final events and summary, release the inlet."""
        if self._finished is not None:
            return self._finished
        if self.engine is not None:
            self.engine.finish()
            if self.writer is not None:
                self.writer.write_events(self.engine.events, self.source.t_next_s)
        summary = self.summary(final=True)
        if self.writer is not None:
            self.writer.write_summary(summary)
            self.writer.close()
        self.source.close()
        self._finished = summary
        return summary


# --------------------------------------------------------------------- many beds
def _bed_loop(monitor: BedMonitor, stop: threading.Event, timeout_s: float) -> None:
    """A bed's thread: update until stopped; never let one failure end the bed."""
    n_fail = 0
    while not stop.is_set():
        try:
            monitor.update(timeout_s)
            n_fail = 0
        except Exception:
            n_fail += 1
            monitor.n_errors += 1
            log.exception("bed %s: update failed (%d in a row)", monitor.spec.bed_id, n_fail)
            stop.wait(min(5.0, 0.1 * 2**n_fail))


class MultiBedMonitor:
    """Many beds in one process (threads), optionally sharded over worker processes.

    Parameters
    ----------
    beds : sequence of BedSpec
        Distinct ``bed_id`` values.
    config : EngineConfig, optional
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
        config: EngineConfig | None = None,
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
        self.config = config or EngineConfig()
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
                    **self.bed_options,
                )  # fmt: skip
                self.monitors[spec.bed_id] = mon
                th = threading.Thread(
                    target=_bed_loop, args=(mon, self._stop, self.timeout_s),
                    name=f"bed-{spec.bed_id}", daemon=True,
                )  # fmt: skip
                th.start()
                self._threads.append(th)
            return
        ctx = mp.get_context("spawn")
        self._mp_stop = ctx.Event()
        self._queue = ctx.Queue()
        shards = [self.beds[i :: self.n_processes] for i in range(self.n_processes)]
        from pipeline.lsl import configure_lsl

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
    config: EngineConfig,
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
    config: EngineConfig | None = None,
    lsl_config: str | Path | None = None,
    stream_type: str | None = None,
    until_end: bool = False,
    stop: threading.Event | None = None,
    progress: Callable[[str], None] | None = None,
    source_options: dict[str, Any] | None = None,
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
        bed_options={"source_options": source_options or {}},
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
    for mon in multi.monitors.values():
        info = mon.source.info
        if info is None or info.loop or info.duration_s is None:
            return False
        if mon.source.t_next_s < info.duration_s - 0.5 / info.sfreq_hz:
            return False
    return True


def _status_line(multi: MultiBedMonitor) -> str:
    parts = []
    for bed_id, st in multi.status().items():
        state = "live" if st["connected"] else "waiting"
        t = f"{st['t_s']:.0f} s" if st["t_s"] is not None else "-"
        parts.append(f"{bed_id}: {state}, t={t}, {st['n_hops']} hops")
    return "; ".join(parts)
