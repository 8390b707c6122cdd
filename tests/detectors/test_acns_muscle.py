"""Bursts of muscle potentials (chewing, shivering) are not periodic discharges.

The largest peak of each EMG burst passes the spike tests (duration, amplitude and
slope against the background), so chewing at 1.5 Hz read as a GPD and bursts at 3 Hz
as a seizure. ``hf_share`` measures the share of a discharge's power at ≥ 20 Hz, and in a
window the artefact classifier calls muscle a periodic group of mostly-≥ 20-Hz
"discharges" is not a pattern (``detectors/acns/terms.py``, "Muscle").
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import signal

from rse_monitor.detectors.acns import PatternWindow, classify_window, detect_discharges
from rse_monitor.detectors.acns.discharges import hf_share
from rse_monitor.detectors.acns.tracker import PatternTracker
from rse_monitor.recordings.synthetic import artefact_classes as ac
from tests.detectors.test_acns import (
    FS,
    LEFT,
    NAMES_1020,
    RIGHT,
    add_transients,
    background,
    train,
)


def band(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """0.5-45 Hz, as the engine filters before the ACNS rules."""
    sos = signal.butter(4, [0.5, 45.0], btype="bandpass", fs=FS, output="sos")
    return np.asarray(signal.sosfiltfilt(sos, x, axis=-1))


def chewing(seed: int, rate_hz: float = 1.5, amp_uv: float = 60.0) -> NDArray[np.float64]:
    """10 s of background with EMG bursts gated at ``rate_hz`` on the frontal and
    temporal channels (the muscles of mastication)."""
    x = ac.add_muscle_bursts(background(seed, 10.0), FS, NAMES_1020, 0.0, 10.0, rate_hz,
                             amp_uv, ac.FRONTOTEMPORAL_19, seed)  # fmt: skip
    return band(x)


def test_a_spike_has_little_power_above_20_hz() -> None:
    """50-ms triangles (first spectral zero at 40 Hz): well under half, as the module
    derives (about 5 % for the triangle itself)."""
    x = add_transients(background(3, 10.0, rms_uv=10.0, n_ch=1), [0], train(1.0, 10.0, 0.5))
    x = band(x)
    d = detect_discharges(x, FS)
    assert len(d) >= 8
    share = hf_share(x, FS, d)
    assert share.shape == (len(d),)
    assert float(np.median(share)) < 0.2
    assert ((share >= 0.0) & (share <= 1.0)).all()


def test_the_peaks_of_emg_bursts_are_mostly_above_20_hz() -> None:
    x = chewing(4)
    d = detect_discharges(x, FS)
    ft = [i for i, c in enumerate(NAMES_1020) if c in ac.FRONTOTEMPORAL_19]
    on_ft = np.isin(d.channel, ft)
    assert on_ft.sum() >= 20
    assert float(np.median(hf_share(x, FS, d)[on_ft])) > 0.6


def test_the_share_of_no_discharges_is_empty() -> None:
    x = band(background(5, 10.0, rms_uv=2.0, n_ch=2))
    d = detect_discharges(x, FS)
    assert len(d) == 0 and hf_share(x, FS, d).shape == (0,)


@pytest.mark.parametrize(("rate_hz", "amp_uv"), [(1.5, 60.0), (3.0, 100.0)])
def test_chewing_in_a_muscle_window_is_no_pattern(rate_hz: float, amp_uv: float) -> None:
    """The same window: periodic "discharges" when its muscle class is not given (as
    before: a 1.5-Hz GPD, or > 2.5 Hz, the rate of a seizure), no pattern when it is,
    with the share in the reasons."""
    x = chewing(6, rate_hz, amp_uv)
    plain = classify_window(x, FS, NAMES_1020)
    assert plain.pattern is not None and plain.pattern.main2 == "PD", plain.reasons
    judged = classify_window(x, FS, NAMES_1020, muscle=True)
    assert judged.pattern is None, judged.pattern
    reason = next(r for r in judged.reasons if r.code == "muscle_discharges")
    assert reason.value > 0.5


def test_periodic_discharges_under_muscle_stay_a_pattern() -> None:
    """A GPD at 1.5 Hz with chewing on the frontotemporal channels, in a window
    classed muscle: the discharges are cerebral (most power below 20 Hz), so the GPD
    stands."""
    x = add_transients(background(7, 10.0), LEFT + RIGHT, train(1.5, 10.0))
    x = band(ac.add_chewing(x, FS, NAMES_1020, 0.0, 10.0, seed=7))
    w = classify_window(x, FS, NAMES_1020, muscle=True)
    assert w.pattern is not None and w.pattern.term.startswith("GPD"), w.reasons
    assert w.pattern.frequency_hz == pytest.approx(1.5, abs=0.1)


def test_a_three_hz_seizure_train_under_muscle_is_still_fast_pd() -> None:
    x = add_transients(background(8, 10.0), LEFT, train(3.0, 10.0))
    x = band(ac.add_chewing(x, FS, NAMES_1020, 0.0, 10.0, seed=8))
    w = classify_window(x, FS, NAMES_1020, muscle=True)
    assert w.pattern is not None and w.pattern.main2 in ("PD", "SW"), w.reasons
    assert w.pattern.rate_hz > 2.5


def tracked(x: NDArray[np.float64], muscle_hops: int) -> PatternWindow:
    """The tracker's first window over ``x`` (12 s: 2 s settle, one 10-s window) with
    ``muscle_hops`` of its ten 1-s hops noted as muscle (the last ones)."""
    tr = PatternTracker(FS, NAMES_1020, local_background=False)
    tr.push(x, 0.0)
    for k in range(10):
        label = "muscle" if k >= 10 - muscle_hops else ""
        tr.note_good(np.ones(len(NAMES_1020), dtype=bool), label=label)
    (win,) = tr.ready(x.shape[1] / FS)
    return win


def test_one_muscle_hop_is_enough_for_the_tracker_to_ask() -> None:
    """Bursts over the whole window: without a muscle hop the tracker keeps the
    periodic "pattern"; with one hop of ten classed muscle it is judged as muscle
    (two seconds of bursts at 2 Hz made a GPD train with the window's other
    discharges in the artefact benchmark)."""
    x = np.concatenate([background(9, 2.0), chewing(9, 1.5, 60.0)], axis=1)
    assert tracked(x, 0).term.pattern is not None
    win = tracked(x, 1)
    assert win.term.pattern is None
    assert "muscle_discharges" in [r.code for r in win.term.reasons]
