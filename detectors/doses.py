"""Dose adequacy for status-epilepticus treatments.

The ILAE 2015 staging of status epilepticus (SE) turns on *adequate* doses: SE is
"established" when an adequate benzodiazepine has failed and "refractory" when an
adequate benzodiazepine and an adequate second-line antiseizure medication (ASM)
have both failed. An under-dosed drug that fails proves nothing about
pharmacoresistance, so this module judges each administration against the
standard adult weight-based dose and says why.

Rules (adult; ``required_mg = min(mg_per_kg * weight_kg, max_mg)`` unless a
weight band applies):

================  =========  ================================  =======================
agent             route      adequate dose                     source
================  =========  ================================  =======================
lorazepam         IV / IO    0.1 mg/kg, max 4 mg               AES 2016
midazolam         IM         10 mg if > 40 kg; 5 mg 13-40 kg;  RAMPART 2012, AES 2016
                             0.2 mg/kg (max 10 mg) < 13 kg     (Brophy 2012 for < 13 kg)
midazolam         IN/buccal  as IM (assumption, see below)     AES 2016 (route only)
midazolam         IV / IO    as IM (assumption, see below)     Brophy 2012
diazepam          IV / IO    0.2 mg/kg, max 10 mg              AES 2016
diazepam          rectal     0.2 mg/kg, max 20 mg              AES 2016 (0.2-0.5 mg/kg)
levetiracetam     IV / IO    60 mg/kg, max 4500 mg             AES 2016, ESETT 2019
fosphenytoin      IV / IO    20 mg PE/kg, max 1500 mg PE       AES 2016, ESETT 2019
phenytoin         IV / IO    20 mg/kg (no cap in AES 2016)     AES 2016
valproate         IV / IO    40 mg/kg, max 3000 mg             AES 2016, ESETT 2019
phenobarbital     IV / IO    15 mg/kg (15-20 mg/kg usual)      AES 2016
================  =========  ================================  =======================

Decisions, so that callers know what to expect:

* **Refused** (:class:`DoseError`): what cannot be interpreted -- an unknown
  agent, unit or route; fosphenytoin in plain ``mg`` (it must be in phenytoin
  equivalents, PE); PE units for any other drug; a rate unit for a bolus or a
  mass unit for an infusion; an infusion of a drug that is not a continuous
  anaesthetic; a weight outside 0.3 <= w <= 350 kg; a dose that is not finite and > 0.
* **Recorded but inadequate** (``adequate=False`` with a reason): a known drug by a
  known route that is not the standard route for its table rule (e.g. IM
  lorazepam, oral levetiracetam), and any dose below the rule. The treatment did
  happen, so the log keeps it; it does not count toward the SE stage.
* **Not judged** (``judged=False``): anaesthetic agents (midazolam as an infusion,
  propofol, pentobarbital, thiopental, ketamine) are titrated to the EEG, not to a
  bolus table. An anaesthetic ``infusion_start`` / ``infusion_change`` is reported
  with ``adequate=True`` (a continuous anaesthetic is running, which is the
  third-line step); anaesthetic boluses, ``wean_start`` and ``infusion_stop`` and
  drugs without a guideline loading dose (class ``"other"``, e.g. lacosamide)
  have ``adequate=False`` and a reason that says they are not judged.
* A **rounding allowance** of 5 % (``tolerance_ratio``) accepts doses rounded to
  vial sizes (e.g. levetiracetam 4.4 g for 75 kg, rule 4.5 g).
* Assessment is **per administration**. Cumulative benzodiazepine doses (e.g.
  lorazepam 2 mg + 2 mg within 10 min) are summed by the clinical layer
  (:mod:`detectors.clinical`) with :func:`cumulative_required_met`, not here.

Midazolam by the IV, intranasal and buccal routes uses the IM weight bands. AES
2016 lists intranasal and buccal midazolam as alternatives without an adult dose,
and IV midazolam is a common emergent alternative (Brophy 2012, 0.2 mg/kg up to
10 mg); treating all of these like IM midazolam is an assumption of this module.

The module is past 600 lines because most of it is the dose table (:data:`AGENTS`)
with its names, routes and units; the table and the one function that reads it,
:func:`assess_dose`, change together.

References
----------
.. [1] Glauser T, Shinnar S, Gloss D, et al. Evidence-based guideline: treatment of
   convulsive status epilepticus in children and adults. Report of the Guideline
   Committee of the American Epilepsy Society. Epilepsy Curr 2016;16(1):48-61.
.. [2] Silbergleit R, Durkalski V, Lowenstein D, et al. Intramuscular versus
   intravenous therapy for prehospital status epilepticus (RAMPART).
   N Engl J Med 2012;366:591-600.
.. [3] Kapur J, Elm J, Chamberlain JM, et al. Randomized trial of three
   anticonvulsant medications for status epilepticus (ESETT).
   N Engl J Med 2019;381:2103-2113.
.. [4] Brophy GM, Bell R, Claassen J, et al. Guidelines for the evaluation and
   management of status epilepticus. Neurocrit Care 2012;17:3-23.
.. [5] Trinka E, Cock H, Hesdorffer D, et al. A definition and classification of
   status epilepticus -- Report of the ILAE Task Force on Classification of
   Status Epilepticus. Epilepsia 2015;56(10):1515-1523.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from types import MappingProxyType
from typing import Any, Literal

from rse_monitor.pipeline.checks import finite, in_range

DrugClass = Literal["benzodiazepine", "second_line", "anaesthetic", "other"]
Kind = Literal["bolus", "infusion_start", "infusion_change", "infusion_stop", "wean_start"]

KINDS: tuple[str, ...] = (
    "bolus",
    "infusion_start",
    "infusion_change",
    "infusion_stop",
    "wean_start",
)
INFUSION_KINDS: frozenset[str] = frozenset(
    {"infusion_start", "infusion_change", "infusion_stop", "wean_start"}
)

#: Plausible body weights, kg. 0.3 kg: the lightest patients an ICU treats are
#: extremely preterm neonates of about 300 g (anything lighter is a typo, grams
#: typed as kg, or 1e-300, which would make any dose "adequate" per kg). 350 kg:
#: above the heaviest adults seen in practice and the rated load of bariatric ICU
#: beds; a larger figure is a typo (pounds or grams).
MIN_WEIGHT_KG = 0.3
MAX_WEIGHT_KG = 350.0
DEFAULT_TOLERANCE_RATIO = 0.05

_AES = "Glauser et al., Epilepsy Curr 2016 (AES guideline)"
_ESETT = "Kapur et al., N Engl J Med 2019 (ESETT)"
_RAMPART = "Silbergleit et al., N Engl J Med 2012 (RAMPART); Glauser et al., Epilepsy Curr 2016"
_NCS = "Brophy et al., Neurocrit Care 2012 (NCS guideline)"


_AES_NCS = _AES + "; " + _NCS
_FERNANDEZ = "Fernandez et al., Neurology 2014 (high-dose midazolam, up to 2.9 mg/kg/h)"
_GASPARD = "Gaspard et al., Epilepsia 2013 (ketamine in RSE: load up to 5 mg/kg, up to 10 mg/kg/h)"


class DoseError(ValueError):
    """A treatment entry that cannot be interpreted (unknown agent, unit, route...)."""


class DoseLimitExceeded(DoseError):
    """A dose above the agent's plausible maximum (a likely typo or unit slip).

    The service refuses it unless the entry carries an explicit override reason.
    """


@dataclass(frozen=True)
class DoseLimit:
    """The largest plausible entry for one agent, above which an entry is refused.

    These are not targets. They sit above the largest dose the guidelines give
    (single loading dose plus the allowed repeat or top-up, at a heavy weight) so
    that a real dose passes and a slip -- mg/kg typed for mg, g for mg, mcg for mg,
    an extra zero -- does not. A clinician who means it enters it with an override
    reason.

    Parameters
    ----------
    bolus_mg : float
        Largest plausible single bolus, mg (mg PE for fosphenytoin).
    rate_mg_per_kg_h : float or None
        Largest plausible continuous-infusion rate, mg/kg/h (None: not an infusion).
    basis : str
        What the guideline gives, from which the limit is derived.
    source : str
        Citation of ``basis``.
    """

    bolus_mg: float
    rate_mg_per_kg_h: float | None
    basis: str
    source: str


@dataclass(frozen=True)
class DoseRule:
    """An adequate-dose rule for one agent by a set of routes.

    ``required_mg(w) = fixed mg of the weight band containing w`` if a band
    applies, else ``min(mg_per_kg * w, max_mg)`` (no cap if ``max_mg`` is None).

    Parameters
    ----------
    routes : tuple of str
        Canonical routes this rule applies to.
    mg_per_kg : float
        Weight-based dose in mg/kg (mg PE/kg for fosphenytoin).
    max_mg : float or None
        Cap in mg (mg PE), or None for no cap.
    bands : tuple of (low_kg, high_kg, mg)
        Fixed doses for weight bands ``low_kg < w <= high_kg``, checked first.
    text : str
        Short human-readable rule, e.g. ``"0.1 mg/kg, max 4 mg"``.
    source : str
        Citation.
    """

    routes: tuple[str, ...]
    mg_per_kg: float
    max_mg: float | None
    bands: tuple[tuple[float, float, float], ...]
    text: str
    source: str

    def required_mg(self, weight_kg: float) -> float:
        """Adequate dose in mg (mg PE) for ``weight_kg``."""
        for low_kg, high_kg, fixed_mg in self.bands:
            if low_kg < weight_kg <= high_kg:
                return fixed_mg
        dose_mg = self.mg_per_kg * weight_kg
        if self.max_mg is not None:
            dose_mg = min(dose_mg, self.max_mg)
        return dose_mg


@dataclass(frozen=True)
class AgentInfo:
    """One known agent.

    Parameters
    ----------
    name : str
        Canonical lower-case name.
    bolus_class : {"benzodiazepine", "second_line", "anaesthetic", "other"}
        Class of a bolus (loading) dose.
    infusion_class : str or None
        Class when given as a continuous infusion, or None if it is not a
        continuous anaesthetic (infusion kinds are then refused).
    rules : tuple of DoseRule
        Adequate bolus rules by route (empty: boluses are not judged).
    pe_units : bool
        True for fosphenytoin (must be dosed in mg PE), also accepted for phenytoin.
    aliases : tuple of str
        Other names (brand names, abbreviations), lower case.
    infusion_range_mg_per_kg_h : tuple of float or None
        Usual maintenance range of the infusion, for an informational note.
    """

    name: str
    bolus_class: DrugClass
    infusion_class: DrugClass | None
    rules: tuple[DoseRule, ...]
    pe_units: bool = False
    aliases: tuple[str, ...] = ()
    infusion_range_mg_per_kg_h: tuple[float, float] | None = None

    def rule_for(self, route: str) -> DoseRule | None:
        """The adequate-dose rule for ``route`` (canonical), or None."""
        for rule in self.rules:
            if route in rule.routes:
                return rule
        return None


_MIDAZOLAM_BANDS = ((40.0, MAX_WEIGHT_KG, 10.0), (13.0, 40.0, 5.0))

AGENTS: Mapping[str, AgentInfo] = MappingProxyType(
    {
        "lorazepam": AgentInfo(
            "lorazepam",
            "benzodiazepine",
            None,
            (DoseRule(("IV", "IO"), 0.1, 4.0, (), "0.1 mg/kg, max 4 mg", _AES),),
            aliases=("ativan", "lzp", "lor"),
        ),
        "midazolam": AgentInfo(
            "midazolam",
            "benzodiazepine",
            "anaesthetic",
            (
                DoseRule(
                    ("IM",),
                    0.2,
                    10.0,
                    _MIDAZOLAM_BANDS,
                    "10 mg if > 40 kg, 5 mg if 13-40 kg",
                    _RAMPART,
                ),
                DoseRule(
                    ("IN", "buccal", "IV", "IO"),
                    0.2,
                    10.0,
                    _MIDAZOLAM_BANDS,
                    "10 mg if > 40 kg, 5 mg if 13-40 kg (IM rule applied to this route)",
                    _RAMPART + "; " + _NCS,
                ),
            ),
            aliases=("versed", "mdz", "mdl", "hypnovel", "dormicum", "buccolam"),
            infusion_range_mg_per_kg_h=(0.05, 2.9),
        ),
        "diazepam": AgentInfo(
            "diazepam",
            "benzodiazepine",
            None,
            (
                DoseRule(("IV", "IO"), 0.2, 10.0, (), "0.2 mg/kg, max 10 mg", _AES),
                DoseRule(("rectal",), 0.2, 20.0, (), "rectal 0.2 mg/kg, max 20 mg", _AES),
            ),
            aliases=("valium", "dzp", "diastat", "stesolid"),
        ),
        "levetiracetam": AgentInfo(
            "levetiracetam",
            "second_line",
            None,
            (
                DoseRule(
                    ("IV", "IO"), 60.0, 4500.0, (), "60 mg/kg, max 4.5 g", _AES + "; " + _ESETT
                ),
            ),
            aliases=("keppra", "lev", "ltc"),
        ),
        "fosphenytoin": AgentInfo(
            "fosphenytoin",
            "second_line",
            None,
            (
                DoseRule(
                    ("IV", "IO"),
                    20.0,
                    1500.0,
                    (),
                    "20 mg PE/kg, max 1.5 g PE",
                    _AES + "; " + _ESETT,
                ),
            ),
            pe_units=True,
            aliases=("cerebyx", "fpht", "fos-phenytoin", "pro-epanutin"),
        ),
        "phenytoin": AgentInfo(
            "phenytoin",
            "second_line",
            None,
            (DoseRule(("IV", "IO"), 20.0, None, (), "20 mg/kg", _AES),),
            pe_units=True,
            aliases=("dilantin", "pht", "epanutin"),
        ),
        "valproate": AgentInfo(
            "valproate",
            "second_line",
            None,
            (DoseRule(("IV", "IO"), 40.0, 3000.0, (), "40 mg/kg, max 3 g", _AES + "; " + _ESETT),),
            aliases=("valproic acid", "sodium valproate", "vpa", "depacon", "epilim"),
        ),
        "phenobarbital": AgentInfo(
            "phenobarbital",
            "second_line",
            None,
            (DoseRule(("IV", "IO"), 15.0, None, (), "15 mg/kg; 15-20 mg/kg usual", _AES),),
            aliases=("phenobarbitone", "phenobarb", "pb", "luminal"),
        ),
        "propofol": AgentInfo(
            "propofol",
            "anaesthetic",
            "anaesthetic",
            (),
            aliases=("diprivan",),
            infusion_range_mg_per_kg_h=(1.8, 12.0),
        ),  # 30-200 mcg/kg/min, Brophy 2012
        "pentobarbital": AgentInfo(
            "pentobarbital",
            "anaesthetic",
            "anaesthetic",
            (),
            aliases=("pentobarbitone", "nembutal"),
            infusion_range_mg_per_kg_h=(0.5, 5.0),
        ),
        "thiopental": AgentInfo(
            "thiopental",
            "anaesthetic",
            "anaesthetic",
            (),
            aliases=("thiopentone", "sodium thiopental", "pentothal"),
        ),
        "ketamine": AgentInfo("ketamine", "anaesthetic", "anaesthetic", (), aliases=("ketalar",)),
        "lacosamide": AgentInfo("lacosamide", "other", None, (), aliases=("vimpat", "lcm")),
        "brivaracetam": AgentInfo("brivaracetam", "other", None, (), aliases=("briviact", "brv")),
    }
)

#: Plausible maxima per agent (see :class:`DoseLimit`). Guideline figures are from
#: Brophy et al., Neurocrit Care 2012;17:3-23 (NCS guideline, tables of emergent,
#: urgent and refractory SE doses) and Glauser et al., Epilepsy Curr 2016;16:48-61
#: (AES guideline); the other sources are named per agent.
DOSE_LIMITS: Mapping[str, DoseLimit] = MappingProxyType(
    {
        "lorazepam": DoseLimit(
            10.0, None, "0.1 mg/kg, max 4 mg per dose, may repeat once", _AES_NCS
        ),
        "midazolam": DoseLimit(
            20.0, 3.0,
            "IM 10 mg; RSE load 0.2 mg/kg (20 mg at 100 kg); infusion 0.05-2 mg/kg/h, "
            "up to 2.9 mg/kg/h in high-dose series",
            f"{_AES_NCS}; {_FERNANDEZ}",
        ),
        "diazepam": DoseLimit(
            30.0, None, "IV 0.15-0.2 mg/kg, max 10 mg per dose, may repeat once; rectal "
            "max 20 mg", _AES_NCS,
        ),
        "levetiracetam": DoseLimit(
            6000.0, None, "60 mg/kg, max 4500 mg single dose", f"{_AES}; {_ESETT}"
        ),
        "fosphenytoin": DoseLimit(
            2000.0, None, "20 mg PE/kg, max 1500 mg PE single dose; top-up 5 mg PE/kg",
            f"{_AES_NCS}; {_ESETT}",
        ),
        "phenytoin": DoseLimit(
            2500.0, None, "20 mg/kg, top-up 5-10 mg/kg (25 mg/kg at 100 kg)", _AES_NCS
        ),
        "valproate": DoseLimit(
            5000.0, None, "40 mg/kg, max 3000 mg single dose; 20-40 mg/kg, top-up 20 mg/kg",
            f"{_AES_NCS}; {_ESETT}",
        ),
        "phenobarbital": DoseLimit(
            3000.0, None, "15-20 mg/kg, top-up 5-10 mg/kg (30 mg/kg at 100 kg)", _AES_NCS
        ),
        "propofol": DoseLimit(
            300.0, 12.0, "load 1-2 mg/kg (2 mg/kg at 150 kg); infusion 30-200 mcg/kg/min "
            "(1.8-12 mg/kg/h)", _NCS,
        ),
        "pentobarbital": DoseLimit(
            2500.0, 10.0, "load 5-15 mg/kg, top-up 5-10 mg/kg; infusion 0.5-5 mg/kg/h "
            "(limit: twice the top of the range)", _NCS,
        ),
        "thiopental": DoseLimit(
            1000.0, 10.0, "load 2-7 mg/kg; infusion 0.5-5 mg/kg/h (limit: twice the top "
            "of the range)", _NCS,
        ),
        "ketamine": DoseLimit(
            500.0, 10.0, "load 0.5-4.5 mg/kg (max 5 mg/kg); infusion up to 5 mg/kg/h, "
            "10 mg/kg/h the highest reported", f"{_NCS}; {_GASPARD}",
        ),
        "lacosamide": DoseLimit(800.0, None, "200-400 mg IV", _NCS),
        "brivaracetam": DoseLimit(
            400.0, None, "no SE guideline dose; labelled maximum 200 mg/day",
            "Briviact (brivaracetam) prescribing information, UCB",
        ),
    }
)  # fmt: skip
if set(DOSE_LIMITS) != set(AGENTS):
    raise ImportError(f"DOSE_LIMITS and AGENTS differ: {set(DOSE_LIMITS) ^ set(AGENTS)}")

_ROUTES: Mapping[str, str] = MappingProxyType(
    {
        "iv": "IV",
        "intravenous": "IV",
        "io": "IO",
        "intraosseous": "IO",
        "im": "IM",
        "intramuscular": "IM",
        "in": "IN",
        "intranasal": "IN",
        "nasal": "IN",
        "buccal": "buccal",
        "oromucosal": "buccal",
        "rectal": "rectal",
        "pr": "rectal",
        "po": "PO",
        "oral": "PO",
        "enteral": "PO",
        "ng": "PO",
        "sl": "PO",
        "sublingual": "PO",
        "sc": "SC",
        "subcutaneous": "SC",
    }
)

# mass unit -> (factor to mg, is phenytoin-equivalent)
_MASS_UNITS: Mapping[str, tuple[float, bool]] = MappingProxyType(
    {
        "mg": (1.0, False),
        "g": (1000.0, False),
        "mcg": (1e-3, False),
        "ug": (1e-3, False),
        "µg": (1e-3, False),
        "μg": (1e-3, False),
        "mgpe": (1.0, True),
        "gpe": (1000.0, True),
    }
)
# time unit -> factor to "per hour"
_TIME_UNITS: Mapping[str, float] = MappingProxyType({"h": 1.0, "hr": 1.0, "hour": 1.0, "min": 60.0})


def _name_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        **{_name_key(alias): name for name, info in AGENTS.items() for alias in info.aliases},
        **{name: name for name in AGENTS},
    }
)


@dataclass(frozen=True)
class DoseAssessment:
    """The verdict on one administration.

    Parameters
    ----------
    agent : str
        Canonical agent name.
    drug_class : {"benzodiazepine", "second_line", "anaesthetic", "other"}
        Class in the role it was given (midazolam: benzodiazepine as a bolus,
        anaesthetic as an infusion).
    dose_mg : float
        Normalised dose: mg (mg PE for fosphenytoin) for a bolus; for infusion
        kinds the rate in mg/h (see ``dose_unit``).
    required_mg : float or None
        Adequate dose for this weight and route, or None when no rule applies.
    adequate : bool
        True if the administration meets its rule (within ``tolerance_ratio``), or
        if it is an anaesthetic ``infusion_start``/``infusion_change``.
    reason : str
        Human-readable explanation.
    judged : bool
        True when a table rule decided ``adequate``.
    route : str
        Canonical route (``IV``, ``IO``, ``IM``, ``IN``, ``buccal``, ``rectal``, ``PO``, ``SC``).
    kind : str
        ``bolus``, ``infusion_start``, ``infusion_change``, ``infusion_stop`` or ``wean_start``.
    dose_unit : str
        Unit of ``dose_mg``: ``"mg"``, ``"mg PE"`` or ``"mg/h"``.
    rate_mg_per_kg_h : float or None
        Infusion rate in mg/kg/h for infusion kinds, else None.
    rule : str
        The rule applied (empty if none).
    source : str
        Citation for the rule (empty if none).
    conversion : str
        How the entered dose became ``dose_mg``, e.g. ``"2 mg/kg × 70 kg = 140 mg"``
        (empty when it was entered in ``dose_unit``).
    """

    agent: str
    drug_class: str
    dose_mg: float
    required_mg: float | None
    adequate: bool
    reason: str
    judged: bool = True
    route: str = "IV"
    kind: str = "bolus"
    dose_unit: str = "mg"
    rate_mg_per_kg_h: float | None = None
    rule: str = ""
    source: str = ""
    conversion: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict of all fields."""
        return asdict(self)


