"""The bedside page end to end, in real headless Chromium against a real server.

A real uvicorn (``service.main:create_app``) runs on 127.0.0.1 with a fresh SQLite
file; one bed replays, at a few times real time, a synthetic EDF with a focal
seizure written into the test's temporary folder. Tokens are made through the
service's own API (an admin token bootstraps ``POST /api/v1/tokens``). Chromium
(Debian's ``/usr/bin/chromium``) is driven by Playwright's Python package.

What is checked, in the order a clinician would see it:

- the page loads, a pasted token signs in (exchanged for an HttpOnly,
  SameSite=Strict session cookie; the token never appears in a request URL);
- the beds overview lists the bed; the bed view's trends grow as the EDF plays;
- a seizure alert arrives over SSE without a reload; a clinician acknowledges it
  and, after a reload, it is still marked acknowledged (and the server agrees);
- a viewer sees the alerts but no acknowledge button and no forms;
- a screenshot of the bed view is written to the test's tmp folder and to
  ``docs/bed-view.png`` (the README's picture) when RSEMON_UPDATE_SCREENSHOT=1.

Skips (with the reason) when Playwright or Chromium is missing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rse_monitor.service.demo import DemoError
from rse_monitor.service.demo import _http as demo_http

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("RSEMON_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SFREQ_HZ = 256.0
DURATION_S = 150.0
SEIZURE_S = (80.0, 125.0)
#: Replay speed: 150 s of EEG in 30 s of wall time.
SPEED = 5.0
FOCAL = ("T3", "T5", "C3", "F7")
#: Gain on the ictal component. The generator's seizure alone (amplitude growth
#: 3.5-5.5x over a 30 µV background) stays below the detector's line-length
#: threshold after the bipolar montage; three times that is a clear focal seizure.
ICTAL_GAIN = 3.0

BED_ID = "ICU-7"


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright's Python package is not installed (pip install playwright)")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return sync_playwright


# ----------------------------------------------------------------------------- fixtures
def _write_seizure_edf(path: Path) -> None:
    """A 19-channel EDF with one focal seizure (truth: SEIZURE_S)."""
    import edfio

    from rse_monitor.recordings.synthetic import make_seizure_recording

    kw: dict[str, Any] = {"seed": 7, "focal_channels": FOCAL, "line_noise_hz": 50.0}
    rec = make_seizure_recording(DURATION_S, SFREQ_HZ, seizures=(SEIZURE_S,), **kw)
    # each component has its own random stream: the seizure-free record is the same
    # background, so the difference is exactly the ictal component
    bg = make_seizure_recording(DURATION_S, SFREQ_HZ, seizures=(), **kw)
    data = bg.data_uv + ICTAL_GAIN * (rec.data_uv - bg.data_uv)
    signals = [
        edfio.EdfSignal(
            np.clip(row, -3000, 3000),
            SFREQ_HZ,
            label=f"EEG {name}",
            physical_dimension="uV",
            physical_range=(-3000.0, 3000.0),
        )
        for name, row in zip(rec.ch_names, data, strict=True)
    ]
    edfio.Edf(signals, data_record_duration=1.0).write(path)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(
    method: str, url: str, token: str | None = None, body: Any = None, timeout_s: float = 10.0
) -> Any:
    """The demo's JSON client; a refused request fails the test with the server's reason."""
    try:
        return demo_http(method, url, token, body, timeout_s)
    except DemoError as exc:
        raise AssertionError(str(exc)) from None


@dataclass
class Server:
    base: str
    viewer: str
    clinician: str
    bed_id: str
    tmp: Path
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _playwright()  # skip before doing any work when the browser is missing
    from rse_monitor.service.auth import create_token
    from rse_monitor.service.db import Database

    tmp = tmp_path_factory.mktemp("page")
    edf = tmp / "focal_seizure.edf"
    _write_seizure_edf(edf)
    db_path = tmp / "rsemon.sqlite3"
    db = Database(str(db_path))
    _, admin = create_token(db, "admin", "test-admin")  # bootstrap; the rest via the API
    db.close()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        {
            "RSEMON_DB": str(db_path),
            "RSEMON_RECORDINGS_DIRS": str(tmp),
            "RSEMON_RESUME_BEDS": "true",
            "LSLAPICFG": str(REPO / "pipeline" / "lsl_machine.cfg"),
            "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    log = tmp / "server.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "rse_monitor.service.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=tmp,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _api("GET", f"{base}/api/v1/health", timeout_s=1.0)
                break
            except (OSError, AssertionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("server did not start:\n" + log.read_text(errors="replace"))
                time.sleep(0.2)
        tokens = {
            role: _api("POST", f"{base}/api/v1/tokens", admin, {"role": role, "name": f"{role}-1"})[
                "token"
            ]
            for role in ("viewer", "clinician")
        }
        yield Server(base, tokens["viewer"], tokens["clinician"], BED_ID, tmp, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _start_bed(srv: Server) -> None:
    _api(
        "POST",
        f"{srv.base}/api/v1/beds",
        srv.clinician,
        {
            "bed_id": srv.bed_id,
            "weight_kg": 80,
            "seizure_type": "focal_impaired_awareness",
            "source": {"kind": "edf", "path": str(srv.tmp / "focal_seizure.edf"), "speed": SPEED},
            "settings": {"notch_hz": 60, "l_freq_hz": 1.0, "h_freq_hz": 40.0},
        },
    )


@contextlib.contextmanager
def browser_page(height: int = 1100) -> Iterator[tuple[Any, list[str]]]:
    """A headless Chromium page (1440 px wide) and the list its errors go to: page
    errors and anything the service's Content-Security-Policy refused."""
    sync_playwright = _playwright()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1440, "height": height}).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "console", lambda m: "Content Security Policy" in m.text and errors.append(m.text)
            )
            yield page, errors
        finally:
            browser.close()


