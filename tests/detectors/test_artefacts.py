"""Artefact classes per window (issue 11, part 2) on signals with known answers: the
spectral rules for muscle against the fast activity and spike-wave of a seizure, lines,
ECG, and the classes taken from the electrodes' quality causes."""

from __future__ import annotations

import numpy as np
import pytest

from rse_monitor.detectors.acns.tracker import PatternTracker
from rse_monitor.detectors.artefacts import (
    CLASSES,
    ArtefactClassifier,
    ecg_windows,
    frontotemporal,
    line_windows,
    muscle_channels,
    phase_consensus,
)
from rse_monitor.detectors.quality import CAUSES
from rse_monitor.detectors.seizure import SeizureDetector
from rse_monitor.pipeline.features import windowed_psd

FS = 256.0
N_WIN, N_HOP = 512, 256


def psd_of(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return windowed_psd(x, FS, N_WIN, N_HOP, seg_s=1.0)


def pink(n_ch: int, n: int, seed: int = 0, rms_uv: float = 20.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    f = np.fft.rfftfreq(n, 1 / FS)
    spec = rng.standard_normal((n_ch, f.size)) + 1j * rng.standard_normal((n_ch, f.size))
    spec *= 1.0 / np.maximum(f, 1.0)  # 1/f amplitude: 1/f² power, as scalp EEG
    x = np.fft.irfft(spec, n=n)
    return rms_uv * x / x.std(axis=-1, keepdims=True)


def white_band(n_ch: int, n: int, lo: float, hi: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    f = np.fft.rfftfreq(n, 1 / FS)
    spec = rng.standard_normal((n_ch, f.size)) + 1j * rng.standard_normal((n_ch, f.size))
    spec *= (f >= lo) & (f <= hi)
    x = np.fft.irfft(spec, n=n)
    return x / x.std(axis=-1, keepdims=True)


def test_emg_is_muscle_and_eeg_is_not() -> None:
    n = int(20 * FS)
    eeg = pink(4, n)
    f, p = psd_of(eeg)
    assert not muscle_channels(p, f).any()
    emg = eeg + 20.0 * white_band(4, n, 20.0, 45.0)
    f, p = psd_of(emg)
    assert muscle_channels(p, f).mean() > 0.8  # per channel; a window needs two


def test_fast_activity_with_a_spectral_peak_is_not_muscle() -> None:
    """Ictal beta/gamma (a rhythm at 25 Hz, as loud as the EMG above) has a peak."""
    n = int(20 * FS)
    t = np.arange(n) / FS
    fast = 30.0 * np.sin(2 * np.pi * (25.0 - 0.2 * t) * t)  # slowing: evolution
    f, p = psd_of(pink(4, n) + fast)
    assert not muscle_channels(p, f).any()


def test_spike_wave_harmonics_are_not_muscle() -> None:
    """A 5.5-Hz train of sharp spikes has a harmonic comb up to 40 Hz: not flat."""
    n = int(20 * FS)
    t = np.arange(n) / FS
    spikes = 150.0 * np.exp(-0.5 * ((t * 5.5 % 1.0 - 0.5) / 0.02) ** 2)
    f, p = psd_of(pink(4, n) + spikes)
    assert not muscle_channels(p, f).any()


def test_frontotemporal_names() -> None:
    names = ("Fp1-F7", "F3-C3", "Cz-Pz", "T4-T6", "EEG O1", "T7")
    assert frontotemporal(names).tolist() == [True, False, False, True, False, True]


def test_common_line_and_phase() -> None:
    n = int(10 * FS)
    rng = np.random.default_rng(3)
    t = np.arange(n) / FS
    line = np.sin(2 * np.pi * 15.0 * t)
    x = pink(8, n) + 30.0 * rng.uniform(-1.5, 1.5, 8)[:, None] * line
    f, p = psd_of(x)
    good = np.ones(p.shape[:2], dtype=bool)
    flags, bins = line_windows(p, f, good)
    assert flags.all() and set(f[bins]) == {15.0}
    assert phase_consensus(x[:, :N_WIN], 15.0, FS) > 0.9
    # independent phases: no consensus
    y = np.stack([np.sin(2 * np.pi * 15.0 * t + ph) for ph in rng.uniform(0, 2 * np.pi, 8)])
    assert phase_consensus(y[:, :N_WIN], 15.0, FS) < 0.6


def test_ecg_transients_at_a_cardiac_rate() -> None:
    n = int(20 * FS)
    x = pink(12, n, rms_uv=10.0)
    assert not ecg_windows(x, FS, N_WIN, N_HOP).any()
    qrs = np.zeros(n)
    qrs[(np.arange(0.3, 20.0, 0.8) * FS).astype(int)] = 1.0
    qrs = np.convolve(qrs, [0, 1, -1, 0], mode="same")
    gains = np.where(np.arange(12) % 2 == 0, 1.0, -1.0)[:, None]
    y = x + 40.0 * gains * qrs
    assert ecg_windows(y, FS, N_WIN, N_HOP).mean() > 0.9
    # the same transients at 4 Hz (0.25 s apart) are not cardiac
    qrs4 = np.zeros(n)
    qrs4[(np.arange(0.3, 20.0, 0.25) * FS).astype(int)] = 1.0
    z = x + 40.0 * gains * np.convolve(qrs4, [0, 1, -1, 0], mode="same")
    assert not ecg_windows(z, FS, N_WIN, N_HOP).any()


def test_classes_from_the_electrode_causes() -> None:
    n_win, n_el = 4, 19
    x = pink(18, N_WIN + (n_win - 1) * N_HOP)
    f, p = psd_of(x)
    good = np.ones((n_win, 18), dtype=bool)
    cause = np.zeros((n_win, n_el), dtype=np.int8)
    cause[0, 3] = CAUSES.index("pop")
    cause[1, :] = CAUSES.index("amplitude")
    cause[2, :2] = CAUSES.index("railing")
    cause[3, :6] = CAUSES.index("railing")
    out = ArtefactClassifier(tuple(f"c{i}" for i in range(18)), FS).update(
        x, N_WIN, N_HOP, p, f, good, cause
    )
    assert out.labels() == ["electrode_pop", "movement", "clipping", "clipping"]
    # one pop, or two railing electrodes, leave the window to the quality mask
    assert out.blocking.tolist() == [False, True, False, True]
    assert len(CLASSES) == 6


def test_seizure_detector_ignores_artefact_windows() -> None:
    rng = np.random.default_rng(0)
    det = SeizureDetector([f"c{i}" for i in range(8)])
    for i in range(80):
        det.update(1.0 + i, np.exp(0.05 * rng.standard_normal(8)), np.ones(8, bool))
    decs = [
        det.update(81.0 + i, 10.0 * np.ones(8), np.ones(8, bool), artefact=True) for i in range(20)
    ]
    assert not any(d.onset for d in decs) and all(d.artefact for d in decs)
    assert all(d.evidence == 0.0 for d in decs)


def test_acns_window_mostly_in_artefact_is_not_judged() -> None:
    tr = PatternTracker(FS, [f"c{i}" for i in range(4)], settle_s=0.0)
    tr.push(pink(4, int(10 * FS)), 0.0)
    for _ in range(6):
        tr.note_good(np.ones(4, bool), True)
    for _ in range(4):
        tr.note_good(np.ones(4, bool), False)
    (win,) = tr.ready(10.0)
    assert win.pattern is None and win.term.reasons[0].code == "artefact"


@pytest.mark.parametrize("unit_known", [True, False])
def test_classifier_handles_empty_batches(unit_known: bool) -> None:
    cl = ArtefactClassifier(("Fp1-F7", "F7-T3"), FS, unit_known)
    out = cl.update(np.zeros((2, 10)), N_WIN, N_HOP, np.zeros((0, 2, 129)),
                    np.arange(129.0), np.zeros((0, 2), bool))  # fmt: skip
    assert out.code.shape == (0,) and out.labels() == []
