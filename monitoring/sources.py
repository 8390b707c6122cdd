"""Where a bed's EEG comes from: the sources of a :class:`~monitoring.session.BedSession`.

- :class:`EdfFileSource`: a recording file, as fast as the machine allows
  (``rsemon replay``) or paced at ``speed`` × real time (a service EDF bed); it can
  start part-way (a resumed bed warms the engine up on the seconds before). EDF,
  EDF+ and BDF are read by the project's reader, every other format through MNE
  (:mod:`pipeline.ingest_mne`); :func:`open_recording` also takes an
  ``mne.io.BaseRaw``.
- :class:`LslStreamSource`: a live LSL stream (``rsemon monitor``, a service LSL
  bed), resolved by name and re-resolved after a drop-out; it pulls one hop at a
  time and turns the stream's state changes into :class:`~monitoring.session.SourceEvent`,
  including ``stream_not_found`` when the stream has not appeared
  :data:`STREAM_NOT_FOUND_S` after the start (and ``stream_found`` when it does).

Both yield :data:`~monitoring.session.SourceItem` objects; the session does the rest.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from rse_monitor.monitoring.session import SourceEvent, SourceInfo, SourceItem, SourceStatus
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.pipeline.ingest import EdfSource
from rse_monitor.pipeline.ingest_mne import MneSource, open_reader

__all__ = [
    "EdfFileSource",
    "LslStreamSource",
    "STREAM_NOT_FOUND_S",
    "open_recording",
    "stream_not_found_s",
]

#: A live stream not found this long after the source started raises ``stream_not_found``.
STREAM_NOT_FOUND_S = 30.0


def stream_not_found_s() -> float:
    """The wait before ``stream_not_found``: ``RSEMON_STREAM_NOT_FOUND_S`` if set (the
    variable the service's settings read too), else :data:`STREAM_NOT_FOUND_S`."""
    text = os.environ.get("RSEMON_STREAM_NOT_FOUND_S", "").strip()
    if not text:
        return STREAM_NOT_FOUND_S
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"RSEMON_STREAM_NOT_FOUND_S must be a number > 0, got {text!r}")
    return value


