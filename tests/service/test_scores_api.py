"""Bedside scores through the real app (in-process ASGI client, real SQLite file):
the history round trip, roles, malformed input, and scores filled from stored trends."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rse_monitor.service.main import create_app
from rse_monitor.service.settings import Settings
from rse_monitor.service.store import trend_summary
from tests.service.conftest import bearer, make_tokens

API = "/api/v1"
HISTORY = {
    "age_years": 70,
    "consciousness": "stuporous",
    "worst_seizure_type": "generalized_convulsive",
    "prior_seizures": "no",
    "etiology": "acute_cerebrovascular",
    "charlson_conditions": ["diabetes", "congestive_heart_failure"],
}


@pytest.fixture
def env(tmp_path: Path, seizure_edf: Path) -> Iterator[dict[str, Any]]:
    db = tmp_path / "scores.sqlite3"
    tokens = make_tokens(db)
    app = create_app(Settings(db=str(db), recordings_dirs=[seizure_edf.parent]))
    with TestClient(app) as client:
        h = {role: bearer(t) for role, t in tokens.items()}
        r = client.post(
            f"{API}/beds", headers=h["technician"], json={"bed_id": "b1", "weight_kg": 80}
        )
        assert r.status_code == 201, r.text
        yield {"client": client, "db": db, "h": h, "admission_id": r.json()["admission_id"]}


def _scores(c: TestClient, h: dict[str, str]) -> dict[str, dict[str, Any]]:
    r = c.get(f"{API}/beds/b1/scores", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["data"]) == 4
    return {s["name"]: s for s in body["data"]}


def _insert_trends(
    db: Path, admission_id: int, rows: list[tuple[float, int, str, float | None, str]]
) -> None:
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO trends (admission_id, t_s, ictal, pattern, pattern_hz, depth) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(admission_id, t, ictal, pat, hz, depth) for t, ictal, pat, hz, depth in rows],
        )


def test_history_round_trip_and_scores(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    empty = c.get(f"{API}/beds/b1/history", headers=h["viewer"]).json()
    assert empty["bed_id"] == "b1" and empty["age_years"] is None and empty["updated_at"] is None
    before = _scores(c, h["viewer"])
    assert before["STESS"]["value"] is None
    assert set(before["STESS"]["missing"]) == {
        "consciousness", "worst_seizure_type", "age_years", "prior_seizures"
    }  # fmt: skip

    r = c.put(f"{API}/beds/b1/history", headers=h["clinician"], json=HISTORY)
    assert r.status_code == 200, r.text
    stored = r.json()
    assert {k: stored[k] for k in HISTORY} == HISTORY
    assert stored["updated_by"] == "test-clinician" and stored["updated_at"]
    assert c.get(f"{API}/beds/b1/history", headers=h["viewer"]).json() == stored

    s = _scores(c, h["viewer"])
    # STESS: stupor 1 + generalized convulsive 1 + age >= 65 2 + no prior seizures 1
    assert s["STESS"]["value"] == 5 and s["STESS"]["missing"] == []
    assert s["STESS"]["inputs"]["age_years"] == 70
    assert "Rossetti" in s["STESS"]["citation"]
    # EMSE-EAC: acute cerebrovascular 26 + 61-70 years 7 + Charlson 2 x 10 = 53
    assert s["EMSE-EAC"]["value"] == 53 and s["EMSE-EAC"]["uncertain"]
    # no EEG stored: the EEG items are missing, not 0
    assert s["EMSE-EACE"]["value"] is None and "eeg" in s["EMSE-EACE"]["missing"]
    helps = s["2HELPS2B"]
    assert helps["value"] is None
    assert {"over_2hz", "lpd_lrda_bipd", "plus_features", "sporadic_discharges", "birds"} <= set(
        helps["missing"]
    )
    assert next(i for i in helps["items"] if i["key"] == "prior_seizure")["points"] == 1

    # a PUT replaces the whole history
    r = c.put(f"{API}/beds/b1/history", headers=h["clinician"], json={"age_years": 40})
    assert r.status_code == 200 and r.json()["consciousness"] is None
    assert _scores(c, h["viewer"])["STESS"]["value"] is None


def test_scores_read_the_pattern_trends(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    c.put(f"{API}/beds/b1/history", headers=h["clinician"], json=HISTORY)
    rows = [(float(t), 0, "LPD+F", 1.5, "continuous") for t in range(1, 601)]
    rows += [(float(t), 0, "", None, "continuous") for t in range(601, 3701)]
    rows += [(float(t), 1, "GPD", 3.0, "continuous") for t in range(3701, 3801)]  # ictal: left out
    _insert_trends(env["db"], env["admission_id"], rows)
    body = c.get(f"{API}/beds/b1/scores", headers=h["viewer"]).json()
    assert body["eeg_analysed_s"] == 3700.0
    s = {x["name"]: x for x in body["data"]}
    helps = {i["key"]: i for i in s["2HELPS2B"]["items"]}
    assert helps["over_2hz"]["points"] == 0  # the 3-Hz GPD was a seizure
    assert helps["lpd_lrda_bipd"]["points"] == 1 and helps["lpd_lrda_bipd"]["input"] == ["LPD"]
    assert helps["plus_features"]["points"] == 1
    assert helps["prior_seizure"]["points"] == 1
    assert s["2HELPS2B"]["missing"] == ["sporadic_discharges", "birds"]
    assert (s["2HELPS2B"]["low"], s["2HELPS2B"]["high"]) == (3, 6)
    assert "electrographic seizures already recorded" in " ".join(s["2HELPS2B"]["notes"])
    # EMSE-EACE: 53 + LPD 40, no burst suppression seen
    assert s["EMSE-EACE"]["value"] == 93


def test_roles_and_audit(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    for role in ("viewer", "technician"):
        r = c.put(f"{API}/beds/b1/history", headers=h[role], json=HISTORY)
        assert r.status_code == 403, (role, r.text)
    assert c.get(f"{API}/beds/b1/history", headers=h["viewer"]).json()["age_years"] is None
    assert c.get(f"{API}/beds/b1/scores").status_code == 401
    assert c.put(f"{API}/beds/b1/history", headers=h["admin"], json=HISTORY).status_code == 200
    with sqlite3.connect(env["db"]) as conn:
        rows = conn.execute(
            "SELECT who, role, status, summary FROM audit WHERE path = ? ORDER BY id",
            ("/api/v1/beds/b1/history",),
        ).fetchall()
    assert [(r[1], r[2]) for r in rows] == [("viewer", 403), ("technician", 403), ("admin", 200)]
    assert "consciousness=stuporous" in rows[-1][3]
    assert c.get(f"{API}/beds/nope/scores", headers=h["viewer"]).status_code == 404
    assert c.put(f"{API}/beds/nope/history", headers=h["clinician"], json={}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"consciousness": "drowsy"},
        {"worst_seizure_type": "myoclonic"},  # no STESS class outside IGE
        {"age_years": -1},
        {"age_years": "70"},  # a number, not a string
        {"age_years": float("nan")},
        {"etiology": "stroke"},
        {"charlson_conditions": ["diabetes", "diabetes"]},
        {"charlson_conditions": "diabetes"},
        {"prior_seizures": True},
        {"weight": 3},  # unknown field
    ],
)
def test_malformed_history_is_422(env: dict[str, Any], body: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    if body.get("age_years") != body.get("age_years"):  # NaN: not JSON, send the text
        r = c.put(f"{API}/beds/b1/history", headers={**h["clinician"], "Content-Type":
                  "application/json"}, content=b'{"age_years": NaN}')  # fmt: skip
    else:
        r = c.put(f"{API}/beds/b1/history", headers=h["clinician"], json=body)
    assert r.status_code == 422, r.text
    assert c.get(f"{API}/beds/b1/history", headers=h["viewer"]).json()["updated_at"] is None


def test_trend_summary_without_pattern_columns() -> None:
    """A trends table from before the pattern columns: EEG pattern items missing, no error."""
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    conn.execute("CREATE TABLE trends (admission_id INTEGER, t_s REAL, ictal INTEGER, depth TEXT)")
    conn.executemany("INSERT INTO trends VALUES (1, ?, 0, 'burst_suppression')", [(1.0,), (2.0,)])
    s = trend_summary(conn, 1)
    assert s == {"n_hops": 2, "n_ictal_hops": 0, "n_burst_suppression_hops": 2, "patterns": None}


def test_wean_readiness_in_the_bed_state(env: dict[str, Any]) -> None:
    """Hand-worked: a seizure at 1000-1600 s, a bolus at 1500 s, an infusion at 1700 s,
    the suppression ratio in the band (0.5-0.8) from 1800 s, a wean at 5000 s with a
    60-s recurrence at 5500 s; the bed's clinical time 7200 s."""
    c, h = env["client"], env["h"]
    rows = []
    for t in range(1, 7201):
        ictal = int(1000 < t <= 1600 or 5500 < t <= 5560)
        rows.append((float(t), ictal, "", None, "continuous"))
    _insert_trends(env["db"], env["admission_id"], rows)
    with sqlite3.connect(env["db"]) as conn:
        conn.execute(
            "UPDATE trends SET suppression_ratio = CASE WHEN t_s <= 1800 THEN 0.2 ELSE 0.6 END"
        )
    for t_s, kind, dose, unit in [
        (1500.0, "bolus", 10.0, "mg"),
        (1700.0, "infusion_start", 0.2, "mg/kg/h"),
        (5000.0, "wean_start", 0.1, "mg/kg/h"),
    ]:
        r = c.post(f"{API}/beds/b1/treatments", headers=h["clinician"],
                   json={"agent": "midazolam", "dose": dose, "unit": unit, "kind": kind,
                         "t_s": t_s})  # fmt: skip
        assert r.status_code == 201, r.text
    r = c.post(f"{API}/beds/b1/events", headers=h["clinician"],
               json={"kind": "seizure_end", "t_s": 7200.0})  # fmt: skip
    assert r.status_code == 201, r.text

    wean = c.get(f"{API}/beds/b1/state", headers=h["viewer"]).json()["wean"]
    assert wean["t_s"] == 7200.0
    assert wean["hours_since_last_seizure"] == pytest.approx((7200 - 5560) / 3600)
    assert wean["seizure_free_24h"] is False
    assert (wean["band_low"], wean["band_high"]) == (0.5, 0.8)
    assert wean["in_band_ratio"] == pytest.approx(5400 / 7200)
    bolus = wean["responses"][0]
    assert bolus["entry"]["kind"] == "bolus" and bolus["complete"] is True
    # before: (-300, 1500] 500 of 1500 hops ictal; after: (1500, 3300] 100 of 1800
    assert bolus["burden_before"] == pytest.approx(500 / 1500)
    assert bolus["burden_after"] == pytest.approx(100 / 1800)
    assert bolus["before"]["sr_mean"] == pytest.approx(0.2)
    assert bolus["after"]["sr_mean"] == pytest.approx((300 * 0.2 + 1500 * 0.6) / 1800)
    assert [r["entry"]["kind"] for r in wean["responses"]] == [
        "bolus", "infusion_start", "wean_start"
    ]  # fmt: skip
    (trial,) = wean["weans"]
    assert trial["recurrence"] is True and trial["seizure_s"] == 60.0
    assert trial["end_s"] == 7200.0
    assert "seizures recurred on a wean" in wean["notes"]
