"""ACNS 2021 building blocks: discharges, rhythm, terms, on signals with known answers.

Every signal is built here: a 0.5-40 Hz background with a 1/f^1.5 power spectrum
("1/f-ish", as scalp EEG), triangular transients of known base duration and
amplitude, sinusoids. Nothing depends on other generators.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from rse_monitor.detectors.acns import (
    WindowTerm,
    channel_rhythm,
    classify_window,
    detect_discharges,
    electrodes_of,
    evolution,
    hemisphere_of,
    in_iic,
    is_electrographic_seizure,
)

FS = 256.0
#: the 19 referential 10-20 channels (old temporal names, as many ICU systems)
NAMES_1020 = (
    "FP1", "FP2", "F7", "F3", "FZ", "F4", "F8", "T3", "C3", "CZ",
    "C4", "T4", "T5", "P3", "PZ", "P4", "T6", "O1", "O2",
)  # fmt: skip
LEFT = [i for i, n in enumerate(NAMES_1020) if n[-1] in "13579"]
RIGHT = [i for i, n in enumerate(NAMES_1020) if n[-1] in "2468"]


def background(
    seed: int, n_s: float, rms_uv: float = 20.0, n_ch: int = 19, beta: float = 1.5
) -> NDArray[np.float64]:
    """Independent 0.5-40 Hz noise per channel, power ∝ 1/f^beta, RMS ``rms_uv``."""
    rng = np.random.default_rng(seed)
    n = int(round(n_s * FS))
    spec = np.fft.rfft(rng.standard_normal((n_ch, n)), axis=-1)
    f = np.fft.rfftfreq(n, 1.0 / FS)
    spec[:, 1:] /= f[1:] ** (beta / 2.0)
    spec[:, (f < 0.5) | (f > 40.0)] = 0.0
    y = np.fft.irfft(spec, n=n, axis=-1)
    return y / y.std(axis=-1, keepdims=True) * rms_uv


def add_transients(
    x: NDArray[np.float64],
    channels: list[int],
    times_s: NDArray[np.float64],
    *,
    amp_uv: float = 100.0,
    width_ms: float = 50.0,
) -> NDArray[np.float64]:
    """Surface-negative triangles of base ``width_ms`` peaking at ``times_s``."""
    half = width_ms / 1000.0 * FS / 2.0
    k = np.arange(-int(half) - 1, int(half) + 2)
    shape = amp_uv * np.clip(1.0 - np.abs(k) / half, 0.0, None)
    out = x.copy()
    for t in times_s:
        i = int(round(t * FS)) + k
        ok = (i >= 0) & (i < x.shape[1])
        out[np.ix_(channels, i[ok])] -= shape[ok]
    return out


def train(rate_hz: float, n_s: float, start_s: float = 0.3) -> NDArray[np.float64]:
    return np.arange(start_s, n_s - 0.1, 1.0 / rate_hz)


# --------------------------------------------------------------------------- discharges


@pytest.mark.parametrize(("width_ms", "kind"), [(50.0, "spike"), (120.0, "sharp")])
def test_width_gives_the_kind(width_ms: float, kind: str) -> None:
    times = train(1.0, 10.0, 0.5)
    x = add_transients(background(1, 10.0, rms_uv=10.0, n_ch=1), [0], times, width_ms=width_ms)
    d = detect_discharges(x, FS)
    found = np.abs(d.peak_s[:, None] - times[None, :]).min(axis=0) < 0.02
    assert found.mean() >= 0.8
    near = np.abs(d.peak_s[:, None] - times[None, :]).min(axis=1) < 0.02
    assert set(d.kind[near].tolist()) == {kind}
    assert np.median(d.duration_ms[near]) == pytest.approx(width_ms, rel=0.25)
    assert np.median(d.amplitude_uv[near]) == pytest.approx(100.0, rel=0.25)
    assert (d.polarity[near] == -1).all()


def test_spike_train_found_on_its_channels_only() -> None:
    times = train(1.5, 10.0)
    x = add_transients(background(2, 10.0), LEFT, times)
    d = detect_discharges(x, FS)
    counts = d.count_per_channel()
    assert counts[LEFT].mean() >= 0.8 * times.size
    assert counts[LEFT].min() >= 0.6 * times.size
    assert counts[RIGHT].max() <= 1
    assert (d.slope_uv_per_ms[np.isin(d.channel, LEFT)] > 2.0).mean() > 0.8


@pytest.mark.parametrize("rms_uv", [10.0, 20.0, 50.0])
def test_background_alone_is_nearly_free_of_discharges(rms_uv: float) -> None:
    x = background(3, 60.0, rms_uv=rms_uv)
    n = sum(len(detect_discharges(x[:, i : i + 2560], FS)) for i in range(0, x.shape[1], 2560))
    assert n / 19 <= 1.5  # per channel-minute (about one, see detectors.acns.discharges)


def test_population_floor_keeps_tiny_bumps_out() -> None:
    """10-µV bumps on a 1-µV background stand out relatively but are below 20 µV."""
    times = train(1.5, 10.0)
    x = add_transients(background(4, 10.0, rms_uv=1.0), LEFT, times, amp_uv=10.0)
    assert len(detect_discharges(x, FS)) == 0
    relative_only = detect_discharges(x, FS, min_amplitude_uv=0.0, min_slope_uv_per_ms=0.0)
    assert len(relative_only) >= 0.8 * times.size * len(LEFT)


def test_given_background_is_used() -> None:
    times = train(1.5, 10.0)
    x = add_transients(background(5, 10.0), [0], times)
    loud = detect_discharges(x, FS, background_sd_uv=np.full(19, 100.0))
    assert len(loud) == 0


def test_discharge_input_checks_name_the_argument() -> None:
    x = background(6, 2.0)
    with pytest.raises(ValueError, match="x_uv"):
        detect_discharges(x[0], FS)
    with pytest.raises(ValueError, match="x_uv"):
        detect_discharges(np.where(np.arange(x.shape[1]) == 3, np.nan, x), FS)
    with pytest.raises(TypeError, match="x_uv"):
        detect_discharges(x > 0, FS)
    with pytest.raises(ValueError, match="sfreq_hz"):
        detect_discharges(x, 0.0)
    with pytest.raises(ValueError, match="background_sd_uv"):
        detect_discharges(x, FS, background_sd_uv=np.ones(3))
    with pytest.raises(ValueError, match="min_rel_amplitude"):
        detect_discharges(x, FS, min_rel_amplitude=-1.0)


# --------------------------------------------------------------------------- rhythm


@pytest.mark.parametrize(
    ("name", "side"),
    [
        ("FP1", "L"), ("EEG T4-REF", "R"), ("Cz", "Z"), ("FP1-F7", "L"), ("F8-T4", "R"),
        ("FZ-C3", "L"), ("FZ-CZ", "Z"), ("C3-C4", None), ("EKG", None), ("A2", "R"),
    ],
)  # fmt: skip
def test_hemisphere_from_1020_names(name: str, side: str | None) -> None:
    assert hemisphere_of(name) == side


def test_electrodes_of_names() -> None:
    assert electrodes_of("EEG Fp1-REF") == ("FP1",)
    assert electrodes_of("FP1-F7") == ("FP1", "F7")
    assert electrodes_of("Photic") == ()


def test_periodic_train_rhythm() -> None:
    x = add_transients(background(7, 10.0), LEFT, train(1.5, 10.0))
    r = channel_rhythm(x, FS, detect_discharges(x, FS))
    assert r.periodic[LEFT].all()
    assert not r.periodic[RIGHT].any()
    assert np.median(r.frequency_hz[LEFT]) == pytest.approx(1.5, abs=0.1)
    assert (r.regular_ratio[LEFT] > 0.5).all()
    assert (r.interval_cv[LEFT] < 0.5).all()


def test_random_discharges_are_not_periodic() -> None:
    rng = np.random.default_rng(8)
    times = np.sort(rng.uniform(0.3, 9.7, 14))
    times = times[np.r_[True, np.diff(times) > 0.25]]
    x = add_transients(background(8, 10.0), LEFT, times)
    r = channel_rhythm(x, FS, detect_discharges(x, FS))
    assert r.periodic.sum() <= 1


def test_delta_peak_of_a_sinusoid() -> None:
    t = np.arange(int(10 * FS)) / FS
    x = background(9, 10.0) + 80.0 * np.sin(2 * np.pi * 2.0 * t)
    r = channel_rhythm(x, FS, detect_discharges(x, FS))
    assert r.rhythmic_delta.all()
    assert np.allclose(r.peak_hz, 2.0, atol=0.25)
    assert (r.peak_ratio > 0.6).all()
    assert (r.peak_width_hz <= 1.0).all()
    quiet = background(9, 10.0)
    assert not channel_rhythm(quiet, FS, detect_discharges(quiet, FS)).rhythmic_delta.any()


def test_rhythm_checks_its_inputs() -> None:
    x = background(10, 10.0)
    d = detect_discharges(x, FS)
    with pytest.raises(ValueError, match="channels"):
        channel_rhythm(x[:3], FS, d)
    with pytest.raises(ValueError, match="x_uv"):
        channel_rhythm(x[:, :100], FS, d)


# --------------------------------------------------------------------------- terms


def windows_of(x: NDArray[np.float64], window_s: float) -> list[WindowTerm]:
    n = int(round(window_s * FS))
    return [
        classify_window(x[:, i : i + n], FS, NAMES_1020, t_start_s=i / FS)
        for i in range(0, x.shape[1] - n + 1, n)
    ]


def sinusoid(hz: float, n_s: float, amp_uv: float) -> NDArray[np.float64]:
    t = np.arange(int(round(n_s * FS))) / FS
    return amp_uv * np.sin(2 * np.pi * hz * t)


def test_one_hemisphere_train_is_lpd() -> None:
    x = add_transients(background(11, 10.0), LEFT, train(1.5, 10.0))
    p = classify_window(x, FS, NAMES_1020).pattern
    assert p is not None
    assert (p.main1, p.main2, p.side, p.term) == ("L", "PD", "L", "LPD")
    assert p.frequency_hz == pytest.approx(1.5, abs=0.1)
    assert p.prevalence_ratio > 0.9
    assert set(p.channels) <= {NAMES_1020[i] for i in LEFT}


def test_synchronous_trains_on_both_sides_are_gpd() -> None:
    x = add_transients(background(12, 10.0), LEFT + RIGHT, train(1.5, 10.0))
    p = classify_window(x, FS, NAMES_1020).pattern
    assert p is not None and p.term == "GPD"
    assert p.frequency_hz == pytest.approx(1.5, abs=0.1)


def test_independent_trains_per_side_are_bipd() -> None:
    x = add_transients(background(13, 10.0), LEFT, train(1.0, 10.0))
    x = add_transients(x, RIGHT, train(1.7, 10.0, start_s=0.45))
    p = classify_window(x, FS, NAMES_1020).pattern
    assert p is not None and p.term == "BIPD"
    freqs = sorted((g.side, round(g.frequency_hz, 1)) for g in p.groups)
    assert freqs == [("L", 1.0), ("R", 1.7)]


def test_generalized_delta_sinusoid_is_grda() -> None:
    x = background(14, 10.0) + sinusoid(2.0, 10.0, 80.0)
    p = classify_window(x, FS, NAMES_1020).pattern
    assert p is not None and p.term == "GRDA"
    assert p.frequency_hz == pytest.approx(2.0, abs=0.25)
    assert p.prevalence_ratio > 0.9


def test_lateralized_delta_is_lrda_and_with_a_half_prevalence() -> None:
    x = background(15, 10.0)
    x[LEFT, : x.shape[1] // 2] += sinusoid(1.5, 5.0, 100.0)
    p = classify_window(x, FS, NAMES_1020).pattern
    assert p is not None and p.term.startswith("LRDA")
    assert 0.3 < p.prevalence_ratio < 0.75


@pytest.mark.parametrize("rms_uv", [20.0, 10.0])
def test_background_alone_has_no_term(rms_uv: float) -> None:
    ws = windows_of(background(16, 20.0, rms_uv=rms_uv), 10.0)
    assert [w.pattern for w in ws] == [None, None]
    assert not is_electrographic_seizure(ws).present
    assert not in_iic(ws).present
    assert not evolution(ws).evolving


def test_three_hz_spikes_for_15_s_are_a_seizure() -> None:
    x = add_transients(background(17, 15.0), LEFT, train(3.0, 15.0))
    ws = windows_of(x, 5.0)
    assert all(w.pattern is not None and w.pattern.main2 == "PD" for w in ws)
    decision = is_electrographic_seizure(ws)
    assert decision.present
    rate = next(r for r in decision.reasons if r.code == "discharge_rate_hz")
    assert rate.value > 2.5
    assert not in_iic(ws).present  # a seizure is not IIC


def test_ten_seconds_are_needed() -> None:
    x = add_transients(background(18, 5.0), LEFT, train(3.0, 5.0))
    assert not is_electrographic_seizure(windows_of(x, 5.0)).present


def test_pd_at_1_5_hz_for_15_s_is_iic_not_seizure() -> None:
    x = add_transients(background(19, 15.0), LEFT, train(1.5, 15.0))
    ws = windows_of(x, 5.0)
    assert not is_electrographic_seizure(ws).present
    decision = in_iic(ws)
    assert decision.present
    assert decision.reasons[0].code == "iic_pd_sw_1_to_2.5_hz"
    assert all(w.pattern is not None and not w.pattern.plus for w in ws)


def test_pd_with_superimposed_fast_activity_is_iic_with_plus() -> None:
    """Bursts of 15-Hz, 30-µV activity after each 150-µV discharge (ACNS LPD+F)."""
    n_s = 15.0
    times = train(1.5, n_s)
    x = add_transients(background(20, n_s), LEFT, times, amp_uv=150.0)
    t = np.arange(x.shape[1]) / FS
    for t0 in times:
        m = np.flatnonzero((t >= t0 + 0.2) & (t < t0 + 0.45))
        x[np.ix_(LEFT, m)] += 30.0 * np.sin(2 * np.pi * 15.0 * (t[m] - t0))
    ws = windows_of(x, 5.0)
    assert all(w.pattern is not None and w.pattern.term == "LPD+F" for w in ws)
    assert in_iic(ws).present
    plain = windows_of(add_transients(background(20, n_s), LEFT, times, amp_uv=150.0), 5.0)
    assert all(w.pattern is not None and w.pattern.term == "LPD" for w in plain)


def test_slow_pd_needs_a_plus_for_iic() -> None:
    x = add_transients(background(21, 20.0), LEFT, train(0.8, 20.0))
    ws = windows_of(x, 10.0)
    assert all(w.pattern is not None and w.pattern.term == "LPD" for w in ws)
    decision = in_iic(ws)
    assert not decision.present


def test_evolving_pattern_with_spreading_field_is_a_seizure() -> None:
    """3 → 4 → 5 Hz spikes over 20 s, spreading FP1/F3/F7 → +C3/T3 → +P3/T5/O1."""
    idx = {n: i for i, n in enumerate(NAMES_1020)}
    stages = [
        (0.0, 7.5, 3.0, ["FP1", "F3", "F7"]),
        (7.5, 15.0, 4.0, ["FP1", "F3", "F7", "C3", "T3"]),
        (15.0, 20.0, 5.0, ["FP1", "F3", "F7", "C3", "T3", "P3", "T5", "O1"]),
    ]
    x = background(22, 20.0)
    for start, stop, hz, names in stages:
        times = np.arange(start + 0.2, stop - 0.05, 1.0 / hz)
        x = add_transients(x, [idx[n] for n in names], times)
    ws = windows_of(x, 2.5)
    freqs = [w.pattern.frequency_hz if w.pattern else None for w in ws]
    assert all(f is not None for f in freqs), freqs
    ev = evolution(ws)
    assert ev.evolving
    assert ev.frequency_steps >= 2
    assert ev.location_steps >= 2
    decision = is_electrographic_seizure(ws, ev)
    assert decision.present


def test_static_pattern_does_not_evolve() -> None:
    x = add_transients(background(23, 20.0), LEFT, train(2.0, 20.0))
    ev = evolution(windows_of(x, 2.5))
    assert not ev.evolving and not ev.fluctuating
    assert ev.frequency_steps == 0


def test_terms_check_their_inputs() -> None:
    x = background(24, 10.0)
    with pytest.raises(ValueError, match="ch_names"):
        classify_window(x, FS, NAMES_1020[:5])
    with pytest.raises(ValueError, match="ch_names"):
        classify_window(x, FS, ["FP1"] * 19)
    with pytest.raises(ValueError, match="min_channels"):
        classify_window(x, FS, NAMES_1020, min_channels=0)
    with pytest.raises(TypeError, match="windows"):
        evolution([1, 2])  # type: ignore[list-item]


def test_a_ceiling_on_sigma_lets_a_dense_train_stand_out() -> None:
    """A 3-Hz train of 70-µV, 60-ms transients on 20-µV background: the window's own
    σ (18 µV without the discharges) hides about half of them; bounded by a local
    background of 12 µV (recent windows without a pattern) all 30 stand out. A NaN
    ceiling leaves its channel as it was."""
    x = background(2, 10.0, rms_uv=20.0)[:2]
    t = np.arange(x.shape[1]) / FS
    for t0 in np.arange(0.2, 10.0, 1.0 / 3.0):
        k = np.abs(t - t0) < 0.03
        x[:, k] += 70.0 * (1.0 - np.abs(t[k] - t0) / 0.03)
    free = detect_discharges(x, FS)
    bounded = detect_discharges(x, FS, ceiling_sd_uv=np.array([12.0, np.nan]))
    assert free.count_per_channel()[0] < 25
    assert bounded.count_per_channel()[0] >= 28
    assert bounded.background_sd_uv[0] == pytest.approx(12.0)
    assert bounded.count_per_channel()[1] == free.count_per_channel()[1]
    with pytest.raises(ValueError, match="ceiling_sd_uv"):
        detect_discharges(x, FS, ceiling_sd_uv=np.array([12.0]))


def test_a_spread_counts_only_once_it_has_held_for_two_windows() -> None:
    """A field that grows in the newest windows may be flicker at its edge (the
    generalized clip GRDA_sample1 'spread' into C3/P3 and then O2 in consecutive
    windows and was called evolving): a step counts once the new electrodes have
    stayed for the next two windows."""
    from rse_monitor.detectors.acns.terms import _spread_steps

    a, b, c = frozenset({"FP1", "F3"}), frozenset({"C3", "P3"}), frozenset({"O1"})
    assert _spread_steps([a, a | b, a | b | c]) == 0  # both steps still unconfirmed
    assert _spread_steps([a, a | b, a | b | c, a | b | c, a | b | c]) == 2
    assert _spread_steps([a, a | b, a, a | b | c, a]) == 0  # flicker, never held
