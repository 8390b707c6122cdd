"""Dose adequacy against the AES 2016 / RAMPART / ESETT adult rules."""

from __future__ import annotations

import math

import pytest

from rse_monitor.detectors.doses import (
    AGENTS,
    DoseError,
    adequate_dose_text,
    assess_dose,
    canonical_agent,
    cumulative_required_met,
    parse_unit,
)


def test_lorazepam_2mg_for_80kg_is_inadequate_with_reason():
    a = assess_dose("lorazepam", 2, "mg", "IV", 80)
    assert a.agent == "lorazepam"
    assert a.drug_class == "benzodiazepine"
    assert a.dose_mg == 2.0
    assert a.required_mg == pytest.approx(4.0)  # 0.1 mg/kg * 80 = 8, capped at 4
    assert not a.adequate
    assert a.judged
    assert "below the adequate 4 mg" in a.reason
    assert "0.1 mg/kg, max 4 mg" in a.reason


def test_lorazepam_weight_based_below_cap():
    a = assess_dose("Ativan", 3.5, "mg", "IV", 35)  # 0.1 * 35 = 3.5 mg
    assert a.required_mg == pytest.approx(3.5)
    assert a.adequate


def test_levetiracetam_g_equals_mg_and_cap():
    in_g = assess_dose("levetiracetam", 4.5, "g", "IV", 80)
    in_mg = assess_dose("Keppra", 4500, "mg", "IV", 80)
    assert in_g.dose_mg == pytest.approx(4500.0)
    assert in_g.dose_mg == in_mg.dose_mg
    # 60 mg/kg * 80 kg = 4800 mg, capped at 4500 mg
    assert in_g.required_mg == pytest.approx(4500.0)
    assert in_g.adequate and in_mg.adequate
    assert in_g.drug_class == "second_line"


def test_levetiracetam_per_kg_unit_and_underdose():
    a = assess_dose("levetiracetam", 60, "mg/kg", "IV", 50)
    assert a.dose_mg == pytest.approx(3000.0)
    assert a.required_mg == pytest.approx(3000.0)
    assert a.adequate
    low = assess_dose("levetiracetam", 2, "g", "IV", 80)
    assert not low.adequate
    assert "4.5 g" in low.reason


def test_rounding_allowance_is_five_percent():
    # 75 kg: 60 mg/kg = 4500 mg; 4.4 g is 97.8 % -> adequate, 4.2 g is 93 % -> not
    assert assess_dose("levetiracetam", 4.4, "g", "IV", 75).adequate
    assert "rounding allowance" in assess_dose("levetiracetam", 4.4, "g", "IV", 75).reason
    assert not assess_dose("levetiracetam", 4.2, "g", "IV", 75).adequate
    assert not assess_dose("levetiracetam", 4.4, "g", "IV", 75, tolerance_ratio=0.0).adequate


def test_im_midazolam_10mg_adequate_for_70kg_and_weight_bands():
    a = assess_dose("midazolam", 10, "mg", "IM", 70)
    assert a.adequate and a.required_mg == 10.0
    assert a.drug_class == "benzodiazepine"
    assert "RAMPART" in a.source
    assert not assess_dose("Versed", 5, "mg", "IM", 70).adequate
    # 13-40 kg: 5 mg
    assert assess_dose("midazolam", 5, "mg", "IM", 30).required_mg == 5.0
    assert assess_dose("midazolam", 5, "mg", "IM", 30).adequate
    assert assess_dose("midazolam", 5, "mg", "IM", 40).required_mg == 5.0
    assert assess_dose("midazolam", 10, "mg", "IM", 40.5).required_mg == 10.0


def test_intranasal_and_buccal_midazolam_accepted():
    assert assess_dose("midazolam", 10, "mg", "intranasal", 70).adequate
    assert assess_dose("midazolam", 10, "mg", "buccal", 70).adequate


def test_diazepam_rule():
    # 0.2 mg/kg, max 10 mg
    assert assess_dose("diazepam", 10, "mg", "IV", 70).required_mg == pytest.approx(10.0)
    assert assess_dose("diazepam", 10, "mg", "IV", 70).adequate
    assert assess_dose("diazepam", 6, "mg", "IV", 30).required_mg == pytest.approx(6.0)
    assert not assess_dose("Valium", 5, "mg", "IV", 70).adequate


def test_valproate_rule():
    # 40 mg/kg, max 3 g
    a = assess_dose("valproate", 3, "g", "IV", 100)
    assert a.required_mg == pytest.approx(3000.0) and a.adequate
    b = assess_dose("valproic acid", 2000, "mg", "IV", 50)
    assert b.required_mg == pytest.approx(2000.0) and b.adequate
    assert not assess_dose("valproate", 1500, "mg", "IV", 60).adequate


def test_phenobarbital_15_mg_per_kg():
    assert assess_dose("phenobarbital", 1200, "mg", "IV", 80).adequate
    assert not assess_dose("phenobarbital", 800, "mg", "IV", 80).adequate
    assert assess_dose("phenobarbital", 15, "mg/kg", "IV", 80).dose_mg == pytest.approx(1200)


def test_fosphenytoin_requires_pe_units():
    with pytest.raises(DoseError, match="phenytoin sodium equivalents"):
        assess_dose("fosphenytoin", 1500, "mg", "IV", 80)
    a = assess_dose("fosphenytoin", 1500, "mg PE", "IV", 80)
    assert a.adequate and a.required_mg == pytest.approx(1500.0) and a.dose_unit == "mg PE"
    assert assess_dose("fosphenytoin", 20, "mg_PE/kg", "IV", 60).dose_mg == pytest.approx(1200)
    assert assess_dose("Cerebyx", 1.5, "g PE", "IV", 90).adequate
    assert not assess_dose("fosphenytoin", 1000, "mgPE", "IV", 80).adequate
    with pytest.raises(DoseError, match="only to fosphenytoin"):
        assess_dose("levetiracetam", 4500, "mg PE", "IV", 80)


