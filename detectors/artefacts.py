"""Artefact class of every analysis window: is this window EEG, or something else?

Where :mod:`detectors.quality` asks of each *electrode* whether it records EEG
all, this module asks of each *window* (the engine's 2-s windows, every hop) whether
a non-cerebral source dominates it, and which one. A window in artefact is judged
neither ictal, nor suppressed, nor background (issue 11, part 2). Classes, in order
of precedence (:data:`CLASSES`):

================  ===========================================================================
``clipping``      an electrode rails (quality cause ``railing``)
``electrode_pop`` an isolated one-sample step (quality cause ``pop``), or a
                  non-physiological window (``amplitude``) on at most
                  :func:`~detectors.quality.pop_max_channels` electrodes
``movement``      a non-physiological window on more electrodes than a pop, or a large
                  slow excursion on most channels: median 0.5-3 Hz amplitude over the
                  channels ≥ :data:`MOVEMENT_UV` RMS and ≥ :data:`MOVEMENT_SHARE` of the
                  0.5-40 Hz power
``muscle``        EMG (incl. chewing, bursts of it): on at least :data:`MUSCLE_MIN_CHANNELS`
                  channels, one of them frontotemporal, a broadband high-frequency
                  spectrum: 20-40 Hz power ≥ :data:`MUSCLE_HF_SHARE` of 1-40 Hz, its
                  log-log slope over 20-40 Hz ≥ :data:`MUSCLE_SLOPE` (flat or rising) and
                  no spectral peak in 15-40 Hz (max/mean < :data:`MUSCLE_PEAK_RATIO`)
                  nor harmonic comb (flatness ≥ :data:`MUSCLE_FLATNESS`)
``mechanical``    a narrow spectral line (bin ≥ :data:`LINE_RATIO` × its neighbours 2-5
                  bins away) at the same frequency on ≥ :data:`LINE_COMMON_SHARE` of the
                  channels, with near-identical phase (sign-invariant phase consensus
                  ≥ :data:`LINE_PHASE_CONSENSUS`), without a harmonic, held at that
                  frequency for :data:`MECHANICAL_MIN_WINDOWS` windows
``ecg``           QRS-locked sharp transients: at least two events in the window at which a
                  quarter of the channels change ≥ :data:`ECG_Z` × their mean change,
                  spaced at a cardiac interval (:data:`CARDIAC_INTERVAL_S`) and regular,
                  in :data:`ECG_MIN_OF` of the last :data:`ECG_OF` windows
================  ===========================================================================

**Muscle against the fast activity of a seizure.** Amplitude does not separate them
(both raise line length many-fold). The spectrum and the field do: scalp EMG is
broadband, its power spectrum flat or rising from 20 Hz to well beyond 30-45 Hz with
no peak, and largest over the frontal and temporal muscles (Goncharova et al. 2003
[1]_, whose EMG spectra of paralysed-vs-contracting subjects rise above ~20 Hz and
are widest frontotemporally); the fast activity that starts a seizure is a rhythm
with a spectral peak in the beta/gamma band that evolves in frequency, falling off
above its peak (low-voltage fast activity: Perucca et al. 2014 [2]_; ACNS 2021 [3]_
evolution). The 20-40 Hz slope of scalp EEG is -2 or steeper (1/f^α, α ≈ 2), so a
flat or rising slope is not cerebral. The spectrum is the engine's Welch PSD of the
0.5-45 Hz band-passed window: above 40 Hz the 4th-order Butterworth edge at 45 Hz
bends it (≤ 1.4 dB at 40 Hz), so the slope is read on 20-40 Hz.

**Thresholds are ours** (marked "ours" below): chosen on the synthetic recordings of
``tests/detectors/test_artefacts.py`` and checked on the healthy EEG in
``../shared/data`` (``bench/RESULTS.md``); no labelled artefact corpus was available.

**Not done**: an ECG/EKG channel, when recorded, is not used (ingest sets it aside),
so ``ecg`` is reported but does not make a window unusable (see
:class:`ArtefactBatch`); lines below 5 Hz (a 0.3-Hz ventilator, CPR at 2 Hz) are not
resolved from their neighbours in a 2-s window (a large one is ``movement``).

References
----------
.. [1] Goncharova II, McFarland DJ, Vaughan TM, Wolpaw JR. EMG contamination of EEG:
   spectral and topographical characteristics. Clin Neurophysiol
   2003;114:1580-1593.
.. [2] Perucca P, Dubeau F, Gotman J. Intracranial electroencephalographic seizure-
   onset patterns: effect of underlying pathology. Brain 2014;137:183-196
   (low-voltage fast activity, beta/gamma onset rhythm).
.. [3] Hirsch LJ et al. ACNS Standardized Critical Care EEG Terminology: 2021
   version. J Clin Neurophysiol 2021;38:1-29.
.. [4] Tatum WO, Dworetzky BA, Schomer DL. Artifact and recording concepts in EEG.
   J Clin Neurophysiol 2011;28:252-263 (muscle, movement, ECG, pop, mechanical).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from rse_monitor.detectors.quality import CAUSES, pop_max_channels
from rse_monitor.pipeline import checks

__all__ = [
    "ArtefactBatch",
    "ArtefactClass",
    "ArtefactClassifier",
    "BLOCK_SHARE",
    "CLASSES",
    "ecg_windows",
    "frontotemporal",
    "line_windows",
    "muscle_channels",
    "slow_windows",
]

ArtefactClass = Literal["clipping", "electrode_pop", "movement", "muscle", "mechanical", "ecg"]
#: Classes in order of precedence; a window's code is ``1 + CLASSES.index(cls)``, 0 none.
CLASSES: tuple[ArtefactClass, ...] = (
    "clipping", "electrode_pop", "movement", "muscle", "mechanical", "ecg",
)  # fmt: skip
_CLIP, _POP, _MOVE, _MUSCLE, _MECH, _ECG = range(1, 7)

#: Share of electrodes that a clipping or pop must reach before the whole window is
#: unusable (ours); fewer are left to the per-electrode quality mask.
BLOCK_SHARE = 0.25
#: 20-40 Hz share of the 1-40 Hz power above which a channel is EMG-like (ours; awake
#: healthy EEG stays under about 0.1, Goncharova 2003 fig. 2).
MUSCLE_HF_SHARE = 0.3
#: Least log-log slope of the 20-40 Hz spectrum of EMG (ours; EEG ≈ -2 or steeper).
MUSCLE_SLOPE = -1.0
#: Highest bin over the mean of 15-40 Hz below which there is no peak (ours; a fl
#: Welch spectrum of 3 segments reaches about 2.5).
MUSCLE_PEAK_RATIO = 4.0
#: Least spectral flatness (geometric over arithmetic mean of the 20-40 Hz bins) of
#: EMG (ours): broadband noise reads about 0.8 in a Welch spectrum of 3 segments; the
#: harmonic comb of spike-and-wave discharges, with empty bins between its teeth,
#: reads about 0.1.
MUSCLE_FLATNESS = 0.5
#: Least 20-40 Hz RMS of an EMG channel, µV (ours; unit known only).
MUSCLE_MIN_UV = 3.0
MUSCLE_MIN_CHANNELS = 2
#: Electrodes over the frontal and temporal muscles (frontalis, temporalis, masseter).
FRONTOTEMPORAL = frozenset(
    {"FP1", "FP2", "FPZ", "AF7", "AF8", "F7", "F8", "FT7", "FT8", "FT9", "FT10", "T3", "T4",
     "T7", "T8", "T5", "T6", "P7", "P8", "TP9", "TP10", "A1", "A2", "M1", "M2"}
)  # fmt: skip
#: Movement: median 0.5-3 Hz RMS over the channels, µV (ours: 4× the 15 µV RMS of a
#: high-voltage 150-µV delta wave of ACNS 2021 is 60; movement reaches hundreds).
MOVEMENT_UV = 45.0
MOVEMENT_SHARE = 0.6
#: Share of the channels an all-channel artefact must reach (ours).
COMMON_SHARE = 0.75
#: A bin is a line when at least this many times the mean of the bins 2-5 away (ours).
LINE_RATIO = 8.0
LINE_PHASE_CONSENSUS = 0.9
#: Share of the good channels a mechanical line must reach (ours: through a bipolar
#: montage a common line cancels between electrodes of similar gain).
LINE_COMMON_SHARE = 0.5
#: Harmonic (2 f) power above this share of the line's means a waveform with harmonics
#: (spike-wave), not a mechanical line (ours).
LINE_HARMONIC_SHARE = 0.1
MECHANICAL_MIN_WINDOWS = 3
#: Cardiac intervals, s: 42-150 beats/min (ours, within the 0.7-3 Hz of the brief).
CARDIAC_INTERVAL_S = (0.4, 1.43)
#: Change of a QRS sample over the channel's mean absolute change in its hop (ours).
ECG_Z = 3.0
#: Consecutive intervals of a window differ by at most this ratio (ours).
ECG_REGULARITY = 1.25
ECG_MIN_OF, ECG_OF = 3, 4
#: An ECG event needs at least this many channels (and a quarter of them; ours).
ECG_MIN_CHANNELS = 4

_LINE_BAND_HZ = (5.0, 40.0)  # at 1-Hz bins: the neighbours 2-5 bins away exist


def frontotemporal(ch_names: tuple[str, ...]) -> NDArray[np.bool_]:
    """Channels (referential or bipolar ``A-B``) that involve a frontotemporal electrode."""
    out = []
    for name in ch_names:
        parts = re.split(r"[-\s]+", name.upper().replace("EEG", "").strip())
        out.append(any(p in FRONTOTEMPORAL for p in parts if p))
    return np.array(out, dtype=bool)


def _band(freqs: NDArray[np.float64], lo: float, hi: float) -> NDArray[np.bool_]:
    return (freqs >= lo) & (freqs < hi)


def muscle_channels(
    psd: NDArray[np.float64], freqs_hz: NDArray[np.float64], *, unit_known: bool = True
) -> NDArray[np.bool_]:
    """EMG-like channels of every window from its power spectrum.

    Parameters
    ----------
    psd : ndarray, shape (n_windows, n_channels, n_freqs), µV²/Hz
    freqs_hz : ndarray, shape (n_freqs,)

    Returns
    -------
    ndarray of bool, shape (n_windows, n_channels)
        ``hf / tot ≥ MUSCLE_HF_SHARE`` and ``slope ≥ MUSCLE_SLOPE`` and
        ``max / mean (15-40 Hz) < MUSCLE_PEAK_RATIO`` and ``flatness (20-40 Hz) ≥
        MUSCLE_FLATNESS`` (and ``hf ≥ MUSCLE_MIN_UV²``
        with ``unit_known``), with ``hf`` the 20-40 Hz and ``tot`` the 1-40 Hz power
        and ``slope`` the least-squares slope of ``log10 psd`` on ``log10 f`` over
        20-40 Hz.
    """
    f = np.asarray(freqs_hz, dtype=np.float64)
    p = np.asarray(psd, dtype=np.float64)
    df = float(f[1] - f[0])
    hf_sel, tot_sel, pk_sel = _band(f, 20.0, 40.0), _band(f, 1.0, 40.0), _band(f, 15.0, 40.0)
    if hf_sel.sum() < 3:
        return np.zeros(p.shape[:2], dtype=bool)
    ph = p[..., hf_sel]
    hf = ph.sum(axis=-1) * df
    tot = p[..., tot_sel].sum(axis=-1) * df
    x = np.log10(f[hf_sel])
    xc = (x - x.mean()) / ((x - x.mean()) ** 2).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.log10(np.maximum(ph, 1e-30))
        slope = lg @ xc
        flat = 10.0 ** lg.mean(axis=-1) / ph.mean(axis=-1)
        pk = p[..., pk_sel]
        peak = pk.max(axis=-1) / pk.mean(axis=-1)
        out = (hf >= MUSCLE_HF_SHARE * tot) & (slope >= MUSCLE_SLOPE) & (peak < MUSCLE_PEAK_RATIO)
        out &= flat >= MUSCLE_FLATNESS
    if unit_known:
        out &= hf >= MUSCLE_MIN_UV**2
    return out & (tot > 0)


def slow_windows(
    psd: NDArray[np.float64], freqs_hz: NDArray[np.float64], good: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Windows with a large slow excursion on most good channels (µV only).

    Median over the good channels of the 0.5-3 Hz RMS ≥ :data:`MOVEMENT_UV` and of
    its share of the 0.5-40 Hz power ≥ :data:`MOVEMENT_SHARE`. Shapes as
    :func:`muscle_channels`; returns (n_windows,).
    """
    f = np.asarray(freqs_hz, dtype=np.float64)
    df = float(f[1] - f[0])
    lo = psd[..., _band(f, 0.5, 3.0)].sum(axis=-1) * df
    tot = psd[..., _band(f, 0.5, 40.0)].sum(axis=-1) * df
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(tot > 0, lo / tot, 0.0)
    g = good | ~good.any(axis=1, keepdims=True)
    big = np.where(g, lo >= MOVEMENT_UV**2, False).sum(axis=1)
    slow = np.where(g, share >= MOVEMENT_SHARE, False).sum(axis=1)
    n = g.sum(axis=1)
    return (2 * big > n) & (2 * slow > n)