def canonical_agent(agent: str) -> str:
    """Canonical name of ``agent`` (case-insensitive; brand names and abbreviations).

    Raises
    ------
    DoseError
        If the agent is unknown.
    """
    if not isinstance(agent, str):
        raise TypeError(f"agent must be a str, got {type(agent).__name__} {agent!r}")
    key = _name_key(agent)
    if key not in _ALIASES:
        raise DoseError(f"unknown agent {agent!r}: known agents are {', '.join(sorted(AGENTS))}")
    return _ALIASES[key]


def canonical_route(route: str) -> str:
    """Canonical route: ``IV``, ``IO``, ``IM``, ``IN``, ``buccal``, ``rectal``, ``PO`` or ``SC``."""
    if not isinstance(route, str):
        raise TypeError(f"route must be a str, got {type(route).__name__} {route!r}")
    key = _name_key(route)
    if key not in _ROUTES:
        known = ", ".join(sorted(set(_ROUTES.values())))
        raise DoseError(f"unknown route {route!r}: known routes are {known}")
    return _ROUTES[key]


def parse_unit(unit: str) -> tuple[float, bool, bool, float | None]:
    """Parse a dose unit.

    Accepts ``MASS[/kg][/TIME]`` with MASS in mg, g, mcg, ug, µg, mg PE, g PE
    (spaces, underscores and case ignored: ``"mg_PE"``, ``"mg PE"``, ``"mgPE"``) and
    TIME in h, hr, min. Examples: ``"mg"``, ``"g"``, ``"mg/kg"``, ``"mg PE/kg"``,
    ``"mg/kg/h"``, ``"mcg/kg/min"``, ``"mg/h"``.

    Returns
    -------
    to_mg : float
        Factor from the mass unit to mg.
    pe : bool
        Whether the unit is in phenytoin equivalents.
    per_kg : bool
        Whether the dose is per kg of body weight.
    per_h : float or None
        Factor to "per hour" for a rate unit, None for a mass unit.

    Raises
    ------
    DoseError
        If the unit is not recognised.
    """
    if not isinstance(unit, str):
        raise TypeError(f"unit must be a str, got {type(unit).__name__} {unit!r}")
    parts = [re.sub(r"[\s_]+", "", p).lower() for p in unit.strip().split("/")]
    bad = DoseError(
        f"unknown unit {unit!r}: use mg, g, mcg/ug, 'mg PE' (fosphenytoin), optionally "
        "per kg (mg/kg), or an infusion rate (mg/kg/h, mcg/kg/min, mg/h)"
    )
    if not parts or parts[0] not in _MASS_UNITS:
        raise bad
    to_mg, pe = _MASS_UNITS[parts[0]]
    rest = parts[1:]
    per_kg = False
    if rest and rest[0] == "kg":
        per_kg = True
        rest = rest[1:]
    per_h: float | None = None
    if rest:
        if rest[0] not in _TIME_UNITS:
            raise bad
        per_h = _TIME_UNITS[rest[0]]
        rest = rest[1:]
    if rest:
        raise bad
    return to_mg, pe, per_kg, per_h


