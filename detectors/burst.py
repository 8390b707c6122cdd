"""Burst-suppression tracking: suppression ratio, bursts and depth.

Suppression is judged sample by sample on the filtered EEG (ACNS 2021: activity
below 10 µV; BIS suppression ratio: ≥ 0.5 s below ±5 µV, Rampil 1998): a causal
peak-to-peak envelope (moving RMS over 0.25 s × 2√2) under the threshold on at least
half of the good channels (channel consensus, so ECG spikes on the temporal chain or
an artefact on one electrode neither break a suppression nor count as a burst), for
at least 0.5 s. This is envelope thresholding as in Westover et al. (Clin
Neurophysiol 2013;124:2101-2114), with a fixed ACNS threshold instead of an adaptive
one because the ACNS definition is absolute in µV.

The suppression ratio at time t is the fraction of the trailing 60 s that lies in
suppressions *as known at t*: a sub-threshold run shorter than 0.5 s at t does not
count yet. That definition is causal, so the streaming result equals the batch
result whatever the chunking.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from pipeline.features import ENVELOPE_S, MIN_SUPPRESSION_S, SUPPRESSION_THRESHOLD_UV

__all__ = ["Depth", "BurstStats", "SuppressionTracker", "DepthClassifier", "classify_depth"]

Depth = Literal["continuous", "burst_suppression", "suppression", "unknown"]

#: Burst suppression: 50–99 % of the record suppressed (ACNS 2021); ≥ 99 %
#: suppressed is "suppression" (isoelectric for the purpose of titration); below
#: 50 % the background is continuous or discontinuous (we report "continuous").
BS_LOW_RATIO = 0.5
#: Envelope (peak-to-peak, µV) below which a channel is taken as flat/disconnected.
FLAT_UV = 0.2
ISOELECTRIC_RATIO = 0.99


@dataclass(frozen=True)
class BurstStats:
    """Burst-suppression figures at the end of each hop (arrays of shape (n_hops,)).

    ``suppression_ratio`` is NaN where the channels could not be judged (no good
    channel, or units unknown).
    """

    t_s: NDArray[np.float64]
    suppression_ratio: NDArray[np.float64]
    bursts_per_min: NDArray[np.float64]
    ibi_median_s: NDArray[np.float64]
    n_bursts_total: int


class SuppressionTracker:
    """Stateful suppression segmentation over a continuous filtered stream.

    Parameters
    ----------
    sfreq_hz : float
    n_channels : int
    threshold_uv, min_suppression_s, smooth_s : float
        See module docstring; defaults ACNS 2021 / BIS.
    window_s : float
        Length of the trailing window of the suppression ratio (60 s).
    consensus : float
        Fraction of good channels that must be below threshold.
    min_burst_s : float
        A non-suppressed stretch between suppressions counts as a burst only if it
        lasts this long (ACNS 2021: bursts ≥ 0.5 s).
    """

    def __init__(
        self,
        sfreq_hz: float,
        n_channels: int,
        threshold_uv: float = SUPPRESSION_THRESHOLD_UV,
        min_suppression_s: float = MIN_SUPPRESSION_S,
        smooth_s: float = ENVELOPE_S,
        window_s: float = 60.0,
        consensus: float = 0.5,
        min_burst_s: float = 0.5,
    ) -> None:
        if threshold_uv <= 0:
            raise ValueError(f"threshold_uv must be > 0, got {threshold_uv}")
        if not 0 < consensus <= 1:
            raise ValueError(f"consensus must be in (0, 1], got {consensus}")
        self.sfreq_hz = float(sfreq_hz)
        self.n_channels = int(n_channels)
        self.threshold_uv = float(threshold_uv)
        self.min_suppression_s = float(min_suppression_s)
        self.smooth_s = float(smooth_s)
        self.window_s = float(window_s)
        self.consensus = float(consensus)
        self.min_burst_s = float(min_burst_s)
        self._n_min = max(1, int(round(min_suppression_s * sfreq_hz)))
        self._n_smooth = max(1, int(round(smooth_s * sfreq_hz)))
        self._n_win = int(round(window_s * sfreq_hz))
        self._n_min_burst = max(1, int(round(min_burst_s * sfreq_hz)))
        self.reset()

    def reset(self) -> None:
        """Forget everything (start, or a gap in the stream)."""
        self._sq_tail = np.zeros((self.n_channels, 0))  # last n_smooth-1 squared samples
        self._hist = np.zeros(0, dtype=bool)  # suppressed-as-known, last window_s
        self._run = 0  # current below-threshold run length (consensus), samples
        self._t_next_s: float | None = None  # time of the next expected sample
        self._n_seen = 0
        # runs in sample counts since start: suppression (start, stop) pairs
        self._supp_runs: deque[tuple[int, int]] = deque()
        self._burst_onsets: deque[int] = deque()
        self._last_supp_stop: int | None = None
        self.n_bursts_total = 0
        self._dead_hist = np.zeros(0, dtype=bool)  # no channel alive, last window_s

    def push(
        self,
        data_uv: NDArray[np.float64],
        t0_s: float,
        hop_t_s: NDArray[np.float64],
        good: NDArray[np.bool_] | None = None,
    ) -> BurstStats:
        """Add filtered samples and report the figures at the given hop end times.

        Parameters
        ----------
        data_uv : ndarray, shape (n_channels, n_samples), µV, filtered
        t0_s : float
            Time of the first sample.
        hop_t_s : ndarray, shape (n_hops,)
            Times (within ``(t0_s, t0_s + n_samples / sfreq_hz]``) at which to report.
        good : ndarray of bool, shape (n_channels,), optional
            Channels to judge at all (default all). Flat or disconnected channels
            are excluded sample by sample whatever this says.
        """
        x = np.asarray(data_uv, dtype=np.float64)
        n = x.shape[1]
        hop_t_s = np.asarray(hop_t_s, dtype=np.float64)
        if n == 0:
            empty = np.full(hop_t_s.shape, np.nan)
            return BurstStats(hop_t_s, empty, np.zeros(hop_t_s.shape), empty, self.n_bursts_total)
        if good is None:
            good = np.ones(self.n_channels, dtype=bool)
        base = self._n_seen  # absolute index of x[:, 0]
        # causal moving mean of x² with the tail of the previous push
        sq = np.concatenate([self._sq_tail, x * x], axis=1)
        csum = np.cumsum(sq, axis=1)
        k = self._sq_tail.shape[1]
        lag = np.zeros_like(csum)
        lag[:, self._n_smooth :] = csum[:, : -self._n_smooth]
        count = np.minimum(np.arange(1, sq.shape[1] + 1) + (base - k), self._n_smooth)
        count = np.maximum(count, 1)
        env = 2.0 * np.sqrt(2.0) * np.sqrt(np.maximum(csum - lag, 0.0)[:, k:] / count[k:])
        self._sq_tail = sq[:, -(self._n_smooth - 1) :] if self._n_smooth > 1 else sq[:, :0]
        # a channel is judged where it is alive (not flat or disconnected: its
        # envelope is above FLAT_UV, well under any real EEG noise floor)
        alive = (env > FLAT_UV) & good[:, None]
        n_alive = alive.sum(axis=0)
        n_below = ((env < self.threshold_uv) & alive).sum(axis=0)
        below = (n_alive > 0) & (n_below >= self.consensus * n_alive)
        dead = n_alive == 0
        # run length so far at every sample, continuing the previous push's run
        idx = np.arange(1, n + 1)
        last_false = np.maximum.accumulate(np.where(~below, idx, 0))
        run_so_far = np.where(below, idx - last_false, 0)
        carry = np.where(last_false == 0, self._run, 0)
        run_so_far = np.where(below, run_so_far + carry, 0)
        # suppressed as known at the end of this push
        known = np.zeros(n, dtype=bool)
        ends = np.flatnonzero(np.diff(np.concatenate([below, [False]]).astype(np.int8)) == -1)
        for e in ends:  # e: last index of a run (the run may continue past n)
            length = int(run_so_far[e])
            if length >= self._n_min:
                lo = max(0, e - length + 1)
                known[lo : e + 1] = True
                back = length - (e + 1)  # samples of this run before this push
                if back > 0:
                    self._hist[-min(back, self._hist.size) :] = True
        # suppression and burst bookkeeping (absolute sample indices)
        self._book_runs(below, run_so_far, base, n)
        self._run = int(run_so_far[-1]) if n else self._run
        # suppression ratio at each hop
        hist = np.concatenate([self._hist, known])
        offset = self._hist.size  # hist index of x[:, 0]
        csum_h = np.concatenate([[0], np.cumsum(hist)])
        pos = np.clip(np.round((hop_t_s - t0_s) * self.sfreq_hz).astype(int), 0, n)
        hi = offset + pos
        lo = np.maximum(hi - self._n_win, 0)
        counted = csum_h[hi] - csum_h[lo]
        # a run still shorter than n_min at the hop is not known yet at that time
        at = np.clip(pos - 1, 0, max(n - 1, 0))
        short = (pos > 0) & (run_so_far[at] < self._n_min) & known[at]
        pending = np.where(short, np.minimum(run_so_far[at], hi - lo), 0)
        absolute_hi = base + pos
        denom = np.minimum(absolute_hi, self._n_win)  # the first minute has fewer samples
        sr = np.where(denom > 0, (counted - pending) / np.maximum(denom, 1), np.nan)
        # where most of the trailing window had no live channel, say so (NaN)
        dead_h = np.concatenate([self._dead_hist, dead])
        csum_d = np.concatenate([[0], np.cumsum(dead_h)])
        n_dead = csum_d[hi] - csum_d[lo]
        sr = np.where(n_dead > 0.5 * np.maximum(denom, 1), np.nan, sr)
        self._dead_hist = dead_h[-self._n_win :]
        bpm, ibi = self._burst_figures(absolute_hi)
        self._hist = hist[-self._n_win :] if hist.size > self._n_win else hist
        self._n_seen += n
        return BurstStats(hop_t_s, sr, bpm, ibi, self.n_bursts_total)

    def _book_runs(
        self, below: NDArray[np.bool_], run_so_far: NDArray[np.int64], base: int, n: int
    ) -> None:
        """Record qualifying suppressions and the bursts between them, in time order."""
        reach = np.flatnonzero(run_so_far == self._n_min)  # a suppression qualifies
        stops = np.flatnonzero(np.diff(np.concatenate([below, [False]]).astype(np.int8)) == -1)
        if n and below[-1]:
            stops = stops[:-1]  # the last run continues into the next push
        events = sorted([(int(r), 0) for r in reach] + [(int(s), 1) for s in stops])
        for idx, kind in events:
            if kind == 0:
                start_abs = base + idx - self._n_min + 1
                if self._last_supp_stop is not None:
                    if start_abs - self._last_supp_stop >= self._n_min_burst:
                        self._burst_onsets.append(self._last_supp_stop)
                        self.n_bursts_total += 1
                self._supp_runs.append((start_abs, -1))
            elif self._supp_runs and self._supp_runs[-1][1] == -1:
                stop_abs = base + idx + 1
                self._supp_runs[-1] = (self._supp_runs[-1][0], stop_abs)
                self._last_supp_stop = stop_abs
        horizon = base + n - 2 * self._n_win  # forget what left the window long ago
        while self._supp_runs and 0 <= self._supp_runs[0][1] < horizon:
            self._supp_runs.popleft()
        while self._burst_onsets and self._burst_onsets[0] < horizon:
            self._burst_onsets.popleft()

    def _burst_figures(
        self, hop_abs: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        bpm = np.zeros(hop_abs.shape, dtype=np.float64)
        ibi = np.full(hop_abs.shape, np.nan)
        if not self._supp_runs and not self._burst_onsets:
            return bpm, ibi
        onsets = np.fromiter(self._burst_onsets, dtype=np.int64, count=len(self._burst_onsets))
        closed = [(a, b) for a, b in self._supp_runs if b >= 0]
        starts = np.array([a for a, _ in closed], dtype=np.int64)
        stops = np.array([b for _, b in closed], dtype=np.int64)
        minutes = self.window_s / 60.0
        for i, h in enumerate(hop_abs):
            lo = h - self._n_win
            bpm[i] = np.count_nonzero((onsets >= lo) & (onsets < h)) / minutes
            sel = (stops > lo) & (stops <= h)
            if sel.any():
                ibi[i] = float(np.median(stops[sel] - starts[sel])) / self.sfreq_hz
        return bpm, ibi


def classify_depth(suppression_ratio: float) -> Depth:
    """Depth label from a 60-s suppression ratio (ACNS 2021 thresholds).

    ``suppression`` (isoelectric) at ≥ 0.99, ``burst_suppression`` at 0.5–0.99,
    ``continuous`` below; ``unknown`` when the ratio is NaN.
    """
    if not np.isfinite(suppression_ratio):
        return "unknown"
    if suppression_ratio >= ISOELECTRIC_RATIO:
        return "suppression"
    if suppression_ratio >= BS_LOW_RATIO:
        return "burst_suppression"
    return "continuous"


class DepthClassifier:
    """Depth label with hysteresis so that a ratio hovering on a boundary does not flap.

    A new label is adopted when the raw label has differed from the current one for
    ``hold_s`` consecutive seconds (default 10 s), or immediately at the start.
    """

    def __init__(self, hold_s: float = 10.0) -> None:
        self.hold_s = float(hold_s)
        self.reset()

    def reset(self) -> None:
        self.depth: Depth = "unknown"
        self._cand: Depth | None = None
        self._since_s = 0.0

    def update(self, t_s: float, suppression_ratio: float) -> tuple[Depth, bool]:
        """Return the current label and whether it changed at this hop."""
        raw = classify_depth(suppression_ratio)
        if self.depth == "unknown" and raw != "unknown":
            self.depth, self._cand = raw, None
            return raw, True
        if raw == self.depth:
            self._cand = None
            return self.depth, False
        if raw != self._cand:
            self._cand, self._since_s = raw, t_s
        if t_s - self._since_s >= self.hold_s:
            self.depth, self._cand = raw, None
            return self.depth, True
        return self.depth, False


def depth_series(ratios: Sequence[float]) -> list[Depth]:
    """Unsmoothed depth labels for a sequence of ratios (for tests and reports)."""
    return [classify_depth(float(r)) for r in ratios]
