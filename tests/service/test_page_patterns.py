"""The bed view's ACNS pattern band and current pattern (issue 10, item 4), in real
headless Chromium.

A bed is admitted on an LSL stream that never appears, so it makes no hops of its
own; the test writes its trend rows into the store (one per second, as
``tests/service/test_page_history.py`` does) with known runs of ACNS terms, a data
gap inside one run and a seizure between two runs. The page must draw one band
segment per run (split at the gap, never across a change of term), the seizure over
the band, a legend naming every main term in view, and say the newest row's pattern
and signal quality in words.

The page exposes ``window.rsemonDebug.patterns(bedId)``, a read-only summary of the
band as drawn (segments with their term and first/last ``t_s``, seizure bars, legend,
the current-pattern line), and ``window.rsemonDebug.patternText(hop)``, the wording
of a hop's pattern (checked here for the flags that trend rows do not hold: the
ictal-interictal continuum and the ACNS seizure criteria).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from rse_monitor.service.db import Database
from rse_monitor.service.store import TREND_FIELDS
from tests.service.conftest import ServerProcess, admit, bearer, insert_trend_rows, make_tokens
from tests.service.test_page import _playwright, _sign_in, _wait_js, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BED_ID = "ICU-P"
N_ROWS = 600
#: (first t_s, last t_s, ACNS term, frequency Hz) of the stored pattern runs;
#: rows 151-170 are missing (a data gap inside the first LPD run)
RUNS = [
    (101, 220, "LPD", 1.0),
    (221, 300, "LPD+F", 1.5),
    (361, 450, "GRDA", 2.0),
    (501, 540, "GSW", 2.5),
    (541, 600, "LPD+F", 1.5),
]
GAP = (151, 170)
SEIZURE = (301, 360)  # ictal rows, no pattern (the engine's term is empty in a seizure)
#: what the band must show: the runs, the first one split at the gap
SEGMENTS = [
    ("LPD", 101, 150),
    ("LPD", 171, 220),
    ("LPD+F", 221, 300),
    ("GRDA", 361, 450),
    ("GSW", 501, 540),
    ("LPD+F", 541, 600),
]
QUALITY_LAST = 0.92


def _rows(admission_id: int) -> list[tuple[Any, ...]]:
    rows = []
    for t in range(1, N_ROWS + 1):
        if GAP[0] <= t <= GAP[1]:
            continue
        term, hz = next(((r[2], r[3]) for r in RUNS if r[0] <= t <= r[1]), ("", None))
        values: dict[str, Any] = {f: None for f in TREND_FIELDS}
        values.update(
            t_s=float(t), suppression_ratio=0.1, line_length=400.0, coherence=0.4,
            ictal=int(SEIZURE[0] <= t <= SEIZURE[1]), depth="none", seizure_score=0.05,
            n_good_channels=19, seizure_burden_5min=0.0, seizure_burden_60min=0.0,
            pattern=term, pattern_hz=hz, quality=QUALITY_LAST if t > 540 else 1.0,
        )  # fmt: skip
        rows.append((admission_id, *(values[f] for f in TREND_FIELDS)))
    return rows


@dataclass
class PatternServer:
    srv: ServerProcess
    tokens: dict[str, str]

    @property
    def base(self) -> str:
        return self.srv.url


@pytest.fixture(scope="module")
def pattern_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PatternServer]:
    _playwright()  # skip before any work when the browser is missing
    folder = tmp_path_factory.mktemp("patterns")
    db_path = folder / "patterns.sqlite3"
    srv = ServerProcess(db_path, folder, folder / "server.log")
    srv.start()
    try:
        tokens = make_tokens(db_path)
        bed = admit(srv.url, tokens["clinician"], BED_ID,
                    {"kind": "lsl", "stream_name": "rsemon-test-never-there"})  # fmt: skip
        admission_id = int(bed["admission_id"])
        # the stored history: the bed makes no hops of its own (no stream)
        db = Database(str(db_path))
        try:
            with db.transaction() as conn:
                insert_trend_rows(conn, _rows(admission_id))
        finally:
            db.close()
        yield PatternServer(srv, tokens)
    finally:
        srv.stop(signal.SIGTERM)


def test_pattern_band_and_current_pattern(pattern_server: PatternServer) -> None:
    ps = pattern_server
    stored = httpx.get(
        f"{ps.base}/api/v1/beds/{BED_ID}/trends?since_s=0&limit=100000",
        headers=bearer(ps.tokens["viewer"]),
        timeout=30,
    ).json()["data"]
    assert len(stored) == N_ROWS - (GAP[1] - GAP[0] + 1)  # the bed added nothing
    with browser_page() as (page, errors):
        _sign_in(page, ps.base, ps.tokens["viewer"])
        page.goto(f"{ps.base}/#/bed/{BED_ID}")
        page.wait_for_selector("[data-testid=bed-title]", state="visible")
        _wait_js(page, f"window.rsemonDebug.trends({BED_ID!r})?.last_t === {N_ROWS}", 20_000)
        _wait_js(page, f"window.rsemonDebug.patterns({BED_ID!r})?.segments.length > 0")
        got = dict(page.evaluate(f"window.rsemonDebug.patterns({BED_ID!r})"))

        # one segment per stored run, split at the data gap, with its term
        segs = [(s["term"], s["from_t"], s["to_t"]) for s in got["segments"]]
        assert segs == SEGMENTS, got["segments"]
        for s in got["segments"]:
            assert s["main"] == s["term"].split("+")[0]
            assert s["n"] == s["to_t"] - s["from_t"] + 1
            assert not s["iic"]  # stored rows never say so
        assert [s["hz"] for s in got["segments"]] == [1.0, 1.0, 1.5, 2.0, 2.5, 1.5]
        assert got["segments"][2]["words"] == (
            "lateralized periodic discharges with superimposed fast activity"
        )
        # one colour per main term: LPD and LPD+F share one; the others differ
        colour = {s["main"]: s["colour"] for s in got["segments"]}
        assert {s["colour"] for s in got["segments"] if s["main"] == "LPD"} == {colour["LPD"]}
        assert len(set(colour.values())) == 3, colour
        # the seizure over the band, from its first ictal row to the next row
        assert got["seizures"] == [[SEIZURE[0], SEIZURE[1] + 1]], got["seizures"]
        # the legend names every main term in view (words, not colour only)
        assert [t for t in got["legend"] if t in colour] == ["GRDA", "GSW", "LPD"]
        assert "seizure" in got["legend"]
        assert "null" not in page.inner_text("[data-testid=pattern-legend]")
        assert "LPD+F 1.5 Hz" in got["label"] and "GRDA 2 Hz" in got["label"]

        # the current pattern (newest row: the bed has no live hop) and quality
        assert got["current"] == "LPD+F 1.5 Hz", got
        assert got["quality"] == f"{round(QUALITY_LAST * 100)} %", got
        assert page.inner_text("[data-testid=now-pattern]") == "LPD+F 1.5 Hz"

        # the tooltip of a segment says its term in words
        box = page.locator("#plot-pattern").bounding_box()
        grda = got["segments"][3]
        page.mouse.move(box["x"] + grda["mid_px"], box["y"] + box["height"] / 2)
        title = page.get_attribute("#plot-pattern", "title") or ""
        assert title.startswith("GRDA 2 Hz (generalized rhythmic delta activity)"), title

        # the bed state's newest hop (HopPublic) says what trend rows do not: the
        # continuum; it is played into the page's state polls (this bed has no
        # live hop), then the page says it and hatches the run holding that hop
        latest: dict[str, Any] = {
            "t_s": 580.0, "pattern": "LPD+F", "pattern_hz": 1.5, "iic": True,
            "acns_seizure": False, "quality": 0.8, "ictal": False,
        }  # fmt: skip

        warnings: list[str] = []

        def with_latest(route: Any) -> None:
            state = route.fetch().json()
            route.fulfill(json={**state, "latest": latest, "warnings": warnings})

        page.route(f"**/api/v1/beds/{BED_ID}/state", with_latest)
        now = "document.querySelector('[data-testid=now-pattern]').textContent"
        _wait_js(page, f"{now} === 'LPD+F 1.5 Hz · ictal–interictal continuum'", 10_000)
        assert page.inner_text("[data-testid=now-quality]") == "80 %"
        _wait_js(page, f"window.rsemonDebug.patterns({BED_ID!r}).segments[5].iic", 10_000)
        got = dict(page.evaluate(f"window.rsemonDebug.patterns({BED_ID!r})"))
        assert [s["iic"] for s in got["segments"]] == [False] * 5 + [True]
        assert "ictal–interictal continuum" in got["label"]
        latest.update(pattern="", pattern_hz=None, iic=False, acns_seizure=True, ictal=True)
        _wait_js(page, f"{now} === 'electrographic seizure (ACNS criteria)'", 10_000)
        # the bed's input warnings (issue 11 part 6) are shown while the state has them
        assert page.locator("[data-testid=bed-warnings]").is_hidden()
        warnings.append("input is 3 s long: too short to analyse")
        _wait_js(page, "!document.querySelector('[data-testid=bed-warnings]').hidden", 10_000)
        assert "too short to analyse" in page.inner_text("[data-testid=bed-warnings]")
        warnings.clear()
        _wait_js(page, "document.querySelector('[data-testid=bed-warnings]').hidden", 10_000)

        # the wording of the flags the bed state's hop carries
        def text(hop: dict[str, Any]) -> str:
            return str(page.evaluate("(h) => window.rsemonDebug.patternText(h)", hop))

        hop = {"pattern": "LPD+F", "pattern_hz": 1.5, "iic": False, "acns_seizure": False}
        assert text(hop) == "LPD+F 1.5 Hz"
        assert text({**hop, "iic": True}) == "LPD+F 1.5 Hz · ictal–interictal continuum"
        seizure = {"pattern": "", "pattern_hz": None, "iic": False, "acns_seizure": True}
        assert text(seizure) == "electrographic seizure (ACNS criteria)"
        assert text({**seizure, "acns_seizure": False}) == "none"
        assert not errors, errors


def test_rows_match_the_runs() -> None:
    """The stored rows hold exactly the runs the browser test expects (no browser)."""
    rows = _rows(1)
    i_pattern = 1 + TREND_FIELDS.index("pattern")
    i_t = 1 + TREND_FIELDS.index("t_s")
    runs: list[tuple[str, float, float]] = []
    last_t = None
    for row in rows:
        term, t = row[i_pattern], row[i_t]
        if term and runs and runs[-1][0] == term and last_t == t - 1:
            runs[-1] = (term, runs[-1][1], t)
        elif term:
            runs.append((term, t, t))
        last_t = t
    assert [(a, int(b), int(c)) for a, b, c in runs] == SEGMENTS