def _sign_in(page: Any, base: str, token: str) -> None:
    page.goto(base + "/")
    page.wait_for_selector("#token-input", state="visible", timeout=10_000)
    page.fill("#token-input", token)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#login", state="hidden", timeout=10_000)


def vermillion_pixels(page: Any) -> int:
    """Pixels of the EEG canvas drawn in the highlight colour, vermillion (#D55E00)."""
    return int(
        page.evaluate(
            "(() => { const c = document.querySelector('#eeg-canvas');"
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " let n = 0; for (let i = 0; i < d.length; i += 4)"
            "   if (d[i] > 180 && d[i + 1] > 60 && d[i + 1] < 120 && d[i + 2] < 40) n++;"
            " return n; })()"
        )
    )


def _wait_js(page: Any, expression: str, timeout: float = 30_000) -> None:
    """Wait until a JavaScript expression is truthy in the page.

    Playwright's ``wait_for_function`` evaluates its string with ``eval`` inside the
    page, which the service's Content-Security-Policy (no ``'unsafe-eval'``) refuses;
    ``page.evaluate`` runs through the DevTools protocol and is not subject to it.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout / 1000:g} s waiting for {expression}")
        time.sleep(0.1)


def _plot_boxes(page: Any) -> list[tuple[int, int, int, int]]:
    """Position and size (CSS px, rounded) of every plot canvas on the bed view."""
    boxes = page.evaluate(
        "[...document.querySelectorAll('.plot canvas')].map(c => {"
        " const r = c.getBoundingClientRect();"
        " return [r.left + scrollX, r.top + scrollY, r.width, r.height].map(Math.round); })"
    )
    # suppression ratio, seizure score, burden, ACNS pattern band, line length,
    # coherence, signal quality, CSA
    assert len(boxes) == 8
    return [tuple(b) for b in boxes]


def _points(page: Any) -> int:
    return int(page.get_attribute("[data-testid=trend-status]", "data-points") or 0)


# -------------------------------------------------------------------------------- test
def test_bedside_page_live_alert_ack_and_roles(server: Server) -> None:
    sync_playwright = _playwright()
    srv = server
    t_start = time.monotonic()
    urls: list[str] = []
    _start_bed(srv)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1440, "height": 1100})
            page = ctx.new_page()
            page.on("request", lambda r: urls.append(r.url))
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            # the page works under the service's Content-Security-Policy: nothing refused
            page.on(
                "console", lambda m: "Content Security Policy" in m.text and errors.append(m.text)
            )

            # -- sign in as clinician; overview lists the bed -------------------------
            _sign_in(page, srv.base, srv.clinician)
            card = page.locator(f"[data-testid=bed-card][data-bed='{srv.bed_id}']")
            card.wait_for(timeout=10_000)
            assert "clinician" in page.inner_text("[data-testid=who]")
            # the SSE stream is open (it can only authenticate with the session cookie)
            _wait_js(page, "document.querySelector('#conn').textContent === 'live'", timeout=10_000)
            cookies = {c["name"]: c for c in ctx.cookies()}
            assert cookies["rsemon_session"]["httpOnly"] is True
            assert cookies["rsemon_session"]["sameSite"] == "Strict"

            # -- bed view: trends grow while the EDF plays ----------------------------
            card.click()
            page.wait_for_selector("[data-testid=bed-title]", state="visible")
            # the bed's analysis settings, as admitted, are shown with it
            facts = page.locator("#bed-facts").inner_text()
            assert "60 Hz" in facts and "1–40 Hz" in facts and "bipolar" in facts, facts
            boxes_before = _plot_boxes(page)
            _wait_js(
                page,
                "Number(document.querySelector('[data-testid=trend-status]')"
                ".dataset.points || 0) > 0",
                timeout=20_000,
            )
            n1 = _points(page)
            page.evaluate("window.__sameDocument = true")  # gone if the page reloads
            _wait_js(
                page,
                f"Number(document.querySelector('[data-testid=trend-status]')"
                f".dataset.points || 0) >= {n1 + 5}",
                timeout=20_000,
            )
            n2 = _points(page)
            assert n2 > n1

            # -- a seizure alert arrives live (no reload) -----------------------------
            alert = page.locator("[data-testid=alert][data-kind*=seizure]").first
            alert.wait_for(timeout=45_000)
            assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
            alert_id = alert.get_attribute("data-alert-id")
            assert alert_id and alert.get_attribute("data-acked") == "false"

            # -- acknowledge; still acknowledged after a reload -----------------------
            alert.locator("[data-testid=ack-label]").select_option("true_alarm")  # a verdict
            alert.locator("[data-testid=ack-button]").click()
            acked = page.locator(f"[data-testid=alert][data-alert-id='{alert_id}']")
            _wait_js(
                page,
                f"document.querySelector(\"[data-alert-id='{alert_id}']\")"
                f"?.dataset.acked === 'true'",
                timeout=10_000,
            )
            page.reload()
            page.wait_for_selector("[data-testid=bed-title]", state="visible", timeout=10_000)
            acked.wait_for(timeout=10_000)
            _wait_js(
                page,
                f"document.querySelector(\"[data-alert-id='{alert_id}']\")"
                f"?.dataset.acked === 'true'",
                timeout=10_000,
            )
            assert acked.locator("[data-testid=ack-button]").count() == 0
            assert "acknowledged" in acked.inner_text()
            stored = _api("GET", f"{srv.base}/api/v1/alerts/{alert_id}", srv.viewer)
            assert stored["acked_by"] and stored["acked_at"]
            assert stored["ack_label"] == "true_alarm" and "true alarm" in acked.inner_text()
            # -- screenshot of the bed view once the replay has run through -----------
            _wait_js(
                page,
                "Number(document.querySelector('[data-testid=trend-status]')"
                f".dataset.lastT || 0) >= {DURATION_S - 3}",  # the replay has run through
                timeout=30_000,
            )
            time.sleep(2.5)  # one more poll so the plots include the latest rows
            # the seizure burden: the stored 60-min figure of the last hop, as the page says
            rows = _api("GET", f"{srv.base}/api/v1/beds/{srv.bed_id}/trends?since_s=0",
                        srv.viewer)["data"]  # fmt: skip
            b60 = rows[-1]["seizure_burden_60min"]
            assert b60 > 0  # the seizure of the recording was found
            assert f"{round(b60 * 100)} % of 60 min" in page.locator("#now-burden").inner_text()
            page.evaluate("window.scrollTo(0, 0)")
            # fixed plot sizes: nothing moved while the data arrived
            assert _plot_boxes(page) == boxes_before
            shot = srv.tmp / "bed-view.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
            if os.environ.get("RSEMON_UPDATE_SCREENSHOT") == "1":
                # refresh the README's picture on request only, so a test run
                # never leaves the working tree changed
                docs = REPO / "docs"
                docs.mkdir(exist_ok=True)
                shutil.copyfile(shot, docs / "bed-view.png")
            # -- the clinician's forms: an under-dose is recorded and flagged -----------
            form = page.locator("[data-testid=treatment-form]")
            assert form.is_visible()
            form.locator("[name=agent]").fill("lorazepam")
            form.locator("[name=dose]").fill("2")
            form.locator("[name=unit]").select_option("mg")
            form.locator("[name=route]").select_option("IV")
            form.locator("[name=kind]").select_option("bolus")
            form.locator("button[type=submit]").click()
            result = page.locator("#treatment-result")
            _wait_js(
                page,
                "document.querySelector('#treatment-result').className.includes('warn')",
                timeout=10_000,
            )
            assert "inadequate" in result.inner_text()
            page.locator("#treatment-list li", has_text="lorazepam").wait_for(timeout=10_000)
            (treatment,) = _api(
                "GET", f"{srv.base}/api/v1/beds/{srv.bed_id}/treatments", srv.viewer
            )["data"]
            assert treatment["agent"] == "lorazepam" and treatment["adequate"] is False
            targets = page.locator("[data-testid=targets-form]")
            targets.locator("[name=sr_low]").fill("0.6")
            targets.locator("[name=sr_high]").fill("0.9")
            targets.locator("button[type=submit]").click()
            _wait_js(
                page,
                "document.querySelector('#targets-result').className.includes('ok')",
                timeout=10_000,
            )
            stored_targets = _api("GET", f"{srv.base}/api/v1/beds/{srv.bed_id}/state", srv.viewer)[
                "targets"
            ]
            assert (stored_targets["sr_low"], stored_targets["sr_high"]) == (0.6, 0.9)

            assert not errors, errors

            # -- a viewer sees alerts but cannot acknowledge or enter anything --------
            vctx = browser.new_context(viewport={"width": 1280, "height": 900})
            vpage = vctx.new_page()
            vpage.on("request", lambda r: urls.append(r.url))
            _sign_in(vpage, srv.base, srv.viewer)
            assert "viewer" in vpage.inner_text("[data-testid=who]")
            vpage.goto(f"{srv.base}/#/bed/{srv.bed_id}")
            vpage.locator("[data-testid=alert]").first.wait_for(timeout=10_000)
            assert vpage.locator("[data-testid=alert]").count() >= 1
            assert vpage.locator("[data-testid=ack-button]").count() == 0
            assert not vpage.locator("[data-testid=treatment-form]").is_visible()
            assert not vpage.locator("[data-testid=targets-form]").is_visible()
            vctx.close()
            ctx.close()
        finally:
            browser.close()

    # the long-lived tokens never travelled in a URL
    assert urls
    for token in (srv.viewer, srv.clinician):
        assert not any(token in u for u in urls)
    assert time.monotonic() - t_start < 90
