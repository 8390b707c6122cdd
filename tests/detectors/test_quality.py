"""Signal quality per electrode and window (detectors/quality.py), on signals whose
bad channels are known."""

from __future__ import annotations

import numpy as np
import pytest

from rse_monitor.detectors.quality import (
    AMPLITUDE_CEILING_UV,
    CAUSES,
    HOLD_S,
    ChannelQuality,
    window_causes,
)
from rse_monitor.recordings.synthetic import DEFAULT_CHANNELS_19
from rse_monitor.recordings.synthetic.background import background

FS = 256.0
N_WIN, N_HOP = 512, 256
CH = tuple(DEFAULT_CHANNELS_19)
C3 = CH.index("C3")


def causes_of(x: np.ndarray, **kw: object) -> np.ndarray:
    return np.vectorize(CAUSES.__getitem__)(window_causes(x, FS, N_WIN, N_HOP, **kw))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def eeg() -> np.ndarray:
    return background(60.0, FS, CH, 30.0, seed=3)


def t_axis(n: int) -> np.ndarray:
    return np.arange(n) / FS


def test_clean_background_is_good(eeg: np.ndarray) -> None:
    c = causes_of(eeg)
    assert c.shape == (59, 19)
    assert (c == "good").all()


@pytest.mark.parametrize("amplitude_uv", [20.0, 60.0])
def test_eeg_with_spikes_and_high_voltage_is_good(eeg: np.ndarray, amplitude_uv: float) -> None:
    x = eeg * amplitude_uv / 30.0
    # a 300-µV spike-and-wave on every electrode: cerebral, not a pop
    t = t_axis(x.shape[1])
    x = x + 300.0 * np.exp(-(((t - 20.0) / 0.03) ** 2)) - 150 * np.exp(-(((t - 20.2) / 0.1) ** 2))
    assert (causes_of(x) == "good").all()


def test_one_flat_electrode(eeg: np.ndarray) -> None:
    x = eeg.copy()
    x[C3, int(30 * FS) :] = 0.0
    c = causes_of(x)
    assert (c[30:, C3] == "flat").all()  # window w ends at w + 2 s
    assert (c[:28, C3] == "good").all()
    assert (np.delete(c, C3, axis=1) == "good").all()


def test_one_floating_electrode_mains_and_drift(eeg: np.ndarray) -> None:
    x = eeg.copy()
    t = t_axis(x.shape[1])
    x[C3] += 150.0 * np.sin(2 * np.pi * 50.0 * t) + 400.0 * np.sin(2 * np.pi * 0.05 * t)
    c = causes_of(x)
    assert (c[:, C3] == "floating").all()
    assert (np.delete(c, C3, axis=1) == "good").all()


def test_drift_alone_is_floating(eeg: np.ndarray) -> None:
    x = eeg.copy()
    x[C3] += 600.0 * t_axis(x.shape[1])  # 600 µV/s: the halves' means 600 µV apart
    assert (causes_of(x)[:, C3] == "floating").all()


def test_60_hz_mains_is_floating_too(eeg: np.ndarray) -> None:
    x = eeg.copy()
    x[C3] += 100.0 * np.sin(2 * np.pi * 60.0 * t_axis(x.shape[1]) + 0.4)
    assert (causes_of(x)[:, C3] == "floating").all()


def test_small_mains_on_an_isoelectric_eeg_is_good() -> None:
    # the burst-suppression generator's floor (2 µV) and mains (5 µV): suppressed, not off
    rng = np.random.default_rng(0)
    x = 2.0 * rng.standard_normal((19, int(30 * FS)))
    x += 5.0 * np.sin(2 * np.pi * 50.0 * t_axis(x.shape[1]))
    assert (causes_of(x) == "good").all()


def test_nothing_but_mains_is_floating_at_any_amplitude() -> None:
    t = t_axis(int(30 * FS))
    for amp in (3.0, 40.0, 500.0):
        x = np.tile(amp * np.sin(2 * np.pi * 50.0 * t), (19, 1))
        assert (causes_of(x) == "floating").all(), amp


def test_railing_electrode_and_a_gain_step_that_rails(eeg: np.ndarray) -> None:
    x = eeg.copy()
    x[C3, int(30 * FS) :] = np.clip(8.0 * x[C3, int(30 * FS) :], -250.0, 250.0)  # gain ×8
    c = causes_of(x)
    assert (c[30:, C3] == "railing").all()
    assert (c[:28, C3] == "good").all()


def test_jump_to_10_mv_is_non_physiological(eeg: np.ndarray) -> None:
    x = eeg.copy()
    x[C3, int(30 * FS) : int(40 * FS)] += 10_000.0
    c = causes_of(x)
    # the windows that hold a step (29-31 s and 39-41 s) exceed the ceiling
    assert set(np.flatnonzero(c[:, C3] == "amplitude")) == {29, 39}
    assert (np.delete(c, C3, axis=1) == "good").all()


