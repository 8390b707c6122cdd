"""Pure, vectorised EEG feature functions.

All functions take arrays shaped ``(..., n_samples)`` in microvolts and work along
the last axis, so a batch of windows ``(n_windows, n_channels, n_samples)`` is one
call. None of them keeps state; the streaming stages in :mod:`pipeline.engine` and
:mod:`detectors.burst` own the state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.signal import get_window

__all__ = [
    "BANDS_HZ",
    "SUPPRESSION_THRESHOLD_UV",
    "MIN_SUPPRESSION_S",
    "line_length",
    "rms",
    "segment_spectra",
    "band_powers",
    "coherence",
    "band_coherence",
    "homologous_pairs",
    "amplitude_envelope",
    "suppression_mask",
    "suppression_ratio",
    "runs",
]

#: Classical EEG bands (Hz), half-open [low, high).
BANDS_HZ: Mapping[str, tuple[float, float]] = {
    "delta": (0.5, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 30.0),
}

#: Suppression threshold: "suppression" is activity below 10 µV in the ACNS
#: Standardized Critical Care EEG Terminology 2021 (Hirsch et al., J Clin
#: Neurophysiol 2021;38:1-29). We apply it to the peak-to-peak amplitude, which
#: matches the ±5 µV of the BIS suppression ratio (Rampil, Anesthesiology 1998).
SUPPRESSION_THRESHOLD_UV = 10.0

#: Minimum duration of a suppression: 0.5 s, as in the BIS suppression ratio
#: (Rampil 1998); ACNS 2021 likewise requires bursts and suppressions ≥ 0.5 s.
MIN_SUPPRESSION_S = 0.5

#: Smoothing of the amplitude envelope (moving RMS length), seconds.
ENVELOPE_S = 0.25

FloatArray = NDArray[np.float64]


def line_length(x: FloatArray, sfreq_hz: float) -> FloatArray:
    """Line length per second (Esteller et al., IEEE EMBS 2001).

    ``LL = (Σ_k |x[k] − x[k−1]|) · f_s / (N − 1)``: the curve length of the window
    normalised to one second, in µV/s, so that windows of any length compare.

    Parameters
    ----------
    x : ndarray, shape (..., n_samples), µV
    sfreq_hz : float

    Returns
    -------
    ndarray, shape (...), µV/s

    Examples
    --------
    A sine of amplitude A and frequency f has LL = 4·A·f:

    >>> t = np.arange(2560) / 256
    >>> round(float(line_length(10 * np.sin(2 * np.pi * 5 * t), 256.0)))
    200
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape[-1] < 2:
        raise ValueError(f"line_length needs at least 2 samples, got {x.shape[-1]}")
    return np.abs(np.diff(x, axis=-1)).sum(axis=-1) * (sfreq_hz / (x.shape[-1] - 1))


def rms(x: FloatArray) -> FloatArray:
    """Root-mean-square amplitude along the last axis, µV: ``sqrt(mean(x²))``."""
    x = np.asarray(x, dtype=np.float64)
    return np.sqrt(np.einsum("...i,...i->...", x, x) / x.shape[-1])


def segment_spectra(
    x: FloatArray, sfreq_hz: float, seg_s: float = 1.0, overlap: float = 0.5
) -> tuple[FloatArray, NDArray[np.complex128]]:
    """Hann-windowed FFTs of overlapping segments (the shared Welch step).

    Returns ``freqs`` (n_freqs,) and ``X`` shaped (..., n_segments, n_freqs), scaled
    so that ``mean(|X|²)`` over segments is the one-sided PSD in µV²/Hz.
    """
    x = np.asarray(x, dtype=np.float64)
    n_seg = int(round(seg_s * sfreq_hz))
    if n_seg < 2 or n_seg > x.shape[-1]:
        raise ValueError(f"seg_s={seg_s} gives {n_seg} samples for {x.shape[-1]} available")
    step = max(1, int(round(n_seg * (1 - overlap))))
    segs = np.lib.stride_tricks.sliding_window_view(x, n_seg, axis=-1)[..., ::step, :]
    win = get_window("hann", n_seg)  # periodic Hann, as scipy.signal.welch
    scale = np.sqrt(1.0 / (sfreq_hz * (win**2).sum()))
    spec = np.fft.rfft((segs - segs.mean(axis=-1, keepdims=True)) * win, axis=-1) * scale
    spec[..., 1:] *= np.sqrt(2.0)  # one-sided
    if n_seg % 2 == 0:
        spec[..., -1] /= np.sqrt(2.0)
    freqs = np.fft.rfftfreq(n_seg, 1.0 / sfreq_hz)
    return freqs, spec


