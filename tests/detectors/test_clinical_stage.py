"""The SE stage as a pure function, the titration rules alone, and the state's alert book."""

from __future__ import annotations

import json

import pytest

from rse_monitor.detectors.alerts import Alert as OneAlert
from rse_monitor.detectors.alerts import OpenAlerts
from rse_monitor.detectors.clinical import Alert, ClinicalState, StagingRules, Treatment, se_stage
from rse_monitor.detectors.clinical.model import Targets
from rse_monitor.detectors.clinical.timeline import InfusionSegment
from rse_monitor.detectors.clinical.titration import (
    anaesthetic_24h,
    band_conditions,
    band_step,
    seizure_alert,
)
from rse_monitor.detectors.doses import assess_dose

H = 3600.0
MIN = 60.0
RULES = StagingRules.for_type("generalized_convulsive", weight_kg=80.0)


def tx(time_s: float, agent: str, dose: float, unit: str, route: str = "IV",
       kind: str = "bolus") -> Treatment:  # fmt: skip
    a = assess_dose(agent, dose, unit, route, 80.0, kind)
    return Treatment(time_s, a.agent, float(dose), unit, route, kind, a)


LZP = tx(6 * MIN, "lorazepam", 4, "mg")
LEV = tx(12 * MIN, "levetiracetam", 4.5, "g")
MDZ = tx(25 * MIN, "midazolam", 0.2, "mg/kg/h", kind="infusion_start")


# ---------------------------------------------------------------- pure stage
def test_no_seizures_is_none():
    res = se_stage([], [LZP], 600.0, RULES)
    assert res.stage == "none" and res.reasons == ["no seizure activity recorded"]
    assert res.episode_start_s is None


@pytest.mark.parametrize(
    ("t_s", "stage"),
    [(4 * MIN, "none"), (6 * MIN, "early"), (10 * MIN, "early"), (11.5 * MIN, "established"),
     (21 * MIN, "established"), (22.5 * MIN, "refractory")],
)  # fmt: skip
def test_ladder_from_t1_and_failed_adequate_drugs(t_s: float, stage: str):
    # benzo at 6 min fails at 11 min, second line at 12 min fails at 22 min (seizure to 30 min)
    res = se_stage([(0.0, 30 * MIN)], [LEV, LZP], t_s, RULES)
    assert res.stage == stage
    assert res.t1_crossed == (t_s >= 5 * MIN)


def test_summary_and_reasons_of_refractory():
    res = se_stage([(0.0, 30 * MIN)], [LZP, LEV], 25 * MIN, RULES)
    assert res.summary.startswith("refractory SE: an adequate benzodiazepine")
    assert res.reasons[0].startswith("seizure activity for 25.0 min, past t1 = 5 min")
    assert any("lorazepam 4 mg IV at 00:06:00 was adequate" in r and "continued" in r
               for r in res.reasons)  # fmt: skip


def test_under_dosed_benzodiazepine_does_not_count():
    low = tx(6 * MIN, "lorazepam", 2, "mg")
    res = se_stage([(0.0, 30 * MIN)], [low], 20 * MIN, RULES)
    assert res.stage == "early"
    assert any("for 80 kg was below the adequate dose 4 mg" in r for r in res.reasons)


def test_split_benzodiazepine_doses_are_summed():
    doses = [tx(6 * MIN, "lorazepam", 2, "mg"), tx(9 * MIN, "lorazepam", 2, "mg")]
    res = se_stage([(0.0, 30 * MIN)], doses, 20 * MIN, RULES)
    assert res.stage == "established"
    assert any("cumulative dose counted" in r for r in res.reasons)
    # without the cumulative window the same doses prove nothing
    no_sum = StagingRules.for_type("generalized_convulsive", benzo_cumulative_window_s=0.0)
    assert se_stage([(0.0, 30 * MIN)], doses, 20 * MIN, no_sum).stage == "early"


def test_super_refractory_24h_after_anaesthetic_onset():
    history = [(0.0, 26 * H)]
    trs = [LZP, LEV, MDZ]
    assert se_stage(history, trs, 24 * H, RULES).stage == "refractory"
    res = se_stage(history, trs, MDZ.time_s + 24 * H + 1.0, RULES)
    assert res.stage == "super_refractory"
    assert res.anaesthetic_onset_s == MDZ.time_s
    assert "continuing >= 24 h after anaesthetic onset" in res.summary


def test_recurrence_on_a_wean_before_24h_is_anaesthetic_dependent():
    wean = tx(10 * H, "midazolam", 0.05, "mg/kg/h", kind="wean_start")
    res = se_stage([(0.0, 1 * H), (11 * H, 11.2 * H)], [LZP, LEV, MDZ, wean], 11.5 * H, RULES)
    assert res.stage == "refractory" and res.anaesthetic_dependent


