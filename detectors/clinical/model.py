"""Data model of the clinical layer: treatments, targets, stage results, constants.

The ILAE 2015 operational time points (Trinka et al. 2015), the stages, the
titration goals and the keys of the alerts the clinical rules raise are defined
here once; every other module of :mod:`detectors.clinical` imports them.

References
----------
.. [1] Trinka E, Cock H, Hesdorffer D, et al. A definition and classification of
   status epilepticus -- Report of the ILAE Task Force on Classification of Status
   Epilepticus. Epilepsia 2015;56(10):1515-1523.
.. [2] Brophy GM, Bell R, Claassen J, et al. Guidelines for the evaluation and
   management of status epilepticus. Neurocrit Care 2012;17:3-23.
.. [3] Rossetti AO, Lowenstein DH. Management of refractory status epilepticus in
   adults: still more questions than answers. Lancet Neurol 2011;10:922-930.
.. [4] Shorvon S, Ferlisi M. The treatment of super-refractory status epilepticus:
   a critical review of available therapies and a clinical treatment protocol.
   Brain 2011;134:2802-2818.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from rse_monitor.detectors.doses import DoseAssessment

__all__ = [
    "BAND_KEYS",
    "EPILEPTIFORM_DEPTHS",
    "EPISODE_KEYS",
    "GOALS",
    "Reason",
    "Goal",
    "SEIZURE_KEYS",
    "SRSE_ANAESTHETIC_S",
    "SR_SMOOTH_S",
    "STAGES",
    "SeizureType",
    "Stage",
    "StageResult",
    "StagingRules",
    "T1_T2_MIN",
    "Targets",
    "Treatment",
]

SeizureType = Literal["generalized_convulsive", "focal_impaired_awareness", "absence", "other"]
Stage = Literal["none", "early", "established", "refractory", "super_refractory"]
Goal = Literal["burst_suppression", "seizure_suppression"]

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

#: Anaesthetic exposure after which continuing or recurring SE is super-refractory
#: (Shorvon & Ferlisi 2011; Trinka et al. 2015).
SRSE_ANAESTHETIC_S = 24 * 3600.0

SEIZURE_KEYS: tuple[str, ...] = ("seizure_onset", "breakthrough_seizure", "wean_recurrence")
EPISODE_KEYS: tuple[str, ...] = ("t1_crossed", "t2_crossed", "stage_change")
BAND_KEYS: tuple[str, ...] = ("below_band", "above_band", "isoelectric", "epileptiform_in_band")
#: Depth labels of a suppression that still holds discharges (ACNS 2021; see
#: :func:`detectors.burst.classify_depth`): in the band by its ratio, not on target.
EPILEPTIFORM_DEPTHS: tuple[str, ...] = (
    "discharges_on_suppression",
    "burst_suppression_epileptiform",
)


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
            # ValueError (not the TypeError of pipeline.checks.finite) for a
            # non-number: callers catch ValueError for a bad target
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


@dataclass(frozen=True)
class StagingRules:
    """The parameters of SE staging (see :func:`detectors.clinical.stage.se_stage`).

    Parameters
    ----------
    seizure_type : {"generalized_convulsive", "focal_impaired_awareness", "absence", "other"}
        Names the SE type in the reasons.
    t1_s, t2_s : float, float or None
        ILAE 2015 operational time points in seconds (:data:`T1_T2_MIN`); ``t2_s``
        None when not defined (absence SE).
    episode_gap_s : float
        Seizures closer than this belong to one SE episode (default 300 s).
    pre_episode_lookback_s : float
        Treatments up to this long before an episode's first seizure count for it.
    withdrawal_window_s : float
        After the last anaesthetic infusion stops, recurrences within this window
        keep the episode open (default 24 h).
    benzo_latency_s, second_line_latency_s : float
        Seizure activity later than dose time + latency means the drug failed
        (300 s and 600 s; ESETT 2019 for the usual loading-dose infusion time).
    benzo_cumulative_window_s : float
        Same-agent benzodiazepine doses within this window are summed (0 disables).
    weight_kg : float
        Patient weight, named in the reasons of an under-dosed drug.
    """

    seizure_type: SeizureType = "generalized_convulsive"
    t1_s: float = 300.0
    t2_s: float | None = 1800.0
    episode_gap_s: float = 300.0
    pre_episode_lookback_s: float = 3600.0
    withdrawal_window_s: float = 24 * 3600.0
    benzo_latency_s: float = 300.0
    second_line_latency_s: float = 600.0
    benzo_cumulative_window_s: float = 600.0
    weight_kg: float = 70.0

    @classmethod
    def for_type(
        cls,
        seizure_type: SeizureType,
        t1_t2_min: tuple[float, float | None] | None = None,
        **params: float,
    ) -> StagingRules:
        """Rules with t1/t2 from :data:`T1_T2_MIN` for ``seizure_type`` (or ``t1_t2_min``)."""
        if seizure_type not in T1_T2_MIN:
            raise ValueError(
                f"seizure_type must be one of {', '.join(T1_T2_MIN)}; got {seizure_type!r}"
            )
        t1, t2 = t1_t2_min if t1_t2_min is not None else T1_T2_MIN[seizure_type]
        return cls(seizure_type, t1 * 60.0, None if t2 is None else t2 * 60.0, **params)

    @property
    def t1_t2_min(self) -> tuple[float, float | None]:
        """(t1, t2) in minutes."""
        return (self.t1_s / 60.0, None if self.t2_s is None else self.t2_s / 60.0)


@dataclass(frozen=True)
class Reason:
    """A finding of a rule: a code and the figures behind it.

    :func:`detectors.clinical.messages.reason_text` turns it into a sentence.
    """

    code: str
    figures: Mapping[str, Any] = field(default_factory=dict)


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
