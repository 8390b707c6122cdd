"""The bed alert policy shared by the service and replay/monitor."""

from __future__ import annotations

import math

from detectors.alerts import Alert
from detectors.clinical import ClinicalState
from monitoring.engine import HopResult
from monitoring.policy import ENGINE_UPDATE_INTERVAL_S, QUALITY_CLEAR_S, AlertPolicy

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
