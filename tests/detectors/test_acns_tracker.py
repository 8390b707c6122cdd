"""PatternTracker: what the tracker measures discharges against, and where a
seizure starts (ACNS 2021 rules over consecutive 10-s windows)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from rse_monitor.detectors.acns import PatternWindow, classify_window
from rse_monitor.detectors.acns.tracker import POPULATION_CEILING_SD_UV, PatternTracker
from tests.detectors.test_acns import FS, LEFT, NAMES_1020, add_transients, background


def run(x: NDArray[np.float64], chunk_s: float = 10.0) -> list[PatternWindow]:
    """Push ``x`` (19 channels from t = 0) in chunks; every judged window, in order."""
    tr = PatternTracker(FS, NAMES_1020)
    out: list[PatternWindow] = []
    step = int(chunk_s * FS)
    for i in range(0, x.shape[1], step):
        tr.push(x[:, i : i + step], i / FS)
        out += tr.ready((i + step) / FS)
    return out


def test_a_recording_that_starts_in_a_high_voltage_seizure_is_flagged_in_its_first_window() -> None:
    """3-Hz, 400-µV sharp discharges on the left over a 120-µV-RMS ictal rhythm, from
    the first sample. Measured against the window's own σ (≈ 120 µV, 4σ = 480 µV) the
    discharges do not stand out; bounded by the population ceiling (53 µV: ACNS's
    150-µV "high voltage", peak to trough) they do, and the first window (2-12 s)
    is already a seizure."""
    x = background(3, 22.0, rms_uv=15.0)
    x[LEFT] += background(4, 22.0, rms_uv=120.0, n_ch=len(LEFT), beta=2.0)
    x = add_transients(x, LEFT, np.arange(0.2, 22.0, 1.0 / 3.0), amp_uv=400.0, width_ms=60.0)
    first = run(x)[0]
    assert first.t_start_s == pytest.approx(2.0) and first.seizure.present
    assert first.pattern is not None and first.pattern.rate_hz > 2.5
    # the same window measured against itself only: no seizure rate
    i0 = int(2.0 * FS)
    alone = classify_window(x[:, i0 : i0 + int(10 * FS)], FS, NAMES_1020)
    assert alone.pattern is None or alone.pattern.rate_hz <= 2.5
    assert POPULATION_CEILING_SD_UV == pytest.approx(150.0 / (2.0 * np.sqrt(2.0)))


def test_a_train_that_starts_inside_a_window_dates_the_seizure_from_its_first_discharge() -> None:
    """A 3-Hz train from 8 s: the window 2-12 s holds 4 s of it (1.2 discharges/s, a
    typical frequency of 3 Hz), the window 12-22 s is full. The seizure is decided at
    22 s and starts at the train's first discharge (8.0 s ± 0.5), not at 12 s."""
    x = background(5, 32.0, rms_uv=15.0)
    x = add_transients(x, LEFT, np.arange(8.0, 32.0, 1.0 / 3.0), amp_uv=150.0, width_ms=60.0)
    tr = PatternTracker(FS, NAMES_1020)
    decided: list[tuple[float, float]] = []
    for i in range(0, x.shape[1], int(10 * FS)):
        tr.push(x[:, i : i + int(10 * FS)], i / FS)
        for w in tr.ready((i + int(10 * FS)) / FS):
            if w.seizure.present and not decided:
                decided.append((w.t_end_s, tr.seizure_onset_s()))
    assert decided, "no seizure"
    t_decided, onset = decided[0]
    assert t_decided == pytest.approx(22.0)
    assert onset == pytest.approx(8.0, abs=0.5)


def test_slow_periodic_discharges_are_background_for_the_seizure_that_follows() -> None:
    """Five minutes of left 1-Hz PDs (IIC-free, ≤ 1 Hz) on a 15-µV background, then
    a left seizure whose 4-Hz, 200-µV discharges ride on 60 µV RMS of ictal activity.
    Against the seizure's own σ (4σ ≈ 240 µV) or the population ceiling (4 × 53 µV)
    they do not stand out; against the σ between the PDs (≈ 15 µV) they do. Slow PD
    windows count as background, so the seizure is found, within 20 s of its onset,
    and not before it."""
    pre, ictal = 300.0, 40.0
    n_s = pre + ictal
    x = background(6, n_s, rms_uv=15.0)
    x = add_transients(x, LEFT, np.arange(0.5, pre, 1.0), amp_uv=120.0, width_ms=80.0)
    i0 = int(pre * FS)
    x[LEFT, i0:] += background(7, ictal, rms_uv=60.0, n_ch=len(LEFT), beta=2.0)
    x = add_transients(x, LEFT, np.arange(pre + 0.1, n_s, 0.25), amp_uv=200.0, width_ms=60.0)
    wins = run(x)
    # the PDs are found as such before the seizure
    before = [w for w in wins if w.t_end_s <= pre]
    assert np.mean([w.pattern is not None and w.pattern.main2 == "PD" for w in before]) >= 0.8
    assert not any(w.seizure.present for w in before)
    found = [w for w in wins if w.seizure.present]
    assert found, [(w.t_start_s, w.label) for w in wins if w.t_start_s >= pre - 10]
    assert found[0].t_end_s <= pre + 20.0
