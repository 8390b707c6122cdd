"""The bedside-scores panel in real headless Chromium against a real server.

Reuses the server and helpers of :mod:`tests.service.test_page` (a uvicorn on a
fresh SQLite file; tokens through the API). A bed without EEG is admitted; a
clinician enters the history on the page and sees STESS computed (70 years,
stuporous, generalized convulsive SE, no seizures before: 1 + 1 + 2 + 1 = 5), the
2HELPS2B items the monitor does not measure listed as missing, and the EMSE
weights that are not verified flagged; a viewer sees the scores but no form.
Nothing is refused by the Content-Security-Policy.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.test_page import (  # noqa: F401  (server: a fixture)
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    _api,
    _playwright,
    _sign_in,
    _wait_js,
    server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BED = "ICU-S"
ROWS = "document.querySelectorAll('[data-testid=score-row]')"


def _row_value(page: Any, name: str) -> str | None:
    return page.get_attribute(f"[data-testid=score-row][data-score='{name}']", "data-value")


def _open_bed(page: Any, srv: Server, token: str, errors: list[str]) -> None:
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    _sign_in(page, srv.base, token)
    page.evaluate(f"location.hash = '#/bed/{BED}'")
    page.wait_for_selector("[data-testid=bed-title]", state="visible")
    _wait_js(page, f"{ROWS}.length === 4", timeout=15_000)


def test_scores_panel_history_entry_and_roles(server: Server) -> None:  # noqa: F811
    sync_playwright = _playwright()
    srv = server
    _api("POST", f"{srv.base}/api/v1/beds", srv.clinician, {"bed_id": BED, "weight_kg": 70})
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            errors: list[str] = []
            page = browser.new_context(viewport={"width": 1440, "height": 1100}).new_page()
            _open_bed(page, srv, srv.clinician, errors)
            assert _row_value(page, "STESS") == ""  # nothing entered yet
            assert "missing" in page.inner_text("[data-testid=score-row][data-score='STESS']")

            # -- a clinician enters the history on the page --------------------------
            page.click("#history-entry summary")
            form = page.locator("[data-testid=history-form]")
            form.locator("[name=age_years]").fill("70")
            form.locator("[name=consciousness]").select_option("stuporous")
            form.locator("[name=worst_seizure_type]").select_option("generalized_convulsive")
            form.locator("[name=prior_seizures]").select_option("no")
            form.locator("[name=etiology]").select_option("acute_cerebrovascular")
            form.locator("[name=charlson_conditions]").select_option(["diabetes"])
            form.locator("button[type=submit]").click()
            _wait_js(page, "document.querySelector('#history-result').textContent"
                     " === 'History saved.'", timeout=10_000)  # fmt: skip
            _wait_js(page, "document.querySelector(\"[data-score='STESS']\")"
                     ".dataset.value === '5'", timeout=10_000)  # fmt: skip
            # EMSE-EAC: 26 (acute cerebrovascular) + 7 (61-70) + 10 (diabetes) = 43
            assert _row_value(page, "EMSE-EAC") == "43"
            emse_text = page.inner_text("[data-testid=score-row][data-score='EMSE-EAC']")
            assert "not verified" in emse_text and "Leitinger" in emse_text
            helps = page.inner_text("[data-testid=score-row][data-score='2HELPS2B']")
            assert "sporadic discharges" in helps and "birds" in helps  # missing, not 0
            assert _row_value(page, "2HELPS2B") == ""
            stored = _api("GET", f"{srv.base}/api/v1/beds/{BED}/history", srv.viewer)
            assert stored["age_years"] == 70 and stored["charlson_conditions"] == ["diabetes"]
            assert "History entered by" in page.inner_text("[data-testid=scores-status]")

            # -- wean readiness: from the bed state, once the bed has a time -----------
            assert page.get_attribute("[data-testid=wean-facts]", "data-state") == "none"
            api = f"{srv.base}/api/v1/beds/{BED}"
            _api(
                "POST",
                f"{api}/treatments",
                srv.clinician,
                {"agent": "midazolam", "dose": 10, "unit": "mg", "kind": "bolus", "t_s": 10.0},
            )
            _api("POST", f"{api}/events", srv.clinician, {"kind": "seizure_end", "t_s": 100.0})
            _wait_js(page, "document.querySelector('[data-testid=wean-facts]')"
                     ".dataset.state === 'shown'", timeout=20_000)  # fmt: skip
            assert "no EEG recorded" in page.inner_text("[data-testid=wean-facts]")
            resp = page.inner_text("[data-testid=wean-response]")
            assert "bolus midazolam 10 mg" in resp and "after window still running" in resp

            page.locator("[data-testid=scores-panel]").screenshot(
                path=str(srv.tmp / "scores-panel.png")
            )

            # -- a viewer reads the scores and has no form ---------------------------
            vpage = browser.new_context(viewport={"width": 1440, "height": 1100}).new_page()
            _open_bed(vpage, srv, srv.viewer, errors)
            _wait_js(vpage, "document.querySelector(\"[data-score='STESS']\")"
                     ".dataset.value === '5'", timeout=10_000)  # fmt: skip
            assert vpage.locator("#history-entry").is_hidden()
            assert errors == []
        finally:
            browser.close()
