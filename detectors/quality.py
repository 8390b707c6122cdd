"""Signal quality per electrode and window: is this channel EEG at all?

Every hop the engine asks, for each electrode, whether its last window can be read as
EEG, and if not, why. The checks run on the *unfiltered* window (the mains, the
drift and the rail are what the band-pass and notch would hide) and are vectorised
over blocks of samples shared by overlapping windows, so they cost a few per cent of
the engine.

Causes (:data:`CAUSES`, in order of precedence when several hold):

==============  ===========================================================================
``nonfinite``   a NaN or infinite sample (acquisition drop-out)
``flat``        peak-to-peak ≤ ``flat_uv`` (disconnected lead, dead amplifier channel)
``railing``     more than :data:`RAIL_SHARE` of the samples sit at the window's maximum
                or minimum while the window is not flat (amplifier saturated: clipping,
                or a gain step that rails)
``amplitude``   peak-to-peak, less that of the common mains, above
                :data:`AMPLITUDE_CEILING_UV` (non-physiological)
``floating``    an electrode not in contact: its own mains (50 or 60 Hz, beyond the
                mains common to all electrodes) dominates the window
                (:data:`MAINS_SHARE` of its variance and at least :data:`MAINS_MIN_UV`
                RMS), or the window is nothing but mains (residual below
                :data:`RESIDUAL_MAX_UV`, or :data:`NOISE_FLOOR_UV` under a large
                mains), or it drifts, beyond the common drift, by more than
                :data:`DRIFT_UV` between the window's halves
``pop``         a one-sample step much larger than the channel's own sample-to-sample
                changes (:data:`POP_RATIO` × their RMS, and at least
                :data:`POP_MIN_UV`) on at most :func:`pop_max_channels` electrodes of
                the window (isolated: a step on many electrodes is movement, not a pop)
==============  ===========================================================================

A ``pop`` or ``amplitude`` window keeps its electrode bad for :data:`HOLD_S` after it
(the causal 0.5-Hz high-pass rings for seconds after a step of millivolts).

Common-mode mains and drift (a poor reference, the room) cancel in every bipolar
derivation, so an electrode is judged on what it does beyond the median electrode
(real ICU clips carry up to millivolts of common 60-Hz mains on referential
channels). Thresholds in µV apply only when the unit is known; otherwise only ``nonfinite``,
``flat`` (exactly constant), ``railing`` and ``pop`` (relative) are checked.

References
----------
.. [1] Tatum WO, Dworetzky BA, Schomer DL. Artifact and recording concepts in EEG.
   J Clin Neurophysiol 2011;28:252-263 (electrode pop, high impedance and 60-Hz
   artefact, saturation).
.. [2] Sinha SR et al. American Clinical Neurophysiology Society Guideline 1: minimum
   technical requirements for performing clinical electroencephalography. J Clin
   Neurophysiol 2016;33:303-307 (impedances 100 Ω - 5 kΩ, so that mains stays small).
.. [3] Hirsch LJ et al. ACNS Standardized Critical Care EEG Terminology: 2021
   version. J Clin Neurophysiol 2021;38:1-29 (amplitude classes: "high" voltage is
   ≥ 150 µV; suppression < 10 µV).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from rse_monitor.pipeline import checks
from rse_monitor.pipeline.features import Scratch

__all__ = [
    "AMPLITUDE_CEILING_UV",
    "CAUSES",
    "Cause",
    "ChannelQuality",
    "DRIFT_UV",
    "HOLD_S",
    "MAINS_MIN_UV",
    "MAINS_SHARE",
    "NOISE_FLOOR_UV",
    "POP_MIN_UV",
    "POP_RATIO",
    "QUALITY_MIN_FOR_DEPTH",
    "QualityBatch",
    "RAIL_SHARE",
    "RESIDUAL_MAX_UV",
    "pop_max_channels",
    "window_causes",
]

Cause = Literal["good", "nonfinite", "flat", "railing", "amplitude", "floating", "pop"]
#: Cause codes: ``CAUSES[code]``; 0 is good, lower codes take precedence.
CAUSES: tuple[Cause, ...] = ("good", "nonfinite", "flat", "railing", "amplitude", "floating", "pop")
_NONFINITE, _FLAT, _RAILING, _AMPLITUDE, _FLOATING, _POP = range(1, 7)

#: Share of a window's samples at its maximum or minimum that means the amplifier rails.
RAIL_SHARE = 0.05
#: Peak-to-peak above which a window is not EEG, µV. Scalp EEG is tens of µV; ACNS 2021
#: calls ≥ 150 µV "high" voltage, and the largest cerebral activity (high-voltage delta,
#: ictal spike-wave, blinks on a frontal electrode) stays within about 500 µV, so 2 mV
#: (4× that) is reached only by artefact or a wrong scale (mV read as µV).
AMPLITUDE_CEILING_UV = 2000.0
#: Mains share of a window's variance above which mains dominates it (ratio).
MAINS_SHARE = 0.5
#: Mains RMS that, dominating, means an electrode off the scalp, µV. With impedances
#: under 5 kΩ (ACNS Guideline 1) mains stays at a few µV; an open lead picks up tens
#: to hundreds.
MAINS_MIN_UV = 20.0
#: Nothing but mains: the rest of the window (its variance minus the mains) has an RMS
#: below this, µV, under the noise of scalp electrodes and amplifier (≈ 1 µV RMS), while
#: mains makes up :data:`MAINS_ONLY_SHARE` of it. Even an isoelectric EEG keeps that floor.
RESIDUAL_MAX_UV = 0.5
MAINS_ONLY_SHARE = 0.95
#: With a large mains (≥ :data:`MAINS_MIN_UV`), a residual under this RMS, µV, is the
#: noise of open leads and amplifier: no EEG to read.
NOISE_FLOOR_UV = 2.0
#: Difference of the means of a window's two halves that means a drifting (floating)
#: electrode, µV. A 0.5-Hz delta wave of 200 µV amplitude moves them by about 255 µV.
DRIFT_UV = 500.0
#: A one-sample step of this many times the RMS of the window's sample-to-sample
#: changes is a pop (Gaussian EEG over 2 s at 256 Hz reaches about 3.5×).
POP_RATIO = 10.0
#: Least one-sample step of a pop, µV (when the unit is known).
POP_MIN_UV = 50.0
#: An electrode stays bad this long after a pop or a non-physiological window, s.
HOLD_S = 5.0
#: Bed quality below which the share of good channels is too low to judge suppression
#: (depth and suppression ratio are then unknown).
QUALITY_MIN_FOR_DEPTH = 0.5
#: Mains frequencies checked, Hz.
_MAINS_HZ = (50.0, 60.0)


def pop_max_channels(n_channels: int) -> int:
    """At most this many electrodes with a step in one window make pops (max(1, n/8))."""
    return max(1, n_channels // 8)


def window_causes(
    raw_span_uv: NDArray[np.float64],
    sfreq_hz: float,
    n_window: int,
    n_hop: int,
    *,
    unit_known: bool = True,
    flat_uv: float = 0.5,
    scratch: Scratch | None = None,
) -> NDArray[np.int8]:
    """Cause code (see :data:`CAUSES`) of every window and channel, no hold applied.

    Parameters
    ----------
    raw_span_uv : ndarray, shape (n_channels, n_span)
        Unfiltered contiguous samples, µV; window ``w`` is
        ``raw_span_uv[:, w * n_hop : w * n_hop + n_window]``.
    sfreq_hz : float
    n_window, n_hop : int
        Window and hop in samples.
    unit_known : bool
        False: skip the checks that need µV (flat is then exactly constant).
    flat_uv : float
        Peak-to-peak at or below which a window is flat, µV.
    scratch : pipeline.features.Scratch, optional
        Work memory reused between calls (no effect on the result).

    Returns
    -------
    ndarray of int8, shape (n_windows, n_channels)
        ``n_windows = (n_span - n_window) // n_hop + 1`` (0 when the span is shorter).

    Notes
    -----
    The work is done per block of ``gcd(n_window, n_hop)`` samples (a window is
    ``n_window / block`` consecutive blocks, and successive windows share blocks):
    extremes and how often they occur, sums of x and x², the sum and maximum of the
    squared and absolute sample-to-sample changes, and the projection on the mains
    frequencies (phase-referenced to the span, so that block projections add up to
    the window's). Mains power of a window of N samples is ``2 |X|² / N²`` with
    ``X = Σ x[n] e^{-iωn}`` (exact for a whole number of cycles per window).
    """
    x = np.asarray(raw_span_uv, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"raw_span_uv must be (n_channels, n_span), got shape {x.shape}")
    fs = checks.positive("sfreq_hz", sfreq_hz)
    checks.count("n_window", n_window)
    checks.count("n_hop", n_hop)
    n_ch, n_span = x.shape
    n_win = 0 if n_span < n_window else (n_span - n_window) // n_hop + 1
    if n_win == 0:
        return np.zeros((0, n_ch), dtype=np.int8)
    blk = math.gcd(n_window, n_hop)
    n_per, step = n_window // blk, n_hop // blk
    n_blocks = (n_win - 1) * step + n_per
    x = x[:, : n_blocks * blk]
    b = x.reshape(n_ch, n_blocks, blk)  # a view: rows stay contiguous
    bmax, bmin = b.max(axis=-1), b.min(axis=-1)  # NaN propagates
    with np.errstate(invalid="ignore"):
        nmax = (b == bmax[..., None]).sum(axis=-1)
        nmin = (b == bmin[..., None]).sum(axis=-1)
    # sample-to-sample changes, in work memory (fresh pages cost more than the maths)
    db = (scratch or Scratch()).get("quality_diff", (n_ch, n_blocks, blk))
    d = db.reshape(n_ch, n_blocks * blk)
    d[:, 0] = 0.0
    np.subtract(x[:, 1:], x[:, :-1], out=d[:, 1:])
    # the step into a block from the previous one belongs to a window only when both
    # blocks do: kept apart, and zeroed for the steps inside the blocks
    dedge = np.abs(db[..., 0])
    db[..., 0] = 0.0
    # per block: sums (x, x², changes², mains projections) and extremes, then per
    # window over its blocks, all statistics at once
    sums = [b.sum(axis=-1), np.einsum("cbk,cbk->cb", b, b), np.einsum("cbk,cbk->cb", db, db)]
    freqs = [f for f in _MAINS_HZ if f < 0.45 * fs] if unit_known else []
    sums += _mains_projections(b, freqs, fs)
    tot = _per_window(np.stack(sums), n_per, step).sum(axis=-1)  # (n_stat, n_ch, n_win)
    ext = _per_window(np.stack([bmax, -bmin, np.maximum(db.max(axis=-1), -db.min(axis=-1))]),
                      n_per, step)  # fmt: skip
    wext = ext.max(axis=-1)
    cnt = _per_window(np.stack([nmax, nmin]), n_per, step)
    with np.errstate(invalid="ignore"):
        n_at = np.where(ext[:2] == wext[:2, ..., None], cnt, 0).sum(axis=-1).max(axis=0)
    top, bottom, step_max = wext[0], -wext[1], wext[2]
    if n_per > 1:
        step_max = np.maximum(step_max, _per_window(dedge, n_per, step)[..., 1:].max(axis=-1))
    n = float(n_window)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(top) & np.isfinite(bottom)
        p2p = np.where(finite, top - bottom, 0.0)
        mean = tot[0] / n
        var = np.maximum(tot[1] / n - mean**2, 0.0)
        d_ms = tot[2] / n
        cause = np.zeros((n_ch, n_win), dtype=np.int8)
        # pops: a step far above the channel's other changes, isolated to few electrodes
        pop = finite & (step_max**2 > POP_RATIO**2 * np.maximum(d_ms - step_max**2 / n, 0))
        if unit_known:
            pop &= step_max >= POP_MIN_UV
        pop &= pop.sum(axis=0, keepdims=True) <= pop_max_channels(n_ch)
        cause[pop] = _POP
        if unit_known:
            # mains and drift are judged against what all electrodes share (the median
            # electrode, robust to a few bad ones): common-mode mains or drift (the
            # reference, the room) cancels in every bipolar derivation and is not one
            # electrode's fault
            nf = len(freqs)
            moved = np.zeros_like(var)
            if n_per >= 2:
                h = n_per // 2
                halves = _per_window(sums[0], n_per, step)
                moved = halves[..., n_per - h :].sum(axis=-1) - halves[..., :h].sum(axis=-1)
                moved /= h * blk
            # one median for every statistic: (re, im per frequency, drift) x windows
            shared = np.median(np.concatenate([tot[3 : 3 + 2 * nf], moved[None]]), axis=1)
            zero = np.zeros_like(var)
            own, rel, common = [zero], [zero], [zero[0]]
            for i in range(nf):
                re, im = tot[3 + 2 * i], tot[4 + 2 * i]
                cre, cim = shared[2 * i], shared[2 * i + 1]
                own.append(2.0 * (re**2 + im**2) / n**2)
                rel.append(2.0 * ((re - cre) ** 2 + (im - cim) ** 2) / n**2)
                common.append(2.0 * (cre**2 + cim**2) / n**2)
            mains_ms = np.maximum.reduce(own)
            rel_ms = np.maximum.reduce(rel)
            common_ms = np.maximum.reduce(common)
            drift = np.abs(moved - shared[-1]) > DRIFT_UV
            floating = _mains_dominates(mains_ms, rel_ms, var, p2p) | drift
            cause[finite & floating] = _FLOATING
            # peak-to-peak without the common mains (a lower bound: p2p(x - m) >=
            # p2p(x) - p2p(m), with p2p(m) = 2 sqrt(2 ms) for a sinusoid)
            p2p_own = p2p - 2.0 * np.sqrt(2.0 * common_ms)
            cause[finite & (p2p_own > AMPLITUDE_CEILING_UV)] = _AMPLITUDE
        flat = p2p <= (flat_uv if unit_known else 0.0)
        railing = ~flat & (n_at > RAIL_SHARE * n_window)
        cause[railing & finite] = _RAILING
        cause[flat & finite] = _FLAT
    cause[~finite] = _NONFINITE
    return np.ascontiguousarray(cause.T)


def _per_window(v: NDArray[Any], n_per: int, step: int) -> NDArray[Any]:
    """Per-block values (..., n_blocks) as (..., n_windows, n_per) views."""
    return sliding_window_view(v, n_per, axis=-1)[..., ::step, :]


def _mains_projections(
    b: NDArray[np.float64], freqs: list[float], fs: float
) -> list[NDArray[np.float64]]:
    """Real and imaginary parts of ``Σ x[n] e^{-iωn}`` per block for each mains
    frequency, ``n`` counted from the span's start (so that blocks add up)."""
    if not freqs:
        return []
    n_ch, n_blocks, blk = b.shape
    w = 2 * np.pi * np.asarray(freqs) / fs  # rad/sample
    k = np.arange(blk)
    basis = np.concatenate([np.cos(np.outer(k, w)), -np.sin(np.outer(k, w))], axis=1)
    proj = b @ basis  # (n_ch, n_blocks, 2 n_f); batched: no copy of a strided span
    out = []
    for i in range(len(freqs)):
        z = (proj[..., i] + 1j * proj[..., len(freqs) + i]) * np.exp(
            -1j * w[i] * blk * np.arange(n_blocks)
        )
        out += [z.real, z.imag]
    return out


def _mains_dominates(
    mains_ms: NDArray[np.float64],
    rel_ms: NDArray[np.float64],
    var: NDArray[np.float64],
    p2p: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """An electrode's own mains (``rel_ms``: beyond the common mains) makes up most of
    its window without the common mains and is large; or the window is nothing but
    mains (``mains_ms``, common or not): under :data:`RESIDUAL_MAX_UV` of anything
    else, or under :data:`NOISE_FLOOR_UV` when the mains is large (an isoelectric EEG
    under a large common mains cannot be told from electrodes off: unknown)."""
    adj = np.maximum(var - mains_ms + rel_ms, 0.0)  # variance with the common mains removed
    dominant = (rel_ms >= MAINS_SHARE * adj) & (rel_ms >= MAINS_MIN_UV**2) & (adj > 0)
    residual_ms = np.maximum(var - mains_ms, 0.0)
    share = np.where(var > 0, mains_ms / np.where(var > 0, var, 1.0), 0.0)
    floor = np.where(mains_ms >= MAINS_MIN_UV**2, NOISE_FLOOR_UV**2, RESIDUAL_MAX_UV**2)
    only_mains = (share >= MAINS_ONLY_SHARE) & (residual_ms < floor) & (p2p > 0)
    return dominant | only_mains


@dataclass(frozen=True)
class QualityBatch:
    """Quality of the windows of one push.

    ``cause`` (n_windows, n_electrodes) int8 codes of :data:`CAUSES` after the hold;
    ``persistent`` (n_windows, n_electrodes) bool: bad in at least ``alert_min`` of
    the last ``alert_of`` windows (what a ``signal_quality`` alert names; the windows
    held after a pop do not count, those held after a non-physiological one do).
    """

    cause: NDArray[np.int8]
    persistent: NDArray[np.bool_]


class ChannelQuality:
    """Streaming signal quality of a bed's electrodes: :func:`window_causes` plus the
    hold after pops and non-physiological windows, and the persistence that an alert
    needs (so that one odd window excludes the electrode from the detectors but does
    not raise an alarm).

    Parameters
    ----------
    n_channels : int
    hop_s : float
        Time between windows, s.
    alert_min, alert_of : int
        An electrode is persistently bad when bad in ``alert_min`` of the last
        ``alert_of`` windows (default 5 of 10: named within 5 s at a 1-s hop).
    """

    def __init__(self, n_channels: int, hop_s: float, alert_min: int = 5, alert_of: int = 10):
        self.n_channels = checks.count("n_channels", n_channels)
        self.hop_s = checks.positive("hop_s", hop_s)
        self.alert_min = checks.count("alert_min", alert_min)
        self.alert_of = checks.count("alert_of", alert_of)
        if alert_min > alert_of:
            raise ValueError(f"alert_min ({alert_min}) must not exceed alert_of ({alert_of})")
        self.n_hold = max(0, int(math.ceil(HOLD_S / self.hop_s)))
        self.reset()

    def reset(self) -> None:
        self._since_event = np.full(self.n_channels, 1 << 30)  # windows since pop/amplitude
        self._held_cause = np.zeros(self.n_channels, dtype=np.int8)
        self._recent = np.zeros((self.alert_of - 1, self.n_channels), dtype=bool)
        #: windows and (window, electrode) counts per cause since the reset
        self.n_windows = 0
        self.cause_counts = np.zeros(len(CAUSES), dtype=np.int64)

    def update(self, cause: NDArray[np.int8]) -> QualityBatch:
        """Apply hold and persistence to :func:`window_causes` of consecutive windows."""
        n_win = cause.shape[0]
        if n_win == 0:
            empty = np.zeros((0, self.n_channels), dtype=bool)
            return QualityBatch(cause, empty)
        event = (cause == _POP) | (cause == _AMPLITUDE)
        idx = np.arange(n_win)[:, None]
        last = np.maximum.accumulate(np.where(event, idx, -(1 << 30)), axis=0)
        prev = -self._since_event[None, :]  # previous batch: window index -since
        since = idx - np.maximum(last, prev)
        ev_cause = np.where(event, cause, 0)
        # the cause of the latest event at or before each window
        held_src = np.where(last >= 0, np.take_along_axis(ev_cause, np.maximum(last, 0), 0), 0)
        held_cause = np.where(last >= 0, held_src, self._held_cause[None, :])
        held = (since > 0) & (since <= self.n_hold) & (cause == 0)
        out = np.where(held, held_cause, cause).astype(np.int8)
        self._since_event = since[-1] + 1
        self._held_cause = held_cause[-1].astype(np.int8)
        # a held pop does not count towards an alert (one pop is not a bad electrode;
        # pops every second or two are), a held non-physiological window does
        bad = (cause != 0) | (out == _AMPLITUDE)
        hist = np.concatenate([self._recent, bad])
        c = np.cumsum(hist, axis=0, dtype=np.int32)
        c = np.concatenate([np.zeros((1, self.n_channels), np.int32), c])
        k = self.alert_of
        counts = c[k - 1 + 1 : k + n_win] - c[:n_win]  # windows [w-k+1, w] of hist
        persistent = counts >= self.alert_min
        self._recent = hist[-(k - 1) :] if k > 1 else hist[:0]
        self.n_windows += n_win
        self.cause_counts += np.bincount(out.ravel(), minlength=len(CAUSES))
        return QualityBatch(out, persistent)
