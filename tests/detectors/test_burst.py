"""Burst-suppression tracker: exactness across chunkings and accuracy on known signals."""

from __future__ import annotations

import numpy as np
import pytest

from rse_monitor.detectors.burst import (
    DepthClassifier,
    SuppressionTracker,
    classify_depth,
    depth_series,
)
from rse_monitor.pipeline.preprocess import BipolarMontage
from rse_monitor.recordings.synthetic import make_burst_suppression

FS = 256.0


def _run_chunked(x: np.ndarray, size: int, hops_s: np.ndarray) -> tuple[np.ndarray, int]:
    """Push ``x`` in chunks of ``size`` samples; return (3, n_hops) figures and bursts."""
    tracker = SuppressionTracker(FS, x.shape[0])
    n = x.shape[1]
    out = []
    for i in range(0, n, size):
        j = min(n, i + size)
        t0, t1 = i / FS, j / FS
        hops = hops_s[(hops_s > t0 + 1e-9) & (hops_s <= t1 + 1e-9)]
        st = tracker.push(x[:, i:j], t0, hops)
        out.append(np.stack([st.suppression_ratio, st.bursts_per_min, st.ibi_median_s]))
    return np.concatenate(out, axis=1), tracker.n_bursts_total


def _through_montage(rec) -> tuple[np.ndarray, SuppressionTracker]:
    montage = BipolarMontage(rec.ch_names)
    data = montage.push(rec.to_chunk()).data_uv
    return data, SuppressionTracker(FS, data.shape[0])


def _truth(mask: np.ndarray, t_end_s: float) -> float:
    stop = int(np.ceil(t_end_s * FS - 1e-9))
    start = max(0, int(np.ceil((t_end_s - 60.0) * FS - 1e-9)))
    return float(mask[start:stop].mean())


def test_chunked_equals_batch_for_any_chunk_size() -> None:
    rec = make_burst_suppression(24.0, FS, suppression_ratio=0.7, seed=3, artefact_channel="C3")
    x = rec.data_uv.copy()
    x[2, 3000:3300] = np.nan  # a drop-out on one channel
    x[5, 4000:5000] = 0.0  # a disconnected channel for 4 s
    hops = np.arange(1.0, 24.0 + 1e-9, 0.5)
    whole, n_whole = _run_chunked(x, x.shape[1], hops)
    assert whole.shape == (3, hops.size)
    assert np.isfinite(whole[0]).all()
    assert n_whole > 0
    for size in (1, 7, 256):
        part, n_part = _run_chunked(x, size, hops)
        # identical, not merely close: integer moving counts and carried filter state
        assert np.array_equal(part, whole, equal_nan=True), f"chunk size {size}"
        assert n_part == n_whole


@pytest.mark.parametrize(
    ("ratio", "noise"),
    [
        (0.7, dict(floor_rms_uv=1.0, line_noise_uv=5.0, ecg_uv=15.0)),
        (
            0.9,
            dict(
                floor_rms_uv=4.0,
                line_noise_uv=20.0,
                line_noise_hz=60.0,
                ecg_uv=80.0,
                artefact_channel="C3",
            ),
        ),
        (0.6, dict(floor_rms_uv=4.0, line_noise_uv=10.0, ecg_uv=40.0, artefact_channel="O1")),
    ],
)
def test_ratio_bursts_and_depth_on_synthetic_burst_suppression(ratio: float, noise: dict) -> None:
    rec = make_burst_suppression(300.0, FS, suppression_ratio=ratio, seed=11, **noise)
    data, tracker = _through_montage(rec)
    hops = np.arange(1.0, 300.0 + 1e-9, 1.0)
    st = tracker.push(data, 0.0, hops)
    sel = hops >= 60.0
    truth = np.array([_truth(rec.suppressed_mask, t) for t in hops[sel]])
    mae_pp = 100 * np.mean(np.abs(st.suppression_ratio[sel] - truth))
    assert mae_pp <= 3.0, f"MAE {mae_pp:.2f} pp"
    n_true = len(rec.bursts)
    assert abs(tracker.n_bursts_total - n_true) <= 0.1 * n_true
    depth = DepthClassifier()
    labels = {t: depth.update(t, r)[0] for t, r in zip(hops, st.suppression_ratio, strict=True)}
    for minute in (60.0, 120.0, 180.0, 240.0, 300.0):
        assert labels[minute] == classify_depth(_truth(rec.suppressed_mask, minute))


