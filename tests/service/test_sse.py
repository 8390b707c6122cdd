"""Live alerts over Server-Sent Events against a real server (uvicorn subprocess)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import bearer, read_sse, start_module_server, wait_for

API = "/api/v1"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, seizure_edf: Path) -> Iterator[Any]:
    """One real server for this module, with a short keep-alive interval."""
    srv = start_module_server(tmp_path_factory, seizure_edf, "sse")
    yield srv
    srv.stop(signal.SIGTERM)


def test_edf_seizure_alert_arrives_over_sse_and_the_stream_resumes(live: Any) -> None:
    srv, tokens = live, live.tokens
    viewer, tech, clin = (bearer(tokens[r]) for r in ("viewer", "technician", "clinician"))
    timeout = httpx.Timeout(15.0)
    with httpx.Client(base_url=srv.url, timeout=timeout) as c:
        with c.stream("GET", f"{API}/alerts/stream", headers=viewer) as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            lines = resp.iter_lines()
            assert next(lines).startswith("retry:")
            r = c.post(
                f"{API}/beds",
                headers=tech,
                json={"bed_id": "icu-1", "weight_kg": 75, "edf_path": "seizure.edf", "speed": 100},
            )
            assert r.status_code == 201, r.text
            events, comments = read_sse(
                lines, 50, stop=lambda e: e["data"]["kind"] == "seizure_onset"
            )
        # (this stream was never idle: hop events flowed; the idle keep-alive is
        # checked on a filtered stream below)
        seizure = events[-1]
        assert seizure["event"] == "alert"
        data = seizure["data"]
        assert data["kind"] == "seizure_onset" and data["bed_id"] == "icu-1"
        assert data["change"] == "raised" and data["state"] == "raised"
        assert int(seizure["id"]) == data["id"] == data["event_id"]  # new alert: id == event id
        assert 150 <= data["t_s"] <= 165  # the seizure starts at 150 s of the recording
        assert data["severity"] in ("low", "medium", "high") and data["time"].endswith("Z")
        ids = [int(e["id"]) for e in events]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        last = int(seizure["id"])

        wait_for(lambda: c.get(f"{API}/beds/icu-1", headers=viewer).json()["status"] == "finished")
        # changes while nobody listens: an acknowledgement
        assert c.post(f"{API}/alerts/{data['id']}/ack", headers=viewer).status_code == 403
        assert c.post(f"{API}/alerts/{data['id']}/ack", headers=clin).status_code == 200

        # reconnect the way EventSource does: Last-Event-ID header -> only newer events
        with c.stream(
            "GET", f"{API}/alerts/stream", headers={**viewer, "Last-Event-ID": str(last)}
        ) as resp:
            again, _ = read_sse(
                resp.iter_lines(), 50, stop=lambda e: e["data"]["change"] == "acked"
            )
        assert again and all(int(e["id"]) > last for e in again)
        acked = again[-1]["data"]
        assert acked["id"] == data["id"] and acked["acked_by"] == "test-clinician"

        # ?last_event_id=0 replays the whole log in order (nothing lost)
        stored = c.get(f"{API}/alerts?order=asc&limit=5000", headers=viewer).json()
        with c.stream("GET", f"{API}/alerts/stream?last_event_id=0", headers=viewer) as resp:
            replay, _ = read_sse(
                resp.iter_lines(), 10_000, stop=lambda e: int(e["id"]) >= stored["last_event_id"]
            )
        assert [int(e["id"]) for e in replay] == sorted(int(e["id"]) for e in replay)
        assert {a["id"] for a in stored["data"]} == {e["data"]["id"] for e in replay}
        assert {e["data"]["id"] for e in events} <= {e["data"]["id"] for e in replay}

        # a bad Last-Event-ID is refused with a reason
        r = c.get(f"{API}/alerts/stream", headers={**viewer, "Last-Event-ID": "abc"})
        assert r.status_code == 422 and "Last-Event-ID" in r.json()["detail"]
        # no token, no stream
        assert c.get(f"{API}/alerts/stream").status_code == 401


def test_new_trend_rows_arrive_over_sse_as_hop_events(live: Any) -> None:
    """While a bed plays, each analysed hop reaches the stream once, in order, without an id."""
    srv, tokens = live, live.tokens
    viewer, tech = bearer(tokens["viewer"]), bearer(tokens["technician"])
    with httpx.Client(base_url=srv.url, timeout=httpx.Timeout(15.0)) as c:
        with c.stream("GET", f"{API}/alerts/stream?bed_id=icu-hops", headers=viewer) as resp:
            lines = resp.iter_lines()
            assert next(lines).startswith("retry:")
            r = c.post(
                f"{API}/beds",
                headers=tech,
                json={"bed_id": "icu-hops", "weight_kg": 70, "edf_path": "seizure.edf",
                      "speed": 20},
            )  # fmt: skip
            assert r.status_code == 201, r.text
            hops, _ = read_sse(lines, 40, kinds=("hop",))
        assert len(hops) == 40
        assert all("id" not in e and e["data"]["bed_id"] == "icu-hops" for e in hops)
        t = [e["data"]["hop"]["t_s"] for e in hops]
        assert t == sorted(t) and len(set(t)) == len(t)  # no duplicate, no reordering
        assert all(b - a == 1.0 for a, b in zip(t, t[1:], strict=False))  # none skipped
        row = hops[-1]["data"]["hop"]
        assert {"suppression_ratio", "line_length", "ictal", "depth", "delta_uv2"} <= row.keys()
        # the same rows as the trends endpoint stores
        stored = c.get(
            f"{API}/beds/icu-hops/trends?since_s={t[0] - 0.5}&limit=5", headers=viewer
        ).json()["data"]
        assert stored[0]["t_s"] == t[0]
        assert stored[0]["line_length"] == hops[0]["data"]["hop"]["line_length"]
        c.delete(f"{API}/beds/icu-hops", headers=tech)


def test_page_session_cookie_opens_the_stream(live: Any) -> None:
    srv, tokens = live, live.tokens
    with httpx.Client(base_url=srv.url, timeout=httpx.Timeout(15.0)) as c:
        r = c.post(f"{API}/session", headers=bearer(tokens["viewer"]))
        assert r.status_code == 200 and "rsemon_session" in c.cookies
        c.post(
            f"{API}/beds", headers=bearer(tokens["admin"]), json={"bed_id": "m", "weight_kg": 60}
        )
        with c.stream("GET", f"{API}/alerts/stream") as resp:  # cookie only, as EventSource
            assert resp.status_code == 200
            lines = resp.iter_lines()
            r = c.post(
                f"{API}/beds/m/events",
                headers=bearer(tokens["clinician"]),
                json={"kind": "seizure_start", "t_s": 0},
            )
            assert r.status_code == 201
            events, _ = read_sse(lines, 1)
        assert events[0]["data"]["kind"] == "seizure_onset"
        assert events[0]["data"]["bed_id"] == "m"
        # the bed filter
        with c.stream("GET", f"{API}/alerts/stream?bed_id=other&last_event_id=0") as resp:
            lines = resp.iter_lines()
            _, comments = read_sse(lines, 1, timeout_s=1.0)
        assert ": keep-alive" in comments