class EdfFileSource:
    """A recording file as a bed source.

    Parameters
    ----------
    path : str or Path
        The file; its extension picks the reader (:func:`pipeline.ingest_mne.open_reader`).
    speed : float, optional
        Pace at this many times real time (a chunk is delivered when the wall clock
        reaches its end); None: as fast as possible.
    start_s : float
        Deliver data from this recording time on (a resumed bed).
    chunk_s : float, optional
        Chunk length, s (default 60 s as fast as possible; ``speed`` × 0.25 s paced,
        so that a paced bed's results arrive four times a second of its clock).
    on_progress : callable, optional
        Called with the recording time reached after each chunk.
    clock : callable
        Wall clock in seconds (``time.time``).
    reader : EdfSource or MneSource, optional
        An opened reader (``path`` then only names the source); default: the file's.

    Raises
    ------
    pipeline.ingest.IngestError
        The file cannot be read correctly (one-line reason).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        speed: float | None = None,
        start_s: float = 0.0,
        chunk_s: float | None = None,
        on_progress: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.time,
        reader: EdfSource | MneSource | None = None,
    ) -> None:
        if speed is not None and not (math.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be a positive number, got {speed!r}")
        if not (math.isfinite(start_s) and start_s >= 0):
            raise ValueError(f"start_s must be a number >= 0, got {start_s!r}")
        if chunk_s is None:
            chunk_s = 60.0 if speed is None else min(60.0, max(1.0, speed * 0.25))
        self.path = Path(path)
        self.speed = speed
        self.start_s = float(start_s)
        self.reader = reader if reader is not None else open_reader(path, chunk_s=chunk_s)
        self.chunk_s = float(chunk_s)
        self.on_progress = on_progress
        self.clock = clock
        #: wall-clock time of recording t = 0 when paced (set when the run starts, unless
        #: the caller set it: a resumed bed paces from its resume point)
        self.origin_wall_s: float | None = None
        self._t_end_s = self.start_s

    @property
    def t_end_s(self) -> float:
        return self._t_end_s

    @property
    def duration_s(self) -> float:
        return float(self.reader.duration_s)

    def describe(self) -> dict[str, Any]:
        src, info = self.reader, self.reader.info
        return {
            "path": str(self.path),
            "format": info.format,
            "duration_s": src.duration_s,
            "sfreq_hz": src.sfreq_hz,
            "n_eeg_channels": len(src.ch_names),
            "channels_set_aside": list(info.set_aside),
            "start_datetime": info.start_datetime,
            "unit_known": info.unit_known,
            "warnings": list(info.warnings),
            "speed": self.speed,
        }

    def info(self) -> SourceInfo:
        src = self.reader
        return SourceInfo(src.sfreq_hz, tuple(src.ch_names), src.info.unit_known,
                          src.info.start_datetime, self.describe())  # fmt: skip

    def items(
        self, stop: threading.Event, need_samples: Callable[[], int] | None = None
    ) -> Iterator[SourceItem]:
        """The file from ``start_s`` (less a warm-up the caller chose) to its end."""
        src = self.reader
        fs = src.sfreq_hz
        if self.speed is not None and self.origin_wall_s is None:
            self.origin_wall_s = self.clock() - self.start_s / self.speed
        yield self.info()
        if self.speed is not None:
            yield SourceStatus("running", f"replaying {self.path.name} at {self.speed:g}x")
        step = max(1, int(round(self.chunk_s * fs)))
        first = int(round(self.start_s * fs))
        for s0 in range(first, src.n_samples, step):
            if stop.is_set():
                return
            chunk = src.read(s0, s0 + step)
            if self.origin_wall_s is not None and self.speed is not None:
                delay = self.origin_wall_s + chunk.t_end_s / self.speed - self.clock()
                if delay > 0 and stop.wait(delay):
                    return
            self._t_end_s = chunk.t_end_s
            yield chunk
            if self.on_progress is not None:
                self.on_progress(chunk.t_end_s)
        if not stop.is_set():
            yield SourceStatus("finished", f"end of recording at {src.duration_s:.0f} s")


def open_recording(raw_or_path: Any, **options: Any) -> EdfFileSource:
    """The file source of a recording: a path (the reader chosen by extension: EDF/BDF
    by the project's reader, the formats of :data:`pipeline.ingest_mne.MNE_SUFFIXES`
    through MNE) or an ``mne.io.BaseRaw``; ``options`` are :class:`EdfFileSource`'s.

    Raises
    ------
    pipeline.ingest.IngestError
        The recording cannot be read correctly (one-line reason).
    """
    if isinstance(raw_or_path, str | os.PathLike):
        return EdfFileSource(Path(raw_or_path), **options)
    reader = MneSource(raw_or_path)  # the source reads its own chunks from it
    name = reader.path if reader.path is not None else Path("mne_raw")
    return EdfFileSource(name, reader=reader, **options)


class LslStreamSource:
    """A live LSL stream as a bed source.

    Parameters
    ----------
    name, stream_type, source_id : str, optional
        What to resolve (at least one).
    lsl_config : str or Path, optional
        LSL configuration (default: the project's machine-scope config).
    offset_for : callable, optional
        ``offset_for(t0_s, t_end_s)`` of the first chunk → bed time of the stream's
        t = 0 (a service bed resumed after a restart places the new connection's
        data after what it already stored); default 0.
    pull_timeout_s : float
        Longest wait of one pull, s.
    source_options : dict, optional
        Keyword arguments of :class:`pipeline.lsl.LslSource` (e.g. ``lost_after_s``).
    not_found_after_s : float, optional
        Wall-clock seconds without the stream after the start before a
        ``stream_not_found`` event (medium); default :func:`stream_not_found_s`.
    clock : callable
        Monotonic wall clock, s (``time.monotonic``).
    """

    def __init__(
        self,
        name: str | None = None,
        stream_type: str | None = None,
        source_id: str | None = None,
        *,
        lsl_config: str | Path | None = None,
        offset_for: Callable[[float, float], float] | None = None,
        pull_timeout_s: float = 0.5,
        source_options: dict[str, Any] | None = None,
        not_found_after_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from rse_monitor.pipeline.lsl import LslSource, get_pylsl

        if not_found_after_s is None:
            not_found_after_s = stream_not_found_s()
        if not (math.isfinite(not_found_after_s) and not_found_after_s > 0):
            raise ValueError(f"not_found_after_s must be > 0, got {not_found_after_s!r}")
        self.not_found_after_s = float(not_found_after_s)
        self.clock = clock
        self._not_found_since: float | None = None

        self.lsl = LslSource(name, stream_type, source_id, config=lsl_config,
                             **(source_options or {}))  # fmt: skip
        self.local_clock = get_pylsl(lsl_config).local_clock
        self.offset_for = offset_for
        self._last_chunk: Chunk | None = None
        self._layout: tuple[float, tuple[str, ...], bool] | None = None
        self.pull_timeout_s = float(pull_timeout_s)
        #: bed time of the stream's t = 0 (0 unless resumed)
        self.offset_s: float | None = None

    @property
    def t_end_s(self) -> float:
        return self.lsl.t_next_s + (self.offset_s or 0.0)

    @property
    def speed(self) -> float:
        info = self.lsl.info
        return float(getattr(info, "speed", 1.0) or 1.0) if info is not None else 1.0

    def describe(self) -> dict[str, Any]:
        info = self.lsl.info
        return {
            "lsl_query": self.lsl.describe(),
            **(info.to_dict() if info is not None else {}),
            "duration_s": round(self.t_end_s, 3),
            "effective_sfreq_hz": self.lsl.effective_sfreq_hz,
            "connected": self.lsl.connected,
        }

    def ended(self) -> bool:
        """True once a stream that declares its length (a player without ``--loop``)
        has delivered its last sample."""
        info = self.lsl.info
        if info is None or info.loop or info.duration_s is None:
            return False
        return self.lsl.t_next_s >= info.duration_s - 0.5 / info.sfreq_hz

    def close(self) -> None:
        self.lsl.close()

    def items(self, stop: threading.Event, need_samples: Callable[[], int]) -> Iterator[SourceItem]:
        """Pull until ``stop``; one hop's worth of samples per pull once running."""
        src = self.lsl
        started = False
        t_start = self.clock()
        try:
            while not stop.is_set():
                if not src.connected:
                    waiting = "reconnecting" if started else "connecting"
                    yield SourceStatus(waiting, f"waiting for LSL stream {src.describe()}")
                if not started:
                    yield from self._not_found(t_start)
                pulled = src.pull(timeout_s=self.pull_timeout_s,
                                  min_samples=need_samples() if started else 1)  # fmt: skip
                info = src.info
                layout = None if info is None else (info.sfreq_hz, tuple(info.ch_names),
                                                    info.unit_known)  # fmt: skip
                if layout is not None and layout != self._layout:
                    # first connection, or the stream came back with other channels or
                    # another rate (a new cap, a reconfigured amplifier): a new engine
                    self._layout = layout
                    yield SourceInfo(
                        *layout, None, self.describe(), new_engine=True, speed=self.speed
                    )
                    yield from self._found(started)
                    started = True
                for ev in pulled.events:
                    t_ev = ev.t_s + (self.offset_s or 0.0)
                    sev = ev.severity
                    yield SourceEvent(ev.kind, sev, ev.message, t_ev, dict(ev.details))  # type: ignore[arg-type]
                chunk = pulled.chunk
                if chunk is None or not started:
                    continue
                if self.offset_s is None:
                    self._set_offset(chunk.t0_s, chunk.t_end_s)
                yield SourceStatus("running", f"live from LSL stream {src.describe()}")
                if self.offset_s:
                    chunk = dataclasses.replace(chunk, t0_s=chunk.t0_s + self.offset_s)
                self._last_chunk = chunk
                yield chunk
        finally:
            src.close()

    def _not_found(self, t_start: float) -> Iterator[SourceEvent]:
        """``stream_not_found`` once the stream has been missing ``not_found_after_s``."""
        waited = self.clock() - t_start
        if self._not_found_since is not None or waited < self.not_found_after_s:
            return
        self._not_found_since = waited
        query = self.lsl.describe()
        yield SourceEvent(
            "stream_not_found", "medium",
            f"LSL stream {query} not found within {self.not_found_after_s:g} s",
            self.t_end_s, {"stream": query, "waited_s": round(waited, 1)},
        )  # fmt: skip

    def _found(self, started: bool) -> Iterator[SourceEvent]:
        """``stream_found`` when a stream reported missing appears."""
        if started or self._not_found_since is None:
            return
        query = self.lsl.describe()
        yield SourceEvent("stream_found", "low", f"LSL stream {query} found", self.t_end_s,
                          {"stream": query})  # fmt: skip

    def pushed_lsl_s(self, t_s: float) -> float:
        """LSL time at which the outlet pushed the sample ending at bed time ``t_s``
        (NaN when that sample is not in the last chunk delivered)."""
        chunk = self._last_chunk
        if chunk is None:
            return math.nan
        stamps = chunk.meta.get("lsl_stamps_s")
        idx = int(round((t_s - chunk.t0_s) * chunk.sfreq_hz)) - 1
        if not isinstance(stamps, np.ndarray) or not 0 <= idx < len(stamps):
            return math.nan
        return float(stamps[idx])

    def _set_offset(self, t0_s: float, t_end_s: float) -> None:
        """Bed time of the stream's t = 0 for this run."""
        self.offset_s = 0.0 if self.offset_for is None else float(self.offset_for(t0_s, t_end_s))