def test_ecg_spikes_are_not_bursts_even_on_every_channel() -> None:
    names = ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2")
    # isoelectric record, 100-µV QRS complexes on all channels, no montage
    rec = make_burst_suppression(
        90.0,
        FS,
        names,
        suppression_ratio=1.0,
        seed=2,
        ecg_uv=100.0,
        ecg_channels=names,
        line_noise_uv=10.0,
    )
    tracker = SuppressionTracker(FS, len(names))
    st = tracker.push(rec.data_uv, 0.0, np.array([30.0, 60.0, 90.0]))
    assert tracker.n_bursts_total == 0
    assert np.all(st.suppression_ratio >= 0.99)
    assert classify_depth(float(st.suppression_ratio[-1])) == "suppression"


def test_continuous_eeg_is_not_suppressed() -> None:
    rec = make_burst_suppression(90.0, FS, suppression_ratio=0.0, seed=4)
    data, tracker = _through_montage(rec)
    st = tracker.push(data, 0.0, np.array([30.0, 60.0, 90.0]))
    assert np.all(st.suppression_ratio <= 0.01)
    assert tracker.n_bursts_total == 0
    assert depth_series(st.suppression_ratio) == ["continuous"] * 3


def test_threshold_is_the_acns_peak_to_peak_amplitude() -> None:
    t = np.arange(int(20 * FS)) / FS
    below = 4.0 * np.sin(2 * np.pi * 8.0 * t)  # 8 µV peak to peak
    above = 6.5 * np.sin(2 * np.pi * 8.0 * t)  # 13 µV peak to peak
    for x, expected in ((below, 1.0), (above, 0.0)):
        tracker = SuppressionTracker(FS, 1)
        st = tracker.push(x[None, :], 0.0, np.array([20.0]))
        assert st.suppression_ratio[0] == pytest.approx(expected, abs=0.02)


def test_bursts_per_minute_and_ibi_on_a_known_schedule() -> None:
    # 1-s bursts of a 10-Hz, 100-µV p-p sine every 4 s; 3-s suppressions of 1-µV noise
    n = int(180 * FS)
    t = np.arange(n) / FS
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, n)) * 1.0
    in_burst = (t % 4.0) < 1.0
    x += np.where(in_burst, 50.0 * np.sin(2 * np.pi * 10.0 * t), 0.0)[None, :]
    tracker = SuppressionTracker(FS, 4)
    st = tracker.push(x, 0.0, np.array([120.0, 180.0]))
    assert st.suppression_ratio == pytest.approx([0.75, 0.75], abs=0.02)
    assert st.bursts_per_min == pytest.approx([15.0, 15.0], abs=1.0)
    assert st.ibi_median_s == pytest.approx([3.0, 3.0], abs=0.1)


def test_flat_or_missing_channels_are_not_judged() -> None:
    x = np.zeros((3, int(70 * FS)))
    tracker = SuppressionTracker(FS, 3)
    st = tracker.push(x, 0.0, np.array([70.0]))
    assert np.isnan(st.suppression_ratio[0])  # nothing alive: unknown, not "isoelectric"
    assert classify_depth(float(st.suppression_ratio[0])) == "unknown"
    # one live channel is enough to judge; a NaN channel is ignored
    rng = np.random.default_rng(1)
    x[0] = rng.standard_normal(x.shape[1])
    x[1] = np.nan
    tracker.reset()
    st = tracker.push(x, 0.0, np.array([70.0]))
    assert st.suppression_ratio[0] == pytest.approx(1.0, abs=0.01)


def test_depth_classifier_holds_before_changing() -> None:
    dc = DepthClassifier(hold_s=10.0)
    assert dc.update(0.0, 0.8) == ("burst_suppression", True)
    for t in range(1, 10):  # a 9-s dip below 0.5 does not change the label
        assert dc.update(float(t), 0.45) == ("burst_suppression", False)
    assert dc.update(10.0, 0.8) == ("burst_suppression", False)
    changes = [dc.update(float(t), 0.995)[1] for t in range(11, 25)]
    assert changes.index(True) == 10  # adopted after 10 s of the new label
    assert dc.depth == "suppression"


