"""Per-channel rhythm of an analysis window, and the 10-20 geometry of channel names.

ACNS 2021 (Hirsch et al., J Clin Neurophysiol 2021;38:1-29), main term 2:

- **Periodic**: "repetition of a waveform with relatively uniform morphology and
  duration with a clearly discernible inter-discharge interval between
  consecutive waveforms and recurrence of the waveform at nearly regular
  intervals", nearly regular meaning "a cycle length (i.e., period) varying by
  < 50 % from one cycle to the next in the majority (> 50 %) of cycle pairs".
- **Rhythmic**: "repetition of a waveform with relatively uniform morphology and
  duration, and without an interval between consecutive waveforms"; RDA is
  rhythmic activity ≤ 4 Hz.
- Either "if and only if it continues for at least 6 cycles (e.g. 1 Hz for 6
  seconds, or 3 Hz for 2 seconds)".
- **SW**: "polyspike, spike, or sharp wave consistently followed by a slow wave in
  a regularly repeating and alternating pattern ... with no interval between one
  spike-wave complex and the next".

Measures (all per channel, shape ``(n_channels,)``):

periodicity, from the discharges of :func:`detectors.acns.discharges.detect_discharges`
    ``rate_hz = n / window_s`` (the ACNS "average" frequency: > 25 discharges in
    10 s is > 2.5 Hz); ``frequency_hz = 1 / median(IDI)`` (the typical frequency,
    robust to a missed discharge); ``interval_cv = sd(IDI) / mean(IDI)``;
    ``regular_ratio``: the share of consecutive cycle pairs with
    ``|T_{k+1} − T_k| < 0.5 · T_k`` (the ACNS rule above). A channel is
    *periodic* when it has ≥ 6 discharges, ``regular_ratio > 0.5`` (ACNS) and
    ``interval_cv ≤ 0.5`` (ours: the ACNS pair rule alone accepts trains whose
    period drifts slowly; 0.5 is half the CV of random, Poisson, discharges and
    leaves room for one or two missed discharges in ten). A train faster than
    2.5 Hz is periodic only if the channel's spectrum holds power above the 1/f
    fit at its frequency (``train_ratio ≥ MIN_TRAIN_RATIO``): the largest waves of
    an alpha rhythm, thinned by the refractory span, make regular 3-5 Hz "trains"
    with no power at 3-5 Hz.
rhythmic delta, from the Welch spectrum (Hann, 4-s segments, half overlap)
    The aperiodic part is the least-squares line of ``log10 P`` on ``log10 f``
    over 0.5-20 Hz (the 1/f fit of spectral parametrisation, Donoghue et al.,
    Nat Neurosci 2020;23:1655-1665). ``peak_hz`` is the frequency in 0.5-4 Hz
    with the largest power above the fit; ``peak_ratio`` the power above the fit
    within ± 0.5 Hz of it over the total power in 0.5-20 Hz (how much of the
    signal the rhythm is); ``peak_width_hz`` the width of the excess at half its
    height (a narrow peak is one waveform repeated at one frequency). A channel
    has *rhythmic delta* when ``peak_ratio ≥ 0.4``, ``peak_width_hz ≤ 1`` and
    ``peak_hz · window_s ≥ 6`` cycles. 0.4 is ours, set on synthetic signals
    only (background alone, 1/f^1.5 or 1/f^2: up to 0.28 on a channel of a 10-s
    window; a 1.5-Hz spike train: up to 0.41 on a channel; an 80-µV delta
    sinusoid on a 20-µV background: 0.85-0.9).
spike-and-wave, per discharge
    On the 100-ms moving average (which removes the spike), from 50 ms after the
    end of the discharge to 50 ms before the next one (at most 1 s): the
    largest ``|x|`` must reach half the discharge amplitude ("consistently
    followed by a slow wave") and ``|x|`` must stay above a quarter of it for at
    least half of that gap ("no interval"; a discharge with an after-going slow
    wave and then a return to background is a PD). ``slow_after_ratio`` is the
    share of a channel's discharges that pass. Limits ours.
fast activity
    RMS (µV) of the 8-30 Hz band (4th-order Butterworth band-pass, one causal
    pass: the phase does not matter to an RMS) over the samples farther than
    150 ms from any discharge and after the first 250 ms (the filter's start), so
    that the sharp components of the discharges themselves do not count as
    "superimposed fast activity". Computed only in windows with a periodic or
    rhythmic channel (NaN otherwise), as it only serves the plus modifiers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from rse_monitor.detectors.acns.discharges import Discharges
from rse_monitor.pipeline.checks import eeg_array, positive
from rse_monitor.pipeline.ingest import normalise_label

__all__ = [
    "ChannelRhythm",
    "Hemisphere",
    "by_hemisphere",
    "channel_rhythm",
    "electrodes_of",
    "fast_activity_uv",
    "group_medians",
    "hemisphere_of",
    "periodicity",
    "rda_prevalence",
    "slow_after_ratio",
    "spectral_peak",
]

Hemisphere = Literal["L", "R", "Z"]

MIN_CYCLES = 6  # ACNS 2021: rhythmic or periodic iff ≥ 6 cycles
REGULAR_PAIR_CHANGE = 0.5  # ACNS 2021: period varies by < 50 % ...
REGULAR_MAJORITY = 0.5  # ... in the majority (> 50 %) of cycle pairs
MAX_INTERVAL_CV = 0.5
DELTA_BAND_HZ = (0.5, 4.0)  # ACNS 2021: RDA ≤ 4 Hz
FIT_BAND_HZ = (0.5, 20.0)
PEAK_HALF_BAND_HZ = 0.5
MIN_PEAK_RATIO = 0.4
MAX_PEAK_WIDTH_HZ = 1.0
FAST_BAND_HZ = (8.0, 30.0)
SLOW_AFTER_MIN = 0.5
SLOW_FILL_LEVEL = 0.25
SLOW_FILL_MIN = 0.5
SLOW_AFTER_MAX_S = 1.0
#: trains faster than this (Hz, the ACNS seizure rate) are checked for power of their
#: own at their rate
FAST_TRAIN_HZ = 2.5
#: a train that repeats a waveform at f puts power above the 1/f fit at f; a "train"
#: with under 1 % of the 0.5-20 Hz power there is a selection of the peaks of another
#: rhythm (the largest waves of a posterior alpha rhythm, 100 ms apart, thinned to
#: 3-5 Hz by the 100-ms refractory span): on healthy eegmat EEG such trains held
#: 0.0-0.1 %, seizure trains (the ICU clip SZ_sample1, the synthetic seizures)
#: 4-34 % (ours, set between the two)
MIN_TRAIN_RATIO = 0.01

_ELECTRODE = re.compile(r"^([A-Z]+)(\d+|Z)$")


def electrodes_of(name: str) -> tuple[str, ...]:
    """10-20 electrodes of a channel name: ``"EEG Fp1-REF"`` → ``("FP1",)``,
    ``"FP1-F7"`` → ``("FP1", "F7")``. Names that are not 10-20 give ``()``."""
    parts = normalise_label(name).split("-")
    out = tuple(p.strip() for p in parts if _ELECTRODE.match(p.strip()))
    return out if len(out) == len(parts) else ()


@lru_cache(maxsize=4096)
def hemisphere_of(name: str) -> Hemisphere | None:
    """Hemisphere of a channel from its 10-20 name(s).

    An electrode with an odd number is left, even is right, ``Z`` is midline
    (10-20 convention, Jasper 1958; ACNS Guideline 2, J Clin Neurophysiol
    2016;33:308-311). A bipolar derivation takes the side of its electrodes,
    ignoring a midline one (``FP1-F7`` and ``FZ-C3`` → ``"L"``, ``FZ-CZ`` →
    ``"Z"``); a transverse derivation across the midline (``C3-C4``) and a
    name that is not 10-20 give ``None``.
    """
    electrodes = electrodes_of(name)
    if not electrodes:
        return None
    sides = set()
    for e in electrodes:
        tail = _ELECTRODE.match(e).group(2)  # type: ignore[union-attr]
        sides.add("Z" if tail == "Z" else ("L" if int(tail) % 2 else "R"))
    lateral = sides - {"Z"}
    if len(lateral) > 1:
        return None
    return lateral.pop() if lateral else "Z"  # type: ignore[return-value]


@dataclass(frozen=True)
class ChannelRhythm:
    """Rhythm measures of one window, each of shape ``(n_channels,)`` (see module)."""

    n_discharges: NDArray[np.intp]
    rate_hz: NDArray[np.float64]
    frequency_hz: NDArray[np.float64]  # NaN with < 2 discharges
    interval_cv: NDArray[np.float64]  # NaN with < 3 discharges
    regular_ratio: NDArray[np.float64]  # NaN with < 3 discharges
    periodic: NDArray[np.bool_]
    peak_hz: NDArray[np.float64]
    peak_ratio: NDArray[np.float64]
    peak_width_hz: NDArray[np.float64]
    rhythmic_delta: NDArray[np.bool_]
    slow_after_ratio: NDArray[np.float64]  # NaN on channels that are not periodic
    fast_rms_uv: NDArray[np.float64]
    window_s: float
    #: power above the 1/f fit at the train frequency over the 0.5-20 Hz power, for
    #: the trains faster than 2.5 Hz (NaN elsewhere); see :data:`MIN_TRAIN_RATIO`
    train_ratio: NDArray[np.float64] | None = None
    #: the 0.5-20 Hz spectrum the measures came from: frequencies (Hz), power above
    #: the 1/f fit per channel, and each channel's total power (for :func:`power_at`)
    spectrum: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]] | None = field(
        default=None, compare=False, repr=False
    )


def periodicity(
    discharges: Discharges,
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
           NDArray[np.float64], NDArray[np.bool_]]:  # fmt: skip
    """``(n, rate_hz, frequency_hz, interval_cv, regular_ratio, periodic)`` per channel."""
    n_ch = discharges.n_channels
    n = discharges.count_per_channel()
    freq = np.full(n_ch, np.nan)
    cv = np.full(n_ch, np.nan)
    regular = np.full(n_ch, np.nan)
    # the discharges are sorted by channel, then time: the intervals of all channels
    # at once, then each channel's as a contiguous run
    ch, t = discharges.channel, discharges.peak_s
    if ch.size > 1 and (ch[1:] < ch[:-1]).any():  # not sorted by channel (built by hand)
        by_channel = np.argsort(ch, kind="stable")
        ch, t = ch[by_channel], t[by_channel]
    same = ch[1:] == ch[:-1]
    idi = np.diff(t)[same]
    idi_ch = ch[1:][same]
    if idi.size:
        has = n >= 2
        freq[has] = 1.0 / group_medians(idi, idi_ch, n_ch)[has]
        pair = idi_ch[1:] == idi_ch[:-1]
        steady = (np.abs(np.diff(idi)) < REGULAR_PAIR_CHANGE * idi[:-1])[pair]
        n_pairs = np.bincount(idi_ch[1:][pair], minlength=n_ch)
        n_steady = np.bincount(idi_ch[1:][pair][steady], minlength=n_ch)
        three = n >= 3
        regular[three] = n_steady[three] / n_pairs[three]
        ends = np.cumsum(np.maximum(n - 1, 0))
        for c in np.flatnonzero(three):
            run = idi[ends[c] - (n[c] - 1) : ends[c]]
            cv[c] = run.std() / run.mean()
    with np.errstate(invalid="ignore"):
        periodic = (n >= MIN_CYCLES) & (regular > REGULAR_MAJORITY) & (cv <= MAX_INTERVAL_CV)
    return n, n / discharges.window_s, freq, cv, regular, periodic


def group_medians(
    values: NDArray[np.float64], group: NDArray[np.intp], n_groups: int
) -> NDArray[np.float64]:
    """Median of ``values`` per ``group`` (0 .. n_groups-1), NaN for an empty group.

    The same value as :func:`numpy.median` of each group (the middle value, or the
    mean of the two middle values), for all groups in one sort.
    """
    order = np.lexsort((values, group))
    v = values[order]
    counts = np.bincount(group, minlength=n_groups)
    start = np.cumsum(counts) - counts
    out = np.full(n_groups, np.nan)
    has = counts > 0
    mid = start + counts // 2
    odd = has & (counts % 2 == 1)
    even = has & (counts % 2 == 0)
    out[odd] = v[mid[odd]]
    out[even] = (v[mid[even] - 1] + v[mid[even]]) / 2.0
    return out


def spectral_peak(
    x_uv: NDArray[np.float64], sfreq_hz: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """``(peak_hz, peak_ratio, peak_width_hz)`` of the delta peak per channel (see module)."""
    fs = positive("sfreq_hz", sfreq_hz)
    return _spectral_peak(eeg_array("x_uv", x_uv, min_samples=int(2 * fs)), fs)


def _spectral_peak(
    x: NDArray[np.float64], fs: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """:func:`spectral_peak` of a window already checked."""
    return _spectral_excess(x, fs)[:3]


def _spectral_excess(
    x: NDArray[np.float64], fs: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
           NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:  # fmt: skip
    """:func:`spectral_peak`, and the frequencies, the power above the 1/f fit and
    the total power of the fit band (for :func:`train_ratio`)."""
    nper = min(x.shape[1], int(4 * fs))
    f, p = _welch(x, fs, nper)
    fit = (f >= FIT_BAND_HZ[0]) & (f <= FIT_BAND_HZ[1])
    ff, pp = f[fit], np.maximum(p[:, fit], 1e-12)
    design, pinv = _fit_design(ff.size, float(ff[0]), float(ff[1] - ff[0]))
    coef = pinv @ np.log10(pp).T  # least squares, as np.linalg.lstsq
    excess = np.clip(pp - 10.0 ** (design @ coef).T, 0.0, None)
    delta = (ff >= DELTA_BAND_HZ[0]) & (ff <= DELTA_BAND_HZ[1])
    i_peak = np.flatnonzero(delta)[np.argmax(excess[:, delta], axis=1)]
    peak_hz = ff[i_peak]
    near = np.abs(ff[None, :] - peak_hz[:, None]) <= PEAK_HALF_BAND_HZ
    ratio = (excess * near).sum(axis=1) / pp.sum(axis=1)
    width = _half_widths(excess, i_peak, ff)
    return peak_hz, ratio, width, ff, excess, pp.sum(axis=1)


def train_ratio(
    freq_hz: NDArray[np.float64],
    ff: NDArray[np.float64],
    excess: NDArray[np.float64],
    total: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Per channel, the largest power above the 1/f fit within ± 0.5 Hz of the
    channel's train frequency, over the total power of 0.5-20 Hz (NaN where the
    frequency is NaN)."""
    out = np.full(freq_hz.size, np.nan)
    for c in np.flatnonzero(np.isfinite(freq_hz)):
        near = np.abs(ff - freq_hz[c]) <= PEAK_HALF_BAND_HZ
        out[c] = excess[c, near].max() / total[c] if near.any() else 0.0
    return out