def test_unknown_agent_refused_listing_known_agents():
    with pytest.raises(DoseError, match="unknown agent 'xyz': known agents are") as info:
        assess_dose("xyz", 1, "mg", "IV", 70)
    assert "lorazepam" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unknown_unit_and_route_refused():
    with pytest.raises(DoseError, match="unknown unit"):
        assess_dose("lorazepam", 4, "ml", "IV", 70)
    with pytest.raises(DoseError, match="unknown route"):
        assess_dose("lorazepam", 4, "mg", "intrathecal", 70)


def test_nonstandard_route_is_recorded_as_inadequate_not_refused():
    a = assess_dose("lorazepam", 4, "mg", "IM", 80)
    assert not a.adequate and a.judged
    assert "not a standard route" in a.reason
    b = assess_dose("levetiracetam", 4500, "mg", "PO", 80)
    assert not b.adequate


def test_weight_and_dose_validation():
    for w in (0, -1, 351, math.nan, math.inf):
        with pytest.raises(ValueError, match="weight_kg"):
            assess_dose("lorazepam", 4, "mg", "IV", w)
    for d in (0, -2, math.nan, math.inf):
        with pytest.raises(ValueError, match="dose"):
            assess_dose("lorazepam", d, "mg", "IV", 70)
    with pytest.raises(TypeError):
        assess_dose("lorazepam", "4", "mg", "IV", 70)
    with pytest.raises(ValueError, match="kind"):
        assess_dose("lorazepam", 4, "mg", "IV", 70, kind="drip")


def test_mcg_and_infusion_units():
    assert assess_dose("lorazepam", 4000, "mcg", "IV", 80).adequate
    assert assess_dose("lorazepam", 4000, "ug", "IV", 80).dose_mg == pytest.approx(4.0)
    # propofol 50 mcg/kg/min = 3 mg/kg/h = 210 mg/h for 70 kg
    p = assess_dose("propofol", 50, "mcg/kg/min", "IV", 70, kind="infusion_start")
    assert p.rate_mg_per_kg_h == pytest.approx(3.0)
    assert p.dose_mg == pytest.approx(210.0) and p.dose_unit == "mg/h"
    assert p.drug_class == "anaesthetic" and p.adequate and not p.judged
    assert "anaesthetic onset" in p.reason
    m = assess_dose("midazolam", 14, "mg/h", "IV", 70, kind="infusion_change")
    assert m.rate_mg_per_kg_h == pytest.approx(0.2)
    assert m.drug_class == "anaesthetic"


def test_infusion_out_of_usual_range_is_noted():
    m = assess_dose("midazolam", 5, "mg/kg/h", "IV", 70, kind="infusion_start")
    assert m.adequate
    assert "above the usual maintenance range" in m.reason


def test_unit_kind_mismatch_refused():
    with pytest.raises(DoseError, match="infusion rate"):
        assess_dose("lorazepam", 0.1, "mg/kg/h", "IV", 70)
    with pytest.raises(DoseError, match="not a rate"):
        assess_dose("midazolam", 10, "mg", "IV", 70, kind="infusion_start")
    with pytest.raises(DoseError, match="not a continuous anaesthetic"):
        assess_dose("levetiracetam", 60, "mg/kg/h", "IV", 70, kind="infusion_start")
    with pytest.raises(DoseError, match="must be IV"):
        assess_dose("propofol", 2, "mg/kg/h", "IM", 70, kind="infusion_start")


def test_stop_and_wean_accept_zero_rate():
    s = assess_dose("midazolam", 0, "mg/kg/h", "IV", 70, kind="infusion_stop")
    assert s.dose_mg == 0 and not s.adequate
    w = assess_dose("midazolam", 0.1, "mg/kg/h", "IV", 70, kind="wean_start")
    assert w.rate_mg_per_kg_h == pytest.approx(0.1)


def test_other_class_not_counted():
    a = assess_dose("lacosamide", 400, "mg", "IV", 80)
    assert a.drug_class == "other" and not a.adequate and not a.judged


def test_aliases_and_parse_unit():
    assert canonical_agent("  KEPPRA ") == "levetiracetam"
    assert canonical_agent("ativan") == "lorazepam"
    assert canonical_agent("Versed") == "midazolam"
    assert canonical_agent("valproic_acid") == "valproate"
    assert set(AGENTS) >= {
        "lorazepam",
        "midazolam",
        "diazepam",
        "levetiracetam",
        "fosphenytoin",
        "valproate",
        "phenobarbital",
        "propofol",
        "pentobarbital",
        "thiopental",
        "ketamine",
    }
    assert parse_unit("mcg/kg/min") == (1e-3, False, True, 60.0)
    assert parse_unit("mg PE/kg") == (1.0, True, True, None)


def test_cumulative_and_advice_text():
    assert cumulative_required_met([2.0, 2.0], 4.0)
    assert not cumulative_required_met([2.0, 1.0], 4.0)
    assert adequate_dose_text("levetiracetam", 80) == "levetiracetam 4.5 g IV (60 mg/kg, max 4.5 g)"
    assert adequate_dose_text("lorazepam", 30) == "lorazepam 3 mg IV (0.1 mg/kg, max 4 mg)"