def test_amplitude_ceiling_needs_the_unit(eeg: np.ndarray) -> None:
    x = eeg * (3 * AMPLITUDE_CEILING_UV / 60.0)
    assert (causes_of(x) == "amplitude").mean() > 0.9
    assert (causes_of(x, unit_known=False) == "good").all()


def test_isolated_pop_but_not_a_step_on_every_electrode(eeg: np.ndarray) -> None:
    x = eeg.copy()
    t = t_axis(x.shape[1])
    i0 = int(20.5 * FS)
    pop = np.where(t >= 20.5, 200.0 * np.exp(-np.clip(t - 20.5, 0, None) / 0.3), 0.0)
    x[C3] += pop
    c = causes_of(x)
    assert set(np.flatnonzero(c[:, C3] == "pop")) == {19, 20}  # windows holding 20.5 s
    assert (np.delete(c, C3, axis=1) == "good").all()
    y = eeg.copy()
    y[:, i0:] += 200.0  # the same step on every electrode: movement, not a pop
    assert not (causes_of(y) == "pop").any()


def test_nonfinite_takes_precedence(eeg: np.ndarray) -> None:
    x = eeg.copy()
    x[C3, int(30 * FS) : int(31 * FS)] = 0.0
    x[C3, int(30 * FS)] = np.nan
    c = causes_of(x)
    assert c[29, C3] == "nonfinite" and c[30, C3] == "nonfinite"  # the two holding 30 s


def test_windows_of_a_span_equal_windows_of_its_pieces(eeg: np.ndarray) -> None:
    x = eeg.copy()
    x[C3, int(30 * FS) :] = 0.0
    x[CH.index("O1")] += 150.0 * np.sin(2 * np.pi * 50.0 * t_axis(x.shape[1]))
    whole = window_causes(x, FS, N_WIN, N_HOP)
    parts = [window_causes(x[:, s : s + 17 * N_HOP + N_WIN - N_HOP], FS, N_WIN, N_HOP)
             for s in range(0, x.shape[1] - N_WIN + 1, 17 * N_HOP)]  # fmt: skip
    np.testing.assert_array_equal(np.concatenate(parts)[: len(whole)], whole)


def test_hold_after_a_jump_and_persistence() -> None:
    n = 40
    cause = np.zeros((n, 3), dtype=np.int8)
    cause[10, 0] = CAUSES.index("amplitude")
    cause[10, 1] = CAUSES.index("pop")
    cause[5:, 2] = CAUSES.index("flat")
    q = ChannelQuality(3, hop_s=1.0)
    whole = q.update(cause)
    n_hold = int(HOLD_S)
    assert (whole.cause[10 : 11 + n_hold, 0] == CAUSES.index("amplitude")).all()
    assert whole.cause[11 + n_hold, 0] == 0
    assert (whole.cause[10 : 11 + n_hold, 1] == CAUSES.index("pop")).all()
    # a non-physiological window and its hold make the electrode worth naming; one pop not
    assert whole.persistent[:, 0].any() and not whole.persistent[:, 1].any()
    assert not whole.persistent[:9, 2].any() and whole.persistent[9:, 2].all()
    # batch == one window at a time, and any split
    for sizes in ([1] * n, [3, 7, 1, 13, 16]):
        q.reset()
        got = [
            q.update(cause[s : s + k])
            for s, k in zip(np.cumsum([0, *sizes[:-1]]), sizes, strict=True)
        ]
        np.testing.assert_array_equal(np.concatenate([g.cause for g in got]), whole.cause)
        np.testing.assert_array_equal(np.concatenate([g.persistent for g in got]), whole.persistent)
    assert q.n_windows == n and q.cause_counts.sum() == 3 * n


def test_bad_input_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="raw_span_uv"):
        window_causes(np.zeros(100), FS, N_WIN, N_HOP)
    with pytest.raises(ValueError, match="sfreq_hz"):
        window_causes(np.zeros((2, 1000)), -1.0, N_WIN, N_HOP)
    with pytest.raises(ValueError, match="alert_min"):
        ChannelQuality(3, 1.0, alert_min=11, alert_of=10)
    assert window_causes(np.zeros((2, 100)), FS, N_WIN, N_HOP).shape == (0, 2)


def test_common_mode_mains_is_not_any_electrodes_fault(eeg: np.ndarray) -> None:
    # as on real ICU clips: 60-Hz mains of 1 mV on every referential electrode (it
    # cancels in bipolar derivations); only an electrode with mains of its own floats
    t = t_axis(eeg.shape[1])
    x = eeg + 1000.0 * np.sin(2 * np.pi * 60.0 * t)[None, :]
    assert (causes_of(x) == "good").all()
    x[C3] += 150.0 * np.sin(2 * np.pi * 60.0 * t + 1.0)
    c = causes_of(x)
    assert (c[:, C3] == "floating").all()
    assert (np.delete(c, C3, axis=1) == "good").all()