def power_at(rhythm: ChannelRhythm, channels: Sequence[int], freq_hz: float) -> float:
    """Mean over ``channels`` of :func:`train_ratio` at ``freq_hz`` (0 where the
    frequency lies outside the spectrum); NaN without a spectrum or channels."""
    if rhythm.spectrum is None or not len(channels) or not np.isfinite(freq_hz):
        return float("nan")
    ff, excess, total = rhythm.spectrum
    rows = np.asarray(channels, dtype=np.intp)
    freqs = np.full(total.size, np.nan)
    freqs[rows] = freq_hz
    return float(train_ratio(freqs, ff, excess, total)[rows].mean())


def _welch(
    x: NDArray[np.float64], fs: float, nper: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Welch PSD as :func:`scipy.signal.welch` with its defaults (periodic Hann,
    half overlap, constant detrend, density, one-sided), without its per-call set-up."""
    step = nper - nper // 2
    n_seg = (x.shape[-1] - nper) // step + 1
    win, scale = _hann(nper, fs)
    idx = np.arange(nper)[None, :] + step * np.arange(n_seg)[:, None]
    seg = x[:, idx]  # (n_ch, n_seg, nper)
    seg = seg - seg.mean(axis=-1, keepdims=True)
    spec = np.fft.rfft(seg * win, axis=-1)
    p = (spec.real**2 + spec.imag**2) * scale
    if nper % 2:
        p[..., 1:] *= 2.0
    else:
        p[..., 1:-1] *= 2.0
    freqs = np.asarray(np.fft.rfftfreq(nper, 1.0 / fs), dtype=np.float64)
    return freqs, np.asarray(p.mean(axis=1), dtype=np.float64)


@lru_cache(maxsize=16)
def _hann(nper: int, fs: float) -> tuple[NDArray[np.float64], float]:
    win = signal.get_window("hann", nper)
    return win, 1.0 / (fs * float((win * win).sum()))


@lru_cache(maxsize=16)
def _fit_design(n: int, f0: float, df: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The 1/f design matrix on ``n`` frequencies from ``f0`` by ``df`` and its pseudo-inverse."""
    ff = f0 + df * np.arange(n)
    design = np.stack([np.ones_like(ff), np.log10(ff)], axis=1)
    return design, np.linalg.pinv(design)


def _half_widths(
    excess: NDArray[np.float64], i_peak: NDArray[np.intp], f: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Width (Hz) of the contiguous run around ``i_peak`` where each row of ``excess``
    is ≥ half its value at ``i_peak`` (inf where that value is not positive)."""
    n_f = excess.shape[1]
    rows = np.arange(excess.shape[0])
    peak = excess[rows, i_peak]
    below = excess < (peak / 2.0)[:, None]
    col = np.arange(n_f)
    # the last column below half before the peak and the first one after it
    last_below = np.maximum.accumulate(np.where(below, col, -1), axis=1)
    next_below = np.minimum.accumulate(np.where(below, col, n_f)[:, ::-1], axis=1)[:, ::-1]
    lo = last_below[rows, i_peak] + 1
    hi = next_below[rows, i_peak] - 1
    width = f[hi] - f[lo] + (f[1] - f[0])
    return np.where(peak > 0, width, np.inf)


def slow_after_ratio(
    x_uv: NDArray[np.float64], sfreq_hz: float, d: Discharges
) -> NDArray[np.float64]:
    """Share of each channel's discharges followed by a slow wave with no interval.

    See the module: the slow wave reaches half the discharge amplitude and
    stays above a quarter of it for at least half of the gap to the next
    discharge (at most 1 s), so that a discharge with a slow after-wave and then
    an interval (a PD) does not count.
    """
    out = np.full(d.n_channels, np.nan)
    if len(d) == 0:
        return out
    fs = float(sfreq_hz)
    k = max(1, int(round(0.1 * fs)))
    csum = np.cumsum(np.pad(x_uv[np.unique(d.channel)], ((0, 0), (1, 0))), axis=1)
    smooth_rows = (csum[:, k:] - csum[:, :-k]) / k  # value at i is the mean of [i, i+k)
    row_of = {c: r for r, c in enumerate(np.unique(d.channel))}
    n = x_uv.shape[1]
    same_next = np.r_[d.channel[1:] == d.channel[:-1], False]
    next_peak = np.where(same_next, np.r_[d.peak_s[1:], 0.0], np.inf)
    start = d.peak_s + d.duration_ms / 2000.0 + 0.05
    stop = np.minimum(np.minimum(next_peak - 0.05, start + SLOW_AFTER_MAX_S), n / fs)
    ok = np.zeros(len(d), dtype=bool)
    for j in range(len(d)):
        i0 = max(int(start[j] * fs) - k // 2, 0)
        i1 = max(int(stop[j] * fs) - k // 2, 0)
        seg = np.abs(smooth_rows[row_of[int(d.channel[j])], i0:i1])
        a = d.amplitude_uv[j]
        ok[j] = (
            seg.size > 0
            and seg.max() >= SLOW_AFTER_MIN * a
            and np.mean(seg >= SLOW_FILL_LEVEL * a) >= SLOW_FILL_MIN
        )
    for c in row_of:
        out[c] = ok[d.channel == c].mean()
    return out


def fast_activity_uv(
    x_uv: NDArray[np.float64], sfreq_hz: float, d: Discharges
) -> NDArray[np.float64]:
    """RMS (µV) of the 8-30 Hz band away (> 150 ms) from discharges, per channel."""
    fs = float(sfreq_hz)
    high = min(FAST_BAND_HZ[1], 0.45 * fs)
    sos = _bandpass_sos(4, FAST_BAND_HZ[0], high, fs)
    fast = signal.sosfilt(sos, x_uv, axis=-1)
    keep = np.ones(x_uv.shape, dtype=bool)
    keep[:, : int(round(0.25 * fs))] = False
    w = int(round(0.15 * fs))
    for c, p in zip(d.channel, np.round(d.peak_s * fs).astype(int), strict=True):
        keep[c, max(p - w, 0) : p + w + 1] = False
    n_keep = keep.sum(axis=1)
    power = np.where(keep, fast**2, 0.0).sum(axis=1) / np.maximum(n_keep, 1)
    return np.where(n_keep > 0.2 * x_uv.shape[1], np.sqrt(power), np.nan)


@lru_cache(maxsize=64)
def _bandpass_sos(order: int, lo: float, hi: float, fs: float) -> NDArray[np.float64]:
    """Butterworth band-pass (SOS), designed once per band and rate (do not modify)."""
    sos: NDArray[np.float64] = signal.butter(order, [lo, hi], btype="bandpass", fs=fs,
                                             output="sos")  # fmt: skip
    return sos


def rda_prevalence(x_uv: NDArray[np.float64], sfreq_hz: float, peak_hz: float) -> float:
    """Share of the window where the rhythm at ``peak_hz`` is present on a channel.

    The channel is band-passed to ``peak_hz ± 0.5`` Hz (2nd-order Butterworth,
    zero phase); the rhythm is present where its Hilbert envelope is at least half
    of its 90th percentile.
    """
    fs = float(sfreq_hz)
    lo, hi = max(peak_hz - 0.5, 0.2), peak_hz + 0.5
    sos = _bandpass_sos(2, lo, hi, fs)
    env = np.abs(signal.hilbert(signal.sosfiltfilt(sos, np.asarray(x_uv, dtype=float))))
    return float(np.mean(env >= 0.5 * np.percentile(env, 90)))


def channel_rhythm(
    x_uv: NDArray[np.float64], sfreq_hz: float, discharges: Discharges
) -> ChannelRhythm:
    """All rhythm measures of a window (see the module for formulas and limits).

    Parameters
    ----------
    x_uv : ndarray, shape (n_channels, n_samples)
        The window in µV, ≥ 2 s.
    sfreq_hz : float
        Sampling rate (Hz).
    discharges : Discharges
        :func:`~detectors.acns.discharges.detect_discharges` of the same window.
    """
    fs = positive("sfreq_hz", sfreq_hz)
    x = eeg_array("x_uv", x_uv, min_samples=int(2 * fs))
    if discharges.n_channels != x.shape[0]:
        raise ValueError(f"discharges has {discharges.n_channels} channels, x_uv has {x.shape[0]}")
    window_s = x.shape[1] / fs
    n, rate, freq, cv, regular, periodic = periodicity(discharges)
    peak_hz, ratio, width, ff, excess, total = _spectral_excess(x, fs)
    # a fast train with no power of its own at its rate picks peaks of another rhythm
    fast_train = periodic & (freq > FAST_TRAIN_HZ)
    trains = np.full(x.shape[0], np.nan)
    if fast_train.any():
        trains[fast_train] = train_ratio(np.where(fast_train, freq, np.nan), ff, excess,
                                         total)[fast_train]  # fmt: skip
        periodic = periodic & ~(fast_train & (trains < MIN_TRAIN_RATIO))
    rhythmic = (ratio >= MIN_PEAK_RATIO) & (width <= MAX_PEAK_WIDTH_HZ)
    rhythmic &= peak_hz * window_s >= MIN_CYCLES
    if periodic.any() or rhythmic.any():
        fast = fast_activity_uv(x, fs, discharges)
    else:
        fast = np.full(x.shape[0], np.nan)
    return ChannelRhythm(
        n_discharges=n, rate_hz=rate, frequency_hz=freq, interval_cv=cv,
        regular_ratio=regular, periodic=periodic, peak_hz=peak_hz, peak_ratio=ratio,
        peak_width_hz=width, rhythmic_delta=rhythmic,
        # only periodic channels can be SW (the rest stay NaN)
        slow_after_ratio=slow_after_ratio(x, fs, discharges.of_channels(np.flatnonzero(periodic))),
        fast_rms_uv=fast, window_s=window_s, train_ratio=trains,
        spectrum=(ff, excess, total),
    )  # fmt: skip


def by_hemisphere(ch_names: Sequence[str]) -> dict[Hemisphere | None, NDArray[np.intp]]:
    """Channel indices per hemisphere (``None``: transverse or not 10-20)."""
    sides = [hemisphere_of(n) for n in ch_names]
    keys: tuple[Hemisphere | None, ...] = ("L", "R", "Z", None)
    return {k: np.flatnonzero([s == k for s in sides]).astype(np.intp) for k in keys}
