"""Bedside scores against hand-worked cases from the papers' definitions."""

from __future__ import annotations

import pytest

from rse_monitor.detectors.clinical.scores import (
    EMSE_ETIOLOGY_POINTS,
    HELPS2B_RISK,
    EegFindings,
    History,
    PatternCount,
    all_scores,
    eeg_findings,
    emse,
    helps2b,
    stess,
)


# ---------------------------------------------------------------------------- STESS
@pytest.mark.parametrize(
    ("history", "expected"),
    [
        # stuporous 1 + generalized convulsive 1 + age >= 65 2 + no prior seizures 1
        (History(70, "stuporous", "generalized_convulsive", "no"), 5),
        # alert 0 + complex partial 0 + age < 65 0 + known epilepsy 0
        (History(40, "alert", "complex_partial", "yes"), 0),
        # comatose 1 + NCSE in coma 2 + age 65 exactly 2 + prior seizures 0
        (History(65, "comatose", "nonconvulsive_in_coma", "yes"), 5),
        # somnolent 0 + absence 0 + 64.9 years 0 + unknown history 1
        (History(64.9, "somnolent_confused", "absence", "unknown"), 1),
        # all maxima: 1 + 2 + 2 + 1
        (History(90, "comatose", "nonconvulsive_in_coma", "no"), 6),
    ],
)
def test_stess_known_answers(history: History, expected: int) -> None:
    r = stess(history)
    assert r.value == expected
    assert r.low == r.high == expected
    assert r.missing == ()
    assert "Rossetti" in r.citation and "2006" in r.citation and "2008" in r.citation


def test_stess_interpretation_cut_off_3() -> None:
    assert stess(History(30, "alert", "generalized_convulsive", "no")).value == 2
    assert stess(History(30, "alert", "generalized_convulsive", "no")).interpretation.startswith(
        "favourable"
    )
    assert stess(
        History(30, "stuporous", "generalized_convulsive", "no")
    ).interpretation.startswith("unfavourable")


def test_stess_missing_inputs_are_reported_not_zero() -> None:
    r = stess(History(age_years=70, consciousness="stuporous"))
    assert r.value is None
    assert set(r.missing) == {"worst_seizure_type", "prior_seizures"}
    # known 1 + 2; open: seizure type 0..2, history 0..1
    assert (r.low, r.high) == (3, 6)
    assert r.interpretation.startswith("unfavourable whatever")


def test_history_rejects_unknown_categories() -> None:
    with pytest.raises(ValueError, match="worst_seizure_type"):
        History(worst_seizure_type="myoclonic")  # post-anoxic myoclonus has no STESS class
    with pytest.raises(ValueError, match="age_years"):
        History(age_years=-1)
    with pytest.raises(ValueError, match="charlson"):
        History(charlson_conditions=("gout",))


# ---------------------------------------------------------------------------- EEG findings
def test_eeg_findings_from_pattern_trends() -> None:
    e = eeg_findings(
        [PatternCount("", 3000), PatternCount("LPD+F", 600, 1.5), PatternCount("GRDA", 100, 2.5)],
        n_hops=3800, n_ictal_hops=100, n_burst_suppression_hops=0,
    )  # fmt: skip
    assert e.over_2hz_non_grda is False  # GRDA at 2.5 Hz does not count
    assert e.lateralized_terms == ("LPD",)
    assert e.plus_on_lateralized == ("LPD+F",)
    assert e.lpd_or_gpd is True
    assert e.burst_suppression_seen is False
    assert e.analysed_s == 3700.0
    assert e.sporadic_discharges is None and e.birds is None  # not measured


def test_eeg_findings_without_pattern_column_leave_items_missing() -> None:
    e = eeg_findings(None, n_hops=100)
    assert e.over_2hz_non_grda is None and e.lateralized_terms is None
    r = helps2b(History(prior_seizures="yes"), e)
    assert r.value is None
    assert {"over_2hz", "lpd_lrda_bipd", "plus_features"} <= set(r.missing)