def _validate_weight(weight_kg: float) -> float:
    return in_range("weight_kg", weight_kg, MIN_WEIGHT_KG, MAX_WEIGHT_KG)


def _fmt(x: float) -> str:
    """Format a dose compactly: 4, 4.5, 0.25, 4800."""
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}"


def format_dose_mg(mg: float, unit: str = "mg") -> str:
    """Format a dose in mg (or mg PE) for messages: ``4 mg``, ``4.5 g``, ``1.4 g PE``."""
    if mg >= 1000 and unit in ("mg", "mg PE"):
        return f"{_fmt(mg / 1000)} {'g' if unit == 'mg' else 'g PE'}"
    return f"{_fmt(mg)} {unit}"


def assess_dose(
    agent: str,
    dose: float,
    unit: str,
    route: str,
    weight_kg: float,
    kind: str = "bolus",
    *,
    tolerance_ratio: float = DEFAULT_TOLERANCE_RATIO,
) -> DoseAssessment:
    """Judge one administration against the standard adult adequate dose.

    Parameters
    ----------
    agent : str
        Drug name, case-insensitive; brand names and abbreviations accepted
        (``"Keppra"`` -> levetiracetam, ``"Ativan"`` -> lorazepam,
        ``"Versed"`` -> midazolam).
    dose : float
        Amount in ``unit``; finite and > 0 (>= 0 for ``infusion_stop`` and
        ``wean_start``, whose dose is the new rate).
    unit : str
        See :func:`parse_unit`. Boluses take a mass unit (``mg``, ``g``,
        ``mcg``, ``mg PE``, optionally ``/kg``); infusion kinds take a rate unit
        (``mg/kg/h``, ``mcg/kg/min``, ``mg/h``); ``infusion_stop`` accepts either.
    route : str
        ``IV``, ``IO``, ``IM``, ``IN`` (intranasal), ``buccal``, ``rectal``, ``PO``,
        ``SC`` or a long form (``"intravenous"``).
    weight_kg : float
        Body weight in kg, 0.3 <= w <= 350 (:data:`MIN_WEIGHT_KG`, :data:`MAX_WEIGHT_KG`).
    kind : str
        ``bolus``, ``infusion_start``, ``infusion_change``, ``infusion_stop``,
        ``wean_start``.
    tolerance_ratio : float
        Rounding allowance: a bolus is adequate if
        ``dose_mg >= required_mg * (1 - tolerance_ratio)``. Default 0.05.

    Returns
    -------
    DoseAssessment

    Raises
    ------
    DoseError
        For an entry that cannot be interpreted (see the module docstring).
    ValueError, TypeError
        For a bad weight, dose or kind.

    References
    ----------
    Glauser et al., Epilepsy Curr 2016 (AES); Silbergleit et al., NEJM 2012
    (RAMPART); Kapur et al., NEJM 2019 (ESETT); Brophy et al., Neurocrit Care 2012.

    Examples
    --------
    >>> a = assess_dose("lorazepam", 2, "mg", "IV", 80)
    >>> a.adequate, a.required_mg
    (False, 4.0)
    >>> assess_dose("Keppra", 4.5, "g", "IV", 80).adequate
    True
    """
    name = canonical_agent(agent)
    info = AGENTS[name]
    route_c = canonical_route(route)
    w = _validate_weight(weight_kg)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    dose_f = finite("dose", dose)
    zero_ok = kind in ("infusion_stop", "wean_start")
    if dose_f < 0 or (dose_f == 0 and not zero_ok):
        # the wording "finite and > 0" is the service's 422 text for a zero dose
        raise ValueError(f"dose must be finite and {'>= 0' if zero_ok else '> 0'}, got {dose!r}")
    if not (isinstance(tolerance_ratio, int | float) and 0.0 <= tolerance_ratio < 0.5):
        raise ValueError(f"tolerance_ratio must be in [0, 0.5), got {tolerance_ratio!r}")

    to_mg, pe, per_kg, per_h = parse_unit(unit)
    if pe and not info.pe_units:
        raise DoseError(
            f"unit {unit!r}: phenytoin equivalents (PE) apply only to fosphenytoin "
            f"(and phenytoin), not to {name}"
        )
    if name == "fosphenytoin" and not pe:
        raise DoseError(
            f"fosphenytoin must be dosed in phenytoin sodium equivalents (PE): "
            f"1.5 mg fosphenytoin sodium = 1 mg PE, and the 20 mg PE/kg rule is in PE. "
            f"Give the dose in 'mg PE' (or 'mg PE/kg', 'g PE'), not {unit!r}"
        )
    dose_unit_mass = "mg PE" if name == "fosphenytoin" else "mg"

    if kind == "bolus":
        if per_h is not None:
            raise DoseError(
                f"unit {unit!r} is an infusion rate; a bolus needs a mass unit such as "
                "mg, g or mg/kg (or log the infusion with kind='infusion_start')"
            )
        dose_mg = dose_f * to_mg * (w if per_kg else 1.0)
        conv = _conversion(dose_f, unit, per_kg, w, dose_mg, dose_unit_mass)
        a = _assess_bolus(info, dose_mg, dose_unit_mass, route_c, w, tolerance_ratio, conv)
        return replace(a, conversion=conv)

    # infusion kinds
    if info.infusion_class is None:
        raise DoseError(
            f"{name} is not a continuous anaesthetic infusion; log its loading dose with "
            f"kind='bolus' (infusion kinds are for midazolam, propofol, pentobarbital, "
            f"thiopental, ketamine)"
        )
    if route_c not in ("IV", "IO"):
        raise DoseError(f"a continuous {name} infusion must be IV (or IO), got route {route!r}")
    if per_h is None and kind != "infusion_stop":
        raise DoseError(
            f"unit {unit!r} is not a rate; {kind} needs an infusion rate such as "
            "mg/kg/h, mcg/kg/min or mg/h"
        )
    # infusion_stop may be logged with any unit; the rate after a stop is 0.
    rate_mg_h = 0.0 if per_h is None else dose_f * to_mg * per_h * (w if per_kg else 1.0)
    rate_kg_h = rate_mg_h / w
    a = _assess_infusion(info, kind, rate_mg_h, rate_kg_h, route_c, dose_f, unit)
    if per_h is None:
        return a
    return replace(a, conversion=_conversion(dose_f, unit, per_kg, w, rate_mg_h, "mg/h"))


