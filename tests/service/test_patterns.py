"""ACNS pattern episodes in the service (issue 14): stored per bed, ``GET
/api/v1/beds/{id}/patterns``, and the bed page's episode list with its jump to the
EEG viewer -- on a real server (``rsemon serve`` in a subprocess, real SQLite) and
real headless Chromium.

The recording is synthetic with a known answer: 240 s of 20 µV background with
lateralized rhythmic delta (LRDA, 1.5 Hz, 150 µV, focus T3) from 60 to 180 s
(:mod:`recordings.synthetic.patterns`). The engine judges 10-s windows after 2 s of
filter settling, so the episode starts at the first window holding the LRDA
(62-72 s) and ends at the end of the last (≤ 12 s after 180 s). The bed's episodes
must equal the ``events.tsv`` pattern rows ``rsemon replay`` writes for the same
file (one bed, one path).
"""

from __future__ import annotations

import csv
import math
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import ServerProcess, bearer, make_tokens

BED_ID = "ICU-LRDA"
LRDA_S = (60.0, 180.0)
LRDA_HZ = 1.5
DURATION_S = 240.0
SPEED = 20.0
API = "/api/v1"


def _write_lrda_edf(folder: Path) -> Path:
    from rse_monitor.recordings.synthetic import make_pattern_recording
    from rse_monitor.recordings.synthetic.pattern_io import write_pattern_edf
    from rse_monitor.recordings.synthetic.patterns import RhythmicDelta

    comp = RhythmicDelta(*LRDA_S, LRDA_HZ, focus="T3", amplitude_uv=150.0)
    rec = make_pattern_recording(DURATION_S, [comp], 256.0, seed=3, amplitude_uv=20.0)
    edf, _ = write_pattern_edf(rec, folder / "lrda.edf")
    return edf


@dataclass
class PatternBed:
    srv: ServerProcess
    tokens: dict[str, str]
    edf: Path
    #: every open episode seen while the bed ran
    seen_open: list[dict[str, Any]]

    @property
    def base(self) -> str:
        return self.srv.url

    def get(self, path: str, role: str = "viewer", **params: Any) -> httpx.Response:
        h = bearer(self.tokens[role]) if role else {}
        return httpx.get(self.base + API + path, headers=h, params=params, timeout=30)


@pytest.fixture(scope="module")
def bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PatternBed]:
    folder = tmp_path_factory.mktemp("patterns_api")
    edf = _write_lrda_edf(folder)
    srv = ServerProcess(folder / "p.sqlite3", folder, folder / "server.log")
    srv.start()
    try:
        tokens = make_tokens(srv.db)
        r = httpx.post(
            srv.url + API + "/beds",
            headers=bearer(tokens["clinician"]),
            json={
                "bed_id": BED_ID,
                "weight_kg": 70,
                "source": {"kind": "edf", "path": str(edf), "speed": SPEED},
            },
            timeout=30,
        )
        assert r.status_code == 201, r.text
        pb = PatternBed(srv, tokens, edf, [])
        deadline = time.monotonic() + 120
        while True:  # poll the episodes as the bed runs, until its file is done
            eps = pb.get(f"/beds/{BED_ID}/patterns").json()["data"]
            pb.seen_open += [e for e in eps if e["open"]]
            if pb.get(f"/beds/{BED_ID}").json()["status"] == "finished":
                break
            assert time.monotonic() < deadline, "the bed did not finish its file"
            time.sleep(0.2)
        yield pb
    finally:
        srv.stop(signal.SIGTERM)


def _replay_rows(edf: Path, out: Path) -> list[dict[str, str]]:
    from rse_monitor.monitoring.replay import run_replay

    run_replay(edf, out, progress=False)
    with (out / "events.tsv").open() as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [r for r in rows if r["eventType"] not in ("sz", "bckg")]


def test_the_lrda_episode_is_stored_with_its_known_answer(bed: PatternBed, tmp_path: Path) -> None:
    r = bed.get(f"/beds/{BED_ID}/patterns")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["bed_id"] == BED_ID and body["count"] == len(body["data"]) == 1, body
    (ep,) = body["data"]
    assert ep["term"] == "LRDA" and ep["event_type"] == "lrda"
    assert LRDA_S[0] + 2.0 <= ep["onset_s"] <= LRDA_S[0] + 12.0
    assert LRDA_S[1] <= ep["offset_s"] <= LRDA_S[1] + 12.0
    assert ep["duration_s"] == pytest.approx(ep["offset_s"] - ep["onset_s"])
    assert ep["frequency_hz"] == pytest.approx(LRDA_HZ, abs=0.1)
    assert not ep["open"] and isinstance(ep["iic"], bool)
    # left temporal focus (T3 is T7 in the engine's montage names)
    assert {"F7-T7", "T7-P7"} <= set(ep["channels"]), ep["channels"]
    assert not any(c.startswith(("F8", "T8", "FP2-F8")) for c in ep["channels"][:2])

    # while it lasted the API served it as open (from the bed's session), with the
    # same onset and a duration that only grew up to the stored one
    assert bed.seen_open, "no open episode was ever served while the bed ran"
    assert {e["onset_s"] for e in bed.seen_open} == {ep["onset_s"]}
    assert all(e["offset_s"] is None and e["term"] == "LRDA" for e in bed.seen_open)
    durations = [e["duration_s"] for e in bed.seen_open]
    assert durations == sorted(durations) and durations[-1] <= ep["duration_s"] + 1e-9

    # one bed, one path: the stored episode is the replay's events.tsv pattern row
    (row,) = _replay_rows(bed.edf, tmp_path / "replay")
    assert row["eventType"] == ep["event_type"]
    assert float(row["onset"]) == pytest.approx(ep["onset_s"], abs=1e-3)
    assert float(row["duration"]) == pytest.approx(ep["duration_s"], abs=1e-3)
    assert float(row["frequency_hz"]) == pytest.approx(ep["frequency_hz"], abs=0.005)
    assert row["channels"].split(",") == ep["channels"][:8]


