"""The HTTP API through the real app (in-process ASGI client, real SQLite file)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rse_monitor.service.db import MIGRATIONS
from rse_monitor.service.main import create_app
from rse_monitor.service.settings import Settings
from tests.service.conftest import bearer, make_tokens, wait_for

API = "/api/v1"


@pytest.fixture
def env(tmp_path: Path, seizure_edf: Path) -> Iterator[dict[str, Any]]:
    db = tmp_path / "api.sqlite3"
    tokens = make_tokens(db)
    app = create_app(Settings(db=str(db), recordings_dirs=[seizure_edf.parent]))
    with TestClient(app) as client:
        yield {
            "client": client,
            "tokens": tokens,
            "db": db,
            "app": app,
            "edf": seizure_edf,
            "h": {role: bearer(t) for role, t in tokens.items()},
        }


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _manual_bed(c: TestClient, h: dict[str, str], bed_id: str = "b1", **kw: Any) -> dict[str, Any]:
    r = c.post(f"{API}/beds", headers=h, json={"bed_id": bed_id, "weight_kg": 80, **kw})
    assert r.status_code == 201, r.text
    return r.json()


def test_health_needs_no_token(env: dict[str, Any]) -> None:
    r = env["client"].get(f"{API}/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["schema_version"] == MIGRATIONS[-1][0]


def test_bed_lifecycle(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    bed = _manual_bed(c, h["technician"], seizure_type="focal_impaired_awareness")
    assert bed["status"] == "charting"
    assert (bed["t1_min"], bed["t2_min"]) == (10.0, 60.0)  # ILAE 2015 focal impaired awareness
    assert bed["source"]["kind"] == "none"
    listed = c.get(f"{API}/beds", headers=h["viewer"]).json()
    assert listed["count"] == 1 and listed["data"][0]["bed_id"] == "b1"
    assert (
        c.get(f"{API}/beds/b1", headers=h["viewer"]).json()["admission_id"] == bed["admission_id"]
    )
    # the same bed id cannot be admitted twice
    r = c.post(f"{API}/beds", headers=h["technician"], json={"bed_id": "b1", "weight_kg": 70})
    assert r.status_code == 409 and "already active" in r.json()["detail"]
    assert c.delete(f"{API}/beds/b1", headers=h["technician"]).status_code == 204
    assert c.get(f"{API}/beds/b1", headers=h["viewer"]).status_code == 404
    assert c.delete(f"{API}/beds/b1", headers=h["technician"]).status_code == 404
    # the id is free again: a new admission
    again = _manual_bed(c, h["technician"])
    assert again["admission_id"] != bed["admission_id"]


def test_t1_t2_override_and_validation(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]["technician"]
    bed = _manual_bed(c, h, "b2", t1_min=3, t2_min=20)
    assert (bed["t1_min"], bed["t2_min"]) == (3.0, 20.0)
    r = c.post(f"{API}/beds", headers=h, json={"bed_id": "b3", "weight_kg": 80, "t1_min": 40})
    assert r.status_code == 422 and "t1_min (40.0) must be below t2_min (30.0)" in r.text


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"bed_id": "x", "weight_kg": 0}, "greater than 0"),
        ({"bed_id": "x", "weight_kg": 400}, "less than or equal to 350"),
        ({"bed_id": "bad id!", "weight_kg": 80}, "pattern"),
        ({"bed_id": "x", "weight_kg": 80, "seizure_type": "tonic"}, "generalized_convulsive"),
        ({"bed_id": "x", "weight_kg": 80, "colour": "red"}, "Extra inputs"),
        ({"bed_id": "x", "weight_kg": 80, "source": {"kind": "edf"}}, "needs source.path"),
        ({"bed_id": "x", "weight_kg": 80, "speed": 5}, "speed needs an EDF source"),
        ({"weight_kg": 80}, "bed_id"),
    ],
)
def test_malformed_bed_bodies_are_422(
    env: dict[str, Any], body: dict[str, Any], fragment: str
) -> None:
    r = env["client"].post(f"{API}/beds", headers=env["h"]["admin"], json=body)
    assert r.status_code == 422
    assert fragment in r.text
    assert _count(env["db"], "beds") == 0


def test_invalid_json_is_422(env: dict[str, Any]) -> None:
    r = env["client"].post(
        f"{API}/beds",
        headers={**env["h"]["admin"], "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert r.status_code == 422


def test_edf_path_must_be_under_recordings_dirs(env: dict[str, Any], tmp_path: Path) -> None:
    c, h = env["client"], env["h"]["technician"]
    outside = tmp_path / "outside.edf"
    outside.write_bytes(env["edf"].read_bytes())
    for path in (
        str(outside),
        "/etc/passwd",
        f"{env['edf'].parent}/../outside.edf",
        "../outside.edf",
    ):
        r = c.post(
            f"{API}/beds", headers=h, json={"bed_id": "e", "weight_kg": 80, "edf_path": path}
        )
        assert r.status_code == 403, (path, r.text)
        assert "not under a configured recordings directory" in r.json()["detail"]
    # a symbolic link inside the folder pointing outside is refused too
    link = env["edf"].parent / "link.edf"
    link.unlink(missing_ok=True)
    link.symlink_to(outside)
    try:
        r = c.post(
            f"{API}/beds", headers=h, json={"bed_id": "e", "weight_kg": 80, "edf_path": str(link)}
        )
        assert r.status_code == 403
    finally:
        link.unlink()
    r = c.post(
        f"{API}/beds", headers=h, json={"bed_id": "e", "weight_kg": 80, "edf_path": "missing.edf"}
    )
    assert r.status_code == 422 and "no such file" in r.json()["detail"]
    junk = env["edf"].parent / "junk.edf"
    junk.write_bytes(b"not an edf" * 100)
    try:
        r = c.post(
            f"{API}/beds", headers=h, json={"bed_id": "e", "weight_kg": 80, "edf_path": "junk.edf"}
        )
        assert r.status_code == 422 and "not an EDF or BDF file" in r.json()["detail"]
    finally:
        junk.unlink()
    r = c.post(
        f"{API}/beds",
        headers=h,
        json={"bed_id": "e", "weight_kg": 80, "edf_path": "seizure.edf", "speed": 1e5},
    )
    assert r.status_code == 422 and "exceeds the largest allowed" in r.json()["detail"]
    assert _count(env["db"], "beds") == 0  # nothing half-written


def test_treatments_adequacy_and_refusals(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    _manual_bed(c, h["technician"])
    r = c.post(
        f"{API}/beds/b1/treatments",
        headers=h["clinician"],
        json={"agent": "lorazepam", "dose": 2, "unit": "mg", "t_s": 60},
    )
    assert r.status_code == 201
    t = r.json()
    assert t["adequate"] is False and t["required_mg"] == pytest.approx(4.0)
    assert "below the adequate 4 mg" in t["reason"]
    r = c.post(
        f"{API}/beds/b1/treatments",
        headers=h["clinician"],
        json={"agent": "Keppra", "dose": 4.5, "unit": "g", "t_s": 600},
    )
    t = r.json()
    assert r.status_code == 201 and t["adequate"] is True and t["agent"] == "levetiracetam"
    assert t["dose_mg"] == pytest.approx(4500.0)
    n_before = _count(env["db"], "treatments")
    bad = [
        ({"agent": "aspirin", "dose": 1, "unit": "mg"}, "unknown agent 'aspirin'"),
        ({"agent": "lorazepam", "dose": 4, "unit": "ml"}, "unknown unit 'ml'"),
        ({"agent": "fosphenytoin", "dose": 1500, "unit": "mg"}, "phenytoin sodium equivalents"),
        ({"agent": "lorazepam", "dose": 4, "unit": "mg PE"}, "apply only to fosphenytoin"),
        ({"agent": "lorazepam", "dose": 4, "unit": "mg", "route": "ear"}, "unknown route"),
        ({"agent": "lorazepam", "dose": 0, "unit": "mg"}, "dose must be finite and > 0"),
        ({"agent": "lorazepam", "dose": 4, "unit": "mg", "kind": "drip"}, "bolus"),
        (
            {"agent": "lorazepam", "dose": 4, "unit": "mg", "time": "2025-01-01T10:00:00"},
            "has no timezone",
        ),
        (
            {
                "agent": "lorazepam",
                "dose": 4,
                "unit": "mg",
                "time": "2025-01-01T10:00:00Z",
                "t_s": 5,
            },
            "not both",
        ),
        ({"agent": "lorazepam", "dose": 4}, "unit"),
    ]
    for body, fragment in bad:
        r = c.post(f"{API}/beds/b1/treatments", headers=h["clinician"], json=body)
        assert r.status_code == 422, body
        assert fragment in r.text, (body, r.text)
    assert _count(env["db"], "treatments") == n_before  # refused entries leave no trace
    listed = c.get(f"{API}/beds/b1/treatments", headers=h["viewer"]).json()
    assert [x["agent"] for x in listed["data"]] == ["lorazepam", "levetiracetam"]
    r = c.post(
        f"{API}/beds/nope/treatments",
        headers=h["clinician"],
        json={"agent": "lorazepam", "dose": 4, "unit": "mg"},
    )
    assert r.status_code == 404


def test_treatment_iso_time_maps_to_bed_clock(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    bed = _manual_bed(c, h["technician"])
    from rse_monitor.service.clock import parse_iso

    origin = parse_iso(bed["clock_origin"])
    when = origin.timestamp() + 125.0
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when)) + f".{int(when % 1 * 1000):03d}Z"
    r = c.post(
        f"{API}/beds/b1/treatments",
        headers=h["clinician"],
        json={"agent": "lorazepam", "dose": 4, "unit": "mg", "time": iso},
    )
    assert r.status_code == 201
    assert r.json()["t_s"] == pytest.approx(125.0, abs=0.002)


def test_targets(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    _manual_bed(c, h["technician"])
    default = c.get(f"{API}/beds/b1/targets", headers=h["viewer"]).json()
    assert (default["goal"], default["sr_low"], default["sr_high"]) == (
        "burst_suppression",
        0.5,
        0.8,
    )
    r = c.put(
        f"{API}/beds/b1/targets",
        headers=h["clinician"],
        json={"goal": "burst_suppression", "sr_low": 0.6, "sr_high": 0.9, "sustain_s": 120},
    )
    assert r.status_code == 200 and r.json()["sr_low"] == 0.6
    assert r.json()["updated_by"] == "test-clinician"
    for body in (
        {"sr_low": 0.9, "sr_high": 0.5},
        {"goal": "coma"},
        {"sustain_s": 0},
        {"sr_low": -0.1},
    ):
        r = c.put(f"{API}/beds/b1/targets", headers=h["clinician"], json=body)
        assert r.status_code == 422, body
    got = c.get(f"{API}/beds/b1/targets", headers=h["viewer"]).json()
    assert (got["sr_low"], got["sr_high"], got["sustain_s"]) == (0.6, 0.9, 120.0)
    state = c.get(f"{API}/beds/b1/state", headers=h["viewer"]).json()
    assert state["targets"]["sr_high"] == 0.9


def test_observations_time_order_on_bed_without_eeg(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    _manual_bed(c, h["technician"])
    ok = c.post(
        f"{API}/beds/b1/events", headers=h["clinician"], json={"kind": "seizure_start", "t_s": 100}
    )
    assert ok.status_code == 201 and ok.json()["applied_t_s"] == 100
    r = c.post(
        f"{API}/beds/b1/events", headers=h["clinician"], json={"kind": "seizure_end", "t_s": 50}
    )
    assert r.status_code == 409 and "earlier than the latest one" in r.json()["detail"]
    r = c.post(f"{API}/beds/b1/events", headers=h["clinician"], json={"kind": "twitch"})
    assert r.status_code == 422
    assert c.get(f"{API}/beds/b1/events", headers=h["viewer"]).json()["count"] == 1
    # one open seizure alert, raised once
    alerts = c.get(f"{API}/alerts?bed_id=b1", headers=h["viewer"]).json()
    assert [a["kind"] for a in alerts["data"]] == ["seizure_onset"]


def test_persisting_condition_updates_one_alert(env: dict[str, Any]) -> None:
    """Seizures in one cluster: one seizure_onset alert, updated, then cleared."""
    c, h = env["client"], env["h"]
    _manual_bed(c, h["technician"])
    seq = [
        ("seizure_start", 0),
        ("seizure_end", 60),
        ("seizure_start", 200),
        ("seizure_end", 260),
        ("seizure_start", 900),
        ("seizure_end", 930),
        ("seizure_ongoing", 1000),
        ("seizure_end", 1010),
        ("seizure_end", 1400),
    ]
    for kind, t in seq:
        assert (
            c.post(
                f"{API}/beds/b1/events", headers=h["clinician"], json={"kind": kind, "t_s": t}
            ).status_code
            == 201
        )
    alerts = c.get(f"{API}/alerts?bed_id=b1&order=asc", headers=h["viewer"]).json()["data"]
    onset = [a for a in alerts if a["key"] == "seizure_onset"]
    assert len(onset) == 1, alerts
    assert onset[0]["state"] == "cleared" and not onset[0]["open"]
    assert onset[0]["n_updates"] >= 1  # the seizure at 900 s updated it (count)
    assert onset[0]["cleared_t_s"] == pytest.approx(1400)


def test_state_and_trends_of_an_edf_bed(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    r = c.post(
        f"{API}/beds",
        headers=h["technician"],
        json={
            "bed_id": "e1",
            "weight_kg": 70,
            "source": {"kind": "edf", "path": "seizure.edf", "speed": 1000},
        },
    )
    assert r.status_code == 201, r.text
    bed = r.json()
    assert bed["source"]["path"] == str(env["edf"].resolve())
    assert bed["source"]["info"]["sfreq_hz"] == 256.0
    wait_for(lambda: c.get(f"{API}/beds/e1", headers=h["viewer"]).json()["status"] == "finished")
    state = c.get(f"{API}/beds/e1/state", headers=h["viewer"]).json()
    assert state["latest"]["t_s"] == pytest.approx(300.0)
    assert state["position_s"] == pytest.approx(300.0)
    assert state["depth"] == "continuous" and state["suppression_ratio"] == pytest.approx(
        0, abs=0.05
    )
    assert state["warnings"] == [] and state["latest"]["quality"] == 1.0
    trends = c.get(f"{API}/beds/e1/trends", headers=h["viewer"]).json()
    assert trends["columns"][-7:] == ["quality", "bsp", "bsp_lo", "bsp_hi", "iic",
                                      "acns_seizure", "artefact"]  # fmt: skip
    # the ACNS flags are booleans, and an ACNS seizure is always a reported seizure
    assert all(isinstance(r["iic"], bool) and isinstance(r["acns_seizure"], bool)
               for r in trends["data"])  # fmt: skip
    assert all(r["ictal"] for r in trends["data"] if r["acns_seizure"])
    last = trends["data"][-1]
    assert last["quality"] == 1.0
    # continuous EEG: the burst-suppression probability and its interval near 0
    assert 0 <= last["bsp_lo"] <= last["bsp"] <= last["bsp_hi"] < 0.2
    assert state["latest"]["bsp"] == pytest.approx(last["bsp"], abs=1e-4)
    assert last["artefact"] == "" and state["latest"]["artefact"] == ""
    t_s = [row["t_s"] for row in trends["data"]]
    assert trends["count"] == len(t_s) >= 290
    assert t_s == sorted(t_s) and len(set(t_s)) == len(t_s)
    assert max(t_s) == pytest.approx(300.0) and all(
        b - a <= 1.0 + 1e-9 for a, b in zip(t_s, t_s[1:], strict=False)
    )
    ictal = [row["t_s"] for row in trends["data"] if row["ictal"]]
    assert ictal and 150 <= ictal[0] <= 165 and 205 <= ictal[-1] <= 230  # seizure 150-210 s
    later = c.get(f"{API}/beds/e1/trends?since_s=290", headers=h["viewer"]).json()
    assert [row["t_s"] for row in later["data"]] == [float(x) for x in range(291, 301)]
    spec = c.get(f"{API}/beds/e1/spectrogram?since_s=290", headers=h["viewer"]).json()
    assert spec["bands"] == ["delta", "theta", "alpha", "beta"] and spec["count"] == 10
    for rel in spec["relative"]:
        assert sum(rel) == pytest.approx(1.0)
    # seizure alert of the clinical layer, with the EEG onset details attached
    alerts = c.get(f"{API}/alerts?bed_id=e1", headers=h["viewer"]).json()["data"]
    onset = [a for a in alerts if a["kind"] == "seizure_onset"]
    assert len(onset) == 1
    assert 150 <= onset[0]["t_s"] <= 165
    assert onset[0]["details"]["eeg"]["onset_s"] == pytest.approx(150, abs=3)
    assert all(a["kind"] != "depth_change" for a in alerts)
    # a bedside observation on an EEG bed applies at the bed's current time
    r = c.post(f"{API}/beds/e1/events", headers=h["clinician"], json={"kind": "seizure_start"})
    assert r.status_code == 201 and r.json()["applied_t_s"] == pytest.approx(300.0)
    state = c.get(f"{API}/beds/e1/state", headers=h["viewer"]).json()
    assert state["manual_ictal"] is True and state["ictal"] is True
    c.post(f"{API}/beds/e1/events", headers=h["clinician"], json={"kind": "seizure_end"})
    state = c.get(f"{API}/beds/e1/state", headers=h["viewer"]).json()
    assert state["manual_ictal"] is False and state["ictal"] is False


def test_a_too_short_edf_bed_warns_in_its_state(env: dict[str, Any]) -> None:
    import edfio
    import numpy as np

    c, h = env["client"], env["h"]
    rng = np.random.default_rng(5)
    signals = [
        edfio.EdfSignal(
            20.0 * rng.standard_normal(768),
            256.0,
            label=f"EEG {name}",
            physical_dimension="uV",
            physical_range=(-500.0, 500.0),
        )  # fmt: skip
        for name in ("Fp1", "F3", "C3", "P3", "O1", "Fp2", "F4", "C4", "P4", "O2")
    ]
    edfio.Edf(signals, data_record_duration=1.0).write(env["edf"].parent / "short.edf")
    r = c.post(
        f"{API}/beds", headers=h["technician"],
        json={"bed_id": "s1", "weight_kg": 70,
              "source": {"kind": "edf", "path": "short.edf", "speed": 1000}},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    wait_for(lambda: c.get(f"{API}/beds/s1", headers=h["viewer"]).json()["status"] == "finished")
    (warning,) = c.get(f"{API}/beds/s1/state", headers=h["viewer"]).json()["warnings"]
    assert warning.startswith("too short to analyse reliably: 3.0 s")


def test_alert_filters_and_ack(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    _manual_bed(c, h["technician"], "b1")
    _manual_bed(c, h["technician"], "b2")
    for bed in ("b1", "b2"):
        c.post(
            f"{API}/beds/{bed}/events",
            headers=h["clinician"],
            json={"kind": "seizure_start", "t_s": 0},
        )
        c.post(
            f"{API}/beds/{bed}/events",
            headers=h["clinician"],
            json={"kind": "seizure_ongoing", "t_s": 400},
        )
    all_alerts = c.get(f"{API}/alerts", headers=h["viewer"]).json()
    assert all_alerts["count"] == 4  # seizure_onset + t1_crossed per bed
    ids = [a["id"] for a in all_alerts["data"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    assert all_alerts["last_event_id"] >= max(ids)
    b1 = c.get(f"{API}/alerts?bed_id=b1&order=asc", headers=h["viewer"]).json()["data"]
    assert c.get(f"{API}/alerts?bed=b1&order=asc", headers=h["viewer"]).json()["data"] == b1
    assert [a["kind"] for a in b1] == ["seizure_onset", "t1_crossed"]
    r = c.post(f"{API}/alerts/{b1[1]['id']}/ack", headers=h["clinician"])
    assert r.status_code == 200 and r.json()["acked_by"] == "test-clinician"
    first_ack = r.json()["acked_at"]
    again = c.post(f"{API}/alerts/{b1[1]['id']}/ack", headers=h["admin"]).json()
    assert again["acked_at"] == first_ack and again["acked_by"] == "test-clinician"
    un = c.get(f"{API}/alerts?unacknowledged=true", headers=h["viewer"]).json()
    assert un["count"] == 3 and b1[1]["id"] not in [a["id"] for a in un["data"]]
    high = c.get(f"{API}/alerts?severity=high", headers=h["viewer"]).json()
    assert high["count"] == 0
    assert c.get(f"{API}/alerts?after_id={ids[1]}", headers=h["viewer"]).json()["count"] == 1
    assert (
        c.get(f"{API}/alerts?since=2000-01-01T00:00:00Z", headers=h["viewer"]).json()["count"] == 4
    )
    assert (
        c.get(f"{API}/alerts?since=2999-01-01T00:00:00Z", headers=h["viewer"]).json()["count"] == 0
    )
    assert c.post(f"{API}/alerts/999999/ack", headers=h["clinician"]).status_code == 404
    assert c.get(f"{API}/alerts/{ids[0]}", headers=h["viewer"]).json()["id"] == ids[0]
    # discharge closes the bed's open alerts
    c.delete(f"{API}/beds/b2", headers=h["technician"])
    still_open = c.get(f"{API}/alerts?open=true", headers=h["viewer"]).json()["data"]
    assert {a["bed_id"] for a in still_open} == {"b1"}


def test_alert_change_log_is_consistent(env: dict[str, Any]) -> None:
    """Every alert change is in alert_events with its snapshot; a new alert's id is its event's."""
    c, h = env["client"], env["h"]
    _manual_bed(c, h["technician"])
    for kind, t in [
        ("seizure_start", 0),
        ("seizure_ongoing", 400),
        ("seizure_end", 500),
        ("seizure_end", 900),
    ]:
        c.post(f"{API}/beds/b1/events", headers=h["clinician"], json={"kind": kind, "t_s": t})
    with sqlite3.connect(env["db"]) as conn:
        events = conn.execute(
            "SELECT seq, alert_id, change, snapshot FROM alert_events ORDER BY seq"
        ).fetchall()
    raised = [(seq, aid) for seq, aid, change, _ in events if change == "raised"]
    assert raised and all(seq == aid for seq, aid in raised)
    for _seq, aid, _change, snap in events:
        assert json.loads(snap)["id"] == aid
    assert [e[0] for e in events] == sorted(e[0] for e in events)


def test_web_page_routes(env: dict[str, Any]) -> None:
    from rse_monitor.service.main import STATIC_DIR

    r = env["client"].get("/")
    if (STATIC_DIR / "index.html").is_file():
        assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    else:
        assert r.status_code == 404
    schema = env["client"].get("/openapi.json").json()
    assert "/api/v1/alerts/stream" in schema["paths"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_quiet_when_nothing_needs_doing(tmp_path: Path) -> None:
    """Seizure-free background, and burst suppression on target: no alert in 20 min each.

    A burst suppression far lighter than the target band raises exactly one alert, held
    open (not repeated every hop).
    """
    import edfio

    from rse_monitor.recordings.synthetic import make_burst_suppression, make_seizure_recording

    def write(rec: Any, name: str) -> None:
        edfio.Edf(
            [
                edfio.EdfSignal(
                    rec.data_uv[i],
                    sampling_frequency=rec.sfreq_hz,
                    label=ch,
                    physical_dimension="uV",
                    physical_range=(-3000.0, 3000.0),
                )
                for i, ch in enumerate(rec.ch_names)
            ]
        ).write(tmp_path / name)

    duration_s = 1200.0
    write(make_seizure_recording(duration_s=duration_s, seizures=(), seed=3), "bg.edf")
    write(make_burst_suppression(duration_s=duration_s, suppression_ratio=0.7, seed=4), "bs70.edf")
    write(make_burst_suppression(duration_s=duration_s, suppression_ratio=0.3, seed=5), "bs30.edf")
    db = tmp_path / "quiet.sqlite3"
    h = bearer(make_tokens(db)["admin"])
    app = create_app(Settings(db=str(db), recordings_dirs=[tmp_path]))
    beds = {"bg": False, "bs70": True, "bs30": True}  # bed -> midazolam infusion running
    with TestClient(app) as c:
        for bed, infusion in beds.items():
            body = {"bed_id": bed, "weight_kg": 70, "edf_path": f"{bed}.edf", "speed": 1000}
            assert c.post(f"{API}/beds", headers=h, json=body).status_code == 201
            if infusion:
                r = c.post(
                    f"{API}/beds/{bed}/treatments",
                    headers=h,
                    json={"agent": "midazolam", "dose": 0.2, "unit": "mg/kg/h",
                          "kind": "infusion_start", "t_s": -60},
                )  # fmt: skip
                assert r.status_code == 201
        for bed in beds:
            wait_for(
                lambda b=bed: c.get(f"{API}/beds/{b}", headers=h).json()["status"] == "finished",
                timeout_s=60,
            )
        alerts = {
            bed: c.get(f"{API}/alerts?bed_id={bed}", headers=h).json()["data"] for bed in beds
        }
    assert alerts["bg"] == []
    assert alerts["bs70"] == []
    assert [(a["kind"], a["state"], a["n_updates"]) for a in alerts["bs30"]] == [
        ("below_band", "raised", 0)
    ]


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from rse_monitor.service.settings import bundled_recordings_dir

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    monkeypatch.setenv("RSEMON_RECORDINGS_DIRS", f"{a}:{b}")
    monkeypatch.setenv("RSEMON_DB", "sqlite:///x.sqlite3")
    s = Settings()
    assert s.recordings_dirs == [a, b] and s.db == "sqlite:///x.sqlite3"
    assert s.allowed_recordings_dirs == [bundled_recordings_dir(), a.resolve(), b.resolve()]
    assert s.host == "127.0.0.1" and s.port == 8000


def test_database_urls_and_migrations(tmp_path: Path) -> None:
    from rse_monitor.service.db import Database, sqlite_path

    assert sqlite_path("sqlite:///rel.db") == "rel.db"
    assert sqlite_path("sqlite:////abs/x.db") == "/abs/x.db"
    assert sqlite_path("sqlite://") == ":memory:"
    with pytest.raises(ValueError, match="only SQLite is supported"):
        sqlite_path("postgresql://host/db")
    with pytest.raises(ValueError, match="does not exist"):
        Database(str(tmp_path / "missing" / "x.db"))
    path = tmp_path / "m.sqlite3"
    db = Database(f"sqlite:///{path}")
    assert db.schema_version == MIGRATIONS[-1][0]
    with db.read() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # migration 10: the burst-suppression probability and its interval; 11: the
        # ACNS continuum and seizure flags of each hop; 12: the artefact class
        trend_cols = [row[1] for row in conn.execute("PRAGMA table_info(trends)")]
        assert trend_cols[-6:] == ["bsp", "bsp_lo", "bsp_hi", "iic", "acns_seizure", "artefact"]
    db.close()
    db = Database(str(path))  # reopening applies nothing twice
    assert db.migrate() == []
    with db.transaction() as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 'future')")
    db.close()
    with pytest.raises(ValueError, match="newer than this software"):
        Database(str(path))


def test_a_fif_file_is_a_bed_like_its_edf(env: dict[str, Any]) -> None:
    """A file bed reads every format replay reads (here FIF, written from the EDF):
    same header facts and the same seizure events as the EDF bed."""
    mne = pytest.importorskip("mne")
    edf: Path = env["edf"]
    raw = mne.io.read_raw_edf(edf, preload=True, verbose="error")
    raw.save(edf.parent / "seizure_raw.fif", overwrite=True, verbose="error")
    c, h = env["client"], env["h"]
    for bed_id, name in (("edf1", edf.name), ("fif1", "seizure_raw.fif")):
        r = c.post(
            f"{API}/beds",
            headers=h["technician"],
            json={"bed_id": bed_id, "weight_kg": 70,
                  "source": {"kind": "edf", "path": name, "speed": 1000}},
        )  # fmt: skip
        assert r.status_code == 201, r.text
    infos = [c.get(f"{API}/beds/{b}", headers=h["viewer"]).json() for b in ("edf1", "fif1")]
    assert infos[1]["source"]["info"]["sfreq_hz"] == infos[0]["source"]["info"]["sfreq_hz"]
    assert infos[1]["source"]["info"]["channels"] == infos[0]["source"]["info"]["channels"]
    for b in ("edf1", "fif1"):
        wait_for(lambda b=b: c.get(f"{API}/beds/{b}", headers=h["viewer"]).json()["status"]
                 == "finished")  # fmt: skip
    onsets = []
    for b in ("edf1", "fif1"):
        alerts = c.get(f"{API}/alerts?bed_id={b}", headers=h["viewer"]).json()["data"]
        onsets.append(sorted(a["details"]["eeg"]["onset_s"] for a in alerts
                             if a["kind"] == "seizure_onset"))  # fmt: skip
    assert onsets[0] and len(onsets[1]) == len(onsets[0])
    assert all(abs(a - b) <= 1.0 for a, b in zip(onsets[0], onsets[1], strict=True))
