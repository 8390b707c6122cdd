"""Pure, vectorised EEG feature functions.

All functions take arrays shaped ``(..., n_samples)`` in microvolts and work along
the last axis, so a batch of windows ``(n_windows, n_channels, n_samples)`` is one
call. None of them keeps state; the streaming stages in :mod:`pipeline.preprocess`,
:mod:`detectors.burst` and :mod:`monitoring.engine` own the state.
"""

from __future__ import annotations

import functools
import inspect
import math
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
    "n_windows",
    "window_view",
    "windowed_line_length",
    "windowed_rms",
    "windowed_psd",
    "windowed_band_coherence",
    "Scratch",
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


class Scratch:
    """Reusable work arrays for the window functions (no effect on results).

    Fresh multi-megabyte temporaries for every block of windows cost more than the
    arithmetic on them (new pages from the operating system each time); a caller
    that runs the same computation over and over (the engine, every push) keeps one
    ``Scratch`` per computation and passes it along.
    """

    def __init__(self) -> None:
        self._flat: dict[str, NDArray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: type = np.float64) -> NDArray:
        """An uninitialised C-contiguous array of ``shape`` that may reuse memory."""
        size = math.prod(shape)
        flat = self._flat.get(name)
        if flat is None or flat.size < size or flat.dtype != np.dtype(dtype):
            flat = np.empty(max(size, 1), dtype=dtype)
            self._flat[name] = flat
        return flat[:size].reshape(shape)


#: numpy >= 2 can write an FFT into a given array
_RFFT_TAKES_OUT = "out" in inspect.signature(np.fft.rfft).parameters


def _rfft(x: FloatArray, out: NDArray[np.complex128] | None) -> NDArray[np.complex128]:
    if out is not None and _RFFT_TAKES_OUT:
        return np.fft.rfft(x, axis=-1, out=out)
    return np.fft.rfft(x, axis=-1)


@functools.lru_cache(maxsize=16)
def _hann_plan(
    n_seg: int, sfreq_hz: float
) -> tuple[FloatArray, float, tuple[int, ...], tuple[complex, ...]]:
    """Scaled periodic Hann window, its scale, and its DFT on the bins it reaches."""
    win = get_window("hann", n_seg)  # periodic Hann, as scipy.signal.welch
    scale = float(np.sqrt(1.0 / (sfreq_hz * (win**2).sum())))
    win = win * scale
    leak = np.fft.rfft(win)
    bins = np.flatnonzero(np.abs(leak) > 1e-9 * np.abs(leak[0]))
    win.flags.writeable = False
    return win, scale, tuple(bins.tolist()), tuple(leak[bins].tolist())


def _hann_scaled(n_seg: int, sfreq_hz: float) -> FloatArray:
    """Periodic Hann window times the Welch density scale ``sqrt(1 / (f_s Σ w²))``."""
    return _hann_plan(int(n_seg), float(sfreq_hz))[0]


