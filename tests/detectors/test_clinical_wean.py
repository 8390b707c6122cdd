"""Wean-readiness figures on hand-worked cases."""

from __future__ import annotations

import pytest

from rse_monitor.detectors.clinical.wean import (
    EegWindow,
    Entry,
    WeanTrial,
    response,
    wean_end_s,
    wean_readiness,
)

BOLUS = Entry(1, 1500.0, "midazolam", "bolus", 10.0, "mg")


def test_response_before_and_after() -> None:
    before = EegWindow(-300.0, 1500.0, n_hops=1500, n_ictal_hops=500, sr_mean=0.2)
    after = EegWindow(1500.0, 3300.0, n_hops=1800, n_ictal_hops=100, sr_mean=0.5)
    r = response(BOLUS, before, after, now_s=4000.0)
    assert r.complete
    assert r.burden_change == pytest.approx(100 / 1800 - 1 / 3)
    assert r.sr_change == pytest.approx(0.3)
    # the after window is still running; no EEG before: no change figure
    r = response(BOLUS, EegWindow(-300.0, 1500.0, 0), after, now_s=2000.0)
    assert not r.complete and r.burden_change is None and r.sr_change is None


def test_wean_window_ends_at_a_rescue_or_after_24_h() -> None:
    wean = Entry(2, 5000.0, "midazolam", "wean_start", 0.1, "mg/kg/h")
    rescue = Entry(3, 6000.0, "midazolam", "bolus", 5.0, "mg")
    step = Entry(4, 5500.0, "midazolam", "infusion_change", 0.05, "mg/kg/h")
    assert wean_end_s(wean, [wean, step, rescue], now_s=9000.0) == 6000.0
    assert wean_end_s(wean, [wean, step], now_s=9000.0) == 9000.0
    assert wean_end_s(wean, [wean], now_s=5000.0 + 30 * 3600) == 5000.0 + 24 * 3600


def test_readiness_known_answer() -> None:
    wean = WeanTrial(Entry(2, 5000.0, "midazolam", "wean_start", 0.1, "mg/kg/h"), 7200.0, 60.0,
                     True)  # fmt: skip
    w = wean_readiness(7200.0, 1.0, 5560.0, (0.5, 0.8), band_observed_s=7200.0,
                       in_band_s=5400.0, weans=[wean])  # fmt: skip
    assert w.hours_since_last_seizure == pytest.approx(1640 / 3600)
    assert w.seizure_free_24h is False and w.seizure_free_48h is False
    assert w.in_band_ratio == pytest.approx(0.75)
    assert "seizures recurred on a wean" in w.notes


def test_seizure_free_needs_enough_eeg() -> None:
    # no seizure on 30 h of EEG: 24 h seizure-free, 48 h not yet known
    w = wean_readiness(30 * 3600.0, 0.0, None, (0.5, 0.8), 0.0, 0.0)
    assert (w.seizure_free_24h, w.seizure_free_48h) == (True, None)
    assert w.hours_since_last_seizure is None and w.in_band_ratio is None
    # last seizure 50 h ago
    w = wean_readiness(60 * 3600.0, 0.0, 10 * 3600.0, (0.5, 0.8), 100.0, 50.0)
    assert (w.seizure_free_24h, w.seizure_free_48h) == (True, True)
    assert w.hours_since_last_seizure == pytest.approx(50.0)
    w = wean_readiness(10.0, None, None, (0.5, 0.8), 0.0, 0.0)
    assert w.notes == ("no EEG recorded",)
    with pytest.raises(ValueError, match="in_band_s"):
        wean_readiness(10.0, None, None, (0.5, 0.8), 1.0, 2.0)
