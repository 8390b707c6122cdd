"""A rhythm confined to the frontopolar electrodes is ocular, not an ACNS pattern."""

from __future__ import annotations

import numpy as np
import pytest

from rse_monitor.detectors.acns import classify_window
from tests.detectors.test_acns import FS, background

#: the longitudinal bipolar ("double banana") derivations
BANANA = (
    "FP1-F7", "F7-T7", "T7-P7", "P7-O1", "FP2-F8", "F8-T8", "T8-P8", "P8-O2",
    "FP1-F3", "F3-C3", "C3-P3", "P3-O1", "FP2-F4", "F4-C4", "C4-P4", "P4-O2",
    "FZ-CZ", "CZ-PZ",
)  # fmt: skip


def with_delta(channels: list[str], hz: float = 0.9, amp_uv: float = 80.0) -> np.ndarray:
    x = background(21, 10.0, rms_uv=12.0, n_ch=len(BANANA))
    t = np.arange(x.shape[1]) / FS
    for name in channels:
        x[BANANA.index(name)] += amp_uv * np.sin(2 * np.pi * hz * t)
    return x


def test_delta_on_the_frontopolar_derivations_alone_is_not_grda() -> None:
    """Slow delta on FP1-F7, FP2-F8, FP1-F3 and FP2-F4 only (the field of eye
    movements): no pattern, and the reason says why."""
    frontopolar = ["FP1-F7", "FP2-F8", "FP1-F3", "FP2-F4"]
    w = classify_window(with_delta(frontopolar), FS, BANANA)
    assert w.pattern is None, w.pattern
    assert "n_groups_ocular" in [r.code for r in w.reasons]


def test_the_same_delta_reaching_the_frontal_derivations_is_grda() -> None:
    """The same rhythm also on F3-C3, F4-C4 and FZ-CZ (a frontally predominant field)
    is GRDA at its frequency."""
    chans = ["FP1-F7", "FP2-F8", "FP1-F3", "FP2-F4", "F3-C3", "F4-C4", "FZ-CZ"]
    w = classify_window(with_delta(chans), FS, BANANA)
    assert w.pattern is not None and w.pattern.term.startswith("GRDA"), w.reasons
    assert w.pattern.frequency_hz == pytest.approx(0.9, abs=0.25)
    assert "n_groups_ocular" not in [r.code for r in w.reasons]
