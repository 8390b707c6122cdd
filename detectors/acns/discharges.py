"""Epileptiform discharges (spikes and sharp waves) in a multichannel window.

Definitions (ACNS 2021, Hirsch et al., J Clin Neurophysiol 2021;38:1-29, which
keeps the IFCN glossary definitions, Kane et al., Clin Neurophysiol Pract
2017;2:170-185): a *spike* is a transient, clearly distinguished from the
background activity, with a pointed peak and a duration of 20 to < 70 ms; a
*sharp wave* is the same with a duration of 70-200 ms. ACNS 2021 names the
sharpness classes "spiky" (< 70 ms) and "sharp" (70-200 ms) on the same limits.

What "clearly distinguished from the background" means here
------------------------------------------------------------
Every local extremum of either polarity is a candidate if it is the largest
value within ± ``refractory_ms`` of itself. For each candidate at sample ``p``
on channel ``c`` with value ``y_p`` (the channel minus its median, sign-flipped
for negative peaks):

- **amplitude** ``A = y_p − max(min(y[p−w:p]), min(y[p:p+w]))`` with ``w`` = 200 ms:
  the smaller of the two half-wave amplitudes (peak against the trough on either
  side), as in the half-wave decomposition of Gotman & Gloor (Electroencephalogr
  Clin Neurophysiol 1976;41:513-529);
- **duration** ``D = 2 × FWHM``: twice the width of the wave at half of ``A``
  (linear interpolation between samples). For a triangular transient this is its
  base duration; for a Gaussian one about 4.7 σ;
- **slope**: the steepest sample-to-sample slope (µV/ms) between the two
  half-amplitude crossings.

A candidate is a discharge when all of the following hold:

1. ``20 ≤ D < 200`` ms (IFCN/ACNS); kind ``"spike"`` when ``D < 70`` ms, else
   ``"sharp"``;
2. against the local background of the same channel: ``A ≥ min_rel_amplitude ·
   σ_c`` with ``σ_c = 1.4826 · MAD`` of the channel in the window (a robust
   standard deviation; the window should cover the "last seconds", 2-10 s, as the
   5-s background epoch of Gotman & Gloor 1976) computed *without the
   discharges*: a first pass with 3 σ of the whole window finds likely
   discharges, the samples within one discharge duration of them are left out,
   and σ_c is taken from the rest (otherwise a 3-Hz train, 15 % of the time,
   raises its own background by a fifth and hides itself), and ``slope ≥ min_rel_slope ·
   σ'_c`` with ``σ'_c`` the robust SD of the first difference. Defaults 4 and 2.5:
   relative amplitude and sharpness against the background are the core
   features of the classical detectors (Gotman & Gloor 1976; reviewed by Wilson
   & Emerson, Clin Neurophysiol 2002;113:1873-1881; amplitude, duration and slope
   are also the features experts agree on, Halford, Clin Neurophysiol
   2009;120:1927-1940, and Halford et al., J Neurosci Methods 2013;212:308-316).
   The factors are ours, set on synthetic backgrounds only (never on a
   recording): on a 0.5-40 Hz background with a 1/f^1.5 power spectrum they give
   about one false discharge per channel-minute whatever its RMS (a stray
   discharge does not make a periodic pattern of ≥ 6 cycles), and find 97-99 %
   of 100-µV, 50-ms spikes on a 20-µV-RMS background (≈ 5 σ_c). A slope factor
   of 3 halves the false discharges but loses sharp waves, which are by
   definition less steep than spikes; an amplitude factor of 5 loses a fifth of
   the spikes. A 120-ms, 100-µV sharp wave passes on a 10-µV background, not
   reliably on a 20-µV one. On a flat 1/f (pink) spectrum up to 40 Hz, rougher
   than scalp EEG, the false discharges rise to about 10 per channel-minute;
3. against a population reference in µV, so that a very low background does not
   turn small bumps into discharges: ``A ≥ min_amplitude_uv`` (20 µV, the lower
   limit of the "low" amplitude class of ACNS 2021; "very low" < 20 µV is at the
   level of a suppressed background, < 10 µV) and ``slope ≥ min_slope_uv_per_ms``
   (0.5 µV/ms: a 20-µV triangular spike of 70 ms has flanks of 0.57 µV/ms, and a
   sharp wave of 200 ms needs ≥ 50 µV to pass).

Candidates of opposite polarity within ``refractory_ms`` of each other on the same
channel (the two phases of one biphasic transient) are kept once, the larger.

Muscle
------
:func:`hf_share` gives, for each discharge, the share of the power of the ± 100 ms
around its peak (the span of the longest sharp wave, 200 ms) that lies at
≥ 20 Hz. Above 20 Hz scalp EEG is dominated by muscle (EMG; Goncharova et al.,
Clin Neurophysiol 2003;114:1580-1593), and a burst of muscle potentials (chewing,
shivering) has its largest peak pass every test above. A cerebral spike or sharp
wave has most of its power below 20 Hz: a triangular transient of duration ``D``
has its first spectral zero at ``2 / D`` (40 Hz for a 50-ms spike), and about 5 %
of its power above 20 Hz; the slow wave that follows it adds more below. The
detector does not judge the share (a muscle burst can ride on a discharge);
:func:`detectors.acns.terms.classify_window` does, where the window is in muscle
artefact (and only there is it measured).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rse_monitor.pipeline.checks import eeg_array, positive

__all__ = ["Discharges", "detect_discharges", "hf_share", "robust_sd"]

SPIKE_MAX_MS = 70.0  # IFCN glossary (Kane et al. 2017), ACNS 2021 "spiky"
SHARP_MAX_MS = 200.0  # IFCN glossary, ACNS 2021 "sharp"
MIN_DURATION_MS = 20.0  # IFCN glossary: a spike lasts 20 to < 70 ms
FLANK_MS = 200.0  # half-wave search on either side of the peak
PRELIM_REL_AMPLITUDE = 3.0  # first pass, to take discharges out of the background
MUSCLE_HZ = 20.0  # EMG dominates scalp EEG above this (Goncharova et al. 2003)
HF_SPAN_MS = 100.0  # ± this around the peak: a sharp wave lasts at most 200 ms
_MAD_TO_SD = 1.4826  # σ of a normal variable per unit of MAD


def robust_sd(x: NDArray[np.float64], axis: int = -1) -> NDArray[np.float64]:
    """Robust standard deviation ``1.4826 · median(|x − median(x)|)`` along ``axis``."""
    med = np.median(x, axis=axis, keepdims=True)
    return np.asarray(_MAD_TO_SD * np.median(np.abs(x - med), axis=axis), dtype=np.float64)


@dataclass(frozen=True)
class Discharges:
    """Discharges of a window as parallel arrays, one entry per discharge.

    Sorted by channel, then time. ``channel`` indexes the rows of the input.
    """

    channel: NDArray[np.intp]
    peak_s: NDArray[np.float64]  # from the first sample of the window
    duration_ms: NDArray[np.float64]
    amplitude_uv: NDArray[np.float64]  # smaller half-wave amplitude
    slope_uv_per_ms: NDArray[np.float64]
    polarity: NDArray[np.int8]  # +1 positive peak, -1 negative peak
    n_channels: int
    window_s: float
    background_sd_uv: NDArray[np.float64]  # (n_channels,) σ_c used

    def __len__(self) -> int:
        return int(self.channel.size)

    @property
    def kind(self) -> NDArray[np.str_]:
        """``"spike"`` (duration < 70 ms) or ``"sharp"`` (70-200 ms) per discharge."""
        return np.where(self.duration_ms < SPIKE_MAX_MS, "spike", "sharp")

    def count_per_channel(self) -> NDArray[np.intp]:
        """Number of discharges on each channel, shape ``(n_channels,)``."""
        return np.bincount(self.channel, minlength=self.n_channels).astype(np.intp)

    def of_channel(self, c: int) -> Discharges:
        """The discharges of channel ``c`` only (same fields)."""
        return self._subset(self.channel == c)

    def of_channels(self, channels: NDArray[np.intp]) -> Discharges:
        """The discharges of the given channels only (same fields, same order)."""
        return self._subset(np.isin(self.channel, channels))

    def where(self, keep: NDArray[np.bool_]) -> Discharges:
        """The discharges where ``keep`` (one bool per discharge) holds (same fields)."""
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != self.channel.shape:
            raise ValueError(f"keep must hold {len(self)} values, got shape {keep.shape}")
        return self._subset(keep)

    def _subset(self, keep: NDArray[np.bool_]) -> Discharges:
        return Discharges(
            self.channel[keep], self.peak_s[keep], self.duration_ms[keep],
            self.amplitude_uv[keep], self.slope_uv_per_ms[keep], self.polarity[keep],
            self.n_channels, self.window_s, self.background_sd_uv,
        )  # fmt: skip


def _candidates(
    xc: NDArray[np.float64],
    step: NDArray[np.float64],
    floor: NDArray[np.float64],
    r: int,
    pol: int,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(channel, sample) of local maxima of ``y = pol · xc`` over ± ``r`` samples
    above ``floor``; ``step`` is ``diff(xc)``.

    A sample is kept when no sample within ± ``r`` of it (the edge samples repeated
    beyond the ends) is larger, it is above its channel's ``floor`` and it is not
    the first or last sample. Only the samples that are at least their neighbours
    (read from the signs of ``step``: ``a - b >= 0`` exactly when ``a >= b``) and
    above the floor are checked against the whole span.
    """
    n = xc.shape[1]
    if n < 3:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    mid, before, after = xc[:, 1:-1], step[:, :-1], step[:, 1:]
    if pol > 0:
        peak = (before >= 0) & (after <= 0) & (mid > floor[:, None])
    else:  # -xc ≥ its neighbours and above the floor
        peak = (before <= 0) & (after >= 0) & (mid < -floor[:, None])
    ch, p = np.nonzero(peak)
    p = p + 1
    span = np.clip(p[:, None] + np.arange(-r, r + 1)[None, :], 0, n - 1)
    around = xc[ch[:, None], span]
    if pol > 0:
        keep = xc[ch, p] >= around.max(axis=1)
    else:
        keep = xc[ch, p] <= around.min(axis=1)
    return ch[keep].astype(np.intp), p[keep].astype(np.intp)


