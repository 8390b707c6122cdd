"""The alarm yield on the bed view (issue 14, part 3, page), in real headless Chromium.

A bed replays the service tests' seizure EDF fast enough to raise its alerts within
seconds. The bed view shows the false-alarm budget state from
``GET /api/v1/alerts/yield`` (within budget while nothing is labelled false), a
per-kind table and a CSV export link. A clinician acknowledges an alert labelled
``false_alarm``: over a few minutes of monitoring that is far beyond the default
budget of one false alarm per bed-day, and the page says so without a reload; the
overview says so for every bed together.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import ServerProcess, admit, bearer, start_module_server, wait_for
from tests.service.test_page import _playwright, _sign_in, _wait_js, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BED_ID = "ICU-Y"
#: 300 s of recording (seizure at 150-210 s) in about 6 s.
SPEED = 50.0

BUDGET_STATE = "document.querySelector('#bed [data-testid=yield-budget]').dataset.state"


def _wait_budget(page: Any, state: str, view: str = "#bed") -> None:
    """Wait for the budget state of a view; on time-out say what the page shows."""
    try:
        _wait_js(page, f"{BUDGET_STATE.replace('#bed', view)} === {state!r}", 30_000)
    except AssertionError as exc:
        shown = page.inner_text(f"{view} [data-testid=yield-budget]")
        raise AssertionError(f"{exc}; the page shows {shown!r}") from None


@pytest.fixture(scope="module")
def yield_server(
    tmp_path_factory: pytest.TempPathFactory, seizure_edf: Path
) -> Iterator[ServerProcess]:
    _playwright()  # skip before any work when the browser is missing
    srv = start_module_server(tmp_path_factory, seizure_edf, "page_yield")
    try:
        yield srv
    finally:
        srv.stop(signal.SIGTERM)


def test_bed_view_shows_over_budget_after_false_alarm_labels(yield_server: ServerProcess) -> None:
    srv = yield_server
    tokens = srv.tokens  # type: ignore[attr-defined]
    admit(
        srv.url, tokens["clinician"], BED_ID, {"kind": "edf", "path": "seizure.edf", "speed": SPEED}
    )

    def alerts() -> list[dict[str, object]]:
        got = httpx.get(
            f"{srv.url}/api/v1/alerts?bed_id={BED_ID}", headers=bearer(tokens["viewer"]), timeout=10
        )
        got.raise_for_status()
        return list(got.json()["data"])

    wait_for(alerts, 60)
    with browser_page() as (page, errors):
        _sign_in(page, srv.url, tokens["clinician"])
        page.goto(f"{srv.url}/#/bed/{BED_ID}")
        page.wait_for_selector("[data-testid=bed-title]", state="visible")
        # nothing labelled yet: within budget, and a row per alert kind raised
        _wait_budget(page, "within")
        assert "within budget" in page.inner_text("#bed [data-testid=yield-budget]")
        kinds = {a["kind"] for a in alerts()}
        _wait_js(page, "document.querySelectorAll('#bed [data-testid=yield-row]').length > 0")
        shown = set(
            page.eval_on_selector_all(
                "#bed [data-testid=yield-row]", "rows => rows.map(r => r.dataset.kind)"
            )
        )
        assert shown and shown <= kinds, (shown, kinds)

        # the CSV export, as the link fetches it (same origin, session cookie)
        href = page.get_attribute("#bed [data-testid=yield-csv]", "href")
        assert href and "format=csv" in href and f"bed_id={BED_ID}" in href
        csv = page.evaluate(
            "async (u) => { const r = await fetch(u, {credentials: 'same-origin'});"
            " return [r.status, r.headers.get('content-type'), await r.text()]; }",
            href,
        )
        assert csv[0] == 200 and csv[1].startswith("text/csv"), csv
        assert csv[2].splitlines()[0].startswith("kind,count,acked,true_alarm,false_alarm")

        # a clinician labels alerts false: over budget, said in words, no reload
        page.evaluate("window.__sameDocument = true")
        item = page.locator("[data-testid=alert][data-acked=false]").first
        item.wait_for(timeout=10_000)
        kind = item.get_attribute("data-kind")
        item.locator("[data-testid=ack-label]").select_option("false_alarm")
        item.locator("[data-testid=ack-button]").click()
        _wait_budget(page, "over")
        assert page.evaluate("window.__sameDocument === true")
        text = page.inner_text("#bed [data-testid=yield-budget]")
        assert "OVER budget" in text and "(budget 1)" in text, text
        row = page.locator(f"#bed [data-testid=yield-row][data-kind='{kind}']")
        assert row.locator("td").nth(2).inner_text() == "1"  # false alarms of that kind
        server = httpx.get(
            f"{srv.url}/api/v1/alerts/yield?bed_id={BED_ID}",
            headers=bearer(tokens["viewer"]),
            timeout=10,
        ).json()
        assert server["budget_state"] == "over"
        assert server["false_alarms_per_bed_day"] > server["false_alarm_budget_per_bed_day"]
        # the overview says the same for every bed together
        page.goto(f"{srv.url}/#/")
        _wait_budget(page, "over", "#overview")
        assert not errors, errors
