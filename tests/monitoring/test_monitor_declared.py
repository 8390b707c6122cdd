"""Channel names and units declared for a stream without metadata.

``LslSource(ch_names=..., units=...)`` against a real outlet without a description
(in this process), and ``rsemon monitor --channels ... --units ...`` against an
``rsemon stream`` outlet in another process. The machine-scope LSL configuration is
loaded by tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from rse_monitor.pipeline.lsl import LslSource, get_pylsl

ROOT = Path(__file__).resolve().parents[2]
pylsl = get_pylsl()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RSEMON_LSL_CONFIG"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_source_checks_the_declared_names_and_unit() -> None:
    with pytest.raises(ValueError, match="units must be a volt unit"):
        LslSource("x", units="counts")
    with pytest.raises(ValueError, match="distinct, got Cz twice"):
        LslSource("x", ch_names=["Cz", "Fp1", "Cz"])
    with pytest.raises(ValueError, match="non-empty"):
        LslSource("x", ch_names=["Cz", " "])
    with pytest.raises(TypeError, match="sequence of str"):
        LslSource("x", ch_names="Cz,Fp1")  # type: ignore[arg-type]


def test_declared_names_and_unit_apply_to_a_bare_stream() -> None:
    name = f"bare-{uuid.uuid4().hex[:8]}"
    outlet = pylsl.StreamOutlet(pylsl.StreamInfo(name, "EEG", 3, 100.0, pylsl.cf_float32, name))
    wrong = LslSource(name, ch_names=["Fp1", "Cz"], resolve_timeout_s=0.5)
    with pytest.raises(TimeoutError):  # two names for three channels: the stream is not used
        wrong.open(timeout_s=1.0)
    src = LslSource(name, ch_names=["Fp1", "Cz", "O2"], units="mV")
    info = src.open(timeout_s=5.0)
    assert info.ch_names == ("Fp1", "Cz", "O2") and info.units == ("mV",) * 3
    assert info.unit_known and info.warnings == ()
    t0 = pylsl.local_clock()
    data = np.tile(np.array([[0.5, -1.0, 2.0]], dtype=np.float32), (20, 1))
    outlet.push_chunk(data, timestamp=t0)
    got, deadline = [], time.monotonic() + 5.0
    while sum(c.shape[1] for c in got) < 20 and time.monotonic() < deadline:
        chunk = src.pull(timeout_s=0.2).chunk
        if chunk is not None:
            got.append(chunk.data_uv)
    np.testing.assert_allclose(np.concatenate(got, axis=1)[:, 0], [500.0, -1000.0, 2000.0])
    src.close()
    del outlet


def _edf(tmp_path: Path) -> Path:
    import edfio

    from rse_monitor.recordings.synthetic import make_seizure_recording

    rec = make_seizure_recording(duration_s=60.0, seizures=(), seed=5)
    signals = [
        edfio.EdfSignal(row, 256.0, label=f"E{i + 1:02d}", physical_dimension="uV",
                        physical_range=(-2000.0, 2000.0))
        for i, row in enumerate(rec.data_uv[:4])
    ]  # fmt: skip
    path = tmp_path / "four.edf"
    edfio.Edf(signals).write(path)
    return path


def _monitor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rse_monitor.service.cli_live", "monitor", *args],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_monitor_applies_channels_and_units_and_refuses_a_wrong_count(tmp_path: Path) -> None:
    name = f"declared-{uuid.uuid4().hex[:8]}"
    player = subprocess.Popen(
        [sys.executable, "-m", "rse_monitor.service.cli_live",
         "stream", str(_edf(tmp_path)), "--name", name,
         "--speed", "10", "--loop", "-q"],
        cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert pylsl.resolve_bypred(f"name='{name}'", 1, 15.0), "the player did not start"
        bad = _monitor("--lsl", name, "--out", str(tmp_path / "bad"), "--duration", "5",
                       "--channels", "Fp1,Fp2,C3")  # fmt: skip
        out = tmp_path / "live"
        res = _monitor("--lsl", name, "--out", str(out), "--duration", "4", "-q",
                       "--channels", "Fp1, Fp2,C3,C4", "--units", "mV")  # fmt: skip
    finally:
        player.kill()
        player.wait()
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1] == (
        f"rsemon monitor: --channels gives 3 names but LSL stream '{name}' has 4 channels"
    )
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["input"]["channels"] == ["Fp1", "Fp2", "C3", "C4"]
    assert summary["input"]["units"] == ["mV"] * 4
    assert summary["settings"]["channels"]  # the engine ran on the declared montage
    for flag, value, what in (("--units", "counts", "invalid choice"),
                              ("--channels", "Fp1,,C3", "comma-separated"),
                              ("--channels", "Fp1,Fp1", "distinct")):  # fmt: skip
        res = _monitor("--lsl", name, flag, value)
        assert res.returncode == 2 and what in res.stderr, res.stderr