def test_span_limit_roles_and_errors(bed: PatternBed) -> None:
    (ep,) = bed.get(f"/beds/{BED_ID}/patterns").json()["data"]
    on, off = ep["onset_s"], ep["offset_s"]

    def n(**params: Any) -> int:
        r = bed.get(f"/beds/{BED_ID}/patterns", **params)
        assert r.status_code == 200, r.text
        return int(r.json()["count"])

    # overlap with [start_s, end_s]: touching counts, disjoint does not
    assert n(start_s=off) == 1 and n(start_s=off + 0.5) == 0
    assert n(end_s=on) == 1 and n(end_s=on - 0.5) == 0
    assert n(start_s=on + 10, end_s=on + 20) == 1
    assert n(start_s=0, end_s=on - 1) == 0
    assert n(limit=1) == 1
    # every role may read; no token may not
    for role in ("viewer", "technician", "clinician", "admin"):
        assert bed.get(f"/beds/{BED_ID}/patterns", role).status_code == 200
    assert bed.get(f"/beds/{BED_ID}/patterns", "").status_code == 401
    assert bed.get("/beds/NO-SUCH-BED/patterns").status_code == 404
    for bad in (
        {"start_s": 10, "end_s": 5},
        {"start_s": "nan"},
        {"end_s": "inf"},
        {"limit": 0},
        {"limit": 10001},
        {"start_s": "soon"},
    ):
        r = bed.get(f"/beds/{BED_ID}/patterns", **bad)
        assert r.status_code == 422, (bad, r.status_code, r.text)


def test_episodes_survive_a_restart(bed: PatternBed) -> None:
    """Stored in SQLite: a second server on the same file serves the same episode."""
    before = bed.get(f"/beds/{BED_ID}/patterns").json()["data"]
    bed.srv.stop(signal.SIGTERM)
    bed.srv.start()
    after = bed.get(f"/beds/{BED_ID}/patterns").json()["data"]
    assert [e for e in after if not e["open"]] == before


@pytest.mark.browser
@pytest.mark.slow
def test_an_episode_opens_the_eeg_at_its_onset(bed: PatternBed) -> None:
    from tests.service.test_page import _sign_in, _wait_js, browser_page, vermillion_pixels

    (ep,) = [e for e in bed.get(f"/beds/{BED_ID}/patterns").json()["data"] if not e["open"]]
    status = "document.querySelector('[data-testid=eeg-status]')"
    with browser_page(height=1400) as (page, errors):
        _sign_in(page, bed.base, bed.tokens["viewer"])
        page.goto(f"{bed.base}/#/bed/{BED_ID}")
        page.wait_for_selector("[data-testid=bed-title]", state="visible")
        item = page.locator("[data-testid=pattern-episode]")
        item.first.wait_for(timeout=20_000)
        assert item.count() == 1
        text = item.first.inner_text()
        assert text.startswith("LRDA") and "1.5 Hz" in text and "F7-T7" in text, text
        assert page.locator("[data-testid=no-episodes]").is_hidden()
        # the viewer first shows the latest page; the episode's button moves it
        _wait_js(page, f"Number({status}.dataset.channels || 0) > 0", 20_000)
        item.first.locator("[data-testid=episode-eeg]").click()
        want = max(0.0, ep["onset_s"] - 3.0)
        _wait_js(page, f"Math.abs(Number({status}.dataset.start) - {want}) < 1e-6 && "
                       f"Number({status}.dataset.channels) > 0", 20_000)  # fmt: skip
        st = dict(page.evaluate(f"Object.assign({{}}, {status}.dataset)"))
        assert float(st["onset"]) == pytest.approx(ep["onset_s"])
        assert st["montage"] == "double_banana"
        assert set(st["highlighted"].split(",")) == set(ep["channels"])
        # the highlighted traces are drawn in vermillion (#D55E00)
        assert vermillion_pixels(page) > 200
        assert math.isfinite(float(st["start"]))
        assert not errors, errors
