"""A plain fixed-threshold line-length seizure detector, the benchmark's baseline.

Esteller et al. (Line length: an efficient feature for seizure onset detection,
Proc 23rd IEEE EMBS 2001, 1707-1710) detect seizure onsets where the line length
of a running window crosses a threshold set once from training data of the same
patient. This module does exactly that and nothing more, so that the benchmark
(``bench/detectors.py``) can show what :class:`detectors.seizure.SeizureDetector`
adds (adaptive per-channel baselines, spatial logic, artefact guards, CUSUM onset):

- feature: the mean line length over the channels the engine judged usable;
- calibration: the threshold is ``threshold_ratio`` × the median of that feature
  over the first ``calibration_s`` of the recording, then fixed (the "training
  data" of the patient; this makes it scale-free, so it runs on the Michigan file
  too);
- onset: the feature stays above the threshold for ``onset_s``; offset: it stays
  below for ``offset_s``.

Same interface as the main detector (``update``/``finish``/``reset``), so the
engine or the benchmark can run either.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from rse_monitor.detectors.seizure import DetectedSeizure, SeizureDecision, check_window_inputs
from rse_monitor.pipeline.checks import channel_names, greater_than, positive

__all__ = ["LineLengthBaseline"]


class LineLengthBaseline:
    """Fixed-threshold line-length detector (Esteller et al. 2001).

    Parameters
    ----------
    ch_names : sequence of str
        Channel names (only their number is used).
    hop_s : float
        Time between windows, s.
    window_s : float
        Window length, s (onset/offset times are window middles).
    calibration_s : float
        Length of the calibration period at the start, s.
    threshold_ratio : float
        Threshold as a multiple of the calibration median (> 1).
    onset_s, offset_s : float
        Time above (below) the threshold that declares (ends) an event, s.
    """

    def __init__(
        self,
        ch_names: tuple[str, ...] | list[str],
        hop_s: float = 1.0,
        *,
        window_s: float = 2.0,
        calibration_s: float = 60.0,
        threshold_ratio: float = 2.0,
        onset_s: float = 5.0,
        offset_s: float = 10.0,
    ) -> None:
        names = channel_names("ch_names", ch_names)
        for name, value in (
            ("hop_s", hop_s),
            ("window_s", window_s),
            ("calibration_s", calibration_s),
        ):
            positive(name, value)
        for name, value in (("onset_s", onset_s), ("offset_s", offset_s)):
            positive(name, value, allow_zero=True)
        greater_than("threshold_ratio", threshold_ratio, 1.0)
        self.ch_names = names
        self.hop_s = float(hop_s)
        self.window_s = float(window_s)
        self.calibration_s = float(calibration_s)
        self.threshold_ratio = float(threshold_ratio)
        self.onset_s = float(onset_s)
        self.offset_s = float(offset_s)
        self.reset()

    def reset(self) -> None:
        """Forget the calibration and any event."""
        self._calib: list[float] = []
        self._t_first_s: float | None = None
        self.threshold: float | None = None
        self._above_since_s: float | None = None
        self._below_since_s: float | None = None
        self._ev_values: list[float] = []
        self.current: DetectedSeizure | None = None

    def update(
        self,
        t_s: float,
        line_length: NDArray[np.float64],
        good: NDArray[np.bool_],
        psd: NDArray[np.float64] | None = None,
        freqs_hz: NDArray[np.float64] | None = None,
    ) -> SeizureDecision:
        """Judge one window (``psd`` and ``freqs_hz`` are accepted and ignored)."""
        ll, ok = check_window_inputs(len(self.ch_names), line_length, good)
        use = ok & np.isfinite(ll)
        if not use.any():
            return SeizureDecision(t_s, self.current is not None, 0.0)
        value = float(ll[use].mean())
        if self._t_first_s is None:
            self._t_first_s = t_s
        if self.threshold is None:
            self._calib.append(value)
            if t_s - self._t_first_s + self.hop_s >= self.calibration_s:
                self.threshold = self.threshold_ratio * float(np.median(self._calib))
            return SeizureDecision(t_s, False, 0.0)
        ratio = value / self.threshold if self.threshold > 0 else math.inf
        score = float(np.clip(ratio / 2.0, 0.0, 1.0))
        strength = (
            math.log(value / (self.threshold / self.threshold_ratio)) if value > 0 else math.nan
        )
        onset = offset = None
        if self.current is None:
            if ratio >= 1.0:
                if self._above_since_s is None:
                    self._above_since_s = t_s
                    self._ev_values = []
                self._ev_values.append(ratio)
                if t_s - self._above_since_s + self.hop_s >= self.onset_s:
                    self.current = DetectedSeizure(
                        max(0.0, self._above_since_s - self.window_s / 2),
                        None,
                        self._confidence(),
                        [],
                        alarm_t_s=t_s,
                    )
                    self._below_since_s = None
                    onset = self.current
            else:
                self._above_since_s = None
        else:
            self._ev_values.append(ratio)
            if ratio < 1.0:
                if self._below_since_s is None:
                    self._below_since_s = t_s
                if t_s - self._below_since_s + self.hop_s >= self.offset_s:
                    offset = self._close(self._below_since_s - self.window_s / 2)
            else:
                self._below_since_s = None
        return SeizureDecision(
            t_s, self.current is not None, score, onset, offset, strength=strength
        )

    def _confidence(self) -> float:
        if not self._ev_values:
            return 0.0
        return float(np.clip(np.mean(self._ev_values) - 0.5, 0.0, 1.0))

    def _close(self, offset_s: float) -> DetectedSeizure:
        ev = self.current
        assert ev is not None  # internal invariant
        ev.offset_s = max(ev.onset_s, offset_s)
        ev.confidence = self._confidence()
        self.current = None
        self._above_since_s = None
        self._below_since_s = None
        return ev

    def finish(self, t_end_s: float) -> DetectedSeizure | None:
        """Close an event still open at the end of the recording."""
        if self.current is None:
            return None
        return self._close(float(t_end_s))
