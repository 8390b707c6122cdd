"""The audit log of writes through the real app (in-process client, real SQLite file)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rse_monitor.service.main import create_app
from rse_monitor.service.security import audit_summary
from rse_monitor.service.settings import Settings
from tests.service.conftest import bearer, make_tokens

API = "/api/v1"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    db = tmp_path / "audit.sqlite3"
    tokens = make_tokens(db)
    app = create_app(Settings(db=str(db)))
    with TestClient(app) as client:
        yield {"client": client, "tokens": tokens, "db": db,
               "h": {role: bearer(t) for role, t in tokens.items()}}  # fmt: skip


def _entries(c: TestClient, h: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    r = c.get(f"{API}/audit", headers=h, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["data"])
    return list(body["data"])


def test_writes_are_audited_with_who_what_and_status(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    assert c.post(f"{API}/beds", headers=h["technician"],
                  json={"bed_id": "b1", "weight_kg": 80}).status_code == 201  # fmt: skip
    secret_note = "patient Jane Doe, bed by the window"
    treatment = {"agent": "lorazepam", "dose": 4, "unit": "mg", "note": secret_note}
    r = c.post(f"{API}/beds/b1/treatments", headers=h["clinician"], json=treatment)
    assert r.status_code == 201, r.text
    r = c.put(f"{API}/beds/b1/targets", headers=h["clinician"],
              json={"goal": "burst_suppression", "sr_low": 0.5, "sr_high": 0.8})  # fmt: skip
    assert r.status_code == 200, r.text
    r = c.post(f"{API}/tokens", headers=h["admin"], json={"role": "viewer", "name": "night"})
    assert r.status_code == 201
    new_token = r.json()["token"]
    # refused: a viewer may not treat (403), a bad body (422)
    r = c.post(f"{API}/beds/b1/treatments", headers=h["viewer"],
               json={"agent": "midazolam", "dose": 10, "unit": "mg"})  # fmt: skip
    assert r.status_code == 403
    r = c.put(f"{API}/beds/b1/targets", headers=h["clinician"], json={"goal": "sleep"})
    assert r.status_code == 422
    # not audited: reads, and requests refused before authentication (401)
    c.get(f"{API}/beds", headers=h["admin"])
    assert c.post(f"{API}/beds", json={"bed_id": "x", "weight_kg": 1}).status_code == 401

    entries = _entries(c, h["admin"])
    rows = [(e["who"], e["role"], e["method"], e["path"], e["status"]) for e in entries]
    assert rows == [
        ("test-clinician", "clinician", "PUT", f"{API}/beds/b1/targets", 422),
        ("test-viewer", "viewer", "POST", f"{API}/beds/b1/treatments", 403),
        ("test-admin", "admin", "POST", f"{API}/tokens", 201),
        ("test-clinician", "clinician", "PUT", f"{API}/beds/b1/targets", 200),
        ("test-clinician", "clinician", "POST", f"{API}/beds/b1/treatments", 201),
        ("test-technician", "technician", "POST", f"{API}/beds", 201),
    ]
    by_path = {(e["method"], e["path"], e["status"]): e["summary"] for e in entries}
    treat = by_path[("POST", f"{API}/beds/b1/treatments", 201)]
    assert "agent=lorazepam" in treat and "dose=4" in treat
    assert f"note=<{len(secret_note)} chars>" in treat
    assert "goal=burst_suppression" in by_path[("PUT", f"{API}/beds/b1/targets", 200)]
    assert "role=viewer" in by_path[("POST", f"{API}/tokens", 201)]
    assert all(e["at"].endswith("Z") for e in entries)
    # nothing secret anywhere in the table
    with sqlite3.connect(env["db"]) as conn:
        dump = "\n".join(str(row) for row in conn.execute("SELECT * FROM audit"))
    assert "Jane" not in dump and new_token not in dump
    for token in env["tokens"].values():
        assert token not in dump
    # since= and limit=
    assert len(_entries(c, h["admin"], limit=2)) == 2
    assert _entries(c, h["admin"], since="2999-01-01T00:00:00Z") == []
    assert len(_entries(c, h["admin"], since=entries[-1]["at"])) == len(entries)


def test_only_admins_read_the_audit_log(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    for role in ("viewer", "technician", "clinician"):
        r = c.get(f"{API}/audit", headers=h[role])
        assert r.status_code == 403 and "needs admin" in r.json()["detail"]
    assert c.get(f"{API}/audit").status_code == 401
    assert c.get(f"{API}/audit", headers=h["admin"], params={"since": "yesterday"}).status_code \
        == 422  # fmt: skip
    assert c.get(f"{API}/audit", headers=h["admin"], params={"limit": 0}).status_code == 422


def test_summary_never_holds_secrets_or_text() -> None:
    body = (b'{"token": "rsm_abc", "name": "x", "note": "long free text", '
            b'"source": {"kind": "edf", "path": "a.edf"}, "override_reason": "why"}')  # fmt: skip
    s = audit_summary(body)
    assert "rsm_abc" not in s and "free text" not in s and "why" not in s
    assert "note=<14 chars>" in s and "source.kind=edf" in s and "override_reason=<3 chars>" in s
    assert audit_summary(b"not json") == "<8 bytes, not JSON>"
    assert audit_summary(b"") == ""
    assert len(audit_summary(b'{"a": "' + b"y" * 30 + b'", ' + b", ".join(
        f'"k{i}": {i}'.encode() for i in range(200)) + b"}")) <= 300  # fmt: skip
