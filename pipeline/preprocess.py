"""Streaming preprocessing stages: montage, causal filters, windowing.

Each stage is a small class with one verb, ``push(chunk)``, and a ``reset()``; state
(filter ``zi``, leftover samples, ring buffer) lives in the stage and crosses chunk
boundaries, so that processing a recording in chunks of any size, one sample
included, gives the same output as processing it whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from rse_monitor.pipeline import checks
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.pipeline.features import window_view
from rse_monitor.pipeline.ingest import normalise_label

__all__ = [
    "DOUBLE_BANANA",
    "BipolarMontage",
    "CausalFilter",
    "WindowBatch",
    "Windower",
    "resolve_montage",
]

# Longitudinal bipolar ("double banana") montage, ACNS Guideline 3 (2016), with the
# old (T3/T4/T5/T6) and new (T7/T8/P7/P8) names of the 10-20 system as aliases.
DOUBLE_BANANA: tuple[tuple[str, str], ...] = (
    ("FP1", "F7"), ("F7", "T7"), ("T7", "P7"), ("P7", "O1"),
    ("FP2", "F8"), ("F8", "T8"), ("T8", "P8"), ("P8", "O2"),
    ("FP1", "F3"), ("F3", "C3"), ("C3", "P3"), ("P3", "O1"),
    ("FP2", "F4"), ("F4", "C4"), ("C4", "P4"), ("P4", "O2"),
    ("FZ", "CZ"), ("CZ", "PZ"),
)  # fmt: skip
_ALIASES = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}


def _canonical(label: str) -> str:
    name = normalise_label(label)
    return _ALIASES.get(name, name)


def resolve_montage(ch_names: Sequence[str]) -> list[tuple[int, int, str]] | None:
    """Bipolar pairs ``(i_anode, i_cathode, "FP1-F7")`` available from referential names.

    Returns None when the names do not allow a double banana (fewer than 8 pairs
    available, or the channels are bipolar already, as in CHB-MIT).
    """
    canon = [_canonical(n) for n in ch_names]
    if sum("-" in c for c in canon) > len(canon) // 2:
        return None  # already bipolar
    index = {c: i for i, c in enumerate(canon)}
    pairs = [
        (index[a], index[b], f"{a}-{b}") for a, b in DOUBLE_BANANA if a in index and b in index
    ]
    return pairs if len(pairs) >= 8 else None


class BipolarMontage:
    """Longitudinal bipolar montage when 10-20 names allow, otherwise channels as given.

    Stateless per sample, so chunked output equals batch output trivially.
    """

    def __init__(self, ch_names: Sequence[str], enabled: bool = True) -> None:
        self.in_names = tuple(ch_names)
        self.pairs = resolve_montage(ch_names) if enabled else None
        if self.pairs is None:
            self.ch_names = self.in_names
            self.kind = "as_given"
        else:
            self.ch_names = tuple(name for _, _, name in self.pairs)
            self.kind = "double_banana"
            self._a = np.array([a for a, _, _ in self.pairs])
            self._b = np.array([b for _, b, _ in self.pairs])

    def reset(self) -> None:
        """Nothing to reset: a montage has no state."""

    def push(self, chunk: Chunk) -> Chunk:
        if chunk.ch_names != self.in_names:
            raise ValueError(
                f"chunk channels {chunk.ch_names[:3]}... do not match the montage's "
                f"{self.in_names[:3]}..."
            )
        if self.pairs is None:
            return chunk
        data = chunk.data_uv[self._a] - chunk.data_uv[self._b]
        return Chunk(
            data, chunk.t0_s, chunk.sfreq_hz, self.ch_names,
            gap_before=chunk.gap_before, unit_known=chunk.unit_known,
        )  # fmt: skip


def design_sos(
    sfreq_hz: float,
    l_freq_hz: float = 0.5,
    h_freq_hz: float = 45.0,
    notch_hz: float | None = 50.0,
    order: int = 4,
) -> NDArray[np.float64]:
    """Second-order sections of a Butterworth band-pass followed by an IIR notch.

    The high cut is lowered to 0.45 × ``sfreq_hz`` when the rate is too low for it,
    and the notch is dropped when ``notch_hz`` is above Nyquist. Both are causal.

    Raises
    ------
    TypeError, ValueError
        An argument that is not a finite positive number (``order``: an int ≥ 1), or
        a band that does not fit this rate: the low edge must lie below the high
        edge once that is capped at 0.45 × ``sfreq_hz`` (90 % of Nyquist).
    """
    fs = checks.positive("sfreq_hz", sfreq_hz)
    low = checks.positive("l_freq_hz", l_freq_hz)
    high = checks.positive("h_freq_hz", h_freq_hz)
    if notch_hz is not None:
        checks.positive("notch_hz", notch_hz)
    checks.count("order", order)
    nyq = fs / 2.0
    h = min(high, 0.45 * fs)
    if not low < h:
        capped = f" (capped at 0.45 × {fs:g} Hz; Nyquist is {nyq:g} Hz)" if h < high else ""
        raise ValueError(
            f"band-pass low edge l_freq_hz={low:g} Hz is not below its high edge "
            f"{h:g} Hz{capped}: no band is left to filter at {fs:g} Hz"
        )
    sos = signal.butter(order, [low, h], btype="bandpass", fs=fs, output="sos")
    if notch_hz is not None and notch_hz < nyq * 0.98:
        b, a = signal.iirnotch(notch_hz, Q=30.0, fs=fs)
        sos = np.vstack([sos, signal.tf2sos(b, a)])
    sos = np.asarray(sos, dtype=np.float64)
    if not np.isfinite(sos).all():
        raise ValueError(
            f"band-pass {low:g}-{h:g} Hz cannot be designed at {fs:g} Hz "
            "(band too narrow for this rate)"
        )
    return sos


class CausalFilter:
    """Causal band-pass + notch as SOS whose state crosses chunk boundaries.

    The state ``zi`` is seeded from the first sample of the first chunk (step
    response, as mne-lsl does) so that the DC offset of an unfiltered channel does
    not ring through the first seconds. NaN samples are replaced by 0 before
    filtering and reported (the detectors see them through the artefact guards).
    """

    def __init__(
        self,
        sfreq_hz: float,
        n_channels: int,
        l_freq_hz: float = 0.5,
        h_freq_hz: float = 45.0,
        notch_hz: float | None = 50.0,
    ) -> None:
        self.sfreq_hz = float(sfreq_hz)
        self.n_channels = int(n_channels)
        self.l_freq_hz = l_freq_hz
        self.h_freq_hz = h_freq_hz
        self.notch_hz = notch_hz
        checks.count("n_channels", n_channels)
        self.sos = design_sos(sfreq_hz, l_freq_hz, h_freq_hz, notch_hz)
        try:
            self._zi_unit = signal.sosfilt_zi(self.sos)  # (n_sections, 2)
        except (np.linalg.LinAlgError, ValueError):
            raise ValueError(
                f"band-pass {l_freq_hz:g}-{h_freq_hz:g} Hz with notch {notch_hz} Hz has no "
                f"steady state at {sfreq_hz:g} Hz (numerically unstable at this rate)"
            ) from None
        self.reset()

    def reset(self) -> None:
        self._zi: NDArray[np.float64] | None = None

    def push(self, chunk: Chunk) -> Chunk:
        data = chunk.data_uv
        if chunk.gap_before:
            self.reset()
        bad = ~np.isfinite(data)
        if bad.any():
            data = np.where(bad, 0.0, data)
        if self._zi is None:
            x0 = data[:, :1]  # (n_ch, 1)
            self._zi = self._zi_unit[:, None, :] * x0[None, :, :]
        out, self._zi = signal.sosfilt(self.sos, data, axis=-1, zi=self._zi)
        return Chunk(
            out, chunk.t0_s, chunk.sfreq_hz, chunk.ch_names,
            gap_before=chunk.gap_before, unit_known=chunk.unit_known,
            meta={"n_nonfinite": int(bad.sum())} if bad.any() else {},
        )  # fmt: skip


@dataclass(frozen=True)
class WindowBatch:
    """Consecutive analysis windows produced by one push.

    ``data_uv`` has shape (n_windows, n_channels, n_window) (filtered); ``raw_uv`` the
    same windows before filtering (for artefact guards: clipping, flat lines, NaN);
    ``t_end_s`` (n_windows,) the time just after each window's last sample.
    ``after_gap`` is True for a batch whose first window follows a restart.

    ``span_uv`` (n_channels, n_span) is the contiguous stretch the windows cover
    (window ``w`` is ``span_uv[:, w·n_hop : w·n_hop + n_window]``) and ``raw_span_uv``
    its unfiltered twin; ``data_uv`` and ``raw_uv`` are read-only views into them, so
    overlapping windows share memory and the feature functions of
    :mod:`pipeline.features` (``windowed_*``) can share work between windows.
    """

    data_uv: NDArray[np.float64]
    raw_uv: NDArray[np.float64]
    t_end_s: NDArray[np.float64]
    sfreq_hz: float
    ch_names: tuple[str, ...]
    after_gap: bool = False
    span_uv: NDArray[np.float64] | None = None
    raw_span_uv: NDArray[np.float64] | None = None
    n_hop: int = 0

    def __len__(self) -> int:
        return int(self.t_end_s.shape[0])


class Windower:
    """Cut a filtered stream into overlapping windows (default 2 s, hop 1 s).

    A window ends every ``hop_s`` once ``window_s`` of samples have arrived; windows
    come out as one :class:`WindowBatch` per push (possibly empty), which keeps the
    per-window Python work out of the hot path. Only the last ``window_s`` of
    samples are kept between pushes; nothing grows with the recording. A chunk with
    ``gap_before`` restarts the windows (no window straddles a gap).
    """

    def __init__(
        self, sfreq_hz: float, n_channels: int, window_s: float = 2.0, hop_s: float = 1.0
    ) -> None:
        if not 0 < hop_s <= window_s:
            raise ValueError(f"need 0 < hop_s <= window_s, got hop_s={hop_s}, window_s={window_s}")
        self.sfreq_hz = float(sfreq_hz)
        self.n_channels = int(n_channels)
        self.n_window = int(round(window_s * sfreq_hz))
        self.n_hop = int(round(hop_s * sfreq_hz))
        if self.n_hop < 1:
            raise ValueError(f"hop_s={hop_s} is shorter than one sample at {sfreq_hz} Hz")
        self.reset()

    def reset(self) -> None:
        self._tail = np.zeros((self.n_channels, 0), dtype=np.float64)
        self._tail_raw = np.zeros((self.n_channels, 0), dtype=np.float64)
        self._t_origin_s: float | None = None  # time of the first sample since the reset
        self._n_before_tail = 0  # samples since the origin before the tail's first one
        self._next_end = self.n_window  # index (in tail coordinates) of the next window end
        self._after_gap = False

    @property
    def n_until_window(self) -> int:
        """Samples still needed to complete the next window (at least 1)."""
        return max(1, self._next_end - self._tail.shape[1])

    def push(self, chunk: Chunk, raw: Chunk | None = None) -> WindowBatch:
        """Add a filtered chunk (and its unfiltered twin); return the completed windows."""
        if chunk.n_channels != self.n_channels:
            raise ValueError(f"chunk has {chunk.n_channels} channels, expected {self.n_channels}")
        if raw is not None and raw.data_uv.shape != chunk.data_uv.shape:
            raise ValueError(
                f"raw chunk has shape {raw.data_uv.shape}, filtered chunk {chunk.data_uv.shape}"
            )
        if chunk.gap_before and self._t_origin_s is not None:
            self.reset()
            self._after_gap = True
        if self._t_origin_s is None:
            self._t_origin_s = chunk.t0_s
        buf = np.concatenate([self._tail, chunk.data_uv], axis=1)
        if raw is None:
            buf_raw = buf
        else:
            buf_raw = np.concatenate([self._tail_raw, raw.data_uv], axis=1)
        length = buf.shape[1]
        n_win = 0 if length < self._next_end else (length - self._next_end) // self.n_hop + 1
        ends = self._next_end + self.n_hop * np.arange(n_win)
        if n_win:
            start = self._next_end - self.n_window
            stop = int(ends[-1])
            span, raw_span = buf[:, start:stop], buf_raw[:, start:stop]
            data = window_view(span, self.n_window, self.n_hop)
            data_raw = data if raw is None else window_view(raw_span, self.n_window, self.n_hop)
            next_end = stop + self.n_hop
        else:
            span = raw_span = np.zeros((self.n_channels, 0))
            data = np.zeros((0, self.n_channels, self.n_window))
            data_raw = data
            next_end = self._next_end
        # times from integer sample counts: the same whatever the chunking
        t_end = self._t_origin_s + (self._n_before_tail + ends) / self.sfreq_hz
        batch = WindowBatch(
            data, data_raw, t_end, self.sfreq_hz, chunk.ch_names,
            after_gap=self._after_gap and n_win > 0,
            span_uv=span, raw_span_uv=raw_span, n_hop=self.n_hop,
        )  # fmt: skip
        if n_win:
            self._after_gap = False
        keep_from = max(0, min(next_end - self.n_window, length))
        self._tail = buf[:, keep_from:].copy()
        self._tail_raw = self._tail if raw is None else buf_raw[:, keep_from:].copy()
        self._n_before_tail += keep_from
        self._next_end = next_end - keep_from
        return batch
