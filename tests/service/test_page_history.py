"""The bed view keeps its history (issue 14, part 6), in real headless Chromium.

A bed replays a long EDF, at 10x and at 1x real time. Before the page opens, its
store already holds over an hour of trend rows; hop rows keep arriving over SSE from
the moment the page signs in, so they reach the page before its first trends page
does (the race of issue 14: a hop that landed first made the page drop the fetched
history, and with less than a page of rows nothing fetched it again). At 1x the
history is longer than one page of the page's trends fetch (4 h of rows), so the
12-h window also needs the older page fetched (backfill).

How the history is made: the bed is admitted on a first server run, which is then
stopped; the test writes the history rows (one per second of recording) and the
bed's position into the database, and a second server run resumes the EDF replay
from that position (as a restarted service does), so live hops continue after it.

The page exposes ``window.rsemonDebug.trends(bedId)``, a read-only summary of the
merged series it draws (row count, first and last ``t_s``, the largest step, rows
inside the drawn time window); the test compares it with ``GET /trends``.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from rse_monitor.detectors.alerts import Alert
from rse_monitor.service.clock import BedClock, parse_iso
from rse_monitor.service.db import Database
from rse_monitor.service.store import TREND_FIELDS, apply_alert_changes
from tests.service.conftest import (
    ServerProcess,
    admit,
    bearer,
    insert_trend_rows,
    make_tokens,
    wait_for,
)
from tests.service.test_page import _playwright, _sign_in, _wait_js, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: (stored history in s, one row a second; replay speed; the window the test picks):
#: under one trends page at 10x, over one page (4 h) at 1x.
CASES = [(6_000, 10.0, "auto"), (16_000, 1.0, "43200")]
#: Recording length: the longest history plus the live part replayed after it.
DURATION_S = 16_000 + 900
SFREQ_HZ = 128.0
BED_ID = "ICU-H"


def _write_long_edf(path: Path) -> Path:
    """Four channels of noisy 10 Hz alpha-like EEG, ``DURATION_S`` long."""
    import edfio

    rng = np.random.default_rng(3)
    n = int(DURATION_S * SFREQ_HZ)
    t = np.arange(n) / SFREQ_HZ
    signals = [
        edfio.EdfSignal(
            (20.0 * rng.standard_normal(n) + 15.0 * np.sin(2 * np.pi * 10.0 * t + k)).clip(
                -500, 500
            ),
            SFREQ_HZ,
            label=f"EEG {name}",
            physical_dimension="uV",
            physical_range=(-500.0, 500.0),
        )
        for k, name in enumerate(("Fp1", "C3", "O1", "Cz"))
    ]
    edfio.Edf(signals, data_record_duration=1.0).write(path)
    return path


def _history_rows(admission_id: int, history_s: int) -> list[tuple[Any, ...]]:
    """Rows ``t_s = 1 .. history_s`` with plausible, slowly varying values."""
    rows = []
    for t in range(1, history_s + 1):
        values: dict[str, Any] = {f: None for f in TREND_FIELDS}
        values.update(
            t_s=float(t), suppression_ratio=0.5 + 0.3 * np.sin(t / 900.0), line_length=400.0,
            coherence=0.4, ictal=0, seizure_score=0.05, delta_uv2=40.0, theta_uv2=20.0,
            alpha_uv2=30.0, beta_uv2=5.0, n_good_channels=4, seizure_burden_5min=0.0,
            seizure_burden_60min=0.0,
        )  # fmt: skip
        rows.append((admission_id, *(values[f] for f in TREND_FIELDS)))
    return rows


def _seizure_alerts(history_s: int) -> list[Alert]:
    """A seizure inside the stored history, and one whose onset precedes every row."""
    return [
        Alert(
            key=f"seizure_{onset_s:g}",
            kind="seizure_onset",
            severity="high",
            message="seizure onset",
            t_s=onset_s + 10,
            origin="engine",
            details={"onset_s": onset_s, "offset_s": onset_s + 60},
        )  # fmt: skip
        for onset_s in (history_s / 2, 0.25)
    ]


@dataclass
class HistoryServer:
    srv: ServerProcess
    tokens: dict[str, str]
    history_s: int
    speed: float
    window: str

    @property
    def base(self) -> str:
        return self.srv.url


@pytest.fixture(scope="module")
def long_edf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _playwright()  # skip before any work when the browser is missing
    return _write_long_edf(tmp_path_factory.mktemp("recordings") / "long.edf")


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}s-at-{c[1]:g}x")
def history_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, long_edf: Path
) -> Iterator[HistoryServer]:
    history_s, speed, window = request.param
    folder = tmp_path_factory.mktemp("history")
    db_path = folder / "history.sqlite3"
    srv = ServerProcess(db_path, long_edf.parent, folder / "server.log")
    srv.start()
    tokens = make_tokens(db_path)
    try:
        bed = admit(srv.url, tokens["clinician"], BED_ID,
                    {"kind": "edf", "path": "long.edf", "speed": speed})  # fmt: skip
        admission_id = int(bed["admission_id"])
    finally:
        srv.stop(signal.SIGTERM)
    # the history a longer-running service would have stored, then resume after it
    db = Database(str(db_path))
    try:
        with db.transaction() as conn:
            insert_trend_rows(conn, _history_rows(admission_id, history_s))
            conn.execute(
                "UPDATE beds SET position_s = ? WHERE admission_id = ?",
                (float(history_s), admission_id),
            )
            clock = BedClock(parse_iso(bed["clock_origin"]), speed)
            apply_alert_changes(conn, admission_id, BED_ID, clock, _seizure_alerts(history_s))
    finally:
        db.close()
    srv.start()
    try:
        yield HistoryServer(srv, tokens, history_s, speed, window)
    finally:
        srv.stop(signal.SIGTERM)


def _stored(hs: HistoryServer) -> list[float]:
    r = httpx.get(
        f"{hs.base}/api/v1/beds/{BED_ID}/trends?since_s=0&limit=100000",
        headers=bearer(hs.tokens["viewer"]),
        timeout=30,
    )
    r.raise_for_status()
    return [float(row["t_s"]) for row in r.json()["data"]]


def _summary(page: Any) -> dict[str, Any]:
    return dict(page.evaluate(f"window.rsemonDebug.trends({BED_ID!r})"))


def _check_whole_history(page: Any, hs: HistoryServer) -> dict[str, Any]:
    """The page's series holds and draws every stored row up to its newest, once each."""
    got = _summary(page)
    stored = _stored(hs)
    seen = [t for t in stored if t <= got["last_t"]]
    assert got["first_t"] == stored[0] == 1.0, got
    assert got["n"] == len(seen), (got, len(seen), len(stored))
    assert got["max_step_s"] <= 1.0 + 1e-6, got  # nothing missing in between
    assert got["n_unique"] == got["n"] and got["sorted"], got  # no row twice
    assert got["n_in_window"] == got["n"], got  # the chosen window spans every row kept
    # seizure markers only where trends are drawn: the one in the history, not the
    # one before the first row
    assert got["onset_marks_t"] == [hs.history_s / 2], got
    return got


