"""Admission refuses a file that cannot be analysed, with the reason replay gives."""

from __future__ import annotations

from pathlib import Path

import edfio
import numpy as np
import pytest
from fastapi.testclient import TestClient

from rse_monitor.monitoring.replay import run_replay
from rse_monitor.service.main import create_app
from rse_monitor.service.settings import Settings
from tests.service.conftest import bearer, make_tokens

API = "/api/v1"


def _edf(path: Path, sfreq_hz: float, duration_s: float) -> Path:
    rng = np.random.default_rng(0)
    n = int(sfreq_hz * duration_s)
    signals = [
        edfio.EdfSignal(rng.normal(0, 10, n), sampling_frequency=sfreq_hz, label=f"EEG {ch}",
                        physical_dimension="uV", physical_range=(-3000.0, 3000.0))
        for ch in ("Fp1", "F3", "C3", "P3")
    ]  # fmt: skip
    edfio.Edf(signals).write(path)
    return path


def _nan_record_duration(path: Path) -> Path:
    _edf(path, 256.0, 100.0)
    raw = bytearray(path.read_bytes())
    raw[244:252] = b"nan     "  # the header's record duration field
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("make", [
    lambda d: _edf(d / "one_hz.edf", 1.0, 600.0),
    lambda d: _nan_record_duration(d / "nan_duration.edf"),
], ids=["1-Hz rate", "NaN record duration"])  # fmt: skip
def test_a_file_replay_refuses_is_refused_at_admission_with_the_same_reason(
    tmp_path: Path, make: object
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(Exception) as replay_error:
        run_replay(path, out_dir=tmp_path / "out", progress=False)
    reason = str(replay_error.value).splitlines()[0]
    db = tmp_path / "adm.sqlite3"
    h = bearer(make_tokens(db)["admin"])
    with TestClient(create_app(Settings(db=str(db), recordings_dirs=[tmp_path]))) as c:
        r = c.post(f"{API}/beds", headers=h,
                   json={"bed_id": "x", "weight_kg": 70, "edf_path": path.name})  # fmt: skip
        assert r.status_code == 422, r.text
        assert r.json()["detail"] == reason
        assert c.get(f"{API}/beds", headers=h).json()["count"] == 0
        assert c.get("/health").json()["status"] == "ok"
