"""Tests of the synthetic EEG generator: the truth it claims must hold in the signal."""

from __future__ import annotations

import inspect
import tracemalloc

import numpy as np
import pytest
from scipy.signal import find_peaks, welch

from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.recordings.synthetic import (
    DEFAULT_CHANNELS_19,
    SyntheticRecording,
    add_artefacts,
    background,
    burst_suppression_schedule,
    iter_chunks,
    make_burst_suppression,
    make_seizure_recording,
    stream_background_chunks,
)

FS = 256.0
CH = DEFAULT_CHANNELS_19


def _line_length(x: np.ndarray) -> float:
    """Mean absolute first difference (Esteller 2001), µV per sample."""
    return float(np.mean(np.abs(np.diff(x, axis=-1))))


def _seg(x: np.ndarray, start_s: float, stop_s: float) -> np.ndarray:
    return x[..., int(start_s * FS) : int(stop_s * FS)]


@pytest.fixture(scope="module")
def bg() -> np.ndarray:
    return background(300.0, FS, CH, amplitude_uv=30.0, seed=11)


@pytest.fixture(scope="module")
def seizure_rec() -> SyntheticRecording:
    return make_seizure_recording(seed=3)


@pytest.fixture(scope="module")
def bs_recs() -> dict[float, SyntheticRecording]:
    return {r: make_burst_suppression(suppression_ratio=r, seed=7) for r in (0.3, 0.5, 0.7, 0.9)}


# ----------------------------------------------------------------------------- basics


def test_default_channels() -> None:
    assert len(CH) == 19 and len(set(CH)) == 19
    assert CH[0] == "Fp1" and CH[-1] == "O2" and "Cz" in CH


def test_shapes_dtypes_and_units() -> None:
    names = ("Fp1", "Cz", "O2", "X1")  # one name without a known position
    x = background(10.0, 200.0, names, amplitude_uv=20.0, seed=0)
    assert x.shape == (4, 2000) and x.dtype == np.float64
    np.testing.assert_allclose(x.std(axis=1), 20.0, rtol=1e-6)
    sz = make_seizure_recording(60.0, 200.0, names, seizures=((20.0, 40.0),), seed=0)
    bs = make_burst_suppression(60.0, 200.0, names, seed=0, ecg_channels=("Cz",))
    for rec in (sz, bs):
        assert rec.data_uv.shape == (4, 12000) and rec.data_uv.dtype == np.float64
        assert rec.ch_names == names and rec.sfreq_hz == 200.0
        assert np.all(np.isfinite(rec.data_uv))
        assert rec.suppressed_mask is not None and rec.suppressed_mask.shape == (12000,)
    assert sz.seizures == [(20.0, 40.0)]


def test_deterministic_given_seed() -> None:
    a = make_burst_suppression(60.0, seed=4)
    b = make_burst_suppression(60.0, seed=4)
    c = make_burst_suppression(60.0, seed=5)
    np.testing.assert_array_equal(a.data_uv, b.data_uv)
    assert a.bursts == b.bursts
    assert not np.allclose(a.data_uv, c.data_uv)
    np.testing.assert_array_equal(background(5.0, seed=9), background(5.0, seed=9))
    g1 = background(5.0, seed=np.random.default_rng(1))
    g2 = background(5.0, seed=np.random.default_rng(1))
    np.testing.assert_array_equal(g1, g2)
    s1 = make_seizure_recording(60.0, seizures=((20, 40),), seed=2)
    s2 = make_seizure_recording(60.0, seizures=((20, 40),), seed=2)
    np.testing.assert_array_equal(s1.data_uv, s2.data_uv)


# ----------------------------------------------------------------------------- background


