"""``rsemon monitor`` says what matters as it happens, on the clock of the stream.

A seizure recording is streamed at 10x by ``rsemon stream`` in one process and
monitored by ``rsemon monitor`` in another: stderr must carry the seizure's onset and
offset (recording time, channels), every alert transition (exactly those of
``alerts.jsonl``) and the status line; alert ``time``s are ``start + t_s / 10``,
i.e. spaced by t_s/10 in wall time and never in the future. The machine-scope LSL
configuration is inherited from tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from rse_monitor.detectors.alerts import Alert
from rse_monitor.monitoring.console import ConsoleSink
from rse_monitor.monitoring.outputs import wall_clock_start
from rse_monitor.monitoring.session import BedSession, SourceInfo

ROOT = Path(__file__).resolve().parents[2]
SEIZURES_S = ((70.0, 100.0), (150.0, 180.0))
FLAT_S = (115.0, 135.0)
SPEED = 10.0


@pytest.fixture(scope="module")
def seizure_edf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """220 s with generalized seizures at 70-100 s and 150-180 s (channels E01..E19),
    6 electrodes flat at 115-135 s (a signal-quality alert raised and cleared)."""
    import edfio

    from rse_monitor.recordings.synthetic import make_seizure_recording

    rec = make_seizure_recording(duration_s=220.0, seizures=SEIZURES_S, seed=3)
    data = rec.data_uv.copy()
    data[:6, int(FLAT_S[0] * 256) : int(FLAT_S[1] * 256)] = 0.0  # 6 electrodes off
    signals = [
        edfio.EdfSignal(row, 256.0, label=f"E{i + 1:02d}", physical_dimension="uV",
                        physical_range=(-2000.0, 2000.0))
        for i, row in enumerate(data)
    ]  # fmt: skip
    path = tmp_path_factory.mktemp("console") / "seizure.edf"
    edfio.Edf(signals).write(path)
    return path


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RSEMON_LSL_CONFIG"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def run_live(edf: Path, out: Path, *monitor_args: str) -> tuple[str, float, float]:
    """Stream ``edf`` at 10x and monitor it to the end; (stderr, wall start, wall end)."""
    name = f"console-{uuid.uuid4().hex[:8]}"
    log = out.parent / f"{name}.log"
    t0 = time.time()
    monitor = subprocess.Popen(
        [sys.executable, "-m", "rse_monitor.service.cli_live",
         "monitor", "--lsl", name, "--out", str(out),
         "--duration", "60", "--until-end", *monitor_args],
        cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    player = subprocess.Popen(
        [sys.executable, "-m", "rse_monitor.service.cli_live", "stream", str(edf), "--name", name,
         "--speed", str(SPEED), "--wait", "30", "-q"],
        cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip
    try:
        _, err = monitor.communicate(timeout=90)
    finally:
        for p in (player, monitor):
            if p.poll() is None:
                p.kill()
            p.wait()
    assert monitor.returncode == 0, err[-3000:] + log.read_text()[-1000:]
    return err, t0, time.time()


def test_monitor_prints_onset_offset_and_alerts_and_times_honour_speed(
    seizure_edf: Path, tmp_path: Path
) -> None:
    out = tmp_path / "live"
    err, t_start, t_end = run_live(seizure_edf, out)
    lines = err.splitlines()
    prefix = re.compile(r"^\[console-[0-9a-f]{8} \d\d:\d\d:\d\d t=(\d+\.\d) s\] (.*)$")
    events = [(float(m[1]), m[2]) for m in map(prefix.match, lines) if m]
    onsets = [(t, text) for t, text in events if text.startswith("SEIZURE ONSET")]
    offsets = [(t, text) for t, text in events if text.startswith("SEIZURE OFFSET")]
    assert len(onsets) == 2 and len(offsets) == 2, err[-3000:]
    for (on, _), (t_on, on_text), (t_off, off_text) in zip(SEIZURES_S, onsets, offsets,
                                                            strict=True):  # fmt: skip
        onset_s = float(re.search(r"at (\d+\.\d) s", on_text)[1])  # type: ignore[index]
        assert on - 2 <= onset_s <= on + 10, on_text
        assert re.search(r"channels E\d\d", on_text), on_text
        assert re.search(r"channels E\d\d", off_text), off_text
        assert t_on < t_off
    # every alert transition, exactly those of alerts.jsonl, in order
    alerts = [json.loads(s) for s in (out / "alerts.jsonl").read_text().splitlines()]
    printed = [text for _, text in events if text.startswith("ALERT ")]
    assert printed == [
        f"ALERT {a['details']['state']} {a['severity']} {a['kind']}: {a['message']}" for a in alerts
    ]
    raised = [a for a in alerts if a["details"]["state"] == "raised"]
    assert {"seizure_onset", "signal_quality"} <= {a["kind"] for a in raised}, alerts
    assert any("live, t=" in ln for ln in lines)  # the 10-s status line is still there
    # alert times: start + t_s / speed (spaced by t_s/10, none in the future)
    assert len(alerts) >= 2
    a0 = alerts[0]
    for a in alerts[1:]:
        wall = (_iso(a["time"]) - _iso(a0["time"])).total_seconds()
        assert wall == pytest.approx((a["t_s"] - a0["t_s"]) / SPEED, abs=0.002), a
    start = _iso(a0["time"]).timestamp() - a0["t_s"] / SPEED
    assert t_start - 1.0 <= start <= t_start + 30.0
    last = max(_iso(a["time"]).timestamp() for a in alerts)
    assert last <= t_end + 1.0, "an alert time lies in the future: speed ignored"


def test_quiet_monitor_prints_no_clinical_lines(seizure_edf: Path, tmp_path: Path) -> None:
    err, _, _ = run_live(seizure_edf, tmp_path / "quiet", "-q")
    assert "SEIZURE" not in err and "ALERT" not in err and "live, t=" not in err


def test_sinks_take_the_speed_from_the_source() -> None:
    """The sinks' clock: ``start + t_s / speed`` for a source without a date,
    from ``SourceInfo.speed`` or the stream's described speed; EDF dates keep t_s."""
    lines: list[str] = []
    for info, speed in (
        (SourceInfo(256.0, ("C3",), speed=4.0), 4.0),
        (SourceInfo(256.0, ("C3",), description={"speed": 10.0}), 10.0),
        (SourceInfo(256.0, ("C3",), description={"speed": None}), 1.0),
        (SourceInfo(256.0, ("C3",), start_datetime=datetime(2020, 1, 1, tzinfo=UTC),
                    description={"speed": 10.0}), 1.0),
    ):  # fmt: skip
        console = ConsoleSink(lines.append)
        session = BedSession("bed", None, None, [])
        console.start(session, info)
        start, got = wall_clock_start(info)
        assert got == speed and console.speed == speed
        console.write(session, [], [Alert("k", "k", "low", "m", {"state": "raised"}, 100.0)])
        shown = datetime.strptime(lines[-1].split()[1], "%H:%M:%S").time()
        want = (start.timestamp() + 100.0 / speed) % 86400
        local = datetime.fromtimestamp(want).time() if info.start_datetime is None else None
        if local is not None:
            assert (
                abs(
                    (shown.hour * 3600 + shown.minute * 60 + shown.second)
                    - (local.hour * 3600 + local.minute * 60 + local.second)
                )
                % 86400
                <= 1
            )
    assert np.all([ln.endswith("ALERT raised low k: m") for ln in lines])
