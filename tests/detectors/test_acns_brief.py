"""Sporadic epileptiform discharges and BIRDs (:mod:`detectors.acns.brief`): the pure
functions on hand-made discharge lists, then known answers through the engine.

Known answers (synthetic, exact truth; 300 s of 20-µV-RMS background with posterior
alpha, :func:`recordings.synthetic.make_pattern_recording`):

- clean background: no sporadic discharge, no BIRD (seeds 0-2);
- 34 isolated sharp transients (150 µV, 50 ms, negative at T3, field decaying over
  the left temporal chain) every 8 s: at least 70 % of them found as sporadic
  discharges (measured 26-29 of 34), every one found within 0.1 s of a true one,
  no BIRD;
- seven 3-s bursts of 6-Hz sharp activity (100 µV, 40 ms, T3 field), one every 40 s,
  some straddling the tracker's 10-s windows: at least 4 of 7 found as BIRDs
  (measured 4-6), each within 0.5 s of its burst's onset (measured ≤ 0.43 s), 6 ± 0.5 Hz, 3 ± 0.7 s
  long, on F7-T7 and T7-P7; none outside a burst.
"""

from __future__ import annotations

import numpy as np
import pytest

from rse_monitor.detectors.acns.brief import (
    BIRD_MAX_S,
    Bird,
    brief_findings,
    find_birds,
    sporadic_discharges,
)
from rse_monitor.detectors.acns.discharges import Discharges
from rse_monitor.detectors.acns.rhythm import channel_rhythm
from rse_monitor.monitoring.engine import BedEngine
from rse_monitor.monitoring.settings import EngineConfig
from rse_monitor.pipeline.chunk import Chunk

FS = 256.0
NAMES = ("F7-T7", "T7-P7", "P7-O1", "FP2-F8")


def _discharges(rows: list[tuple[int, float, int, float]], n_ch: int = 4) -> Discharges:
    """(channel, peak s, polarity, amplitude in σ) -> Discharges with σ = 10 µV."""
    rows = sorted(rows)
    n = len(rows)
    return Discharges(
        channel=np.array([r[0] for r in rows], dtype=np.intp),
        peak_s=np.array([r[1] for r in rows]),
        duration_ms=np.full(n, 50.0),
        amplitude_uv=np.array([10.0 * r[3] for r in rows]),
        slope_uv_per_ms=np.full(n, 2.0),
        polarity=np.array([r[2] for r in rows], dtype=np.int8),
        n_channels=n_ch,
        window_s=10.0,
        background_sd_uv=np.full(n_ch, 10.0),
    )


def _train(
    ch: int, t0: float, hz: float, n: int, pol: int = -1
) -> list[tuple[int, float, int, float]]:
    return [(ch, t0 + k / hz, pol, 6.0) for k in range(n)]


# ------------------------------------------------------------------- pure functions
def test_a_6_hz_run_on_two_channels_is_one_bird() -> None:
    d = _discharges(_train(0, 3.0, 6.0, 12) + _train(1, 3.01, 6.0, 12, pol=1))
    birds, tail, _ = find_birds(d, NAMES, 10.0)
    assert tail == {}
    (b,) = birds
    assert b.channels == ("F7-T7", "T7-P7")
    assert b.frequency_hz == pytest.approx(6.0, abs=0.05)
    assert b.onset_s == pytest.approx(3.0 - 1 / 12, abs=0.02)
    assert b.duration_s == pytest.approx(2.0, abs=0.05)  # 12 waves of 1/6 s


def test_what_is_not_a_bird() -> None:
    cases = {
        "one channel only": _train(0, 3.0, 6.0, 12),
        "4 Hz is not faster than 4 Hz": _train(0, 3.0, 4.0, 12) + _train(1, 3.0, 4.0, 12),
        "5 waves": _train(0, 3.0, 6.0, 5) + _train(1, 3.0, 6.0, 5),
        "irregular": [(c, t, -1, 6.0) for c in (0, 1)
                      for t in np.cumsum([3.0, 0.17, 0.09, 0.21, 0.12, 0.23, 0.15, 0.19])],
    }  # fmt: skip
    for why, rows in cases.items():
        birds, _, _ = find_birds(_discharges(rows), NAMES, 10.0)
        assert birds == [], why


