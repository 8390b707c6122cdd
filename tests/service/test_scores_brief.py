"""Sporadic discharges and BIRDs fill 2HELPS2B (issue 14): from a bed's EEG through the
engine's ACNS tracker, the store and ``GET /beds/{id}/scores`` (the real app
in-process, a real SQLite file, an EDF bed replayed at speed).

Known answers (synthetic, :mod:`tests.detectors.test_acns_brief`'s generators): 300 s
of background with isolated T3 sharp transients every 8 s (none within 4 s of a
burst) and six 3-s bursts of
6-Hz sharp activity → sporadic discharges (≥ 1 per hour analysed: measured about 25
in 300 s) and BIRDs (≥ 1): 1 + 2 points. The same background alone → both 0. A bed
without EEG ("charting") → both missing. A BIRD inside burst suppression does not
count (ACNS 2021).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from rse_monitor.detectors.clinical.scores import History, eeg_findings, helps2b
from rse_monitor.service.main import create_app
from rse_monitor.service.settings import Settings
from tests.detectors.test_acns_brief import _add_transients, _background
from tests.service.conftest import bearer, make_tokens

API = "/api/v1"


def _edf(folder: Path, name: str, with_findings: bool) -> Path:
    from rse_monitor.recordings.synthetic.pattern_io import write_pattern_edf

    rec = _background(1)
    if with_findings:
        spikes = np.arange(20.0, 290.0, 8.0)
        bursts = np.arange(35.0, 290.0, 50.0)
        spikes = spikes[np.all(np.abs(spikes[:, None] - bursts[None, :]) > 4.0, axis=1)]
        _add_transients(rec, spikes, 150.0, 50.0)
        for t0 in bursts:
            _add_transients(rec, t0 + np.arange(18) / 6.0, 100.0, 40.0)
    edf, _ = write_pattern_edf(rec, folder / f"{name}.edf")
    return edf


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("scores_brief")
    edfs = {"ICU-F": _edf(folder, "findings", True), "ICU-C": _edf(folder, "clean", False)}
    db = folder / "s.sqlite3"
    tokens = make_tokens(db)
    app = create_app(Settings(db=str(db), recordings_dirs=[folder]))
    with TestClient(app) as client:
        h = {role: bearer(t) for role, t in tokens.items()}
        for bed_id, edf in edfs.items():
            r = client.post(f"{API}/beds", headers=h["technician"], json={
                "bed_id": bed_id, "weight_kg": 70,
                "source": {"kind": "edf", "path": str(edf), "speed": 100.0},
            })  # fmt: skip
            assert r.status_code == 201, r.text
        r = client.post(f"{API}/beds", headers=h["technician"],
                        json={"bed_id": "ICU-N", "weight_kg": 70})  # fmt: skip
        assert r.status_code == 201, r.text
        deadline = time.monotonic() + 120
        while any(client.get(f"{API}/beds/{b}", headers=h["viewer"]).json()["status"]
                  != "finished" for b in edfs):  # fmt: skip
            assert time.monotonic() < deadline, "the EDF beds did not finish"
            time.sleep(0.3)
        yield {"client": client, "h": h, "db": db}


def _helps(env: dict[str, Any], bed_id: str) -> dict[str, dict[str, Any]]:
    r = env["client"].get(f"{API}/beds/{bed_id}/scores", headers=env["h"]["viewer"])
    assert r.status_code == 200, r.text
    score = next(s for s in r.json()["data"] if s["name"] == "2HELPS2B")
    return {i["key"]: i for i in score["items"]}


def test_findings_fill_2helps2b(env: dict[str, Any]) -> None:
    items = _helps(env, "ICU-F")
    assert items["sporadic_discharges"]["input"] is True
    assert items["sporadic_discharges"]["points"] == 1
    assert items["birds"]["input"] is True and items["birds"]["points"] == 2
    with sqlite3.connect(env["db"]) as conn:
        kinds = dict(conn.execute(
            "SELECT kind, COUNT(*) FROM brief_findings GROUP BY kind").fetchall())  # fmt: skip
        birds = conn.execute("SELECT t_s, duration_s, frequency_hz FROM brief_findings "
                             "WHERE kind = 'bird'").fetchall()  # fmt: skip
    assert kinds["sporadic"] >= 15 and kinds["bird"] >= 3, kinds
    for t, dur, hz in birds:  # every BIRD is one of the bursts
        assert min(abs(t - b) for b in range(35, 290, 50)) <= 0.5, t
        assert dur == pytest.approx(3.0, abs=0.7) and hz == pytest.approx(6.0, abs=0.5)


def test_clean_eeg_scores_zero_and_no_eeg_leaves_them_missing(env: dict[str, Any]) -> None:
    clean = _helps(env, "ICU-C")
    assert clean["sporadic_discharges"]["input"] is False
    assert clean["sporadic_discharges"]["points"] == 0
    assert clean["birds"]["input"] is False and clean["birds"]["points"] == 0
    none = _helps(env, "ICU-N")
    assert none["sporadic_discharges"]["points"] is None and none["birds"]["points"] is None
    assert "not measured" in none["birds"]["note"]


def test_a_bird_in_burst_suppression_does_not_count(env: dict[str, Any]) -> None:
    with sqlite3.connect(env["db"]) as conn:
        adm = conn.execute("SELECT admission_id FROM beds WHERE bed_id = 'ICU-F'").fetchone()[0]
        conn.execute(
            "UPDATE trends SET depth = 'burst_suppression' WHERE admission_id = ? AND EXISTS "
            "(SELECT 1 FROM brief_findings AS b WHERE b.admission_id = trends.admission_id "
            "AND b.kind = 'bird' AND trends.t_s BETWEEN b.t_s AND b.t_s + b.duration_s)",
            (adm,),
        )
    items = _helps(env, "ICU-F")
    assert items["birds"]["input"] is False and items["birds"]["points"] == 0
    assert items["sporadic_discharges"]["points"] == 1


def test_sporadic_discharges_need_one_per_hour() -> None:
    """ACNS 2021 "occasional" (≥ 1/h) or more; the rare ones are not counted."""
    pats = []  # no pattern: an interictal EEG without RPPs

    def sporadic(n: int, hours: float) -> bool | None:
        e = eeg_findings(pats, n_hops=int(hours * 3600), n_sporadic=n, n_birds=0)
        return e.sporadic_discharges

    assert sporadic(1, 0.5) is True and sporadic(0, 0.5) is False
    assert sporadic(23, 24.0) is False and sporadic(24, 24.0) is True
    assert eeg_findings(pats, n_hops=100).sporadic_discharges is None  # not measured
    e = eeg_findings(pats, n_hops=3600, n_sporadic=5, n_birds=1)
    r = helps2b(History(prior_seizures="no"), e)
    # 0 (> 2 Hz) + 1 (sporadic) + 0 + 0 + 0 (no prior seizure) + 2 (BIRDs) = 3
    assert r.value == 3 and r.interpretation == "seizure risk within 72 h 50 %"
