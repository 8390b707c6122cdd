"""Main term 1 from a small group: one derivation more on one side is not a side."""

from __future__ import annotations

import numpy as np

from rse_monitor.detectors.acns.terms import _side

SIDES = ["L", "L", "L", "R", "R", "R", "Z"]


def test_two_against_one_channel_of_equal_amplitude_is_generalized() -> None:
    """A rhythm on two right and one left derivation, equal amplitudes: bilateral and
    symmetric in amplitude (ACNS: G, "even if it has a restricted field")."""
    amp = np.full(len(SIDES), 50.0)
    side, reasons = _side(np.array([0, 3, 4]), amp, SIDES)
    assert side == "G", reasons


def test_three_against_one_channel_is_lateralized() -> None:
    """Three right derivations against one left, equal amplitudes: mostly one side."""
    amp = np.full(len(SIDES), 50.0)
    side, _ = _side(np.array([0, 3, 4, 5]), amp, SIDES)
    assert side == "R"


def test_an_amplitude_twice_the_other_side_is_lateralized_whatever_the_counts() -> None:
    amp = np.array([100.0, 100.0, 100.0, 40.0, 40.0, 40.0, 50.0])
    side, _ = _side(np.array([0, 3, 4]), amp, SIDES)
    assert side == "L"
