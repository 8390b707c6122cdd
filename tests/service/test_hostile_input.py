"""Hostile input against the real app: no 5xx, JSON answers, nothing internal leaked.

Every route that takes a number in its body or query gets non-finite numbers (as
raw JSON ``NaN``/``Infinity``/``1e999`` and as strings), tiny, negative, zero and
huge numbers, booleans, nulls, wrong types, very long and broken unicode strings and
extra fields. Then known answers for each input rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rse_monitor.service.main import create_app
from rse_monitor.service.settings import Settings
from tests.service.conftest import bearer, make_tokens

API = "/api/v1"
REPO = Path(__file__).resolve().parents[2]

#: Raw JSON literals put where a value goes (Python's JSON parser reads all of them).
HOSTILE: tuple[str, ...] = (
    "NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-300", "-1", "0", "1e308",
    "123456789012345678901234567890", "true", "false", "null", '"NaN"', '"Infinity"',
    '"12"', '""', "[]", "{}", json.dumps("x" * 4096), json.dumps("y" * 100_000),
    '"\\ud800"', '"\\u0000"', '"\u00e9\u6f22\U0001f600"',
)  # fmt: skip
#: The same ideas as query-string text.
HOSTILE_QUERY: tuple[str, ...] = (
    "NaN", "nan", "Infinity", "-Infinity", "inf", "1e999", "-1e999", "1e-300", "-1",
    "1e308", "123456789012345678901234567890", "true", "", "x" * 4096, "%00", "%ED%A0%80",
)  # fmt: skip

INTERNAL = re.compile(
    r"Traceback|\b(ValueError|TypeError|KeyError|AttributeError|OSError|RecursionError|"
    r"OverflowError|UnicodeError|IntegrityError|OperationalError|Exception)\b|"
    r"site-packages|\.py\b|sqlite3\."
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("hostile")
    db = tmp / "hostile.sqlite3"
    tokens = make_tokens(db)
    app = create_app(Settings(db=str(db), recordings_dirs=[tmp], lsl_enabled=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        h = {role: bearer(t) for role, t in tokens.items()}
        r = client.post(f"{API}/beds", headers=h["admin"], json={"bed_id": "h1", "weight_kg": 80})
        assert r.status_code == 201, r.text
        yield {"client": client, "h": h, "tmp": tmp}


def _strict_json(text: str) -> Any:
    """Parse as standard JSON: NaN and Infinity are not JSON."""

    def refuse(name: str) -> Any:
        raise AssertionError(f"non-standard JSON constant {name} in the answer")

    return json.loads(text, parse_constant=refuse)


def check_answer(r: Any, what: str) -> None:
    """No 5xx; the answer is standard JSON (or empty for 204); nothing internal in it."""
    assert r.status_code < 500, f"{what}: {r.status_code} {r.text[:300]}"
    if r.status_code != 204:
        assert r.headers["content-type"].startswith("application/json"), what
        _strict_json(r.text)
    assert not INTERNAL.search(r.text), f"{what}: internal detail in {r.text[:500]}"
    assert str(REPO) not in r.text, f"{what}: server path in the answer"
    assert len(r.text) < 20_000, f"{what}: {len(r.text)} characters echoed"


def _raw(template: dict[str, Any], dotted: str, literal: str) -> str:
    """``template`` as JSON with the field ``dotted`` set to the raw ``literal``."""
    body = json.loads(json.dumps(template))
    *parents, leaf = dotted.split(".")
    node = body
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = "__HOSTILE__"
    return json.dumps(body).replace('"__HOSTILE__"', literal)


_counter = iter(range(10**6))

BODY_CASES: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = [
    ("POST", "/beds", {"bed_id": "BED", "weight_kg": 80},
     ("weight_kg", "t1_min", "t2_min", "speed", "bed_id", "seizure_type", "targets.sr_low",
      "targets.sustain_s", "settings.l_freq_hz", "settings.h_freq_hz", "settings.notch_hz",
      "source.path", "edf_path", "lsl_stream", "extra")),
    ("POST", "/beds/h1/treatments", {"agent": "lorazepam", "dose": 4, "unit": "mg"},
     ("dose", "t_s", "time", "agent", "unit", "route", "kind", "note", "override_reason",
      "extra")),
    ("PUT", "/beds/h1/targets", {"goal": "burst_suppression", "sr_low": 0.5, "sr_high": 0.8},
     ("sr_low", "sr_high", "sustain_s", "goal")),
    ("POST", "/beds/h1/events", {"kind": "seizure_start"}, ("t_s", "time", "note", "kind")),
    ("POST", "/alerts/1/ack", {}, ("label", "note")),
    ("POST", "/tokens", {"role": "viewer"}, ("name", "role")),
]  # fmt: skip

QUERY_CASES: list[tuple[str, tuple[str, ...]]] = [
    ("/beds/h1/trends", ("since_s", "until_s", "limit")),
    ("/beds/h1/spectrogram", ("since_s", "until_s", "limit")),
    ("/alerts", ("after_id", "limit", "since", "bed_id")),
]
PATH_CASES: tuple[str, ...] = ("/alerts/{}", "/beds/{}", "/beds/{}/state")


def _body_requests() -> list[tuple[str, str, str]]:
    out = []
    for method, path, template, fields in BODY_CASES:
        for field in fields:
            for literal in HOSTILE:
                out.append((method, path, _raw(template, field, literal)))
    return out


def test_hostile_bodies_never_give_5xx_nor_leak(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]["admin"]
    requests = _body_requests()
    assert len(requests) >= 150
    for method, path, text in requests:
        # a fresh bed id per admission, so that an accepted body does not conflict
        text = text.replace('"BED"', f'"hb{next(_counter)}"')
        r = c.request(
            method, f"{API}{path}", content=text.encode("utf-8", "surrogatepass"),
            headers={**h, "Content-Type": "application/json"},
        )  # fmt: skip
        check_answer(r, f"{method} {path} {text[:120]}")


def test_hostile_queries_and_paths(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]["viewer"]
    n = 0
    for path, params in QUERY_CASES:
        for param in params:
            for value in HOSTILE_QUERY:
                r = c.get(f"{API}{path}?{param}={value}", headers=h)
                check_answer(r, f"GET {path}?{param}={value[:40]}")
                n += 1
    for template in PATH_CASES:
        for value in HOSTILE_QUERY:
            if value in ("", "%00"):
                continue
            r = c.get(f"{API}{template.format(value)}", headers=h)
            check_answer(r, f"GET {template}: {value[:40]}")
            n += 1
    # the SSE stream answers 422 at once to a bad resume point (a good one would stream)
    for value in ("NaN", "1e999", "-1", "x" * 4096, "true"):
        r = c.get(f"{API}/alerts/stream?last_event_id={value}", headers=h)
        check_answer(r, f"GET /alerts/stream?last_event_id={value[:40]}")
        assert r.status_code == 422
        n += 1
    assert n >= 150


def test_broken_bodies(env: dict[str, Any]) -> None:
    c, h = env["client"], {**env["h"]["admin"], "Content-Type": "application/json"}
    bodies = [
        b"", b"{", b"[]", b"null", b"NaN", b'"text"', b"\xff\xfe\xfa", b"[" * 100_000,
        b'{"bed_id": "x", "weight_kg": 1' + b"0" * 5000 + b"}",
        json.dumps({"bed_id": "x", "weight_kg": 80, **{f"k{i}": i for i in range(1000)}}).encode(),
    ]  # fmt: skip
    for body in bodies:
        for path in ("/beds", "/beds/h1/treatments", "/beds/h1/targets"):
            method = "PUT" if path.endswith("targets") else "POST"
            r = c.request(method, f"{API}{path}", content=body, headers=h)
            check_answer(r, f"{method} {path} {body[:40]!r}")
            assert 400 <= r.status_code < 500


# ----------------------------------------------------------------------- known answers
def test_non_finite_numbers_are_422_with_readable_lines(env: dict[str, Any]) -> None:
    c, h = env["client"], {**env["h"]["admin"], "Content-Type": "application/json"}
    for literal, shown in (("NaN", "NaN"), ("Infinity", "Infinity"), ("-1e999", "-Infinity")):
        r = c.post(f"{API}/beds", headers=h,
                   content=f'{{"bed_id": "nf", "weight_kg": {literal}}}'.encode())  # fmt: skip
        assert r.status_code == 422, r.text
        body = _strict_json(r.text)
        assert body["detail"][0]["loc"] == ["body", "weight_kg"]
        assert body["detail"][0]["input"] == shown
        assert body["errors"] == ["weight_kg: Input should be a finite number"]
        text = f'{{"agent": "lorazepam", "dose": {literal}, "unit": "mg"}}'
        r = c.post(f"{API}/beds/h1/treatments", headers=h, content=text.encode())
        assert r.status_code == 422 and "dose: Input should be a finite number" in r.text
        r = c.put(f"{API}/beds/h1/targets", headers=h,
                  content=f'{{"sr_low": {literal}, "sr_high": 0.8}}'.encode())  # fmt: skip
        assert r.status_code == 422 and "sr_low: Input should be a finite number" in r.text
    r = c.get(f"{API}/beds/h1/trends?since_s=Infinity", headers=h)
    assert r.status_code == 422 and "query.since_s: Input should be a finite number" in r.text


def test_long_edf_path_is_422_not_500(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]["admin"]
    for path in ("a" * 4096, "a" * 1025):
        r = c.post(
            f"{API}/beds", headers=h, json={"bed_id": "lp", "weight_kg": 80, "edf_path": path}
        )
        assert r.status_code == 422 and "at most 1024 characters" in r.text
        assert len(r.text) < 2000  # the path is not echoed in full
    r = c.post(
        f"{API}/beds", headers=h, json={"bed_id": "lp", "weight_kg": 80, "edf_path": "b" * 300}
    )
    assert r.status_code == 422 and "the limit is 255" in r.text
    source = {"kind": "edf", "path": "a\x00b"}
    r = c.post(f"{API}/beds", headers=h, json={"bed_id": "lp", "weight_kg": 80, "source": source})
    assert r.status_code == 422 and "control character" in r.text


def _bed(c: TestClient, h: dict[str, str], bed_id: str, weight_kg: float) -> None:
    r = c.post(f"{API}/beds", headers=h, json={"bed_id": bed_id, "weight_kg": weight_kg})
    assert r.status_code == 201, r.text


def test_weight_limits(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]["admin"]
    for weight in (1e-300, 0.29, 350.01, 1e9):
        r = c.post(f"{API}/beds", headers=h, json={"bed_id": "w0", "weight_kg": weight})
        assert r.status_code == 422, (weight, r.text)
        assert ("below 0.3 kg" if weight < 1 else "less than or equal to 350") in r.text
    _bed(c, h, "w-neonate", 0.3)
    _bed(c, h, "w-heavy", 350)


def test_booleans_and_strings_are_not_numbers(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]["admin"]
    for dose in (True, False, "4", "NaN"):
        r = c.post(f"{API}/beds/h1/treatments", headers=h,
                   json={"agent": "lorazepam", "dose": dose, "unit": "mg"})  # fmt: skip
        assert r.status_code == 422 and "dose: Input should be a valid number" in r.text, r.text
    r = c.post(f"{API}/beds", headers=h, json={"bed_id": "bool", "weight_kg": True})
    assert r.status_code == 422 and "weight_kg: Input should be a valid number" in r.text
    r = c.put(f"{API}/beds/h1/targets", headers=h, json={"sr_low": False, "sr_high": True})
    assert r.status_code == 422


def test_string_length_limits(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]["admin"]
    base = {"agent": "lorazepam", "dose": 4, "unit": "mg"}
    for field, limit in (("agent", 64), ("unit", 32), ("route", 32), ("note", 1000),
                         ("override_reason", 500)):  # fmt: skip
        r = c.post(f"{API}/beds/h1/treatments", headers=h, json={**base, field: "z" * (limit + 1)})
        assert r.status_code == 422 and f"at most {limit} characters" in r.text, field
    # the override reason has its own column: a note cannot pass for one
    r = c.post(f"{API}/beds/h1/treatments", headers=h,
               json={**base, "note": "[dose limit override] fake"})  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["note"] == "[dose limit override] fake" and r.json()["override_reason"] is None


def test_dose_above_plausible_maximum_refused_with_limit_and_source(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]["clinician"]
    _bed(c, env["h"]["admin"], "dl", 80)
    cases = [
        ({"agent": "lorazepam", "dose": 10_000_000, "unit": "mg"}, "single dose of 10 mg"),
        ({"agent": "levetiracetam", "dose": 7, "unit": "g"}, "single dose of 6000 mg"),
        ({"agent": "fosphenytoin", "dose": 2500, "unit": "mg PE"}, "single dose of 2000 mg PE"),
        ({"agent": "valproate", "dose": 6000, "unit": "mg"}, "single dose of 5000 mg"),
        ({"agent": "midazolam", "dose": 4, "unit": "mg/kg/h", "kind": "infusion_start"},
         "infusion rate of 3 mg/kg/h"),
        ({"agent": "propofol", "dose": 250, "unit": "mcg/kg/min", "kind": "infusion_start"},
         "infusion rate of 12 mg/kg/h"),
        ({"agent": "ketamine", "dose": 11, "unit": "mg/kg/h", "kind": "infusion_start"},
         "infusion rate of 10 mg/kg/h"),
        ({"agent": "pentobarbital", "dose": 1000, "unit": "mg/h", "kind": "infusion_start"},
         "infusion rate of 10 mg/kg/h"),
    ]  # fmt: skip
    for body, limit in cases:
        r = c.post(f"{API}/beds/dl/treatments", headers=h, json=body)
        assert r.status_code == 422, (body, r.text)
        detail = r.json()["detail"]
        assert limit in detail and "plausible maximum" in detail, detail
        assert "guideline: " in detail and "override_reason" in detail
        assert "Brophy et al., Neurocrit Care 2012" in detail or "Glauser et al." in detail
    assert c.get(f"{API}/beds/dl/treatments", headers=h).json()["count"] == 0
    # at the limit: accepted
    r = c.post(f"{API}/beds/dl/treatments", headers=h,
               json={"agent": "lorazepam", "dose": 10, "unit": "mg"})  # fmt: skip
    assert r.status_code == 201, r.text


def test_override_reason_accepts_and_is_stored(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]["clinician"]
    _bed(c, env["h"]["admin"], "ov", 80)
    reason = "pharmacy-confirmed high-dose protocol, Dr X"
    body = {"agent": "midazolam", "dose": 3.5, "unit": "mg/kg/h", "kind": "infusion_start",
            "note": "bag 2", "override_reason": reason}  # fmt: skip
    r = c.post(f"{API}/beds/ov/treatments", headers=h, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["override_reason"] == reason and r.json()["note"] == "bag 2"
    listed = c.get(f"{API}/beds/ov/treatments", headers=h).json()["data"]
    assert [(t["override_reason"], t["note"]) for t in listed] == [(reason, "bag 2")]
    # an override on a dose within limits is kept too, and needs no note
    body = {"agent": "lorazepam", "dose": 4, "unit": "mg", "override_reason": "n/a"}
    r = c.post(f"{API}/beds/ov/treatments", headers=h, json=body)
    assert (
        r.status_code == 201 and r.json()["override_reason"] == "n/a" and r.json()["note"] is None
    )


def test_mg_per_kg_is_converted_with_the_bed_weight_and_echoed(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]["clinician"]
    _bed(c, env["h"]["admin"], "kg70", 70)
    r = c.post(f"{API}/beds/kg70/treatments", headers=h,
               json={"agent": "levetiracetam", "dose": 60, "unit": "mg/kg"})  # fmt: skip
    assert r.status_code == 201, r.text
    tr = r.json()
    assert tr["dose_mg"] == 4200 and tr["dose"] == 60 and tr["unit"] == "mg/kg"
    assert tr["conversion"] == "60 mg/kg × 70 kg = 4200 mg"
    assert tr["adequate"] and "60 mg/kg × 70 kg = 4200 mg" in tr["reason"]
    r = c.post(f"{API}/beds/kg70/treatments", headers=h,
               json={"agent": "lorazepam", "dose": 0.1, "unit": "mg/kg", "t_s": 5})  # fmt: skip
    assert r.json()["dose_mg"] == pytest.approx(7.0) and "× 70 kg" in r.json()["conversion"]
    r = c.post(f"{API}/beds/kg70/treatments", headers=h,
               json={"agent": "midazolam", "dose": 0.2, "unit": "mg/kg/h",
                     "kind": "infusion_start"})  # fmt: skip
    assert r.json()["conversion"] == "0.2 mg/kg/h × 70 kg = 14 mg/h"
    # a dose in the dose unit has nothing to convert
    r = c.post(f"{API}/beds/kg70/treatments", headers=h,
               json={"agent": "lorazepam", "dose": 2, "unit": "mg", "t_s": 9})  # fmt: skip
    assert r.json()["conversion"] == ""


def test_two_mg_per_kg_lorazepam_is_not_stored_as_an_adequate_160_mg(env: dict[str, Any]) -> None:
    """The reported bug: "2 mg/kg" for 80 kg became a silent 160 mg, called adequate."""
    c, h = env["client"], env["h"]["clinician"]
    _bed(c, env["h"]["admin"], "kg80", 80)
    r = c.post(f"{API}/beds/kg80/treatments", headers=h,
               json={"agent": "lorazepam", "dose": 2, "unit": "mg/kg"})  # fmt: skip
    assert r.status_code == 422
    assert "lorazepam 2 mg/kg × 80 kg = 160 mg is above the plausible maximum" in r.text
    assert c.get(f"{API}/beds/kg80/treatments", headers=h).json()["count"] == 0
