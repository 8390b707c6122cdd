"""LslSource against real liblsl outlets (in this process; timestamps chosen by the test).

Outlets here stamp their samples explicitly, so gaps and drift are exact and the
tests need no waiting: a 40-s stream with a 2 % slow clock is pushed in a moment.
The machine-scope LSL configuration is loaded by tests/conftest.py.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import numpy as np
import pytest

from rse_monitor.pipeline.lsl import (
    LslSource,
    LslStreamNotFound,
    StreamEvent,
    get_pylsl,
    unit_scale_to_uv,
)

pylsl = get_pylsl()


def _name(tag: str) -> str:
    return f"test-{tag}-{uuid.uuid4().hex[:8]}"


def _outlet(
    name: str,
    labels: list[str],
    sfreq_hz: float,
    units: list[str] | None = None,
    types: list[str] | None = None,
    source_id: str | None = None,
) -> Any:
    info = pylsl.StreamInfo(
        name, "EEG", len(labels), sfreq_hz, pylsl.cf_float32, source_id or f"{name}-src"
    )
    chans = info.desc().append_child("channels")
    for i, label in enumerate(labels):
        ch = chans.append_child("channel")
        ch.append_child_value("label", label)
        if units is not None:
            ch.append_child_value("unit", units[i])
        if types is not None:
            ch.append_child_value("type", types[i])
    return pylsl.StreamOutlet(info)


def _push(outlet: Any, data: np.ndarray, t0_lsl: float, period_s: float, block: int = 10) -> None:
    """Push ``data`` (n_samples, n_ch) with the stamp of sample k = t0 + k·period."""
    for s in range(0, data.shape[0], block):
        part = np.ascontiguousarray(data[s : s + block], dtype=np.float32)
        outlet.push_chunk(part, timestamp=t0_lsl + (s + part.shape[0] - 1) * period_s)


def _drain(src: LslSource, n_samples: int, timeout_s: float = 8.0):
    """Pull until ``n_samples`` samples have arrived; return chunks and events."""
    chunks, events = [], []
    got = 0
    deadline = time.monotonic() + timeout_s
    while got < n_samples and time.monotonic() < deadline:
        pulled = src.pull(timeout_s=0.2)
        events += pulled.events
        if pulled.chunk is not None:
            chunks.append(pulled.chunk)
            got += pulled.chunk.n_samples
    assert got == n_samples, f"received {got} of {n_samples} samples"
    return chunks, events


def _ramp(n: int, n_ch: int, start: int = 0) -> np.ndarray:
    """Sample k of channel c holds k + 1000·c (so order and identity are checkable)."""
    return (np.arange(start, start + n)[:, None] + 1000.0 * np.arange(n_ch)[None, :]).astype(
        np.float32
    )


@pytest.mark.parametrize(
    ("unit", "factor"),
    [("V", 1e6), ("volts", 1e6), ("mV", 1e3), ("millivolts", 1e3), ("uV", 1.0), ("µV", 1.0),
     ("μV", 1.0), ("microvolts", 1.0), ("Microvolts", 1.0), ("nV", 1e-3),
     ("counts", None), ("", None), (None, None), ("a.u.", None)],
)  # fmt: skip
def test_unit_scale_to_uv(unit: str | None, factor: float | None) -> None:
    assert unit_scale_to_uv(unit) == factor


def test_source_validates_arguments() -> None:
    with pytest.raises(ValueError, match="at least one"):
        LslSource()
    with pytest.raises(ValueError, match="name"):
        LslSource("bad'name")
    with pytest.raises(ValueError, match="lost_after_s"):
        LslSource("x", lost_after_s=0)
    src = LslSource(_name("absent"))
    t = time.monotonic()
    with pytest.raises(LslStreamNotFound, match="absent"):
        src.open(timeout_s=0.3)
    assert time.monotonic() - t < 3.0


def test_description_labels_units_types_and_scaling() -> None:
    name = _name("meta")
    outlet = _outlet(
        name, ["Fp1", "C3", "ECG1", "O1", "O1"], 100.0,
        units=["microvolts", "mV", "mV", "V", "uV"], types=["EEG", "EEG", "ECG", "EEG", "EEG"],
    )  # fmt: skip
    src = LslSource(name)
    info = src.open(timeout_s=5.0)
    assert info.ch_names == ("Fp1", "C3", "O1", "O1#2")
    assert info.set_aside == ("ECG1",)
    assert info.unit_known
    assert info.sfreq_hz == 100.0 and info.speed == 1.0
    data = _ramp(50, 5)
    _push(outlet, data, pylsl.local_clock(), 0.01)
    chunks, events = _drain(src, 50)
    got = np.concatenate([c.data_uv for c in chunks], axis=1)
    want = data.T.astype(np.float64)[[0, 1, 3, 4]] * np.array([[1.0], [1e3], [1e6], [1.0]])
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert events == []
    assert chunks[0].t0_s == 0.0 and not chunks[0].gap_before
    src.close()


def test_unknown_units_and_missing_description() -> None:
    name = _name("nounit")
    info = pylsl.StreamInfo(name, "EEG", 3, 50.0, pylsl.cf_float32, f"{name}-src")
    outlet = pylsl.StreamOutlet(info)  # no desc at all: labels ch01.., scale unknown
    src = LslSource(name)
    sinfo = src.open(timeout_s=5.0)
    assert sinfo.ch_names == ("ch01", "ch02", "ch03")
    assert not sinfo.unit_known
    assert any("not a volt" in w for w in sinfo.warnings)
    _push(outlet, _ramp(20, 3), pylsl.local_clock(), 0.02)
    chunks, _ = _drain(src, 20)
    assert not chunks[0].unit_known
    src.close()


def test_gap_in_stamps_is_flagged_and_the_clock_jumps() -> None:
    """A 2-s hole in the stamps: the next chunk has gap_before and starts 2 s later."""
    name = _name("gap")
    fs = 100.0
    outlet = _outlet(name, ["C3", "C4"], fs, units=["uV", "uV"])
    src = LslSource(name, gap_tolerance_s=0.5)
    src.open(timeout_s=5.0)
    t0 = pylsl.local_clock()
    _push(outlet, _ramp(300, 2), t0, 1 / fs)
    _push(outlet, _ramp(300, 2, start=500), t0 + 5.0, 1 / fs)  # samples 300..499 missing
    chunks, events = _drain(src, 600)
    gaps = [e for e in events if e.kind == "data_gap"]
    assert len(gaps) == 1, events
    assert gaps[0].details["missing_s"] == pytest.approx(2.0, abs=0.02)
    assert gaps[0].severity == "low" and gaps[0].kind == "data_gap"
    flagged = [c for c in chunks if c.gap_before]
    assert len(flagged) == 1
    assert flagged[0].t0_s == pytest.approx(5.0, abs=1 / fs)
    assert flagged[0].data_uv[0, 0] == 500.0  # the first sample after the hole
    # recording time strictly increases and matches the sample values (k / fs)
    for c in chunks:
        np.testing.assert_allclose(c.times_s(), c.data_uv[0] / fs, atol=1 / fs + 1e-9)
    starts = [c.t0_s for c in chunks]
    assert all(b > a for a, b in zip(starts, starts[1:], strict=False))
    src.close()


def test_jitter_below_tolerance_is_not_a_gap() -> None:
    """Blocks pushed up to 0.2 s late and early (stamps jittered) are not gaps."""
    name = _name("jitter")
    fs = 200.0
    outlet = _outlet(name, ["Cz"], fs, units=["uV"])
    src = LslSource(name, gap_tolerance_s=0.5)
    src.open(timeout_s=5.0)
    rng = np.random.default_rng(3)
    t0 = pylsl.local_clock()
    data = _ramp(4000, 1)
    for s in range(0, 4000, 20):
        late = float(rng.uniform(-0.05, 0.2))
        outlet.push_chunk(data[s : s + 20], timestamp=t0 + (s + 19) / fs + late)
    chunks, events = _drain(src, 4000)
    assert [e for e in events if e.kind == "data_gap"] == []
    assert not any(c.gap_before for c in chunks)
    assert chunks[-1].t_end_s == pytest.approx(4000 / fs)
    src.close()


def test_rate_drift_is_reported_and_the_rate_measured() -> None:
    """A stream declaring 100 Hz whose clock says 98 Hz (-2 %)."""
    name = _name("drift")
    outlet = _outlet(name, ["Pz"], 100.0, units=["uV"])
    src = LslSource(name, drift_tolerance_ratio=0.01, drift_min_span_s=10.0)
    src.open(timeout_s=5.0)
    _push(outlet, _ramp(4000, 1), pylsl.local_clock(), 1 / 98.0, block=25)
    chunks, events = _drain(src, 4000)
    drift = [e for e in events if e.kind == "rate_drift"]
    assert len(drift) == 1
    assert drift[0].details["effective_sfreq_hz"] == pytest.approx(98.0, abs=0.05)
    assert src.effective_sfreq_hz == pytest.approx(98.0, abs=0.05)
    assert not any(c.gap_before for c in chunks)  # drift is not a gap
    # the recording clock is the sample count, as in replay
    assert chunks[-1].t_end_s == pytest.approx(40.0)
    # dejittered LSL time of a recording time follows the fitted rate
    assert src.lsl_time_of(30.0) - src.lsl_time_of(20.0) == pytest.approx(1000 / 98.0, abs=1e-3)
    src.close()


def test_outlet_gone_then_back_gives_lost_then_restored() -> None:
    name = _name("lost")
    fs = 100.0
    sid = f"{name}-src"
    outlet = _outlet(name, ["C3"], fs, units=["uV"], source_id=sid)
    src = LslSource(name, retry_s=0.2)
    src.open(timeout_s=5.0)
    t0 = pylsl.local_clock()
    _push(outlet, _ramp(200, 1), t0, 1 / fs)
    chunks, _ = _drain(src, 200)
    del outlet  # the outlet disappears
    events: list[StreamEvent] = []
    deadline = time.monotonic() + 5.0
    while not any(e.kind == "stream_lost" for e in events) and time.monotonic() < deadline:
        events += src.pull(timeout_s=0.2).events
    assert [e.kind for e in events] == ["stream_lost"]
    assert events[0].severity == "medium"
    assert events[0].t_s == pytest.approx(2.0)
    assert not src.connected
    outlet = _outlet(name, ["C3"], fs, units=["uV"], source_id=sid)
    # the new outlet continues 3 s (300 samples) after the old one's last sample
    more, ev2 = [], []
    deadline = time.monotonic() + 8.0
    pushed = False
    while time.monotonic() < deadline and sum(c.n_samples for c in more) < 100:
        if src.connected and not pushed:
            _push(outlet, _ramp(100, 1, start=500), t0 + 5.0, 1 / fs)
            pushed = True
        pulled = src.pull(timeout_s=0.2)
        ev2 += pulled.events
        if pulled.chunk is not None:
            more.append(pulled.chunk)
    assert [e.kind for e in ev2] == ["stream_restored"]
    assert ev2[0].severity == "low"
    assert more[0].gap_before
    assert more[0].t0_s == pytest.approx(5.0, abs=0.02)
    assert more[0].t0_s > chunks[-1].t_end_s
    assert src.n_lost == 1 and src.n_restored == 1
    src.close()


def test_silence_counts_as_lost_and_data_restores() -> None:
    """An outlet that stays connected but sends nothing is lost after lost_after_s;
    when samples flow again the source reconnects: restored, gap flagged."""
    name = _name("silent")
    outlet = _outlet(name, ["C3"], 100.0, units=["uV"])
    src = LslSource(name, lost_after_s=0.6, retry_s=0.2)
    src.open(timeout_s=5.0)
    t0 = pylsl.local_clock()
    _push(outlet, _ramp(10, 1), t0, 0.01)
    _drain(src, 10)
    t = time.monotonic()
    events: list[StreamEvent] = []
    while not events and time.monotonic() - t < 5.0:
        events += src.pull(timeout_s=0.2).events
    assert [e.kind for e in events] == ["stream_lost"]
    assert "no samples" in events[0].details["reason"]
    assert 0.5 < time.monotonic() - t < 2.0
    chunks: list = []
    deadline = time.monotonic() + 8.0
    pushed = False
    while not chunks and time.monotonic() < deadline:
        if src.connected and not pushed:
            _push(outlet, _ramp(20, 1, start=300), t0 + 3.0, 0.01)
            pushed = True
        pulled = src.pull(timeout_s=0.2)
        events += pulled.events
        if pulled.chunk is not None:
            chunks.append(pulled.chunk)
    assert [e.kind for e in events] == ["stream_lost", "stream_restored"]
    assert events[1].details["missing_s"] == pytest.approx(2.9, abs=0.02)
    assert chunks[0].gap_before and chunks[0].t0_s == pytest.approx(3.0)
    del outlet


def test_lost_before_the_first_sample_then_restored() -> None:
    """A stream that never sends is lost; its first samples restore it at t = 0."""
    name = _name("mute")
    outlet = _outlet(name, ["C3"], 100.0, units=["uV"])
    src = LslSource(name, lost_after_s=0.5, retry_s=0.2)
    src.open(timeout_s=5.0)
    events: list[StreamEvent] = []
    deadline = time.monotonic() + 5.0
    while not events and time.monotonic() < deadline:
        events += src.pull(timeout_s=0.2).events
    assert [(e.kind, e.t_s) for e in events] == [("stream_lost", 0.0)]
    chunks: list = []
    deadline = time.monotonic() + 8.0
    pushed = False
    while not chunks and time.monotonic() < deadline:
        if src.connected and not pushed:
            _push(outlet, _ramp(20, 1), pylsl.local_clock(), 0.01)
            pushed = True
        pulled = src.pull(timeout_s=0.2)
        events += pulled.events
        if pulled.chunk is not None:
            chunks.append(pulled.chunk)
    assert [e.kind for e in events] == ["stream_lost", "stream_restored"]
    assert chunks[0].t0_s == 0.0 and not chunks[0].gap_before
    del outlet
