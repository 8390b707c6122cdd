"""Bedside scores of status epilepticus: STESS, EMSE and 2HELPS2B, as pure functions.

Each score is a sum of item points. An item's points come from the history the
clinician entered once per bed (:class:`History`) or from the EEG findings of the
engine (:class:`EegFindings`, built by :func:`eeg_findings` from the per-hop ACNS
``pattern`` / ``pattern_hz`` / ``ictal`` / ``depth`` trends). An item whose input
is missing or not measured is reported in ``missing`` and scores nothing: the
result's ``value`` is then None, and ``low``/``high`` bound the value the missing
items could still give. Sporadic epileptiform discharges and BIRDs come from the
ACNS tracker (:mod:`detectors.acns.brief`) where the bed runs it; ASIDs are not
measured and are always missing, never 0.

STESS (Rossetti et al. 2006 [1]_, validated 2008 [2]_), 0-6
-----------------------------------------------------------
=========================  ===========================================  ======
item                       input                                        points
=========================  ===========================================  ======
consciousness              alert, somnolent or confused                 0
                           stuporous or comatose                        1
worst seizure type         simple partial, complex partial, absence,    0
                           myoclonic (complicating idiopathic
                           generalized epilepsy)
                           generalized convulsive                       1
                           nonconvulsive SE in coma                     2
age                        < 65 years                                   0
                           >= 65 years                                  2
history of seizures        yes                                          0
                           no or unknown                                1
=========================  ===========================================  ======

0-2 favourable, >= 3 unfavourable (negative predictive value for death 0.97 in the
2008 validation). Later cohorts (e.g. Aukland et al. 2016) found >= 4 better; the
interpretation says which cut-off is used. Myoclonic SE outside idiopathic
generalized epilepsy (e.g. post-anoxic) has no STESS category and is not accepted.

2HELPS2B (Struck et al. 2017 [3]_, validated 2020 [4]_), 0-7
------------------------------------------------------------
1 point each: frequency > 2 Hz of any periodic or rhythmic pattern (GRDA excluded);
sporadic epileptiform discharges; LPD, LRDA or BIPD; plus features (+F, +R, +S) on
an LPD, LRDA or BIPD; prior seizure. 2 points: brief potentially ictal rhythmic
discharges (BIRDs). Seizure risk within 72 h per score (2017 derivation, as the 2020
validation reports it): 0: 5 %, 1: 12 %, 2: 27 %, 3: 50 %, 4: 73 %, 5: 88 %,
6-7: > 95 %. The two qualifiers (GRDA excluded; plus features only on LPD, LRDA,
BIPD) are worded as in the published calculator of the 2020 validation; the 2017
abstract lists the items without them. "Prior seizure" is a history of epilepsy
or a recent event suspicious for a clinical seizure: here, history of seizures
``yes`` or a worst seizure type entered for this episode (the SE itself).
The findings are taken from interictal hops only (the patterns of a seizure are
the seizure). The score was derived from the first 24 h of EEG and validated on a
1-h screening EEG; less than 1 h analysed is noted.

EMSE (Leitinger et al. 2015 [5]_)
---------------------------------
Points per item are the mortality (%) reported for that category in the
epidemiological literature. EMSE-EAC = etiology + age + comorbidity (cut-off
>= 27); EMSE-EACE adds the EEG (cut-off >= 64). The etiology points
(:data:`EMSE_ETIOLOGY_POINTS`) and the 21-30-year age band (1 point, after
Koubeissi 2007) were checked against the paper's electronic supplementary Table 1
(a public copy: docest.com/doc/79850). **Not verified** against the paper (from
secondary sources and recollection; each result lists them under ``uncertain``):
the age bands above 21-30 years (:data:`EMSE_AGE_POINTS`), comorbidity as 10
points per Charlson weight unit, the EEG points (LPD or GPD 40, ASIDs 40,
spontaneous burst suppression 60) and that the EEG item takes the largest of these
rather than their sum. A search of public documentation, web pages and code on
2026-11-29 found the supplementary table only up to the 21-30 row and no other
source of these weights (the abstract and the validation studies, e.g. Kang et al.
Crit Care 2016;20:25, name the items and cut-offs, not the points), so they are
unchanged. The derivation cohort was 20-90 years and non-hypoxic; ages below 21 have no
points here. Burst suppression seen while on an anaesthetic is not spontaneous:
this module cannot tell the two apart, so a burst suppression seen leaves the EEG
item open (``missing``).

References
----------
.. [1] Rossetti AO, Logroscino G, Bromfield EB. A clinical score for prognosis of
   status epilepticus in adults. Neurology 2006;66:1736-1738.
.. [2] Rossetti AO, Logroscino G, Milligan TA, et al. Status Epilepticus Severity
   Score (STESS): a tool to orient early treatment strategy. J Neurol
   2008;255:1561-1566.
.. [3] Struck AF, Ustun B, Ruiz AR, et al. Association of an
   electroencephalography-based risk score with seizure probability in
   hospitalized patients. JAMA Neurol 2017;74(12):1419-1424.
.. [4] Struck AF, Tabaeizadeh M, Schmitt SE, et al. Assessment of the validity of
   the 2HELPS2B score for inpatient seizure risk prediction. JAMA Neurol
   2020;77(4):500-507.
.. [5] Leitinger M, Höller Y, Kalss G, et al. Epidemiology-based mortality score in
   status epilepticus (EMSE). Neurocrit Care 2015;22(2):273-282.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "CHARLSON_WEIGHTS",
    "CONSCIOUSNESS",
    "EMSE_AGE_POINTS",
    "EMSE_ETIOLOGY_POINTS",
    "HELPS2B_RISK",
    "PRIOR_SEIZURES",
    "WORST_SEIZURE_TYPES",
    "EegFindings",
    "History",
    "PatternCount",
    "ScoreItem",
    "ScoreResult",
    "all_scores",
    "eeg_findings",
    "emse",
    "helps2b",
    "stess",
]

CITATION_STESS = (
    "Rossetti AO, Logroscino G, Bromfield EB. Neurology 2006;66:1736-1738; validation: "
    "Rossetti AO et al. J Neurol 2008;255:1561-1566"
)
CITATION_2HELPS2B = (
    "Struck AF, Ustun B, Ruiz AR, et al. JAMA Neurol 2017;74(12):1419-1424; validation: "
    "Struck AF et al. JAMA Neurol 2020;77(4):500-507"
)
CITATION_EMSE = "Leitinger M, Höller Y, Kalss G, et al. Neurocrit Care 2015;22(2):273-282"

#: STESS level of consciousness -> points.
CONSCIOUSNESS: Mapping[str, int] = MappingProxyType(
    {"alert": 0, "somnolent_confused": 0, "stuporous": 1, "comatose": 1}
)
#: STESS worst seizure type -> points (myoclonic: complicating idiopathic generalized epilepsy).
WORST_SEIZURE_TYPES: Mapping[str, int] = MappingProxyType(
    {
        "simple_partial": 0,
        "complex_partial": 0,
        "absence": 0,
        "myoclonic_ige": 0,
        "generalized_convulsive": 1,
        "nonconvulsive_in_coma": 2,
    }
)
#: STESS history of seizures -> points ("no or unknown" score 1).
PRIOR_SEIZURES: Mapping[str, int] = MappingProxyType({"yes": 0, "no": 1, "unknown": 1})
STESS_AGE_YEARS = 65.0
STESS_UNFAVOURABLE = 3

#: EMSE etiology points (Leitinger 2015, electronic supplementary Table 1; the
#: sources there: Wu et al. 2002, Neligan & Shorvon 2010). Anoxia: the derivation
#: cohort excluded hypoxic patients.
EMSE_ETIOLOGY_POINTS: Mapping[str, int] = MappingProxyType(
    {
        "cns_anomalies": 2,
        "drug_reduction_withdrawal_poor_compliance": 2,
        "multiple_sclerosis": 5,
        "remote_cerebrovascular_or_brain_injury": 7,
        "hydrocephalus": 8,
        "alcohol_abuse": 10,
        "drug_overdose": 11,
        "head_trauma": 12,
        "cryptogenic": 12,
        "brain_tumour": 16,
        "metabolic_sodium_imbalance": 17,
        "metabolic_other": 22,
        "acute_cerebrovascular": 26,
        "acute_cns_infection": 33,
        "anoxia": 65,
    }
)
#: EMSE age bands (lower year inclusive, upper inclusive, points). Only 21-30 -> 1 is
#: verified against the paper; the rest are not (see the module docstring).
EMSE_AGE_POINTS: tuple[tuple[float, float, int], ...] = (
    (21, 30, 1), (31, 40, 2), (41, 50, 3), (51, 60, 5), (61, 70, 7), (71, 80, 8),
    (81, math.inf, 10),
)  # fmt: skip
#: EMSE comorbidity points per Charlson weight unit (not verified).
EMSE_POINTS_PER_CHARLSON = 10
#: EMSE EEG points (not verified).
EMSE_EEG_PD = 40
EMSE_EEG_ASID = 40
EMSE_EEG_SPONTANEOUS_BS = 60
EMSE_EAC_CUTOFF = 27
EMSE_EACE_CUTOFF = 64

#: Charlson comorbidity index weights (Charlson et al., J Chronic Dis 1987;40:373-383).
CHARLSON_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        "myocardial_infarction": 1,
        "congestive_heart_failure": 1,
        "peripheral_vascular_disease": 1,
        "cerebrovascular_disease": 1,
        "dementia": 1,
        "chronic_pulmonary_disease": 1,
        "connective_tissue_disease": 1,
        "peptic_ulcer_disease": 1,
        "mild_liver_disease": 1,
        "diabetes": 1,
        "hemiplegia": 2,
        "moderate_severe_renal_disease": 2,
        "diabetes_end_organ_damage": 2,
        "solid_tumour": 2,
        "leukaemia": 2,
        "lymphoma": 2,
        "moderate_severe_liver_disease": 3,
        "metastatic_solid_tumour": 6,
        "aids": 6,
    }
)

#: 2HELPS2B seizure risk within 72 h (%) per score; 6 and 7: "> 95".
HELPS2B_RISK: Mapping[int, str] = MappingProxyType(
    {0: "5 %", 1: "12 %", 2: "27 %", 3: "50 %", 4: "73 %", 5: "88 %", 6: "> 95 %", 7: "> 95 %"}
)
HELPS2B_FREQ_HZ = 2.0
#: sporadic discharges per hour of interictal EEG for the 2HELPS2B item: the ACNS
#: 2021 prevalence "occasional" (>= 1/h); "rare" (< 1/h) ones are not counted
SPORADIC_MIN_PER_H = 1.0
HELPS2B_MIN_EEG_S = 3600.0
#: Main terms of 2HELPS2B's "LPD, LRDA or BIPD" item.
HELPS2B_LATERALIZED = frozenset({"LPD", "LRDA", "BIPD"})

_TERM = re.compile(r"^(G|L|BI|UI|Mf)(PD|RDA|SW)(?:\+([FRS]+))?$")

Source = Literal["history", "eeg"]


# ----------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class History:
    """What the clinician enters once per bed (None: not entered).

    ``charlson_conditions``: the Charlson conditions present (keys of
    :data:`CHARLSON_WEIGHTS`); an empty tuple means none, None means not entered.
    """

    age_years: float | None = None
    consciousness: str | None = None
    worst_seizure_type: str | None = None
    prior_seizures: str | None = None
    etiology: str | None = None
    charlson_conditions: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.age_years is not None and not (
            isinstance(self.age_years, int | float) and 0 <= self.age_years <= 130
        ):
            raise ValueError(f"age_years must be a number in 0-130, got {self.age_years!r}")
        for name, table in (
            ("consciousness", CONSCIOUSNESS),
            ("worst_seizure_type", WORST_SEIZURE_TYPES),
            ("prior_seizures", PRIOR_SEIZURES),
            ("etiology", EMSE_ETIOLOGY_POINTS),
        ):
            value = getattr(self, name)
            if value is not None and value not in table:
                raise ValueError(f"{name} must be one of {', '.join(table)}; got {value!r}")
        for c in self.charlson_conditions or ():
            if c not in CHARLSON_WEIGHTS:
                raise ValueError(f"charlson_conditions: unknown condition {c!r}")


@dataclass(frozen=True)
class PatternCount:
    """Interictal hops that carried one ACNS label, and its highest frequency (Hz)."""

    label: str
    n_hops: int
    max_hz: float | None = None


@dataclass(frozen=True)
class EegFindings:
    """The EEG items of the scores (None: not measured or no EEG).

    ``analysed_s``: interictal EEG time the findings come from (s);
    ``burst_suppression_seen``: the depth trend showed burst suppression at any hop.
    """

    analysed_s: float = 0.0
    over_2hz_non_grda: bool | None = None
    lateralized_terms: tuple[str, ...] | None = None  # LPD / LRDA / BIPD seen
    plus_on_lateralized: tuple[str, ...] | None = None  # e.g. ("LPD+F",)
    lpd_or_gpd: bool | None = None
    burst_suppression_seen: bool | None = None
    n_ictal_hops: int = 0
    sporadic_discharges: bool | None = None  # None: not measured
    birds: bool | None = None  # None: not measured
    asids: bool | None = None  # after-status ictal discharges: not measured
    labels: tuple[str, ...] = ()


def eeg_findings(
    patterns: Sequence[PatternCount] | None,
    n_hops: int,
    n_ictal_hops: int = 0,
    n_burst_suppression_hops: int | None = None,
    hop_s: float = 1.0,
    n_sporadic: int | None = None,
    n_birds: int | None = None,
) -> EegFindings:
    """The score items the engine's trends answer.

    Parameters
    ----------
    patterns : sequence of PatternCount, or None
        Per ACNS label (e.g. ``"LPD+F"``, ``"GRDA"``; ``""`` for no pattern), the
        interictal hops with it and its highest ``pattern_hz``. None: the trends
        carry no pattern column (the EEG items stay missing).
    n_hops, n_ictal_hops : int
        Hops stored, and of them hops in seizure (``ictal``).
    n_burst_suppression_hops : int, optional
        Hops whose depth was burst suppression (None: depth not stored).
    hop_s : float
        Seconds per hop.
    n_sporadic, n_birds : int, optional
        Sporadic epileptiform discharges and BIRDs found
        (:mod:`detectors.acns.brief`); None: not measured (the items stay missing).
        Sporadic discharges count when they reach the ACNS 2021 prevalence
        "occasional" (at least one per hour of interictal EEG analysed, and at
        least one): rarer ones are not told from the detector's chance detections
        (:data:`SPORADIC_MIN_PER_H`). Any BIRD counts.
    """
    if n_hops < 0 or n_ictal_hops < 0 or not hop_s > 0:
        raise ValueError(f"n_hops, n_ictal_hops must be >= 0 and hop_s > 0, got "
                         f"{n_hops!r}, {n_ictal_hops!r}, {hop_s!r}")  # fmt: skip
    bs = None if n_burst_suppression_hops is None else n_burst_suppression_hops > 0
    interictal_s = max(0, n_hops - n_ictal_hops) * hop_s
    if patterns is None or interictal_s <= 0:
        return EegFindings(interictal_s, burst_suppression_seen=bs, n_ictal_hops=n_ictal_hops)
    sporadic = None if n_sporadic is None else (
        n_sporadic >= max(1.0, SPORADIC_MIN_PER_H * interictal_s / 3600.0))  # fmt: skip
    birds = None if n_birds is None else n_birds > 0
    over2 = False
    lateral: set[str] = set()
    plus: set[str] = set()
    lpd_gpd = False
    labels: list[str] = []
    for p in patterns:
        m = _TERM.match(p.label.strip())
        if p.n_hops <= 0 or m is None:
            continue
        labels.append(p.label)
        term = m.group(1) + m.group(2)
        if term != "GRDA" and p.max_hz is not None and p.max_hz > HELPS2B_FREQ_HZ:
            over2 = True
        if term in HELPS2B_LATERALIZED:
            lateral.add(term)
            if m.group(3):
                plus.add(p.label)
        if term in ("LPD", "GPD"):
            lpd_gpd = True
    return EegFindings(
        analysed_s=interictal_s, over_2hz_non_grda=over2,
        lateralized_terms=tuple(sorted(lateral)), plus_on_lateralized=tuple(sorted(plus)),
        lpd_or_gpd=lpd_gpd, burst_suppression_seen=bs, n_ictal_hops=n_ictal_hops,
        sporadic_discharges=sporadic, birds=birds, labels=tuple(sorted(labels)),
    )  # fmt: skip


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ScoreItem:
    """One item: its input, and the points it gives (``low``..``high`` while open)."""

    key: str
    label: str
    source: Source
    input: Any
    low: int
    high: int
    note: str = ""

    @property
    def points(self) -> int | None:
        return self.low if self.low == self.high and self.input is not None else None


@dataclass(frozen=True)
class ScoreResult:
    """A score: value (None while an item is missing), bounds, items, citation."""

    name: str
    value: int | None
    low: int
    high: int
    max_value: int | None  # None: no fixed maximum (EMSE)
    items: tuple[ScoreItem, ...]
    missing: tuple[str, ...]
    interpretation: str
    citation: str
    uncertain: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "value": self.value, "low": self.low, "high": self.high,
            "max_value": self.max_value,
            "inputs": {i.key: i.input for i in self.items},
            "items": [
                {"key": i.key, "label": i.label, "source": i.source, "input": i.input,
                 "points": i.points, "low": i.low, "high": i.high, "note": i.note}
                for i in self.items
            ],
            "missing": list(self.missing), "uncertain": list(self.uncertain),
            "interpretation": self.interpretation, "notes": list(self.notes),
            "citation": self.citation,
        }  # fmt: skip


def _item(key: str, label: str, source: Source, value: Any, points: int | None,
          high: int, note: str = "") -> ScoreItem:  # fmt: skip
    """An item with known points, or (``points`` None) one open over 0..high."""
    if points is None:
        return ScoreItem(key, label, source, value, 0, high, note)
    return ScoreItem(key, label, source, value, points, points, note)


def _result(name: str, items: Sequence[ScoreItem], max_value: int | None, citation: str,
            interpret: Any, uncertain: Sequence[str] = (),
            notes: Sequence[str] = ()) -> ScoreResult:  # fmt: skip
    missing = tuple(i.key for i in items if i.points is None)
    low = sum(i.low for i in items)
    high = sum(i.high for i in items)
    value = None if missing else low
    text = interpret(value, low, high)
    return ScoreResult(name, value, low, high, max_value, tuple(items), missing, text,
                       citation, tuple(uncertain), tuple(notes))  # fmt: skip


# ----------------------------------------------------------------------------- STESS
def stess(history: History) -> ScoreResult:
    """Status Epilepticus Severity Score (0-6; Rossetti et al. 2006, 2008).

    Examples
    --------
    A 70-year-old, stuporous, generalized convulsive SE, no seizures before:
    1 (stupor) + 1 (generalized convulsive) + 2 (age >= 65) + 1 (no history) = 5.

    >>> stess(History(70, "stuporous", "generalized_convulsive", "no")).value
    5
    """
    h = history
    age_pts = None if h.age_years is None else (2 if h.age_years >= STESS_AGE_YEARS else 0)
    items = [
        _item("consciousness", "stuporous or comatose", "history", h.consciousness,
              None if h.consciousness is None else CONSCIOUSNESS[h.consciousness], 1),
        _item("worst_seizure_type", "worst seizure type", "history", h.worst_seizure_type,
              None if h.worst_seizure_type is None
              else WORST_SEIZURE_TYPES[h.worst_seizure_type], 2),
        _item("age_years", "age >= 65 years", "history", h.age_years, age_pts, 2),
        _item("prior_seizures", "no (or unknown) history of seizures", "history",
              h.prior_seizures,
              None if h.prior_seizures is None else PRIOR_SEIZURES[h.prior_seizures], 1),
    ]  # fmt: skip

    def interpret(value: int | None, low: int, high: int) -> str:
        if value is None:
            if low >= STESS_UNFAVOURABLE:
                return f"unfavourable whatever the missing items (>= {low})"
            if high < STESS_UNFAVOURABLE:
                return f"favourable whatever the missing items (<= {high})"
            return f"between {low} and {high}: enter the missing items"
        verdict = "unfavourable" if value >= STESS_UNFAVOURABLE else "favourable"
        return f"{verdict} (0-2 favourable, >= 3 unfavourable; some cohorts use >= 4)"

    return _result("STESS", items, 6, CITATION_STESS, interpret)


# ----------------------------------------------------------------------------- 2HELPS2B
def _prior_seizure_points(h: History) -> int | None:
    if h.prior_seizures == "yes" or h.worst_seizure_type is not None:
        return 1
    if h.prior_seizures == "no":
        return 0
    return None


def helps2b(history: History, eeg: EegFindings) -> ScoreResult:
    """2HELPS2B seizure-risk score (0-7; Struck et al. 2017) with the risk per score.

    Examples
    --------
    Interictal LPD+F at 1.5 Hz, a prior seizure, no sporadic discharges, no BIRDs:
    0 (not > 2 Hz) + 0 + 1 (LPD) + 1 (plus) + 1 (prior seizure) + 0 = 3, risk 50 %.
    """
    e = eeg
    items = [
        _item("over_2hz", "periodic or rhythmic pattern > 2 Hz (not GRDA)", "eeg",
              e.over_2hz_non_grda, _flag(e.over_2hz_non_grda), 1),
        _item("sporadic_discharges", "sporadic epileptiform discharges", "eeg",
              e.sporadic_discharges, _flag(e.sporadic_discharges), 1,
              "" if e.sporadic_discharges is not None else "not measured for this bed"),
        _item("lpd_lrda_bipd", "LPD, LRDA or BIPD", "eeg",
              None if e.lateralized_terms is None else list(e.lateralized_terms),
              None if e.lateralized_terms is None else int(bool(e.lateralized_terms)), 1),
        _item("plus_features", "plus features (+F, +R, +S) on LPD, LRDA or BIPD", "eeg",
              None if e.plus_on_lateralized is None else list(e.plus_on_lateralized),
              None if e.plus_on_lateralized is None else int(bool(e.plus_on_lateralized)), 1),
        _item("prior_seizure", "prior seizure (history, or this episode's seizures)",
              "history",
              {"history": history.prior_seizures, "this_episode": history.worst_seizure_type},
              _prior_seizure_points(history), 1),
        _item("birds", "brief potentially ictal rhythmic discharges (BIRDs)", "eeg",
              e.birds, None if e.birds is None else 2 * int(e.birds), 2,
              "" if e.birds is not None else "not measured for this bed"),
    ]  # fmt: skip
    notes = []
    if e.over_2hz_non_grda is None:
        notes.append("no interictal EEG pattern trend available")
    elif e.analysed_s < HELPS2B_MIN_EEG_S:
        notes.append(f"only {e.analysed_s / 60:.0f} min of interictal EEG analysed "
                     "(the score was validated on >= 1 h)")  # fmt: skip
    if e.n_ictal_hops:
        notes.append("electrographic seizures already recorded on this EEG")

    def interpret(value: int | None, low: int, high: int) -> str:
        if value is not None:
            return f"seizure risk within 72 h {HELPS2B_RISK[value]}"
        return (f"between {low} and {high}: seizure risk within 72 h between "
                f"{HELPS2B_RISK[low]} and {HELPS2B_RISK[high]}")  # fmt: skip

    return _result("2HELPS2B", items, 7, CITATION_2HELPS2B, interpret, notes=notes)


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


# ----------------------------------------------------------------------------- EMSE
def _emse_age(age: float | None) -> tuple[int | None, str]:
    if age is None:
        return None, ""
    for lo, hi, pts in EMSE_AGE_POINTS:
        if lo <= math.floor(age) <= hi:
            return pts, ""
    return None, "the EMSE age table starts at 21 years"


def _emse_eeg(e: EegFindings) -> ScoreItem:
    """Largest of LPD/GPD (40), ASIDs (40), spontaneous burst suppression (60)."""
    pd = e.lpd_or_gpd
    seen = {"lpd_or_gpd": pd, "asids": e.asids,
            "burst_suppression_seen": e.burst_suppression_seen}  # fmt: skip
    label = "EEG: LPD/GPD or ASIDs 40, spontaneous burst suppression 60"
    if e.burst_suppression_seen is None or pd is None:
        return ScoreItem("eeg", label, "eeg", None, 0, EMSE_EEG_SPONTANEOUS_BS,
                         "no EEG pattern or depth trend available")  # fmt: skip
    floor = EMSE_EEG_PD if pd or e.asids else 0
    if e.burst_suppression_seen:
        return ScoreItem("eeg", label, "eeg", seen, floor, EMSE_EEG_SPONTANEOUS_BS,
                         "burst suppression seen: whether it was spontaneous (not "
                         "anaesthetic) is not determined")  # fmt: skip
    if floor or e.asids is not None:
        return ScoreItem("eeg", label, "eeg", seen, floor, floor)
    return ScoreItem("eeg", label, "eeg", seen, 0, EMSE_EEG_ASID,
                     "ASIDs (after-status ictal discharges) are not measured")  # fmt: skip


def emse(history: History, eeg: EegFindings) -> list[ScoreResult]:
    """EMSE-EAC (etiology, age, comorbidity) and EMSE-EACE (+ EEG); Leitinger et al. 2015.

    Examples
    --------
    Acute cerebrovascular etiology (26), age 75 (71-80: 8), diabetes and congestive
    heart failure (Charlson 2: 20): EMSE-EAC = 54 (>= 27); with LPDs and no burst
    suppression (EEG 40): EMSE-EACE = 94 (>= 64).
    """
    h = history
    age_pts, age_note = _emse_age(h.age_years)
    cci = None if h.charlson_conditions is None else sum(
        CHARLSON_WEIGHTS[c] for c in h.charlson_conditions)  # fmt: skip
    eac = [
        _item("etiology", "etiology", "history", h.etiology,
              None if h.etiology is None else EMSE_ETIOLOGY_POINTS[h.etiology], 65),
        _item("age_years", "age", "history", h.age_years, age_pts, 10, age_note),
        _item("comorbidity", "comorbidity (10 per Charlson point)", "history",
              None if h.charlson_conditions is None else list(h.charlson_conditions),
              None if cci is None else EMSE_POINTS_PER_CHARLSON * cci,
              EMSE_POINTS_PER_CHARLSON * sum(CHARLSON_WEIGHTS.values()),
              "" if cci is None else f"Charlson comorbidity index {cci}"),
    ]  # fmt: skip
    uncertain = ["age points above 21-30 years", "comorbidity points per Charlson weight"]
    notes = ["the derivation cohort excluded hypoxic SE"] if h.etiology == "anoxia" else []

    def cut(cutoff: int) -> Any:
        def interpret(value: int | None, low: int, high: int) -> str:
            if value is None:
                if low >= cutoff:
                    return f">= {low}: at or above the cut-off {cutoff} whatever the missing items"
                if high < cutoff:
                    return f"<= {high}: below the cut-off {cutoff} whatever the missing items"
                return f"between {low} and {high}; cut-off {cutoff}"
            side = "at or above" if value >= cutoff else "below"
            return f"{side} the cut-off {cutoff} (mortality risk points)"

        return interpret

    return [
        _result("EMSE-EAC", eac, None, CITATION_EMSE, cut(EMSE_EAC_CUTOFF), uncertain, notes),
        _result("EMSE-EACE", [*eac, _emse_eeg(eeg)], None,
                CITATION_EMSE, cut(EMSE_EACE_CUTOFF),
                [*uncertain, "EEG points and their combination (largest)"], notes),
    ]  # fmt: skip


def all_scores(history: History, eeg: EegFindings) -> list[ScoreResult]:
    """STESS, EMSE-EAC, EMSE-EACE and 2HELPS2B, in that order."""
    return [stess(history), *emse(history, eeg), helps2b(history, eeg)]