def test_bed_view_draws_whole_history_while_hops_arrive(history_server: HistoryServer) -> None:
    hs = history_server
    # live hops are arriving before the page opens
    opened_at_t = wait_for(lambda: (t := _stored(hs)) and t[-1] > hs.history_s + 2 and t[-1], 60)
    with browser_page() as (page, errors):
        _sign_in(page, hs.base, hs.tokens["viewer"])
        # hop rows reach the page over SSE before the bed view asks for the history
        _wait_js(page, f"(window.rsemonDebug.trends({BED_ID!r})?.n || 0) > 0", 20_000)
        page.goto(f"{hs.base}/#/bed/{BED_ID}")
        page.wait_for_selector("[data-testid=bed-title]", state="visible")
        _wait_js(page, "document.querySelector('#conn').textContent === 'live'", 10_000)
        if hs.window != "auto":
            page.select_option("#window-select", hs.window)
        # the whole history is drawn once the page has loaded it ...
        _wait_js(page, f"window.rsemonDebug.trends({BED_ID!r})?.first_t === 1", 30_000)
        first = _check_whole_history(page, hs)
        # ... and still after new hops arrived, with the rows that came after opening
        after_t = max(opened_at_t, first["last_t"]) + 3 * hs.speed
        _wait_js(
            page,
            f"(window.rsemonDebug.trends({BED_ID!r})?.last_t || 0) > {after_t}",
            timeout=30_000,
        )
        time.sleep(2.5)  # one poll more: the page's series has caught up with the store
        later = _check_whole_history(page, hs)
        assert later["last_t"] > after_t and later["n"] > first["n"]
        assert not errors, errors
