"""Feature functions on signals whose answers are known in closed form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from rse_monitor.pipeline import features as F

FS = 256.0


def sine(amp: float, freq_hz: float, duration_s: float = 10.0, fs: float = FS) -> np.ndarray:
    return amp * np.sin(2 * np.pi * freq_hz * np.arange(int(duration_s * fs)) / fs + 0.3)


# ------------------------------------------------------------ line length, RMS


@pytest.mark.parametrize(("amp", "freq_hz"), [(10.0, 5.0), (50.0, 2.0), (3.0, 17.0), (80.0, 0.7)])
def test_line_length_of_a_sine_is_4_a_f(amp: float, freq_hz: float) -> None:
    # over whole periods the curve length of A·sin(2πft) is 4·A per period
    x = sine(amp, freq_hz, duration_s=10.0)
    assert F.line_length(x, FS) == pytest.approx(4 * amp * freq_hz, rel=0.01)


def test_line_length_shapes_and_scaling() -> None:
    x = np.stack([sine(10, 5), sine(20, 5), sine(10, 10)])
    ll = F.line_length(x, FS)
    assert ll.shape == (3,)
    assert ll[1] == pytest.approx(2 * ll[0]) and ll[2] == pytest.approx(2 * ll[0], rel=0.01)
    assert F.line_length(x[None], FS).shape == (1, 3)
    with pytest.raises(ValueError, match="at least 2"):
        F.line_length(np.zeros(1), FS)


@pytest.mark.parametrize("amp", [1.0, 7.5, 100.0])
def test_rms_of_a_sine_is_a_over_root_2(amp: float) -> None:
    assert F.rms(sine(amp, 6.0)) == pytest.approx(amp / np.sqrt(2), rel=1e-3)


# ------------------------------------------------------------ band powers


@pytest.mark.parametrize(
    ("freq_hz", "band"),
    [(2.0, "delta"), (6.0, "theta"), (10.0, "alpha"), (10.5, "alpha"), (20.0, "beta")],
)
def test_band_power_of_a_sine_is_a2_over_2_in_its_band(freq_hz: float, band: str) -> None:
    amp = 12.0
    bp = dict(zip(F.BANDS_HZ, F.band_powers(sine(amp, freq_hz), FS), strict=True))
    assert bp[band] == pytest.approx(amp**2 / 2, rel=0.01)
    for other, value in bp.items():
        if other != band:
            assert value < 0.005 * amp**2 / 2


def test_band_powers_shape_follows_input() -> None:
    x = np.stack([sine(10, 3), sine(10, 9)])[None]  # (1, 2, n)
    bp = F.band_powers(x, FS)
    assert bp.shape == (4, 1, 2)


def test_segment_spectra_gives_the_welch_psd() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2048)) * 10 + 5
    freqs, spec = F.segment_spectra(x, FS, seg_s=1.0)
    f_ref, p_ref = signal.welch(x, FS, nperseg=256, noverlap=128, axis=-1)
    assert np.allclose(freqs, f_ref)
    assert np.allclose((np.abs(spec) ** 2).mean(axis=-2), p_ref, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------ coherence


def test_identical_channels_have_coherence_one() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(2048) * 20
    freqs, msc = F.coherence(x, x, FS, seg_s=0.5)
    band = (freqs >= 0.5) & (freqs < 30)
    assert np.allclose(msc[band], 1.0, atol=1e-12)
    data = np.stack([x, 3 * x, x + 0.0])  # coherence ignores gain
    coh = F.band_coherence(data, FS, [(0, 1), (0, 2)], seg_s=0.5)
    assert np.allclose(coh, 1.0, atol=1e-12)


def test_independent_noise_has_low_coherence() -> None:
    rng = np.random.default_rng(2)
    # 2-s windows (7 segments of 0.5 s), as the engine computes them
    windows = rng.standard_normal((200, 2, 512))
    coh = F.band_coherence(windows, FS, [(0, 1)], seg_s=0.5)
    assert coh.shape == (200, 1, 4)
    assert coh.mean() < 0.2


def test_coherence_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    common = rng.standard_normal(4096)
    x = common + 0.5 * rng.standard_normal(4096)
    y = np.convolve(common, [0.5, 0.3, 0.2], mode="same") + rng.standard_normal(4096)
    for seg_s in (0.5, 1.0):
        freqs, msc = F.coherence(x, y, FS, seg_s=seg_s)
        f_ref, c_ref = signal.coherence(x, y, FS, nperseg=int(seg_s * FS))
        assert np.allclose(freqs, f_ref)
        assert np.allclose(msc, c_ref, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------ homologous pairs


def test_homologous_pairs_1020_old_and_new_names() -> None:
    names = ["Fp1", "Fp2", "F7", "F8", "C3", "C4", "Cz", "T3", "T4", "T5", "T6", "P7", "P8", "O1"]
    found = {(names[i], names[j]) for i, j, _ in F.homologous_pairs(names)}
    assert found == {("Fp1", "Fp2"), ("F7", "F8"), ("C3", "C4"), ("T3", "T4"), ("T5", "T6"),
                     ("P7", "P8")}  # fmt: skip


def test_homologous_pairs_bipolar_and_edf_labels() -> None:
    banana = ["FP1-F7", "F7-T7", "T7-P7", "P7-O1", "FP2-F8", "F8-T8", "T8-P8", "P8-O2",
              "FZ-CZ", "CZ-PZ"]  # fmt: skip
    pairs = F.homologous_pairs(banana)
    assert [(banana[i], banana[j]) for i, j, _ in pairs] == [
        ("FP1-F7", "FP2-F8"), ("F7-T7", "F8-T8"), ("T7-P7", "T8-P8"), ("P7-O1", "P8-O2"),
    ]  # fmt: skip
    assert pairs[0][2] == "FP1-F7~FP2-F8"
    labels = ["EEG Fp1-REF", "EEG Fp2-REF", "Fc5.", "Fc6."]
    assert [(i, j) for i, j, _ in F.homologous_pairs(labels)] == [(0, 1), (2, 3)]


def test_no_homologous_pairs_for_unknown_names() -> None:
    assert F.homologous_pairs([f"ch{i:02d}" for i in range(1, 32)]) == []
    assert F.homologous_pairs(["EEG 1", "EEG 2", "X3", "X4", "Cz", "Fz"]) == []


# ------------------------------------------------------------ window functions


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    fs=st.sampled_from([100.0, 128.0, 160.0, 250.0, 256.0]),
    window_s=st.sampled_from([2.0, 1.0, 3.0]),
    hop_frac=st.sampled_from([0.5, 1.0, 0.25, 0.3]),
    extra=st.integers(0, 700),
)
def test_window_functions_equal_the_per_window_functions(
    seed: int, fs: float, window_s: float, hop_frac: float, extra: int
) -> None:
    rng = np.random.default_rng(seed)
    n_window = int(round(window_s * fs))
    n_hop = max(1, int(round(window_s * hop_frac * fs)))
    span = rng.standard_normal((5, n_window + extra)) * 20 + rng.normal(0, 30, (5, 1))
    windows = F.window_view(span, n_window, n_hop)
    n_win = F.n_windows(span.shape[-1], n_window, n_hop)
    assert windows.shape == (n_win, 5, n_window)
    assert np.allclose(F.windowed_line_length(span, fs, n_window, n_hop),
                       F.line_length(windows, fs), rtol=1e-10)  # fmt: skip
    assert np.allclose(F.windowed_rms(span, n_window, n_hop), F.rms(windows), rtol=1e-10)
    seg_s = min(1.0, window_s / 2)
    freqs, psd = F.windowed_psd(span, fs, n_window, n_hop, seg_s=seg_s)
    f_ref, spec = F.segment_spectra(windows, fs, seg_s)
    assert np.allclose(freqs, f_ref)
    assert np.allclose(psd, (np.abs(spec) ** 2).mean(axis=-2), rtol=1e-9, atol=1e-12)
    pairs = [(0, 1), (3, 2), (4, 0)]
    coh = F.windowed_band_coherence(span, fs, n_window, n_hop, pairs, seg_s=window_s / 4)
    ref = F.band_coherence(windows, fs, pairs, seg_s=window_s / 4)
    assert np.allclose(coh, ref, rtol=1e-9, atol=1e-12, equal_nan=True)


def test_window_functions_with_no_whole_window() -> None:
    span = np.zeros((3, 100))
    assert F.windowed_line_length(span, FS, 512, 256).shape == (0, 3)
    assert F.windowed_psd(span, FS, 512, 256)[1].shape == (0, 3, 129)
    assert F.windowed_band_coherence(span, FS, 512, 256, [(0, 1)], seg_s=0.5).shape == (0, 1, 4)


# ------------------------------------------------------------ suppression


def test_suppression_mask_and_ratio_of_a_known_pattern() -> None:
    # 20 s: bursts of 60 µV RMS alternate with 2-µV floor; suppressed share 70 %
    rng = np.random.default_rng(4)
    n = int(20 * FS)
    truth = np.zeros(n, dtype=bool)
    for start_s in range(0, 20, 4):  # each 4 s: 1.2 s burst, 2.8 s suppression
        truth[int((start_s + 1.2) * FS) : int((start_s + 4) * FS)] = True
    x = rng.standard_normal((4, n)) * np.where(truth, 2.0, 60.0)
    mask = F.suppression_mask(x, FS)
    assert F.suppression_ratio(mask) == pytest.approx(truth.mean(), abs=0.02)
    assert F.suppression_ratio(mask) == pytest.approx(0.7, abs=0.02)


def test_short_dips_are_not_suppressions() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, int(10 * FS))) * 40
    x[:, 1000:1080] *= 0.01  # 0.31 s dip: shorter than the 0.5-s minimum
    assert not F.suppression_mask(x, FS).any()


def test_runs_and_amplitude_envelope() -> None:
    assert F.runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]
    assert F.runs(np.zeros(4, bool)) == []
    env = F.amplitude_envelope(sine(5.0, 10.0), FS)  # peak-to-peak of a 5-µV sine: 10 µV
    assert env[int(FS) :].mean() == pytest.approx(10.0, rel=0.01)
    with pytest.raises(ValueError, match="empty"):
        F.suppression_ratio(np.zeros(0, bool))
