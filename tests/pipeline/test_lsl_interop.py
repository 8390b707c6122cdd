"""Other LSL programs on this machine see our streams, and we see theirs.

The bundled configuration keeps discovery on this machine in LSL's *default*
session (no private ``SessionID``). Here the other program is a separate process
that does not import the project and does not use its file: a plain pylsl outlet,
mne-lsl's ``PlayerLSL`` and mne-lsl's ``StreamLSL`` (mne-lsl ships its own liblsl,
1.17). Each runs under ``FOREIGN_CFG`` through its own ``LSLAPICFG``: liblsl's
defaults (default session, default port range of 32 ports with random ports allowed)
narrowed to this machine (``ResolveScope = machine``, ``KnownPeers = {127.0.0.1}``,
IPv6 off, listening on 127.0.0.1), which :func:`check_machine_scope` accepts; so no
process of these tests sends discovery beyond 127.0.0.1. With a private session on
either side, nothing would be found.

This test process uses the bundled file (tests/conftest.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from rse_monitor.pipeline.lsl import LslSource, check_machine_scope, get_pylsl, list_streams

ROOT = Path(__file__).resolve().parents[2]
EDF = ROOT / "recordings" / "rse_seizure_synthetic.edf"

FOREIGN_CFG = """\
; another LSL program's configuration: liblsl defaults, narrowed to this machine
[multicast]
ResolveScope = machine
Interfaces = {127.0.0.1}
ListenAddress = 127.0.0.1
[lab]
KnownPeers = {127.0.0.1}
[ports]
IPv6 = disable
"""

pytest.importorskip("mne_lsl")


@pytest.fixture
def foreign(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The other program's config file and environment (no project on its path)."""
    cfg = tmp_path / "foreign_lsl_api.cfg"
    cfg.write_text(FOREIGN_CFG)
    settings = check_machine_scope(cfg)  # the other process stays on this machine too
    assert settings["sessionid"] == "default"
    env = {k: v for k, v in os.environ.items()
           if k not in ("LSLAPICFG", "RSEMON_LSL_CONFIG", "PYTHONPATH")}  # fmt: skip
    env["LSLAPICFG"] = str(cfg)
    return cfg, env


def _start(code: str, env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=cwd, env=env, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
    )  # fmt: skip
    seen = []
    while proc.stdout is not None and len(seen) < 50:  # mne prints what it reads first
        seen.append(proc.stdout.readline())
        if seen[-1].startswith("READY") or not seen[-1]:
            break
    assert seen and seen[-1].startswith("READY"), f"{seen!r}\n{log.read_text()[-2000:]}"
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


def _loaded(log: Path, cfg: Path) -> bool:
    return f"Configuration loaded from {cfg}" in log.read_text()


def _pull(src: LslSource, n: int, timeout_s: float = 10.0) -> np.ndarray:
    parts, got = [], 0
    deadline = time.monotonic() + timeout_s
    while got < n and time.monotonic() < deadline:
        chunk = src.pull(timeout_s=0.2).chunk
        if chunk is not None:
            parts.append(chunk.data_uv)
            got += chunk.n_samples
    assert got >= n, f"received {got} of {n} samples"
    return np.concatenate(parts, axis=1)


def test_a_plain_pylsl_outlet_elsewhere_is_listed_and_read(
    foreign: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    cfg, env = foreign
    name = f"vendor-{uuid.uuid4().hex[:8]}"
    code = f"""
import sys, time, threading, pylsl
info = pylsl.StreamInfo({name!r}, "EEG", 3, 100.0, pylsl.cf_float32, "vendor-amp-1")
ch = info.desc().append_child("channels")
for lab in ("Fp1", "Cz", "O2"):
    c = ch.append_child("channel"); c.append_child_value("label", lab)
    c.append_child_value("unit", "microvolts"); c.append_child_value("type", "EEG")
outlet = pylsl.StreamOutlet(info)
print("READY", flush=True)
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
k = 0
while not done.wait(0.01) and k < 6000:
    outlet.push_sample([float(k), 1000.0 + k, 2000.0 + k]); k += 1
"""
    log = tmp_path / "vendor.log"
    proc = _start(code, env, tmp_path, log)
    try:
        listed = [s for s in list_streams(2.0) if s["name"] == name]
        assert len(listed) == 1, list_streams(1.0)
        assert listed[0]["source_id"] == "vendor-amp-1" and listed[0]["n_channels"] == 3
        src = LslSource(name)
        info = src.open(timeout_s=10.0)
        assert info.ch_names == ("Fp1", "Cz", "O2") and info.unit_known
        data = _pull(src, 50)
        np.testing.assert_allclose(data[1] - data[0], 1000.0)
        src.close()
    finally:
        _stop(proc)
    assert _loaded(log, cfg), log.read_text()[-1000:]


def test_an_mne_lsl_player_elsewhere_is_read(
    foreign: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    cfg, env = foreign
    name = f"mnelsl-{uuid.uuid4().hex[:8]}"
    code = f"""
import sys
from mne_lsl.player import PlayerLSL
player = PlayerLSL({str(EDF)!r}, chunk_size=16, name={name!r}, source_id="mne-lsl-player")
player.start()
print("READY", flush=True)
sys.stdin.read()
player.stop()
"""
    log = tmp_path / "mne_player.log"
    proc = _start(code, env, tmp_path, log)
    try:
        listed = [s for s in list_streams(2.0) if s["name"] == name]
        assert len(listed) == 1 and listed[0]["source_id"] == "mne-lsl-player"
        src = LslSource(name)
        info = src.open(timeout_s=10.0)
        assert len(info.ch_names) >= 8 and info.sfreq_hz > 0
        data = _pull(src, int(info.sfreq_hz))  # one second of EEG
        assert np.isfinite(data).all() and data.std() > 0
        src.close()
    finally:
        _stop(proc)
    assert _loaded(log, cfg), log.read_text()[-1000:]


def test_our_outlet_is_read_by_mne_lsl_elsewhere(
    foreign: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    cfg, env = foreign
    pylsl = get_pylsl()
    name = f"ours-{uuid.uuid4().hex[:8]}"
    info = pylsl.StreamInfo(name, "EEG", 2, 100.0, pylsl.cf_float32, f"{name}-src")
    outlet = pylsl.StreamOutlet(info)
    code = f"""
import time
from mne_lsl.stream import StreamLSL
stream = StreamLSL(bufsize=2.0, name={name!r}).connect(timeout=10)
print("READY", stream.info["sfreq"], len(stream.ch_names), flush=True)
deadline = time.monotonic() + 10
while stream.n_new_samples < 20 and time.monotonic() < deadline:
    time.sleep(0.05)
print("SAMPLES", stream.n_new_samples, flush=True)
stream.disconnect()
"""
    log = tmp_path / "mne_stream.log"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=log.open("w"), text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        k = 0
        while proc.poll() is None and time.monotonic() < deadline:
            outlet.push_sample([float(k), -float(k)])
            k += 1
            time.sleep(0.01)
        out = proc.stdout.read() if proc.stdout else ""
    finally:
        _stop(proc)
        del outlet
    assert "READY 100.0 2" in out, log.read_text()[-2000:]
    n = int(out.split("SAMPLES")[1].split()[0])
    assert n >= 20
    assert _loaded(log, cfg), log.read_text()[-1000:]
