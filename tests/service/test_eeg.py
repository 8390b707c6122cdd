"""``GET /api/v1/beds/{bed_id}/eeg`` on a real server: known samples of an EDF bed, the
montage choices, the limits, roles, and a live (LSL) bed's stored raw EEG, streamed by
a real outlet in another process, read back before and after a server restart.

The EDF holds, on each of the 19 channels of the 10-20 system, a 10-Hz sine of a known
amplitude ``A_i`` (all in phase), a 50-Hz mains sine and a DC offset: as displayed
(the bed's 0.5-45 Hz band-pass and 50-Hz notch, zero-phase) a channel's half
peak-to-peak is ``A_i`` (referential), ``|A_a - A_b|`` (bipolar pair ``a-b``) and
``A_i - mean(A)`` (common average), within 2 % + 0.2 µV.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from rse_monitor.pipeline.ingest import EdfSource
from rse_monitor.pipeline.preprocess import resolve_montage
from tests.service.conftest import REPO, ServerProcess, bearer, make_tokens, wait_for

API = "/api/v1"
FS = 256.0
DURATION_S = 120.0
LABELS = ("Fp1", "F7", "T3", "T5", "O1", "Fp2", "F8", "T4", "T6", "O2",
          "F3", "C3", "P3", "F4", "C4", "P4", "Fz", "Cz", "Pz")  # fmt: skip
AMPS_UV = 20.0 + 7.0 * np.arange(len(LABELS))


def write_sine_edf(path: Path) -> Path:
    """19 channels: A_i · sin(2π·10 t) + 15 µV of 50 Hz + 200 µV DC."""
    import edfio

    t = np.arange(int(DURATION_S * FS)) / FS
    signals = [
        edfio.EdfSignal(
            a * np.sin(2 * np.pi * 10 * t) + 15 * np.sin(2 * np.pi * 50 * t) + 200,
            FS,
            label=f"EEG {name}",
            physical_dimension="uV",
            physical_range=(-1000.0, 1000.0),
        )  # fmt: skip
        for name, a in zip(LABELS, AMPS_UV, strict=True)
    ]
    edfio.Edf(signals, data_record_duration=1.0).write(path)
    return path


def half_p2p(rows: list[list[float | None]]) -> np.ndarray:
    x = np.array([[np.nan if v is None else v for v in r] for r in rows])
    return (np.nanmax(x, axis=1) - np.nanmin(x, axis=1)) / 2


def expected(montage: str, names: tuple[str, ...]) -> np.ndarray:
    if montage == "referential":
        return AMPS_UV
    if montage == "average":
        return np.abs(AMPS_UV - AMPS_UV.mean())
    pairs = resolve_montage(names)
    assert pairs is not None
    return np.array([abs(AMPS_UV[a] - AMPS_UV[b]) for a, b, _ in pairs])


def close(got: np.ndarray, want: np.ndarray) -> bool:
    return bool((np.abs(got - want) <= 0.02 * want + 0.2).all())


@pytest.fixture(scope="module")
def sine_edf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sine_edf(tmp_path_factory.mktemp("eeg-recordings") / "sines.edf")


@pytest.fixture(scope="module")
def edf_server(tmp_path_factory: pytest.TempPathFactory, sine_edf: Path) -> Any:
    folder = tmp_path_factory.mktemp("eeg-edf")
    srv = ServerProcess(folder / "eeg.sqlite3", sine_edf.parent, folder / "server.log").start()
    tokens = make_tokens(srv.db)
    with httpx.Client(base_url=srv.url, timeout=15.0) as c:
        r = c.post(f"{API}/beds", headers=bearer(tokens["technician"]), json={
            "bed_id": "E", "weight_kg": 70,
            "source": {"kind": "edf", "path": sine_edf.name, "speed": 60},
            "settings": {"notch_hz": 50},
        })  # fmt: skip
        assert r.status_code == 201, r.text
        wait_for(lambda: c.get(f"{API}/beds/E", headers=bearer(tokens["viewer"])).json()["status"]
                 == "finished", timeout_s=60)  # fmt: skip
    yield srv, tokens
    srv.stop(signal.SIGTERM)


def test_edf_bed_gives_its_known_samples_in_each_montage(edf_server: Any, sine_edf: Path) -> None:
    srv, tokens = edf_server
    names = EdfSource(sine_edf).ch_names
    h = bearer(tokens["viewer"])  # a viewer may read the EEG
    with httpx.Client(base_url=srv.url, timeout=15.0) as c:
        for montage in ("referential", "bipolar", "average"):
            r = c.get(f"{API}/beds/E/eeg", headers=h,
                      params={"start_s": 40, "end_s": 50, "montage": montage})  # fmt: skip
            assert r.status_code == 200, r.text
            j = r.json()
            assert j["sfreq_hz"] == FS and j["start_s"] == 40.0 and j["decimation"] is None
            assert len(j["data_uv"]) == len(j["channels"])
            assert all(len(row) == 2560 for row in j["data_uv"])
            got = half_p2p(j["data_uv"])
            assert close(got, expected(montage, names)), (montage, got)
            if montage == "referential":
                assert j["channels"] == list(names) and j["montage"] == "as_recorded"
            elif montage == "bipolar":
                assert j["channels"][:4] == ["FP1-F7", "F7-T7", "T7-P7", "P7-O1"]
                assert len(j["channels"]) == 18 and j["montage"] == "double_banana"
            else:
                assert j["channels"] == [f"{n}-AVG" for n in names]
            assert j["filter"] == {"l_freq_hz": 0.5, "h_freq_hz": 45.0, "notch_hz": 50.0,
                                   "zero_phase": True}  # fmt: skip
        # the bed's default montage is the engine's (bipolar); decimation keeps the peaks
        j = c.get(f"{API}/beds/E/eeg", headers=h,
                  params={"start_s": 40, "end_s": 50, "max_points": 500}).json()  # fmt: skip
        assert j["montage"] == "double_banana" and j["decimation"] == "minmax 11"
        assert all(len(row) <= 500 for row in j["data_uv"])
        assert j["sfreq_hz"] == pytest.approx(FS * 2 / 11)
        assert close(half_p2p(j["data_uv"]), expected("bipolar", names))
        # the very start of the recording: no context before it, still the right answer
        j = c.get(f"{API}/beds/E/eeg", headers=h,
                  params={"start_s": 0, "end_s": 60, "montage": "referential"}).json()  # fmt: skip
        assert len(j["data_uv"][0]) == 60 * 256


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"start_s": 0, "end_s": 61}, 422, "at most 60 s"),
        ({"start_s": 30, "end_s": 30}, 422, "must be after start_s"),
        ({"start_s": 30, "end_s": 20}, 422, "must be after start_s"),
        ({"start_s": "nan", "end_s": 20}, 422, "start_s"),
        ({"start_s": 0, "end_s": 10, "montage": "laplacian"}, 422, "montage"),
        ({"start_s": 500, "end_s": 510}, 404, "no EEG stored between 500 and 510 s"),
    ],
)
def test_refusals_say_why(edf_server: Any, params: dict[str, Any], status: int, words: str) -> None:
    srv, tokens = edf_server
    r = httpx.get(f"{srv.url}{API}/beds/E/eeg", params=params, headers=bearer(tokens["viewer"]))
    assert r.status_code == status, r.text
    assert words in r.text


def test_unknown_bed_and_no_token(edf_server: Any) -> None:
    srv, tokens = edf_server
    q = {"start_s": 0, "end_s": 10}
    r = httpx.get(f"{srv.url}{API}/beds/NOPE/eeg", params=q, headers=bearer(tokens["viewer"]))
    assert r.status_code == 404 and "no active bed" in r.text
    assert httpx.get(f"{srv.url}{API}/beds/E/eeg", params=q).status_code == 401


def test_live_bed_stores_its_raw_eeg_and_keeps_it_across_a_restart(
    tmp_path: Path, sine_edf: Path
) -> None:
    pytest.importorskip("rse_monitor.pipeline.lsl")
    name = f"eeg-store-{uuid.uuid4().hex[:8]}"
    raw = tmp_path / "raw"
    srv = ServerProcess(tmp_path / "live.sqlite3", sine_edf.parent, tmp_path / "server.log",
                        {"RSEMON_RAW_DIR": str(raw), "RSEMON_RAW_RETENTION_H": "1"})  # fmt: skip
    go = tmp_path / "go"
    # 120 s at 10x from a real outlet in another process; no gap, no silence
    outlet = subprocess.Popen(
        [sys.executable, str(REPO / "tests/service/gappy_outlet.py"), name, str(sine_edf),
         "10", "1e9", "0", "1e9", "0", str(go)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        srv.start()
        tokens = make_tokens(srv.db)
        tech, viewer = bearer(tokens["technician"]), bearer(tokens["viewer"])
        with httpx.Client(base_url=srv.url, timeout=15.0) as c:
            r = c.post(f"{API}/beds", headers=tech,
                       json={"bed_id": "L", "weight_kg": 70, "lsl_stream": name})  # fmt: skip
            assert r.status_code == 201, r.text
            wait_for(lambda: "sfreq_hz" in c.get(f"{API}/beds/L", headers=tech).json()["source"]
                     ["info"], timeout_s=20, interval_s=0.05)  # fmt: skip
            go.touch()
            wait_for(lambda: (c.get(f"{API}/beds/L", headers=viewer).json()["position_s"] or 0)
                     >= DURATION_S - 2, timeout_s=60)  # fmt: skip
            q = {"start_s": 20, "end_s": 50, "montage": "referential"}
            before = c.get(f"{API}/beds/L/eeg", headers=viewer, params=q)
            assert before.status_code == 200, before.text
            j = before.json()
            assert j["sfreq_hz"] == FS and j["start_s"] == 20.0
            assert len(j["data_uv"][0]) == 30 * 256
            assert close(half_p2p(j["data_uv"]), AMPS_UV), half_p2p(j["data_uv"])
            far = c.get(f"{API}/beds/L/eeg", headers=viewer,
                        params={"start_s": 5000, "end_s": 5010})  # fmt: skip
            assert far.status_code == 404 and "no EEG stored" in far.text
        assert outlet.wait(timeout=30) == 0, outlet.stdout.read() if outlet.stdout else ""
        files = list(raw.glob("admission-*/*.eeg"))
        assert files and all(f.with_suffix(".json").exists() for f in files)
        size = sum(f.stat().st_size for f in files)
        # 2 bytes a sample, and little else
        assert 19 * 256 * 2 * (DURATION_S - 3) < size < 19 * 256 * 2 * DURATION_S * 1.05
        srv.stop(signal.SIGTERM)
        srv.start()
        with httpx.Client(base_url=srv.url, timeout=15.0) as c:
            after = c.get(f"{API}/beds/L/eeg", headers=viewer, params=q)
            assert after.status_code == 200, after.text
            assert after.json()["data_uv"] == j["data_uv"]
    finally:
        if outlet.poll() is None:
            outlet.kill()
            outlet.wait()
        srv.stop(signal.SIGTERM)


def test_server_prunes_raw_eeg_past_its_retention_at_start(tmp_path: Path, sine_edf: Path) -> None:
    from rse_monitor.monitoring.raw_archive import RawArchive
    from rse_monitor.pipeline.chunk import Chunk

    raw = tmp_path / "raw"
    for folder in ("admission-98", "admission-99"):
        arc = RawArchive(raw / folder)
        arc.append(Chunk(np.zeros((2, 256)), 0.0, FS, ("C3", "C4")))
        arc.close()
    old = raw / "admission-99" / "0000000-0.eeg"
    past = time.time() - 3 * 3600
    os.utime(old, (past, past))
    srv = ServerProcess(tmp_path / "p.sqlite3", sine_edf.parent, tmp_path / "server.log",
                        {"RSEMON_RAW_DIR": str(raw), "RSEMON_RAW_RETENTION_H": "2"})  # fmt: skip
    try:
        srv.start()
        assert not old.exists() and not (raw / "admission-99").exists()
        assert (raw / "admission-98" / "0000000-0.eeg").exists()
    finally:
        srv.stop(signal.SIGTERM)