def _conversion(
    dose: float, unit: str, per_kg: bool, w: float, result: float, result_unit: str
) -> str:
    """``"2 mg/kg × 70 kg = 140 mg"``; ``""`` when nothing was converted."""
    if not per_kg and unit.strip() == result_unit:
        return ""
    weight = f" × {_fmt(w)} kg" if per_kg else ""
    return f"{_fmt(dose)} {unit.strip()}{weight} = {_fmt(result)} {result_unit}"


def check_dose_limit(assessment: DoseAssessment) -> None:
    """Refuse a dose above the agent's plausible maximum (:data:`DOSE_LIMITS`).

    Boluses are checked in mg (mg PE), infusion kinds by their rate in mg/kg/h.

    Raises
    ------
    DoseLimitExceeded
        With the entry, the limit, what the guideline gives and its source.

    Examples
    --------
    >>> check_dose_limit(assess_dose("lorazepam", 4, "mg", "IV", 80))  # passes
    >>> check_dose_limit(assess_dose("lorazepam", 2, "mg/kg", "IV", 80))
    Traceback (most recent call last):
    ...
    detectors.doses.DoseLimitExceeded: lorazepam 2 mg/kg × 80 kg = 160 mg is above ...
    """
    a = assessment
    limit = DOSE_LIMITS[a.agent]
    entered = a.conversion or f"{_fmt(a.dose_mg)} {a.dose_unit}"
    if a.kind == "bolus":
        if a.dose_mg <= limit.bolus_mg:
            return
        what = f"single dose of {_fmt(limit.bolus_mg)} {a.dose_unit}"
    else:
        rate = a.rate_mg_per_kg_h or 0.0
        if limit.rate_mg_per_kg_h is None or rate <= limit.rate_mg_per_kg_h:
            return
        entered = f"{entered} ({_fmt(rate)} mg/kg/h)"
        what = f"infusion rate of {_fmt(limit.rate_mg_per_kg_h)} mg/kg/h"
    raise DoseLimitExceeded(
        f"{a.agent} {entered} is above the plausible maximum {what} (guideline: "
        f"{limit.basis}; {limit.source}); check the dose and unit"
    )