def test_background_spectrum_slope_and_alpha(bg: np.ndarray) -> None:
    f, psd = welch(bg, fs=FS, nperseg=1024, axis=-1)
    fit = (f >= 2) & (f <= 30)
    slopes = np.array([np.polyfit(np.log(f[fit]), np.log(p[fit]), 1)[0] for p in psd])
    assert np.all((slopes > -2.5) & (slopes < -0.5)), slopes

    # Alpha peak: 8-12 Hz power above the power law fitted outside 7-13 Hz.
    out = fit & ~((f >= 7) & (f <= 13))
    alpha = (f >= 8) & (f <= 12)

    def alpha_excess(ch: str) -> float:
        p = psd[CH.index(ch)]
        coef = np.polyfit(np.log(f[out]), np.log(p[out]), 1)
        return float(np.mean(p[alpha] / np.exp(np.polyval(coef, np.log(f[alpha])))))

    for ch in ("O1", "O2"):
        assert alpha_excess(ch) > 3.0
        # Spectral peak between 8 and 12 Hz when looking above 5 Hz.
        above = f >= 5
        assert 8.0 <= f[above][np.argmax(psd[CH.index(ch)][above])] <= 12.0
    assert alpha_excess("Fp1") < 0.5 * alpha_excess("O1")


def test_background_neighbours_coherent_not_identical(bg: np.ndarray) -> None:
    r = np.corrcoef(bg)
    i = CH.index
    assert r[i("C3"), i("Cz")] > r[i("Fp1"), i("O2")] + 0.15
    assert r[i("C3"), i("Cz")] > 0.4
    off_diag = r[~np.eye(19, dtype=bool)]
    assert off_diag.max() < 0.9  # no two channels are copies
    assert off_diag.min() > 0.0  # the shared component


# ----------------------------------------------------------------------------- seizures


def test_seizure_line_length_and_frequency(seizure_rec: SyntheticRecording) -> None:
    x = seizure_rec.data_uv
    onset, offset = seizure_rec.seizures[0]
    assert (onset, offset) == (300.0, 360.0)
    ictal, inter = _seg(x, onset, offset), _seg(x, 100.0, 160.0)
    assert _line_length(ictal) >= 2.0 * _line_length(inter)
    f, psd = welch(ictal, fs=FS, nperseg=1024, axis=-1)
    dominant_hz = f[np.argmax(psd.mean(axis=0))]
    assert 2.5 <= dominant_hz <= 7.0
    # Evolution: the rhythm slows from the first to the last third.
    f1, p1 = welch(_seg(x, onset + 2, onset + 20), fs=FS, nperseg=1024, axis=-1)
    f3, p3 = welch(_seg(x, offset - 20, offset - 2), fs=FS, nperseg=1024, axis=-1)
    band = (f1 >= 2) & (f1 <= 8)
    early_hz = f1[band][np.argmax(p1.mean(axis=0)[band])]
    late_hz = f3[band][np.argmax(p3.mean(axis=0)[band])]
    assert early_hz > late_hz + 1.0
    # Amplitude grows: late ictal RMS 3-6x the background RMS.
    assert 3.0 <= _seg(x, offset - 20, offset - 2).std() / inter.std() <= 6.5
    # Post-ictal attenuation, then recovery.
    assert _seg(x, offset + 0.5, offset + 10).std() < 0.85 * inter.std()
    assert _seg(x, offset + 100, offset + 160).std() > 0.9 * inter.std()
    assert seizure_rec.suppressed_mask is not None and not seizure_rec.suppressed_mask.any()


def test_focal_seizure_spreads_from_focus() -> None:
    rec = make_seizure_recording(
        240.0, seizures=((100.0, 160.0),), focal_channels=("T3", "F7"), seed=1
    )
    x = rec.data_uv

    def ratio(ch: str, start: float, stop: float) -> float:
        row = x[CH.index(ch)]
        return _line_length(_seg(row, start, stop)) / _line_length(_seg(row, 20.0, 80.0))

    assert ratio("T3", 100, 160) >= 2.0 and ratio("F7", 100, 160) >= 2.0
    assert ratio("T4", 100, 160) < 1.3 and ratio("O2", 100, 160) < 1.3
    # Spread: a neighbour is recruited more at the end than at the start.
    assert ratio("C3", 140, 158) > ratio("C3", 102, 120) + 0.2


def test_seizure_validation() -> None:
    with pytest.raises(ValueError, match="overlap"):
        make_seizure_recording(100.0, seizures=((10, 40), (30, 50)))
    with pytest.raises(ValueError, match="seizure"):
        make_seizure_recording(100.0, seizures=((90, 120),))
    with pytest.raises(ValueError, match="focal_channels"):
        make_seizure_recording(100.0, seizures=((10, 40),), focal_channels=("Q9",))
    with pytest.raises(ValueError, match="line_noise_hz"):
        make_seizure_recording(100.0, 100.0, seizures=((10, 40),), line_noise_hz=60.0)


