"""EEG as a reviewer sees it: montage, zero-phase display filter, display decimation.

Pure functions over ``(n_channels, n_samples)`` arrays in µV, used by the raw-EEG
review (``GET /api/v1/beds/{bed_id}/eeg``). Unlike the engine's causal stages
(:mod:`pipeline.preprocess`), a reviewed excerpt is filtered forwards and backwards
(zero phase, no delay: an onset is drawn where it happened), with the *same*
band-pass and notch design as the engine (:func:`pipeline.preprocess.design_sos`).

- :func:`apply_montage`: ``bipolar`` (the engine's longitudinal bipolar montage,
  :class:`~pipeline.preprocess.BipolarMontage`, ACNS Guideline 3), ``referential``
  (as recorded) or ``average`` (common average reference over the channels given).
- :func:`display_filter`: ``scipy.signal.sosfiltfilt`` of the engine's SOS design;
  the caller reads ``pad_s(l_freq_hz)`` of real signal on either side of the excerpt
  and crops it afterwards, so that the edges are not the filter's start-up.
- :func:`minmax_decimate`: per bucket of ``k`` samples its minimum and maximum in
  time order (the envelope a screen pixel column can show; spikes are never lost,
  as they would be by plain decimation). Applied after the band-pass low-pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from rse_monitor.pipeline.preprocess import BipolarMontage, design_sos

__all__ = [
    "MONTAGES",
    "Montage",
    "apply_montage",
    "display_filter",
    "minmax_decimate",
    "pad_s",
]

Montage = Literal["bipolar", "referential", "average"]
MONTAGES: tuple[Montage, ...] = ("bipolar", "referential", "average")


def apply_montage(
    data_uv: NDArray[np.float64], ch_names: Sequence[str], montage: Montage
) -> tuple[NDArray[np.float64], tuple[str, ...], str]:
    """Re-reference ``data_uv`` (n_channels, n_samples).

    Returns
    -------
    data_uv, ch_names, kind
        ``kind`` says what was done: ``double_banana`` (bipolar pairs ``"FP1-F7"``),
        ``as_recorded`` (referential; also ``bipolar`` on names that allow no double
        banana, exactly as the engine falls back), or ``average`` (names
        ``"FP1-AVG"``; each channel minus the mean over the channels at that sample,
        NaN samples left out of the mean).

    Raises
    ------
    ValueError
        An unknown montage, or names that do not match the rows.
    """
    if montage not in MONTAGES:
        raise ValueError(f"montage must be one of {', '.join(MONTAGES)}, got {montage!r}")
    names = tuple(str(n) for n in ch_names)
    if len(names) != data_uv.shape[0]:
        raise ValueError(f"ch_names has {len(names)} names for {data_uv.shape[0]} channels")
    if montage == "referential":
        return data_uv, names, "as_recorded"
    if montage == "average":
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(data_uv)
            n = finite.sum(axis=0)
            total = np.where(finite, data_uv, 0.0).sum(axis=0)
            mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        return data_uv - mean[None, :], tuple(f"{c}-AVG" for c in names), "average"
    bip = BipolarMontage(names)
    if bip.pairs is None:
        return data_uv, names, "as_recorded"
    a = np.array([i for i, _, _ in bip.pairs])
    b = np.array([j for _, j, _ in bip.pairs])
    return data_uv[a] - data_uv[b], bip.ch_names, "double_banana"


def pad_s(l_freq_hz: float) -> float:
    """Signal to read on each side of an excerpt before zero-phase filtering, s:
    three periods of the low cut-off (at least 2 s), so that the band-pass's
    transient has died out where the excerpt begins."""
    return max(2.0, 3.0 / float(l_freq_hz))


def display_filter(
    data_uv: NDArray[np.float64],
    sfreq_hz: float,
    l_freq_hz: float,
    h_freq_hz: float,
    notch_hz: float | None,
) -> NDArray[np.float64]:
    """Zero-phase band-pass + notch (the engine's design, run forwards and backwards).

    ``data_uv`` (n_channels, n_samples) must be contiguous in time and finite (the
    caller splits at gaps). The magnitude response is the engine's squared: the
    same pass band, the same stop bands, steeper. Runs shorter than the filter's
    default edge padding are filtered with the padding they allow.
    """
    sos = design_sos(sfreq_hz, l_freq_hz, h_freq_hz, notch_hz)
    n = data_uv.shape[-1]
    if n < 2:
        return data_uv.copy()
    padlen = min(3 * (2 * len(sos) + 1), n - 1)  # scipy's default, capped by the run
    return np.asarray(signal.sosfiltfilt(sos, data_uv, axis=-1, padlen=padlen))


def minmax_decimate(
    data_uv: NDArray[np.float64], max_points: int
) -> tuple[NDArray[np.float64], int]:
    """At most ``max_points`` points per channel keeping each bucket's extremes.

    Buckets of ``k = ceil(2 · n_samples / max_points)`` samples each give two
    points, their minimum and maximum, in the order they occur (NaN buckets stay
    NaN). Returns the points and ``k`` (1 when nothing needed to be done): the
    points stand at ``2 / k`` per sample, so the display rate is
    ``sfreq_hz · 2 / k``.
    """
    if max_points < 2:
        raise ValueError(f"max_points must be >= 2, got {max_points!r}")
    n_ch, n = data_uv.shape
    if n <= max_points:
        return data_uv, 1
    k = math.ceil(2 * n / max_points)
    n_buckets = math.ceil(n / k)
    padded = np.full((n_ch, n_buckets * k), np.nan)
    padded[:, :n] = data_uv
    b = padded.reshape(n_ch, n_buckets, k)
    allnan = np.isnan(b).all(axis=-1)
    filled_lo = np.where(np.isnan(b), np.inf, b)
    filled_hi = np.where(np.isnan(b), -np.inf, b)
    i_min = filled_lo.argmin(axis=-1)
    i_max = filled_hi.argmax(axis=-1)
    lo = np.take_along_axis(b, i_min[..., None], axis=-1)[..., 0]
    hi = np.take_along_axis(b, i_max[..., None], axis=-1)[..., 0]
    first = np.where(i_min <= i_max, lo, hi)
    second = np.where(i_min <= i_max, hi, lo)
    out = np.stack([first, second], axis=-1).reshape(n_ch, 2 * n_buckets)
    out[np.repeat(allnan, 2, axis=-1)] = np.nan
    return out, k