def _assess_bolus(
    info: AgentInfo, dose_mg: float, dose_unit: str, route: str, w: float, tol: float,
    conversion: str = "",
) -> DoseAssessment:  # fmt: skip
    name = info.name
    given = f"{name} {conversion or format_dose_mg(dose_mg, dose_unit)} {route}"
    cls = info.bolus_class
    common: dict[str, Any] = {
        "agent": name,
        "drug_class": cls,
        "dose_mg": dose_mg,
        "route": route,
        "kind": "bolus",
        "dose_unit": dose_unit,
    }
    if cls == "anaesthetic":
        return DoseAssessment(
            required_mg=None,
            adequate=False,
            judged=False,
            reason=(
                f"{given}: anaesthetic bolus; anaesthetics are titrated to the EEG, not "
                "judged against a bolus table (the infusion start marks anaesthetic onset)"
            ),
            **common,
        )
    if cls == "other" or not info.rules:
        return DoseAssessment(
            required_mg=None,
            adequate=False,
            judged=False,
            reason=(
                f"{given}: recorded; {name} has no guideline loading dose in the AES 2016 "
                "table, so it does not count toward SE staging"
            ),
            **common,
        )
    rule = info.rule_for(route)
    if rule is None:
        std = " / ".join(r for rule_ in info.rules for r in rule_.routes)
        return DoseAssessment(
            required_mg=None,
            adequate=False,
            judged=True,
            reason=(
                f"{given}: {route} is not a standard route for {name} (table rule is "
                f"{std}); recorded as not adequate, not counted toward SE staging"
            ),
            **common,
        )
    required = rule.required_mg(w)
    ok = dose_mg >= required * (1.0 - tol) - 1e-9
    req_txt = format_dose_mg(required, dose_unit)
    if ok:
        slack = "" if dose_mg >= required - 1e-9 else f" (within the {tol:.0%} rounding allowance)"
        reason = f"{given} for {_fmt(w)} kg: adequate, >= {req_txt} ({rule.text}){slack}"
    else:
        reason = (
            f"{given} for {_fmt(w)} kg: below the adequate {req_txt} ({rule.text}); "
            "not counted toward SE staging"
        )
    return DoseAssessment(
        required_mg=required,
        adequate=ok,
        judged=True,
        rule=rule.text,
        source=rule.source,
        reason=reason,
        **common,
    )


