"""The one unit table: EDF physical dimensions and LSL channel units give the same µV."""

from __future__ import annotations

import pytest

from rse_monitor.pipeline.units import UNIT_TO_UV, unit_scale_to_uv


@pytest.mark.parametrize(
    ("unit", "factor"),
    [("uV", 1.0), ("µV", 1.0), ("μV", 1.0), ("mV", 1e3), ("V", 1e6), ("nV", 1e-3),
     ("  uV ", 1.0), ("u V", 1.0), ("microvolts", 1.0), ("MicroVolt", 1.0), ("uvolts", 1.0),
     ("millivolts", 1e3), ("volt", 1e6), ("nanovolts", 1e-3)],
)  # fmt: skip
def test_voltage_units(unit: str, factor: float) -> None:
    assert unit_scale_to_uv(unit) == factor


@pytest.mark.parametrize("unit", [None, "", "counts", "%", "a.u.", "bpm", "mmHg", "kV", "uA"])
def test_other_units_are_not_voltages(unit: str | None) -> None:
    assert unit_scale_to_uv(unit) is None


def test_every_symbol_in_the_table_is_found_in_any_case() -> None:
    for symbol, factor in UNIT_TO_UV.items():
        assert unit_scale_to_uv(symbol.upper()) == factor
