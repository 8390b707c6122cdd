"""The bed session: settings, error recovery, sinks, and a source whose layout changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rse_monitor.detectors.alerts import Alert
from rse_monitor.detectors.clinical import Targets
from rse_monitor.monitoring.engine import HopResult
from rse_monitor.monitoring.outputs import FileSink
from rse_monitor.monitoring.policy import CONDITION_CLEAR_S
from rse_monitor.monitoring.session import BedSession, Sink, SourceInfo
from rse_monitor.monitoring.settings import BedSettings, EngineConfig
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.recordings.synthetic import iter_chunks, make_seizure_recording


class Collect(Sink):
    """Keeps what the session publishes."""

    def __init__(self) -> None:
        self.hops: list[HopResult] = []
        self.alerts: list[Alert] = []
        self.n_events_calls = 0

    def write(self, session: BedSession, hops: list[HopResult], alerts: list[Alert]) -> None:
        self.hops += hops
        self.alerts += alerts

    def events(self, session: BedSession, events: list[Any], t_end_s: float) -> None:
        self.n_events_calls += 1


class Broken(Sink):
    def write(self, session: BedSession, hops: list[HopResult], alerts: list[Alert]) -> None:
        raise OSError("disk full")


@pytest.fixture(scope="module")
def recording() -> Any:
    return make_seizure_recording(duration_s=240.0, seizures=((120.0, 180.0),), seed=3)


def _info(rec: Any) -> SourceInfo:
    return SourceInfo(rec.sfreq_hz, tuple(rec.ch_names))


def test_settings_are_checked_and_round_trip() -> None:
    s = BedSettings(EngineConfig(notch_hz=60.0, l_freq_hz=1.0, h_freq_hz=30.0, montage=False),
                    seizure_type="focal_impaired_awareness", t1_min=12.0,
                    targets=Targets("burst_suppression", 0.6, 0.9))  # fmt: skip
    assert BedSettings.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert s.t1_t2_min == (12.0, 60.0)  # the focal type's t2 fills in (ILAE 2015)
    assert s.with_engine(notch_hz=None).engine.notch_hz is None
    with pytest.raises(ValueError, match="notch_hz must be one of"):
        EngineConfig(notch_hz=55.0)
    with pytest.raises(ValueError, match="l_freq_hz < h_freq_hz"):
        EngineConfig(l_freq_hz=40.0, h_freq_hz=30.0)
    with pytest.raises(ValueError, match="t2_min .* must be later than t1_min"):
        BedSettings(t1_min=30.0, t2_min=10.0)
    with pytest.raises(ValueError, match="unknown engine setting"):
        BedSettings.from_dict({"engine": {"notch": 50}})


def test_the_settings_reach_the_engine(recording: Any) -> None:
    s = BedSettings(EngineConfig(notch_hz=60.0, montage=False))
    session = BedSession("b", None, s)
    session.start(_info(recording))
    assert session.engine is not None
    assert session.engine.filter.notch_hz == 60.0
    assert session.engine.montage.kind == "as_given"
    assert session.n_channels == len(recording.ch_names)  # as recorded: no bipolar pairs
    assert session.summary()["settings"]["engine"]["notch_hz"] == 60.0


def test_an_engine_error_restarts_the_engine_and_raises_engine_error(recording: Any) -> None:
    sink = Collect()
    session = BedSession("b", None, BedSettings(), [sink])
    session.start(_info(recording))
    chunks = list(iter_chunks(recording, chunk_s=5.0))
    for c in chunks[:6]:  # 30 s
        session.push(c)
    n_before = len(sink.hops)
    good = chunks[6]
    bad = Chunk(good.data_uv[:-1], good.t0_s, good.sfreq_hz, good.ch_names[:-1])  # a channel short
    assert session.push(bad) == []
    assert session.n_engine_errors == 1
    errors = [a for a in sink.alerts if a.kind == "engine_error"]
    assert [(a.state, a.severity, a.t_s) for a in errors] == [("raised", "medium", bad.t0_s)]
    assert "ValueError" in errors[0].details["error"]
    # the bed goes on: the stages restart after the failed chunk, hops keep coming
    for c in chunks[7:]:
        session.push(c)
    assert len(sink.hops) > n_before + 150
    times = [h.t_s for h in sink.hops]
    assert all(b > a for a, b in zip(times, times[1:], strict=False))
    cleared = [a for a in sink.alerts if a.kind == "engine_error" and a.state == "cleared"]
    assert len(cleared) == 1 and cleared[0].t_s >= bad.t0_s + CONDITION_CLEAR_S


def test_a_failing_sink_is_counted_and_the_others_still_get_everything(
    recording: Any, tmp_path: Path
) -> None:
    sink = Collect()
    session = BedSession("b", None, BedSettings(), [Broken(), sink, FileSink(tmp_path)])
    session.start(_info(recording))
    for c in iter_chunks(recording, chunk_s=30.0):
        session.push(c)
    summary = session.finish()
    assert session.n_sink_errors > 0  # every write of the broken sink, logged and counted
    assert summary["n_sink_errors"] == session.n_sink_errors
    assert len(sink.hops) == 239  # one hop a second from the end of the first 2-s window
    rows = (tmp_path / "trends.csv").read_text().splitlines()
    assert len(rows) == 1 + 239


def test_a_new_layout_starts_a_new_engine_and_keeps_the_events(recording: Any) -> None:
    sink = Collect()
    session = BedSession("b", None, BedSettings(), [sink])
    session.start(_info(recording))
    for c in iter_chunks(recording, chunk_s=10.0):
        session.push(c)
    first = session.events
    assert first, "the seizure at 120-180 s is found"
    # the amplifier comes back with one channel fewer: a new engine, old events kept
    names = tuple(recording.ch_names[:-1])
    session.start(SourceInfo(recording.sfreq_hz, names, new_engine=True))
    assert session.engine is not None and session.engine.in_ch_names == names
    data = recording.data_uv[:-1, : int(30 * recording.sfreq_hz)]
    session.push(Chunk(np.ascontiguousarray(data), 250.0, recording.sfreq_hz, names,
                       gap_before=True))  # fmt: skip
    assert session.events[: len(first)] == first
    assert session.n_engine_errors == 0
