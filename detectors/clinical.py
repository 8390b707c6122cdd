"""Clinical layer: SE staging, titration targets and de-duplicated alerts for one bed.

:class:`ClinicalState` combines the EEG state that the engine publishes every hop
(ictal or not, suppression ratio, depth) with the treatment log, and answers two
questions: *what stage is this status epilepticus (SE) in, and why?* and *is the
anaesthetic titration on target?* Its one streaming verb is :meth:`ClinicalState.update`,
which returns alert transitions (raised / updated / cleared), never a stream of
repeats.

Staging (Trinka et al., ILAE 2015; seed text of this project)
-------------------------------------------------------------
* ``none``: no SE episode, or an episode shorter than t1.
* ``early``: the episode has lasted past t1 (5 min generalized convulsive,
  10 min focal with impaired awareness, 10 min absence; :data:`T1_T2_MIN`).
* ``established``: an adequate benzodiazepine was given for this episode and
  seizure activity was still present more than ``benzo_latency_s`` (5 min) after it.
* ``refractory``: an adequate benzodiazepine *and* an adequate second-line ASM were
  given and seizure activity was present after both (each plus its latency;
  second line 10 min, the usual infusion time of a loading dose, ESETT 2019).
* ``super_refractory``: seizure activity 24 h or more after the onset of anaesthetic
  therapy (the first continuous anaesthetic infusion of the episode), whether
  continuing on the infusion or recurring on its reduction or withdrawal
  (Shorvon & Ferlisi, Brain 2011; Trinka 2015). A recurrence on a wean *before*
  24 h is *anaesthetic-dependent* SE: reported (``anaesthetic_dependent=True``)
  but the stage stays ``refractory``.

Inadequate doses (:mod:`detectors.doses`) are listed in the reasons and do not count.
Split benzodiazepine doses of the same agent given within
``benzo_cumulative_window_s`` (10 min) are summed (an assumption: AES 2016 states
doses per administration). Stage ``super_refractory`` does not require the earlier
steps to be documented (the log may miss drugs given before admission); the reasons
say so. The rules are monotone in time, so within an episode the stage never goes
backwards; a new episode starts again from ``none``.

Episodes (simplification, documented)
-------------------------------------
EEG cannot see a "return to baseline", so an SE episode is ictal activity whose
seizures are separated by gaps shorter than ``episode_gap_s`` (5 min). Its duration
is from the first seizure onset to the latest ictal time. While a continuous
anaesthetic infusion started for the episode (at most ``pre_episode_lookback_s``
before its first seizure) is running, and for ``withdrawal_window_s`` (24 h) after
the last one stops, the episode stays open however long the seizure-free gap, so
that a recurrence on a wean belongs to the same SE. Treatments count for an
episode if given after the previous episode's last seizure and no earlier than
``pre_episode_lookback_s`` (1 h) before the episode's first seizure: drugs given
before the EEG was connected still count when seizures continue after them.

Alerts (keys; one open alert per key, raised once, updated at most every
``update_interval_s`` on a material change or a severity change, cleared when
resolved)
------------------------------------------------------------------------------
* ``seizure_onset`` (medium): first seizure of a cluster off anaesthesia. Later
  seizures within ``cluster_gap_s`` update the count; the alert clears
  ``cluster_gap_s`` after the last offset (the clear carries ``offset_s``, i.e. the
  seizure offset).
* ``breakthrough_seizure`` (high): a seizure while an anaesthetic infusion runs.
* ``wean_recurrence`` (high): a seizure during a wean or after withdrawal; says
  whether it makes the SE super-refractory (>= 24 h of anaesthetic) or
  anaesthetic-dependent (< 24 h).
* ``t1_crossed`` (medium), ``t2_crossed`` (high), ``stage_change`` (medium for
  established, high for refractory and super-refractory; ``early`` is announced by
  ``t1_crossed``): once per episode, cleared when the episode ends.
* ``below_band`` (medium, "too light"), ``above_band`` (low, deeper than target)
  with goal ``burst_suppression`` while an infusion runs (not during a wean), and
  ``isoelectric`` (medium, any goal, on an infusion): the condition must hold
  for ``Targets.sustain_s``; cleared after it has been absent for ``clear_hold_s``.
* ``anaesthetic_24h`` (low): 24 h of continuous anaesthetic; a wean trial may be
  considered. Cleared when a wean starts or the infusion stops.

Persistence: :meth:`ClinicalState.to_dict` / :meth:`ClinicalState.from_dict`
restore everything, open alerts included. Alternatively a state can be rebuilt
from stored treatments (:meth:`ClinicalState.add_treatment`) and seizure events
(:meth:`ClinicalState.mark_ictal_interval`), then :meth:`ClinicalState.mark_alerts_seen`
so that conditions already known are not announced again.

References
----------
.. [1] Trinka E, Cock H, Hesdorffer D, et al. A definition and classification of
   status epilepticus -- Report of the ILAE Task Force on Classification of Status
   Epilepticus. Epilepsia 2015;56(10):1515-1523.
.. [2] Shorvon S, Ferlisi M. The treatment of super-refractory status epilepticus:
   a critical review of available therapies and a clinical treatment protocol.
   Brain 2011;134:2802-2818.
.. [3] Brophy GM, Bell R, Claassen J, et al. Guidelines for the evaluation and
   management of status epilepticus. Neurocrit Care 2012;17:3-23.
.. [4] Rossetti AO, Lowenstein DH. Management of refractory status epilepticus in
   adults: still more questions than answers. Lancet Neurol 2011;10:922-930.
.. [5] Glauser T, et al. Evidence-based guideline: treatment of convulsive status
   epilepticus in children and adults (AES). Epilepsy Curr 2016;16(1):48-61.
.. [6] Hirsch LJ, et al. American Clinical Neurophysiology Society's standardized
   critical care EEG terminology: 2021 version. J Clin Neurophysiol 2021;38:1-29.
"""

from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from detectors.doses import (
    DoseAssessment,
    adequate_dose_text,
    assess_dose,
    cumulative_required_met,
    format_dose_mg,
)

SeizureType = Literal["generalized_convulsive", "focal_impaired_awareness", "absence", "other"]
Stage = Literal["none", "early", "established", "refractory", "super_refractory"]
Goal = Literal["burst_suppression", "seizure_suppression"]
Severity = Literal["low", "medium", "high"]
AlertState = Literal["raised", "updated", "cleared"]

STAGES: tuple[str, ...] = ("none", "early", "established", "refractory", "super_refractory")
GOALS: tuple[str, ...] = ("burst_suppression", "seizure_suppression")

#: ILAE 2015 operational time points (t1, t2) in minutes (Trinka et al. 2015, Table 1).
#: Absence SE: t1 10-15 min (the lower bound is used), t2 unknown (None: never crossed).
#: "other" has no ILAE values; the generalized convulsive ones are used (earliest alert).
T1_T2_MIN: Mapping[str, tuple[float, float | None]] = MappingProxyType(
    {
        "generalized_convulsive": (5.0, 30.0),
        "focal_impaired_awareness": (10.0, 60.0),
        "absence": (10.0, None),
        "other": (5.0, 30.0),
    }
)

#: Time constant (s) of the average used to decide whether a band figure changed.
SR_SMOOTH_S = 60.0

#: Anaesthetic exposure after which continuing or recurring SE is super-refractory.
SRSE_ANAESTHETIC_S = 24 * 3600.0