def test_ongoing_seizure_lasts_until_known_until():
    assert se_stage([(0.0, None)], [], 900.0, RULES).stage == "early"
    res = se_stage([(0.0, None)], [], 900.0, RULES, known_until_s=200.0)
    assert res.stage == "none" and res.episode_start_s == 0.0 and not res.t1_crossed


def test_ended_episode_reports_highest_stage():
    res = se_stage([(0.0, 12 * MIN)], [LZP], 30 * MIN, RULES)
    assert res.stage == "none"
    assert res.reasons == [
        "no ongoing SE episode: the last one (00:00:00 to 00:12:00) ended; highest stage "
        "reached: established"
    ]


def test_burden_reason_is_second():
    res = se_stage([(0.0, 15 * MIN)], [], 15 * MIN, RULES)
    assert res.burden_60min_ratio == pytest.approx(0.25)
    assert res.reasons[1].startswith("seizure burden 25% of the last 60 min")


def test_pure_and_independent_of_treatment_order():
    history = [(0.0, 30 * MIN)]
    trs = [MDZ, LEV, LZP]
    before = (list(history), [t.to_dict() for t in trs])
    a = se_stage(history, trs, 40 * MIN, RULES)
    b = se_stage(history, sorted(trs, key=lambda t: t.time_s), 40 * MIN, RULES)
    assert a == b
    assert (history, [t.to_dict() for t in trs]) == before


def test_state_stage_is_the_pure_function():
    st = ClinicalState(weight_kg=80)
    for tr in (LZP, LEV, MDZ):
        st.add_treatment(tr.time_s, tr.agent, tr.dose, tr.unit, tr.route, tr.kind)
    st.mark_ictal_interval(0.0, 2 * H)
    st.mark_ictal_interval(3 * H, None)
    for t in (10 * MIN, 1 * H, 2.5 * H, 3.5 * H):
        expect = se_stage([(0.0, 2 * H), (3 * H, None)], st.treatments, t, st.staging_rules,
                          known_until_s=3 * H)  # fmt: skip
        assert st.stage(t) == expect


# ----------------------------------------------------------------- titration
def seg(status: str, run_start_s: float | None = 0.0) -> InfusionSegment:
    rates = {"midazolam": 0.2} if status in ("running", "weaning") else {}
    return InfusionSegment(0.0, status, run_start_s, rates, None)  # type: ignore[arg-type]


def test_band_step_sustain_and_clear_hold():
    args = dict(sustain_s=300.0, clear_hold_s=60.0)
    s = band_step(True, True, False, None, None, 0.0, **args)  # type: ignore[arg-type]
    assert (s.action, s.since_s) == (None, 0.0)
    s = band_step(True, True, False, 0.0, None, 299.0, **args)  # type: ignore[arg-type]
    assert s.action is None
    s = band_step(True, True, False, 0.0, None, 300.0, **args)  # type: ignore[arg-type]
    assert (s.action, s.held_s) == ("raise", 300.0)
    s = band_step(True, False, True, 0.0, None, 400.0, **args)  # type: ignore[arg-type]
    assert (s.action, s.false_since_s) == (None, 400.0)
    s = band_step(True, False, True, None, 400.0, 460.0, **args)  # type: ignore[arg-type]
    assert s.action == "clear"
    assert band_step(True, None, True, 5.0, 7.0, 9.0, **args).action is None  # type: ignore[arg-type]
    assert band_step(False, True, True, 5.0, 7.0, 9.0, **args).action == "drop"  # type: ignore[arg-type]


def test_band_conditions():
    tg = Targets()
    c = band_conditions(tg, "running", 0.3, None, 0.99, ("suppression",))
    assert c == {"below_band": (True, True), "above_band": (True, False),
                 "epileptiform_in_band": (True, None), "isoelectric": (True, False)}  # fmt: skip
    c = band_conditions(tg, "running", 0.6, "discharges_on_suppression", 0.99, ("suppression",))
    assert c["epileptiform_in_band"] == (True, True) and c["below_band"] == (True, False)
    c = band_conditions(tg, "running", 0.3, "discharges_on_suppression", 0.99, ("suppression",))
    assert c["epileptiform_in_band"] == (True, False)  # below the band already says it
    c = band_conditions(tg, "weaning", 1.0, None, 0.99, ("suppression",))
    assert c["below_band"][0] is False and c["isoelectric"] == (True, True)
    c = band_conditions(tg, "running", None, "unknown", 0.99, ("suppression",))
    assert c["isoelectric"] == (True, None)


