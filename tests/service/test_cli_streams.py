"""``rsemon streams``: what LSL sees under the current configuration.

A real outlet lives in another process (``rsemon stream``); the command runs in a
third. The machine-scope LSL configuration is inherited from tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from rse_monitor.pipeline.lsl import DEFAULT_LSL_CONFIG, get_pylsl

ROOT = Path(__file__).resolve().parents[2]
EDF = ROOT / "recordings" / "rse_seizure_synthetic.edf"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RSEMON_LSL_CONFIG"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _streams(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rse_monitor.service.cli_live", "streams", *args],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_streams_lists_a_live_outlet_one_per_line_and_as_json(tmp_path: Path) -> None:
    name = f"streams-{uuid.uuid4().hex[:8]}"
    player = subprocess.Popen(
        [sys.executable, "-m", "rse_monitor.service.cli_live", "stream", str(EDF), "--name", name,
         "--loop", "-q"],
        cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=(tmp_path / "p.log").open("w"),
    )  # fmt: skip
    try:
        assert get_pylsl().resolve_bypred(f"name='{name}'", 1, 15.0), "the player did not start"
        res = _streams("--timeout", "1")
        listed = json.loads(_streams("--timeout", "1", "--json").stdout)
    finally:
        player.kill()
        player.wait()
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith(name + "\t")]
    assert len(lines) == 1, res.stdout
    fields = lines[0].split("\t")
    assert fields[1:5] == ["type=EEG", f"channels={len(_edf_channels())}", "rate=256 Hz",
                           f"source_id=rsemon-player:{name}"]  # fmt: skip
    assert fields[5].startswith("host=") and fields[5] != "host=-"
    markers = [ln for ln in res.stdout.splitlines() if ln.startswith(f"{name}-markers\t")]
    assert markers and "rate=irregular" in markers[0] and "type=Markers" in markers[0]
    mine = [s for s in listed if s["name"] == name]
    assert len(mine) == 1
    assert mine[0]["type"] == "EEG" and mine[0]["wire_sfreq_hz"] == 256.0
    assert mine[0]["source_id"] == f"rsemon-player:{name}" and mine[0]["hostname"]


def _edf_channels() -> tuple[str, ...]:
    from rse_monitor.pipeline.ingest import EdfSource

    return tuple(EdfSource(EDF).ch_names)


def test_streams_says_when_nothing_is_visible(tmp_path: Path) -> None:
    """An empty session (an unused SessionID in a machine-scope copy): exit 0, one line."""
    empty = tmp_path / "empty.cfg"
    empty.write_text(
        DEFAULT_LSL_CONFIG.read_text().replace("[lab]", f"[lab]\nSessionID = {uuid.uuid4().hex}")
    )
    t = time.monotonic()
    res = _streams("--timeout", "0.3", "--lsl-config", str(empty))
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"no streams visible (scope: machine; config: {empty.resolve()})\n"
    assert time.monotonic() - t < 30
    res = _streams("--timeout", "0.3", "--lsl-config", str(empty), "--json")
    assert res.returncode == 0 and json.loads(res.stdout) == []


def test_streams_rejects_a_bad_timeout() -> None:
    res = _streams("--timeout", "0")
    assert res.returncode == 2
    assert "--timeout" in res.stderr and "must be > 0" in res.stderr
