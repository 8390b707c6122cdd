"""HTTP hardening through the real app (in-process client, real SQLite file): security
headers, the failed sign-in throttle and its log, no server paths in error messages."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rse_monitor.service.main import create_app
from rse_monitor.service.security import CSP, SignInThrottle
from rse_monitor.service.settings import Settings
from tests.service.conftest import bearer, make_tokens

API = "/api/v1"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def env(tmp_path: Path, seizure_edf: Path) -> Iterator[dict[str, Any]]:
    db = tmp_path / "sec.sqlite3"
    tokens = make_tokens(db)
    app = create_app(Settings(db=str(db), recordings_dirs=[seizure_edf.parent]))
    clock = FakeClock()
    app.state.signin_throttle = SignInThrottle(clock=clock)
    with TestClient(app) as client:
        yield {
            "client": client,
            "tokens": tokens,
            "clock": clock,
            "edf": seizure_edf,
            "h": {role: bearer(t) for role, t in tokens.items()},
        }


# ------------------------------------------------------------------------- headers
@pytest.mark.parametrize("path", ["/", "/static/app.js", f"{API}/beds", f"{API}/health", "/nope"])
def test_security_headers_on_every_answer(env: dict[str, Any], path: str) -> None:
    r = env["client"].get(path, headers=env["h"]["viewer"])
    assert r.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "script-src 'self';" in CSP
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_api_answers_are_not_stored(env: dict[str, Any]) -> None:
    c, h = env["client"], env["h"]
    for r in (
        c.get(f"{API}/beds", headers=h["viewer"]),
        c.get(f"{API}/alerts", headers=h["viewer"]),
        c.post(f"{API}/beds", headers=h["technician"], json={"bed_id": "b1", "weight_kg": 70}),
        c.get(f"{API}/beds"),  # 401 too
    ):
        assert r.headers["cache-control"] == "no-store", r.request.url
    # the page itself keeps its own rule
    assert c.get("/").headers["cache-control"] == "no-cache"


def test_page_has_no_inline_script_or_style() -> None:
    from rse_monitor.service.main import STATIC_DIR

    html = (STATIC_DIR / "index.html").read_text()
    assert "<script>" not in html and " style=" not in html and "<style" not in html
    assert " onclick=" not in html.lower() and "javascript:" not in html.lower()


# ------------------------------------------------------------------------ throttle
def test_sixth_bad_sign_in_is_429_then_a_good_token_works_after_the_window(
    env: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    c, clock = env["client"], env["clock"]
    bad = [f"rsm_wrong-guess-{i}" for i in range(6)]
    with caplog.at_level(logging.WARNING, logger="rse_monitor.service.auth"):
        for token in bad[:5]:
            r = c.post(f"{API}/session", headers=bearer(token))
            assert r.status_code == 401, r.text
        r = c.post(f"{API}/session", headers=bearer(bad[5]))
        assert r.status_code == 429, r.text
        retry = int(r.headers["retry-after"])
        assert 1 <= retry <= 60
        # the lock-out covers the address: a good token is refused too, and the API
        assert c.post(f"{API}/session", headers=env["h"]["viewer"]).status_code == 429
        assert c.get(f"{API}/beds", headers=bearer("rsm_another")).status_code == 429
    # every failure logged at WARNING with the address and the reason, never the token
    failures = [r for r in caplog.records if "sign-in failed" in r.getMessage()]
    assert len(failures) == 5 and all(r.levelno == logging.WARNING for r in failures)
    assert all("testclient" in r.getMessage() for r in failures)
    assert "invalid or revoked bearer token" in failures[0].getMessage()
    text = caplog.text
    for token in [*bad, "rsm_another", *env["tokens"].values()]:
        assert token not in text
        assert token[4:] not in text
    # after the window a good token works, and resets the count
    clock.now += retry
    r = c.post(f"{API}/session", headers=env["h"]["viewer"])
    assert r.status_code == 200, r.text
    for i in range(4):
        assert c.get(f"{API}/beds", headers=bearer(f"rsm_again-{i}")).status_code == 401
    assert c.get(f"{API}/beds", headers=env["h"]["viewer"]).status_code == 200


def test_bearer_failures_on_the_api_count_and_repeats_are_one_guess(env: dict[str, Any]) -> None:
    c = env["client"]
    # the same stale token retried is not a new guess: 401 every time
    for _ in range(10):
        assert c.get(f"{API}/beds", headers=bearer("rsm_stale")).status_code == 401
    for i in range(4):
        assert c.delete(f"{API}/beds/x", headers=bearer(f"rsm_g{i}")).status_code == 401
    r = c.get(f"{API}/alerts", headers=bearer("rsm_g9"))
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_a_wrong_token_is_throttled_across_addresses() -> None:
    clock = FakeClock()
    t = SignInThrottle(max_failures=5, window_s=60.0, clock=clock)
    for i in range(5):
        assert t.retry_after_s(f"10.0.0.{i}", "abc") is None
        t.failed(f"10.0.0.{i}", "abc")
    assert t.retry_after_s("10.0.0.99", "abc") == 60
    assert t.retry_after_s("10.0.0.99", "other") is None
    clock.now += 30
    assert t.retry_after_s("10.0.0.99", "abc") == 30
    clock.now += 30
    assert t.retry_after_s("10.0.0.99", "abc") is None
    with pytest.raises(ValueError, match="max_failures"):
        SignInThrottle(max_failures=0)


# ------------------------------------------------------------------ no server paths
ROOTED_PATH = re.compile(r"(?<![\w.])/[\w.\-]+/[\w.\-/]*")


def test_edf_outside_the_recordings_folders_names_no_server_folder(
    env: dict[str, Any], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    c, h = env["client"], env["h"]["technician"]
    outside = tmp_path / "outside.edf"
    outside.write_bytes(b"x")
    folder = str(env["edf"].parent)
    for path in (str(outside), "/etc/passwd", f"{folder}/../outside.edf", "../../x.edf"):
        with caplog.at_level(logging.WARNING, logger="rse_monitor.service.runner"):
            r = c.post(f"{API}/beds", headers=h,
                       json={"bed_id": "e", "weight_kg": 80, "edf_path": path})  # fmt: skip
        assert r.status_code == 403, r.text
        detail = r.json()["detail"]
        assert "not under a configured recordings directory; ask the administrator" in detail
        assert not ROOTED_PATH.search(r.text), r.text
        assert folder not in r.text and str(tmp_path) not in r.text
    # the administrator finds the folders in the server's log
    assert folder in caplog.text


def test_storage_fault_detail_names_no_database_file() -> None:
    from rse_monitor.service.errors import DatabaseInUse, StorageUnavailable

    for exc in (
        StorageUnavailable("storage unavailable: disk I/O error (db /srv/rse/rsemon.sqlite3)"),
        StorageUnavailable("db /srv/rse/rsemon.sqlite3: cannot be opened (unable to open)"),
        DatabaseInUse("db /srv/rse/rsemon.sqlite3 is in use by another rsemon server (pid 7)"),
    ):
        assert "/srv/rse" in str(exc)  # for the log
        assert not ROOTED_PATH.search(exc.detail) and "<database>" in exc.detail, exc.detail
    kept = StorageUnavailable("storage unavailable: database or disk is full (db x.db)")
    assert kept.detail == "storage unavailable: database or disk is full (db <database>)"
