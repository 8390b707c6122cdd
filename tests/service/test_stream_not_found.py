"""An LSL bed whose stream never appears: a real server, no outlet at all."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.service.conftest import bearer, make_tokens, wait_for

API = "/api/v1"


def test_an_lsl_bed_without_its_stream_raises_stream_not_found_and_health_degrades(
    server_factory: Any,
) -> None:
    pytest.importorskip("rse_monitor.pipeline.lsl")
    name = f"rsemon-nowhere-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    srv = server_factory(RSEMON_STREAM_NOT_FOUND_S="2").start()
    h = bearer(make_tokens(srv.db)["admin"])
    with httpx.Client(base_url=srv.url, timeout=15.0) as c:
        t0 = time.monotonic()
        r = c.post(f"{API}/beds", headers=h,
                   json={"bed_id": "l1", "weight_kg": 70, "lsl_stream": name})  # fmt: skip
        assert r.status_code == 201, r.text

        def not_found() -> list[dict[str, Any]]:
            data = c.get(f"{API}/alerts?bed_id=l1", headers=h).json()["data"]
            return [a for a in data if a["kind"] == "stream_not_found"]

        assert not_found() == []
        alerts = wait_for(not_found, timeout_s=15, interval_s=0.2)
        waited = time.monotonic() - t0
        assert 2.0 <= waited < 10.0, waited
        assert len(alerts) == 1 and alerts[0]["severity"] == "medium"
        assert name in alerts[0]["message"]
        bed = c.get(f"{API}/beds/l1", headers=h).json()
        assert bed["status"] == "connecting"
        health = c.get("/health").json()
        assert health["status"] == "degraded" and health["beds_not_monitored"] == ["l1"]
        assert any("stream not found" in why for why in health["reasons"]), health
        assert health["storage_ok"] is True
        # it stays one alert while the stream stays missing
        time.sleep(3.0)
        assert len(not_found()) == 1
