"""The EEG viewer of the bedside page in real headless Chromium against a real server
(the page test's harness: :mod:`tests.service.test_page`'s server, EDF bed and helpers).

A clinician opens the bed: the viewer shows the latest 10 s; paging back moves 10 s;
the montage and sensitivity change what is drawn; "EEG" on the seizure alert opens
the page 3 s before the detector's onset with the alert's channels highlighted.
Nothing is refused by the Content-Security-Policy.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.service.test_page import (  # noqa: F401 - `server` is the module's fixture
    Server,
    _api,
    _sign_in,
    _start_bed,
    _wait_js,
    browser_page,
    server,
    vermillion_pixels,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STATUS = "document.querySelector('[data-testid=eeg-status]')"


def _status(page: Any) -> dict[str, str]:
    return dict(page.evaluate(f"Object.assign({{}}, {STATUS}.dataset)"))


def _ink(page: Any) -> int:
    """Non-white pixels of the EEG canvas (something was drawn)."""
    return int(page.evaluate(
        "(() => { const c = document.querySelector('#eeg-canvas');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 3] && d[i] < 200) n++;"
        " return n; })()"
    ))  # fmt: skip


def test_eeg_viewer_pages_and_jumps_to_an_alerts_onset(server: Server) -> None:  # noqa: F811
    srv = server
    _start_bed(srv)
    with browser_page(height=1400) as (page, errors):
        _sign_in(page, srv.base, srv.clinician)
        # wait for the seizure alert (about 20 s of wall time at 5x)
        deadline = time.monotonic() + 90
        while True:
            alerts = _api("GET", f"{srv.base}/api/v1/alerts?bed_id={srv.bed_id}",
                          srv.viewer)["data"]  # fmt: skip
            seiz = [a for a in alerts if "seizure" in a["kind"]]
            if seiz or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert seiz, f"no seizure alert: {[a['kind'] for a in alerts]}"
        alert = seiz[0]
        eeg = alert["details"].get("eeg") or alert["details"]
        onset_s, channels = float(eeg["onset_s"]), list(eeg["channels"])
        assert channels

        page.goto(f"{srv.base}/#/bed/{srv.bed_id}")
        page.wait_for_selector("[data-testid=bed-title]", state="visible")
        # the latest page, drawn in the engine's bipolar montage
        _wait_js(page, f"Number({STATUS}.dataset.channels || 0) > 0", timeout=20_000)
        st = _status(page)
        assert st["montage"] == "double_banana" and st["channels"] == "18"
        assert _ink(page) > 2000
        first = float(st["start"])
        page.click("[data-testid=eeg-prev]")
        _wait_js(page, f"Number({STATUS}.dataset.start) === {max(0.0, first - 10)}")
        # montage and sensitivity
        page.select_option("[data-testid=eeg-montage]", "referential")
        _wait_js(page, f"{STATUS}.dataset.montage === 'as_recorded'")
        assert _status(page)["channels"] == "19"
        ink_7 = _ink(page)
        page.select_option("[data-testid=eeg-sens]", "100")
        assert _ink(page) < ink_7  # 100 µV/mm: smaller traces
        assert "100 µV/mm" in page.inner_text("[data-testid=eeg-status]")

        # -- from the alert to its onset, its channels highlighted ---------------------
        item = page.locator(f"[data-testid=alert][data-alert-id='{alert['id']}']")
        item.wait_for(timeout=10_000)
        item.locator("[data-testid=eeg-jump]").click()
        want = max(0.0, onset_s - 3)
        _wait_js(page, f"Math.abs(Number({STATUS}.dataset.start) - {want}) < 1e-6 && "
                       f"{STATUS}.dataset.montage === 'double_banana'")  # fmt: skip
        st = _status(page)
        assert float(st["onset"]) == pytest.approx(onset_s)
        assert set(st["highlighted"].split(",")) == set(channels)
        # the highlighted traces are drawn in vermillion (#D55E00)
        assert vermillion_pixels(page) > 200
        page.screenshot(path=str(srv.tmp / "eeg-view.png"), full_page=True)
        assert not errors, errors