# ----------------------------------------------------------------------------- burst suppression


@pytest.mark.parametrize("ratio", [0.3, 0.5, 0.7, 0.9])
def test_burst_suppression_truth_ratio(
    bs_recs: dict[float, SyntheticRecording], ratio: float
) -> None:
    rec = bs_recs[ratio]
    mask = rec.suppressed_mask
    assert mask is not None
    assert abs(mask.mean() - ratio) <= 0.01
    # Every trailing 60-s window (1-s steps) is near the target.
    windows = np.array([rec.suppression_ratio_truth(t) for t in np.arange(60.0, 600.0 + 1, 1.0)])
    assert np.all(np.abs(windows - ratio) <= 0.15), (windows.min(), windows.max())
    # suppression_ratio_truth agrees with the mask.
    assert rec.suppression_ratio_truth(120.0) == pytest.approx(mask[60 * 256 : 120 * 256].mean())
    # The mask is exactly the complement of the bursts.
    in_burst = np.zeros(rec.n_samples, dtype=bool)
    for start_s, end_s in rec.bursts:
        in_burst[round(start_s * FS) : round(end_s * FS)] = True
    np.testing.assert_array_equal(mask, ~in_burst)
    # Interior suppressions last at least 0.5 s; bursts at least 0.5 s.
    starts = np.array([b[0] for b in rec.bursts])
    ends = np.array([b[1] for b in rec.bursts])
    assert np.all(starts[1:] - ends[:-1] >= 0.5 - 1.5 / FS)
    assert np.all(ends - starts >= 0.5 - 1.5 / FS)


def test_burst_suppression_amplitudes(bs_recs: dict[float, SyntheticRecording]) -> None:
    rec = make_burst_suppression(
        300.0, suppression_ratio=0.7, seed=7, line_noise_uv=0.0, ecg_uv=0.0
    )
    x = rec.data_uv
    mask = rec.suppressed_mask
    assert mask is not None
    floor_rms = x[:, mask].std()
    assert 1.8 <= floor_rms <= 2.2
    # Mid-burst activity (away from ramps) is high amplitude on every channel at once.
    mid = np.zeros(rec.n_samples, dtype=bool)
    for start_s, end_s in rec.bursts:
        mid[round((start_s + 0.2) * FS) : round((end_s - 0.2) * FS)] = True
    burst_rms = x[:, mid].std(axis=1)
    assert np.all(burst_rms >= 20.0) and np.all(burst_rms <= 80.0)
    peak = np.max(np.abs(x[:, mid]), axis=1)
    assert np.all(peak >= 50.0)


def test_burst_suppression_extremes() -> None:
    iso = make_burst_suppression(120.0, suppression_ratio=1.0, seed=1, line_noise_uv=0, ecg_uv=0)
    assert iso.suppressed_mask is not None and iso.suppressed_mask.all() and iso.bursts == []
    assert 1.9 <= iso.data_uv.std() <= 2.1
    cont = make_burst_suppression(120.0, suppression_ratio=0.0, seed=1, line_noise_uv=0, ecg_uv=0)
    assert cont.suppressed_mask is not None and not cont.suppressed_mask.any()
    assert cont.bursts == []
    assert np.all(cont.data_uv.std(axis=1) > 25.0)  # continuous 30 µV background + floor
    assert cont.suppression_ratio_truth(120.0) == 0.0
    assert iso.suppression_ratio_truth(60.0) == 1.0


