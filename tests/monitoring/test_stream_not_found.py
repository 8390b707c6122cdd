"""``stream_not_found``: a live bed whose stream never appears, on the one session path
(the same :class:`~monitoring.sources.LslStreamSource` ``rsemon monitor`` and the
service run), and its condition in the one alert policy."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path

import pytest

from rse_monitor.monitoring.outputs import FileSink
from rse_monitor.monitoring.policy import AlertPolicy
from rse_monitor.monitoring.session import BedSession


def test_policy_raises_stream_not_found_once_and_clears_it_when_the_stream_appears() -> None:
    p = AlertPolicy()
    first = p.stream_event("stream_not_found", "medium", "LSL stream 'x' not found", {}, 0.0)
    assert [(a.kind, a.severity, a.state, a.origin) for a in first] == [
        ("stream_not_found", "medium", "raised", "stream")
    ]
    # reported again while missing: rate-limited, no new transition
    assert p.stream_event("stream_not_found", "medium", "still", {}, 5.0) == []
    cleared = p.stream_event("stream_found", "low", "LSL stream 'x' found", {}, 9.0)
    assert [(a.kind, a.state) for a in cleared] == [("stream_not_found", "cleared")]
    assert "stream_not_found" not in p.conditions
    # a stream found without having been missed changes nothing
    assert p.stream_event("stream_found", "low", "found", {}, 10.0) == []


def test_a_missing_stream_gets_stream_not_found_in_alerts_jsonl(tmp_path: Path) -> None:
    pytest.importorskip("rse_monitor.pipeline.lsl")
    from rse_monitor.monitoring.sources import LslStreamSource

    name = f"rsemon-missing-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    source = LslStreamSource(name, pull_timeout_s=0.2, not_found_after_s=1.5)
    session = BedSession("b1", source, sinks=[FileSink(tmp_path)])
    stop = threading.Event()
    t0 = time.monotonic()
    th = threading.Thread(target=session.run, args=(stop,), daemon=True)
    th.start()
    alerts_path = tmp_path / "alerts.jsonl"
    deadline = t0 + 15.0
    while time.monotonic() < deadline:
        if alerts_path.is_file() and "stream_not_found" in alerts_path.read_text():
            break
        time.sleep(0.1)
    waited = time.monotonic() - t0
    stop.set()
    th.join(10.0)
    assert not th.is_alive()
    records = [json.loads(line) for line in alerts_path.read_text().splitlines()]
    found = [r for r in records if r["kind"] == "stream_not_found"]
    assert len(found) == 1, records
    assert found[0]["severity"] == "medium" and name in found[0]["message"]
    assert found[0]["details"]["waited_s"] >= 1.5
    assert 1.5 <= waited < 6.0
    assert session.stream_events == {"stream_not_found": 1}
    assert session.status is not None and session.status.status == "connecting"
