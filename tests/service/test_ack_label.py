"""Labelled acknowledgement: the verdict and a note, stored, shown and revisable."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rse_monitor.service.main import create_app
from rse_monitor.service.settings import Settings
from tests.service.conftest import bearer, make_tokens

API = "/api/v1"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    db = tmp_path / "ack.sqlite3"
    tokens = make_tokens(db)
    with TestClient(create_app(Settings(db=str(db)))) as c:
        h = {role: bearer(t) for role, t in tokens.items()}
        assert c.post(f"{API}/beds", headers=h["technician"],
                      json={"bed_id": "a", "weight_kg": 70}).status_code == 201  # fmt: skip
        # a charting bed: a clinical observation raises a seizure alert
        r = c.post(f"{API}/beds/a/events", headers=h["clinician"],
                   json={"kind": "seizure_start", "t_s": 0})  # fmt: skip
        assert r.status_code in (200, 201), r.text
        alerts = c.get(f"{API}/alerts?bed_id=a", headers=h["viewer"]).json()["data"]
        assert alerts, "an alert to acknowledge"
        yield {"c": c, "h": h, "id": alerts[0]["id"], "db": db}


def test_the_old_call_still_acknowledges(env: dict[str, Any]) -> None:
    c, h, aid = env["c"], env["h"], env["id"]
    r = c.post(f"{API}/alerts/{aid}/ack", headers=h["clinician"])
    assert r.status_code == 200
    body = r.json()
    assert body["acked_by"] == "test-clinician" and body["ack_label"] is None


def test_a_verdict_and_note_are_stored_and_a_later_verdict_revises_them(
    env: dict[str, Any],
) -> None:
    c, h, aid = env["c"], env["h"], env["id"]
    r = c.post(f"{API}/alerts/{aid}/ack", headers=h["clinician"],
               json={"label": "false_alarm", "note": "chewing artefact on T3/T4"})  # fmt: skip
    assert r.status_code == 200
    first = r.json()
    assert (first["ack_label"], first["ack_note"]) == ("false_alarm", "chewing artefact on T3/T4")
    r = c.post(f"{API}/alerts/{aid}/ack", headers=h["admin"], json={"label": "unsure"})
    again = r.json()
    # the first acknowledgement (who, when) stays; the verdict is revised, the note kept
    assert again["acked_by"] == first["acked_by"] and again["acked_at"] == first["acked_at"]
    assert (again["ack_label"], again["ack_note"]) == ("unsure", "chewing artefact on T3/T4")
    stored = c.get(f"{API}/alerts/{aid}", headers=h["viewer"]).json()
    assert stored["ack_label"] == "unsure"
    # each change is in the alert's event log (what SSE replays)
    conn = sqlite3.connect(env["db"])
    changes = [r[0] for r in conn.execute(
        "SELECT change FROM alert_events WHERE alert_id = ? ORDER BY seq", (aid,))]  # fmt: skip
    conn.close()
    assert changes.count("acked") == 2


def test_bad_verdicts_and_roles_are_refused(env: dict[str, Any]) -> None:
    c, h, aid = env["c"], env["h"], env["id"]
    for body in ({"label": "maybe"}, {"label": True}, {"note": "x" * 1001}, {"colour": "red"}):
        r = c.post(f"{API}/alerts/{aid}/ack", headers=h["clinician"], json=body)
        assert r.status_code == 422, (body, r.text)
    r = c.post(f"{API}/alerts/{aid}/ack", headers=h["viewer"], json={"label": "true_alarm"})
    assert r.status_code == 403
    assert c.get(f"{API}/alerts/{aid}", headers=h["viewer"]).json()["acked_at"] is None


def test_alarm_yield_counts_verdicts_ppv_and_the_false_alarm_budget(
    env: dict[str, Any],
) -> None:
    c, h = env["c"], env["h"]
    # more alerts on bed a: seizure end and a second seizure, and t1 crossed
    for kind, t in (("seizure_end", 120), ("seizure_start", 400), ("seizure_ongoing", 1000)):
        r = c.post(f"{API}/beds/a/events", headers=h["clinician"], json={"kind": kind, "t_s": t})
        assert r.status_code in (200, 201), r.text
    alerts = c.get(f"{API}/alerts?bed_id=a&order=asc", headers=h["viewer"]).json()["data"]
    assert len(alerts) >= 2
    verdicts = ["true_alarm", "false_alarm", "unsure"]
    for a, label in zip(alerts, verdicts, strict=False):
        c.post(f"{API}/alerts/{a['id']}/ack", headers=h["clinician"], json={"label": label})
    body = c.get(f"{API}/alerts/yield?bed_id=a", headers=h["viewer"]).json()
    by_kind = {k["kind"]: k for k in body["kinds"]}
    assert sum(k["count"] for k in body["kinds"]) == body["count"] == len(alerts)
    labelled = {lab: sum(k[lab] for k in body["kinds"]) for lab in verdicts}
    n_lab = min(len(alerts), 3)
    assert sum(labelled.values()) == n_lab
    for k in by_kind.values():
        t, f = k["true_alarm"], k["false_alarm"]
        assert k["ppv"] == (t / (t + f) if t + f else None)
    assert body["n_beds"] == 1 and body["bed_days"] > 0
    assert body["per_bed_day"] == pytest.approx(body["count"] / body["bed_days"])
    # one false alarm in a few seconds of monitoring is far over 1 per bed-day
    assert body["budget_state"] == ("over" if labelled["false_alarm"] else "within")
    # the same as CSV, one row per kind
    r = c.get(f"{API}/alerts/yield?bed_id=a&format=csv", headers=h["viewer"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("kind,count,acked,true_alarm") and len(lines) == 1 + len(by_kind)
    # nothing in a period before any alert; bad parameters refused
    empty = c.get(f"{API}/alerts/yield?until=2000-01-01T00:00:00Z", headers=h["viewer"]).json()
    assert empty["count"] == 0 and empty["kinds"] == [] and empty["budget_state"] == "unknown"
    for q in ("budget=0", "budget=nan", "format=xml", "bed_id=../x", "since=yesterday"):
        assert c.get(f"{API}/alerts/yield?{q}", headers=h["viewer"]).status_code == 422, q
    assert c.get(f"{API}/alerts/yield").status_code == 401