def test_a_missed_wave_and_the_after_going_phase_keep_a_run_regular() -> None:
    rows = _train(0, 3.0, 6.0, 12) + _train(1, 3.0, 6.0, 12)
    rows = [r for r in rows if abs(r[1] - (3.0 + 5 / 6)) > 1e-6]  # one wave missed
    rows += [(0, 3.0 + k / 6 + 0.07, 1, 4.5) for k in range(0, 12, 2)]  # after-going
    (b,) = find_birds(_discharges(rows), NAMES, 10.0)[0]
    assert b.frequency_hz == pytest.approx(6.0, abs=0.05)


def test_a_run_across_two_windows_is_judged_whole() -> None:
    # 3 s of 6 Hz from 8.5 s: 1.5 s in this window, 1.5 s in the next
    first = _discharges(_train(0, 8.5, 6.0, 9) + _train(1, 8.5, 6.0, 9))
    birds, tail, _ = find_birds(first, NAMES, 10.0)
    assert birds == [] and set(tail) == {"F7-T7", "T7-P7"}
    nxt = _discharges(_train(0, 0.0, 6.0, 9) + _train(1, 0.0, 6.0, 9))
    (b,), tail2, _ = find_birds(nxt, NAMES, 10.0, tail)
    assert tail2 == {}
    assert b.onset_s == pytest.approx(-1.5 - 1 / 12, abs=0.02)
    assert b.duration_s == pytest.approx(3.0, abs=0.05)
    # a rhythm that goes on for 10 s or more is no BIRD
    tail = {}
    for _ in range(2):
        d = _discharges(_train(0, 0.0, 6.0, 60) + _train(1, 0.0, 6.0, 60))
        birds, tail, _ = find_birds(d, NAMES, 10.0, tail)
        assert birds == []
    d = _discharges(_train(0, 0.0, 6.0, 12) + _train(1, 0.0, 6.0, 12))
    birds, _, _ = find_birds(d, NAMES, 10.0, tail)
    assert birds == [] and BIRD_MAX_S == 10.0


def test_a_sporadic_discharge_needs_a_phase_reversal() -> None:
    reversal = [(0, 4.0, 1, 6.0), (1, 4.01, -1, 6.0)]
    assert sporadic_discharges(_discharges(reversal), NAMES) == [
        (pytest.approx(4.005), ("F7-T7", "T7-P7"))
    ]
    same_sign = [(0, 4.0, 1, 6.0), (1, 4.01, 1, 6.0)]
    not_neighbours = [(0, 4.0, 1, 6.0), (3, 4.01, -1, 6.0)]
    too_small = [(0, 4.0, 1, 5.0), (1, 4.01, -1, 5.0)]  # 10 σ < 11 σ
    too_far_apart = [(0, 4.0, 1, 6.0), (1, 4.08, -1, 6.0)]
    for rows in (same_sign, not_neighbours, too_small, too_far_apart):
        assert sporadic_discharges(_discharges(rows), NAMES) == []
    # inside a rhythmic run it is part of the rhythm; in a pattern window, of the pattern
    assert sporadic_discharges(_discharges(reversal), NAMES, [(3.5, 4.5)]) == []
    f = brief_findings(_discharges(reversal), NAMES, 10.0, has_pattern=True, seizure=False)
    assert f.empty
    f = brief_findings(_discharges(reversal), NAMES, 10.0, has_pattern=False, seizure=True)
    assert f.empty
    assert brief_findings(None, NAMES, 10.0, False, False).empty


def test_bad_names_are_refused() -> None:
    with pytest.raises(ValueError, match="ch_names"):
        find_birds(_discharges([(0, 1.0, 1, 6.0)]), NAMES[:2], 10.0)


# ------------------------------------------------------------------ through the engine
def _background(seed: int):  # type: ignore[no-untyped-def]
    from rse_monitor.recordings.synthetic import make_pattern_recording

    return make_pattern_recording(300.0, [None], FS, seed=seed, amplitude_uv=20.0)


def _add_transients(rec, times_s: np.ndarray, amp_uv: float, sharp_ms: float) -> None:  # type: ignore[no-untyped-def]
    from rse_monitor.recordings.synthetic._discharges import pattern_field, pd_phases, render_train

    names = tuple(rec.ch_names)
    field = pattern_field(names, "T3", 0.5, 0.15)
    phases = pd_phases(sharp_ms / 1000.0, False)
    n = len(times_s)
    render_train(rec.data_uv, np.asarray(times_s, dtype=float), np.full(n, amp_uv),
                 [phases] * n, field, np.zeros(len(names)), FS)  # fmt: skip


