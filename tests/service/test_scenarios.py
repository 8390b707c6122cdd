"""The issue's clinical scenarios, through HTTP against a real server.

Seizure timing is entered as clinical observations (``POST /beds/{id}/events``) on
beds without EEG, so each scenario is deterministic; times are ``t_s`` on the
bed clock (seconds). Patient: 80 kg, generalized convulsive SE (t1 5 min, t2 30 min).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import ServerProcess, bearer, make_tokens

API = "/api/v1"
MIN = 60.0
H = 3600.0


class Api:
    """A thin client for the scenarios."""

    def __init__(self, client: httpx.Client, tokens: dict[str, str], bed_id: str) -> None:
        self.c = client
        self.t = {role: bearer(tok) for role, tok in tokens.items()}
        self.bed = bed_id
        r = client.post(
            f"{API}/beds",
            headers=self.t["technician"],
            json={"bed_id": bed_id, "weight_kg": 80, "seizure_type": "generalized_convulsive"},
        )
        assert r.status_code == 201, r.text

    def observe(self, kind: str, t_s: float) -> dict[str, Any]:
        r = self.c.post(
            f"{API}/beds/{self.bed}/events",
            headers=self.t["clinician"],
            json={"kind": kind, "t_s": t_s},
        )
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    def treat(
        self, t_s: float, agent: str, dose: float, unit: str, route: str = "IV", kind: str = "bolus"
    ) -> dict[str, Any]:
        r = self.c.post(
            f"{API}/beds/{self.bed}/treatments",
            headers=self.t["clinician"],
            json={
                "agent": agent,
                "dose": dose,
                "unit": unit,
                "route": route,
                "kind": kind,
                "t_s": t_s,
            },
        )
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    def stage(self) -> dict[str, Any]:
        r = self.c.get(f"{API}/beds/{self.bed}/state", headers=self.t["viewer"])
        assert r.status_code == 200
        return r.json()["stage"]  # type: ignore[no-any-return]

    def alerts(self) -> list[dict[str, Any]]:
        r = self.c.get(f"{API}/alerts?bed_id={self.bed}&order=asc", headers=self.t["viewer"])
        return r.json()["data"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, seizure_edf: Path) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("scenarios")
    srv = ServerProcess(folder / "scenarios.sqlite3", seizure_edf.parent, folder / "server.log")
    srv.start()
    tokens = make_tokens(srv.db)
    with httpx.Client(base_url=srv.url, timeout=15.0) as client:
        yield {"client": client, "tokens": tokens}
    srv.stop(signal.SIGTERM)


def _bed(live: dict[str, Any], bed_id: str) -> Api:
    return Api(live["client"], live["tokens"], bed_id)


def _seizing_until(api: Api, t_end_s: float) -> None:
    """Continuous seizure activity from 0 to ``t_end_s`` (observed at the end)."""
    api.observe("seizure_ongoing", t_end_s)


def test_inadequate_lorazepam_does_not_advance_the_stage(live: dict[str, Any]) -> None:
    api = _bed(live, "sc-lzp2")
    api.observe("seizure_start", 0)
    tr = api.treat(6 * MIN, "lorazepam", 2, "mg")
    assert tr["adequate"] is False
    assert tr["required_mg"] == pytest.approx(4.0)  # 0.1 mg/kg x 80 kg, max 4 mg
    assert "below the adequate 4 mg" in tr["reason"]
    _seizing_until(api, 40 * MIN)
    st = api.stage()
    assert st["stage"] == "early"  # seizures continue, but the benzodiazepine was under-dosed
    assert st["t1_crossed"] and st["t2_crossed"]
    assert any("below the adequate dose 4 mg" in r and "not counted" in r for r in st["reasons"])
    kinds = [a["kind"] for a in api.alerts()]
    assert "stage_change" not in kinds and {"t1_crossed", "t2_crossed"} <= set(kinds)

    # control: the same course with the adequate 4 mg is established SE
    ctl = _bed(live, "sc-lzp4")
    ctl.observe("seizure_start", 0)
    assert ctl.treat(6 * MIN, "lorazepam", 4, "mg")["adequate"] is True
    _seizing_until(ctl, 40 * MIN)
    assert ctl.stage()["stage"] == "established"


def test_benzodiazepine_and_levetiracetam_failed_is_refractory(live: dict[str, Any]) -> None:
    api = _bed(live, "sc-refr")
    api.observe("seizure_start", 0)
    assert api.treat(6 * MIN, "lorazepam", 4, "mg")["adequate"] is True
    lev = api.treat(15 * MIN, "levetiracetam", 4.5, "g")
    assert lev["adequate"] is True and lev["dose_mg"] == pytest.approx(4500)
    assert "60 mg/kg, max 4.5 g" in lev["reason"]
    _seizing_until(api, 40 * MIN)
    st = api.stage()
    assert st["stage"] == "refractory"
    assert any("lorazepam 4 mg IV" in r and "seizures continued" in r for r in st["reasons"])
    assert any("levetiracetam 4.5 g IV" in r and "seizures continued" in r for r in st["reasons"])
    stage_alerts = [a for a in api.alerts() if a["kind"] == "stage_change"]
    assert len(stage_alerts) == 1  # one alert, updated from established to refractory
    assert stage_alerts[0]["severity"] == "high" and "refractory" in stage_alerts[0]["message"]

    # levetiracetam 3 g for 80 kg is under-dosed (4.5 g needed): not refractory
    low = _bed(live, "sc-refr-low")
    low.observe("seizure_start", 0)
    low.treat(6 * MIN, "lorazepam", 4, "mg")
    assert low.treat(15 * MIN, "levetiracetam", 3, "g")["adequate"] is False
    _seizing_until(low, 40 * MIN)
    assert low.stage()["stage"] == "established"


def _to_midazolam(api: Api) -> None:
    """Refractory SE controlled by a midazolam infusion started at 40 min."""
    api.observe("seizure_start", 0)
    api.treat(6 * MIN, "lorazepam", 4, "mg")
    api.treat(15 * MIN, "levetiracetam", 4.5, "g")
    _seizing_until(api, 35 * MIN)
    inf = api.treat(40 * MIN, "midazolam", 0.2, "mg/kg/h", kind="infusion_start")
    assert inf["adequate"] is True and inf["drug_class"] == "anaesthetic"
    api.observe("seizure_end", 45 * MIN)
    assert api.stage()["stage"] == "refractory"


def test_recurrence_on_wean_after_30_h_is_super_refractory(live: dict[str, Any]) -> None:
    api = _bed(live, "sc-srse")
    _to_midazolam(api)
    api.treat(29 * H, "midazolam", 0.1, "mg/kg/h", kind="wean_start")
    api.observe("seizure_start", 30 * H)
    st = api.stage()
    assert st["stage"] == "super_refractory"
    assert st["anaesthetic_dependent"] is False
    assert st["anaesthetic_onset_s"] == pytest.approx(40 * MIN)
    assert any("super-refractory" in r for r in st["reasons"])
    wean = [a for a in api.alerts() if a["kind"] == "wean_recurrence"]
    assert len(wean) == 1 and wean[0]["severity"] == "high"
    assert wean[0]["details"]["super_refractory"] is True
    assert "super-refractory" in wean[0]["message"]


def test_recurrence_on_wean_at_12_h_is_anaesthetic_dependent(live: dict[str, Any]) -> None:
    api = _bed(live, "sc-dep")
    _to_midazolam(api)
    api.treat(11 * H, "midazolam", 0.1, "mg/kg/h", kind="wean_start")
    api.observe("seizure_start", 12 * H)
    st = api.stage()
    assert st["stage"] == "refractory"  # not super-refractory: < 24 h of anaesthetic
    assert st["anaesthetic_dependent"] is True
    assert any("anaesthetic-dependent" in r for r in st["reasons"])
    wean = [a for a in api.alerts() if a["kind"] == "wean_recurrence"]
    assert len(wean) == 1 and wean[0]["details"]["anaesthetic_dependent"] is True
    assert "not super-refractory" in wean[0]["message"]
    # seizures continuing until 30 h on the re-escalated infusion then make it super-refractory
    api.treat(12 * H + 5 * MIN, "midazolam", 0.3, "mg/kg/h", kind="infusion_change")
    api.observe("seizure_ongoing", 25 * H)
    assert api.stage()["stage"] == "super_refractory"


def test_unknown_agent_and_bad_units_are_refused_with_a_reason(live: dict[str, Any]) -> None:
    api = _bed(live, "sc-bad")
    c, h = api.c, api.t["clinician"]
    r = c.post(
        f"{API}/beds/sc-bad/treatments",
        headers=h,
        json={"agent": "unobtainium", "dose": 1, "unit": "mg"},
    )
    assert r.status_code == 422 and "unknown agent 'unobtainium'" in r.json()["detail"]
    r = c.post(
        f"{API}/beds/sc-bad/treatments",
        headers=h,
        json={"agent": "fosphenytoin", "dose": 1500, "unit": "mg"},
    )
    assert r.status_code == 422 and "mg PE" in r.json()["detail"]
    ok = api.treat(0, "fosphenytoin", 1500, "mg PE")
    assert ok["adequate"] is True  # 20 mg PE/kg x 80 kg capped at 1.5 g PE
    assert c.get(f"{API}/beds/sc-bad/treatments", headers=h).json()["count"] == 1
