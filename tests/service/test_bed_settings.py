"""A bed's analysis settings through the API, and the engine's error path in a service bed.

The app is the real one on a real SQLite file (in-process client); the engine-error
test drives a bed's own session with its own store sink, the code a bed's runner
thread runs, and compares what it stored with what ``monitor``'s file sink wrote for
the same chunks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rse_monitor.monitoring.outputs import FileSink
from rse_monitor.monitoring.session import BedSession, SourceInfo
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.recordings.synthetic import iter_chunks, make_seizure_recording
from rse_monitor.service.main import create_app
from rse_monitor.service.runner import StoreSink
from rse_monitor.service.settings import Settings
from tests.service.conftest import bearer, make_tokens

API = "/api/v1"


@pytest.fixture
def client(tmp_path: Path, seizure_edf: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    db = tmp_path / "beds.sqlite3"
    tokens = make_tokens(db)
    settings = Settings(db=str(db), recordings_dirs=[seizure_edf.parent], notch_hz=60.0)
    with TestClient(create_app(settings)) as c:
        yield c, bearer(tokens["technician"])


def test_settings_are_set_per_bed_and_shown(client: tuple[TestClient, dict[str, str]]) -> None:
    c, h = client
    r = c.post(f"{API}/beds", headers=h, json={
        "bed_id": "a", "weight_kg": 70,
        "settings": {"notch_hz": 50, "l_freq_hz": 1.0, "h_freq_hz": 30.0,
                     "montage": "as_recorded"},
    })  # fmt: skip
    assert r.status_code == 201, r.text
    shown = c.get(f"{API}/beds/a", headers=h).json()["settings"]
    assert (shown["notch_hz"], shown["l_freq_hz"], shown["h_freq_hz"], shown["montage"]) == (
        50.0, 1.0, 30.0, "as_recorded")  # fmt: skip
    # no settings: the service's default notch (RSEMON_NOTCH_HZ, here 60 Hz)
    assert c.post(f"{API}/beds", headers=h, json={"bed_id": "b", "weight_kg": 70}).status_code \
        == 201  # fmt: skip
    assert c.get(f"{API}/beds/b", headers=h).json()["settings"]["notch_hz"] == 60.0
    r = c.post(f"{API}/beds", headers=h,
               json={"bed_id": "c", "weight_kg": 70, "settings": {"notch": False}})  # fmt: skip
    assert r.status_code == 201 and r.json()["settings"]["notch_hz"] is None
    # nonsense is refused with the reason, and nothing is admitted
    for bad in ({"notch_hz": 55}, {"l_freq_hz": 30.0, "h_freq_hz": 20.0}, {"montage": "avg"},
                {"notch_hz": 50, "colour": "red"}):  # fmt: skip
        r = c.post(f"{API}/beds", headers=h, json={"bed_id": "d", "weight_kg": 70,
                                                   "settings": bad})  # fmt: skip
        assert r.status_code == 422, (bad, r.text)
    assert c.get(f"{API}/beds/d", headers=h).status_code == 404
    assert c.get(f"{API}/beds", headers=h).json()["count"] == 3


def test_settings_survive_a_restart(tmp_path: Path, seizure_edf: Path) -> None:
    db = tmp_path / "restart.sqlite3"
    h = bearer(make_tokens(db)["technician"])
    settings = Settings(db=str(db), recordings_dirs=[seizure_edf.parent])
    with TestClient(create_app(settings)) as c:
        r = c.post(f"{API}/beds", headers=h, json={"bed_id": "a", "weight_kg": 70,
                                                   "settings": {"notch_hz": 60}})  # fmt: skip
        assert r.status_code == 201
    with TestClient(create_app(settings)) as c:
        assert c.get(f"{API}/beds/a", headers=h).json()["settings"]["notch_hz"] == 60.0


def test_an_engine_error_in_a_service_bed_is_handled_as_monitor_handles_it(
    client: tuple[TestClient, dict[str, str]], tmp_path: Path
) -> None:
    c, h = client
    assert c.post(f"{API}/beds", headers=h, json={"bed_id": "x", "weight_kg": 70}).status_code \
        == 201  # fmt: skip
    manager = c.app.state.manager  # type: ignore[attr-defined]
    bed = manager.get("x")
    rec = make_seizure_recording(duration_s=180.0, seizures=((90.0, 140.0),), seed=5)
    chunks = list(iter_chunks(rec, chunk_s=5.0))
    bad = Chunk(chunks[8].data_uv[:-1], chunks[8].t0_s, rec.sfreq_hz, tuple(rec.ch_names[:-1]))
    feed = chunks[:8] + [bad] + chunks[9:]
    info = SourceInfo(rec.sfreq_hz, tuple(rec.ch_names))
    # the service bed: its own session, with the store sink its runner uses
    bed.session.sinks = [StoreSink(manager, bed)]
    bed.session.start(info)
    # monitor's way: a session with the file sink
    out = tmp_path / "monitor"
    cli = BedSession("x", None, bed.session.settings, [FileSink(out)])
    cli.start(info)
    for chunk in feed:
        bed.session.push(chunk)
        cli.push(chunk)
    cli.finish()
    assert bed.session.n_engine_errors == cli.n_engine_errors == 1
    stored = c.get(f"{API}/alerts?bed_id=x&order=asc", headers=h).json()["data"]
    errors = [a for a in stored if a["kind"] == "engine_error"]
    assert len(errors) == 1 and errors[0]["severity"] == "medium"
    assert errors[0]["t_s"] == bad.t0_s
    assert errors[0]["state"] == "cleared"  # 60 s of good data later
    written = [json.loads(line) for line in (out / "alerts.jsonl").read_text().splitlines()]
    assert [
        (a["kind"], a["details"]["state"], a["t_s"]) for a in written if a["kind"] == "engine_error"
    ] == [  # fmt: skip
        ("engine_error", "raised", bad.t0_s),
        ("engine_error", "cleared", errors[0]["cleared_t_s"]),
    ]
    # the bed kept being watched: trends after the failed chunk, and the seizure found
    trends = c.get(f"{API}/beds/x/trends?since_s=0", headers=h).json()["data"]
    assert trends[-1]["t_s"] == 180.0
    assert any(a["kind"] == "seizure_onset" for a in stored)
    assert c.get(f"{API}/beds/x", headers=h).json()["status"] != "error"