def _findings(rec) -> tuple[list[float], list[Bird]]:  # type: ignore[no-untyped-def]
    """Absolute times of the sporadic discharges, and the BIRDs (absolute onsets)."""
    names = tuple(rec.ch_names)
    eng = BedEngine(FS, names, True, EngineConfig(notch_hz=None))
    step = int(10 * FS)
    for i in range(0, rec.data_uv.shape[1], step):
        eng.push(Chunk(rec.data_uv[:, i : i + step], i / FS, FS, names))
    eng.finish()
    assert eng.patterns is not None
    sporadic = [t0 + s for t0, f in eng.patterns.brief_log for s in f.sporadic_s]
    birds = [Bird(t0 + b.onset_s, b.duration_s, b.frequency_hz, b.channels)
             for t0, f in eng.patterns.brief_log for b in f.birds]  # fmt: skip
    return sporadic, birds


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clean_background_has_neither(seed: int) -> None:
    assert _findings(_background(seed)) == ([], [])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_isolated_spikes_are_sporadic_discharges(seed: int) -> None:
    rec = _background(seed)
    truth = np.arange(20.0, 290.0, 8.0)
    _add_transients(rec, truth, 150.0, 50.0)
    sporadic, birds = _findings(rec)
    assert birds == []
    assert len(sporadic) >= 0.7 * len(truth), (len(sporadic), len(truth))
    # the peak of a 50-ms transient is about 20 ms after its start
    err = [float(np.min(np.abs(truth - t))) for t in sporadic]
    assert max(err) <= 0.1, err


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_brief_6_hz_bursts_are_birds(seed: int) -> None:
    rec = _background(seed)
    onsets = np.arange(30.0, 290.0, 40.0)
    for t0 in onsets:
        _add_transients(rec, t0 + np.arange(18) / 6.0, 100.0, 40.0)
    _, birds = _findings(rec)
    assert len(birds) >= 4, birds
    for b in birds:
        near = onsets[np.argmin(np.abs(onsets - b.onset_s))]
        assert abs(b.onset_s - near) <= 0.5, b
        assert b.frequency_hz == pytest.approx(6.0, abs=0.5)
        assert b.duration_s == pytest.approx(3.0, abs=0.7)
        assert set(b.channels) == {"F7-T7", "T7-P7"}


# --------------------------------------------- a rhythm at twice the rate is no BIRD


def _window_with(hz: float, channels: tuple[int, ...], seed: int = 5) -> np.ndarray:
    """10 s of 1/f background (10 µV) on the four NAMES channels, with a 40-µV
    sinusoid at ``hz`` on ``channels``."""
    rng = np.random.default_rng(seed)
    n = int(10 * FS)
    spec = np.fft.rfft(rng.standard_normal((4, n)), axis=-1)
    f = np.fft.rfftfreq(n, 1.0 / FS)
    spec[:, 1:] /= f[1:] ** 0.75
    spec[:, f < 0.5] = 0.0
    x = np.fft.irfft(spec, n=n, axis=-1)
    x = x / x.std(axis=-1, keepdims=True) * 10.0
    t = np.arange(n) / FS
    for c in channels:
        x[c] += 40.0 * np.sin(2 * np.pi * hz * t)
    return x


@pytest.mark.parametrize(("rhythm_hz", "kept"), [(10.0, False), (5.0, True)])
def test_a_5_hz_run_is_a_bird_only_where_the_power_is_at_5_hz(rhythm_hz: float, kept: bool) -> None:
    """The same 5-Hz run on F7-T7 and T7-P7: in a window whose rhythm on those channels
    is at 10 Hz (an alpha rhythm the detector read every other wave) it is no BIRD;
    where the rhythm is at 5 Hz it is one."""
    d = _discharges(_train(0, 2.0, 5.0, 10) + _train(1, 2.0, 5.0, 10))
    rhythm = channel_rhythm(_window_with(rhythm_hz, (0, 1)), FS, d)
    found = brief_findings(d, NAMES, 10.0, False, False, None, rhythm)
    assert len(found.birds) == (1 if kept else 0), found.birds
    # without the window's rhythm nothing is removed
    assert len(brief_findings(d, NAMES, 10.0, False, False).birds) == 1
