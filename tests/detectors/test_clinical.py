"""SE staging (ILAE 2015), titration alerts and their de-duplication."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest

from rse_monitor.detectors.clinical import (
    STAGES,
    T1_T2_MIN,
    Alert,
    ClinicalState,
    Targets,
)
from rse_monitor.detectors.doses import DoseError

H = 3600.0
MIN = 60.0


def run(
    st: ClinicalState,
    t_from: float,
    t_to: float,
    ictal: Callable[[float], bool] | bool = False,
    sr: Callable[[float], float | None] | float | None = None,
    depth: Callable[[float], str | None] | str | None = None,
    step_s: float = 1.0,
) -> list[Alert]:
    """Feed hops t_from, t_from + step, ... < t_to; return all alert transitions."""
    out: list[Alert] = []
    n = int(round((t_to - t_from) / step_s))
    for i in range(n):
        t = t_from + i * step_s
        ic = ictal(t) if callable(ictal) else ictal
        s = sr(t) if callable(sr) else sr
        d = depth(t) if callable(depth) else depth
        out.extend(st.update(t, ic, s, d))
    return out


def raised(alerts: list[Alert], key: str) -> list[Alert]:
    return [a for a in alerts if a.key == key and a.state == "raised"]


def states(alerts: list[Alert], key: str) -> list[str]:
    return [a.state for a in alerts if a.key == key]


# ------------------------------------------------------------------ staging
def test_inadequate_lorazepam_does_not_advance_beyond_early():
    st = ClinicalState(weight_kg=80)
    st.add_treatment(6 * MIN, "lorazepam", 2, "mg", "IV", "bolus")
    st.mark_ictal_interval(0.0, 40 * MIN)
    res = st.stage(40 * MIN)
    assert res.stage == "early"
    assert res.t1_crossed and res.t2_crossed
    text = " | ".join(res.reasons)
    assert "below the adequate dose 4 mg" in text and "not counted" in text
    assert "past t1 = 5 min (generalized convulsive)" in text


def test_adequate_benzo_then_second_line_failing_is_refractory():
    st = ClinicalState(weight_kg=80)
    st.add_treatment(10 * MIN, "lorazepam", 4, "mg", "IV", "bolus")
    st.add_treatment(20 * MIN, "levetiracetam", 4.5, "g", "IV", "bolus")
    st.mark_ictal_interval(0.0, 45 * MIN)
    assert st.stage(4 * MIN).stage == "none"
    assert st.stage(12 * MIN).stage == "early"  # lorazepam latency not over
    assert st.stage(16 * MIN).stage == "established"  # seizing > 5 min after lorazepam
    assert st.stage(29 * MIN).stage == "established"  # levetiracetam latency (10 min)
    res = st.stage(31 * MIN)
    assert res.stage == "refractory"
    text = " | ".join(res.reasons)
    assert "lorazepam 4 mg IV at 00:10:00 was adequate (0.1 mg/kg, max 4 mg)" in text
    assert "seizures continued" in text
    assert "levetiracetam 4.5 g IV at 00:20:00 was adequate" in text


def test_seizures_stopping_after_adequate_benzo_stay_early():
    st = ClinicalState(weight_kg=80)
    st.add_treatment(6 * MIN, "lorazepam", 4, "mg", "IV", "bolus")
    st.mark_ictal_interval(0.0, 8 * MIN)  # stops 2 min after the dose
    assert st.stage(9 * MIN).stage == "early"
    # the episode ends 5 min after the last seizure: no ongoing SE
    assert st.stage(20 * MIN).stage == "none"
    assert "highest stage reached: early" in st.stage(20 * MIN).reasons[0]


def test_cumulative_split_lorazepam_counts():
    st = ClinicalState(weight_kg=80)
    st.add_treatment(6 * MIN, "lorazepam", 2, "mg", "IV", "bolus")
    tr = st.add_treatment(9 * MIN, "lorazepam", 2, "mg", "IV", "bolus")
    assert not tr.assessment.adequate
    assert "cumulative" in tr.cumulative_note
    st.mark_ictal_interval(0.0, 30 * MIN)
    assert st.stage(30 * MIN).stage == "established"
    # doses more than 10 min apart do not add up
    st2 = ClinicalState(weight_kg=80)
    st2.add_treatment(6 * MIN, "lorazepam", 2, "mg", "IV", "bolus")
    st2.add_treatment(17 * MIN, "lorazepam", 2, "mg", "IV", "bolus")
    st2.mark_ictal_interval(0.0, 40 * MIN)
    assert st2.stage(40 * MIN).stage == "early"


def test_treatments_before_eeg_seizure_count_and_out_of_order_entries_are_sorted():
    st = ClinicalState(weight_kg=70)
    st.add_treatment(-5 * MIN, "levetiracetam", 4200, "mg", "IV", "bolus")  # 60 mg/kg
    st.add_treatment(-20 * MIN, "midazolam", 10, "mg", "IM", "bolus")
    assert [t.time_s for t in st.treatments] == [-20 * MIN, -5 * MIN]
    st.mark_ictal_interval(0.0, 6 * MIN)
    assert st.stage(6 * MIN).stage == "refractory"


def _rse_with_infusion(weight_kg: float = 80) -> ClinicalState:
    st = ClinicalState(weight_kg=weight_kg)
    st.add_treatment(10 * MIN, "lorazepam", 4, "mg", "IV", "bolus")
    st.add_treatment(20 * MIN, "levetiracetam", 4.5, "g", "IV", "bolus")
    st.add_treatment(1 * H, "midazolam", 0.2, "mg/kg/h", "IV", "infusion_start")
    return st


def test_wean_after_30h_with_recurrence_is_super_refractory():
    st = _rse_with_infusion()
    st.mark_ictal_interval(0.0, 1.5 * H)  # suppressed 30 min after infusion start
    st.add_treatment(31 * H, "midazolam", 0.1, "mg/kg/h", "IV", "wean_start")
    assert st.stage(20 * H).stage == "refractory"  # seizure-free on the infusion
    assert st.stage(31.4 * H).stage == "refractory"
    st.mark_ictal_interval(31.5 * H, 31.6 * H)  # recurrence on the wean
    res = st.stage(31.6 * H)
    assert res.stage == "super_refractory"
    assert res.anaesthetic_onset_s == 1 * H
    assert any("recurred on reduction/withdrawal" in r for r in res.reasons)


def test_wean_at_12h_with_recurrence_is_anaesthetic_dependent_not_srse():
    st = _rse_with_infusion()
    st.mark_ictal_interval(0.0, 1.5 * H)
    st.add_treatment(13 * H, "midazolam", 0.1, "mg/kg/h", "IV", "wean_start")
    st.mark_ictal_interval(13.0 * H + 30 * MIN, 13.0 * H + 32 * MIN)
    res = st.stage(13.0 * H + 33 * MIN)
    assert res.stage == "refractory"
    assert res.anaesthetic_dependent
    assert any(
        "anaesthetic-dependent recurrence at 12.5 h: not super-refractory (< 24 h of "
        "anaesthetic)" in r
        for r in res.reasons
    )


def test_seizures_continuing_24h_after_anaesthetic_onset_are_super_refractory():
    st = _rse_with_infusion()
    st.mark_ictal_interval(0.0, 25.5 * H)  # never controlled
    assert st.stage(24.9 * H).stage == "refractory"
    res = st.stage(25.1 * H)
    assert res.stage == "super_refractory"
    assert any("continuing >= 24 h after anaesthetic onset" in r for r in res.reasons)


def test_stage_never_goes_backwards_within_an_episode():
    st = _rse_with_infusion()
    st.mark_ictal_interval(0.0, 1.5 * H)
    st.add_treatment(13 * H, "midazolam", 0.1, "mg/kg/h", "IV", "wean_start")
    st.add_treatment(14 * H, "midazolam", 0.3, "mg/kg/h", "IV", "infusion_change")
    st.mark_ictal_interval(13.5 * H, 13.6 * H)
    st.add_treatment(40 * H, "midazolam", 0.1, "mg/kg/h", "IV", "wean_start")
    st.mark_ictal_interval(41 * H, 41.1 * H)
    ranks = [STAGES.index(st.stage(t).stage) for t in np.arange(0, 42 * H, 600.0)]
    assert all(b >= a for a, b in zip(ranks, ranks[1:], strict=False))
    assert ranks[-1] == STAGES.index("super_refractory")


@pytest.mark.parametrize(
    ("seizure_type", "t1", "t2"),
    [("generalized_convulsive", 5, 30), ("focal_impaired_awareness", 10, 60)],
)
def test_t1_t2_per_seizure_type(seizure_type: str, t1: float, t2: float):
    assert T1_T2_MIN[seizure_type] == (t1, t2)
    st = ClinicalState(seizure_type=seizure_type)  # type: ignore[arg-type]
    st.mark_ictal_interval(0.0, 2 * H)
    below, above = st.stage((t1 - 0.5) * MIN), st.stage((t1 + 0.5) * MIN)
    assert not below.t1_crossed and below.stage == "none"
    assert above.t1_crossed and above.stage == "early"
    assert not st.stage((t2 - 0.5) * MIN).t2_crossed
    assert st.stage((t2 + 0.5) * MIN).t2_crossed


def test_absence_has_no_t2_and_override():
    st = ClinicalState(seizure_type="absence")
    st.mark_ictal_interval(0.0, 3 * H)
    res = st.stage(3 * H)
    assert res.t1_crossed and not res.t2_crossed
    assert any("t2 is not defined" in r for r in res.reasons)
    custom = ClinicalState(t1_t2_min=(2, 8))
    custom.mark_ictal_interval(0.0, 9 * MIN)
    assert custom.stage(9 * MIN).t2_crossed
    with pytest.raises(ValueError, match="t1 < t2"):
        ClinicalState(t1_t2_min=(10, 5))


def test_recurrent_seizures_with_short_gaps_form_one_episode():
    st = ClinicalState()
    # 40-s seizures every 3 min: gaps of 2 min 20 s < 5 min
    for k in range(4):
        st.mark_ictal_interval(k * 180.0, k * 180.0 + 40.0)
    res = st.stage(10 * MIN)
    assert res.seizure_burden_s == pytest.approx(160.0)
    assert res.episode_duration_s == pytest.approx(580.0)
    assert res.t1_crossed


# ------------------------------------------------------------------- alerts
def _on_infusion(weight_kg: float = 70.0, **kw) -> ClinicalState:
    st = ClinicalState(weight_kg=weight_kg, **kw)
    st.add_treatment(0.0, "midazolam", 0.2, "mg/kg/h", "IV", "infusion_start")
    return st


def test_one_hour_below_band_raises_once_and_clears():
    st = _on_infusion()
    rng = np.random.default_rng(0)
    alerts = run(st, 0, H, sr=lambda t: float(0.3 + 0.04 * rng.standard_normal()))
    assert len(raised(alerts, "below_band")) == 1
    first = raised(alerts, "below_band")[0]
    assert first.severity == "medium"
    assert 300.0 <= first.t_s <= 302.0  # sustain_s = 300 s
    assert len([a for a in alerts if a.state == "updated"]) <= 3
    assert not [a for a in alerts if a.key != "below_band"]
    back = run(st, H, H + 10 * MIN, sr=0.65)
    assert states(back, "below_band") == ["cleared"]
    assert back[0].t_s == pytest.approx(H + 60.0)  # clear_hold_s = 60 s


def test_below_band_updates_only_on_material_change():
    st = _on_infusion()
    alerts = run(st, 0, 40 * MIN, sr=0.4, step_s=5.0)
    alerts += run(st, 40 * MIN, 80 * MIN, sr=0.1, step_s=5.0)
    assert states(alerts, "below_band") == ["raised", "updated"]


def test_isoelectric_hour_one_alert_and_no_above_band():
    st = _on_infusion()
    alerts = run(st, 0, H, sr=1.0, depth="suppression")
    assert [(a.key, a.state, a.severity) for a in alerts] == [("isoelectric", "raised", "medium")]
    # depth alone (ratio unknown) also counts
    st2 = _on_infusion()
    assert len(raised(run(st2, 0, 20 * MIN, sr=None, depth="suppression"), "isoelectric")) == 1


def test_above_band_is_low_severity():
    st = _on_infusion()
    alerts = run(st, 0, 20 * MIN, sr=0.9, depth="burst_suppression", step_s=2.0)
    assert [(a.key, a.severity) for a in alerts] == [("above_band", "low")]


def test_seizure_free_hour_in_band_no_alerts():
    st = _on_infusion()
    assert (
        run(st, 0, H, sr=lambda t: 0.6 + 0.1 * math.sin(t / 300.0), depth="burst_suppression") == []
    )


def test_no_band_alerts_without_infusion_or_with_seizure_suppression_goal():
    assert run(ClinicalState(), 0, H, sr=0.1, step_s=5.0) == []
    st = _on_infusion(targets=Targets(goal="seizure_suppression"))
    assert run(st, 0, H, sr=0.1, step_s=5.0) == []
    iso = run(st, H, 2 * H, sr=1.0, depth="suppression", step_s=5.0)
    assert [a.key for a in iso] == ["isoelectric"]


def test_set_targets_clears_band_alert_no_longer_applicable():
    st = _on_infusion()
    alerts = run(st, 0, 10 * MIN, sr=0.2)
    assert len(raised(alerts, "below_band")) == 1
    st.set_targets(Targets(goal="seizure_suppression"))
    assert states(st.update(10 * MIN, False, 0.2, None), "below_band") == ["cleared"]


def test_breakthrough_seizure_is_high_and_deduplicated():
    st = _on_infusion()
    run(st, 0, 10 * MIN, sr=0.6, step_s=5.0)
    # 30-s seizures every 2 min for 20 min
    alerts = run(
        st,
        10 * MIN,
        40 * MIN,
        ictal=lambda t: (t - 10 * MIN) % 120 < 30 and t < 30 * MIN,
        sr=0.6,
        step_s=1.0,
    )
    br = [a for a in alerts if a.key == "breakthrough_seizure"]
    assert br[0].state == "raised" and br[0].severity == "high"
    assert len(raised(alerts, "breakthrough_seizure")) == 1
    assert len([a for a in br if a.state == "updated"]) <= 2
    assert br[-1].state == "cleared"
    assert br[-1].details["n_seizures"] == 10


def test_seizure_onset_off_infusion_is_medium_then_episode_alerts():
    st = ClinicalState(weight_kg=80)
    alerts = run(st, 0, 40 * MIN, ictal=lambda t: t < 35 * MIN, step_s=1.0)
    keys = [(a.key, a.state, a.severity) for a in alerts]
    assert keys[0] == ("seizure_onset", "raised", "medium")
    assert ("t1_crossed", "raised", "medium") in keys
    assert ("t2_crossed", "raised", "high") in keys
    assert not raised(alerts, "stage_change")  # early is announced by t1_crossed
    # the episode ends 5 min after the last seizure: alerts clear
    later = run(st, 40 * MIN, 45 * MIN)
    assert sorted(a.key for a in later if a.state == "cleared") == [
        "seizure_onset",
        "t1_crossed",
        "t2_crossed",
    ]


def test_wean_recurrence_alert_states_srse_or_dependency():
    for wean_h, srse in ((12.0, False), (30.0, True)):
        st = _rse_with_infusion()
        st.mark_ictal_interval(0.0, 1.5 * H)
        st.add_treatment((1 + wean_h) * H, "midazolam", 0.1, "mg/kg/h", "IV", "wean_start")
        st.mark_alerts_seen((1 + wean_h) * H)
        t0 = (1 + wean_h) * H + 10 * MIN
        run(st, (1 + wean_h) * H, t0, sr=None, step_s=10.0)
        alerts = run(st, t0, t0 + 2 * MIN, ictal=True)
        wr = raised(alerts, "wean_recurrence")
        assert len(wr) == 1 and wr[0].severity == "high"
        assert wr[0].details["super_refractory"] is srse
        assert wr[0].details["anaesthetic_dependent"] is (not srse)
        assert (
            ("super-refractory" in wr[0].message)
            if srse
            else ("anaesthetic-dependent" in wr[0].message)
        )
        if srse:
            sc = [a for a in alerts if a.key == "stage_change"]
            assert sc and sc[-1].severity == "high" and "super-refractory" in sc[-1].message


def test_anaesthetic_24h_alert_once_and_cleared_by_wean():
    st = _on_infusion()
    alerts = run(st, 0, 25 * H, sr=0.6, step_s=60.0)
    a24 = raised(alerts, "anaesthetic_24h")
    assert len(a24) == 1 and a24[0].severity == "low" and a24[0].t_s == pytest.approx(24 * H)
    st.add_treatment(25 * H, "midazolam", 0.1, "mg/kg/h", "IV", "wean_start")
    assert states(st.update(25 * H, False, 0.5, None), "anaesthetic_24h") == ["cleared"]


def test_six_hour_scenario_alerts_per_hour_bounded():
    """RSE treated step by step, breakthrough seizures, titration: few alerts per hour."""
    st = ClinicalState(weight_kg=80)
    st.add_treatment(8 * MIN, "lorazepam", 4, "mg", "IV", "bolus")
    st.add_treatment(20 * MIN, "fosphenytoin", 1500, "mg PE", "IV", "bolus")
    st.add_treatment(45 * MIN, "midazolam", 0.2, "mg/kg/h", "IV", "infusion_start")
    st.add_treatment(90 * MIN, "midazolam", 0.4, "mg/kg/h", "IV", "infusion_change")
    rng = np.random.default_rng(1)

    def ictal(t: float) -> bool:
        if t < 60 * MIN:
            return True
        if 2 * H <= t < 3 * H:  # breakthrough cluster: 40 s every 4 min
            return (t - 2 * H) % 240 < 40
        return False

    def sr(t: float) -> float | None:
        if t < 60 * MIN:
            return 0.0
        base = 0.2 if t < 100 * MIN else (0.65 if t < 4 * H else 0.995)
        if 5.5 * H <= t:
            base = 0.7
        return float(np.clip(base + 0.03 * rng.standard_normal(), 0, 1))

    alerts = run(
        st,
        0,
        6 * H,
        ictal=ictal,
        sr=sr,
        depth=lambda t: "suppression" if 4 * H <= t < 5.5 * H else "burst_suppression",
    )
    per_hour = Counter(int(a.t_s // H) for a in alerts)
    assert max(per_hour.values()) <= 8, per_hour
    assert len(alerts) <= 25
    kinds = {a.key for a in alerts}
    assert {
        "seizure_onset",
        "t1_crossed",
        "t2_crossed",
        "stage_change",
        "breakthrough_seizure",
        "below_band",
        "isoelectric",
    } <= kinds
    assert st.stage(6 * H).stage == "refractory"
    # each key is raised at most once per condition episode
    assert len(raised(alerts, "breakthrough_seizure")) == 1
    assert len(raised(alerts, "isoelectric")) == 1


# ------------------------------------------------------------- persistence
def test_to_dict_from_dict_continues_identically():
    def feed(st: ClinicalState, a: float, b: float) -> list[Alert]:
        return run(
            st,
            a,
            b,
            ictal=lambda t: t < 20 * MIN or 70 * MIN <= t < 71 * MIN,
            sr=lambda t: 0.3 if t < 80 * MIN else 0.7,
            step_s=2.0,
        )

    ref = _rse_with_infusion()
    ref_alerts = feed(ref, 0, 2 * H)
    st = _rse_with_infusion()
    first = feed(st, 0, 65 * MIN)
    blob = json.dumps(st.to_dict())
    restored = ClinicalState.from_dict(json.loads(blob))
    second = feed(restored, 65 * MIN, 2 * H)
    assert [a.to_dict() for a in first + second] == [a.to_dict() for a in ref_alerts]
    json.dumps(restored.snapshot())


def test_rebuild_from_events_then_mark_seen_is_silent():
    st = _rse_with_infusion()
    st.mark_ictal_interval(0.0, 1.5 * H)
    st.mark_alerts_seen(2 * H)
    alerts = run(st, 2 * H, 2 * H + 10 * MIN, sr=0.6)
    assert alerts == []
    snap = st.snapshot()
    assert snap["stage"]["stage"] == "refractory"
    assert snap["infusion"]["status"] == "running"
    assert len(snap["treatments"]) == 3


def test_snapshot_json_and_advice():
    st = ClinicalState(weight_kg=80)
    run(st, 0, 12 * MIN, ictal=True, step_s=5.0)
    snap = st.snapshot()
    json.dumps(snap)
    assert snap["stage"]["stage"] == "early"
    assert any("lorazepam 4 mg IV" in a for a in snap["advice"])
    assert {a["key"] for a in snap["open_alerts"]} == {"seizure_onset", "t1_crossed"}


# --------------------------------------------------------------- validation
def test_input_validation():
    with pytest.raises(ValueError, match="sr_low"):
        Targets(sr_low=0.8, sr_high=0.5)
    with pytest.raises(ValueError, match="goal"):
        Targets(goal="deep")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sustain_s"):
        Targets(sustain_s=0)
    with pytest.raises(ValueError, match="seizure_type"):
        ClinicalState(seizure_type="tonic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="weight_kg"):
        ClinicalState(weight_kg=0)
    st = ClinicalState()
    st.update(10.0, False, 0.5, None)
    with pytest.raises(ValueError, match="backwards"):
        st.update(9.0, False, 0.5, None)
    with pytest.raises(ValueError, match="suppression_ratio"):
        st.update(11.0, False, 1.5, None)
    with pytest.raises(TypeError, match="ictal"):
        st.update(11.0, "yes", 0.5, None)  # type: ignore[arg-type]
    assert st.update(12.0, np.bool_(False), float("nan"), None) == []
    with pytest.raises(DoseError):
        st.add_treatment(0.0, "fosphenytoin", 1000, "mg", "IV", "bolus")
    with pytest.raises(ValueError, match="offset_s"):
        st.mark_ictal_interval(10.0, 5.0)


def test_discharges_on_suppression_in_band_is_not_on_target():
    """Ratio in the band but the suppression holds discharges (issue 11, part 3): a
    medium ``epileptiform_in_band`` alert after the sustain, no below/above alert,
    cleared when the depth is plain burst suppression again."""
    st = _on_infusion()
    alerts = run(st, 0, 20 * MIN, sr=0.65, depth="discharges_on_suppression", step_s=2.0)
    assert [(a.key, a.state, a.severity) for a in alerts] == [
        ("epileptiform_in_band", "raised", "medium")
    ]
    assert "discharges" in alerts[0].message
    later = run(st, 20 * MIN, 40 * MIN, sr=0.65, depth="burst_suppression", step_s=2.0)
    assert [(a.key, a.state) for a in later] == [("epileptiform_in_band", "cleared")]
    # the epileptiform-bursts label too; unknown depth decides nothing
    st2 = _on_infusion()
    epi = run(st2, 0, 20 * MIN, sr=0.7, depth="burst_suppression_epileptiform", step_s=2.0)
    assert [a.key for a in raised(epi, "epileptiform_in_band")] == ["epileptiform_in_band"]
    assert run(_on_infusion(), 0, 20 * MIN, sr=0.7, depth="unknown", step_s=2.0) == []