# ---------------------------------------------------------------------------- 2HELPS2B
def _eeg(*patterns: tuple[str, float], **kw: object) -> EegFindings:
    found = eeg_findings(
        [PatternCount(lbl, 60, hz) for lbl, hz in patterns], n_hops=4000,
        n_burst_suppression_hops=0,
    )  # fmt: skip
    return EegFindings(**{**found.__dict__, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("patterns", "sporadic", "birds", "prior", "expected"),
    [
        # LPD+F at 1.5 Hz: not > 2 Hz 0, LPD 1, plus 1; prior seizure 1 -> 3
        ((("LPD+F", 1.5),), False, False, "yes", 3),
        # GRDA at 2.5 Hz: GRDA excluded from the > 2 Hz item and is not lateralized -> 0
        ((("GRDA", 2.5),), False, False, "no", 0),
        # GPD at 2.5 Hz: > 2 Hz 1; not LPD/LRDA/BIPD; no prior seizure -> 1
        ((("GPD", 2.5),), False, False, "no", 1),
        # LRDA+S at 2.5 Hz: 1 + 1 + 1, sporadic 1, BIRDs 2, prior 1 -> 7
        ((("LRDA+S", 2.5),), True, True, "yes", 7),
        # BIPD without plus at 1 Hz, sporadic discharges -> 1 + 1 = 2
        ((("BIPD", 1.0),), True, False, "no", 2),
        # GPD+F: plus features on a generalized pattern do not count -> 0
        ((("GPD+F", 1.0),), False, False, "no", 0),
    ],
)
def test_2helps2b_known_answers(
    patterns: tuple[tuple[str, float], ...], sporadic: bool, birds: bool, prior: str,
    expected: int,
) -> None:  # fmt: skip
    r = helps2b(History(prior_seizures=prior), _eeg(*patterns, sporadic_discharges=sporadic,
                                                    birds=birds))  # fmt: skip
    assert r.value == expected, r.to_dict()
    assert r.interpretation == f"seizure risk within 72 h {HELPS2B_RISK[expected]}"
    assert "Struck" in r.citation and "2017" in r.citation


def test_2helps2b_risk_table() -> None:
    assert [HELPS2B_RISK[i] for i in range(8)] == [
        "5 %", "12 %", "27 %", "50 %", "73 %", "88 %", "> 95 %", "> 95 %"
    ]  # fmt: skip


def test_2helps2b_unmeasured_items_are_missing_with_bounds() -> None:
    r = helps2b(History(prior_seizures="yes"), _eeg(("LPD+F", 1.5)))
    assert r.value is None
    assert set(r.missing) == {"sporadic_discharges", "birds"}
    assert (r.low, r.high) == (3, 6)  # 3 known; sporadic 0..1, BIRDs 0..2
    assert "50 %" in r.interpretation and "> 95 %" in r.interpretation


def test_2helps2b_prior_seizure_from_this_episode() -> None:
    """The SE itself is a recent clinical seizure: a worst seizure type entered counts."""
    e = _eeg(sporadic_discharges=False, birds=False)
    assert helps2b(History(worst_seizure_type="generalized_convulsive"), e).value == 1
    assert helps2b(History(prior_seizures="no"), e).value == 0
    assert helps2b(History(prior_seizures="unknown"), e).missing == ("prior_seizure",)


# ---------------------------------------------------------------------------- EMSE
def test_emse_etiology_table_as_published() -> None:
    # electronic supplementary Table 1 of Leitinger et al. 2015
    assert EMSE_ETIOLOGY_POINTS["acute_cerebrovascular"] == 26
    assert EMSE_ETIOLOGY_POINTS["remote_cerebrovascular_or_brain_injury"] == 7
    assert EMSE_ETIOLOGY_POINTS["acute_cns_infection"] == 33
    assert EMSE_ETIOLOGY_POINTS["anoxia"] == 65
    assert EMSE_ETIOLOGY_POINTS["drug_reduction_withdrawal_poor_compliance"] == 2
    assert len(EMSE_ETIOLOGY_POINTS) == 15


def test_emse_known_answers_and_uncertainty_is_reported() -> None:
    h = History(75, etiology="acute_cerebrovascular",
                charlson_conditions=("diabetes", "congestive_heart_failure"))  # fmt: skip
    eac, eace = emse(h, _eeg(("LPD", 1.0)))
    # 26 (acute cerebrovascular) + 8 (71-80 years) + 10 x Charlson 2 = 54
    assert eac.value == 54 and "at or above the cut-off 27" in eac.interpretation
    # + 40 (LPD, no burst suppression seen) = 94
    assert eace.value == 94 and "cut-off 64" in eace.interpretation
    assert eac.uncertain and any("EEG" in u for u in eace.uncertain)
    assert "Leitinger" in eac.citation and "Neurocrit Care 2015" in eac.citation
    # a young patient with a remote cause and no comorbidity: 7 + 1 + 0 = 8
    young = emse(History(25, etiology="remote_cerebrovascular_or_brain_injury",
                         charlson_conditions=()), _eeg())  # fmt: skip
    assert young[0].value == 8
    assert young[1].value is None  # ASIDs not measured and nothing else seen
    assert young[1].missing == ("eeg",)


def test_emse_burst_suppression_leaves_eeg_open() -> None:
    e = EegFindings(**{**_eeg(("LPD", 1.0)).__dict__, "burst_suppression_seen": True})
    eace = emse(History(50, etiology="cryptogenic", charlson_conditions=()), e)[1]
    assert eace.value is None
    assert (eace.low, eace.high) == (12 + 3 + 40, 12 + 3 + 60)


def test_emse_age_below_table_is_missing() -> None:
    eac = emse(History(19, etiology="cryptogenic", charlson_conditions=()), _eeg())[0]
    assert eac.value is None and eac.missing == ("age_years",)


def test_all_scores_empty_history() -> None:
    names = [s.name for s in all_scores(History(), EegFindings())]
    assert names == ["STESS", "EMSE-EAC", "EMSE-EACE", "2HELPS2B"]
    for s in all_scores(History(), EegFindings()):
        assert s.value is None and s.missing
        d = s.to_dict()
        assert set(d) >= {"name", "value", "inputs", "missing", "citation"}
