"""Seizure burden and electrographic status epilepticus (ACNS 2021) from per-hop decisions."""

from __future__ import annotations

import pytest

from rse_monitor.detectors.burden import ESE_BURDEN_60MIN, ESE_CONTINUOUS_S, SeizureBurden


def test_a_continuous_seizure_of_ten_minutes_is_electrographic_status() -> None:
    b = SeizureBurden(1.0)
    states = [b.update(float(t), ictal=t > 60) for t in range(1, 60 + 601)]
    assert states[60 + 598].ictal_run_s == 599.0 and not states[60 + 598].electrographic_se
    last = states[-1]
    assert last.ictal_run_s == ESE_CONTINUOUS_S and last.electrographic_se
    assert last.burden_5min == 1.0
    assert last.burden_60min == pytest.approx(600 / 3600)


def test_recurring_seizures_reach_a_fifth_of_an_hour() -> None:
    """One 60-s seizure every 4 min: 25 % of every hour, never 10 min at a time."""
    b = SeizureBurden(1.0)
    states = [b.update(float(t), ictal=(t - 1) % 240 < 60) for t in range(1, 2 * 3600 + 1)]
    assert max(s.ictal_run_s for s in states) == 60.0
    assert states[-1].burden_60min == pytest.approx(0.25, abs=1 / 3600)
    first = next(i for i, s in enumerate(states) if s.electrographic_se)
    # 20 % of an hour is 720 s of seizure: the 12th seizure, 11 × 240 s + 60 s in
    assert first + 1 == 11 * 240 + 60
    assert states[first].burden_60min >= ESE_BURDEN_60MIN
    # a 5-min window holds at most two of them (120 s): below the 5-min alert's 0.5
    assert max(s.burden_5min for s in states) == pytest.approx(0.4)


def test_unseen_time_is_not_seizure_and_a_gap_ends_the_run() -> None:
    b = SeizureBurden(1.0)
    for t in range(1, 121):
        s = b.update(float(t), ictal=True)
    assert s.ictal_run_s == 120.0 and s.burden_5min == pytest.approx(120 / 300)
    s = b.update(200.0, ictal=True)  # 79 s not seen
    assert s.ictal_run_s == 1.0
    assert s.burden_5min == pytest.approx(121 / 300)


def test_inputs_are_checked() -> None:
    with pytest.raises(ValueError, match="hop_s"):
        SeizureBurden(0.0)
    b = SeizureBurden(1.0)
    b.update(5.0, ictal=False)
    with pytest.raises(ValueError, match="t_s must increase"):
        b.update(5.0, ictal=False)
    with pytest.raises(ValueError, match="t_s must be finite"):
        b.update(float("nan"), ictal=False)