def line_windows(
    psd: NDArray[np.float64],
    freqs_hz: NDArray[np.float64],
    good: NDArray[np.bool_],
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Windows with a narrow spectral line common to most good channels.

    A bin ``k`` of a channel is a line when ``psd[k] ≥ LINE_RATIO × mean(psd[k±2..5])``
    and ``psd[2k] < LINE_HARMONIC_SHARE × psd[k]``; a window has a common line at the
    bin that is a line on the most good channels, when they are ≥
    :data:`LINE_COMMON_SHARE` of them. Returns (n_windows,) flags and the line's bin
    (-1 for none). Phase is checked by :class:`ArtefactClassifier` on the flagged
    windows only.
    """
    f = np.asarray(freqs_hz, dtype=np.float64)
    n_win, n_ch, n_f = psd.shape
    sel = np.flatnonzero(_band(f, *_LINE_BAND_HZ))
    flags = np.zeros(n_win, dtype=bool)
    bins = np.full(n_win, -1, dtype=np.int64)
    sel = sel[(sel >= 5) & (sel + 6 <= n_f)]  # the ring of neighbours must exist
    if sel.size == 0:
        return flags, bins
    s = sel
    k0, k1 = int(s[0]) - 5, int(s[-1]) + 6  # the bins the ring needs, [k0, k1)
    c = np.zeros((n_win, n_ch, k1 - k0 + 1))
    np.cumsum(psd[..., k0:k1], axis=-1, out=c[..., 1:])
    # sum of bins k-5..k-2 and k+2..k+5 (c[..., j] = sum of bins k0 .. k0 + j - 1)
    r0, r1 = 5, 5 + s.size  # s is contiguous: slices (views), not gathers
    ring = (c[..., r0 - 1 : r1 - 1] - c[..., r0 - 5 : r1 - 5]) + (
        c[..., r0 + 6 : r1 + 6] - c[..., r0 + 2 : r1 + 2]
    )
    centre = psd[..., s[0] : s[-1] + 1]
    if 2 * s[-1] < n_f:
        harm = psd[..., 2 * s[0] : 2 * s[-1] + 1 : 2]
    else:
        harm = psd[..., np.minimum(2 * s, n_f - 1)]
    with np.errstate(divide="ignore", invalid="ignore"):
        line = (centre * 8.0 >= LINE_RATIO * ring) & (centre > 0)
        line &= harm < LINE_HARMONIC_SHARE * centre
    line &= good[..., None]
    n_line = line.sum(axis=1)  # (n_win, n_sel)
    best = n_line.argmax(axis=1)
    n_good = np.maximum(good.sum(axis=1), 1)
    flags = n_line[np.arange(n_win), best] >= LINE_COMMON_SHARE * n_good
    bins = np.where(flags, s[best], -1)
    return flags, bins


def phase_consensus(x: NDArray[np.float64], freq_hz: float, sfreq_hz: float) -> float:
    """Sign-invariant phase agreement of the channels of ``x`` (n_channels, n) at
    ``freq_hz``: ``|Σ X_c²| / Σ |X_c|²`` with ``X_c`` the channel's Fourier coefficient
    (1 when all are in phase or in anti-phase, as a common source seen through a
    bipolar montage; about ``1/√n`` for independent phases)."""
    n = x.shape[-1]
    w = np.exp(-2j * np.pi * freq_hz * np.arange(n) / sfreq_hz) * np.hanning(n)
    z = x @ w
    den = float(np.sum(np.abs(z) ** 2))
    return float(abs(np.sum(z**2)) / den) if den > 0 else 0.0


def ecg_windows(
    span_uv: NDArray[np.float64], sfreq_hz: float, n_window: int, n_hop: int
) -> NDArray[np.bool_]:
    """Windows holding regular QRS-locked transients common to many channels.

    Per sample ``t`` and channel ``c``, ``z = |x[t] - x[t-1]|`` over the mean of it in
    the hop block holding ``t``; an *event* is a run of samples where ``z ≥ ECG_Z`` on
    at least a quarter of the channels, and
    :data:`ECG_MIN_CHANNELS` (QRS: a sharp deflection seen at once on many
    electrodes; Tatum 2011). A window passes with ≥ 2 events whose successive
    intervals lie in :data:`CARDIAC_INTERVAL_S` and differ by at most
    :data:`ECG_REGULARITY` × (stateless; persistence is the classifier's).

    Parameters
    ----------
    span_uv : ndarray, shape (n_channels, n_span), µV (band-passed)
    sfreq_hz : flo
    n_window, n_hop : int

    Returns
    -------
    ndarray of bool, shape (n_windows,)
    """
    x = np.asarray(span_uv, dtype=np.float64)
    n_ch, n_span = x.shape
    n_win = 0 if n_span < n_window else (n_span - n_window) // n_hop + 1
    out = np.zeros(n_win, dtype=bool)
    if n_win == 0 or n_span < 2:
        return out
    n_blk = n_span // n_hop
    used = n_blk * n_hop
    d = np.empty((n_ch, used))
    d[:, 0] = 0.0
    np.subtract(x[:, 1:used], x[:, : used - 1], out=d[:, 1:])
    np.abs(d, out=d)
    blk = d.reshape(n_ch, n_blk, n_hop)
    scale = blk.sum(axis=-1, keepdims=True) * (ECG_Z / n_hop)
    with np.errstate(invalid="ignore"):
        hot = blk >= scale
    cnt = np.add.reduce(hot, axis=0, dtype=np.int16).reshape(used)  # channels hot
    ev = cnt >= max(ECG_MIN_CHANNELS, n_ch / 4)
    if not ev.any():
        return out
    # event onsets, merging runs closer than 60 ms (one QRS)
    idx = np.flatnonzero(ev)
    gap = int(0.06 * sfreq_hz)
    starts = idx[np.concatenate([[True], np.diff(idx) > gap])]
    lo_i, hi_i = (int(round(v * sfreq_hz)) for v in CARDIAC_INTERVAL_S)
    w0 = np.arange(n_win) * n_hop
    first = np.searchsorted(starts, w0)
    last = np.searchsorted(starts, w0 + n_window)
    for w in np.flatnonzero(last - first >= 2):
        iv = np.diff(starts[first[w] : last[w]])
        if (iv >= lo_i).all() and (iv <= hi_i).all() and iv.max() <= ECG_REGULARITY * iv.min():
            out[w] = True
    return out


@dataclass(frozen=True)
class ArtefactBatch:
    """Artefact of the windows of one push.

    ``code`` (n_windows,) int8: 0 none, else ``1 + CLASSES.index(class)``;
    ``blocking`` (n_windows,) bool: the window is unusable as a whole for every
    detector (a mechanical line; clipping, pops or non-EEG amplitudes on at least
    :data:`BLOCK_SHARE` of the electrodes). Spectral muscle and slow-power movement
    do not block every detector, because they also meet real seizures (see the
    module); muscle windows give the relative detector no evidence
    (:attr:`no_relative_evidence`).
    ``unjudged`` (n_windows,) bool: windows the ACNS rules do not judge: the blocking
    ones and slow-power movement, whose drifting delta peak can step by 0.5 Hz twice
    and read as ACNS evolution (the relative detector still sees them: on chb01 they
    were ictal delta).
    """

    code: NDArray[np.int8]
    blocking: NDArray[np.bool_]
    #: (n_windows,) RMS of the 20-40 Hz band (µV), median over the EMG-like channels,
    #: in the ``muscle`` windows; NaN elsewhere
    muscle_uv: NDArray[np.float64] | None = None

    @property
    def unjudged(self) -> NDArray[np.bool_]:
        return self.blocking | (self.code == _MOVE)

    @property
    def no_relative_evidence(self) -> NDArray[np.bool_]:
        """Windows the relative detector takes as artefact: the blocking ones and muscle.

        EMG raises line length many-fold on every channel it reaches, and the relative
        detector has nothing else to tell it from ictal fast activity. The ACNS rules
        still judge muscle windows (a seizure's discharges and their evolution are not
        EMG), so a seizure whose fast activity meets the muscle rule is still found
        through the union (bench/RESULTS.md 1k: every chb01 and Michigan seizure)."""
        return self.blocking | (self.code == _MUSCLE)

    def not_eeg_for_depth(self, threshold_uv: float) -> NDArray[np.bool_]:
        """Windows whose time is neither suppressed nor burst: the blocking ones, and
        muscle whose EMG reaches the suppression threshold ``threshold_uv`` (read as
        bursts it would lighten the depth). A flat, noisy floor of a few µV also meets
        the spectral muscle rule, but below the threshold (10 µV, ACNS 2021) it cannot
        break a suppression, so its time stays suppressed (bench/RESULTS.md 1n)."""
        out = self.blocking.copy()
        if self.muscle_uv is not None:
            with np.errstate(invalid="ignore"):
                out |= (self.code == _MUSCLE) & (self.muscle_uv >= threshold_uv)
        return out

    def labels(self) -> list[str]:
        return ["" if c == 0 else CLASSES[c - 1] for c in self.code.tolist()]


class ArtefactClassifier:
    """Streaming artefact class per window (see module).

    Parameters
    ----------
    ch_names : tuple of str
        Names of the channels of ``psd`` and ``span`` (the engine's montage).
    sfreq_hz : flo
    unit_known : bool
        False: no ``movement`` from the spectrum and no ``muscle`` (both need µV).
    """

    def __init__(self, ch_names: tuple[str, ...], sfreq_hz: float, unit_known: bool = True):
        self.ch_names = tuple(ch_names)
        self.sfreq_hz = checks.positive("sfreq_hz", sfreq_hz)
        self.unit_known = bool(unit_known)
        ft = frontotemporal(self.ch_names)
        #: without 10-20 names the field criterion is off
        self._ft = ft if ft.any() else np.ones(len(self.ch_names), dtype=bool)
        self.reset()

    def reset(self) -> None:
        # the line bins (-2: no window yet) and ECG flags of the last windows
        self._line_bins = np.full(MECHANICAL_MIN_WINDOWS - 1, -2, dtype=np.int64)
        self._ecg = np.zeros(ECG_OF - 1, dtype=np.int64)
        #: windows per class code since the reset (index 0: none)
        self.counts = np.zeros(len(CLASSES) + 1, dtype=np.int64)

    def update(
        self,
        span_uv: NDArray[np.float64],
        n_window: int,
        n_hop: int,
        psd: NDArray[np.float64],
        freqs_hz: NDArray[np.float64],
        good: NDArray[np.bool_],
        electrode_cause: NDArray[np.int8] | None = None,
    ) -> ArtefactBatch:
        """Classify the windows of one push.

        Parameters
        ----------
        span_uv : ndarray, shape (n_channels, n_span)
            Band-passed montage samples; window ``w`` starts at ``w * n_hop``.
        psd : ndarray, shape (n_windows, n_channels, n_freqs), µV²/Hz
        good : ndarray of bool, shape (n_windows, n_channels)
            Channels passed by the quality check.
        electrode_cause : ndarray of int8, shape (n_windows, n_electrodes), optional
            :func:`detectors.quality.window_causes` of the electrodes (before the hold).
        """
        n_win = psd.shape[0]
        code = np.zeros(n_win, dtype=np.int8)
        block = np.zeros(n_win, dtype=bool)
        if n_win == 0:
            return ArtefactBatch(code, block)
        fs = self.sfreq_hz
        ecg = ecg_windows(span_uv, fs, n_window, n_hop)
        flags, bins = line_windows(psd, freqs_hz, good)
        # muscle needs µV: the flat white floor of a suppressed EEG has an EMG-like
        # spectrum and differs only by its amplitude
        mus = (muscle_channels(psd, freqs_hz) & good) if self.unit_known else good & False
        mus_win = (mus.sum(axis=1) >= MUSCLE_MIN_CHANNELS) & (mus & self._ft).any(axis=1)
        move = slow_windows(psd, freqs_hz, good) if self.unit_known else np.zeros(n_win, bool)
        df = float(freqs_hz[1] - freqs_hz[0])
        for w in np.flatnonzero(flags):  # phase only where a common line was found
            seg = span_uv[:, w * n_hop : w * n_hop + n_window][good[w]]
            if phase_consensus(seg, int(bins[w]) * df, fs) < LINE_PHASE_CONSENSUS:
                bins[w] = -1
        # persistence over the trailing windows, the previous push's included
        m = MECHANICAL_MIN_WINDOWS
        lb = np.concatenate([self._line_bins, bins])
        mech = bins >= 0
        for j in range(1, m):
            mech &= lb[m - 1 - j : m - 1 - j + n_win] == bins
        self._line_bins = lb[len(lb) - (m - 1) :]
        eh = np.concatenate([self._ecg, ecg.astype(np.int64)])
        ce = np.concatenate([[0], np.cumsum(eh)])
        heart = ce[ECG_OF:] - ce[: len(ce) - ECG_OF] >= ECG_MIN_OF
        self._ecg = eh[len(eh) - (ECG_OF - 1) :]
        code[:] = np.where(mech, _MECH, np.where(heart, _ECG, 0))
        code[mus_win] = _MUSCLE
        code[move] = _MOVE
        # ECG is reported, not blocking: without an ECG channel, QRS-locked transients
        # cannot be told from periodic discharges at a cardiac rate (on the ICU clips of
        # ../shared/data the 'ecg' windows' events met the EKG's R peaks no more often
        # than chance: they were LPDs/GPDs), and ECG does not fool the detectors
        # Muscle (from the spectrum) and movement (from slow power) are not blocking:
        # on real seizures (CHB-MIT chb01, bench/RESULTS.md 1i) ictal fast activity and
        # ictal delta met these rules in up to half of the ictal hops, and taking those
        # windows from every detector lost 3 of 21 seizures. Muscle windows leave the
        # relative detector only (ArtefactBatch.no_relative_evidence): the ACNS rules
        # still judge them, and with them every chb01 seizure is found (RESULTS 1k);
        # there, periodic "discharges" that are mostly >= 20 Hz are muscle bursts, not
        # a pattern (detectors.acns.terms, "Muscle").
        # Blocking stays for what cannot be cerebral: mechanical lines here, and below
        # the electrode causes (railing, pops, amplitudes beyond any EEG).
        block[:] = code == _MECH
        if electrode_cause is not None and electrode_cause.size:
            ec = electrode_cause
            n_el = ec.shape[1]
            rail = (ec == CAUSES.index("railing")).sum(axis=1)
            pop = (ec == CAUSES.index("pop")).sum(axis=1)
            amp = (ec == CAUSES.index("amplitude")).sum(axis=1)
            wide = BLOCK_SHARE * n_el
            many_amp = amp > pop_max_channels(n_el)
            code = np.where(many_amp, _MOVE, code).astype(np.int8)
            block |= many_amp
            isolated = (pop > 0) | ((amp > 0) & ~many_amp)
            code = np.where(isolated & ((code == 0) | (code > _POP)), _POP, code).astype(np.int8)
            block |= isolated & (pop + amp >= wide)
            code = np.where(rail > 0, _CLIP, code).astype(np.int8)
            block |= rail >= wide
        self.counts += np.bincount(code, minlength=len(CLASSES) + 1)
        return ArtefactBatch(code, block, _emg_rms_uv(psd, freqs_hz, mus, code == _MUSCLE))


def _emg_rms_uv(
    psd: NDArray[np.float64],
    freqs_hz: NDArray[np.float64],
    mus: NDArray[np.bool_],
    windows: NDArray[np.bool_],
) -> NDArray[np.float64]:
    """RMS of the 20-40 Hz band (µV), median over each window's EMG-like channels
    ``mus`` (n_windows, n_channels), for the ``windows`` asked; NaN elsewhere."""
    out = np.full(psd.shape[0], np.nan)
    sel = _band(freqs_hz, 20.0, 40.0)
    df = float(freqs_hz[1] - freqs_hz[0])
    for w in np.flatnonzero(windows & mus.any(axis=1)):
        rms = np.sqrt(psd[w][mus[w]][:, sel].sum(axis=-1) * df)
        out[w] = float(np.median(rms))
    return out
