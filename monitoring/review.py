"""Raw EEG review: an excerpt of a bed's EEG as the page draws it.

:func:`eeg_excerpt` reads ``[start_s, end_s)`` plus :func:`pipeline.display.pad_s`
of context on either side from a reader (an EDF bed's file, :func:`edf_reader`, or
a live bed's stored raw EEG, :class:`monitoring.raw_archive.RawArchive`), applies
the montage asked for, the bed's band-pass and notch zero-phase
(:func:`pipeline.display.display_filter`) on each contiguous run (gaps stay gaps),
crops the context, and reduces it to ``max_points`` per channel by min/max buckets
(:func:`pipeline.display.minmax_decimate`) when asked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from rse_monitor.monitoring.raw_archive import RawSpan
from rse_monitor.monitoring.settings import EngineConfig
from rse_monitor.pipeline.display import (
    Montage,
    apply_montage,
    display_filter,
    minmax_decimate,
    pad_s,
)

__all__ = ["MAX_SPAN_S", "EegExcerpt", "eeg_excerpt", "edf_reader"]

#: Longest excerpt one request may ask for, s.
MAX_SPAN_S = 60.0

Reader = Callable[[float, float], RawSpan | None]


@dataclass(frozen=True)
class EegExcerpt:
    """``data_uv`` (n_channels, n_points), NaN in gaps; point ``k`` stands at
    ``start_s + k / sfreq_hz`` (``sfreq_hz`` is the display rate after decimation)."""

    channels: tuple[str, ...]
    sfreq_hz: float
    start_s: float
    data_uv: NDArray[np.float64]
    montage: str
    decimation: int
    recorded_sfreq_hz: float
    unit_known: bool


def edf_reader(path: str | Path, available_end_s: float) -> Reader:
    """A reader of an EDF bed's file, up to ``available_end_s`` (what the bed has
    played so far: the review shows no EEG the monitor has not yet seen)."""
    from rse_monitor.pipeline.ingest import EdfSource

    src = EdfSource(path)

    def read(start_s: float, end_s: float) -> RawSpan | None:
        fs = src.sfreq_hz
        end = min(end_s, available_end_s, src.duration_s)
        k0, k1 = max(0, math.ceil(start_s * fs - 1e-6)), math.ceil(end * fs - 1e-6)
        if k1 <= k0:
            return None
        chunk = src.read(k0, k1)
        return RawSpan(chunk.data_uv, chunk.t0_s, fs, chunk.ch_names, chunk.unit_known)

    return read


def _runs(finite: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``[a, b)`` index runs of True."""
    edges = np.diff(np.concatenate([[0], finite.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def eeg_excerpt(
    read: Reader,
    start_s: float,
    end_s: float,
    config: EngineConfig,
    montage: Montage,
    max_points: int | None = None,
) -> EegExcerpt | None:
    """The EEG of ``[start_s, end_s)`` as displayed; None if nothing is stored there.

    Raises
    ------
    ValueError
        ``end_s <= start_s``, a span over :data:`MAX_SPAN_S`, or an unknown montage.
    """
    if not (math.isfinite(start_s) and math.isfinite(end_s)) or end_s <= start_s:
        raise ValueError(f"need finite start_s < end_s, got start_s={start_s!r}, end_s={end_s!r}")
    if end_s - start_s > MAX_SPAN_S + 1e-9:
        raise ValueError(
            f"at most {MAX_SPAN_S:g} s per request, asked for {end_s - start_s:g} s "
            f"({start_s:g}-{end_s:g} s)"
        )
    pad = pad_s(config.l_freq_hz)
    span = read(max(0.0, start_s - pad), end_s + pad)
    if span is None:
        return None
    fs = span.sfreq_hz
    i0 = max(0, math.ceil((start_s - span.t0_s) * fs - 1e-6))
    i1 = min(span.data_uv.shape[1], math.ceil((end_s - span.t0_s) * fs - 1e-6))
    if i1 <= i0 or not np.isfinite(span.data_uv[:, i0:i1]).any():
        return None
    data, names, kind = apply_montage(span.data_uv, span.ch_names, montage)
    out = np.full_like(data, np.nan)
    for c, row in enumerate(data):  # each channel's contiguous runs (gaps stay gaps)
        for a, b in _runs(np.isfinite(row)):
            out[c, a:b] = display_filter(row[None, a:b], fs, config.l_freq_hz,
                                         config.h_freq_hz, config.notch_hz)[0]  # fmt: skip
    out = out[:, i0:i1]
    k = 1
    if max_points is not None:
        out, k = minmax_decimate(out, max_points)
    return EegExcerpt(
        names, fs * (2.0 / k if k > 1 else 1.0), span.t0_s + i0 / fs, out, kind, k, fs,
        span.unit_known,
    )  # fmt: skip
