"""The history the SE stage is read from: infusion timeline and seizure episodes.

:class:`InfusionTimeline` turns the treatment log into a piecewise-constant status
of the continuous anaesthetic infusion (``none``, ``running``, ``weaning``,
``withdrawn``). :func:`episodes` groups ictal intervals into SE episodes.

Episodes (simplification, documented)
-------------------------------------
EEG cannot see a "return to baseline", so an SE episode is ictal activity whose
seizures are separated by gaps shorter than ``episode_gap_s``. While a continuous
anaesthetic infusion started for the episode (at most ``pre_episode_lookback_s``
before its first seizure) is running, and for ``withdrawal_window_s`` after the last
one stops, the episode stays open however long the seizure-free gap, so that a
recurrence on a wean belongs to the same SE (Shorvon & Ferlisi, Brain 2011;
Trinka et al., Epilepsia 2015).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rse_monitor.detectors.clinical.model import StagingRules, Treatment

__all__ = [
    "Episode",
    "InfusionSegment",
    "InfusionStatus",
    "InfusionTimeline",
    "Interval",
    "burden_ratio",
    "clipped_intervals",
    "episodes",
]

InfusionStatus = Literal["none", "running", "weaning", "withdrawn"]

#: A seizure: (onset_s, offset_s), offset None while it is ongoing.
Interval = tuple[float, float | None]


@dataclass
class InfusionSegment:
    """Infusion status from ``t0_s`` until the next logged infusion change."""

    t0_s: float
    status: InfusionStatus
    run_start_s: float | None
    rates: dict[str, float]
    last_run_end_s: float | None


class InfusionTimeline:
    """Piecewise-constant anaesthetic-infusion status built from treatments.

    Parameters
    ----------
    treatments : list of Treatment
        Sorted by time; boluses and non-anaesthetic drugs are ignored.
    withdrawal_s : float
        How long after the last infusion stops the status stays ``withdrawn``.

    Attributes
    ----------
    runs : list of (start_s, end_s or None)
        Continuous anaesthetic runs (some agent running throughout).
    """

    def __init__(self, treatments: Sequence[Treatment], withdrawal_s: float) -> None:
        self.withdrawal_s = withdrawal_s
        self.segs: list[InfusionSegment] = []
        self.runs: list[tuple[float, float | None]] = []
        running: dict[str, float] = {}
        weaning: set[str] = set()
        run_start: float | None = None
        last_end: float | None = None
        for tr in treatments:
            a = tr.assessment
            if a.drug_class != "anaesthetic" or a.kind == "bolus":
                continue
            _apply_infusion_entry(running, weaning, a.agent, a.kind, a.rate_mg_per_kg_h or 0.0)
            status: InfusionStatus
            if running:
                if run_start is None:
                    run_start = tr.time_s
                    self.runs.append((run_start, None))
                status = "weaning" if weaning & running.keys() else "running"
            else:
                if run_start is not None:
                    last_end = tr.time_s
                    self.runs[-1] = (run_start, last_end)
                    run_start = None
                status = "withdrawn" if last_end is not None else "none"
            self.segs.append(InfusionSegment(tr.time_s, status, run_start, dict(running), last_end))
        self._t0 = [s.t0_s for s in self.segs]

    def at(self, t_s: float) -> InfusionSegment:
        """The infusion status at ``t_s``."""
        i = bisect.bisect_right(self._t0, t_s) - 1
        if i < 0:
            return InfusionSegment(t_s, "none", None, {}, None)
        seg = self.segs[i]
        if (
            seg.status == "withdrawn"
            and seg.last_run_end_s is not None
            and t_s >= seg.last_run_end_s + self.withdrawal_s
        ):
            return InfusionSegment(seg.t0_s, "none", None, {}, seg.last_run_end_s)
        return seg


def _apply_infusion_entry(
    running: dict[str, float], weaning: set[str], agent: str, kind: str, rate: float
) -> None:
    """Apply one infusion entry to the running rates and the agents being weaned."""
    if kind == "infusion_start":
        running[agent] = rate
        weaning.discard(agent)
    elif kind == "infusion_change":
        if agent in weaning and agent in running and rate > running[agent]:
            weaning.discard(agent)  # re-escalation ends the wean
        running[agent] = rate
    elif kind == "wean_start" and rate > 0:
        running[agent] = rate
        weaning.add(agent)
    else:  # infusion_stop, or a wean to 0
        running.pop(agent, None)
        weaning.discard(agent)


@dataclass
class Episode:
    """One SE episode: its seizures and how long it is held open."""

    start_s: float
    last_end_s: float
    intervals: list[tuple[float, float]] = field(default_factory=list)
    ongoing: bool = False
    hold_until_s: float = 0.0

    def ictal_after(self, t_s: float) -> bool:
        """Whether the episode has seizure activity later than ``t_s``."""
        return any(off > t_s for _, off in self.intervals)


def clipped_intervals(
    intervals: Sequence[Interval], t_s: float, known_until_s: float | None = None
) -> list[tuple[float, float, bool]]:
    """Seizures up to ``t_s`` as ``(onset, offset, ongoing)``.

    An ongoing seizure (offset None) lasts until ``known_until_s`` (the latest
    update; default ``t_s``), clipped to ``t_s``; it is not extrapolated.
    """
    now = known_until_s if known_until_s is not None else t_s
    out = []
    for on_, off_ in intervals:
        on = float(on_)
        if on > t_s:
            break
        if off_ is None:
            off, ongoing = min(max(now, on), t_s), True
        else:
            off = min(float(off_), t_s)
            ongoing = float(off_) > t_s
        out.append((on, off, ongoing))
    return out


def _hold_until(
    ep: Episode, runs: Sequence[tuple[float, float | None]], rules: StagingRules
) -> float:
    limit = ep.last_end_s + rules.episode_gap_s
    changed = True
    while changed:
        changed = False
        for start, end in runs:
            if start < ep.start_s - rules.pre_episode_lookback_s or start > limit:
                continue
            hold = math.inf if end is None else end + rules.withdrawal_window_s
            if hold > limit:
                limit = hold
                changed = True
    return limit


def episodes(
    clipped: Sequence[tuple[float, float, bool]],
    runs: Sequence[tuple[float, float | None]],
    rules: StagingRules,
) -> list[Episode]:
    """Group clipped seizures (:func:`clipped_intervals`) into SE episodes."""
    eps: list[Episode] = []
    for on, off, ongoing in clipped:
        if eps and on < eps[-1].hold_until_s:
            ep = eps[-1]
            ep.last_end_s = max(ep.last_end_s, off)
            ep.ongoing = ep.ongoing or ongoing
        else:
            ep = Episode(on, off, ongoing=ongoing)
            eps.append(ep)
        ep.intervals.append((on, off))
        ep.hold_until_s = _hold_until(ep, runs, rules)
    return eps


def burden_ratio(
    clipped: Sequence[tuple[float, float, bool]], t_s: float, window_s: float
) -> float:
    """Fraction (0-1) of the ``window_s`` before ``t_s`` that was ictal.

    ACNS 2021 (Hirsch et al.): a burden of 20 % or more of any 60 min is
    electrographic status epilepticus.
    """
    lo = t_s - window_s
    total = 0.0
    for on, off, _ in clipped:
        total += max(0.0, min(off, t_s) - max(on, lo))
    return min(1.0, total / window_s)