def _assess_infusion(
    info: AgentInfo,
    kind: str,
    rate_mg_h: float,
    rate_kg_h: float,
    route: str,
    dose: float,
    unit: str,
) -> DoseAssessment:
    name = info.name
    given = f"{name} {_fmt(dose)} {unit} ({_fmt(rate_kg_h)} mg/kg/h = {_fmt(rate_mg_h)} mg/h)"
    note = ""
    rng = info.infusion_range_mg_per_kg_h
    if rng is not None and kind in ("infusion_start", "infusion_change") and rate_kg_h > 0:
        if rate_kg_h < rng[0] or rate_kg_h > rng[1]:
            side = "below" if rate_kg_h < rng[0] else "above"
            note = (
                f"; note: {side} the usual maintenance range {_fmt(rng[0])}-{_fmt(rng[1])} "
                f"mg/kg/h ({_NCS}), check the entry"
            )
    common: dict[str, Any] = {
        "agent": name,
        "drug_class": info.infusion_class or "anaesthetic",
        "dose_mg": rate_mg_h,
        "required_mg": None,
        "judged": False,
        "route": route,
        "kind": kind,
        "dose_unit": "mg/h",
        "rate_mg_per_kg_h": rate_kg_h,
        "source": _NCS,
    }
    if kind == "infusion_start":
        return DoseAssessment(
            adequate=True,
            reason=(
                f"{given}: anaesthetic infusion started, counts as anaesthetic onset; "
                f"titrated to the EEG target, not judged by a bolus table{note}"
            ),
            **common,
        )
    if kind == "infusion_change":
        return DoseAssessment(
            adequate=True,
            reason=f"{given}: infusion rate changed; titrated to the EEG target{note}",
            **common,
        )
    if kind == "wean_start":
        return DoseAssessment(
            adequate=False,
            reason=(
                f"{given}: wean started; seizure recurrence from now on counts as "
                "recurrence on reduction of anaesthesia"
            ),
            **common,
        )
    return DoseAssessment(adequate=False, reason=f"{name} infusion stopped", **common)