def _crossing(part: NDArray[np.float64], level: NDArray[np.float64]) -> NDArray[np.float64]:
    """Fractional index (from 0 = the peak) where ``part`` first falls below ``level``.

    ``part`` runs away from the peak, shape ``(n, m)``; rows that never fall below
    give ``m`` (the wave is wider than the search span).
    """
    below = part < level[:, None]
    k = np.argmax(below, axis=1)
    none = ~below.any(axis=1)
    k = np.where(none, part.shape[1] - 1, k)
    k0 = np.maximum(k - 1, 0)
    rows = np.arange(part.shape[0])
    a, b = part[rows, k0], part[rows, k]
    frac = np.where(b < a, (a - level) / np.where(b < a, a - b, 1.0), 0.0)
    out = k0 + np.clip(frac, 0.0, 1.0)
    return np.where(none, float(part.shape[1]), out)


def _segments(
    xc: NDArray[np.float64], ch: NDArray[np.intp], p: NDArray[np.intp], w: int, pol: int = 1
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The ``2w + 1`` samples around each candidate ``(ch, p)`` of ``y = pol · xc``
    (edge-padded; peak at column ``w``) and the candidate's amplitude (µV)."""
    # the edge samples repeated beyond the ends; peak at column w
    idx = np.clip(p[:, None] + np.arange(-w, w + 1)[None, :], 0, xc.shape[1] - 1)
    seg = xc[ch[:, None], idx]
    if pol < 0:
        np.negative(seg, out=seg)
    peak = seg[:, w]
    amp = peak - np.maximum(seg[:, : w + 1].min(axis=1), seg[:, w:].min(axis=1))
    return seg, amp


def _shape(
    seg: NDArray[np.float64], amp: NDArray[np.float64], w: int, sfreq_hz: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Duration (ms) and slope (µV/ms) of candidates from their :func:`_segments`."""
    peak = seg[:, w]
    left, right = seg[:, w::-1], seg[:, w:]  # both start at the peak
    level = peak - amp / 2.0
    i_left, i_right = _crossing(left, level), _crossing(right, level)
    duration_ms = 2.0 * (i_left + i_right) / sfreq_hz * 1000.0
    # steepest slope between the two half-amplitude crossings
    cols = np.arange(2 * w)[None, :]
    lo = np.floor(w - i_left)[:, None]
    hi = np.ceil(w + i_right)[:, None]
    step = np.abs(np.diff(seg, axis=1))
    inside = (cols >= lo) & (cols < hi)
    slope = np.where(inside, step, 0.0).max(axis=1) * sfreq_hz / 1000.0
    return duration_ms, slope


def hf_share(x_uv: NDArray[np.float64], sfreq_hz: float, d: Discharges) -> NDArray[np.float64]:
    """Share of the power at ≥ :data:`MUSCLE_HZ` within ± :data:`HF_SPAN_MS` of each
    discharge's peak (see module: muscle), one value per discharge of ``d`` in its
    order; ``x_uv`` is the window ``d`` was detected on. The segment's mean is removed
    (edge samples repeated beyond the window's ends); 0 for a segment without power.
    """
    fs = positive("sfreq_hz", sfreq_hz)
    x = np.asarray(x_uv, dtype=np.float64)
    h = int(round(HF_SPAN_MS / 1000.0 * fs))
    p = np.rint(d.peak_s * fs).astype(np.intp)
    idx = np.clip(p[:, None] + np.arange(-h, h + 1)[None, :], 0, x.shape[1] - 1)
    part = x[d.channel[:, None], idx]
    part = part - part.mean(axis=1, keepdims=True)
    n_fft = 1 << int(np.ceil(np.log2(part.shape[1])))
    power = np.abs(np.fft.rfft(part, n_fft, axis=1)) ** 2
    high = np.fft.rfftfreq(n_fft, 1.0 / fs) >= MUSCLE_HZ
    total = power[:, 1:].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = power[:, high].sum(axis=1) / total
    return np.where(total > 0, share, 0.0)


def _drop_twins(
    ch: NDArray[np.intp], t: NDArray[np.float64], amp: NDArray[np.float64], refractory_s: float
) -> NDArray[np.bool_]:
    """Keep-mask: of two detections closer than ``refractory_s`` on a channel, the larger."""
    n = ch.size
    keep = np.ones(n, dtype=bool)
    if n < 2:
        return keep
    close = (ch[1:] == ch[:-1]) & (np.diff(t) < refractory_s)
    smaller_later = amp[1:] <= amp[:-1]
    keep[1:] &= ~(close & smaller_later)
    keep[:-1] &= ~(close & ~smaller_later)
    return keep


def _given_sd(value: object, n_ch: int) -> NDArray[np.float64]:
    sd = eeg_array("background_sd_uv", np.reshape(np.asarray(value), (1, -1)))[0]
    if sd.size != n_ch or (sd < 0).any():
        raise ValueError(f"background_sd_uv must be {n_ch} values >= 0, got {np.asarray(value)}")
    return sd


def _all_candidates(
    xc: NDArray[np.float64], step: NDArray[np.float64], floor: NDArray[np.float64], r: int,
    w: int,
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64], NDArray[np.int8],
           NDArray[np.float64]]:  # fmt: skip
    """Candidates of both polarities: channel, sample, amplitude, polarity, and the
    segments around them (sign-flipped for negative peaks) for :func:`_shape`."""
    parts = []
    for pol in (1, -1):
        # a half-wave of amplitude A needs a peak ≥ A/2 above the channel median
        ch, p = _candidates(xc, step, floor, r, pol)
        seg, amp = _segments(xc, ch, p, w, pol)
        parts.append((ch, p, amp, np.full(ch.size, pol, dtype=np.int8), seg))
    ch, p, amp, pol_, seg = (np.concatenate(z) for z in zip(*parts, strict=True))
    return ch, p, amp, pol_, seg


def _kept_median(a: NDArray[np.float64], keep: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Row medians of the kept entries, all rows at once.

    Of the ``L`` left-out entries of a row, ``L // 2`` become −inf and the rest +inf
    (the first ones of the row −inf), which leaves the median of a row unchanged
    when ``L`` is even and moves it up by half a rank when odd (immaterial for a
    spread estimate from thousands of samples). The median depends only on how
    many entries are −inf and +inf, not on which.
    """
    if keep.all():
        return np.median(a, axis=-1)
    n_col = a.shape[-1]
    out = np.where(keep, a, np.inf)
    left = np.flatnonzero(~keep)  # row-major: each row's left-out entries in order
    row = left // n_col
    n_left = np.bincount(row, minlength=a.shape[0])
    first = np.cumsum(n_left) - n_left  # index in ``left`` of each row's first one
    low = np.arange(left.size) - first[row] < (n_left // 2)[row]
    out.reshape(-1)[left[low]] = -np.inf
    return np.median(out, axis=-1, overwrite_input=True)


def _background(
    abs_xc: NDArray[np.float64],
    ch: NDArray[np.intp],
    p: NDArray[np.intp],
    dur_ms: NDArray[np.float64],
    fs: float,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Robust σ (µV) per channel without the discharges, and the samples kept.

    Samples within one discharge duration of a preliminary discharge are left
    out, so that a dense train (15 % of the time at 3 Hz) does not inflate its
    own background; medians are taken as 0. ``abs_xc`` is ``|xc|``. The kept
    samples serve :func:`_slope_background`.
    """
    n_ch, n = abs_xc.shape
    # marks of the excluded spans: +1 at each start, -1 after each end, summed
    half = np.ceil(dur_ms / 1000.0 * fs).astype(np.intp)
    row = ch * (n + 1)
    marks = np.bincount(row + np.maximum(p - half, 0), minlength=n_ch * (n + 1))
    marks -= np.bincount(row + np.minimum(p + half + 1, n), minlength=n_ch * (n + 1))
    keep = np.cumsum(marks.reshape(n_ch, n + 1)[:, :n], axis=1) == 0
    few = keep.sum(axis=1) <= n // 4
    keep[few] = True
    return _MAD_TO_SD * _kept_median(abs_xc, keep), keep


def _slope_background(
    step: NDArray[np.float64], keep: NDArray[np.bool_], rows: NDArray[np.intp], fs: float
) -> NDArray[np.float64]:
    """Robust σ of the slope (µV/ms) of the given rows, on the samples of
    :func:`_background` (``step`` is ``diff(xc)``); NaN on the other rows, whose
    candidates have all failed already."""
    out = np.full(step.shape[0], np.nan)
    if rows.size:
        sd_slope = _kept_median(np.abs(step[rows]), keep[rows, 1:])
        out[rows] = _MAD_TO_SD * sd_slope * fs / 1000.0
    return out


def detect_discharges(
    x_uv: NDArray[np.float64],
    sfreq_hz: float,
    *,
    background_sd_uv: NDArray[np.float64] | None = None,
    ceiling_sd_uv: NDArray[np.float64] | None = None,
    min_rel_amplitude: float = 4.0,
    min_rel_slope: float = 2.5,
    min_amplitude_uv: float = 20.0,
    min_slope_uv_per_ms: float = 0.5,
    refractory_ms: float = 100.0,
) -> Discharges:
    """Spikes and sharp waves on each channel of a window.

    Parameters
    ----------
    x_uv : ndarray, shape (n_channels, n_samples)
        EEG in µV, band-passed (e.g. 0.5-45 Hz, as the engine does); at least
        0.5 s.
    sfreq_hz : float
        Sampling rate (Hz), ≥ 50 Hz so that a 20-ms spike spans a sample.
    background_sd_uv : ndarray, shape (n_channels,), optional
        The channel's background σ_c (µV) from a longer running estimate kept by
        the caller; by default the robust SD of ``x_uv`` in this window.
    ceiling_sd_uv : ndarray, shape (n_channels,), optional
        An upper bound on σ_c (µV), e.g. the channel's σ in recent windows
        without a pattern: during a long seizure the window's own σ, even without
        the discharges, is raised by the seizure, so that its discharges would
        not stand out from a "background" that is itself ictal. σ_slope is
        scaled down by the same factor. NaN entries leave a channel unbounded.
    min_rel_amplitude, min_rel_slope : float
        Amplitude and slope relative to the channel's background (see module).
    min_amplitude_uv, min_slope_uv_per_ms : float
        Population floors in µV and µV/ms (see module).
    refractory_ms : float
        At most one discharge per channel within this span (a polyspike or a
        biphasic transient counts once).

    Returns
    -------
    Discharges
        Possibly empty; peak times from the first sample of the window.

    Examples
    --------
    >>> fs = 256.0
    >>> x = np.zeros((1, 512))
    >>> x[0, 250:263] = 100 * (1 - np.abs(np.arange(-6, 7)) / 6.5)  # 50-ms triangle
    >>> d = detect_discharges(x + np.random.default_rng(0).normal(0, 2, x.shape), fs)
    >>> len(d), str(d.kind[0])
    (1, 'spike')
    """
    fs = positive("sfreq_hz", sfreq_hz)
    if fs < 50.0:
        raise ValueError(f"sfreq_hz must be >= 50 Hz for 20-ms spikes, got {sfreq_hz!r}")
    x = eeg_array("x_uv", x_uv, min_samples=int(np.ceil(0.5 * fs)))
    n_ch = x.shape[0]
    for name, value in (
        ("min_rel_amplitude", min_rel_amplitude), ("min_rel_slope", min_rel_slope),
        ("min_amplitude_uv", min_amplitude_uv), ("min_slope_uv_per_ms", min_slope_uv_per_ms),
        ("refractory_ms", refractory_ms),
    ):  # fmt: skip
        positive(name, value, allow_zero=name != "refractory_ms")
    xc = x - np.median(x, axis=-1, keepdims=True)
    abs_xc = np.abs(xc)
    given = None if background_sd_uv is None else _given_sd(background_sd_uv, n_ch)
    # first pass: σ of the whole window (xc has median 0, so MAD = median |xc|)
    if given is None:  # (a copy of |xc| may be reordered by the median)
        sd0 = _MAD_TO_SD * np.median(np.abs(xc), axis=-1, overwrite_input=True)
    else:
        sd0 = given
    r = max(1, int(round(refractory_ms / 1000.0 * fs)))
    w = int(round(FLANK_MS / 1000.0 * fs))
    # candidates generously (3 σ0): the final σ, without the discharges, is smaller
    loose = np.maximum(PRELIM_REL_AMPLITUDE * sd0, min_amplitude_uv)
    step = np.diff(xc, axis=-1)
    ch, p, amp, pol_, seg = _all_candidates(xc, step, loose / 2.0, r, w)
    # duration and slope only where the amplitude can pass: first the candidates
    # of the preliminary pass, then those above the final floor (row by row, so
    # the figures are those of measuring every candidate; NaN fails every test)
    dur, slope = np.full(ch.size, np.nan), np.full(ch.size, np.nan)
    measured = amp >= loose[ch]
    dur[measured], slope[measured] = _shape(seg[measured], amp[measured], w, fs)
    with np.errstate(invalid="ignore"):
        prelim = (dur >= MIN_DURATION_MS) & (dur < SHARP_MAX_MS) & measured
    sd, kept = _background(abs_xc, ch[prelim], p[prelim], dur[prelim], fs)
    if given is not None:
        sd = given
    if ceiling_sd_uv is not None:
        ceil = np.asarray(ceiling_sd_uv, dtype=np.float64).reshape(-1)
        if ceil.size != n_ch:
            raise ValueError(f"ceiling_sd_uv must hold {n_ch} values, got {ceil.size}")
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(np.isfinite(ceil) & (ceil > 0) & (ceil < sd), ceil / sd, 1.0)
        sd = sd * factor
    else:
        factor = np.ones(n_ch)  # (σ_slope times 1.0: unchanged)
    amp_floor = np.maximum(min_rel_amplitude * sd, min_amplitude_uv)
    high = amp >= amp_floor[ch]
    more = high & ~measured
    if more.any():
        dur[more], slope[more] = _shape(seg[more], amp[more], w, fs)
    with np.errstate(invalid="ignore"):
        shaped = (dur >= MIN_DURATION_MS) & (dur < SHARP_MAX_MS)
    # the slope's background only on channels with a candidate left to judge
    sd_slope = _slope_background(step, kept, np.unique(ch[shaped & high]), fs)
    sd_slope = sd_slope * factor
    slope_floor = np.maximum(min_rel_slope * sd_slope, min_slope_uv_per_ms)
    with np.errstate(invalid="ignore"):
        ok = shaped & high & (slope >= slope_floor[ch])
    ch, p, amp, dur, slope, pol_ = ch[ok], p[ok], amp[ok], dur[ok], slope[ok], pol_[ok]
    t = p / fs
    order = np.lexsort((t, ch))
    keep = order[_drop_twins(ch[order], t[order], amp[order], refractory_ms / 1000.0)]
    return Discharges(
        channel=ch[keep].astype(np.intp), peak_s=t[keep], duration_ms=dur[keep],
        amplitude_uv=amp[keep], slope_uv_per_ms=slope[keep],
        polarity=pol_[keep].astype(np.int8), n_channels=n_ch,
        window_s=x.shape[1] / fs, background_sd_uv=sd,
    )  # fmt: skip