def _segment_ffts(
    segs: FloatArray,
    sfreq_hz: float,
    bins: tuple[int, int] | None = None,
    scratch: Scratch | None = None,
) -> NDArray[np.complex128]:
    """Scaled FFT of Hann-windowed, mean-removed segments (the shared Welch step).

    ``X = rfft((s − mean(s)) · w) · sqrt(1 / (f_s Σ w²))`` for each segment ``s`` along
    the last axis, with ``w`` the periodic Hann window of :func:`scipy.signal.welch`,
    *without* the one-sided factor 2 (see :func:`_one_sided`); only the bins
    ``range(*bins)`` when ``bins`` is given. With ``scratch`` the result may live in
    the scratch memory (valid until its next use).

    The mean is removed in the frequency domain. The DFT is linear, so
    ``rfft((s − m)·w) = rfft(s·w) − m·rfft(w)``, and the DFT of a periodic Hann window
    is zero beyond bin 1: only bins 0 and 1 change. For a few bins the window too is
    applied on the spectrum ``R = rfft(s)`` of the raw segment: removing the mean
    zeroes ``R[0]``, and ``w[n] = ½ − ½ cos(2πn/N)`` is the three-tap convolution
    ``X[k] = ½ R[k] − ¼ (R[k−1] + R[k+1])`` with ``R[−1] = R[1]*`` and
    ``R[N−k] = R[k]*`` (Harris, Proc IEEE 1978;66:51-83), which saves the pass that
    multiplies the samples by the window. Either way the result equals the direct
    form to floating-point rounding.
    """
    n_seg = segs.shape[-1]
    n_freq = n_seg // 2 + 1
    lo, hi = (0, n_freq) if bins is None else bins
    if not 0 <= lo < hi <= n_freq:
        raise ValueError(f"bins must lie in [0, {n_freq}], got {bins}")
    win, scale, leak_bins, leak = _hann_plan(int(n_seg), float(sfreq_hz))
    spec_shape = (*segs.shape[:-1], n_freq)
    spec_out = None if scratch is None else scratch.get("spec", spec_shape, np.complex128)
    if hi - lo > n_freq // 2:  # most bins: window the samples, correct bins 0 and 1
        windowed = np.empty(segs.shape) if scratch is None else scratch.get("win", segs.shape)
        np.multiply(segs, win, out=windowed)
        spec = _rfft(windowed, spec_out)
        mean = segs.sum(axis=-1)
        mean /= n_seg
        for k, value in zip(leak_bins, leak, strict=True):
            spec[..., k] -= mean * value
        return spec if (lo, hi) == (0, n_freq) else spec[..., lo:hi]
    raw = _rfft(segs, spec_out)
    raw[..., 0] = 0.0  # mean removed
    # left[k] = R[k−1] + R[k+1], with the conjugate symmetry at both ends
    left = np.empty((*raw.shape[:-1], hi - lo), dtype=raw.dtype)
    if lo > 0:
        left[...] = raw[..., lo - 1 : hi - 1]
    else:
        left[..., 0] = raw[..., 1].conj() if n_freq > 1 else 0.0
        left[..., 1:] = raw[..., : hi - 1]
    if hi < n_freq:
        left += raw[..., lo + 1 : hi + 1]
    else:
        left[..., :-1] += raw[..., lo + 1 : hi]
        mirror = n_freq - 2 if n_seg % 2 == 0 else n_freq - 1  # R[N−k] = R[k]*
        left[..., -1] += raw[..., max(mirror, 0)].conj()
    left *= 0.25 * scale
    out = raw[..., lo:hi] * (0.5 * scale)
    out -= left
    return out


def _rfft_freqs(n_seg: int, sfreq_hz: float) -> FloatArray:
    """Frequencies (Hz) of the bins of an ``n_seg``-point real FFT."""
    return np.fft.rfftfreq(n_seg, 1.0 / sfreq_hz).astype(np.float64, copy=False)


