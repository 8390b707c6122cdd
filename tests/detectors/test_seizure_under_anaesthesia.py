"""Seizure detection while the EEG is in burst suppression (the bedside use case).

Bursts, and the emergence from burst suppression into continuous background, must
not look like seizures; a sustained breakthrough seizure during moderate burst
suppression must still be found.
"""

from __future__ import annotations

import numpy as np
import pytest

from rse_monitor.monitoring.engine import BedEngine
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.recordings.synthetic import (
    DEFAULT_CHANNELS_19,
    make_burst_suppression,
    make_seizure_recording,
    stream_background_chunks,
)

FS = 256.0


@pytest.mark.parametrize("ratio", [0.3, 0.5, 0.8, 0.95])
def test_no_alarm_in_or_after_burst_suppression(ratio: float) -> None:
    """10 min background, 10 min burst suppression, 10 min background: no seizure."""
    engine = BedEngine(FS, DEFAULT_CHANNELS_19)
    chunks = stream_background_chunks(
        1800, FS, chunk_s=60, seed=3, ch_names=DEFAULT_CHANNELS_19,
        suppression_epochs=[(600, 1200, ratio)], line_noise_uv=5.0,
    )  # fmt: skip
    alarms = [a for c in chunks for h in engine.push(c) for a in h.alerts
              if a.kind == "seizure_onset"]  # fmt: skip
    assert alarms == []
    assert engine.finish() == []


@pytest.mark.parametrize(("ratio", "seed"), [(0.5, 1), (0.7, 2)])
def test_breakthrough_seizure_during_burst_suppression(ratio: float, seed: int) -> None:
    """A 80-s seizure at 600 s riding on burst suppression: found within 25 s of onset."""
    with_sz = make_seizure_recording(900, FS, seizures=((600, 680),), seed=seed,
                                     line_noise_hz=None)  # fmt: skip
    without = make_seizure_recording(900, FS, seizures=(), seed=seed, line_noise_hz=None,
                                     postictal_depth_ratio=0.0)  # fmt: skip
    bs = make_burst_suppression(900, FS, suppression_ratio=ratio, seed=seed)
    data = bs.data_uv + (with_sz.data_uv - without.data_uv)
    engine = BedEngine(FS, bs.ch_names)
    hops = [h for c in Chunk(data, 0.0, FS, bs.ch_names).split(int(60 * FS))
            for h in engine.push(c)]  # fmt: skip
    onsets = [a.t_s for h in hops for a in h.alerts if a.kind == "seizure_onset"]
    assert len(onsets) == 1
    assert 600 <= onsets[0] <= 625
    events = engine.finish()
    assert len(events) == 1 and abs(events[0].onset_s - 600) <= 20
    # the seizure was judged ictal on most of its hops
    ictal = np.array([h.ictal for h in hops if 625 <= h.t_s <= 680])
    assert ictal.mean() > 0.8
