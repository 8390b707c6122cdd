"""One bed, one path: ``rsemon replay`` / ``rsemon monitor`` and a service bed say the same.

The command-line runs and the service's beds run the same bed session; these tests
feed them the same input at the same time and compare what they raised, transition
by transition (kind, raised / updated / cleared, bed time within 1 s):

- the bundled-style seizure EDF replayed by ``rsemon replay`` and by an EDF bed;
- one live LSL stream (a real outlet in another process) with a hole in its stamps
  (``data_gap``) and a drop-out (``stream_lost``, ``stream_restored``), monitored at
  once by ``rsemon monitor`` and by an LSL bed of a real server.

And the engine's error path: a service bed whose engine fails on a chunk restarts
the engine, raises ``engine_error`` and goes on, as ``monitor`` does.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from tests.service.conftest import REPO, bearer, make_tokens, wait_for

API = "/api/v1"
T_TOL_S = 1.0


def _jsonl_changes(path: Path) -> list[tuple[str, str, float]]:
    out = []
    for line in path.read_text().splitlines():
        a = json.loads(line)
        out.append((a["kind"], a["details"]["state"], float(a["t_s"])))
    return out


def _stored_changes(db: Path, bed_id: str) -> list[tuple[str, str, float]]:
    """Every alert transition of a bed as the store logged it (what SSE replays)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT change, snapshot FROM alert_events WHERE bed_id = ? ORDER BY seq", (bed_id,)
        ).fetchall()
    finally:
        conn.close()
    out = []
    for change, snapshot in rows:
        a = json.loads(snapshot)
        t = {"raised": a["t_s"], "updated": a["last_t_s"], "cleared": a["cleared_t_s"]}
        if change in t:
            out.append((a["kind"], change, float(t[change])))
    return out


def _assert_same(cli: list[tuple[str, str, float]], bed: list[tuple[str, str, float]]) -> None:
    assert [(k, s) for k, s, _ in cli] == [(k, s) for k, s, _ in bed], (cli, bed)
    for (kind, state, t_cli), (_, _, t_bed) in zip(cli, bed, strict=True):
        assert abs(t_cli - t_bed) <= T_TOL_S, (kind, state, t_cli, t_bed)


def test_replay_and_an_edf_bed_raise_the_same_alerts(
    server_factory: Any, seizure_edf: Path, tmp_path: Path
) -> None:
    out = tmp_path / "replay"
    done = subprocess.run(
        [sys.executable, "-m", "rse_monitor.service.cli",
         "replay", str(seizure_edf), "--out", str(out),
         "-q"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    cli = _jsonl_changes(out / "alerts.jsonl")
    assert ("seizure_onset", "raised") in [(k, s) for k, s, _ in cli]  # something to compare

    srv = server_factory().start()
    tech = bearer(make_tokens(srv.db)["technician"])
    with httpx.Client(base_url=srv.url, timeout=15.0) as c:
        r = c.post(f"{API}/beds", headers=tech, json={
            "bed_id": "E", "weight_kg": 70, "edf_path": seizure_edf.name, "speed": 200,
        })  # fmt: skip
        assert r.status_code == 201, r.text
        wait_for(lambda: c.get(f"{API}/beds/E", headers=tech).json()["status"] == "finished",
                 timeout_s=60)  # fmt: skip
    _assert_same(cli, _stored_changes(srv.db, "E"))


def test_monitor_and_an_lsl_bed_on_one_stream_raise_the_same_alerts(
    server_factory: Any, seizure_edf: Path, tmp_path: Path
) -> None:
    name = f"onepath-{uuid.uuid4().hex[:8]}"
    srv = server_factory().start()
    tech = bearer(make_tokens(srv.db)["technician"])
    out, go = tmp_path / "monitor", tmp_path / "go"
    log = (tmp_path / "monitor.log").open("w")
    # 300 s at 10x; 10 s never sent from 60 s; 4 wall s (40 s) of silence at 110 s
    outlet = subprocess.Popen(
        [sys.executable, str(REPO / "tests/service/gappy_outlet.py"), name, str(seizure_edf),
         "10", "60", "10", "110", "4", str(go)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    monitor = subprocess.Popen(
        [sys.executable, "-m", "rse_monitor.service.cli",
         "monitor", "--lsl", name, "--out", str(out),
         "--until-end", "--duration", "120"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=srv.url, timeout=15.0) as c:
            # both consumers connected before the first sample (a consumer that waits
            # longer than 3 s for it would rightly call the stream lost)
            wait_for(lambda: (out / "summary.json").exists(), timeout_s=60)
            r = c.post(f"{API}/beds", headers=tech,
                       json={"bed_id": "L", "weight_kg": 70, "lsl_stream": name})  # fmt: skip
            assert r.status_code == 201, r.text
            wait_for(
                lambda: "sfreq_hz" in c.get(f"{API}/beds/L", headers=tech).json()["source"]["info"],
                timeout_s=20, interval_s=0.02,
            )  # fmt: skip
            go.touch()
            assert monitor.wait(timeout=120) == 0, (tmp_path / "monitor.log").read_text()[-3000:]
            wait_for(
                lambda: (c.get(f"{API}/beds/L", headers=tech).json()["position_s"] or 0) >= 299,
                timeout_s=30,
            )
        assert outlet.wait(timeout=30) == 0, outlet.stdout.read() if outlet.stdout else ""
    finally:
        for p in (monitor, outlet):
            if p.poll() is None:
                p.kill()
                p.wait()
        log.close()
    end_s = 299.0  # after the last sample the service keeps waiting; monitor has stopped
    cli = [x for x in _jsonl_changes(out / "alerts.jsonl") if x[2] < end_s]
    bed = [x for x in _stored_changes(srv.db, "L") if x[2] < end_s]
    kinds = {(k, s) for k, s, _ in cli}
    assert {("data_gap", "raised"), ("stream_lost", "raised"), ("stream_lost", "cleared"),
            ("stream_restored", "raised")} <= kinds, cli  # fmt: skip
    _assert_same(cli, bed)
    # and the same trends, hop by hop
    trends = np.genfromtxt(out / "trends.csv", delimiter=",", names=True, dtype=None,
                           encoding="utf-8")  # fmt: skip
    conn = sqlite3.connect(srv.db)
    stored = conn.execute(
        "SELECT t_s, suppression_ratio, ictal FROM trends t JOIN beds b "
        "ON t.admission_id = b.admission_id WHERE b.bed_id = 'L' ORDER BY t_s"
    ).fetchall()
    conn.close()
    cli_t = [float(t) for t in trends["t_s"] if t < end_s]
    assert cli_t == [row[0] for row in stored if row[0] < end_s]