def _one_sided(n_seg: int) -> FloatArray:
    """Weights turning ``|X|²`` of :func:`_segment_ffts` into a one-sided density."""
    weight = np.full(n_seg // 2 + 1, 2.0)
    weight[0] = 1.0
    if n_seg % 2 == 0:
        weight[-1] = 1.0
    return weight


def _segment_layout(
    n_samples: int, sfreq_hz: float, seg_s: float, overlap: float
) -> tuple[int, int]:
    """Segment length and step (samples) of the Welch estimate of one window."""
    n_seg = int(round(seg_s * sfreq_hz))
    if n_seg < 2 or n_seg > n_samples:
        raise ValueError(f"seg_s={seg_s} gives {n_seg} samples for {n_samples} available")
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap must be in [0, 1), got {overlap!r}")
    return n_seg, max(1, int(round(n_seg * (1 - overlap))))


def segment_spectra(
    x: FloatArray, sfreq_hz: float, seg_s: float = 1.0, overlap: float = 0.5
) -> tuple[FloatArray, NDArray[np.complex128]]:
    """Hann-windowed FFTs of overlapping segments (the shared Welch step).

    Segments of ``seg_s`` start every ``seg_s · (1 − overlap)`` from the first sample;
    each has its mean removed (constant detrend) and is multiplied by a periodic Hann
    window ``w`` (Welch 1967; the defaults of :func:`scipy.signal.welch`).

    Returns ``freqs`` (n_freqs,) and ``X`` shaped (..., n_segments, n_freqs), scaled
    so that ``mean(|X|²)`` over segments is the one-sided PSD in µV²/Hz.
    """
    x = np.asarray(x, dtype=np.float64)
    n_seg, step = _segment_layout(x.shape[-1], sfreq_hz, seg_s, overlap)
    segs = np.lib.stride_tricks.sliding_window_view(x, n_seg, axis=-1)[..., ::step, :]
    spec = _segment_ffts(segs, sfreq_hz)
    spec *= np.sqrt(_one_sided(n_seg))
    freqs = _rfft_freqs(n_seg, sfreq_hz)
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


#: A 10-20 / 10-10 electrode name (Jasper 1958; Chatrian et al. 1985): region letters,
#: then a number without leading zero (odd left, even right) or Z (midline).
_ELECTRODE = r"(?:FP|AF|FC|FT|CP|TP|PO|F|C|T|P|O|A|M|I)(?:[1-9][0-9]?|Z)"
_CHANNEL = re.compile(rf"{_ELECTRODE}(?:-{_ELECTRODE})?")
_NUMBERED = re.compile(r"(?<=[A-Z])([1-9][0-9]?)(?![0-9])")


def _mirror(name: str) -> str | None:
    """Right-hemisphere twin of a left-hemisphere label (odd number → next even)."""
    numbers = [int(n) for n in _NUMBERED.findall(name)]
    if not numbers or any(n % 2 == 0 for n in numbers):
        return None
    return _NUMBERED.sub(lambda m: str(int(m.group(1)) + 1), name)


def homologous_pairs(ch_names: Sequence[str]) -> list[tuple[int, int, str]]:
    """Left/right homologous channel pairs, e.g. C3↔C4, FP1-F7↔FP2-F8, T3↔T4.

    Left electrodes carry odd numbers and right ones even numbers in the 10-20
    system, so a left label's twin replaces each odd number n by n + 1. Labels are
    compared after removing an ``EEG`` prefix and a reference suffix (``-REF``,
    ``-LE``...). Channels that are not 10-20/10-10 electrodes or bipolar pairs of
    them (e.g. ``ch01``) have no homologue; the caller falls back to neighbouring
    pairs.
    """
    from rse_monitor.pipeline.ingest import normalise_label

    canon = [normalise_label(n) for n in ch_names]
    index = {n: i for i, n in enumerate(canon)}
    pairs = []
    for i, name in enumerate(canon):
        if not _CHANNEL.fullmatch(name):
            continue
        twin = _mirror(name)
        if twin is not None and twin in index:
            j = index[twin]
            pairs.append((i, j, f"{ch_names[i]}~{ch_names[j]}"))
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
    out = np.full((*msc.shape[:-1], len(bands)), np.nan)  # NaN: no bin in the band
    for b, (lo, hi) in enumerate(bands.values()):
        sel = (freqs >= lo) & (freqs < hi)
        if sel.any():
            out[..., b] = msc[..., sel].mean(axis=-1)
    return out


# --------------------------------------------------------------------------------------
# Features of the consecutive windows of one stretch of signal.
#
# The engine analyses windows of ``n_window`` samples every ``n_hop`` samples, so
# neighbouring windows overlap (2 s every 1 s by default): computed window by window,
# every sample and every Welch segment would be processed twice or more. The
# functions below take the contiguous stretch ("span") that the windows cover and
# share that work: per-block sums for line length and RMS, and Welch segments on a
# common grid whose FFTs are computed once and summed per window. Each returns what
# the window-by-window function returns, to floating-point rounding (tested), and
# falls back to the window-by-window function when the layout does not allow sharing.


def n_windows(n_samples: int, n_window: int, n_hop: int) -> int:
    """Number of whole windows of ``n_window`` every ``n_hop`` samples in ``n_samples``."""
    if n_window < 1 or n_hop < 1:
        raise ValueError(f"n_window and n_hop must be >= 1, got {n_window} and {n_hop}")
    return 0 if n_samples < n_window else (n_samples - n_window) // n_hop + 1


def window_view(span: FloatArray, n_window: int, n_hop: int) -> FloatArray:
    """The windows of a span as a read-only view, shape (n_windows, ..., n_window).

    Window ``w`` is ``span[..., w·n_hop : w·n_hop + n_window]``.
    """
    span = np.asarray(span)
    n_win = n_windows(span.shape[-1], n_window, n_hop)
    return _strided_segments(span, n_window, n_hop, n_win)


def _block_sums(
    values: FloatArray, n_block: int, n_win: int, n_window: int, n_hop: int
) -> FloatArray:
    """Sums of ``values[..., w·n_hop : w·n_hop + n_window]`` for each window ``w``.

    ``n_block`` divides both ``n_window`` and ``n_hop``; the sum of each block of
    ``n_block`` values is taken once and the window sums add whole blocks, in order.
    Returns shape (n_windows, ...).
    """
    n_blocks = (n_win - 1) * (n_hop // n_block) + n_window // n_block
    blocks = values[..., : n_blocks * n_block]
    blocks = blocks.reshape(*values.shape[:-1], n_blocks, n_block).sum(axis=-1)
    blocks = np.moveaxis(blocks, -1, 0)  # (n_blocks, ...)
    step = n_hop // n_block
    stop = (n_win - 1) * step + 1
    out = blocks[0:stop:step].copy()
    for k in range(1, n_window // n_block):
        out += blocks[k : k + stop : step]
    return out


#: Below this shared block length the per-block path is not worth it.
_MIN_SHARED_BLOCK = 8


def windowed_line_length(
    span: FloatArray, sfreq_hz: float, n_window: int, n_hop: int
) -> FloatArray:
    """:func:`line_length` of every window of a span, shape (n_windows, ...), µV/s.

    Parameters
    ----------
    span : ndarray, shape (..., n_samples), µV
    sfreq_hz : float
    n_window, n_hop : int
        Window length and hop in samples; window ``w`` starts at ``w · n_hop``.
    """
    span = np.asarray(span, dtype=np.float64)
    n_win = n_windows(span.shape[-1], n_window, n_hop)
    if n_window < 2:
        raise ValueError(f"line_length needs at least 2 samples, got {n_window}")
    n_block = math.gcd(n_window, n_hop)
    if n_win == 0 or n_block < _MIN_SHARED_BLOCK:
        return line_length(window_view(span, n_window, n_hop), sfreq_hz)
    used = (n_win - 1) * n_hop + n_window
    d = np.empty((*span.shape[:-1], used), dtype=np.float64)
    # |x[k+1] − x[k]| at position k; the position after the last window's end is 0
    np.subtract(span[..., 1:used], span[..., : used - 1], out=d[..., :-1])
    np.abs(d, out=d)
    tail = span[..., used] - span[..., used - 1] if span.shape[-1] > used else 0.0
    d[..., -1] = np.abs(tail)
    total = _block_sums(d, n_block, n_win, n_window, n_hop)
    # each window holds n_window − 1 differences: drop the one past its last sample
    last = np.moveaxis(d[..., n_window - 1 :: n_hop][..., :n_win], -1, 0)
    return (total - last) * (sfreq_hz / (n_window - 1))


def windowed_rms(span: FloatArray, n_window: int, n_hop: int) -> FloatArray:
    """:func:`rms` of every window of a span, shape (n_windows, ...), µV."""
    span = np.asarray(span, dtype=np.float64)
    n_win = n_windows(span.shape[-1], n_window, n_hop)
    n_block = math.gcd(n_window, n_hop)
    if n_win == 0 or n_block < _MIN_SHARED_BLOCK:
        return rms(window_view(span, n_window, n_hop))
    return np.sqrt(_block_sums(span * span, n_block, n_win, n_window, n_hop) / n_window)


#: Windows per block in the spectral functions: the work arrays of a block (about
#: a megabyte) are reused from block to block and stay in cache.
_WINDOWS_PER_BLOCK = 16


def _window_blocks(n_win: int, n_window: int, n_hop: int) -> list[tuple[int, int, slice]]:
    """Blocks of at most ``_WINDOWS_PER_BLOCK`` windows: (w0, w1, span samples)."""
    out = []
    for w0 in range(0, n_win, _WINDOWS_PER_BLOCK):
        w1 = min(n_win, w0 + _WINDOWS_PER_BLOCK)
        out.append((w0, w1, slice(w0 * n_hop, (w1 - 1) * n_hop + n_window)))
    return out


def _grid_spectra(
    span: FloatArray,
    sfreq_hz: float,
    n_win: int,
    n_hop: int,
    n_seg: int,
    step: int,
    n_per: int,
    bins: tuple[int, int] | None = None,
    scratch: Scratch | None = None,
) -> NDArray[np.complex128]:
    """FFTs (:func:`_segment_ffts`) of the Welch segments of all windows, each once.

    Requires ``n_hop % step == 0``: the segments of every window then lie on one grid
    of ``step`` samples. Returns shape (n_grid, ..., n_freqs) where window ``w`` owns
    grid segments ``w·(n_hop/step) + k`` for ``k < n_per``.
    """
    n_grid = (n_win - 1) * (n_hop // step) + n_per
    return _segment_ffts(_strided_segments(span, n_seg, step, n_grid), sfreq_hz, bins, scratch)


def _strided_segments(span: FloatArray, n_seg: int, step: int, n_seg_total: int) -> FloatArray:
    """Read-only view (n_seg_total, ..., n_seg) of segments starting every ``step`` samples.

    Same as a strided ``sliding_window_view``, built directly (that helper's checks
    cost more than the arithmetic on a short span).
    """
    if n_seg_total > 0 and (n_seg_total - 1) * step + n_seg > span.shape[-1]:
        raise ValueError(
            f"{n_seg_total} segments of {n_seg} every {step} need more than "
            f"{span.shape[-1]} samples"
        )
    last = span.strides[-1]
    return np.lib.stride_tricks.as_strided(
        span,
        shape=(n_seg_total, *span.shape[:-1], n_seg),
        strides=(step * last, *span.strides[:-1], last),
        writeable=False,
    )


def _per_window_sum(
    values: NDArray, n_win: int, r: int, n_per: int, out: NDArray | None = None
) -> NDArray:
    """``Σ_k values[w·r + k]`` for ``k < n_per``: per-window sums over grid segments."""
    stop = (n_win - 1) * r + 1
    if out is None:
        out = values[0:stop:r].copy()
    else:
        out[...] = values[0:stop:r]
    for k in range(1, n_per):
        out += values[k : k + stop : r]
    return out


def windowed_psd(
    span: FloatArray,
    sfreq_hz: float,
    n_window: int,
    n_hop: int,
    seg_s: float = 1.0,
    overlap: float = 0.5,
    scratch: Scratch | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Welch PSD (µV²/Hz) of every window of a span, each Welch segment transformed once.

    Equals ``mean(|segment_spectra(window)|², axis=-2)`` for each window. ``scratch``
    (optional) lends reusable work memory.

    Returns
    -------
    freqs : ndarray, shape (n_freqs,), Hz
    psd : ndarray, shape (n_windows, ..., n_freqs), µV²/Hz
    """
    span = np.asarray(span, dtype=np.float64)
    n_win = n_windows(span.shape[-1], n_window, n_hop)
    n_seg, step = _segment_layout(n_window, sfreq_hz, seg_s, overlap)
    freqs = _rfft_freqs(n_seg, sfreq_hz)
    psd = np.empty((n_win, *span.shape[:-1], freqs.size))
    if n_win == 0:
        return freqs, psd
    if n_hop % step:
        for w0, w1, sl in _window_blocks(n_win, n_window, n_hop):
            windows = window_view(span[..., sl], n_window, n_hop)
            _, spec = segment_spectra(windows, sfreq_hz, seg_s, overlap)
            psd[w0:w1] = (np.abs(spec) ** 2).mean(axis=-2)
        return freqs, psd
    scratch = scratch if scratch is not None else Scratch()
    n_per = (n_window - n_seg) // step + 1
    weight = _one_sided(n_seg) / n_per
    for w0, w1, sl in _window_blocks(n_win, n_window, n_hop):
        spec = _grid_spectra(span[..., sl], sfreq_hz, w1 - w0, n_hop, n_seg, step, n_per,
                             scratch=scratch)  # fmt: skip
        power = np.multiply(spec.real, spec.real, out=scratch.get("power", spec.shape))
        power += spec.imag**2
        block = _per_window_sum(power, w1 - w0, n_hop // step, n_per, out=psd[w0:w1])
        block *= weight
    return freqs, psd


def windowed_band_coherence(
    span: FloatArray,
    sfreq_hz: float,
    n_window: int,
    n_hop: int,
    pairs: Sequence[tuple[int, int]],
    bands: Mapping[str, tuple[float, float]] = BANDS_HZ,
    seg_s: float = 1.0,
    overlap: float = 0.5,
    scratch: Scratch | None = None,
) -> FloatArray:
    """:func:`band_coherence` of every window of a span, each Welch segment transformed once.

    Parameters
    ----------
    span : ndarray, shape (n_channels, n_samples), µV
    pairs : sequence of (i, j) channel indices

    Returns
    -------
    ndarray, shape (n_windows, n_pairs, n_bands), values in [0, 1]
    """
    span = np.asarray(span, dtype=np.float64)
    if span.ndim != 2:
        raise ValueError(f"span must be 2-D (n_channels, n_samples), got shape {span.shape}")
    n_win = n_windows(span.shape[-1], n_window, n_hop)
    n_seg, step = _segment_layout(n_window, sfreq_hz, seg_s, overlap)
    out = np.empty((n_win, len(pairs), len(bands)))
    if n_win == 0:
        return out
    if n_hop % step:
        for w0, w1, sl in _window_blocks(n_win, n_window, n_hop):
            windows = window_view(span[:, sl], n_window, n_hop)
            out[w0:w1] = band_coherence(windows, sfreq_hz, pairs, bands, seg_s)
        return out
    freqs = _rfft_freqs(n_seg, sfreq_hz)
    masks = [(freqs >= lo) & (freqs < hi) for lo, hi in bands.values()]
    used = np.flatnonzero(np.logical_or.reduce(masks))
    if used.size == 0:
        out.fill(np.nan)
        return out
    lo_bin, hi_bin = int(used[0]), int(used[-1]) + 1
    band_sel = [mask[lo_bin:hi_bin] for mask in masks]
    n_per = (n_window - n_seg) // step + 1
    r = n_hop // step
    i = np.array([p[0] for p in pairs], dtype=int)
    j = np.array([p[1] for p in pairs], dtype=int)
    chans = np.union1d(i, j)  # only the channels that are in a pair
    pos = np.searchsorted(chans, np.arange(span.shape[0]))
    pi, pj = pos[i], pos[j]
    sub = span[chans]
    scratch = scratch if scratch is not None else Scratch()
    msc = np.empty((n_win, len(pairs), hi_bin - lo_bin))
    for w0, w1, sl in _window_blocks(n_win, n_window, n_hop):
        n_sub = w1 - w0
        spec = _grid_spectra(
            sub[:, sl], sfreq_hz, n_sub, n_hop, n_seg, step, n_per, (lo_bin, hi_bin), scratch
        )  # (n_grid, n_used_channels, n_bins)
        power = spec.real**2
        power += spec.imag**2
        sxy = _per_window_sum(spec[:, pi] * spec[:, pj].conj(), n_sub, r, n_per)
        pw = _per_window_sum(power, n_sub, r, n_per)  # (n_sub, n_used_channels, n_bins)
        den = pw[:, pi] * pw[:, pj]
        num = sxy.real**2
        num += sxy.imag**2
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
        np.clip(ratio, 0.0, 1.0, out=msc[w0:w1])
    for b, sel in enumerate(band_sel):
        out[..., b] = msc[..., sel].mean(axis=-1) if sel.any() else np.nan
    return out


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
    """Samples that are suppressed, judged offline on a whole (filtered) record.

    The offline counterpart of :class:`detectors.burst.SuppressionTracker`, with the
    same amplitude statistic centred instead of trailing (a record at rest may look
    ahead): a channel is *active* at sample ``i`` when more than half of the samples
    in the ``smooth_s`` window centred on ``i`` exceed ``a = threshold_uv / (2√2)`` in
    absolute value, i.e. when the median of ``|x|`` there exceeds ``a``, the median
    of ``|x|`` of a sine whose peak-to-peak amplitude is ``threshold_uv`` (ACNS 2021:
    suppression is activity below 10 µV). A median, unlike a moving RMS, does not
    stretch a high-amplitude burst by the window length. A sample is below threshold
    when at least ``consensus`` of the channels are not active (an ECG spike or an
    artefact on a few channels does not break a suppression); a suppression is a run
    of such samples lasting at least ``min_duration_s`` (0.5 s, Rampil 1998).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_samples) or (n_samples,), µV

    Returns
    -------
    ndarray of bool, shape (n_samples,)
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    n = x.shape[-1]
    m = max(1, int(round(smooth_s * sfreq_hz)))
    over = np.abs(x) > threshold_uv / (2.0 * np.sqrt(2.0))
    csum = np.zeros((x.shape[0], n + 1), dtype=np.int64)
    np.cumsum(over, axis=-1, out=csum[:, 1:])
    lo = np.clip(np.arange(n) - m // 2, 0, n)
    hi = np.clip(lo + m, 0, n)
    active = 2 * (csum[:, hi] - csum[:, lo]) > (hi - lo)
    cons = (~active).mean(axis=0) >= consensus
    n_min = int(round(min_duration_s * sfreq_hz))
    out = np.zeros(n, dtype=bool)
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