SEIZURE_KEYS: tuple[str, ...] = ("seizure_onset", "breakthrough_seizure", "wean_recurrence")
EPISODE_KEYS: tuple[str, ...] = ("t1_crossed", "t2_crossed", "stage_change")
BAND_KEYS: tuple[str, ...] = ("below_band", "above_band", "isoelectric")


# --------------------------------------------------------------------------- records
@dataclass
class Treatment:
    """One logged administration.

    ``time_s`` is on the bed's clock, the same axis as the EEG ``t_s`` (seconds from
    the start of the recording; negative for drugs given before it).
    ``agent`` is the canonical name; ``dose``, ``unit`` and ``route`` are as entered.
    """

    time_s: float
    agent: str
    dose: float
    unit: str
    route: str
    kind: str
    assessment: DoseAssessment
    cumulative_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (assessment nested)."""
        return {
            "time_s": self.time_s,
            "agent": self.agent,
            "dose": self.dose,
            "unit": self.unit,
            "route": self.route,
            "kind": self.kind,
            "assessment": self.assessment.to_dict(),
            "cumulative_note": self.cumulative_note,
        }


@dataclass
class Targets:
    """Titration target for the anaesthetic infusion.

    Parameters
    ----------
    goal : {"burst_suppression", "seizure_suppression"}
        Burst suppression: keep the suppression ratio (fraction of the trailing 60 s
        that is suppressed) within ``[sr_low, sr_high]``. Seizure suppression: only
        stop seizures; no band alerts except ``isoelectric``.
    sr_low, sr_high : float
        Band, 0 <= sr_low < sr_high <= 1. The default 0.5-0.8 expresses the common
        burst-suppression practice (suppression for most of the record, inter-burst
        intervals of roughly 10 s) described by Brophy et al. 2012 and Rossetti &
        Lowenstein 2011; no trial fixes the depth, so it is configurable.
    sustain_s : float
        How long a band condition must hold before it raises an alert (> 0 s).
    """

    goal: Goal = "burst_suppression"
    sr_low: float = 0.5
    sr_high: float = 0.8
    sustain_s: float = 300.0

    def __post_init__(self) -> None:
        if self.goal not in GOALS:
            raise ValueError(f"goal must be one of {', '.join(GOALS)}; got {self.goal!r}")
        for name in ("sr_low", "sr_high", "sustain_s"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not math.isfinite(value)
            ):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
            setattr(self, name, float(value))
        if not 0.0 <= self.sr_low < self.sr_high <= 1.0:
            raise ValueError(
                f"need 0 <= sr_low < sr_high <= 1, got sr_low={self.sr_low!r}, "
                f"sr_high={self.sr_high!r}"
            )
        if self.sustain_s <= 0:
            raise ValueError(f"sustain_s must be > 0 s, got {self.sustain_s!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Targets:
        return cls(**{k: data[k] for k in ("goal", "sr_low", "sr_high", "sustain_s") if k in data})


@dataclass
class StageResult:
    """SE stage at one time, with the reasons that justify it.

    ``seizure_burden_s`` is the total ictal time of the current episode (s).
    ``episode_start_s`` is None when there is no ongoing episode.
    """

    stage: Stage
    reasons: list[str]
    anaesthetic_dependent: bool
    t1_crossed: bool
    t2_crossed: bool
    seizure_burden_s: float
    episode_start_s: float | None = None
    episode_duration_s: float = 0.0
    anaesthetic_onset_s: float | None = None
    anaesthetic_s: float | None = None
    burden_60min_ratio: float = 0.0
    t_s: float = 0.0
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Alert:
    """An alert transition. ``key`` identifies the condition (one open alert per key)."""

    key: str
    kind: str
    severity: Severity
    message: str
    details: dict[str, Any]
    t_s: float
    state: AlertState

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Open:
    """Bookkeeping of an open alert."""

    key: str
    severity: str
    message: str
    details: dict[str, Any]
    raised_t_s: float
    last_report_t_s: float
    figure: float | None = None
    count: int = 0
    ema: float | None = None
    ema_t_s: float | None = None


# ------------------------------------------------------------------ infusion timeline
@dataclass
class _Seg:
    t0_s: float
    status: str  # none | running | weaning | withdrawn
    run_start_s: float | None
    rates: dict[str, float]
    last_run_end_s: float | None


class _Timeline:
    """Piecewise-constant anaesthetic-infusion status built from treatments."""

    def __init__(self, treatments: list[Treatment], withdrawal_s: float) -> None:
        self.withdrawal_s = withdrawal_s
        self.segs: list[_Seg] = []
        self.runs: list[tuple[float, float | None]] = []  # (start, end or None)
        running: dict[str, float] = {}
        weaning: set[str] = set()
        run_start: float | None = None
        last_end: float | None = None
        for tr in treatments:
            a = tr.assessment
            if a.drug_class != "anaesthetic" or a.kind == "bolus":
                continue
            rate = a.rate_mg_per_kg_h or 0.0
            ag = a.agent
            if a.kind == "infusion_start":
                running[ag] = rate
                weaning.discard(ag)
            elif a.kind == "infusion_change":
                if ag in weaning and ag in running and rate > running[ag]:
                    weaning.discard(ag)  # re-escalation ends the wean
                running[ag] = rate
            elif a.kind == "wean_start":
                if rate > 0:
                    running[ag] = rate
                    weaning.add(ag)
                else:
                    running.pop(ag, None)
                    weaning.discard(ag)
            else:  # infusion_stop
                running.pop(ag, None)
                weaning.discard(ag)
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
            self.segs.append(_Seg(tr.time_s, status, run_start, dict(running), last_end))
        self._t0 = [s.t0_s for s in self.segs]

    def at(self, t_s: float) -> _Seg:
        i = bisect.bisect_right(self._t0, t_s) - 1
        if i < 0:
            return _Seg(t_s, "none", None, {}, None)
        seg = self.segs[i]
        if (
            seg.status == "withdrawn"
            and seg.last_run_end_s is not None
            and t_s >= seg.last_run_end_s + self.withdrawal_s
        ):
            return _Seg(seg.t0_s, "none", None, {}, seg.last_run_end_s)
        return seg


@dataclass
class _Episode:
    start_s: float
    last_end_s: float
    intervals: list[tuple[float, float]] = field(default_factory=list)
    ongoing: bool = False
    hold_until_s: float = 0.0


# ------------------------------------------------------------------------ formatting
def _clock(t_s: float) -> str:
    sign = "-" if t_s < 0 else ""
    s = int(round(abs(t_s)))
    return f"{sign}{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _min(x_s: float) -> str:
    return f"{x_s / 60:.1f} min"


def _h(x_s: float) -> str:
    return f"{x_s / 3600:.1f} h"


def _num(x: float) -> str:
    return f"{x:g}"


def _finite(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


def _positive(name: str, value: Any, allow_zero: bool = False) -> float:
    v = _finite(name, value)
    if v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return v


def _dose_text(tr: Treatment) -> str:
    a = tr.assessment
    return f"{a.agent} {format_dose_mg(a.dose_mg, a.dose_unit)} {a.route}"


# ------------------------------------------------------------------------- the state
class ClinicalState:
    """SE stage, titration targets and alerts for one bed.

    Parameters
    ----------
    seizure_type : {"generalized_convulsive", "focal_impaired_awareness", "absence", "other"}
        Selects t1/t2 from :data:`T1_T2_MIN`.
    weight_kg : float
        Patient weight for dose adequacy, 0 < w <= 350 kg.
    targets : Targets, optional
        Titration target; default ``Targets()`` (burst suppression, SR 0.5-0.8, 300 s).
    t1_t2_min : (float, float or None), optional
        Override of (t1, t2) in minutes, 0 < t1 < t2.
    episode_gap_s : float
        Seizures closer than this belong to one SE episode (default 300 s).
    pre_episode_lookback_s : float
        Treatments up to this long before an episode's first seizure count for it
        (default 3600 s).
    withdrawal_window_s : float
        After the last anaesthetic infusion stops, recurrences within this window
        count as recurrence on withdrawal and keep the episode open (default 24 h).
    benzo_latency_s, second_line_latency_s : float
        Seizure activity later than dose time + latency means the drug failed
        (defaults 300 s and 600 s).
    benzo_cumulative_window_s : float
        Same-agent benzodiazepine doses within this window are summed (default
        600 s; 0 disables).
    cluster_gap_s : float
        A seizure alert clears after this long without ictal activity (default 300 s).
    clear_hold_s : float
        A band alert clears after its condition has been absent this long (60 s).
    update_interval_s : float
        Minimum time between updates of an open alert (default 600 s), unless its
        severity changes.
    sr_update_delta : float
        Change of suppression ratio that makes a band alert worth updating (0.1).
    isoelectric_sr : float
        Suppression ratio at or above which the EEG counts as isoelectric (0.99).
    isoelectric_depths : tuple of str
        ``depth`` labels that count as isoelectric (``"suppression"``, ``"isoelectric"``).
    """

    def __init__(
        self,
        seizure_type: SeizureType = "generalized_convulsive",
        weight_kg: float = 70.0,
        targets: Targets | None = None,
        t1_t2_min: tuple[float, float | None] | None = None,
        *,
        episode_gap_s: float = 300.0,
        pre_episode_lookback_s: float = 3600.0,
        withdrawal_window_s: float = 24 * 3600.0,
        benzo_latency_s: float = 300.0,
        second_line_latency_s: float = 600.0,
        benzo_cumulative_window_s: float = 600.0,
        cluster_gap_s: float = 300.0,
        clear_hold_s: float = 60.0,
        update_interval_s: float = 600.0,
        sr_update_delta: float = 0.1,
        isoelectric_sr: float = 0.99,
        isoelectric_depths: tuple[str, ...] = ("suppression", "isoelectric"),
    ) -> None:
        if seizure_type not in T1_T2_MIN:
            raise ValueError(
                f"seizure_type must be one of {', '.join(T1_T2_MIN)}; got {seizure_type!r}"
            )
        self.seizure_type = seizure_type
        w = _finite("weight_kg", weight_kg)
        if not 0 < w <= 350:
            raise ValueError(f"weight_kg must be in (0, 350] kg, got {weight_kg!r}")
        self.weight_kg = w
        if targets is not None and not isinstance(targets, Targets):
            raise TypeError(f"targets must be a Targets, got {type(targets).__name__}")
        self.targets = targets if targets is not None else Targets()
        self.t1_t2_min_override = None if t1_t2_min is None else self._check_t1_t2(t1_t2_min)
        t1, t2 = self.t1_t2_min_override or T1_T2_MIN[seizure_type]
        self.t1_s = t1 * 60.0
        self.t2_s = None if t2 is None else t2 * 60.0
        self.episode_gap_s = _positive("episode_gap_s", episode_gap_s)
        self.pre_episode_lookback_s = _positive(
            "pre_episode_lookback_s", pre_episode_lookback_s, allow_zero=True
        )
        self.withdrawal_window_s = _positive(
            "withdrawal_window_s", withdrawal_window_s, allow_zero=True
        )
        self.benzo_latency_s = _positive("benzo_latency_s", benzo_latency_s, allow_zero=True)
        self.second_line_latency_s = _positive(
            "second_line_latency_s", second_line_latency_s, allow_zero=True
        )
        self.benzo_cumulative_window_s = _positive(
            "benzo_cumulative_window_s", benzo_cumulative_window_s, allow_zero=True
        )
        self.cluster_gap_s = _positive("cluster_gap_s", cluster_gap_s)
        self.clear_hold_s = _positive("clear_hold_s", clear_hold_s, allow_zero=True)
        self.update_interval_s = _positive("update_interval_s", update_interval_s)
        self.sr_update_delta = _positive("sr_update_delta", sr_update_delta)
        self.isoelectric_sr = _positive("isoelectric_sr", isoelectric_sr)
        if self.isoelectric_sr > 1:
            raise ValueError(f"isoelectric_sr must be <= 1, got {isoelectric_sr!r}")
        if isinstance(isoelectric_depths, str) or not all(
            isinstance(d, str) for d in isoelectric_depths
        ):
            raise TypeError(
                f"isoelectric_depths must be a tuple of str, got {isoelectric_depths!r}"
            )
        self.isoelectric_depths = tuple(isoelectric_depths)
        self.reset()

    @staticmethod
    def _check_t1_t2(value: Any) -> tuple[float, float | None]:
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise ValueError(f"t1_t2_min must be a (t1, t2) pair in minutes, got {value!r}")
        t1 = _positive("t1_t2_min[0]", value[0])
        if value[1] is None:
            return (t1, None)
        t2 = _positive("t1_t2_min[1]", value[1])
        if t2 <= t1:
            raise ValueError(f"t1_t2_min needs t1 < t2, got {value!r}")
        return (t1, t2)

    # ------------------------------------------------------------------ lifecycle
    def reset(self) -> None:
        """Forget treatments, seizure history and alerts; keep the configuration."""
        self._treatments: list[Treatment] = []
        self._version = 0
        self._tl_cache: tuple[int, int, _Timeline] | None = None
        self._intervals: list[list[float | None]] = []  # [onset, offset or None]
        self._ictal = False
        self._now_s: float | None = None
        self._last_offset_s: float | None = None
        self._open: dict[str, _Open] = {}
        self._since: dict[str, float | None] = {k: None for k in BAND_KEYS}
        self._false_since: dict[str, float | None] = {k: None for k in BAND_KEYS}
        self._ep_start: float | None = None
        self._ep_t1 = False
        self._ep_t2 = False
        self._ep_stage = "none"
        self._a24_run: float | None = None

    @property
    def t1_t2_min(self) -> tuple[float, float | None]:
        """(t1, t2) in minutes in use."""
        return (self.t1_s / 60.0, None if self.t2_s is None else self.t2_s / 60.0)

    @property
    def treatments(self) -> list[Treatment]:
        """Treatments sorted by time (a copy)."""
        return list(self._treatments)

    @property
    def open_alerts(self) -> list[Alert]:
        """Currently open alerts, as their latest ``raised``/``updated`` form."""
        return [
            Alert(
                o.key,
                o.key,
                o.severity,  # type: ignore[arg-type]
                o.message,
                dict(o.details),
                o.last_report_t_s,
                "raised",
            )
            for o in self._open.values()
        ]

    def set_targets(self, targets: Targets) -> None:
        """Replace the titration target; band timers restart."""
        if not isinstance(targets, Targets):
            raise TypeError(f"targets must be a Targets, got {type(targets).__name__}")
        self.targets = targets
        self._since = {k: None for k in BAND_KEYS}
        self._false_since = {k: None for k in BAND_KEYS}

    # ----------------------------------------------------------------- inputs
    def add_treatment(
        self, time_s: float, agent: str, dose: float, unit: str, route: str, kind: str = "bolus"
    ) -> Treatment:
        """Log an administration (may arrive out of order) and assess its dose.

        Raises
        ------
        DoseError
            If the entry cannot be interpreted (see :func:`detectors.doses.assess_dose`).
        """
        t = _finite("time_s", time_s)
        assessment = assess_dose(agent, dose, unit, route, self.weight_kg, kind)
        tr = Treatment(t, assessment.agent, float(dose), unit, route, kind, assessment)
        i = bisect.bisect_right([x.time_s for x in self._treatments], t)
        self._treatments.insert(i, tr)
        self._version += 1
        self._tl_cache = None
        note = self._cumulative_for(tr, self._treatments)
        if note:
            tr.cumulative_note = note
        return tr

    def mark_ictal_interval(self, onset_s: float, offset_s: float | None = None) -> None:
        """Record a seizure without replaying hops (e.g. when rebuilding after a restart).

        Overlapping or touching intervals are merged. ``offset_s=None`` marks an
        ongoing seizure; it must then be the latest one. No alerts are produced.
        """
        on = _finite("onset_s", onset_s)
        if offset_s is None:
            if self._intervals and (
                self._intervals[-1][1] is None or on <= float(self._intervals[-1][1])
            ):
                raise ValueError(
                    f"an ongoing seizure (offset_s=None) must start after every known one; "
                    f"onset_s={onset_s!r}"
                )
            self._intervals.append([on, None])
            self._ictal = True
            self._now_s = on if self._now_s is None else max(self._now_s, on)
            return
        off = _finite("offset_s", offset_s)
        if off <= on:
            raise ValueError(
                f"offset_s must be > onset_s, got onset_s={onset_s!r}, offset_s={offset_s!r}"
            )
        closed = [iv for iv in self._intervals if iv[1] is not None]
        open_ = [iv for iv in self._intervals if iv[1] is None]
        closed.append([on, off])
        closed.sort(key=lambda iv: float(iv[0]))  # type: ignore[arg-type]
        merged: list[list[float | None]] = []
        for iv in closed:
            if merged and float(iv[0]) <= float(merged[-1][1]):  # type: ignore[arg-type]
                merged[-1][1] = max(float(merged[-1][1]), float(iv[1]))  # type: ignore[arg-type]
            else:
                merged.append(list(iv))
        if open_:
            o = open_[0]
            merged = [iv for iv in merged if float(iv[1]) < float(o[0])]  # type: ignore[arg-type]
            merged.append(o)
        self._intervals = merged
        self._last_offset_s = (
            max(float(iv[1]) for iv in merged if iv[1] is not None)
            if any(iv[1] is not None for iv in merged)
            else None
        )
        self._now_s = off if self._now_s is None else max(self._now_s, off)

    # ---------------------------------------------------------------- history
    def _timeline(self, t_s: float) -> _Timeline:
        n = bisect.bisect_right([x.time_s for x in self._treatments], t_s)
        if self._tl_cache is not None and self._tl_cache[:2] == (self._version, n):
            return self._tl_cache[2]
        tl = _Timeline(self._treatments[:n], self.withdrawal_window_s)
        self._tl_cache = (self._version, n, tl)
        return tl

    def _clipped_intervals(self, t_s: float) -> list[tuple[float, float, bool]]:
        now = self._now_s if self._now_s is not None else t_s
        out = []
        for on_, off_ in self._intervals:
            on = float(on_)  # type: ignore[arg-type]
            if on > t_s:
                break
            if off_ is None:
                off, ongoing = min(max(now, on), t_s), True
            else:
                off = min(float(off_), t_s)
                ongoing = float(off_) > t_s
            out.append((on, off, ongoing))
        return out

    def _hold_until(self, ep: _Episode, runs: list[tuple[float, float | None]]) -> float:
        limit = ep.last_end_s + self.episode_gap_s
        changed = True
        while changed:
            changed = False
            for start, end in runs:
                if start < ep.start_s - self.pre_episode_lookback_s or start > limit:
                    continue
                hold = math.inf if end is None else end + self.withdrawal_window_s
                if hold > limit:
                    limit = hold
                    changed = True
        return limit

    def _episodes(self, t_s: float, tl: _Timeline) -> list[_Episode]:
        eps: list[_Episode] = []
        for on, off, ongoing in self._clipped_intervals(t_s):
            if eps and on < eps[-1].hold_until_s:
                ep = eps[-1]
                ep.last_end_s = max(ep.last_end_s, off)
                ep.ongoing = ep.ongoing or ongoing
            else:
                ep = _Episode(on, off, ongoing=ongoing)
                eps.append(ep)
            ep.intervals.append((on, off))
            ep.hold_until_s = self._hold_until(ep, tl.runs)
        return eps

    def _cumulative_for(self, tr: Treatment, txs: list[Treatment]) -> str:
        """Note if ``tr`` completes an adequate cumulative benzodiazepine dose."""
        a = tr.assessment
        if (
            a.drug_class != "benzodiazepine"
            or a.kind != "bolus"
            or a.adequate
            or a.required_mg is None
            or self.benzo_cumulative_window_s <= 0
        ):
            return ""
        group = [
            x
            for x in txs
            if x.assessment.agent == a.agent
            and x.assessment.kind == "bolus"
            and x.assessment.rule == a.rule
            and x.assessment.required_mg is not None
            and tr.time_s - self.benzo_cumulative_window_s <= x.time_s <= tr.time_s
        ]
        if len(group) < 2:
            return ""
        doses = [x.assessment.dose_mg for x in group]
        if not cumulative_required_met(doses, a.required_mg):
            return ""
        parts = " + ".join(format_dose_mg(d, a.dose_unit) for d in doses)
        return (
            f"{a.agent} {parts} {a.route} within {_num(self.benzo_cumulative_window_s / 60)} "
            f"min ({format_dose_mg(sum(doses), a.dose_unit)} by {_clock(tr.time_s)}) reached "
            f"the adequate {format_dose_mg(a.required_mg, a.dose_unit)} ({a.rule}; "
            "cumulative dose counted)"
        )

    # ------------------------------------------------------------------ stage
    def stage(self, t_s: float) -> StageResult:
        """The SE stage at ``t_s`` from the history up to ``t_s``, with reasons.

        Ongoing seizures are taken to last until the latest update (they are not
        extrapolated beyond it).
        """
        t = _finite("t_s", t_s)
        tl = self._timeline(t)
        eps = self._episodes(t, tl)
        burden60 = self._burden_ratio(t, 3600.0)
        if not eps:
            return StageResult(
                "none",
                ["no seizure activity recorded"],
                False,
                False,
                False,
                0.0,
                burden_60min_ratio=burden60,
                t_s=t,
            )
        ep = eps[-1]
        if not ep.ongoing and t >= ep.hold_until_s:
            prev = self._evaluate(ep, eps[-2] if len(eps) > 1 else None, t, tl)
            reasons = [
                f"no ongoing SE episode: the last one ({_clock(ep.start_s)} to "
                f"{_clock(ep.last_end_s)}) ended; highest stage reached: "
                f"{prev.stage.replace('_', '-')}"
            ]
            return StageResult(
                "none", reasons, False, False, False, 0.0, burden_60min_ratio=burden60, t_s=t
            )
        res = self._evaluate(ep, eps[-2] if len(eps) > 1 else None, t, tl)
        res.burden_60min_ratio = burden60
        if burden60 >= 0.2:
            res.reasons.insert(
                1,
                f"seizure burden {burden60:.0%} of the last 60 min (>= 20 %: "
                "electrographic status epilepticus, ACNS 2021)",
            )
        return res

    def _burden_ratio(self, t: float, window_s: float) -> float:
        lo = t - window_s
        total = 0.0
        for on, off, _ in self._clipped_intervals(t):
            total += max(0.0, min(off, t) - max(on, lo))
        return min(1.0, total / window_s)

    def _evaluate(
        self, ep: _Episode, prev: _Episode | None, t: float, tl: _Timeline
    ) -> StageResult:
        st_name = self.seizure_type.replace("_", " ")
        duration = ep.last_end_s - ep.start_s
        burden = sum(off - on for on, off in ep.intervals)
        t1_min, t2_min = self.t1_t2_min
        t1_crossed = duration >= self.t1_s
        t2_crossed = self.t2_s is not None and duration >= self.t2_s
        n_sz = len(ep.intervals)
        sz_txt = "" if n_sz == 1 else f" ({n_sz} seizures, {_min(burden)} ictal)"
        reasons = []
        if t1_crossed:
            reasons.append(
                f"seizure activity for {_min(duration)}{sz_txt}, past t1 = "
                f"{_num(t1_min)} min ({st_name})"
            )
        else:
            reasons.append(
                f"seizure activity for {_min(duration)}{sz_txt}, below t1 = "
                f"{_num(t1_min)} min ({st_name}): not status epilepticus yet"
            )
        if t2_min is None:
            reasons.append(f"t2 is not defined for {st_name} SE (ILAE 2015)")
        elif t2_crossed:
            reasons.append(
                f"past t2 = {_num(t2_min)} min: risk of long-term consequences (ILAE 2015)"
            )

        def ictal_after(x: float) -> bool:
            return any(off > x for _, off in ep.intervals)

        lo = ep.start_s - self.pre_episode_lookback_s
        txs = [
            tr
            for tr in self._treatments
            if tr.time_s >= lo and tr.time_s <= t and (prev is None or tr.time_s > prev.last_end_s)
        ]

        benzo_fail: float | None = None  # time + latency of the earliest failed benzo
        sl_fail: float | None = None
        # anaesthetic onset: start of the first infusion run that belongs to this episode
        anaes_onset: float | None = None
        for start, _end in tl.runs:
            if start >= lo and start <= t and (prev is None or start > prev.last_end_s):
                anaes_onset = start
                break
        anaes_agent = ""
        onset_reported = False
        for tr in txs:
            a = tr.assessment
            when = _clock(tr.time_s)
            if a.kind == "bolus" and a.drug_class in ("benzodiazepine", "second_line"):
                latency = (
                    self.benzo_latency_s
                    if a.drug_class == "benzodiazepine"
                    else self.second_line_latency_s
                )
                cum = self._cumulative_for(tr, txs) if not a.adequate else ""
                if a.adequate or cum:
                    label = (
                        f"{_dose_text(tr)} at {when} was adequate ({a.rule})" if a.adequate else cum
                    )
                    if ictal_after(tr.time_s + latency):
                        reasons.append(
                            f"{label} and seizures continued (seizure activity more "
                            f"than {_num(latency / 60)} min after it)"
                        )
                        x = tr.time_s + latency
                        if a.drug_class == "benzodiazepine":
                            benzo_fail = x if benzo_fail is None else min(benzo_fail, x)
                        else:
                            sl_fail = x if sl_fail is None else min(sl_fail, x)
                    else:
                        reasons.append(
                            f"{label}; no seizure activity more than "
                            f"{_num(latency / 60)} min after it so far"
                        )
                elif a.required_mg is not None:
                    reasons.append(
                        f"{_dose_text(tr)} at {when} for {_num(self.weight_kg)} kg was below the "
                        f"adequate dose {format_dose_mg(a.required_mg, a.dose_unit)} ({a.rule}); "
                        "not counted"
                    )
                else:
                    reasons.append(
                        f"{_dose_text(tr)} at {when}: {a.route} is not a standard "
                        f"route for {a.agent}; not counted"
                    )
            elif a.drug_class == "other":
                reasons.append(
                    f"{_dose_text(tr)} at {when}: recorded; no guideline loading "
                    "dose, not counted toward the stage"
                )
            elif (
                a.drug_class == "anaesthetic"
                and a.kind in ("infusion_start", "infusion_change")
                and not onset_reported
                and anaes_onset is not None
                and tr.time_s == anaes_onset
            ):
                onset_reported, anaes_agent = True, a.agent
                reasons.append(
                    f"{a.agent} infusion started at {when} (anaesthetic onset; "
                    f"{_h(t - tr.time_s)} ago)"
                )
            elif a.drug_class == "anaesthetic" and a.kind == "infusion_start":
                reasons.append(f"{a.agent} infusion started at {when}")
            elif a.drug_class == "anaesthetic" and a.kind == "wean_start":
                since = (
                    ""
                    if anaes_onset is None
                    else f" after {_h(tr.time_s - anaes_onset)} of anaesthetic"
                )
                reasons.append(f"{a.agent} wean started at {when}{since}")
            elif a.drug_class == "anaesthetic" and a.kind == "infusion_stop":
                reasons.append(f"{a.agent} infusion stopped at {when}")

        stage = "none"
        summary = "no status epilepticus (episode shorter than t1)"
        if t1_crossed:
            stage = "early"
            summary = f"early SE: past t1 = {_num(t1_min)} min"
            if benzo_fail is not None:
                stage = "established"
                summary = "established SE: an adequate benzodiazepine failed"
                reasons.append(summary)
            if (
                benzo_fail is not None
                and sl_fail is not None
                and ictal_after(max(benzo_fail, sl_fail))
            ):
                stage = "refractory"
                summary = (
                    "refractory SE: an adequate benzodiazepine and an adequate "
                    "second-line antiseizure medication both failed"
                )
                reasons.append(summary)
            elif sl_fail is not None and benzo_fail is None:
                reasons.append(
                    "an adequate second-line drug failed but no adequate "
                    "benzodiazepine is recorded: refractory needs both"
                )

        anaes_dependent = False
        anaes_s = None if anaes_onset is None else max(0.0, t - anaes_onset)
        if anaes_onset is not None and t1_crossed:
            srse_at = anaes_onset + SRSE_ANAESTHETIC_S
            wean_onsets = [
                on
                for on, _ in ep.intervals
                if on > anaes_onset and tl.at(on).status in ("weaning", "withdrawn")
            ]
            for on in wean_onsets:
                if on < srse_at:
                    anaes_dependent = True
                    reasons.append(
                        f"anaesthetic-dependent recurrence at "
                        f"{_h(on - anaes_onset)}: not super-refractory (< 24 h of "
                        "anaesthetic)"
                    )
            if ictal_after(srse_at):
                late = [on for on in wean_onsets if on >= srse_at]
                if late:
                    summary = (
                        f"seizures recurred on reduction/withdrawal of anaesthesia at "
                        f"{_h(late[0] - anaes_onset)} (>= 24 h after anaesthetic "
                        f"onset, {anaes_agent} at {_clock(anaes_onset)}): "
                        "super-refractory SE"
                    )
                else:
                    summary = (
                        f"seizure activity continuing >= 24 h after anaesthetic onset "
                        f"({anaes_agent} at {_clock(anaes_onset)}): super-refractory SE"
                    )
                reasons.append(summary)
                if stage != "refractory":
                    reasons.append(
                        "note: the benzodiazepine and second-line steps are not both "
                        "documented as adequate and failed"
                    )
                stage = "super_refractory"
        return StageResult(
            stage,  # type: ignore[arg-type]
            reasons,
            anaes_dependent,
            t1_crossed,
            t2_crossed,
            burden,
            episode_start_s=ep.start_s,
            episode_duration_s=duration,
            anaesthetic_onset_s=anaes_onset,
            anaesthetic_s=anaes_s,
            t_s=t,
            summary=summary,
        )

    # ------------------------------------------------------------------- update
    def update(
        self, t_s: float, ictal: bool, suppression_ratio: float | None, depth: str | None
    ) -> list[Alert]:
        """Feed the EEG state of one hop; return alert transitions.

        Parameters
        ----------
        t_s : float
            End of the analysed window, s on the bed's clock; non-decreasing.
        ictal : bool
            Whether the seizure detector reports seizure activity now.
        suppression_ratio : float or None
            Fraction (0-1) of the trailing 60 s that is suppressed; None or NaN if
            unknown (band timers then neither advance nor reset).
        depth : str or None
            Depth label from the suppression tracker; labels in
            ``isoelectric_depths`` count as isoelectric.

        Returns
        -------
        list of Alert
            Transitions (``raised``, ``updated``, ``cleared``), usually empty.
        """
        t = _finite("t_s", t_s)
        if self._now_s is not None and t < self._now_s:
            raise ValueError(f"t_s must not go backwards: got {t_s!r} after {self._now_s!r}")
        if not isinstance(ictal, bool):
            is_np_bool = getattr(getattr(ictal, "dtype", None), "kind", "") == "b"
            if is_np_bool or (isinstance(ictal, int) and ictal in (0, 1)):
                ictal = bool(ictal)
            else:
                raise TypeError(f"ictal must be a bool, got {ictal!r}")
        sr: float | None = None
        if suppression_ratio is not None:
            sr = _finite_or_nan("suppression_ratio", suppression_ratio)
            if sr is not None and not -1e-9 <= sr <= 1 + 1e-9:
                raise ValueError(f"suppression_ratio must be in [0, 1], got {suppression_ratio!r}")
            if sr is not None:
                sr = min(1.0, max(0.0, sr))
        if depth is not None and not isinstance(depth, str):
            raise TypeError(f"depth must be a str or None, got {depth!r}")

        rising = ictal and not self._ictal
        if rising:
            self._intervals.append([t, None])
        elif not ictal and self._ictal:
            if self._intervals and self._intervals[-1][1] is None:
                self._intervals[-1][1] = t
            self._last_offset_s = t
        self._ictal = ictal
        self._now_s = t

        out: list[Alert] = []
        tl = self._timeline(t)
        seg = tl.at(t)
        res = self.stage(t)
        if rising:
            self._on_seizure(t, seg, res, out)
        if (
            not ictal
            and self._last_offset_s is not None
            and t - self._last_offset_s >= self.cluster_gap_s
        ):
            for key in SEIZURE_KEYS:
                if key in self._open:
                    o = self._open[key]
                    self._clear(
                        key,
                        t,
                        f"seizure activity ended at {_clock(self._last_offset_s)}"
                        f" ({o.count} seizure{'s' if o.count != 1 else ''} since "
                        f"{_clock(o.raised_t_s)})",
                        {"offset_s": self._last_offset_s, "n_seizures": o.count},
                        out,
                    )
        self._episode_alerts(t, res, out)
        self._band_alerts(t, seg, sr, depth, out)
        self._a24_alert(t, seg, out)
        return out

    def _on_seizure(self, t: float, seg: _Seg, res: StageResult, out: list[Alert]) -> None:
        details: dict[str, Any] = {
            "onset_s": t,
            "stage": res.stage,
            "infusion_status": seg.status,
            "infusions_mg_per_kg_h": dict(seg.rates),
        }
        if seg.status == "running":
            key, sev = "breakthrough_seizure", "high"
            agents = ", ".join(f"{a} {_num(round(r, 3))} mg/kg/h" for a, r in seg.rates.items())
            msg = f"breakthrough seizure at {_clock(t)} on anaesthetic infusion ({agents})"
        elif seg.status in ("weaning", "withdrawn"):
            key, sev = "wean_recurrence", "high"
            onset = (
                res.anaesthetic_onset_s if res.anaesthetic_onset_s is not None else seg.run_start_s
            )
            phase = "during a wean" if seg.status == "weaning" else "after withdrawal"
            if onset is None:
                msg = f"seizure recurred {phase} of anaesthesia at {_clock(t)}"
                details.update(
                    anaesthetic_s=None, super_refractory=False, anaesthetic_dependent=True
                )
            else:
                hours = t - onset
                srse = hours >= SRSE_ANAESTHETIC_S
                verdict = (
                    "super-refractory SE (recurrence on reduction of anaesthesia >= 24 h "
                    "after its onset)"
                    if srse
                    else "anaesthetic-dependent SE, not super-refractory (< 24 h of anaesthetic)"
                )
                msg = (
                    f"seizure recurred {phase} at {_clock(t)} after {_h(hours)} of "
                    f"anaesthetic: {verdict}"
                )
                details.update(
                    anaesthetic_s=hours, super_refractory=srse, anaesthetic_dependent=not srse
                )
        else:
            key, sev = "seizure_onset", "medium"
            msg = f"seizure onset at {_clock(t)}"
        if key in self._open:
            o = self._open[key]
            o.count += 1
            if t - o.last_report_t_s >= self.update_interval_s:
                details["n_seizures"] = o.count
                self._update(
                    key,
                    sev,
                    f"{msg}; {o.count} seizures since {_clock(o.raised_t_s)}",
                    details,
                    t,
                    None,
                    out,
                )
        else:
            details["n_seizures"] = 1
            self._raise(key, sev, msg, details, t, None, out)
            self._open[key].count = 1

    def _episode_alerts(self, t: float, res: StageResult, out: list[Alert]) -> None:
        if res.episode_start_s != self._ep_start:
            if self._ep_start is not None:
                for key in EPISODE_KEYS:
                    if key in self._open:
                        self._clear(key, t, "SE episode ended", {}, out)
            self._ep_start = res.episode_start_s
            self._ep_t1 = self._ep_t2 = False
            self._ep_stage = "none"
        if res.episode_start_s is None:
            return
        details = {
            "episode_start_s": res.episode_start_s,
            "duration_s": res.episode_duration_s,
            "stage": res.stage,
            "reasons": list(res.reasons),
            "advice": self._advice(res, None),
        }
        t1_min, t2_min = self.t1_t2_min
        st_name = self.seizure_type.replace("_", " ")
        if res.t1_crossed and not self._ep_t1:
            self._ep_t1 = True
            self._raise(
                "t1_crossed",
                "medium",
                f"seizure activity for {_min(res.episode_duration_s)}: past t1 = "
                f"{_num(t1_min)} min for {st_name} SE; treatment is due (ILAE 2015)",
                details,
                t,
                None,
                out,
            )
        if res.t2_crossed and not self._ep_t2:
            self._ep_t2 = True
            self._raise(
                "t2_crossed",
                "high",
                f"seizure activity for {_min(res.episode_duration_s)}: past t2 = "
                f"{_num(t2_min or 0)} min for {st_name} SE; risk of long-term "
                "consequences (ILAE 2015)",
                details,
                t,
                None,
                out,
            )
        if STAGES.index(res.stage) > STAGES.index(self._ep_stage):
            self._ep_stage = res.stage
            if res.stage in ("established", "refractory", "super_refractory"):
                sev = "medium" if res.stage == "established" else "high"
                msg = f"SE stage now {res.stage.replace('_', '-')}: {res.summary}"
                if "stage_change" in self._open:
                    self._update("stage_change", sev, msg, details, t, None, out, force=True)
                else:
                    self._raise("stage_change", sev, msg, details, t, None, out)

    def _band_alerts(
        self, t: float, seg: _Seg, sr: float | None, depth: str | None, out: list[Alert]
    ) -> None:
        tg = self.targets
        on_infusion = seg.status == "running"
        iso_known = sr is not None or (depth is not None and depth != "unknown")
        iso_now = (sr is not None and sr >= self.isoelectric_sr) or (
            depth is not None and depth in self.isoelectric_depths
        )
        conds: dict[str, tuple[bool, bool | None]] = {
            # key: (applicable, condition now or None if unknown)
            "below_band": (
                tg.goal == "burst_suppression" and on_infusion,
                None if sr is None else sr < tg.sr_low,
            ),
            "above_band": (
                tg.goal == "burst_suppression" and on_infusion,
                None if sr is None else (sr > tg.sr_high and not iso_now),
            ),
            "isoelectric": (seg.status in ("running", "weaning"), iso_now if iso_known else None),
        }
        band = f"{tg.sr_low:.2f}-{tg.sr_high:.2f}"
        for key, (applicable, now) in conds.items():
            if not applicable:
                self._since[key] = self._false_since[key] = None
                if key in self._open:
                    why = (
                        "goal is seizure suppression"
                        if tg.goal != "burst_suppression" and key != "isoelectric"
                        else "no anaesthetic infusion running"
                    )
                    self._clear(
                        key, t, f"{key.replace('_', ' ')}: no longer applicable ({why})", {}, out
                    )
                continue
            if now is None:
                continue
            if now:
                self._false_since[key] = None
                if self._since[key] is None:
                    self._since[key] = t
                held = t - float(self._since[key])  # type: ignore[arg-type]
                sev, msg = self._band_message(key, sr, held, band)
                details = {
                    "suppression_ratio": sr,
                    "depth": depth,
                    "sr_low": tg.sr_low,
                    "sr_high": tg.sr_high,
                    "held_s": held,
                    "goal": tg.goal,
                    "infusions_mg_per_kg_h": dict(seg.rates),
                }
                if key not in self._open:
                    if held >= tg.sustain_s:
                        self._raise(key, sev, msg, details, t, sr, out)
                else:
                    # materiality is judged on a 60-s exponential average so that hop-to-hop
                    # jitter of the ratio does not count as a change
                    o = self._open[key]
                    if sr is not None:
                        if o.ema is None or o.ema_t_s is None:
                            o.ema = sr
                        else:
                            alpha = 1.0 - math.exp(-max(0.0, t - o.ema_t_s) / SR_SMOOTH_S)
                            o.ema += alpha * (sr - o.ema)
                        o.ema_t_s = t
                    material = (
                        sr is not None
                        and o.ema is not None
                        and o.figure is not None
                        and abs(o.ema - o.figure) >= self.sr_update_delta
                    )
                    if material and t - o.last_report_t_s >= self.update_interval_s:
                        self._update(key, sev, msg, details, t, sr, out)
            else:
                self._since[key] = None
                if key in self._open:
                    if self._false_since[key] is None:
                        self._false_since[key] = t
                    if t - float(self._false_since[key]) >= self.clear_hold_s:  # type: ignore[arg-type]
                        self._false_since[key] = None
                        srt = "unknown" if sr is None else f"{sr:.2f}"
                        self._clear(
                            key,
                            t,
                            f"{key.replace('_', ' ')} resolved (suppression "
                            f"ratio {srt}, target {band})",
                            {"suppression_ratio": sr},
                            out,
                        )

    def _band_message(self, key: str, sr: float | None, held: float, band: str) -> tuple[str, str]:
        srt = "unknown" if sr is None else f"{sr:.2f}"
        if key == "below_band":
            return "medium", (
                f"EEG lighter than target for {_min(held)}: suppression ratio "
                f"{srt} below the {band} band; consider deepening the infusion"
            )
        if key == "above_band":
            return "low", (
                f"EEG deeper than target for {_min(held)}: suppression ratio {srt} "
                f"above the {band} band; consider lightening the infusion"
            )
        return "medium", (
            f"EEG isoelectric for {_min(held)} (suppression ratio {srt}): deeper "
            "than any seizure-control target, costs blood pressure for no "
            "added benefit; consider reducing the infusion"
        )

    def _a24_alert(self, t: float, seg: _Seg, out: list[Alert]) -> None:
        key = "anaesthetic_24h"
        if key in self._open and seg.status != "running":
            why = "wean started" if seg.status == "weaning" else "infusion stopped"
            self._clear(key, t, f"anaesthetic_24h: {why}", {}, out)
            return
        run = seg.run_start_s
        if (
            seg.status == "running"
            and run is not None
            and t - run >= SRSE_ANAESTHETIC_S
            and self._a24_run != run
        ):
            self._a24_run = run
            last = None if self._ictal else self._last_offset_s
            if self._ictal:
                sz = "EEG seizures are ongoing: a wean is not advised now"
            elif last is None or last < run:
                sz = f"no EEG seizure since the infusion started ({_h(t - run)})"
            else:
                sz = f"last EEG seizure {_h(t - last)} ago"
            msg = (
                f"anaesthetic infusion running for {_h(t - run)} (since {_clock(run)}); {sz}. "
                "A wean trial may be considered once seizures have been controlled for "
                "24-48 h (Brophy et al. 2012)"
            )
            self._raise(
                key,
                "low",
                msg,
                {"run_start_s": run, "anaesthetic_s": t - run, "last_seizure_offset_s": last},
                t,
                None,
                out,
            )

    # ------------------------------------------------------------- alert plumbing
    def _raise(
        self,
        key: str,
        sev: str,
        msg: str,
        details: dict[str, Any],
        t: float,
        figure: float | None,
        out: list[Alert],
    ) -> None:
        self._open[key] = _Open(
            key, sev, msg, details, t, t, figure, ema=figure, ema_t_s=None if figure is None else t
        )
        out.append(Alert(key, key, sev, msg, dict(details), t, "raised"))  # type: ignore[arg-type]

    def _update(
        self,
        key: str,
        sev: str,
        msg: str,
        details: dict[str, Any],
        t: float,
        figure: float | None,
        out: list[Alert],
        force: bool = False,
    ) -> None:
        o = self._open[key]
        if not force and sev == o.severity and t - o.last_report_t_s < self.update_interval_s:
            return
        o.severity, o.message, o.details, o.last_report_t_s = sev, msg, details, t
        o.figure = figure
        out.append(Alert(key, key, sev, msg, dict(details), t, "updated"))  # type: ignore[arg-type]

    def _clear(
        self, key: str, t: float, msg: str, details: dict[str, Any], out: list[Alert]
    ) -> None:
        o = self._open.pop(key)
        out.append(
            Alert(
                key,
                key,
                o.severity,  # type: ignore[arg-type]
                msg,
                {**details, "raised_t_s": o.raised_t_s},
                t,
                "cleared",
            )
        )

    def mark_alerts_seen(self, t_s: float) -> None:
        """Treat the episode conditions true at ``t_s`` as already announced.

        Use after rebuilding a state from stored treatments and seizure events so
        that the next :meth:`update` does not raise t1/t2/stage alerts again.
        """
        res = self.stage(t_s)
        self._ep_start = res.episode_start_s
        self._ep_t1, self._ep_t2 = res.t1_crossed, res.t2_crossed
        self._ep_stage = res.stage
        seg = self._timeline(t_s).at(t_s)
        if (
            seg.status == "running"
            and seg.run_start_s is not None
            and t_s - seg.run_start_s >= SRSE_ANAESTHETIC_S
        ):
            self._a24_run = seg.run_start_s

    # ------------------------------------------------------------------ advice
    def advice(self, t_s: float | None = None) -> list[str]:
        """Decision-support text for the current stage and titration (never orders)."""
        t = self._now_s if t_s is None else _finite("t_s", t_s)
        if t is None:
            return []
        return self._advice(self.stage(t), self._timeline(t).at(t))

    def _advice(self, res: StageResult, seg: _Seg | None) -> list[str]:
        w = self.weight_kg
        out: list[str] = []
        if seg is None:
            seg = self._timeline(res.t_s).at(res.t_s)
        if res.stage == "early":
            out.append(
                "first-line benzodiazepine if not yet given: "
                f"{adequate_dose_text('lorazepam', w)}, or "
                f"{adequate_dose_text('midazolam', w, 'IM')}, or "
                f"{adequate_dose_text('diazepam', w)} (AES 2016)"
            )
        elif res.stage == "established":
            out.append(
                "second-line loading dose: "
                f"{adequate_dose_text('levetiracetam', w)}, or "
                f"{adequate_dose_text('fosphenytoin', w)}, or "
                f"{adequate_dose_text('valproate', w)} (AES 2016, ESETT 2019)"
            )
        elif res.stage == "refractory" and seg.status == "none":
            out.append(
                "refractory SE: consider a continuous anaesthetic infusion (midazolam, "
                "propofol, pentobarbital) titrated to the EEG target (Brophy 2012)"
            )
        elif res.stage == "super_refractory":
            out.append(
                "super-refractory SE: review aetiology and consider further therapies "
                "(Shorvon & Ferlisi 2011)"
            )
        for key in (
            "below_band",
            "above_band",
            "isoelectric",
            "breakthrough_seizure",
            "wean_recurrence",
            "anaesthetic_24h",
        ):
            if key in self._open:
                out.append(self._open[key].message)
        return out

    # ------------------------------------------------------------- persistence
    def snapshot(self) -> dict[str, Any]:
        """JSON-serialisable view for the service (stage, targets, alerts, treatments)."""
        t = self._now_s if self._now_s is not None else 0.0
        res = self.stage(t)
        seg = self._timeline(t).at(t)
        return {
            "t_s": self._now_s,
            "seizure_type": self.seizure_type,
            "weight_kg": self.weight_kg,
            "t1_min": self.t1_t2_min[0],
            "t2_min": self.t1_t2_min[1],
            "ictal": self._ictal,
            "stage": res.to_dict(),
            "targets": self.targets.to_dict(),
            "infusion": {
                "status": seg.status,
                "run_start_s": seg.run_start_s,
                "rates_mg_per_kg_h": dict(seg.rates),
            },
            "open_alerts": [
                {**a.to_dict(), "raised_t_s": self._open[a.key].raised_t_s}
                for a in self.open_alerts
            ],
            "treatments": [tr.to_dict() for tr in self._treatments],
            "advice": self._advice(res, seg),
        }

    _PARAMS = (
        "episode_gap_s",
        "pre_episode_lookback_s",
        "withdrawal_window_s",
        "benzo_latency_s",
        "second_line_latency_s",
        "benzo_cumulative_window_s",
        "cluster_gap_s",
        "clear_hold_s",
        "update_interval_s",
        "sr_update_delta",
        "isoelectric_sr",
    )

    def to_dict(self) -> dict[str, Any]:
        """Complete JSON-serialisable state; :meth:`from_dict` restores it exactly."""
        return {
            "version": 1,
            "seizure_type": self.seizure_type,
            "weight_kg": self.weight_kg,
            "targets": self.targets.to_dict(),
            "t1_t2_min": None if self.t1_t2_min_override is None else list(self.t1_t2_min_override),
            "params": {
                **{p: getattr(self, p) for p in self._PARAMS},
                "isoelectric_depths": list(self.isoelectric_depths),
            },
            "treatments": [
                {
                    "time_s": tr.time_s,
                    "agent": tr.agent,
                    "dose": tr.dose,
                    "unit": tr.unit,
                    "route": tr.route,
                    "kind": tr.kind,
                }
                for tr in self._treatments
            ],
            "intervals": [list(iv) for iv in self._intervals],
            "ictal": self._ictal,
            "now_s": self._now_s,
            "last_offset_s": self._last_offset_s,
            "open": {k: asdict(o) for k, o in self._open.items()},
            "since": dict(self._since),
            "false_since": dict(self._false_since),
            "episode": {
                "start_s": self._ep_start,
                "t1": self._ep_t1,
                "t2": self._ep_t2,
                "stage": self._ep_stage,
            },
            "a24_run": self._a24_run,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClinicalState:
        """Rebuild a state saved by :meth:`to_dict` (treatments are re-assessed)."""
        if data.get("version") != 1:
            raise ValueError(f"unsupported ClinicalState version {data.get('version')!r}")
        params = dict(data.get("params", {}))
        if "isoelectric_depths" in params:
            params["isoelectric_depths"] = tuple(params["isoelectric_depths"])
        t12 = data.get("t1_t2_min")
        st = cls(
            data["seizure_type"],
            data["weight_kg"],
            Targets.from_dict(data["targets"]),
            None if t12 is None else tuple(t12),
            **params,
        )
        for tr in data.get("treatments", []):
            st.add_treatment(
                tr["time_s"], tr["agent"], tr["dose"], tr["unit"], tr["route"], tr["kind"]
            )
        st._intervals = [list(iv) for iv in data.get("intervals", [])]
        st._ictal = bool(data.get("ictal", False))
        st._now_s = data.get("now_s")
        st._last_offset_s = data.get("last_offset_s")
        st._open = {k: _Open(**o) for k, o in data.get("open", {}).items()}
        st._since = {k: data.get("since", {}).get(k) for k in BAND_KEYS}
        st._false_since = {k: data.get("false_since", {}).get(k) for k in BAND_KEYS}
        ep = data.get("episode", {})
        st._ep_start = ep.get("start_s")
        st._ep_t1, st._ep_t2 = bool(ep.get("t1")), bool(ep.get("t2"))
        st._ep_stage = ep.get("stage", "none")
        st._a24_run = data.get("a24_run")
        return st


def _finite_or_nan(name: str, value: Any) -> float | None:
    """A finite float, or None for NaN (unknown); TypeError for non-numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a number or None, got {value!r}") from None
    v = float(value)
    if math.isnan(v):
        return None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v
