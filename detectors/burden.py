"""Seizure burden: the trailing fraction of time in electrographic seizure.

ACNS 2021 (Hirsch et al., J Clin Neurophysiol 2021;38:1-29) defines
**electrographic status epilepticus** as an electrographic seizure lasting ≥ 10
continuous minutes, or electrographic seizures totalling ≥ 20 % of any 60-minute
period. The ICU reads the same quantity over the last 5 minutes as the bedside
"seizure burden" (a burden of 0.5 or more over 5 minutes is the usual trigger for a
status alert; 0.9 means nearly continuous seizure).

:class:`SeizureBurden` turns the per-hop ictal decision into, at every hop:

- ``burden_5min`` and ``burden_60min``: seconds in seizure within the trailing 300 s
  and 3,600 s, divided by the window length. Time not observed (before monitoring
  started, or inside a data gap) counts as not in seizure, so a burden never
  exceeds what was seen and does not jump at the start of monitoring;
- ``ictal_run_s``: the length of the current continuous seizure (0 when not ictal).

Each hop stands for the ``hop_s`` seconds that end at its time. State is O(number
of hops in the longest window); updates are O(1).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rse_monitor.pipeline import checks

__all__ = ["BurdenState", "SeizureBurden", "ESE_BURDEN_60MIN", "ESE_CONTINUOUS_S"]

#: ≥ 20 % of any 60-min period in seizure is electrographic status (ACNS 2021).
ESE_BURDEN_60MIN = 0.2
#: A seizure of ≥ 10 continuous minutes is electrographic status (ACNS 2021).
ESE_CONTINUOUS_S = 600.0


@dataclass(frozen=True)
class BurdenState:
    """The burden at one hop (fractions 0-1 and seconds)."""

    burden_5min: float
    burden_60min: float
    ictal_run_s: float

    @property
    def electrographic_se(self) -> bool:
        """ACNS 2021 electrographic status epilepticus at this hop."""
        return self.ictal_run_s >= ESE_CONTINUOUS_S or self.burden_60min >= ESE_BURDEN_60MIN


class _Window:
    """Ictal seconds among the hops of the trailing ``length_s`` (running sum)."""

    def __init__(self, length_s: float) -> None:
        self.length_s = length_s
        self.hops: deque[tuple[float, float]] = deque()  # (t_s, ictal seconds)
        self.ictal_s = 0.0

    def add(self, t_s: float, ictal_s: float) -> float:
        self.hops.append((t_s, ictal_s))
        self.ictal_s += ictal_s
        while self.hops and self.hops[0][0] <= t_s - self.length_s:
            self.ictal_s -= self.hops.popleft()[1]
        return min(1.0, max(0.0, self.ictal_s / self.length_s))


class SeizureBurden:
    """Trailing seizure burden over 5 and 60 minutes, and the current seizure's length.

    Parameters
    ----------
    hop_s : float
        Time each hop stands for, s (the engine's hop).

    Examples
    --------
    >>> b = SeizureBurden(hop_s=1.0)
    >>> for t in range(1, 151):
    ...     state = b.update(float(t), ictal=t > 90)
    >>> round(state.burden_5min, 3), round(state.burden_60min, 4), state.ictal_run_s
    (0.2, 0.0167, 60.0)
    """

    def __init__(self, hop_s: float) -> None:
        self.hop_s = checks.positive("hop_s", hop_s)
        self.reset()

    def reset(self) -> None:
        self._w5 = _Window(300.0)
        self._w60 = _Window(3600.0)
        self._run_start_s: float | None = None
        self._last_t_s: float | None = None

    def update(self, t_s: float, ictal: bool) -> BurdenState:
        """Add the hop ending at ``t_s``; return the burden at that hop."""
        t = checks.finite("t_s", t_s)
        if self._last_t_s is not None and t <= self._last_t_s:
            raise ValueError(f"t_s must increase: {t:g} after {self._last_t_s:g}")
        gap = self._last_t_s is not None and t - self._last_t_s > 1.5 * self.hop_s
        self._last_t_s = t
        seconds = self.hop_s if ictal else 0.0
        b5 = self._w5.add(t, seconds)
        b60 = self._w60.add(t, seconds)
        if not ictal or gap:
            self._run_start_s = None  # a gap ends a continuous seizure: it was not seen
        if ictal and self._run_start_s is None:
            self._run_start_s = t - self.hop_s
        run = 0.0 if self._run_start_s is None else t - self._run_start_s
        return BurdenState(b5, b60, run)
