"""Seizure detection, causal and scale-free, window by window.

Each channel is judged against its own running background: the line length
(Esteller et al. 2001) of each 2-s window divided by the channel's baseline, the
running median of its non-ictal line lengths over the past minutes. A window is
ictal-looking when enough channels rise well above their baseline; an event starts
after a sustained run of such windows and ends after a sustained run without them
(hysteresis and minimum duration). Because every figure is a ratio to the channel's
own past, the units of the recording do not matter.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["SeizureDetector", "SeizureDecision", "DetectedSeizure"]


@dataclass
class DetectedSeizure:
    """A detected seizure; ``offset_s`` is None while it is ongoing."""

    onset_s: float
    offset_s: float | None
    confidence: float
    channels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SeizureDecision:
    """The detector's output at one hop."""

    t_s: float
    ictal: bool
    score: float  # 0–1, how strongly this window looks ictal
    onset: DetectedSeizure | None = None  # set on the hop an event is declared
    offset: DetectedSeizure | None = None  # set on the hop an event ends


class SeizureDetector:
    """Line length relative to an adaptive per-channel baseline, with hysteresis.

    Parameters
    ----------
    ch_names : sequence of str
    baseline_s : float
        Length of the running baseline (median of non-ictal windows), seconds.
    warmup_s : float
        No decision before this much baseline has been collected.
    on_ratio, off_ratio : float
        A channel is "up" when its line length exceeds ``on_ratio`` × baseline; the
        event ends when fewer channels than required stay above ``off_ratio``.
    min_channel_fraction : float
        Fraction of good channels that must be up (at least one channel).
    onset_s, offset_s : float
        Sustained time required to declare onset and offset.
    min_duration_s : float
        Shorter events are dropped at offset.
    """

    def __init__(
        self,
        ch_names: tuple[str, ...] | list[str],
        baseline_s: float = 300.0,
        warmup_s: float = 60.0,
        on_ratio: float = 2.5,
        off_ratio: float = 1.6,
        min_channel_fraction: float = 0.25,
        onset_s: float = 8.0,
        offset_s: float = 15.0,
        min_duration_s: float = 10.0,
        hop_s: float = 1.0,
    ) -> None:
        if on_ratio <= off_ratio:
            raise ValueError(f"on_ratio ({on_ratio}) must exceed off_ratio ({off_ratio})")
        self.ch_names = tuple(ch_names)
        self.baseline_s = baseline_s
        self.warmup_s = warmup_s
        self.on_ratio = on_ratio
        self.off_ratio = off_ratio
        self.min_channel_fraction = min_channel_fraction
        self.onset_s = onset_s
        self.offset_s = offset_s
        self.min_duration_s = min_duration_s
        self.hop_s = hop_s
        self.reset()

    def reset(self) -> None:
        n_keep = max(1, int(self.baseline_s / self.hop_s))
        self._hist: deque[NDArray[np.float64]] = deque(maxlen=n_keep)
        self._baseline: NDArray[np.float64] | None = None
        self._n_since_baseline = 0
        self._up_since: float | None = None
        self._down_since: float | None = None
        self.current: DetectedSeizure | None = None
        self._scores: list[float] = []

    def update(
        self,
        t_s: float,
        line_length: NDArray[np.float64],
        good: NDArray[np.bool_],
        psd: NDArray[np.float64] | None = None,
        freqs_hz: NDArray[np.float64] | None = None,
    ) -> SeizureDecision:
        """Judge one window.

        Parameters
        ----------
        t_s : float
            End of the window, seconds from the recording start.
        line_length : ndarray, shape (n_channels,)
            Line length per channel (any unit per second).
        good : ndarray of bool, shape (n_channels,)
            Channels that passed the artefact guards.
        psd : ndarray, shape (n_channels, n_freqs), optional
            Welch PSD of the window (unused by this version).
        freqs_hz : ndarray, shape (n_freqs,), optional
        """
        ll = np.asarray(line_length, dtype=np.float64)
        good = np.asarray(good, dtype=bool) & np.isfinite(ll) & (ll > 0)
        warm = len(self._hist) * self.hop_s >= self.warmup_s and self._baseline is not None
        if not warm or not good.any():
            if good.any() and self.current is None:
                self._push_baseline(ll)
            return SeizureDecision(t_s, self.current is not None, 0.0)
        ratio = np.where(good, ll / np.maximum(self._baseline, 1e-12), 0.0)
        n_good = int(good.sum())
        need = max(1, int(np.ceil(self.min_channel_fraction * n_good)))
        top = np.sort(ratio[good])[::-1][:need]
        strength = float(top.min())  # the need-th highest ratio
        score = float(np.clip((strength - 1.0) / (self.on_ratio - 1.0), 0.0, 1.0) ** 2)
        onset = offset = None
        if self.current is None:
            if strength >= self.on_ratio:
                if self._up_since is None:
                    self._up_since = t_s
                    self._scores = []
                self._scores.append(score)
                if t_s - self._up_since >= self.onset_s:
                    chans = [self.ch_names[i] for i in np.flatnonzero(ratio >= self.on_ratio)]
                    onset_t = self._up_since - 1.0  # the first up window ended at _up_since
                    conf = float(np.clip(np.mean(self._scores) * min(1.0, need / 2 + 0.5), 0, 1))
                    self.current = DetectedSeizure(max(0.0, onset_t), None, conf, chans)
                    onset = self.current
                    self._down_since = None
            else:
                self._up_since = None
                self._push_baseline(ll)
        else:
            self._scores.append(score)
            if strength < self.off_ratio:
                if self._down_since is None:
                    self._down_since = t_s
                if t_s - self._down_since >= self.offset_s:
                    self.current.offset_s = self._down_since - 1.0
                    self.current.confidence = float(
                        np.clip(np.mean(self._scores), self.current.confidence, 1.0)
                    )
                    offset = self.current
                    self.current = None
                    self._up_since = None
            else:
                self._down_since = None
        return SeizureDecision(t_s, self.current is not None, score, onset, offset)

    def _push_baseline(self, ll: NDArray[np.float64]) -> None:
        self._hist.append(ll.copy())
        self._n_since_baseline += 1
        if self._baseline is None or self._n_since_baseline >= 10:
            self._baseline = np.median(np.stack(self._hist), axis=0)
            self._n_since_baseline = 0

    def finish(self, t_end_s: float) -> DetectedSeizure | None:
        """Close an event still open at the end of the recording."""
        if self.current is None:
            return None
        ev = self.current
        ev.offset_s = t_end_s
        self.current = None
        return ev
