"""Raw EEG review's signal functions: montages, the zero-phase display filter, min/max
decimation, on signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from rse_monitor.pipeline.display import apply_montage, display_filter, minmax_decimate, pad_s
from rse_monitor.pipeline.preprocess import BipolarMontage

FS = 256.0
NAMES = ("Fp1", "F7", "T3", "T5", "O1", "Fp2", "F8", "T4", "T6", "O2",
         "F3", "C3", "P3", "F4", "C4", "P4", "Fz", "Cz", "Pz")  # fmt: skip


def _sines(amps_uv: np.ndarray, f_hz: float = 10.0, dur_s: float = 20.0) -> np.ndarray:
    t = np.arange(int(dur_s * FS)) / FS
    return amps_uv[:, None] * np.sin(2 * np.pi * f_hz * t)[None, :]


def test_montages_name_their_channels_as_the_engine_does() -> None:
    data = _sines(np.arange(1.0, 20.0))
    bip, names, kind = apply_montage(data, NAMES, "bipolar")
    assert kind == "double_banana" and names == BipolarMontage(NAMES).ch_names
    assert names[0] == "FP1-F7" and len(names) == 18
    np.testing.assert_allclose(bip[0], data[0] - data[1])
    ref, names, kind = apply_montage(data, NAMES, "referential")
    assert kind == "as_recorded" and names == NAMES and ref is data
    avg, names, kind = apply_montage(data, NAMES, "average")
    assert kind == "average" and names[0] == "Fp1-AVG"
    np.testing.assert_allclose(avg.sum(axis=0), 0.0, atol=1e-9)


def test_bipolar_falls_back_to_as_recorded_like_the_engine() -> None:
    data = _sines(np.ones(3))
    out, names, kind = apply_montage(data, ("A", "B", "C"), "bipolar")
    assert kind == "as_recorded" and names == ("A", "B", "C")


def test_average_leaves_nan_samples_out_of_the_mean() -> None:
    data = np.array([[1.0, 1.0], [3.0, np.nan], [5.0, 5.0]])
    out, _, _ = apply_montage(data, ("A", "B", "C"), "average")
    np.testing.assert_allclose(out[:, 0], [-2.0, 0.0, 2.0])
    assert out[0, 1] == -2.0 and np.isnan(out[1, 1]) and out[2, 1] == 2.0


def test_unknown_montage_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="montage must be one of"):
        apply_montage(np.zeros((2, 4)), ("A", "B"), "laplacian")  # type: ignore[arg-type]


def test_display_filter_keeps_a_10_hz_sine_in_place_and_removes_mains_and_dc() -> None:
    x = _sines(np.array([50.0]), 10.0) + _sines(np.array([30.0]), 50.0) + 800.0
    y = display_filter(x, FS, 0.5, 45.0, 50.0)
    mid = slice(int(5 * FS), int(15 * FS))  # away from the edges
    ref = _sines(np.array([50.0]), 10.0)[:, mid]
    # zero phase: the sine comes out where it went in, amplitude within 1 %
    np.testing.assert_allclose(y[:, mid], ref, atol=0.5)
    assert pad_s(0.5) == 6.0 and pad_s(5.0) == 2.0


def test_minmax_decimation_keeps_a_one_sample_spike() -> None:
    x = np.zeros((2, 10_000))
    x[0, 4321] = 250.0
    x[1, 777] = -90.0
    y, k = minmax_decimate(x, 1000)
    assert y.shape[1] <= 1000 and k == 20
    assert y[0].max() == 250.0 and y[1].min() == -90.0
    # plain decimation by the same factor would have lost both
    assert x[0, ::k].max() == 0.0 and x[1, ::k].min() == 0.0
    same, k1 = minmax_decimate(x[:, :500], 1000)
    assert k1 == 1 and same.shape == (2, 500)


def test_minmax_decimation_keeps_the_order_of_extremes_and_nan_buckets() -> None:
    x = np.array([[0.0, 5.0, -5.0, 0.0, np.nan, np.nan, 1.0, 2.0]])
    y, k = minmax_decimate(x, 4)
    assert k == 4
    np.testing.assert_array_equal(y[0, :2], [5.0, -5.0])  # max came first
    np.testing.assert_array_equal(y[0, 2:], [1.0, 2.0])
    y2, _ = minmax_decimate(np.array([[1.0, 2.0, np.nan, np.nan, np.nan, np.nan]]), 4)
    assert np.isnan(y2[0, 2:]).all()
