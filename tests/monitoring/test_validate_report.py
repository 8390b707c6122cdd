"""The validation report (``report.html``) opened in real headless Chromium, offline.

A two-worker LocalCluster validates a small folder (a synthetic recording with a
seizure and its reference, which also holds an LPD row; a real ICU clip with LPDs
and no reference, from ``../shared/data``, or a seizure-free synthetic one where
that is absent; a corrupt file; the bundled burst-suppression recording with its
truth as a suppression reference);
Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright as in
``tests/service/test_page.py``) opens the report from disk with every network
request blocked and recorded. Skips when Playwright or Chromium is missing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from rse_monitor.monitoring.validate import run_validate
from rse_monitor.recordings.synthetic import write_seizure_edf

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
BS_EDF = ROOT / "recordings" / "rse_burst_suppression_synthetic.edf"
BS_TRUTH = ROOT / "recordings" / "rse_burst_suppression_synthetic_truth.csv"
#: A real ICU clip with lateralized periodic discharges (the synthetic patterns do not
#: stand out in the bipolar montage yet: issue 10's known gap).
LPD_CLIP = ROOT.parent / "shared" / "data" / "iiic_icu_patterns" / "LPD_sample1.edf"
CHROMIUM = Path(os.environ.get("RSEMON_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright's Python package is not installed (pip install playwright)")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return sync_playwright


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _playwright()
    data = tmp_path_factory.mktemp("data")
    write_seizure_edf(data / "p1.edf", 150.0, ((60.0, 100.0),), seed=1)
    (data / "p1_events.tsv").write_text(
        "onset\tduration\teventType\n10\t20\tlpd\n60\t40\tsz\n", encoding="utf-8"
    )
    if LPD_CLIP.exists():
        os.symlink(LPD_CLIP, data / "p2.edf")
    else:
        write_seizure_edf(data / "p2.edf", 120.0, (), seed=2)
    (data / "p3.edf").write_bytes(b"garbage")
    os.symlink(BS_EDF, data / "p4.edf")
    os.symlink(BS_TRUTH, data / "p4_suppression.csv")
    out = tmp_path_factory.mktemp("out")
    run = run_validate(data, out, workers=2, progress=False)
    assert run.report is not None
    return run.report


def test_the_report_is_self_contained(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text, re.I)
    assert "@import" not in text and "url(" not in text


def test_the_report_renders_offline_in_chromium(report: Path, tmp_path: Path) -> None:
    requests: list[str] = []
    with _playwright()() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1200, "height": 900})

            def handle(route: Any) -> None:
                requests.append(route.request.url)
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    route.abort()

            ctx.route("**/*", handle)
            page = ctx.new_page()
            page.goto(report.as_uri())
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            assert page.title().startswith("rse-monitor validation")
            assert page.locator("#pooled-f1").get_attribute("data-f1") == "1.0000"
            assert "Pooled F1 1.000" in page.locator("#pooled-f1").inner_text()
            # every recording is listed; the corrupt one with its reason
            rows = page.locator("#recordings tr").all_inner_texts()
            assert any(r.startswith("sub-p1") and "ok" in r for r in rows)
            assert any(r.startswith("sub-p2") and "no reference" in r for r in rows)
            assert any(r.startswith("sub-p3") and "failed" in r for r in rows)
            assert page.locator("#subjects tr[data-id='sub-p1']").count() == 1
            # one timeline per replayed recording, each actually drawn
            timelines = page.locator("div.rec")
            assert timelines.count() == 3
            p1 = page.locator("div.rec[data-recording='sub-p1']")
            assert p1.locator("rect.reference").count() == 1
            assert p1.locator("rect.reference-patterns").count() == 1  # the LPD row
            assert p1.locator("rect.detected").count() >= 1
            assert p1.locator("polyline.sr").count() == 1
            box = p1.locator("svg.timeline").bounding_box()
            assert box is not None and box["width"] > 500 and box["height"] > 60
            p2 = page.locator("div.rec[data-recording='sub-p2']")
            if LPD_CLIP.exists():
                assert p2.locator("rect.patterns").count() >= 1  # the LPD episodes
            assert page.locator("#latency-histogram rect").count() >= 1
            assert page.locator("#false-alarms").count() == 1
            assert page.locator("#false-alarms line").count() == 1  # axis, one subject
            # sample scoring next to event scoring
            assert page.locator("#sample-f1").get_attribute("data-f1") not in (None, "n/a")
            assert "sample scoring" in page.locator("#sample-f1").inner_text()
            assert page.locator("#sample-pooled tr[data-id='pooled']").count() == 1
            assert page.locator("#sample-subjects tr[data-id='sub-p1']").count() == 1
            # suppression-ratio error and the reference-vs-monitor trend of p4
            err = page.locator("#suppression-error tr[data-id='sub-p4']")
            assert err.count() == 2  # its recording row and its subject row
            assert float(err.first.get_attribute("data-mae") or "nan") <= 1.0
            assert page.locator("#suppression-error tr[data-id='all']").count() == 1
            chart = page.locator("div.sr[data-recording='sub-p4'] svg.sr-trend")
            assert chart.count() == 1
            box = chart.bounding_box()
            assert box is not None and box["width"] > 500 and box["height"] > 100
            for line in ("polyline.sr-reference", "polyline.sr-monitor"):
                points = chart.locator(line).get_attribute("points") or ""
                assert len(points.split()) >= 200, line  # 599 paired seconds, binned
            assert page.locator("div.sr").count() == 1  # only p4 has a reference
        finally:
            browser.close()
    assert requests == [report.as_uri()]  # the page itself, nothing else
