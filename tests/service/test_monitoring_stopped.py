"""A bed whose monitoring stops: a real server, a real SQLite file broken under it.

The store is broken the way a second process can break it (its tables renamed
away through another connection), so the bed's next commit fails for real; the
``monitoring_stopped`` alert must wait in memory, reach the database once it is
repaired, and be pushed over SSE.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx

from tests.service.conftest import bearer, make_tokens, read_sse, wait_for

API = "/api/v1"


def _rename(db: Path, pairs: list[tuple[str, str]]) -> None:
    conn = sqlite3.connect(db, timeout=20.0, isolation_level=None)
    try:
        for old, new in pairs:
            conn.execute(f"ALTER TABLE {old} RENAME TO {new}")
    finally:
        conn.close()


def _stored(db: Path, kind: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db, timeout=20.0)
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute("SELECT * FROM alerts WHERE kind = ?", (kind,)))
    finally:
        conn.close()


def test_a_bed_whose_store_fails_raises_monitoring_stopped_and_keeps_it_until_stored(
    server_factory: Any,
) -> None:
    srv = server_factory(RSEMON_STORAGE_RETRY_S="0.2", RSEMON_SSE_KEEPALIVE_S="0.5").start()
    h = bearer(make_tokens(srv.db)["admin"])
    with httpx.Client(base_url=srv.url, timeout=15.0) as c:
        assert c.get("/health").json()["status"] == "ok"
        r = c.post(f"{API}/beds", headers=h,
                   json={"bed_id": "e1", "weight_kg": 70, "edf_path": "seizure.edf",
                         "speed": 10})  # fmt: skip
        assert r.status_code == 201, r.text
        wait_for(lambda: c.get(f"{API}/beds/e1/trends?since_s=0", headers=h).json()["data"])
        health = c.get("/health").json()
        assert health["status"] == "ok", health

        # the store breaks: hops can no longer be written, nor alert events
        _rename(srv.db, [("trends", "trends_gone"), ("alert_events", "alert_events_gone")])
        bed = wait_for(lambda: (b := c.get(f"{API}/beds/e1", headers=h).json())["status"]
                       == "error" and b)  # fmt: skip
        assert bed["status_message"].startswith("monitoring stopped: StorageUnavailable")
        assert "no such table" in bed["status_message"] and "trends" in bed["status_message"]
        health = wait_for(lambda: (x := c.get("/api/v1/health").json())["reasons"] and x)
        assert health["status"] == "degraded" and health["beds_not_monitored"] == ["e1"]
        assert any("not yet stored" in why for why in health["reasons"]), health
        assert _stored(srv.db, "monitoring_stopped") == []  # not in the database yet...

        # ... repaired: the alert kept in memory is committed, once
        _rename(srv.db, [("trends_gone", "trends"), ("alert_events_gone", "alert_events")])
        rows = wait_for(lambda: _stored(srv.db, "monitoring_stopped"), timeout_s=15)
        assert len(rows) == 1 and rows[0]["severity"] == "high" and rows[0]["is_open"] == 1
        assert "no such table" in rows[0]["message"]
        listed = c.get(f"{API}/alerts?bed_id=e1", headers=h).json()["data"]
        assert [a["kind"] for a in listed].count("monitoring_stopped") == 1

        def is_stop(e: dict[str, Any]) -> bool:
            return bool(e["data"]["kind"] == "monitoring_stopped")

        url = f"{API}/alerts/stream?bed_id=e1&last_event_id=0"
        with c.stream("GET", url, headers=h) as resp:
            events, _ = read_sse(resp.iter_lines(), 100, timeout_s=10, stop=is_stop)
        pushed = [e["data"] for e in events if e["data"]["kind"] == "monitoring_stopped"]
        assert len(pushed) == 1 and pushed[0]["severity"] == "high"
        assert pushed[0]["details"]["status_before"] == "running"

        # still degraded: the bed is not monitored; but nothing is waiting any more
        health = c.get("/health").json()
        assert health["status"] == "degraded" and health["beds_not_monitored"] == ["e1"]
        assert not any("not yet stored" in why for why in health["reasons"]), health
        assert health["storage_ok"] is True
        # a discharge is not a stop: no second monitoring_stopped
        assert c.delete(f"{API}/beds/e1", headers=h).status_code in (200, 204)
        assert c.get("/health").json()["status"] == "ok"
    assert len(_stored(srv.db, "monitoring_stopped")) == 1


def test_an_edf_bed_reaching_its_end_is_finished_not_stopped(server_factory: Any) -> None:
    srv = server_factory().start()
    h = bearer(make_tokens(srv.db)["admin"])
    with httpx.Client(base_url=srv.url, timeout=15.0) as c:
        r = c.post(f"{API}/beds", headers=h,
                   json={"bed_id": "f1", "weight_kg": 70, "edf_path": "seizure.edf",
                         "speed": 200})  # fmt: skip
        assert r.status_code == 201, r.text
        wait_for(lambda: c.get(f"{API}/beds/f1", headers=h).json()["status"] == "finished")
        assert c.get("/health").json()["status"] == "ok"
    assert _stored(srv.db, "monitoring_stopped") == []
