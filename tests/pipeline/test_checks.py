"""Input checks: the value back in checked form, or an error naming argument and value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rse_monitor.pipeline.checks import (
    channel_names,
    count,
    fraction,
    greater_than,
    in_range,
    positive,
)


def test_numbers_come_back_as_floats_or_ints() -> None:
    assert positive("hop_s", np.float32(0.5)) == 0.5
    assert positive("hold_s", 0, allow_zero=True) == 0.0
    assert greater_than("off_ratio", 1.5, 1.0) == 1.5
    assert in_range("consensus", 1.0, 0.0, 1.0, low_open=True) == 1.0
    assert fraction("sr", 0.0) == 0.0
    assert count("n_channels", np.int64(3)) == 3


@pytest.mark.parametrize(
    ("call", "exc", "message"),
    [
        (lambda: positive("hop_s", 0), ValueError, "hop_s must be > 0, got 0"),
        (lambda: positive("hop_s", math.inf), ValueError, "hop_s must be finite"),
        (lambda: positive("hop_s", "1"), TypeError, "hop_s must be a number"),
        (lambda: positive("hop_s", True), TypeError, "hop_s must be a number"),
        (lambda: greater_than("off_ratio", 1.0, 1.0), ValueError, "off_ratio must be > 1, got 1.0"),
        (lambda: greater_than("off_ratio", math.nan, 1.0), ValueError, "off_ratio must be finite"),
        (lambda: in_range("consensus", 0.0, 0.0, 1.0, low_open=True), ValueError, r"\(0, 1\]"),
        (lambda: count("n_channels", 2.5), TypeError, "n_channels must be an int"),
        (lambda: count("n_channels", 0), ValueError, "n_channels must be >= 1"),
        (lambda: channel_names("ch_names", []), ValueError, "ch_names must name at least one"),
        (lambda: channel_names("ch_names", ["a", "a"]), ValueError, "repeated channel name"),
    ],
)
def test_errors_name_the_argument_and_the_value(call, exc, message) -> None:  # noqa: ANN001
    with pytest.raises(exc, match=message):
        call()
