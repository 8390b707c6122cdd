"""Tests of the ICU pattern generator: every label it writes must hold in the signal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import welch

from rse_monitor.detectors.annotations import read_events_tsv
from rse_monitor.recordings.synthetic import (
    DEFAULT_CHANNELS_19,
    PATTERN_EVENTS_TSV_HEADER,
    ElectrographicSeizure,
    PatternEvent,
    PatternRecording,
    PeriodicDischarges,
    RhythmicDelta,
    SpikeWave,
    background,
    make_electrographic_seizure,
    make_icu_composite,
    make_pattern_recording,
    make_periodic_discharges,
    make_recurring_seizures,
    make_rhythmic_delta,
    make_spike_wave,
    make_starts_in_seizure,
    seizure_events,
    write_pattern_edf,
    write_pattern_events_tsv,
)
from rse_monitor.recordings.synthetic.pattern_events import mean_rate_hz

FS = 256.0
CH = DEFAULT_CHANNELS_19
LEFT = ("Fp1", "F7", "F3", "T3", "C3", "T5", "P3", "O1")
RIGHT = ("Fp2", "F8", "F4", "T4", "C4", "T6", "P4", "O2")


def _rows(rec: PatternRecording, names: tuple[str, ...]) -> np.ndarray:
    return np.array([rec.ch_names.index(n) for n in names])


def _component(duration_s: float, comp: object, seed: int = 5) -> np.ndarray:
    """The component alone: the recording with it minus the recording without it."""
    with_it = make_pattern_recording(duration_s, [comp], seed=seed)  # type: ignore[list-item]
    without = make_pattern_recording(duration_s, [None], seed=seed)
    return with_it.data_uv - without.data_uv


def _phase_duration_ms(x: np.ndarray, start: int) -> float:
    """Baseline-to-baseline length of the phase holding the largest |x| after ``start``.

    The baseline is |x| < 1 % of that peak (the tail of an adjoining phase of the same
    sign, as between spike-and-wave complexes, is not part of the phase).
    """
    seg = x[start : start + int(0.6 * FS)]
    peak = int(np.argmax(np.abs(seg)))
    inside = seg * np.sign(seg[peak]) > 0.01 * abs(seg[peak])
    lo = peak
    while lo > 0 and inside[lo - 1]:
        lo -= 1
    hi = peak
    while hi < seg.size - 1 and inside[hi + 1]:
        hi += 1
    return (hi - lo + 1) / FS * 1e3


# ----------------------------------------------------------------------------- labels


def test_pattern_event_checks_and_label() -> None:
    event = PatternEvent(1.0, 11.0, "lpd", 1.5, ("T3", "C3"), plus=("f",))
    assert event.label == "lpd+f" and event.duration_s == 10.0 and not event.is_seizure
    with pytest.raises(ValueError, match="event_type"):
        PatternEvent(0.0, 1.0, "LPD", 1.0, ("T3",))
    with pytest.raises(ValueError, match="offset_s"):
        PatternEvent(5.0, 5.0, "sz", 3.0, ("T3",))
    with pytest.raises(ValueError, match="plus"):
        PatternEvent(0.0, 1.0, "lrda", 1.0, ("T3",), plus=("x",))
    with pytest.raises(TypeError, match="channels"):
        PatternEvent(0.0, 1.0, "lrda", 1.0, "T3")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["lpd", "gpd", "bipd"])
def test_pd_rate_from_discharge_times_equals_label(kind: str) -> None:
    rec = make_periodic_discharges(kind, seed=2, frequency_hz=1.3)  # type: ignore[arg-type]
    assert [e.event_type for e in rec.events] == [kind] * (2 if kind == "bipd" else 1)
    for event, times in zip(rec.events, rec.discharge_times_s, strict=True):
        assert mean_rate_hz(times) == pytest.approx(event.frequency_hz, rel=1e-9)
        assert times[0] == pytest.approx(event.onset_s)
        assert times[-1] < event.offset_s
        intervals = np.diff(times)
        assert intervals.std() > 0  # natural jitter, stated as 5 % SD
        assert np.all(np.abs(intervals * event.frequency_hz - 1) <= 0.15 + 1e-9)


def test_bipd_two_independent_trains_on_opposite_sides() -> None:
    rec = make_periodic_discharges("bipd", seed=4, frequency_hz=1.2, second_frequency_hz=0.8)
    left, right = rec.events
    assert left.frequency_hz == 1.2 and right.frequency_hz == 0.8
    assert set(left.channels) <= set(LEFT) and set(right.channels) <= set(RIGHT)
    assert mean_rate_hz(rec.discharge_times_s[1]) == pytest.approx(0.8)


def test_lpd_power_larger_over_the_labelled_hemisphere() -> None:
    rec = make_periodic_discharges("lpd", seed=3, focus="C3")
    event = rec.events[0]
    assert "C3" in event.channels and not set(event.channels) & set(RIGHT)
    during = rec.data_uv[:, int(event.onset_s * FS) : int(event.offset_s * FS)]
    before = rec.data_uv[:, : int(event.onset_s * FS)]
    excess = np.mean(during**2, axis=1) - np.mean(before**2, axis=1)  # µV², the PDs' power
    left, right = excess[_rows(rec, LEFT)].mean(), excess[_rows(rec, RIGHT)].mean()
    assert left > 150.0 and left > 5 * abs(right)
    assert excess[rec.ch_names.index("C3")] == excess.max()


@pytest.mark.parametrize(("sharp_ms", "low_ms", "high_ms"), [(50, 0, 70), (120, 70, 200)])
def test_spike_and_sharp_wave_durations(sharp_ms: float, low_ms: float, high_ms: float) -> None:
    comp = PeriodicDischarges(5.0, 35.0, frequency_hz=1.0, focus="T3", sharp_ms=sharp_ms)
    x = _component(40.0, comp)[CH.index("T3")]
    rec = make_pattern_recording(40.0, [comp], seed=5)
    times = rec.discharge_times_s[0]
    durations = [_phase_duration_ms(x, int(np.floor(t * FS))) for t in times]
    assert all(low_ms < d < high_ms for d in durations), durations
    assert np.median(durations) == pytest.approx(sharp_ms, rel=0.12)


def test_pd_returns_to_background_between_discharges() -> None:
    comp = PeriodicDischarges(5.0, 35.0, frequency_hz=2.0, focus="F4", sharp_ms=60.0)
    x = _component(40.0, comp)
    times = make_pattern_recording(40.0, [comp], seed=5).discharge_times_s[0]
    for t_this, t_next in zip(times[:-1], times[1:], strict=True):
        gap = x[:, int(np.ceil((t_this + 0.18 + 1 / FS) * FS)) : int(np.floor(t_next * FS))]
        assert gap.size > 0 and np.all(gap == 0.0)


def test_gpd_triphasic_is_frontal_and_lags_backwards() -> None:
    comp = PeriodicDischarges(5.0, 35.0, frequency_hz=1.5, focus=None, triphasic=True)
    x = _component(40.0, comp)
    rec = make_pattern_recording(40.0, [comp], seed=5)
    event = rec.events[0]
    assert event.event_type == "gpd" and event.channels == CH
    peak = np.abs(x).max(axis=1)
    assert peak[CH.index("Fz")] > 1.5 * peak[CH.index("O1")] > 0
    # the dominant positive phase peaks later over the occiput (anterior-posterior lag)
    t0 = rec.discharge_times_s[0][3]
    win = slice(int(t0 * FS), int((t0 + 0.6) * FS))
    lag_ms = (np.argmax(x[CH.index("O1"), win]) - np.argmax(x[CH.index("Fp1"), win])) / FS * 1e3
    assert 25 <= lag_ms <= 50


def test_plus_f_adds_beta_on_each_discharge() -> None:
    plain = PeriodicDischarges(5.0, 55.0, frequency_hz=1.0, focus="T4", sharp_ms=80.0)
    fast = PeriodicDischarges(5.0, 55.0, frequency_hz=1.0, focus="T4", sharp_ms=80.0, plus=("f",))
    rec = make_pattern_recording(60.0, [fast], seed=5)
    assert rec.events[0].label == "lpd+f"
    row = CH.index("T4")
    bursts = _component(60.0, fast)[row] - _component(60.0, plain)[row]
    f, p = welch(bursts[int(5 * FS) : int(55 * FS)], FS, nperseg=512)
    assert 14.0 <= f[np.argmax(p)] <= 20.0
    locked = np.zeros(bursts.size, dtype=bool)  # +F rides on each discharge, 0.25 s long
    for t in rec.discharge_times_s[0]:
        locked[int(round(t * FS)) : int(round(t * FS)) + int(0.25 * FS)] = True
    assert np.all(bursts[~locked] == 0) and np.abs(bursts[locked]).max() > 20.0


def test_plus_r_adds_rhythmic_delta_inside_the_event() -> None:
    plain = PeriodicDischarges(10.0, 50.0, frequency_hz=1.0, focus="C4")
    with_r = PeriodicDischarges(10.0, 50.0, frequency_hz=1.0, focus="C4", plus=("r",))
    rec = make_pattern_recording(60.0, [with_r], seed=5)
    assert rec.events[0].label == "lpd+r"
    extra = _component(60.0, with_r)[CH.index("C4")] - _component(60.0, plain)[CH.index("C4")]
    assert not extra[: int(10 * FS)].any() and not extra[int(50 * FS) :].any()
    f, p = welch(extra[int(10 * FS) : int(50 * FS)], FS, nperseg=int(8 * FS))
    assert 1.5 <= f[np.argmax(p)] <= 2.5


# ----------------------------------------------------------------------------- rhythmic delta


@pytest.mark.parametrize("frequency_hz", [1.0, 2.0, 3.5])
def test_grda_spectrum_peaks_at_its_frequency(frequency_hz: float) -> None:
    rec = make_rhythmic_delta("grda", seed=6, frequency_hz=frequency_hz)
    event = rec.events[0]
    assert event.event_type == "grda" and event.frequency_hz == frequency_hz
    assert mean_rate_hz(rec.discharge_times_s[0]) == pytest.approx(frequency_hz)
    seg = rec.data_uv[CH.index("Fz"), int(event.onset_s * FS) : int(event.offset_s * FS)]
    f, p = welch(seg, FS, nperseg=int(8 * FS))
    assert abs(f[np.argmax(p)] - frequency_hz) <= 0.125


def test_grda_is_frontally_predominant_and_has_no_interval() -> None:
    grda = RhythmicDelta(5.0, 35.0, 2.0, focus=None)
    x = _component(40.0, grda)
    peak = np.abs(x).max(axis=1)
    assert peak[CH.index("Fz")] > 1.5 * peak[CH.index("O1")] > 0
    assert 60.0 < peak.max() < 100.0  # 75 µV peak, modulated ± 8 %, channel gain ± 10 %
    # rhythmic delta has no interval between waveforms; PDs return to baseline
    inner = slice(int(6 * FS), int(34 * FS))
    row = x[CH.index("Fz"), inner]
    pd = _component(40.0, PeriodicDischarges(5.0, 35.0, 2.0, focus=None, sharp_ms=60.0))
    pd_row = pd[CH.index("Fz"), inner]
    assert np.mean(np.abs(row) > 0.05 * np.abs(row).max()) > 0.85
    assert np.mean(np.abs(pd_row) > 0.05 * np.abs(pd_row).max()) < 0.4


def test_rda_peak_times_are_the_positive_peaks() -> None:
    comp = RhythmicDelta(5.0, 35.0, 1.5, focus="F8")
    x = _component(40.0, comp)[CH.index("F8")]
    times = make_pattern_recording(40.0, [comp], seed=5).discharge_times_s[0]
    half = int(FS / 1.5 / 4)
    for t in times[2:-2]:  # away from the one-cycle ramps
        i = int(round(t * FS))
        assert abs(int(np.argmax(x[i - half : i + half + 1])) - half) <= 1


def test_lrda_is_lateralized_and_plus_modifiers_are_labelled() -> None:
    rec = make_rhythmic_delta("lrda", seed=6, focus="F8", plus=("s", "f"))
    event = rec.events[0]
    assert event.label == "lrda+f+s" and "F8" in event.channels
    assert not set(event.channels) & set(LEFT)
    with pytest.raises(ValueError, match="plus"):
        RhythmicDelta(0.0, 10.0, plus=("r",))  # +R is for PDs only (ACNS 2021)
    with pytest.raises(ValueError, match="frequency_hz"):
        RhythmicDelta(0.0, 10.0, frequency_hz=4.5)


def test_plus_s_adds_sharp_waves_on_about_half_the_cycles() -> None:
    plain = RhythmicDelta(5.0, 65.0, 1.0, focus="T4")
    with_s = RhythmicDelta(5.0, 65.0, 1.0, focus="T4", plus=("s",))
    extra = _component(70.0, with_s)[CH.index("T4")] - _component(70.0, plain)[CH.index("T4")]
    runs = np.diff(np.concatenate(([0], (extra < 0).astype(int), [0])))
    starts, stops = np.flatnonzero(runs == 1), np.flatnonzero(runs == -1)
    assert np.all(extra <= 0)  # surface-negative sharp waves only
    assert np.all((stops - starts) / FS <= 0.1 + 1 / FS)  # 100 ms each
    assert 15 <= starts.size <= 45  # about half of the 60 cycles


# ----------------------------------------------------------------------------- spike-and-wave


@pytest.mark.parametrize("kind", ["gsw", "lsw"])
def test_spike_wave_complexes_have_spikes_and_no_interval(kind: str) -> None:
    rec = make_spike_wave(kind, seed=8, frequency_hz=2.0)  # type: ignore[arg-type]
    event = rec.events[0]
    times = rec.discharge_times_s[0]
    assert event.event_type == kind and mean_rate_hz(times) == pytest.approx(2.0)
    comp = SpikeWave(5.0, 35.0, 2.0, focus=None if kind == "gsw" else "T3", spike_ms=50.0)
    x = _component(40.0, comp)
    row = x[CH.index("Fz" if kind == "gsw" else "T3")]
    own = make_pattern_recording(40.0, [comp], seed=5).discharge_times_s[0]
    durations = [_phase_duration_ms(row, int(np.floor(t * FS))) for t in own[:-1]]
    assert all(d < 70.0 for d in durations), durations
    inner = row[int(own[0] * FS) : int((own[-1] + 0.5) * FS)]
    assert np.mean(inner != 0) > 0.97  # one complex follows the next without interval
    if kind == "lsw":
        assert set(event.channels) <= set(LEFT) | {"Fz", "Cz", "Pz"}


def test_fast_spike_wave_for_10_s_is_refused_as_a_seizure() -> None:
    with pytest.raises(ValueError, match="frequency_hz"):
        SpikeWave(0.0, 12.0, frequency_hz=3.0)
    assert SpikeWave(0.0, 8.0, frequency_hz=3.0).frequency_hz == 3.0  # < 10 s: not a seizure


# ----------------------------------------------------------------------------- seizures


def _dominant_hz(x: np.ndarray) -> float:
    f, p = welch(x, FS, nperseg=int(4 * FS))
    band = (f >= 1.5) & (f <= 10.0)
    return float(f[band][np.argmax(p[band])])


def test_evolving_seizure_changes_frequency_and_spreads() -> None:
    rec = make_electrographic_seizure(True, 120.0, seed=12, onset_s=30.0, offset_s=90.0)
    (event,) = rec.events
    assert event.event_type == "sz" and event.evolving and event.duration_s >= 10.0
    assert rec.seizures == [(30.0, 90.0)]
    row = rec.data_uv[CH.index("T3")]
    first, last = row[int(30 * FS) : int(50 * FS)], row[int(70 * FS) : int(90 * FS)]
    assert abs(_dominant_hz(first) - _dominant_hz(last)) >= 1.0
    times = rec.discharge_times_s[0]
    rate_first = np.sum(times < 50.0) / 20.0
    rate_last = np.sum(times >= 70.0) / 20.0
    assert rate_first - rate_last >= 1.0  # 3 -> 6 Hz early, slowing to 2 Hz at the end
    assert len(times) / 60.0 == pytest.approx(event.frequency_hz, abs=1 / 60.0)
    x = _component(120.0, ElectrographicSeizure(30.0, 90.0), seed=12)
    rms_first = np.sqrt(np.mean(x[:, int(32 * FS) : int(50 * FS)] ** 2, axis=1))
    rms_last = np.sqrt(np.mean(x[:, int(70 * FS) : int(88 * FS)] ** 2, axis=1))
    n_first = int(np.sum(rms_first >= 0.25 * rms_first.max()))
    n_last = int(np.sum(rms_last >= 0.25 * rms_last.max()))
    assert n_last >= n_first + 4  # focal at onset, spreading by the end
    assert np.argmax(rms_first) == CH.index("T3")
    assert not x[:, : int(30 * FS)].any()  # nothing before the onset


def test_non_evolving_seizure_above_2_5_hz() -> None:
    rec = make_electrographic_seizure(False, 60.0, seed=13, onset_s=10.0, offset_s=40.0)
    (event,) = rec.events
    assert event.event_type == "sz" and not event.evolving
    assert event.frequency_hz == pytest.approx(3.0, abs=1e-3)
    assert mean_rate_hz(rec.discharge_times_s[0]) == pytest.approx(3.0, rel=0.01)
    assert _dominant_hz(rec.data_uv[CH.index("T3"), int(10 * FS) : int(40 * FS)]) == 3.0


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"offset_s": 8.0}, ValueError, "offset_s"),
        ({"frequency_knots_hz": (2.0,), "spread_knots": (0.5,)}, ValueError, "frequency_knots"),
        ({"frequency_knots_hz": (3.0, 0.1)}, ValueError, r"frequency_knots_hz\[1\]"),
        ({"frequency_knots_hz": "3"}, TypeError, "frequency_knots_hz"),
        ({"focus": "X1"}, ValueError, "focus"),
        ({"start_amplitude_ratio": 2.0}, ValueError, "start_amplitude_ratio"),
    ],
)
def test_seizure_input_checks_name_the_argument(
    kwargs: dict[str, object], exc: type[Exception], match: str
) -> None:
    args: dict[str, object] = {"onset_s": 0.0, "offset_s": 20.0, **kwargs}
    with pytest.raises(exc, match=match):
        ElectrographicSeizure(**args)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- scenarios


def test_recording_that_starts_inside_a_seizure() -> None:
    rec = make_starts_in_seizure(seed=14)
    first = rec.events[0]
    assert first.event_type == "sz" and first.onset_s == 0.0 and first.evolving
    assert [e.event_type for e in rec.events] == ["sz", "lpd"]
    comp = ElectrographicSeizure(
        0.0,
        45.0,
        frequency_knots_hz=(5.5, 4.5, 3.5, 2.5),
        spread_knots=(0.6, 0.9),
        start_amplitude_ratio=1.0,
        ramp_in=False,
    )
    x = _component(180.0, comp, seed=14)[CH.index("T3")]
    assert np.abs(x[: int(FS / 5.5) + 1]).max() > 100.0  # full height within the first cycle
    assert x[0] != 0.0
    assert rec.discharge_times_s[0][0] < 1 / 5.0


@pytest.fixture(scope="module")
def recurring() -> PatternRecording:
    return make_recurring_seizures(seed=15)


def test_recurring_seizures_every_2_to_5_minutes_for_an_hour(recurring: PatternRecording) -> None:
    rec = recurring
    assert rec.duration_s == 3600.0
    sz = rec.events_of("sz")
    onsets = np.array([e.onset_s for e in sz])
    assert len(sz) >= 12
    assert onsets[0] <= 300.0 and rec.duration_s - onsets[-1] <= 300.0 + 90.0 + 5.0
    assert np.all((np.diff(onsets) >= 120.0) & (np.diff(onsets) <= 300.0))
    assert all(30.0 <= e.duration_s <= 90.0 and e.evolving for e in sz)
    assert rec.seizures == [(e.onset_s, e.offset_s) for e in sz]
    # LPDs fill the time between seizures (from 10 s after one to the next onset)
    lpd = rec.events_of("lpd")
    assert len(lpd) == len(sz) + 1
    for pd_event, sz_event in zip(lpd, sz, strict=False):
        assert pd_event.offset_s == sz_event.onset_s
        assert mean_rate_hz(rec.discharges_of(pd_event)) == pytest.approx(1.0)
    assert not any(
        p.onset_s < s.offset_s and s.onset_s < p.offset_s for p in lpd for s in sz
    )  # labels never overlap
    # each labelled seizure is louder at the focus than the post-ictal pause after it
    row = rec.data_uv[CH.index("T3")]
    for e in sz:
        ictal = row[int(e.onset_s * FS) : int(e.offset_s * FS)]
        pause = row[int(e.offset_s * FS) : int((e.offset_s + 10.0) * FS)]
        assert np.std(ictal) > 1.5 * np.std(pause)


def test_icu_composite_labels() -> None:
    rec = make_icu_composite(seed=16)
    assert [e.label for e in rec.events] == ["lpd", "lpd+f", "sz", "grda"]
    lpd, fast, sz, grda = rec.events
    assert lpd.offset_s == fast.onset_s and fast.offset_s == sz.onset_s and sz.evolving
    assert fast.frequency_hz > lpd.frequency_hz
    seg = rec.data_uv[CH.index("Fz"), int(grda.onset_s * FS) : int(grda.offset_s * FS)]
    f, p = welch(seg, FS, nperseg=int(8 * FS))
    assert abs(f[np.argmax(p)] - grda.frequency_hz) <= 0.125
    with pytest.raises(ValueError, match="duration_s"):
        make_icu_composite(300.0)


# ----------------------------------------------------------------------------- writers


def test_events_tsv_round_trip(tmp_path: Path) -> None:
    rec = make_icu_composite(seed=17)
    path = write_pattern_events_tsv(
        tmp_path / "ev.tsv", rec.events, rec.duration_s, dt.datetime(2026, 1, 1, 8)
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    assert tuple(lines[0].split("\t")) == PATTERN_EVENTS_TSV_HEADER
    rows = [line.split("\t") for line in lines[1:]]
    assert [r[2] for r in rows] == ["lpd", "lpd", "sz", "grda"]
    assert [r[8] for r in rows] == ["n/a", "f", "n/a", "n/a"]
    assert [float(r[7]) for r in rows] == pytest.approx(
        [e.frequency_hz for e in rec.events], abs=1e-4
    )
    assert rows[2][9] == "true" and rows[0][9] == "false"
    assert rows[0][5] == "2026-01-01 08:00:00" and float(rows[0][6]) == 600.0
    read, duration = read_events_tsv(path)  # the project's reader sees the seizures
    assert duration == 600.0
    assert [(e.onset_s, e.duration_s, e.event_type) for e in read] == [
        (e.onset_s, e.duration_s, e.event_type) for e in seizure_events(rec.events)
    ]
    empty = write_pattern_events_tsv(tmp_path / "none.tsv", [], 60.0)
    assert empty.read_text().splitlines()[1].split("\t")[:3] == ["0.000", "60.000", "bckg"]
    with pytest.raises(TypeError, match=r"events\[0\]"):
        write_pattern_events_tsv(tmp_path / "bad.tsv", ["sz"], 60.0)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="recording_duration_s"):
        write_pattern_events_tsv(tmp_path / "bad.tsv", [], 0.0)


def test_edf_and_tsv_writer(tmp_path: Path) -> None:
    import edfio

    rec = make_starts_in_seizure(120.0, seed=18)
    edf_path, tsv_path = write_pattern_edf(rec, tmp_path / "p.edf", dt.datetime(2026, 1, 2, 3))
    assert tsv_path == tmp_path / "p_events.tsv" and tsv_path.exists()
    edf = edfio.read_edf(edf_path)
    assert [s.label for s in edf.signals] == list(rec.ch_names)
    np.testing.assert_allclose(edf.signals[3].data, rec.data_uv[3], atol=0.1)
    texts = [(a.onset, a.duration, a.text) for a in edf.annotations]
    assert texts == [(e.onset_s, e.duration_s, e.label) for e in rec.events]
    assert edf.startdate == dt.date(2026, 1, 2)
    short = make_pattern_recording(10.5, [], seed=1)
    with pytest.raises(ValueError, match="whole number of seconds"):
        write_pattern_edf(short, tmp_path / "s.edf")


# ----------------------------------------------------------------------------- determinism


def test_same_seed_same_recording_and_none_slots_keep_the_rest() -> None:
    a = PeriodicDischarges(10.0, 40.0, frequency_hz=1.0, focus="T3")
    b = PeriodicDischarges(20.0, 50.0, frequency_hz=2.0, focus=None, sharp_ms=60.0)
    one = make_pattern_recording(60.0, [a, b], seed=9)
    two = make_pattern_recording(60.0, [a, b], seed=9)
    np.testing.assert_array_equal(one.data_uv, two.data_uv)
    assert one.events == two.events
    other_seed = make_pattern_recording(60.0, [a, b], seed=10)
    assert not np.array_equal(one.data_uv, other_seed.data_uv)
    without_b = make_pattern_recording(60.0, [a, None], seed=9)
    diff = one.data_uv - without_b.data_uv
    assert np.all(diff[:, : int(20.0 * FS)] == 0) and np.any(diff != 0)
    np.testing.assert_array_equal(one.discharge_times_s[0], without_b.discharge_times_s[0])
    bare = make_pattern_recording(60.0, [None, None], seed=9)
    np.testing.assert_array_equal(bare.data_uv, background(60.0, FS, CH, 30.0, seed=9))
    assert bare.events == []


# ----------------------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"frequency_hz": 3.0}, "frequency_hz"),
        ({"focus": "Cz"}, "focus"),
        ({"focus": "X9"}, "focus"),
        ({"sharp_ms": 10.0}, "sharp_ms"),
        ({"frequency_hz": 2.5, "sharp_ms": 200.0}, "sharp_ms"),
        ({"plus": ("s",)}, "plus"),
        ({"jitter_ratio": 0.5}, "jitter_ratio"),
        ({"amplitude_uv": -1.0}, "amplitude_uv"),
        ({"event_type": "gpd"}, "gpd"),
    ],
)
def test_pd_input_checks_name_the_argument(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        PeriodicDischarges(0.0, 20.0, **kwargs)  # type: ignore[arg-type]


def test_recording_input_checks_name_the_argument() -> None:
    late = PeriodicDischarges(50.0, 70.0)
    with pytest.raises(ValueError, match=r"components\[1\]\.offset_s"):
        make_pattern_recording(60.0, [None, late])
    with pytest.raises(TypeError, match=r"components\[0\]"):
        make_pattern_recording(60.0, ["lpd"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="sfreq_hz"):
        make_pattern_recording(60.0, [], sfreq_hz=32.0)
    with pytest.raises(ValueError, match="kind"):
        make_periodic_discharges("lrda")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="second_focus"):
        make_periodic_discharges("bipd", focus="T3", second_focus="C3")
