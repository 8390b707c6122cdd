"""Periodic discharges judged on the pattern's merged train (ACNS 2021: the
pattern is periodic, whichever derivation shows each discharge)."""

from __future__ import annotations

import numpy as np
import pytest

from rse_monitor.detectors.acns import classify_window
from rse_monitor.detectors.acns.terms import MERGED_MIN_PER_CHANNEL
from tests.detectors.test_acns import FS, LEFT, NAMES_1020, add_transients, background


def lpd_with_dropouts(seed: int, drop: float, rate_hz: float = 1.0):  # type: ignore[no-untyped-def]
    """Left 1-Hz discharges (100 µV, 80 ms) over 10 s on a 15-µV background, each
    missing on a random ``drop`` share of the four left temporal-parietal channels
    (at least two keep it)."""
    rng = np.random.default_rng(seed)
    x = background(seed, 10.0, rms_uv=15.0)
    chans = LEFT[2:6]
    for t in np.arange(0.4, 10.0, 1.0 / rate_hz):
        keep = [c for c in chans if rng.random() >= drop]
        if len(keep) < 2:
            keep = list(rng.choice(chans, size=2, replace=False))
        x = add_transients(x, keep, np.array([t]), amp_uv=100.0, width_ms=80.0)
    return x, chans


def test_discharges_missing_on_some_derivations_still_make_an_lpd() -> None:
    """With 30 % of the discharges missing on each channel, no channel's own train is
    regular enough to make a group (a missing discharge doubles an interval), but the merged train
    is: the window is an LPD at 1 Hz (± 0.1) on the left channels."""
    x, chans = lpd_with_dropouts(11, drop=0.3)
    w = classify_window(x, FS, NAMES_1020)
    assert w.pattern is not None, w.reasons
    assert w.pattern.main1 == "L" and w.pattern.main2 == "PD"
    assert w.pattern.frequency_hz == pytest.approx(1.0, abs=0.1)
    assert set(w.pattern.channels) <= {NAMES_1020[c] for c in chans}
    # the reason is added only when the per-channel trains made no group
    assert ("merged_train_groups", 1.0) in [(r.code, r.value) for r in w.reasons]


def test_independent_random_discharges_do_not_merge_into_a_pattern() -> None:
    """Discharges at random times (Poisson, 0.6/s) on four channels, each on its own:
    enough per channel to be merged, but they coincide only by chance and the
    merged events are irregular: no pattern."""
    rng = np.random.default_rng(5)
    x = background(12, 10.0, rms_uv=15.0)
    chans = LEFT[2:6]
    for c in chans:
        n = max(MERGED_MIN_PER_CHANNEL, rng.poisson(6))
        x = add_transients(x, [c], np.sort(rng.uniform(0.3, 9.7, n)), amp_uv=100.0,
                           width_ms=80.0)  # fmt: skip
    w = classify_window(x, FS, NAMES_1020)
    assert w.pattern is None, w.pattern


def test_a_merged_train_faster_than_2_5_hz_is_not_used() -> None:
    """Merged trains are for slow PDs only (a faster one could be the larger waves of
    an alpha rhythm): a 3-Hz train with dropouts gives no merged group, and no
    seizure rate rests on it."""
    x, _ = lpd_with_dropouts(13, drop=0.4, rate_hz=3.0)
    w = classify_window(x, FS, NAMES_1020)
    assert "merged_train_groups" not in [r.code for r in w.reasons]
    assert w.pattern is None or w.pattern.rate_hz <= 3.0


def test_the_field_of_a_pd_includes_derivations_where_it_is_irregular() -> None:
    """Generalized 1-Hz discharges: regular on three right channels (Fp2, F4, P4),
    missing on 40 % of the cycles on every other channel (irregular there). The
    pattern's field is both hemispheres: GPD in at least 9 of 12 random draws (the
    regular channels alone made GPD in 4 of them, LPD in the rest)."""
    regular = [1, 5, 15]
    others = [c for c in range(len(NAMES_1020)) if c not in regular]
    terms = []
    for seed in range(12):
        rng = np.random.default_rng(seed)
        x = background(14, 10.0, rms_uv=12.0)
        for t in np.arange(0.4, 10.0, 1.0):
            keep = [c for c in others if rng.random() >= 0.4]
            x = add_transients(x, regular + keep, np.array([t]), amp_uv=100.0, width_ms=80.0)
        w = classify_window(x, FS, NAMES_1020)
        terms.append(w.pattern.term if w.pattern is not None else None)
    assert sum(t is not None and t.startswith("GPD") for t in terms) >= 9, terms
    assert all(t is not None and t[1:].startswith("PD") for t in terms), terms


def test_independent_discharges_elsewhere_do_not_widen_an_lpd() -> None:
    """Left 1-Hz PDs (regular), and random independent discharges on the right:
    the right channels do not carry the pattern's discharges, and it stays LPD."""
    rng = np.random.default_rng(4)
    x = background(15, 10.0, rms_uv=12.0)
    x = add_transients(x, LEFT[2:6], np.arange(0.4, 10.0, 1.0), amp_uv=100.0, width_ms=80.0)
    for c in (4, 5, 10, 15):  # Fz, F4, C4, P4
        x = add_transients(x, [c], np.sort(rng.uniform(0.3, 9.7, 6)), amp_uv=100.0,
                           width_ms=80.0)  # fmt: skip
    w = classify_window(x, FS, NAMES_1020)
    assert w.pattern is not None and w.pattern.term.startswith("LPD"), w.pattern
    assert not {NAMES_1020[c] for c in (4, 5, 10, 15)} & set(w.pattern.channels)


def test_a_fast_train_keeps_the_power_of_its_own_rate() -> None:
    """A 3-Hz train of 60-ms transients puts power above the 1/f fit at 3 Hz: its
    channels keep their periodic train (train_ratio ≥ MIN_TRAIN_RATIO), which a
    selection of the peaks of a faster rhythm does not (see the healthy-EEG test,
    tests/monitoring/test_engine_healthy.py)."""
    from rse_monitor.detectors.acns.rhythm import MIN_TRAIN_RATIO

    x = background(16, 10.0, rms_uv=12.0)
    x = add_transients(x, LEFT[2:6], np.arange(0.3, 10.0, 1.0 / 3.0), amp_uv=120.0,
                       width_ms=60.0)  # fmt: skip
    w = classify_window(x, FS, NAMES_1020)
    assert w.rhythm is not None and w.rhythm.train_ratio is not None
    chans = [c for c in LEFT[2:6] if w.rhythm.periodic[c]]
    assert len(chans) >= 3
    assert all(w.rhythm.train_ratio[c] >= MIN_TRAIN_RATIO for c in chans)
    assert w.pattern is not None and w.pattern.rate_hz > 2.5