def test_ecg_only_on_ecg_channels() -> None:
    kwargs = dict(duration_s=120.0, suppression_ratio=1.0, seed=2, line_noise_uv=0.0)
    with_ecg = make_burst_suppression(**kwargs, ecg_uv=15.0, floor_rms_uv=1.0)  # type: ignore[arg-type]
    without = make_burst_suppression(**kwargs, ecg_uv=0.0, floor_rms_uv=1.0)  # type: ignore[arg-type]
    diff = with_ecg.data_uv - without.data_uv
    ecg_rows = [CH.index(c) for c in ("T3", "T4", "T5", "T6")]
    other = np.setdiff1d(np.arange(19), ecg_rows)
    assert np.all(diff[other] == 0.0)
    np.testing.assert_allclose(np.abs(diff[ecg_rows]).max(axis=1), 15.0, rtol=1e-9)
    # R peaks: QRS-narrow and at 70-80 bpm, found on the ECG channels only.
    for row in range(19):
        peaks, props = find_peaks(with_ecg.data_uv[row], height=8.0, distance=int(0.3 * FS))
        if row in ecg_rows:
            rate_bpm = len(peaks) / 120.0 * 60.0
            assert 68.0 <= rate_bpm <= 82.0
        else:
            assert len(peaks) == 0
    clean = diff[ecg_rows[0]]
    peaks, _ = find_peaks(clean, height=10.0)
    above_half = np.count_nonzero(clean[peaks[0] - 10 : peaks[0] + 10] > 7.5) / FS * 1000.0
    assert 4.0 <= above_half <= 20.0  # R wave width at half height, ms


def test_line_noise_component() -> None:
    a = make_burst_suppression(30.0, seed=3, line_noise_uv=5.0, ecg_uv=0.0)
    b = make_burst_suppression(30.0, seed=3, line_noise_uv=0.0, ecg_uv=0.0)
    line = a.data_uv - b.data_uv
    np.testing.assert_allclose(np.abs(line).max(axis=1), 5.0, rtol=1e-3)
    f, psd = welch(line, fs=FS, nperseg=512, axis=-1)
    assert np.all(f[np.argmax(psd, axis=1)] == 50.0)


def test_artefact_channel_only() -> None:
    a = make_burst_suppression(60.0, seed=3, artefact_channel="Fp1")
    b = make_burst_suppression(60.0, seed=3)
    diff = a.data_uv - b.data_uv
    assert np.abs(diff[0]).max() > 100.0
    assert np.all(diff[1:] == 0.0)
    assert a.artefacts == [(0.0, 60.0, "electrode_pop")] and a.artefact_channels == [("Fp1",)]


def test_burst_suppression_validation() -> None:
    with pytest.raises(ValueError, match="suppression_ratio"):
        make_burst_suppression(60.0, suppression_ratio=1.5)
    with pytest.raises(ValueError, match="ecg_channels"):
        make_burst_suppression(60.0, ecg_channels=("T7",))
    with pytest.raises(ValueError, match="duration_s"):
        make_burst_suppression(-1.0)
    with pytest.raises(TypeError, match="seed"):
        make_burst_suppression(60.0, seed=True)
    with pytest.raises(ValueError, match="artefact_channel"):
        make_burst_suppression(60.0, artefact_channel="nope")


def test_schedule_is_exact_for_many_seeds() -> None:
    n = int(600 * FS)
    for seed in range(10):
        for ratio in (0.1, 0.5, 0.95):
            starts, ends = burst_suppression_schedule(n, FS, ratio, seed)
            suppressed = n - int(np.sum(ends - starts))
            assert abs(suppressed / n - ratio) <= 0.01
            assert np.all(starts[1:] >= ends[:-1])


# ----------------------------------------------------------------------------- artefacts


