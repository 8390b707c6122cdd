"""A live EEG stream read from LSL as :class:`~pipeline.chunk.Chunk` objects.

:class:`LslSource` resolves an EEG stream by name, type or source id
(:mod:`pipeline.lsl.discovery`), reads its channel labels, units and rate from the
stream description (:class:`~pipeline.lsl.info.LslStreamInfo`, following the XDF
meta-data conventions [2]_), pulls chunks into a preallocated NumPy buffer and turns
them into chunks in µV on a recording clock (seconds since the first sample,
:mod:`pipeline.lsl.clock`, with liblsl clock synchronisation [1]_). It
notices gaps and sample-rate drift, reports ``stream_lost`` when the outlet
disappears, keeps trying, and on return reports ``stream_restored`` and flags the
next chunk ``gap_before=True`` so that the engine restarts its stages cleanly. Each
change of state is a :class:`StreamEvent`; one :meth:`LslSource.pull` returns a
:class:`Pulled` (at most one chunk, and the events).

- *Gap*: the first timestamp of a chunk lies more than ``gap_tolerance_s`` after the
  time predicted for it; the sample counter then jumps by the missing samples and
  the chunk is flagged ``gap_before``.
- *Drift*: after ``drift_min_span_s`` of data the fitted rate differs from the
  nominal rate by more than ``drift_tolerance_ratio``.
- *Loss*: liblsl reports the connection lost (the outlet's process ended), or no
  sample has arrived for ``lost_after_s``.

References
----------
.. [1] Kothe C et al. The Lab Streaming Layer for synchronized multimodal recording.
   bioRxiv 2024. doi:10.1101/2024.02.13.580071 (clock synchronisation by NTP-like
   probes, timestamp post-processing).
.. [2] XDF/LSL meta-data conventions for EEG streams (``desc/channels/channel`` with
   ``label``, ``unit``, ``type``), https://github.com/sccn/xdf/wiki/EEG-Meta-Data
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from rse_monitor.pipeline.checks import count, positive
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.pipeline.lsl.clock import ClockFit
from rse_monitor.pipeline.lsl.config import get_pylsl
from rse_monitor.pipeline.lsl.discovery import resolve_streams, stream_query
from rse_monitor.pipeline.lsl.info import LslStreamInfo, read_stream_info
from rse_monitor.pipeline.units import unit_scale_to_uv

__all__ = [
    "LslStreamNotFound",
    "StreamEvent",
    "Pulled",
    "LslSource",
]

log = logging.getLogger(__name__)

#: Severity of the stream-status alerts (IEC 60601-1-8 priorities).
STATUS_SEVERITY = {
    "stream_lost": "medium",
    "stream_restored": "low",
    "data_gap": "low",
    "rate_drift": "low",
}

EventKind = Literal["stream_lost", "stream_restored", "data_gap", "rate_drift"]


class LslStreamNotFound(TimeoutError):
    """No stream matching the query answered within the timeout."""


# -------------------------------------------------------------------------- events
@dataclass(frozen=True)
class StreamEvent:
    """A change in the state of a live stream.

    ``t_s`` is recording time (seconds since the stream's first sample); ``kind`` is
    ``stream_lost``, ``stream_restored``, ``data_gap`` or ``rate_drift``.
    """

    kind: EventKind
    t_s: float
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return STATUS_SEVERITY[self.kind]


@dataclass(frozen=True)
class Pulled:
    """What one :meth:`LslSource.pull` returned: at most one chunk, and events."""

    chunk: Chunk | None
    events: list[StreamEvent]


def _check_ch_names(ch_names: Sequence[str] | None) -> tuple[str, ...] | None:
    """Declared channel names: non-empty, distinct strings (None: the description's)."""
    if ch_names is None:
        return None
    if isinstance(ch_names, str) or not all(isinstance(n, str) for n in ch_names):
        raise TypeError(f"ch_names must be a sequence of str, got {ch_names!r}")
    names = tuple(n.strip() for n in ch_names)
    if not names or any(not n for n in names):
        raise ValueError(f"ch_names must be non-empty names, got {list(ch_names)!r}")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"ch_names must be distinct, got {', '.join(dupes)} twice")
    return names


# ------------------------------------------------------------------------ the source
class LslSource:
    """A live EEG stream as a sequence of :class:`~pipeline.chunk.Chunk` objects.

    Parameters
    ----------
    name, stype, source_id : str, optional
        What to resolve (at least one). ``stype`` is the LSL content type, e.g. EEG.
    config : str or Path, optional
        LSL configuration file (default: ``RSEMON_LSL_CONFIG`` or the project's
        machine-scope file); see :func:`configure_lsl`.
    lost_after_s : float
        Wall-clock seconds without a sample after which the stream counts as lost.
    retry_s : float
        Interval between resolve attempts while the stream is lost; it grows by
        half after each failed attempt, up to 5 s (a failed 1-s resolve costs about
        45 ms of CPU with the machine-scope port range).
    gap_tolerance_s : float
        A chunk stamped more than this (wall seconds) after its predicted time marks
        missing samples (a gap). Late pushes below it are jitter.
    drift_tolerance_ratio : float
        Relative difference between the fitted and the nominal rate that raises a
        ``rate_drift`` event (once per connection) after ``drift_min_span_s``.
    max_buffer_s : float
        Seconds of data liblsl may hold for us before dropping the oldest.
    resolve_timeout_s : float
        Longest wait of one resolve attempt (a pull while the stream is lost may
        block this long; with the machine-scope configuration a present stream
        answers within about 50 ms).
    ch_names : sequence of str, optional
        The channel names of a stream without metadata, one per channel of the
        stream in order (they replace the description's labels); a stream with
        another channel count is not used (logged).
    units : str, optional
        The unit of every channel (``uV``, ``mV``, ``V`` or another volt unit) of a
        stream that does not state it; replaces the description's units.

    Notes
    -----
    One verb: :meth:`pull`. :meth:`open` resolves the stream the first time (it is
    also called by :meth:`pull`); :meth:`close` releases the inlet; :meth:`reset`
    forgets the recording clock.
    """

    def __init__(
        self,
        name: str | None = None,
        stype: str | None = None,
        source_id: str | None = None,
        *,
        config: str | Path | None = None,
        lost_after_s: float = 3.0,
        retry_s: float = 1.0,
        gap_tolerance_s: float = 0.5,
        drift_tolerance_ratio: float = 0.01,
        drift_min_span_s: float = 30.0,
        max_buffer_s: float = 60.0,
        resolve_timeout_s: float = 1.0,
        ch_names: Sequence[str] | None = None,
        units: str | None = None,
    ) -> None:
        self._query = stream_query(name, stype, source_id)
        self.ch_names = _check_ch_names(ch_names)
        if units is not None and (not isinstance(units, str) or unit_scale_to_uv(units) is None):
            raise ValueError(f"units must be a volt unit such as uV, mV or V, got {units!r}")
        self.units = units
        numbers: dict[str, float] = {
            "lost_after_s": lost_after_s, "retry_s": retry_s,
            "gap_tolerance_s": gap_tolerance_s, "drift_tolerance_ratio": drift_tolerance_ratio,
            "max_buffer_s": max_buffer_s, "resolve_timeout_s": resolve_timeout_s,
        }  # fmt: skip
        for arg, number in numbers.items():
            positive(arg, number)
        self.name = name
        self.stype = stype
        self.source_id = source_id
        self.config = config
        self.lost_after_s = float(lost_after_s)
        self.retry_s = float(retry_s)
        self.gap_tolerance_s = float(gap_tolerance_s)
        self.drift_tolerance_ratio = float(drift_tolerance_ratio)
        self.drift_min_span_s = float(drift_min_span_s)
        self.max_buffer_s = float(max_buffer_s)
        self.resolve_timeout_s = float(resolve_timeout_s)
        self._pylsl = get_pylsl(config)
        self.info: LslStreamInfo | None = None
        self._inlet: Any = None
        self.n_lost = 0
        self.n_restored = 0
        self.n_gaps = 0
        self.reset()

    # -- state --------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the recording clock: the next sample is at t = 0 again."""
        self._n_next: int | None = None
        self._fit: ClockFit | None = None
        self._restoring = False
        self._lost_since: float | None = None
        self._last_try = -math.inf
        self._retry_interval_s = self.retry_s
        self._last_data = time.monotonic()
        self._drift_flagged = False
        self._skip_uids: set[str] = set()
        self._pending: tuple[NDArray[Any], NDArray[np.float64]] | None = None

    @property
    def connected(self) -> bool:
        return self._inlet is not None

    @property
    def t_next_s(self) -> float:
        """Recording time of the next sample (0 before any sample)."""
        if self._n_next is None or self.info is None:
            return 0.0
        return self._n_next / self.info.sfreq_hz

    @property
    def effective_sfreq_hz(self) -> float | None:
        """Recording rate as measured from the timestamps (None before enough data)."""
        if (
            self._fit is None
            or self.info is None
            or self._fit.period_s == self._fit.nominal_period_s
        ):
            return None
        return 1.0 / (self._fit.period_s * self.info.speed)

    def lsl_time_of(self, t_s: float) -> float:
        """Dejittered LSL time (this machine's ``local_clock``) of recording time ``t_s``."""
        if self._fit is None or self.info is None:
            return math.nan
        return self._fit.predict(t_s * self.info.sfreq_hz)

    def describe(self) -> str:
        return self._query.replace("'", "")

    # -- connection ---------------------------------------------------------------
    def _connect(self, timeout_s: float) -> bool:
        """Resolve and open an inlet; True on success. Sets ``self._inlet``."""
        pylsl = self._pylsl
        # liblsl waits at least its minimum round-trip time (UnicastMinRTT) for
        # answers, so the resolve may take longer than the caller's pull timeout
        found = resolve_streams(
            self._query, max(self.resolve_timeout_s, timeout_s), config=self.config
        )
        found = [s for s in found if s.uid() not in self._skip_uids]
        if not found:
            return False
        inlet = pylsl.StreamInlet(
            found[0],
            max_buflen=max(1, int(math.ceil(self.max_buffer_s))),
            max_chunklen=0,
            recover=False,
            processing_flags=pylsl.proc_clocksync,
        )
        try:
            full = inlet.info(timeout=max(1.0, timeout_s))
            inlet.open_stream(timeout=max(1.0, timeout_s))
            info = read_stream_info(pylsl, full, ch_names=self.ch_names, units=self.units)
        except (pylsl.util.TimeoutError, pylsl.util.LostError) as exc:
            log.warning("stream %s answered but did not open (%s)", self.describe(), exc)
            inlet.close_stream()
            return False
        except ValueError as exc:
            log.warning("ignoring stream %s: %s", found[0].uid(), exc)
            self._skip_uids.add(found[0].uid())
            inlet.close_stream()
            return False
        if self.info is not None and (
            info.ch_names != self.info.ch_names or info.sfreq_hz != self.info.sfreq_hz
        ):
            log.warning(
                "ignoring stream %s: its channels or rate differ from the stream being "
                "monitored (%d ch at %g Hz vs %d ch at %g Hz)", info.uid, len(info.ch_names),
                info.sfreq_hz, len(self.info.ch_names), self.info.sfreq_hz,
            )  # fmt: skip
            self._skip_uids.add(info.uid)
            inlet.close_stream()
            return False
        self.info = info
        self._inlet = inlet
        self._dtype = np.dtype(inlet.np_dtype)
        # room for a few seconds of wire samples; pulls never ask for more
        self._max_samples = int(max(64, math.ceil(info.wire_sfreq_hz * 2.0)))
        self._buf = np.empty((self._max_samples, info.n_channels_total), dtype=self._dtype)
        self._picks = np.asarray(info.picks, dtype=np.intp)
        self._all_picked = len(info.picks) == info.n_channels_total
        self._scale = np.asarray(info.scale_to_uv, dtype=np.float64)[:, None]
        self._unit_scaled = bool(np.any(self._scale != 1.0))
        self._last_data = time.monotonic()
        if self._fit is None:
            self._fit = ClockFit(1.0 / info.wire_sfreq_hz)
        return True

    def open(self, timeout_s: float = 5.0) -> LslStreamInfo:
        """Resolve the stream and open an inlet (no-op when connected).

        Raises
        ------
        LslStreamNotFound
            Nothing answered the query within ``timeout_s``.
        """
        if self._inlet is not None and self.info is not None:
            return self.info
        if not self._connect(timeout_s):
            raise LslStreamNotFound(
                f"no LSL stream with {self.describe()} answered within {timeout_s:g} s"
            )
        assert self.info is not None
        return self.info

    def close(self) -> None:
        """Release the inlet (the recording clock is kept)."""
        if self._inlet is not None:
            try:
                self._inlet.close_stream()
            except Exception:  # pragma: no cover - closing a broken inlet
                pass
            self._inlet = None

    def _lose(self, reason: str) -> StreamEvent:
        self.close()
        self.n_lost += 1
        self._lost_since = time.monotonic()
        self._last_try = -math.inf
        self._retry_interval_s = self.retry_s
        self._restoring = True
        t = self.t_next_s
        log.warning("stream %s lost at t=%.1f s: %s", self.describe(), t, reason)
        return StreamEvent(
            "stream_lost", t, f"LSL stream {self.describe()} lost ({reason})",
            {"reason": reason, "n_lost": self.n_lost},
        )  # fmt: skip

    # -- the verb -----------------------------------------------------------------
    def pull(self, timeout_s: float = 0.5, min_samples: int = 1) -> Pulled:
        """Wait up to ``timeout_s`` for samples; return them as a chunk, with events.

        Parameters
        ----------
        timeout_s : float
            Longest wait (wall seconds).
        min_samples : int
            Return as soon as this many samples are there (then take everything
            already buffered); fewer only when the timeout expires. 1 gives the
            lowest latency; a hop's worth gives one engine push per hop.

        Returns
        -------
        Pulled
            ``chunk`` (None when nothing arrived) in µV, channels first, on the
            recording clock; ``events`` in the order they happened.
        """
        count("min_samples", min_samples)
        positive("timeout_s", timeout_s, allow_zero=True)
        events: list[StreamEvent] = []
        if self._pending is not None:  # samples after a gap found inside the last pull
            raw, stamps = self._pending
            self._pending = None
            return Pulled(self._to_chunk(raw, stamps, events), events)
        if self._inlet is None:
            now = time.monotonic()
            wait = self._last_try + self._retry_interval_s - now
            if wait > 0:
                time.sleep(min(wait, timeout_s))
                return Pulled(None, events)
            self._last_try = now
            if not self._connect(timeout_s):
                self._retry_interval_s = min(max(5.0, self.retry_s), 1.5 * self._retry_interval_s)
                return Pulled(None, events)
            self._retry_interval_s = self.retry_s
            log.info(
                "stream %s connected (%s)", self.describe(), self.info.uid if self.info else ""
            )
        pylsl = self._pylsl
        try:
            _, stamps = self._inlet.pull_chunk(
                timeout=timeout_s,
                max_samples=self._max_samples,
                dest_obj=self._buf,
                min_samples=min(int(min_samples), self._max_samples),
                as_numpy=True,
            )
        except pylsl.util.LostError:
            events.append(self._lose("the outlet is gone"))
            return Pulled(None, events)
        n = len(stamps)
        now = time.monotonic()
        if n == 0:
            if now - self._last_data > self.lost_after_s:
                events.append(self._lose(f"no samples for {now - self._last_data:.1f} s"))
            return Pulled(None, events)
        self._last_data = now
        stamps = np.array(stamps, dtype=np.float64)
        raw = self._buf[:n]
        jumps = np.flatnonzero(np.diff(stamps) > self.gap_tolerance_s)
        if jumps.size:  # a gap inside this pull: hand out the part before it first
            cut = int(jumps[0]) + 1
            self._pending = (raw[cut:].copy(), stamps[cut:])
            raw, stamps = raw[:cut], stamps[:cut]
        return Pulled(self._to_chunk(raw, stamps, events), events)

    def _to_chunk(
        self, raw: NDArray[Any], stamps: NDArray[np.float64], events: list[StreamEvent]
    ) -> Chunk:
        """Samples ``raw`` (n, n_channels_total) with their stamps → a Chunk in µV."""
        info = self.info
        fit = self._fit
        assert info is not None and fit is not None
        n = raw.shape[0]
        if self._all_picked:
            data = raw.T.astype(np.float64)
        else:
            data = raw[:, self._picks].T.astype(np.float64)
        if self._unit_scaled:
            data *= self._scale
        gap_before = False
        period = fit.period_s
        if self._restoring or self._n_next is None:
            skip = 0
            if self._n_next is not None:
                predicted = fit.predict(self._n_next)
                if math.isfinite(predicted):
                    skip = max(0, int(round((stamps[0] - predicted) / period)))
            n_first = (self._n_next or 0) + skip
            gap_before = self._n_next is not None
            if self._restoring:  # lost earlier (possibly before any sample)
                self.n_restored += 1
                down_s = time.monotonic() - (self._lost_since or time.monotonic())
                events.append(
                    StreamEvent(
                        "stream_restored", n_first / info.sfreq_hz,
                        f"LSL stream {self.describe()} restored after {down_s:.1f} s "
                        f"({skip / info.sfreq_hz:.1f} s of recording missing)",
                        {"down_s": round(down_s, 3), "missing_s": round(skip / info.sfreq_hz, 3),
                         "uid": info.uid},
                    )
                )  # fmt: skip
                log.info("stream %s restored after %.1f s", self.describe(), down_s)
            fit.reset()
            self._drift_flagged = False
        else:
            n_first = self._n_next
            late_s = stamps[0] - fit.predict(n_first)
            if late_s > self.gap_tolerance_s:
                skip = int(round(late_s / period))
                n_first += skip
                gap_before = True
                self.n_gaps += 1
                events.append(
                    StreamEvent(
                        "data_gap", n_first / info.sfreq_hz,
                        f"{skip / info.sfreq_hz:.2f} s of samples missing from "
                        f"{self.describe()}",
                        {"missing_s": round(skip / info.sfreq_hz, 3), "n_missing": skip},
                    )
                )  # fmt: skip
                fit.reset()
        self._restoring = False
        self._lost_since = None
        fit.update(n_first + n - 1, float(stamps[-1]))
        self._n_next = n_first + n
        if fit.span_s >= self.drift_min_span_s:
            rate = 1.0 / fit.period_s
            ratio = rate / info.wire_sfreq_hz - 1.0
            if abs(ratio) > self.drift_tolerance_ratio and not self._drift_flagged:
                self._drift_flagged = True
                events.append(
                    StreamEvent(
                        "rate_drift", self._n_next / info.sfreq_hz,
                        f"{self.describe()} delivers {rate / info.speed:.2f} Hz, "
                        f"not the declared {info.sfreq_hz:g} Hz ({ratio * 100:+.2f} %)",
                        {"effective_sfreq_hz": rate / info.speed,
                         "nominal_sfreq_hz": info.sfreq_hz, "ratio": ratio},
                    )
                )  # fmt: skip
            elif abs(ratio) < self.drift_tolerance_ratio / 2:
                self._drift_flagged = False
        return Chunk(
            data,
            n_first / info.sfreq_hz,
            info.sfreq_hz,
            info.ch_names,
            gap_before=gap_before,
            unit_known=info.unit_known,
            meta={"lsl_stamps_s": stamps},
        )
