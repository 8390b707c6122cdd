"""Storage faults and the one-server-per-database lock, on real SQLite files and a
real ``rsemon serve`` process."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rse_monitor.service.errors import DatabaseInUse
from rse_monitor.service.main import create_app
from rse_monitor.service.settings import Settings
from tests.service.conftest import REPO, bearer, free_port, make_tokens

API = "/api/v1"


def _serve(db: str, timeout_s: float = 60.0) -> subprocess.CompletedProcess[str]:
    """``rsemon serve`` that is expected to refuse to start."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "rse_monitor.service.cli_service",
           "serve", "--port", str(free_port()),
           "--db", db]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout_s)


def _one_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("rsemon serve: "), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    return lines[0]


def test_a_second_server_on_the_same_database_exits_2_with_one_line(server_factory: Any) -> None:
    srv = server_factory().start()
    line = _one_line(_serve(str(srv.db)))
    assert "in use by another rsemon server" in line and f"pid {srv.proc.pid}" in line
    # the first one is untouched
    import httpx

    assert httpx.get(srv.url + "/health", timeout=5).json()["status"] == "ok"
    srv.stop()
    # once it is gone (its lock with it), the database can be served again
    srv.start()
    assert httpx.get(srv.url + "/health", timeout=5).status_code == 200


def test_startup_on_an_unusable_database_exits_2_with_one_line(tmp_path: Path) -> None:
    missing = _one_line(_serve(str(tmp_path / "nowhere" / "x.sqlite3")))
    assert "does not exist" in missing
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"this is not a database, just text " * 200)
    assert "not a database" in _one_line(_serve(str(corrupt)))
    # a file the process cannot write, in a folder it cannot write (even as root)
    line = _one_line(_serve("/proc/version"))
    assert "/proc/version" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files and folders anyway")
def test_startup_on_a_read_only_database_in_a_read_only_folder_exits_2(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    make_tokens(folder / "db.sqlite3")
    (folder / "db.sqlite3").chmod(0o444)
    folder.chmod(0o555)
    try:
        line = _one_line(_serve(str(folder / "db.sqlite3")))
    finally:
        folder.chmod(0o755)
    assert "db.sqlite3" in line


@pytest.fixture
def app_env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    db = tmp_path / "s.sqlite3"
    h = bearer(make_tokens(db)["admin"])
    with TestClient(create_app(Settings(db=str(db)))) as c:
        yield {"c": c, "h": h, "db": db}


def _sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db, timeout=20.0, isolation_level=None)
    try:
        for s in statements:
            conn.execute(s)
    finally:
        conn.close()


def _count(db: Path, table: str) -> int:
    conn = sqlite3.connect(db, timeout=20.0)
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def test_a_write_on_a_storage_fault_answers_503_and_writes_nothing(
    app_env: dict[str, Any],
) -> None:
    c, h, db = app_env["c"], app_env["h"], app_env["db"]
    assert c.post(f"{API}/beds", headers=h, json={"bed_id": "m", "weight_kg": 80}).status_code \
        == 201  # fmt: skip
    before = c.get(f"{API}/beds/m/state", headers=h).json()
    n_alerts, n_events = _count(db, "alerts"), _count(db, "alert_events")
    _sql(db, "ALTER TABLE treatments RENAME TO treatments_gone")
    dose = {"agent": "lorazepam", "dose": 4, "unit": "mg", "route": "iv", "kind": "bolus",
            "t_s": 10}  # fmt: skip
    r = c.post(f"{API}/beds/m/treatments", headers=h, json=dose)
    assert r.status_code == 503, r.text
    detail = r.json()["detail"]
    assert detail.startswith("storage unavailable: ") and "\n" not in detail
    assert "treatments" in detail
    # nothing half-written: no alert, no event, the clinical state as it was
    assert (_count(db, "alerts"), _count(db, "alert_events")) == (n_alerts, n_events)
    assert c.get(f"{API}/beds/m/state", headers=h).json()["stage"] == before["stage"]
    _sql(db, "ALTER TABLE treatments_gone RENAME TO treatments")
    r = c.post(f"{API}/beds/m/treatments", headers=h, json=dose)
    assert r.status_code == 201, r.text
    assert _count(db, "treatments") == 1


def test_health_is_degraded_while_the_database_takes_no_write(app_env: dict[str, Any]) -> None:
    c, db = app_env["c"], app_env["db"]
    assert c.get("/health").json()["status"] == "ok"
    other = sqlite3.connect(db, timeout=5.0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        body = c.get(f"{API}/health").json()
        assert body["status"] == "degraded" and body["storage_ok"] is False
        assert "locked" in body["storage_error"] and body["reasons"][0].startswith("storage: ")
        assert str(db) not in json.dumps(body)  # /health needs no token: no server path
    finally:
        other.execute("ROLLBACK")
        other.close()
    body = c.get("/health").json()
    assert body["status"] == "ok" and body["reasons"] == [] and body["storage_ok"] is True


def test_one_app_per_database_in_process_too(app_env: dict[str, Any]) -> None:
    with pytest.raises(DatabaseInUse, match="one server per database"):
        create_app(Settings(db=str(app_env["db"])))
