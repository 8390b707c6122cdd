"""Persistence: a real server killed mid-replay and started again on the same database."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import bearer, make_tokens, read_sse, wait_for

API = "/api/v1"


def test_everything_survives_a_crash_and_live_beds_resume(
    server_factory: Any, seizure_edf: Path
) -> None:
    srv = server_factory(RSEMON_SSE_KEEPALIVE_S="0.5").start()
    tokens = make_tokens(srv.db)
    viewer, tech, clin = (bearer(tokens[r]) for r in ("viewer", "technician", "clinician"))
    t = httpx.Timeout(15.0)
    with httpx.Client(base_url=srv.url, timeout=t) as c:
        # a charting bed with the full clinical record
        c.post(f"{API}/beds", headers=tech, json={"bed_id": "m1", "weight_kg": 80})
        for kind, ts in (("seizure_start", 0), ("seizure_ongoing", 900)):
            c.post(f"{API}/beds/m1/events", headers=clin, json={"kind": kind, "t_s": ts})
        c.post(
            f"{API}/beds/m1/treatments",
            headers=clin,
            json={"agent": "lorazepam", "dose": 4, "unit": "mg", "t_s": 360},
        )
        c.put(
            f"{API}/beds/m1/targets",
            headers=clin,
            json={"goal": "seizure_suppression", "sr_low": 0.3, "sr_high": 0.6},
        )
        before_m1 = c.get(f"{API}/beds/m1/state", headers=viewer).json()
        assert before_m1["stage"]["stage"] == "established"
        # an EDF bed replayed at 40x: the seizure (150-210 s) is found after ~4 s
        with c.stream("GET", f"{API}/alerts/stream", headers=viewer) as resp:
            r = c.post(
                f"{API}/beds",
                headers=tech,
                json={"bed_id": "e1", "weight_kg": 70, "edf_path": "seizure.edf", "speed": 40},
            )
            assert r.status_code == 201
            seen, _ = read_sse(
                resp.iter_lines(), 100, stop=lambda e: e["data"]["kind"] == "seizure_onset"
            )
        sz = seen[-1]["data"]
        assert sz["bed_id"] == "e1" and sz["kind"] == "seizure_onset"
        last_seen = int(seen[-1]["id"])
        pos_before = c.get(f"{API}/beds/e1", headers=viewer).json()["position_s"]
        assert pos_before is not None and pos_before < 290  # still replaying

    assert srv.stop(signal.SIGKILL) == -signal.SIGKILL  # a crash, not a clean stop
    srv.start()
    with httpx.Client(base_url=srv.url, timeout=t) as c:
        beds = {b["bed_id"]: b for b in c.get(f"{API}/beds", headers=viewer).json()["data"]}
        assert set(beds) == {"m1", "e1"}
        # the clinical record is intact
        after_m1 = c.get(f"{API}/beds/m1/state", headers=viewer).json()
        assert after_m1["stage"] == before_m1["stage"]
        assert after_m1["targets"]["goal"] == "seizure_suppression"
        trs = c.get(f"{API}/beds/m1/treatments", headers=viewer).json()["data"]
        assert [(x["agent"], x["adequate"]) for x in trs] == [("lorazepam", True)]
        assert c.get(f"{API}/beds/m1/events", headers=viewer).json()["count"] == 2
        # the alert seen before the crash is stored; so is everything raised before it
        stored = c.get(f"{API}/alerts?order=asc", headers=viewer).json()["data"]
        assert {e["data"]["id"] for e in seen} <= {a["id"] for a in stored}
        assert next(a for a in stored if a["id"] == sz["id"])["kind"] == "seizure_onset"
        # the EDF bed resumes where it was and finishes; trends continue without gaps/repeats
        assert beds["e1"]["status"] in ("running", "finished")
        wait_for(
            lambda: c.get(f"{API}/beds/e1", headers=viewer).json()["status"] == "finished",
            timeout_s=40,
        )
        rows = c.get(f"{API}/beds/e1/trends?since_s=0", headers=viewer).json()["data"]
        t_s = [row["t_s"] for row in rows]
        assert t_s == [float(x) for x in range(int(t_s[0]), 301)]
        assert t_s[0] <= 3.0
        # the seizure under way at the crash was not announced twice
        e1_onsets = [
            a
            for a in c.get(f"{API}/alerts?bed_id=e1", headers=viewer).json()["data"]
            if a["kind"] == "seizure_onset"
        ]
        assert len(e1_onsets) == 1
        # acknowledge across the restart: clinician yes, viewer no
        assert c.post(f"{API}/alerts/{sz['id']}/ack", headers=viewer).status_code == 403
        r = c.post(f"{API}/alerts/{sz['id']}/ack", headers=clin)
        assert r.status_code == 200 and r.json()["acked_by"] == "test-clinician"
        # SSE resumes after the last id seen before the crash: nothing older, the ack included
        with c.stream(
            "GET", f"{API}/alerts/stream", headers={**viewer, "Last-Event-ID": str(last_seen)}
        ) as resp:
            resumed, _ = read_sse(
                resp.iter_lines(), 1000, stop=lambda e: e["data"]["change"] == "acked"
            )
        assert resumed and all(int(e["id"]) > last_seen for e in resumed)
        assert resumed[-1]["data"]["id"] == sz["id"]

        # a clean stop with a stream open is quick (the stream is ended, not waited for)
        opened = threading.Event()

        def listen() -> None:
            with httpx.Client(base_url=srv.url, timeout=t) as c2:
                try:
                    with c2.stream("GET", f"{API}/alerts/stream", headers=viewer) as resp:
                        opened.set()
                        for _ in resp.iter_lines():
                            pass
                except httpx.HTTPError:
                    pass

        pid = srv.proc.pid if srv.proc is not None else 0
        th = threading.Thread(target=listen, daemon=True)
        th.start()
        assert opened.wait(10)
    t0 = time.monotonic()
    # uvicorn re-raises the signal after a clean shutdown, so the status may be -SIGTERM
    assert srv.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    assert time.monotonic() - t0 < 5.0
    assert srv.log_path.read_text().rstrip().endswith("Finished server process " + f"[{pid}]")
    th.join(5)
    assert not th.is_alive()

    # a finished EDF bed stays finished after another restart; nothing is replayed twice
    srv.start()
    with httpx.Client(base_url=srv.url, timeout=t) as c:
        time.sleep(0.3)
        bed = c.get(f"{API}/beds/e1", headers=viewer).json()
        assert bed["status"] == "finished" and bed["position_s"] == pytest.approx(300.0)
        again = c.get(f"{API}/beds/e1/trends?since_s=0", headers=viewer).json()["data"]
        assert [row["t_s"] for row in again] == t_s


def test_lsl_bed_reconnects_after_a_restart_and_a_stream_loss(
    server_factory: Any, seizure_edf: Path
) -> None:
    lsl = pytest.importorskip("rse_monitor.pipeline.lsl")
    name = f"rsemon-svc-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    errors: list[BaseException] = []

    def play() -> tuple[threading.Event, threading.Thread]:
        stop = threading.Event()
        player = lsl.LslPlayer(seizure_edf, name, speed=20.0, loop=True)

        def run() -> None:
            try:
                player.run(stop=stop)
            except BaseException as exc:  # reported by the test, not lost in the thread
                errors.append(exc)

        th = threading.Thread(target=run, daemon=True)
        th.start()
        return stop, th

    stop_player, player = play()
    srv = server_factory().start()
    h = bearer(make_tokens(srv.db)["admin"])
    try:
        with httpx.Client(base_url=srv.url, timeout=15.0) as c:
            r = c.post(
                f"{API}/beds", headers=h, json={"bed_id": "L", "weight_kg": 70, "lsl_stream": name}
            )
            assert r.status_code == 201 and r.json()["status"] == "connecting"

            def position() -> float:
                bed = c.get(f"{API}/beds/L", headers=h).json()
                return (bed["position_s"] or 0.0) if bed["status"] == "running" else 0.0

            try:
                first = wait_for(lambda: position() >= 40 and position())
            except AssertionError:
                raise AssertionError(
                    f"LSL bed never ran; player errors {errors!r}; server log: "
                    f"{srv.log_path.read_text()[-1500:]}"
                ) from None
            assert c.get(f"{API}/beds/L", headers=h).json()["source"]["speed"] == 20.0
        srv.stop(signal.SIGTERM)
        srv.start()
        with httpx.Client(base_url=srv.url, timeout=15.0) as c:
            wait_for(lambda: position() > first + 20)  # reconnected, time moves on
            rows = c.get(f"{API}/beds/L/trends?since_s=0", headers=h).json()["data"]
            t_s = [row["t_s"] for row in rows]
            assert t_s == sorted(set(t_s))  # never backwards, no repeats across the restart
            # the outlet goes away: a stream_lost alert, the bed waits for it
            stop_player.set()
            player.join(5)

            def lost() -> list[dict[str, Any]]:
                data = c.get(f"{API}/alerts?bed_id=L&open=true", headers=h).json()["data"]
                return [a for a in data if a["kind"] == "stream_lost"]

            alert = wait_for(lost, timeout_s=20)[0]
            assert alert["severity"] == "medium"
            assert c.get(f"{API}/beds/L", headers=h).json()["status"] == "reconnecting"
            # it comes back: the alert clears and monitoring continues
            stop_player, player = play()
            wait_for(lambda: not lost(), timeout_s=20)
            back = c.get(f"{API}/alerts/{alert['id']}", headers=h).json()
            assert back["state"] == "cleared" and "restored" in back["cleared_message"]
            wait_for(lambda: c.get(f"{API}/beds/L", headers=h).json()["status"] == "running")
    finally:
        stop_player.set()
        player.join(5)
