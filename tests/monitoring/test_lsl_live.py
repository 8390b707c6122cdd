"""The live path end to end: ``rsemon stream`` in another process, the monitor here.

- A synthetic recording (a generalized seizure, then burst suppression) and, when
  ../shared/data is present, a real seizure recording are streamed faster than real
  time through a real outlet in a subprocess; the live monitor must find the same
  events as offline replay (onsets within 2 s) and the same suppression ratios
  (within 0.02), and the player must send the EDF+ annotations as markers.
- The outlet is killed mid-stream and restarted: ``stream_lost`` then
  ``stream_restored``, no crash, and no hop duplicated or out of order.

The machine-scope LSL configuration is loaded by tests/conftest.py and inherited by
the subprocesses.
"""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from rse_monitor.monitoring.engine import EngineConfig
from rse_monitor.monitoring.live import BedSpec, HopRecord, MultiBedMonitor, run_monitor
from rse_monitor.monitoring.replay import run_replay
from rse_monitor.pipeline.lsl import get_pylsl

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
MICHIGAN = DATA / "michigan_seizure" / "michigan_seizure_500s.edf"

SEIZURE_S = (100.0, 150.0)


@pytest.fixture(scope="module")
def synthetic_edf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 s with a generalized seizure at 100-150 s, then 100 s of burst suppression.

    Channels are written as E01..E19 so the engine analyses them as given: a
    generalized discharge with nearly equal gain on every electrode largely cancels
    in bipolar derivations.
    """
    import edfio

    from rse_monitor.recordings.synthetic import make_burst_suppression, make_seizure_recording

    sz = make_seizure_recording(duration_s=200.0, seizures=(SEIZURE_S,), seed=1)
    bs = make_burst_suppression(duration_s=100.0, suppression_ratio=0.7, seed=2)
    data = np.concatenate([sz.data_uv, bs.data_uv], axis=1)
    signals = [
        edfio.EdfSignal(row, 256.0, label=f"E{i + 1:02d}", physical_dimension="uV",
                        physical_range=(-2000.0, 2000.0))
        for i, row in enumerate(data)
    ]  # fmt: skip
    edf = edfio.Edf(
        signals,
        annotations=[
            edfio.EdfAnnotation(SEIZURE_S[0], SEIZURE_S[1] - SEIZURE_S[0], "seizure"),
            edfio.EdfAnnotation(200.0, None, "burst suppression starts"),
        ],
    )
    path = tmp_path_factory.mktemp("lsl_live") / "synthetic.edf"
    edf.write(path)
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)  # LSLAPICFG set by conftest
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _player(path: Path, name: str, speed: float, log: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "rse_monitor.service.cli_live",
           "stream", str(path), "--name", name,
           "--speed", str(speed), *extra]  # fmt: skip
    return subprocess.Popen(
        cmd, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=log.open("a")
    )


def _trends(path: Path) -> list[dict[str, str]]:
    with (path / "trends.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def _onsets(path: Path) -> list[float]:
    with (path / "events.tsv").open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [float(r["onset"]) for r in rows if r["eventType"] == "sz"]


def _alerts(path: Path) -> list[dict]:
    return [json.loads(line) for line in (path / "alerts.jsonl").read_text().splitlines()]


def _compare_with_replay(replay: Path, live: Path) -> None:
    """Same events (onsets within 2 s) and suppression ratios (within 0.02)."""
    ref, got = _onsets(replay), _onsets(live)
    assert len(ref) >= 1, "replay found no seizure: the recording does not test anything"
    assert len(got) == len(ref), (ref, got)
    for a, b in zip(ref, got, strict=True):
        assert abs(a - b) <= 2.0, (ref, got)
    rows_ref = {r["t_s"]: r for r in _trends(replay)}
    rows_live = _trends(live)
    times = [float(r["t_s"]) for r in rows_live]
    assert all(b > a for a, b in zip(times, times[1:], strict=False)), "hops out of order"
    matched = [(rows_ref[r["t_s"]], r) for r in rows_live if r["t_s"] in rows_ref]
    assert len(matched) >= 0.98 * len(rows_ref), (len(matched), len(rows_ref))
    n_sr = 0
    for a, b in matched:
        sa, sb = a["suppression_ratio"], b["suppression_ratio"]
        assert (sa == "") == (sb == ""), (a["t_s"], sa, sb)
        if sa != "":
            assert abs(float(sa) - float(sb)) <= 0.02, (a["t_s"], sa, sb)
            n_sr += 1
    agree = np.mean([a["ictal"] == b["ictal"] for a, b in matched])
    assert agree >= 0.98
    return n_sr


def test_monitor_matches_replay_on_a_synthetic_recording(
    synthetic_edf: Path, tmp_path: Path
) -> None:
    """CLI on both sides: ``stream`` at 30x in one process, ``monitor`` in another."""
    replay_dir, live_dir = tmp_path / "replay", tmp_path / "live"
    run_replay(synthetic_edf, replay_dir, progress=False)
    name = f"syn-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "procs.log"
    monitor = subprocess.Popen(
        [sys.executable, "-m", "rse_monitor.service.cli_live", "monitor", "--lsl", name, "--out",
         str(live_dir), "--duration", "50", "--until-end", "-q"],
        cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=log.open("a"), text=True,
    )  # fmt: skip
    pylsl = get_pylsl()
    player = _player(synthetic_edf, name, 30.0, log, "--wait", "30", "-q")
    try:
        found = pylsl.resolve_bypred(f"name='{name}-markers'", 1, 15.0)
        assert found, "the player's marker stream did not appear"
        markers = pylsl.StreamInlet(found[0])
        markers.open_stream(timeout=5.0)
        got_markers = []
        deadline = time.monotonic() + 30.0
        while len(got_markers) < 2 and time.monotonic() < deadline:
            sample, ts = markers.pull_sample(timeout=0.5)
            if sample is not None:
                got_markers.append((sample[0], ts))
        out, _ = monitor.communicate(timeout=60)
    finally:
        for p in (player, monitor):
            if p.poll() is None:
                p.kill()
                p.wait()
    assert monitor.returncode == 0, log.read_text()[-2000:]
    assert "1 seizure(s)" in out
    for f in ("events.tsv", "trends.csv", "alerts.jsonl", "summary.json"):
        assert (live_dir / f).is_file()
    summary = json.loads((live_dir / "summary.json").read_text())
    assert summary["final"] and summary["mode"] == "live"
    assert summary["input"]["speed"] == 30.0 and summary["input"]["sfreq_hz"] == 256.0
    n_sr = _compare_with_replay(replay_dir, live_dir)
    assert n_sr > 200
    # the burst-suppression part really is suppressed (the comparison is not vacuous)
    last = _trends(live_dir)[-1]
    assert float(last["suppression_ratio"]) > 0.4
    # EDF+ annotations arrived as markers, spaced by recording time / speed
    assert [m for m, _ in got_markers] == ["seizure", "burst suppression starts"]
    assert got_markers[1][1] - got_markers[0][1] == pytest.approx(100.0 / 30.0, abs=0.05)


@pytest.mark.skipif(not MICHIGAN.is_file(), reason="../shared/data/michigan_seizure is absent")
def test_monitor_matches_replay_on_a_real_seizure(tmp_path: Path) -> None:
    """The Michigan recording (seizure from about 350 s) streamed at 60x."""
    replay_dir, live_dir = tmp_path / "replay", tmp_path / "live"
    run_replay(MICHIGAN, replay_dir, progress=False)
    name = f"mich-{uuid.uuid4().hex[:8]}"
    player = _player(MICHIGAN, name, 60.0, tmp_path / "player.log", "--wait", "30", "-q")
    try:
        summaries = run_monitor([name], live_dir, duration_s=40.0, until_end=True)
    finally:
        if player.poll() is None:
            player.kill()
        player.wait()
    s = summaries[name]
    assert s["input"]["duration_s"] == pytest.approx(500.0)
    replay_summary = json.loads((replay_dir / "summary.json").read_text())
    assert s["input"]["unit_known"] == replay_summary["input"]["unit_known"]
    _compare_with_replay(replay_dir, live_dir)
    onset = _onsets(live_dir)[0]
    assert 345.0 <= onset <= 375.0


def test_outlet_killed_and_restarted(synthetic_edf: Path, tmp_path: Path) -> None:
    """SIGKILL the player mid-stream, start a new one: lost, restored, hops in order."""
    name = f"kill-{uuid.uuid4().hex[:8]}"
    out = tmp_path / "live"
    log = tmp_path / "procs.log"
    records: list[HopRecord] = []
    lock = threading.Lock()

    def on_hop(rec: HopRecord) -> None:
        with lock:
            records.append(rec)

    def wait_for(cond, timeout_s: float, what: str) -> None:  # noqa: ANN001
        deadline = time.monotonic() + timeout_s
        while not cond():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what}: {multi.status()}\n{log.read_text()[-1500:]}"
                )
            time.sleep(0.05)

    multi = MultiBedMonitor(
        [BedSpec("bed1", stream_name=name, out_dir=out)], EngineConfig(),
        on_hop=on_hop, timeout_s=0.2,
        bed_options={"source_options": {"lost_after_s": 2.0, "retry_s": 0.2}},
    )  # fmt: skip
    first = _player(synthetic_edf, name, 10.0, log, "--loop", "-q")
    second = None
    multi.start()
    try:
        mon = None
        wait_for(
            lambda: "bed1" in multi.monitors and multi.monitors["bed1"].n_hops >= 15, 20, "hops"
        )
        mon = multi.monitors["bed1"]
        first.send_signal(signal.SIGKILL)
        first.wait()
        wait_for(lambda: mon.source.n_lost == 1, 10, "stream_lost")
        n_before = mon.n_hops
        t_lost = mon.source.t_next_s
        time.sleep(0.5)
        second = _player(synthetic_edf, name, 10.0, log, "--loop", "-q")
        wait_for(lambda: mon.source.n_restored == 1 and mon.n_hops >= n_before + 15, 20, "restore")
    finally:
        multi.stop()
        summaries = multi.join()
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    # one alert model: stream_lost is raised, then cleared when stream_restored is raised
    changes = [(a["kind"], a["details"]["state"]) for a in _alerts(out)
               if a["kind"].startswith("stream_")]  # fmt: skip
    assert changes[:3] == [
        ("stream_lost", "raised"),
        ("stream_lost", "cleared"),
        ("stream_restored", "raised"),
    ]
    alerts = {a["kind"]: a for a in _alerts(out) if a["details"]["state"] == "raised"}
    assert alerts["stream_lost"]["severity"] == "medium"
    assert alerts["stream_restored"]["severity"] == "low"
    assert alerts["stream_restored"]["t_s"] > alerts["stream_lost"]["t_s"]
    # no hop duplicated or reordered, in the file and as published
    times = [float(r["t_s"]) for r in _trends(out)]
    assert all(b > a for a, b in zip(times, times[1:], strict=False))
    published = [r.hop.t_s for r in records]
    assert all(b > a for a, b in zip(published, published[1:], strict=False))
    assert len(published) == len(times) == summaries["bed1"]["n_hops"]
    assert any(t > t_lost for t in published)  # hops resumed after the outage
    assert summaries["bed1"]["n_engine_errors"] == 0
    assert summaries["bed1"]["stream_events"] == {"stream_lost": 1, "stream_restored": 1}
    lat = [r.latency_s for r in records if math.isfinite(r.pushed_lsl_s)]
    assert lat and min(lat) >= 0.0