def test_seizure_alert_by_infusion_status():
    res = se_stage([(0.0, 60.0)], [], 60.0, RULES)
    assert seizure_alert(60.0, seg("none", None), res).key == "seizure_onset"
    assert seizure_alert(60.0, seg("running"), res).severity == "high"
    late = seizure_alert(25 * H, seg("weaning"), res)
    assert late.key == "wean_recurrence" and late.details["super_refractory"] is True
    early = seizure_alert(5 * H, seg("withdrawn"), res)
    assert early.details["anaesthetic_dependent"] is True


def test_anaesthetic_24h_rule():
    assert anaesthetic_24h(23 * H, seg("running"), False, None) is None
    assert anaesthetic_24h(24 * H, seg("running"), False, None) == "raise"
    assert anaesthetic_24h(30 * H, seg("running"), True, 0.0) is None
    assert anaesthetic_24h(30 * H, seg("weaning"), True, 0.0) == "clear"


# ------------------------------------------------------------- one alert model
def _long_rse(st: ClinicalState) -> list[Alert]:
    for tr in (LZP, LEV, MDZ):
        st.add_treatment(tr.time_s, tr.agent, tr.dose, tr.unit, tr.route, tr.kind)
    out: list[Alert] = []
    for i in range(0, int(2.65 * H), 30):
        t = float(i)
        ictal = t < 2 * H or 2.5 * H <= t < 2.6 * H  # the second on the infusion
        out += st.update(t, ictal, 0.2 if t > H else None, None)
    return out


def test_clinical_alerts_are_the_one_alert_type():
    alerts = _long_rse(ClinicalState(weight_kg=80))
    assert alerts and all(isinstance(a, OneAlert) and a is not None for a in alerts)
    assert Alert is OneAlert
    assert {a.origin for a in alerts} == {"clinical"}
    assert all(a.kind == a.key for a in alerts)


def test_from_dict_reads_version_1():
    st = ClinicalState(weight_kg=80)
    _long_rse(st)
    v2 = json.loads(json.dumps(st.to_dict()))
    v1 = {k: v for k, v in v2.items() if k != "alerts"}
    v1["version"] = 1
    v1["open"] = {
        k: {"key": k, "severity": o["severity"], "message": o["message"],
            "details": o["details"], "raised_t_s": o["raised_t_s"],
            "last_report_t_s": o["last_report_t_s"], "figure": o["memo"].get("figure"),
            "count": o["memo"].get("count", 0), "ema": o["memo"].get("ema"),
            "ema_t_s": o["memo"].get("ema_t_s")}
        for k, o in v2["alerts"]["open"].items()
    }  # fmt: skip
    assert {"below_band", "breakthrough_seizure"} <= set(v1["open"])
    a, b = ClinicalState.from_dict(v1), ClinicalState.from_dict(v2)
    assert a.to_dict() == b.to_dict() == v2
    for t in range(int(2.65 * H), int(5 * H), 30):
        assert a.update(float(t), False, 0.9, None) == b.update(float(t), False, 0.9, None)


def test_reraise_raises_an_open_condition_anew_in_place():
    book = OpenAlerts(600.0)
    book.report("a", "low", "one", {}, 0.0)
    book.report("b", "low", "two", {}, 0.0)
    book["a"].memo["count"] = 3
    assert book.report("a", "low", "again", {}, 10.0) == []
    (alert,) = book.report("a", "low", "again", {}, 20.0, reraise=True)
    # announced again as the same (open) alert: every sink records an update
    assert alert.state == "updated" and alert.t_s == 20.0
    assert book["a"].raised_t_s == 20.0 and book["a"].memo == {}
    assert book.keys() == ["a", "b"]


def test_mechanism_notes_late_benzodiazepine_and_the_nmda_rationale():
    """Issue 14: a first benzodiazepine >= 30 min into the episode is noted as late
    (GABA-A receptor internalisation, KCC2); refractory SE notes the NMDA-receptor
    rationale for ketamine. Worded as decision support, with citations."""
    early = se_stage([(0.0, 30 * MIN)], [LZP, LEV], 25 * MIN, RULES)
    assert not any("benzodiazepines lose efficacy" in r for r in early.reasons)
    nmda = [r for r in early.reasons if "NMDA" in r]
    assert len(nmda) == 1 and "ketamine" in nmda[0] and "Gaspard" in nmda[0]
    assert "decision support" in nmda[0]
    late_lzp = tx(40 * MIN, "lorazepam", 4, "mg")
    late = se_stage([(0.0, 60 * MIN)], [late_lzp], 50 * MIN, RULES)
    (note,) = [r for r in late.reasons if "benzodiazepines lose efficacy" in r]
    assert "00:40:00" in note and "40" in note and "Kapur" in note and "KCC2" in note
    assert not any("NMDA" in r for r in late.reasons)  # established, not refractory