def test_input_validation() -> None:
    with pytest.raises(ValueError, match="threshold_uv"):
        SuppressionTracker(FS, 2, threshold_uv=0.0)
    with pytest.raises(ValueError, match="consensus"):
        SuppressionTracker(FS, 2, consensus=1.5)
    with pytest.raises(ValueError, match="band_hz"):
        SuppressionTracker(FS, 2, band_hz=(30.0, 20.0))
    with pytest.raises(TypeError, match="n_channels"):
        SuppressionTracker(FS, 2.5)  # type: ignore[arg-type]
    tracker = SuppressionTracker(FS, 2)
    with pytest.raises(ValueError, match="shape"):
        tracker.push(np.zeros((3, 10)), 0.0, np.array([]))
    with pytest.raises(ValueError, match="good"):
        tracker.push(np.zeros((2, 10)), 0.0, np.array([]), good=np.ones(3, dtype=bool))
    with pytest.raises(ValueError, match="hold_s"):
        DepthClassifier(hold_s=-1.0)


# ------------------------------------------------- the sample-level stage, exactly


@pytest.mark.parametrize("m", [1, 2, 3, 5, 50, 64, 100, 255])
@pytest.mark.parametrize("n", [1, 4, 63, 64, 65, 1000])
def test_moving_count_is_the_trailing_sum(m: int, n: int) -> None:
    from rse_monitor.detectors.burst import _moving_count

    rng = np.random.default_rng(m * 1000 + n)
    flags = (rng.random((3, 4, n)) < 0.6).astype(np.uint8)
    csum = np.concatenate([np.zeros((3, 4, 1), np.int64), np.cumsum(flags, axis=2)], axis=2)
    i = np.arange(n)
    expected = csum[..., i + 1] - csum[..., np.maximum(i + 1 - m, 0)]
    got = _moving_count(flags, m)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, expected)


def _flags_by_definition(
    x: np.ndarray, tracker: SuppressionTracker
) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample "below" and "no live channel" flags straight from the definition
    (module docstring): the whole signal filtered at once, each sample judged on the
    trailing ``n_smooth`` samples (fewer at the start)."""
    from scipy import signal

    nan = ~np.isfinite(x)
    x0 = np.where(nan, 0.0, x)
    zi = signal.sosfilt_zi(tracker._sos)[:, None, :] * x0[None, :, :1]
    mag = np.abs(signal.sosfilt(tracker._sos, x0, axis=-1, zi=zi)[0])
    m, n = tracker._n_smooth, x.shape[1]

    def count(flag: np.ndarray) -> np.ndarray:
        c = np.concatenate([np.zeros((flag.shape[0], 1)), np.cumsum(flag, axis=1)], axis=1)
        i = np.arange(n)
        return c[:, i + 1] - c[:, np.maximum(i + 1 - m, 0)]

    avail = np.minimum(np.arange(1, n + 1), m)
    active = 2 * count(mag > tracker._level_uv) > avail
    alive = (2 * count(mag > tracker._flat_level_uv) > avail) & (count(nan) == 0)
    n_alive = alive.sum(axis=0)
    n_below = (alive & ~active).sum(axis=0)
    return (n_alive > 0) & (n_below >= tracker.consensus * n_alive), n_alive == 0


@pytest.mark.parametrize("size", [1, 7, 63, 64, 65, 3640, 20_000])
def test_sample_flags_follow_the_definition_through_nan_and_flat_stretches(size: int) -> None:
    """NaN entering and leaving the smoothing window, a channel going flat, bursts:
    the flags pushed in chunks of ``size`` are those of the definition, sample by
    sample."""
    rng = np.random.default_rng(size)
    n = 20_000
    t = np.arange(n) / FS
    x = rng.normal(0.0, 1.0, (6, n)) * np.where((t % 5.0) < 2.0, 30.0, 1.5)
    x[2, 3000:3100] = np.nan  # a drop-out on one channel
    x[:, 9000:9010] = np.inf  # on all of them, briefly
    x[4, 12_000:] *= 1e-3  # a channel going flat
    x[5, 500:501] = np.nan  # one sample
    tracker = SuppressionTracker(FS, 6)
    expected_below, expected_dead = _flags_by_definition(x, tracker)
    good = np.ones(6, dtype=bool)
    parts = [tracker._below(x[:, i : i + size], good) for i in range(0, n, size)]
    np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), expected_below)
    np.testing.assert_array_equal(np.concatenate([p[1] for p in parts]), expected_dead)
    assert expected_dead[9000:9010].all() and not expected_dead[1000:2900].any()
