"""The bed alert policy shared by the service and replay/monitor."""

from __future__ import annotations

import math

from rse_monitor.detectors.alerts import Alert
from rse_monitor.detectors.clinical import ClinicalState
from rse_monitor.monitoring.engine import HopResult
from rse_monitor.monitoring.policy import ENGINE_UPDATE_INTERVAL_S, QUALITY_CLEAR_S, AlertPolicy

N_CH = 18


def hop(t: float, *, ictal: bool = False, n_good: int = N_CH,
        alerts: list[Alert] | None = None) -> HopResult:  # fmt: skip
    return HopResult(
        t_s=t, suppression_ratio=0.0, line_length=100.0, coherence=0.3, ictal=ictal,
        depth="continuous", seizure_score=0.0, rms_uv=20.0, bursts_per_min=0.0,
        ibi_median_s=math.nan, band_power_uv2={}, n_good_channels=n_good,
        alerts=alerts or [],
    )  # fmt: skip


def test_seizure_alert_comes_from_the_clinical_layer_with_the_eeg_onset() -> None:
    policy, clinical = AlertPolicy(), ClinicalState()
    out = []
    for t in range(1, 100):
        engine = []
        if t == 20:
            engine = [
                Alert("seizure_onset", "seizure_onset", "high", "detected", {"onset_s": 12.0})
            ]
        out += policy.hop_changes(hop(float(t), ictal=t >= 20, alerts=engine), clinical, N_CH)
    onsets = [c for c in out if c.kind == "seizure_onset"]
    assert len(onsets) == 1 and onsets[0].state == "raised" and onsets[0].t_s == 20.0
    assert onsets[0].details["eeg"]["onset_s"] == 12.0
    # the engine's own offset/depth alerts are not raised as alerts
    engine = [Alert("depth_change", "depth_change", "low", "x", {})]
    assert policy.hop_changes(hop(100.0, alerts=engine), clinical, N_CH) == []


def test_signal_quality_is_one_open_alert_rate_limited_then_cleared() -> None:
    policy, clinical = AlertPolicy(), ClinicalState()
    bad = [Alert("signal_quality", "signal_quality", "low", "3 channels flat", {})]
    changes = []
    for t in range(1, 301):  # the engine repeats the condition every hop for 5 min
        changes += policy.hop_changes(hop(float(t), n_good=15, alerts=bad), clinical, N_CH)
    assert [c.state for c in changes] == ["raised"]  # not one per hop
    assert ENGINE_UPDATE_INTERVAL_S > 300
    worse = [Alert("signal_quality", "signal_quality", "medium", "12 channels flat", {})]
    changes = policy.hop_changes(hop(301.0, n_good=6, alerts=worse), clinical, N_CH)
    # escalation of the open alert (the one alert model says "updated", not a second "raised")
    assert [(c.severity, c.state) for c in changes] == [("medium", "updated")]
    cleared = []
    for t in range(302, 302 + int(QUALITY_CLEAR_S) + 2):
        cleared += policy.hop_changes(hop(float(t)), clinical, N_CH)
    assert [(c.kind, c.state) for c in cleared] == [("signal_quality", "cleared")]
    assert cleared[0].t_s >= 302 + QUALITY_CLEAR_S


def test_stream_lost_then_restored() -> None:
    policy = AlertPolicy()
    lost = policy.stream_event("stream_lost", "medium", "stream lost", {}, 10.0)
    again = policy.stream_event("stream_lost", "medium", "stream lost", {}, 12.0)
    back = policy.stream_event("stream_restored", "low", "stream back", {}, 20.0)
    assert [c.state for c in lost] == ["raised"] and again == []
    assert [(c.kind, c.state) for c in back] == [
        ("stream_lost", "cleared"),
        ("stream_restored", "raised"),
    ]
    assert "stream_lost" not in policy.engine_alerts


def _burden_hop(t: float, b5: float, b60: float = 0.0, run_s: float = 0.0) -> HopResult:
    h = hop(t, ictal=run_s > 0)
    h.seizure_burden_5min, h.seizure_burden_60min, h.ictal_run_s = b5, b60, run_s
    return h


def test_seizure_burden_is_raised_escalated_and_cleared_with_hysteresis() -> None:
    policy, clinical = AlertPolicy(), ClinicalState()

    def burden_changes(t: float, b5: float) -> list[tuple[str, str]]:
        out = policy.hop_changes(_burden_hop(t, b5), clinical, N_CH)
        return [(c.severity, c.state) for c in out if c.kind == "seizure_burden"]

    assert burden_changes(1.0, 0.49) == []
    assert burden_changes(2.0, 0.50) == [("medium", "raised")]
    assert burden_changes(3.0, 0.60) == []  # same severity, not yet due
    assert burden_changes(4.0, 0.92) == [("high", "updated")]  # the bedside status alert
    assert burden_changes(5.0, 0.45) == [("medium", "updated")]
    assert burden_changes(6.0, 0.41) == []  # inside the hysteresis: still open
    assert burden_changes(7.0, 0.39) == [("medium", "cleared")]


def test_electrographic_status_from_ten_continuous_minutes_or_a_fifth_of_an_hour() -> None:
    policy, clinical = AlertPolicy(), ClinicalState()

    def ese(t: float, b60: float, run_s: float) -> list[str]:
        out = policy.hop_changes(_burden_hop(t, 0.0, b60, run_s), clinical, N_CH)
        return [c.state for c in out if c.kind == "electrographic_se"]

    assert ese(1.0, 0.16, 599.0) == []
    raised = policy.hop_changes(_burden_hop(2.0, 0.0, 0.17, 600.0), clinical, N_CH)
    (alert,) = [c for c in raised if c.kind == "electrographic_se"]
    assert alert.severity == "high" and "10 continuous min" in alert.message
    assert ese(3.0, 0.21, 0.0) == []  # the seizure stopped, but the hour is still ≥ 20 %...
    assert ese(4.0, 0.19, 0.0) == ["cleared"]  # ...and then no longer: cleared
    assert ese(5.0, 0.21, 0.0) == ["raised"]  # recurring seizures: ≥ 20 % of the hour


def test_ictal_interictal_continuum_after_a_minute_and_cleared_after_a_minute() -> None:
    """The ACNS continuum raised once it has held 60 s, cleared once gone 60 s, and
    cleared at once when a seizure is reported (the seizure alerts then speak)."""
    import dataclasses

    policy, clinical = AlertPolicy(), ClinicalState()

    def iic_changes(t: float, iic: bool, ictal: bool = False) -> list[str]:
        h = dataclasses.replace(hop(t, ictal=ictal), iic=iic, pattern="LPD+F", pattern_hz=1.5)
        return [c.state for c in policy.hop_changes(h, clinical, N_CH)
                if c.kind == "ictal_interictal_continuum"]  # fmt: skip

    assert [iic_changes(float(t), True) for t in range(0, 60)] == [[]] * 60
    assert iic_changes(60.0, True) == ["raised"]
    assert iic_changes(61.0, False) == []  # one window without it does not clear
    assert iic_changes(62.0, True) == []
    assert [iic_changes(float(t), False) for t in range(63, 122)] == [[]] * 59
    assert iic_changes(123.0, False) == ["cleared"]
    for t in range(200, 261):
        iic_changes(float(t), True)
    assert "ictal_interictal_continuum" in policy.conditions
    assert iic_changes(261.0, False, ictal=True) == ["cleared"]
