"""Seizure detector and the Esteller baseline on signals with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rse_monitor.detectors.baseline import LineLengthBaseline
from rse_monitor.detectors.seizure import SeizureDetector, channel_count_needed
from rse_monitor.monitoring.engine import BedEngine, EngineConfig
from rse_monitor.recordings.synthetic import add_artefacts, iter_chunks, make_seizure_recording

FREQS = np.arange(0.0, 41.0)


def _features(n_hops: int, n_ch: int, seed: int = 0, level: float = 1.0):
    """Stationary per-hop features: LL around ``level``, a flat PSD (log-normal noise)."""
    rng = np.random.default_rng(seed)
    ll = level * np.exp(0.05 * rng.standard_normal((n_hops, n_ch)))
    psd = level**2 * np.exp(0.1 * rng.standard_normal((n_hops, n_ch, FREQS.size)))
    return ll, psd


def _feed(det, ll, psd, t0: float = 1.0, good=None):
    decisions = []
    for i in range(ll.shape[0]):
        g = np.ones(ll.shape[1], dtype=bool) if good is None else good[i]
        decisions.append(det.update(t0 + i, ll[i], g, psd=psd[i], freqs_hz=FREQS))
    return decisions


def _engine_events(
    rec, montage: bool = True, scale: float = 1.0, unit_known: bool = True, acns: bool = True
):
    config = EngineConfig(montage=montage, acns=acns)
    engine = BedEngine(rec.sfreq_hz, rec.ch_names, unit_known, config)
    alarms = []
    for chunk in iter_chunks(rec, 30.0):
        if scale != 1.0:
            chunk = type(chunk)(chunk.data_uv * scale, chunk.t0_s, chunk.sfreq_hz, chunk.ch_names)
        for hop in engine.push(chunk):
            alarms += [a.t_s for a in hop.alerts if a.kind == "seizure_onset"]
    return engine.finish(), alarms


# -- the decision logic on exact features ---------------------------------------------


def test_cusum_declares_a_strong_step_after_three_windows() -> None:
    ll, psd = _features(120, 8)
    ll[80:] *= 10.0  # ln 10 − ln 1.85 > max_step: each window adds exactly 1
    det = SeizureDetector([f"c{i}" for i in range(8)])
    dec = _feed(det, ll, psd)
    onsets = [d for d in dec if d.onset is not None]
    assert len(onsets) == 1
    assert onsets[0].t_s == 83.0  # windows ending at 81, 82, 83 s
    assert onsets[0].onset.onset_s == pytest.approx(80.0)  # middle of the first window
    assert onsets[0].onset.alarm_t_s == 83.0
    assert not any(d.ictal for d in dec[:81])


def test_marginal_change_needs_persistence_and_offset_has_hysteresis() -> None:
    ll, psd = _features(200, 6)
    ll[70:] *= 2.2  # ln 2.2 − ln 1.85 ≈ 0.17 per window: about 18 windows to declare
    ll[140:] /= 2.2 / 1.7  # between off_ratio (1.5) and on_ratio: the event goes on
    ll[170:] /= 1.7  # back to baseline: ends after 10 s
    det = SeizureDetector([f"c{i}" for i in range(6)])
    dec = _feed(det, ll, psd)
    alarm = next(d for d in dec if d.onset is not None)
    assert 80.0 <= alarm.t_s <= 95.0
    end = next(d for d in dec if d.offset is not None)
    assert end.t_s == pytest.approx(180.0)  # 10 windows below off_ratio: 171..180
    assert end.offset.offset_s == pytest.approx(170.0)  # middle of the first window below
    assert end.offset.onset_s == pytest.approx(70.0)
    assert 0.0 < end.offset.confidence < 1.0


def test_no_decision_during_warm_up() -> None:
    ll, psd = _features(100, 4)
    ll[10:40] *= 20.0
    det = SeizureDetector(["a", "b", "c", "d"], warmup_s=60.0)
    dec = _feed(det, ll, psd)
    assert all(d.score == 0.0 and not d.ictal for d in dec[:50])
    assert all(math.isnan(d.strength) for d in dec[:50])


def test_scale_free() -> None:
    ll, psd = _features(150, 5, seed=3)
    ll[90:] *= np.linspace(1.5, 6.0, 60)[:, None]
    runs = []
    for scale in (1e-3, 1.0, 2048.0):
        det = SeizureDetector(list("abcde"))
        dec = _feed(det, ll * scale, psd * scale**2)
        runs.append(
            [
                (d.t_s, d.ictal, None if math.isnan(d.strength) else round(d.strength, 9))
                for d in dec
            ]
        )
    assert runs[0] == runs[1] == runs[2]
    assert any(ictal for _, ictal, _ in runs[0])


def test_one_channel_recording_is_judged_on_its_channel() -> None:
    assert channel_count_needed(1) == 1
    ll, psd = _features(120, 1)
    ll[80:] *= 4.0
    dec = _feed(SeizureDetector(["Cz"]), ll, psd)
    assert sum(d.onset is not None for d in dec) == 1


def test_spatial_rule_needs_several_channels_in_a_full_montage() -> None:
    assert [channel_count_needed(n) for n in (1, 3, 9, 10, 16, 17, 23, 24, 64)] == [
        1,
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
    ]
    ll, psd = _features(150, 18)
    ll[80:, :2] *= 20.0  # an electrode pop: two derivations of one electrode
    det = SeizureDetector([f"c{i}" for i in range(18)])
    assert not any(d.ictal for d in _feed(det, ll, psd))
    ll[80:, :3] *= 20.0  # three derivations: a (focal) seizure
    det = SeizureDetector([f"c{i}" for i in range(18)])
    assert any(d.ictal for d in _feed(det, ll, psd))


def test_duplicated_derivations_vote_once() -> None:
    names = ["T7-P7", "P7-T7", "T8-P8", "T8-P8.2"] + [f"X{i}-Y{i}" for i in range(15)]
    ll, psd = _features(150, len(names))
    ll[80:, :4] *= 20.0  # four channels rise, but they are two derivations
    assert channel_count_needed(17) == 3  # 17 distinct derivations: three must agree
    assert not any(d.ictal for d in _feed(SeizureDetector(names), ll, psd))
    ll[80:, 4] *= 20.0  # a third derivation
    assert any(d.ictal for d in _feed(SeizureDetector(names), ll, psd))
    # a copy stands in for its original when the original is bad
    good = np.ones(ll.shape, dtype=bool)
    good[:, [0, 2]] = False
    assert any(d.ictal for d in _feed(SeizureDetector(names), ll, psd, good=good))
    only_copy = SeizureDetector(["A-B", "B-A"])
    dec = only_copy.update(1.0, np.ones(2), np.array([False, True]))
    assert not dec.ictal


def test_large_slow_global_change_is_an_artefact_window() -> None:
    ll, psd = _features(150, 10)
    ll[80:100] *= 4.0  # line length ×4 ...
    psd[80:100, :, 1:3] *= 400.0  # ... but the power below 2.5 Hz ×400 (amplitude ×20)
    det = SeizureDetector([f"c{i}" for i in range(10)])
    dec = _feed(det, ll, psd)
    assert all(d.artefact for d in dec[80:103])  # windows 81..100 s, plus the 3-s hold
    assert not dec[79].artefact and not dec[103].artefact
    assert not any(d.ictal for d in dec)
    # the same line-length rise without the slow surge is a seizure
    ll2, psd2 = _features(150, 10)
    ll2[80:100] *= 4.0
    psd2[80:100, :, 3:15] *= 16.0
    assert any(d.ictal for d in _feed(SeizureDetector([f"c{i}" for i in range(10)]), ll2, psd2))


def test_bad_channels_are_ignored() -> None:
    ll, psd = _features(150, 6)
    good = np.ones((150, 6), dtype=bool)
    ll[80:, :3] *= 30.0
    good[80:, :3] = False  # clipped/flat according to the engine's guards
    ll[100:110, 3] = 0.0  # a dead channel has no line length
    assert not any(d.ictal for d in _feed(SeizureDetector(list("abcdef")), ll, psd, good=good))


def test_input_validation() -> None:
    with pytest.raises(ValueError, match="on_ratio"):
        SeizureDetector(["a"], on_ratio=1.4, off_ratio=1.5)
    with pytest.raises(ValueError, match="ch_names"):
        SeizureDetector([])
    with pytest.raises(ValueError, match="warmup_s"):
        SeizureDetector(["a"], warmup_s=400.0, baseline_s=300.0)
    det = SeizureDetector(["a", "b"])
    with pytest.raises(ValueError, match="shape"):
        det.update(1.0, np.ones(3), np.ones(3, dtype=bool))
    with pytest.raises(ValueError, match="psd"):
        det.update(1.0, np.ones(2), np.ones(2, dtype=bool), psd=np.ones((2, 5)), freqs_hz=FREQS)
    with pytest.raises(ValueError, match="threshold_ratio"):
        LineLengthBaseline(["a"], threshold_ratio=1.0)


# -- through the engine on synthetic EEG ------------------------------------------------


@pytest.mark.parametrize(("focal", "seed"), [(None, 0), (["T3", "F7", "C3"], 1)])
def test_synthetic_seizures_detected_without_false_alarms(focal, seed) -> None:
    rec = make_seizure_recording(
        600.0, 256.0, seizures=((250.0, 310.0), (450.0, 520.0)), seed=seed, focal_channels=focal
    )
    rec = add_artefacts(rec, "movement", 150.0, 8.0, seed=seed)
    rec = add_artefacts(rec, "electrode_pop", 380.0, 20.0, channels=["O2"], seed=seed)
    # the generator's generalized field is the same on every electrode: referential
    events, alarms = _engine_events(rec, montage=False)
    assert len(events) == 2
    for ev, (on, _off) in zip(events, rec.seizures, strict=True):
        assert on - 5.0 <= ev.onset_s <= on + 15.0
        assert ev.offset_s is not None and ev.offset_s > on
        assert 0.0 < ev.confidence <= 1.0
    assert all(on < t <= on + 30.0 for t, (on, _) in zip(alarms, rec.seizures, strict=True))


def test_raw_units_give_the_same_events() -> None:
    """The relative detector is scale-free (the ACNS rules, in µV, are off here:
    with unknown units the engine runs without them)."""
    rec = make_seizure_recording(420.0, 256.0, seizures=((250.0, 300.0),), seed=5)
    ev_uv, _ = _engine_events(rec, montage=False, acns=False)
    ev_raw, _ = _engine_events(rec, montage=False, scale=1 / 0.0625, unit_known=False)
    assert len(ev_uv) == len(ev_raw) == 1
    assert ev_uv[0].onset_s == ev_raw[0].onset_s
    assert ev_uv[0].offset_s == ev_raw[0].offset_s


@pytest.mark.parametrize("amplitude_uv", [75.0, 150.0, 300.0])
def test_movement_on_all_channels_is_not_a_seizure(amplitude_uv: float) -> None:
    rec = make_seizure_recording(360.0, 256.0, seizures=(), seed=9)
    for k, start in enumerate((120.0, 200.0, 280.0)):
        rec = add_artefacts(
            rec, "movement", start, 6.0 + 4.0 * k, seed=k, amplitude_uv=amplitude_uv
        )
    rec = add_artefacts(rec, "clip", 170.0, 5.0, seed=4)
    rec = add_artefacts(rec, "flat", 240.0, 20.0, channels=["P4"], seed=4)
    for montage in (True, False):
        events, alarms = _engine_events(rec, montage=montage)
        assert events == [] and alarms == []


def test_baseline_detector_calibrates_then_fires_on_a_fixed_threshold() -> None:
    ll, psd = _features(200, 4)
    ll[100:130] *= 3.0
    ll[150:] *= 1.8  # under 2× the calibration median: never detected, never adapted to
    det = LineLengthBaseline(list("abcd"), threshold_ratio=2.0, calibration_s=60.0)
    dec = _feed(det, ll, psd)
    assert det.threshold == pytest.approx(2.0 * np.median(ll[:60].mean(axis=1)))
    onsets = [d for d in dec if d.onset is not None]
    assert [d.t_s for d in onsets] == [105.0]  # 5 s above: windows 101..105
    offsets = [d for d in dec if d.offset is not None]
    assert offsets[0].offset.offset_s == pytest.approx(130.0)
    assert det.finish(200.0) is None


def test_onset_evidence_accumulates_per_second_whatever_the_hop() -> None:
    ll, psd = _features(240, 8)
    ll[160:] *= 10.0
    det = SeizureDetector([f"c{i}" for i in range(8)], hop_s=0.5)
    dec = [
        det.update(0.5 * (i + 1), ll[i], np.ones(8, dtype=bool), psd=psd[i], freqs_hz=FREQS)
        for i in range(240)
    ]
    alarm = next(d for d in dec if d.onset is not None)
    assert alarm.t_s == pytest.approx(83.0)  # 3 s of windows, as with 1-s hops