def test_add_artefacts_kinds() -> None:
    base = make_burst_suppression(60.0, suppression_ratio=0.5, seed=1)
    original = base.data_uv.copy()
    seg = slice(int(10 * FS), int(15 * FS))
    outside = np.ones(base.n_samples, dtype=bool)
    outside[seg] = False

    flat = add_artefacts(base, "flat", 10.0, 5.0, channels=("Cz",))
    assert np.all(flat.data_uv[CH.index("Cz"), seg] == 0.0)
    np.testing.assert_array_equal(
        np.delete(flat.data_uv, CH.index("Cz"), 0), np.delete(original, CH.index("Cz"), 0)
    )
    assert flat.artefacts[-1] == (10.0, 15.0, "flat") and flat.artefact_channels[-1] == ("Cz",)

    nan = add_artefacts(base, "nan", 10.0, 5.0)
    assert np.all(np.isnan(nan.data_uv[:, seg])) and not np.isnan(nan.data_uv[:, outside]).any()

    clip = add_artefacts(base, "clip", 10.0, 5.0, channels=("O1", "O2"), amplitude_uv=200.0)
    rows = clip.data_uv[[CH.index("O1"), CH.index("O2")], seg]
    assert np.abs(rows).max() <= 200.0
    assert np.all(np.mean(np.abs(rows) == 200.0, axis=1) > 0.3)  # plateaus at the rail

    move = add_artefacts(base, "movement", 10.0, 5.0)
    added = move.data_uv[:, seg] - original[:, seg]
    assert np.all(added.std(axis=1) > 50.0)  # every channel at once
    assert np.corrcoef(added).min() > 0.3  # common origin

    pop = add_artefacts(base, "electrode_pop", 10.0, 5.0, channels=("F3",), seed=2)
    d = pop.data_uv - original
    assert np.abs(d[CH.index("F3"), seg]).max() >= 100.0
    assert np.count_nonzero(d) == np.count_nonzero(d[CH.index("F3"), seg])

    # The input was not modified and artefacts accumulate.
    np.testing.assert_array_equal(base.data_uv, original)
    assert base.artefacts == []
    both = add_artefacts(flat, "nan", 20.0, 1.0)
    assert [a[2] for a in both.artefacts] == ["flat", "nan"]

    with pytest.raises(ValueError, match="kind"):
        add_artefacts(base, "sparkle", 1.0, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ends after"):
        add_artefacts(base, "flat", 59.0, 5.0)
    with pytest.raises(ValueError, match="channels"):
        add_artefacts(base, "flat", 1.0, 1.0, channels=("Zz",))


# ----------------------------------------------------------------------------- chunks


def test_to_chunk_and_truth_window() -> None:
    rec = make_burst_suppression(90.0, seed=1)
    chunk = rec.to_chunk()
    assert isinstance(chunk, Chunk) and chunk.t0_s == 0.0 and chunk.sfreq_hz == FS
    np.testing.assert_array_equal(chunk.data_uv, rec.data_uv)
    assert chunk.ch_names == rec.ch_names
    mask = rec.suppressed_mask
    assert mask is not None
    # Windows shorter than 60 s at the start are clipped at 0.
    assert rec.suppression_ratio_truth(30.0) == pytest.approx(mask[: 30 * 256].mean())
    assert rec.suppression_ratio_truth(90.0, window_s=10.0) == pytest.approx(
        mask[80 * 256 :].mean()
    )
    with pytest.raises(ValueError, match="t_end_s"):
        rec.suppression_ratio_truth(91.0)
    with pytest.raises(ValueError, match="no suppression truth"):
        SyntheticRecording(rec.data_uv, FS, rec.ch_names).suppression_ratio_truth(60.0)


def test_iter_chunks_concatenates_back() -> None:
    rec = make_burst_suppression(20.0, seed=1)
    fixed = list(iter_chunks(rec, 0.7))
    assert all(c.n_samples == round(0.7 * FS) for c in fixed[:-1])
    np.testing.assert_array_equal(np.concatenate([c.data_uv for c in fixed], axis=1), rec.data_uv)
    np.testing.assert_allclose(
        [c.t0_s for c in fixed], np.arange(len(fixed)) * round(0.7 * FS) / FS
    )
    masks = np.concatenate([c.meta["suppressed_mask"] for c in fixed])
    np.testing.assert_array_equal(masks, rec.suppressed_mask)

    random_sizes = list(iter_chunks(rec, 0.05, sizes_seed=3))
    sizes = [c.n_samples for c in random_sizes]
    assert min(sizes) == 1 and len(set(sizes)) > 5
    np.testing.assert_array_equal(
        np.concatenate([c.data_uv for c in random_sizes], axis=1), rec.data_uv
    )

    # Re-cutting a stream of chunks keeps samples, times and gaps.
    pieces = rec.to_chunk().split(1000)
    shifted = [
        Chunk(p.data_uv, p.t0_s + 5.0, FS, rec.ch_names, gap_before=(k == 3))
        for k, p in enumerate(pieces[3:6], start=3)
    ]
    gap = shifted[0]
    stream = [*pieces[:3], *shifted]
    out = list(iter_chunks(iter(stream), 1.0))
    assert sum(c.n_samples for c in out) == sum(c.n_samples for c in stream)
    assert [c.gap_before for c in out].count(True) == 1
    k_gap = next(k for k, c in enumerate(out) if c.gap_before)
    assert out[k_gap].t0_s == pytest.approx(gap.t0_s)
    assert out[k_gap - 1].t_end_s == pytest.approx(pieces[2].t_end_s)  # flushed before the gap
    assert out[-1].t_end_s == pytest.approx(pieces[5].t_end_s + 5.0)
    with pytest.raises(ValueError, match="chunk_s"):
        list(iter_chunks(rec, 0.0))


def _concat(chunks: list[Chunk]) -> np.ndarray:
    return np.concatenate([c.data_uv for c in chunks], axis=1)


def test_stream_is_independent_of_chunk_size() -> None:
    a = list(stream_background_chunks(120.0, chunk_s=1.0, seed=5))
    b = list(stream_background_chunks(120.0, chunk_s=7.3, seed=5))
    one = list(stream_background_chunks(2.0, chunk_s=1.0 / FS, seed=5))
    np.testing.assert_array_equal(_concat(a), _concat(b))
    np.testing.assert_array_equal(_concat(one), _concat(a)[:, : int(2 * FS)])
    assert a[0].ch_names == DEFAULT_CHANNELS_19 and a[0].data_uv.dtype == np.float64
    np.testing.assert_allclose([c.t0_s for c in b], np.arange(len(b)) * round(7.3 * FS) / FS)
    assert sum(c.n_samples for c in b) == int(120 * FS)
    x = _concat(a)
    assert 25.0 <= x.std() <= 35.0
    f, psd = welch(x, fs=FS, nperseg=1024, axis=-1)
    fit = (f >= 2) & (f <= 30)
    slope = np.polyfit(np.log(f[fit]), np.log(psd.mean(axis=0)[fit]), 1)[0]
    assert -2.5 < slope < -0.5
    # A different seed is a different signal; other channel counts get generic names.
    assert not np.allclose(
        _concat(list(stream_background_chunks(10.0, seed=6))), x[:, : int(10 * FS)]
    )
    c8 = next(stream_background_chunks(10.0, n_channels=8))
    assert c8.data_uv.shape == (8, int(10 * FS)) and c8.ch_names[0] == "EEG001"


def test_stream_with_epochs_and_line_noise() -> None:
    kwargs = dict(seed=2, line_noise_uv=5.0, suppression_epochs=[(20.0, 260.0, 0.7)])
    a = list(stream_background_chunks(300.0, chunk_s=1.0, **kwargs))  # type: ignore[arg-type]
    b = list(stream_background_chunks(300.0, chunk_s=0.37, **kwargs))  # type: ignore[arg-type]
    np.testing.assert_allclose(_concat(a), _concat(b), rtol=0, atol=1e-9)
    mask = np.concatenate([c.meta["suppressed_mask"] for c in a])
    np.testing.assert_array_equal(mask, np.concatenate([c.meta["suppressed_mask"] for c in b]))
    inside = mask[int(20 * FS) : int(260 * FS)]
    assert abs(inside.mean() - 0.7) <= 0.01
    assert not mask[: int(20 * FS)].any() and not mask[int(260 * FS) :].any()
    x = _concat(a)
    assert x[:, : int(20 * FS)].std() > 20.0
    # Suppressed samples: floor (2 µV) + line noise (5 µV amplitude, 3.5 µV RMS).
    assert x[:, np.flatnonzero(mask)].std() < 5.0


def test_stream_is_lazy_and_memory_bounded() -> None:
    gen = stream_background_chunks(2 * 3600.0, chunk_s=10.0, seed=1)
    assert inspect.isgenerator(gen) or hasattr(gen, "__next__")
    full_bytes = 19 * int(2 * 3600 * FS) * 8  # 280 MB if held at once
    tracemalloc.start()
    try:
        n = 0
        for chunk in gen:
            n += chunk.n_samples
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == int(2 * 3600 * FS)
    assert peak < 64e6 < full_bytes / 4
