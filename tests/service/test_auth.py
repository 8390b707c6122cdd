"""Authentication and roles: 401 / 403, hashed tokens, sessions, the token CLI."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rse_monitor.service.main import create_app
from rse_monitor.service.settings import Settings
from tests.service.conftest import REPO, bearer, make_tokens

API = "/api/v1"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    db = tmp_path / "auth.sqlite3"
    tokens = make_tokens(db)
    app = create_app(Settings(db=str(db)))
    with TestClient(app) as client:
        # a bed and an alert to act on
        h = {role: bearer(t) for role, t in tokens.items()}
        client.post(f"{API}/beds", headers=h["admin"], json={"bed_id": "b1", "weight_kg": 80})
        client.post(
            f"{API}/beds/b1/events", headers=h["admin"], json={"kind": "seizure_start", "t_s": 0}
        )
        yield {"client": client, "tokens": tokens, "h": h, "db": db}


#: (method, path, body, lowest role allowed)
ROUTES: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("GET", "/beds", None, "viewer"),
    ("GET", "/beds/b1", None, "viewer"),
    ("GET", "/beds/b1/state", None, "viewer"),
    ("GET", "/beds/b1/trends", None, "viewer"),
    ("GET", "/beds/b1/spectrogram", None, "viewer"),
    ("GET", "/beds/b1/treatments", None, "viewer"),
    ("GET", "/beds/b1/targets", None, "viewer"),
    ("GET", "/beds/b1/events", None, "viewer"),
    ("GET", "/alerts", None, "viewer"),
    ("GET", "/alerts/1", None, "viewer"),
    ("POST", "/beds", {"bed_id": "new", "weight_kg": 60}, "technician"),
    ("POST", "/beds/b1/treatments", {"agent": "lorazepam", "dose": 4, "unit": "mg"}, "clinician"),
    ("PUT", "/beds/b1/targets", {"goal": "seizure_suppression"}, "clinician"),
    ("POST", "/beds/b1/events", {"kind": "seizure_ongoing"}, "clinician"),
    ("POST", "/alerts/1/ack", None, "clinician"),
    ("GET", "/tokens", None, "admin"),
    ("POST", "/tokens", {"role": "viewer"}, "admin"),
]
RANK = {"viewer": 0, "technician": 1, "clinician": 2, "admin": 3}


def test_401_without_or_with_a_bad_token(env: dict[str, Any]) -> None:
    c = env["client"]
    for method, path, body, _ in ROUTES:
        for headers in (
            {},
            bearer("rsm_not-a-token"),
            {"Authorization": "Basic dXNlcjpwdw=="},
            {"Authorization": f"Token {env['tokens']['admin']}"},
        ):
            r = c.request(method, API + path, headers=headers, json=body)
            assert r.status_code == 401, (method, path, headers, r.text)
            assert r.headers["www-authenticate"] == "Bearer"
            assert r.json()["detail"]


def test_role_matrix(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    for method, path, body, lowest in ROUTES:
        for role in ("viewer", "technician", "clinician", "admin"):
            r = c.request(method, API + path, headers=h[role], json=body)
            if RANK[role] < RANK[lowest]:
                assert r.status_code == 403, (method, path, role, r.text)
                assert f"needs {lowest} or higher" in r.json()["detail"]
            else:
                assert r.status_code not in (401, 403), (method, path, role, r.text)
            if method == "POST" and path == "/beds" and r.status_code == 201:
                c.delete(f"{API}/beds/new", headers=h["admin"])


def test_technician_starts_and_stops_beds_but_cannot_treat(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    assert (
        c.post(
            f"{API}/beds", headers=h["technician"], json={"bed_id": "t1", "weight_kg": 60}
        ).status_code
        == 201
    )
    assert c.delete(f"{API}/beds/t1", headers=h["viewer"]).status_code == 403
    assert c.delete(f"{API}/beds/t1", headers=h["technician"]).status_code == 204


def test_tokens_are_stored_hashed(env: dict[str, Any]) -> None:
    with sqlite3.connect(env["db"]) as conn:
        rows = conn.execute("SELECT token_sha256 FROM tokens").fetchall()
        dump = "\n".join(conn.iterdump())
    hashes = {r[0] for r in rows}
    for token in env["tokens"].values():
        assert token not in dump
        assert hashlib.sha256(token.encode()).hexdigest() in hashes
        assert len(token) >= 40  # 32 random bytes, url-safe base64, plus prefix


def test_admin_manages_tokens(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    r = c.post(f"{API}/tokens", headers=h["admin"], json={"role": "clinician", "name": "Dr Who"})
    assert r.status_code == 201
    new = r.json()
    assert new["role"] == "clinician" and new["token"].startswith("rsm_")
    listed = c.get(f"{API}/tokens", headers=h["admin"]).json()
    assert "token" not in listed["data"][0] and listed["count"] == 5
    mine = bearer(new["token"])
    assert c.get(f"{API}/beds", headers=mine).status_code == 200
    assert c.post(f"{API}/tokens", headers=mine, json={"role": "admin"}).status_code == 403
    revoked = c.delete(f"{API}/tokens/{new['id']}", headers=h["admin"]).json()
    assert revoked["revoked_at"] is not None
    r = c.get(f"{API}/beds", headers=mine)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert c.delete(f"{API}/tokens/99999", headers=h["admin"]).status_code == 404
    assert c.post(f"{API}/tokens", headers=h["admin"], json={"role": "god"}).status_code == 422


def test_session_cookie_for_the_page(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    r = c.post(f"{API}/session", headers=h["viewer"])
    assert r.status_code == 200 and r.json()["role"] == "viewer"
    cookie = r.headers["set-cookie"]
    assert "rsemon_session=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    sid = c.cookies.get("rsemon_session")
    assert sid and sid not in env["tokens"].values()
    # the cookie authenticates reads ...
    assert c.get(f"{API}/beds").status_code == 200
    assert c.get(f"{API}/session").json()["via"] == "session"
    # ... but never writes
    r = c.post(f"{API}/beds/b1/events", json={"kind": "seizure_ongoing"})
    assert r.status_code == 401
    # the cookie cannot mint another session
    assert c.post(f"{API}/session").status_code == 401
    # a long-lived token in the URL is not accepted
    c.cookies.clear()
    token = env["tokens"]["admin"]
    for query in (f"?token={token}", f"?access_token={token}"):
        assert c.get(f"{API}/beds{query}").status_code == 401
    # logout ends the session
    c.cookies.set("rsemon_session", sid)
    assert c.delete(f"{API}/session").status_code == 204
    c.cookies.set("rsemon_session", sid)
    assert c.get(f"{API}/beds").status_code == 401


def test_session_ends_with_its_token_and_expiry(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    tokens = make_tokens(db)
    app = create_app(Settings(db=str(db), session_ttl_s=1.0))
    with TestClient(app) as c:
        c.post(f"{API}/session", headers=bearer(tokens["viewer"]))
        sid = c.cookies.get("rsemon_session")
        assert c.get(f"{API}/beds").status_code == 200
        time.sleep(1.2)
        c.cookies.set("rsemon_session", sid)  # a client that ignores max-age
        r = c.get(f"{API}/beds")
        assert r.status_code == 401 and "expired" in r.json()["detail"]
        # revoking the token ends its sessions
        c.cookies.clear()
        c.post(f"{API}/session", headers=bearer(tokens["clinician"]))
        assert c.get(f"{API}/beds").status_code == 200
        me = c.get(f"{API}/tokens", headers=bearer(tokens["admin"])).json()["data"]
        cid = next(t["id"] for t in me if t["role"] == "clinician")
        c.delete(f"{API}/tokens/{cid}", headers=bearer(tokens["admin"]))
        assert c.get(f"{API}/beds").status_code == 401


def test_token_create_cli(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "rse_monitor.service.cli_service",
            "token",
            "create",
            "--role",
            "clinician",
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    token = out.stdout.strip().splitlines()[-1]
    assert token.startswith("rsm_")
    app = create_app(Settings(db=str(db)))
    with TestClient(app) as c:
        r = c.get(f"{API}/session", headers=bearer(token))
        assert r.status_code == 200 and r.json()["role"] == "clinician"
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "rse_monitor.service.cli_service",
            "token",
            "create",
            "--role",
            "root",
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