def cumulative_required_met(
    doses_mg: list[float], required_mg: float, tolerance_ratio: float = DEFAULT_TOLERANCE_RATIO
) -> bool:
    """Whether split doses add up to an adequate dose.

    ``sum(doses_mg) >= required_mg * (1 - tolerance_ratio)``. The clinical layer
    uses this for benzodiazepine doses of the same agent and rule given within a
    short window (default 10 min), e.g. lorazepam 2 mg + 2 mg for 80 kg. Counting
    split benzodiazepine doses as one is an assumption (AES 2016 states doses per
    administration and allows one repeat).
    """
    return sum(doses_mg) >= required_mg * (1.0 - tolerance_ratio) - 1e-9


def adequate_dose_text(agent: str, weight_kg: float, route: str = "IV") -> str:
    """The adequate dose of ``agent`` for ``weight_kg`` as text, for advice.

    Examples
    --------
    >>> adequate_dose_text("levetiracetam", 80)
    'levetiracetam 4.5 g IV (60 mg/kg, max 4.5 g)'
    """
    name = canonical_agent(agent)
    info = AGENTS[name]
    route_c = canonical_route(route)
    w = _validate_weight(weight_kg)
    rule = info.rule_for(route_c)
    if rule is None:
        raise DoseError(f"no adequate-dose rule for {name} by route {route_c}")
    unit = "mg PE" if name == "fosphenytoin" else "mg"
    return f"{name} {format_dose_mg(rule.required_mg(w), unit)} {route_c} ({rule.text})"