def band_powers(
    x: FloatArray,
    sfreq_hz: float,
    bands: Mapping[str, tuple[float, float]] = BANDS_HZ,
    seg_s: float = 1.0,
) -> FloatArray:
    """Absolute band power (µV²) per band by Welch's method.

    Power is the PSD integrated over ``[low, high)`` (rectangle rule on the FFT
    grid). Returns shape ``(n_bands, ...)`` in the order of ``bands``.
    """
    freqs, spec = segment_spectra(x, sfreq_hz, seg_s)
    psd = (np.abs(spec) ** 2).mean(axis=-2)
    df = freqs[1] - freqs[0]
    return np.stack(
        [psd[..., (freqs >= lo) & (freqs < hi)].sum(axis=-1) * df for lo, hi in bands.values()]
    )


def coherence(
    x: FloatArray, y: FloatArray, sfreq_hz: float, seg_s: float = 1.0
) -> tuple[FloatArray, FloatArray]:
    """Magnitude-squared coherence ``|Sxy|² / (Sxx·Syy)`` by Welch averaging.

    Same estimator as :func:`scipy.signal.coherence` with a Hann window, 50 %
    overlap and constant detrend. Returns ``freqs`` and MSC in [0, 1].
    """
    freqs, sx = segment_spectra(x, sfreq_hz, seg_s)
    _, sy = segment_spectra(y, sfreq_hz, seg_s)
    return freqs, _msc(sx, sy)


def _msc(sx: NDArray[np.complex128], sy: NDArray[np.complex128]) -> FloatArray:
    sxy = (sx * np.conj(sy)).mean(axis=-2)
    sxx = (np.abs(sx) ** 2).mean(axis=-2)
    syy = (np.abs(sy) ** 2).mean(axis=-2)
    den = sxx * syy
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, np.abs(sxy) ** 2 / np.where(den > 0, den, 1.0), 0.0)
    return np.clip(out, 0.0, 1.0)


_ELECTRODE = re.compile(r"([A-Z]+)(\d+)")


def _mirror(name: str) -> str | None:
    """Right-hemisphere twin of a left-hemisphere label (odd number → next even)."""
    upper = name.upper()
    found = _ELECTRODE.findall(upper)
    if not found or any(int(num) % 2 == 0 for _, num in found):
        return None
    return _ELECTRODE.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + 1}", upper)


def homologous_pairs(ch_names: Sequence[str]) -> list[tuple[int, int, str]]:
    """Left/right homologous channel pairs, e.g. C3↔C4, FP1-F7↔FP2-F8, T3↔T4.

    Left electrodes carry odd numbers and right ones even numbers in the 10-20
    system, so a left label's twin replaces each odd number n by n + 1. Channels
    named otherwise (e.g. ``ch01``) have no homologue; the caller falls back to
    neighbouring pairs.
    """
    upper = [n.upper().replace("EEG ", "").strip() for n in ch_names]
    index = {n: i for i, n in enumerate(upper)}
    pairs = []
    for i, name in enumerate(upper):
        if not re.fullmatch(r"[A-Z]+\d+(-[A-Z]+\d+)?", name):
            continue
        twin = _mirror(name)
        if twin is not None and twin in index:
            pairs.append((i, index[twin], f"{ch_names[i]}~{ch_names[index[twin]]}"))
    return pairs


def band_coherence(
    x: FloatArray,
    sfreq_hz: float,
    pairs: Sequence[tuple[int, int]],
    bands: Mapping[str, tuple[float, float]] = BANDS_HZ,
    seg_s: float = 1.0,
) -> FloatArray:
    """Mean MSC per band for each channel pair (a synchrony index).

    Parameters
    ----------
    x : ndarray, shape (..., n_channels, n_samples)
    pairs : sequence of (i, j) channel indices

    Returns
    -------
    ndarray, shape (..., n_pairs, n_bands), values in [0, 1]
    """
    freqs, spec = segment_spectra(x, sfreq_hz, seg_s)
    i = np.array([p[0] for p in pairs], dtype=int)
    j = np.array([p[1] for p in pairs], dtype=int)
    msc = _msc(spec[..., i, :, :], spec[..., j, :, :])  # (..., n_pairs, n_freqs)
    return np.stack(
        [msc[..., (freqs >= lo) & (freqs < hi)].mean(axis=-1) for lo, hi in bands.values()],
        axis=-1,
    )


def amplitude_envelope(x: FloatArray, sfreq_hz: float, smooth_s: float = ENVELOPE_S) -> FloatArray:
    """Causal peak-to-peak amplitude envelope, µV.

    ``2·√2·sqrt(moving mean of x² over smooth_s)``: the peak-to-peak amplitude of a
    sine with the same RMS. The first ``smooth_s`` uses the samples available.
    """
    x = np.asarray(x, dtype=np.float64)
    n = max(1, int(round(smooth_s * sfreq_hz)))
    csum = np.cumsum(x * x, axis=-1)
    lagged = np.zeros_like(csum)
    lagged[..., n:] = csum[..., :-n]
    count = np.minimum(np.arange(1, x.shape[-1] + 1), n)
    return 2.0 * np.sqrt(2.0) * np.sqrt(np.maximum(csum - lagged, 0.0) / count)


def runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Half-open index ranges ``[start, stop)`` of the True runs of a 1-D mask."""
    m = np.asarray(mask, dtype=bool).ravel()
    edges = np.flatnonzero(np.diff(np.concatenate([[False], m, [False]]).astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def suppression_mask(
    x: FloatArray,
    sfreq_hz: float,
    threshold_uv: float = SUPPRESSION_THRESHOLD_UV,
    min_duration_s: float = MIN_SUPPRESSION_S,
    smooth_s: float = ENVELOPE_S,
    consensus: float = 0.5,
) -> NDArray[np.bool_]:
    """Samples that are suppressed (batch form of :class:`detectors.burst.SuppressionTracker`).

    A channel is below threshold where its :func:`amplitude_envelope` is under
    ``threshold_uv``; a sample is below threshold when at least ``consensus`` of the
    channels are (so an ECG spike or an artefact on a few channels does not break a
    suppression); a suppression is a run of such samples lasting ≥ ``min_duration_s``.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples) or (n_samples,), µV

    Returns
    -------
    ndarray of bool, shape (n_samples,)
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    below = amplitude_envelope(x, sfreq_hz, smooth_s) < threshold_uv
    cons = below.mean(axis=0) >= consensus
    n_min = int(round(min_duration_s * sfreq_hz))
    out = np.zeros(x.shape[-1], dtype=bool)
    for start, stop in runs(cons):
        if stop - start >= n_min:
            out[start:stop] = True
    return out


def suppression_ratio(mask: NDArray[np.bool_]) -> float:
    """Fraction (0–1) of suppressed samples in a mask (BIS-style suppression ratio)."""
    m = np.asarray(mask, dtype=bool)
    if m.size == 0:
        raise ValueError("suppression_ratio of an empty mask")
    return float(m.mean())
