"""``rsemon replay`` as a user runs it: the four files of the contract, and one-line errors."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import edfio
import numpy as np
import pytest

from rse_monitor.detectors.burst import DEPTHS
from rse_monitor.monitoring.replay import run_replay
from rse_monitor.recordings.synthetic import make_burst_suppression

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
MICHIGAN = DATA / "michigan_seizure" / "michigan_seizure_500s.edf"
EVENTS_HEADER = (
    "onset\tduration\teventType\tconfidence\tchannels\tdateTime\trecordingDuration\tfrequency_hz"
)
TREND_REQUIRED = ("suppression_ratio", "line_length", "coherence", "ictal", "depth")
ALERT_KEYS = {"id", "bed_id", "time", "t_s", "kind", "severity", "message", "details",
              "acked_by", "acked_at"}  # fmt: skip


def rsemon(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "rse_monitor.service.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def write_bed_edf(path: Path, duration_s: float = 120.0) -> Path:
    """A 19-channel 10-20 EDF+ (burst suppression, µV) plus an ECG channel."""
    rec = make_burst_suppression(duration_s, suppression_ratio=0.7, seed=41)
    signals = [
        edfio.EdfSignal(row, sampling_frequency=rec.sfreq_hz, label=f"EEG {name}-REF",
                        physical_dimension="uV", physical_range=(-1000, 1000))
        for name, row in zip(rec.ch_names, rec.data_uv, strict=True)
    ]  # fmt: skip
    ecg = 500 * np.sin(2 * np.pi * 1.2 * np.arange(rec.n_samples) / rec.sfreq_hz)
    signals.append(
        edfio.EdfSignal(ecg, sampling_frequency=rec.sfreq_hz, label="ECG",
                        physical_dimension="uV", physical_range=(-1000, 1000))
    )  # fmt: skip
    edfio.Edf(signals, annotations=[edfio.EdfAnnotation(1.0, None, "start")]).write(path)
    return path


def check_outputs(out: Path, n_hops: int) -> dict:
    assert sorted(p.name for p in out.iterdir()) == [
        "alerts.jsonl", "events.tsv", "summary.json", "trends.csv",
    ]  # fmt: skip
    lines = (out / "events.tsv").read_text().splitlines()
    assert lines[0] == EVENTS_HEADER
    rows = [line.split("\t") for line in lines[1:]]
    seizures = [cells for cells in rows if cells[2] == "sz"]
    for cells in rows:
        assert len(cells) == 8 and float(cells[0]) >= 0 and float(cells[1]) > 0
        # SzCORE: seizures are "sz"; ACNS pattern episodes their lower-case term with a
        # frequency; a record without any event has one "bckg" row
        if re.fullmatch(r"(g|l|bi|ui|mf)(pd|rda|sw)", cells[2]):
            assert 0.2 < float(cells[7]) < 10.0, cells
        else:
            assert cells[2] == "sz" or (cells[2] == "bckg" and len(rows) == 1), cells
            assert cells[7] == "n/a"
    with (out / "trends.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    assert header[0] == "t_s" and set(TREND_REQUIRED) <= set(header)
    assert len(rows) - 1 == n_hops
    times = [float(r[0]) for r in rows[1:]]
    assert all(0 < b - a <= 1.0 + 1e-9 for a, b in zip(times, times[1:], strict=False))
    col = {name: header.index(name) for name in TREND_REQUIRED}
    for r in rows[1:]:
        assert r[col["ictal"]] in ("0", "1")
        assert r[col["depth"]] in DEPTHS
        if r[col["suppression_ratio"]]:
            assert 0.0 <= float(r[col["suppression_ratio"]]) <= 1.0
    for line in (out / "alerts.jsonl").read_text().splitlines():
        alert = json.loads(line)
        assert set(alert) == ALERT_KEYS and alert["severity"] in ("low", "medium", "high")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["version"] and summary["software"] == "rse-monitor"
    assert summary["n_hops"] == n_hops
    assert summary["n_alerts"] == len((out / "alerts.jsonl").read_text().splitlines())
    assert summary["n_seizures"] == len(seizures)
    assert summary["settings"]["window_s"] == 2.0
    return summary


def test_replay_michigan_from_the_command_line(tmp_path: Path) -> None:
    if not MICHIGAN.exists():
        pytest.skip(f"shared data absent: {MICHIGAN}")
    out = tmp_path / "mich"
    proc = rsemon("replay", str(MICHIGAN), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "100.0%" in proc.stderr and "real time" in proc.stderr  # the progress bar
    summary = check_outputs(out, n_hops=499)
    assert summary["settings"]["montage"] == "as_given"
    assert summary["settings"]["coherence_pairs"] == "neighbouring"
    assert summary["input"]["n_eeg_channels"] == 31
    assert summary["input"]["duration_s"] == 500.0


def test_replay_a_bed_edf(tmp_path: Path) -> None:
    path = write_bed_edf(tmp_path / "bed.edf")
    out = tmp_path / "out"
    summary = run_replay(path, out, progress=False)
    summary = check_outputs(out, n_hops=119)
    assert summary["settings"]["montage"] == "double_banana"
    assert summary["settings"]["channels"][0] == "FP1-F7"
    assert summary["input"]["channels_set_aside"] == ["ECG"]
    assert summary["input"]["sfreq_hz"] == 256.0
    with (out / "trends.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    late = [float(r["suppression_ratio"]) for r in rows if float(r["t_s"]) >= 60]
    assert min(late) > 0.4  # a burst-suppression record reads as such


def test_default_output_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_bed_edf(tmp_path / "short.edf", duration_s=20.0)
    monkeypatch.chdir(tmp_path)
    run_replay(path, progress=False)
    assert (tmp_path / "out" / "short" / "trends.csv").exists()


def one_line_failure(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_bad_inputs_fail_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty.edf").write_bytes(b"")
    rng = np.random.default_rng(0)
    (tmp_path / "garbage.edf").write_bytes(rng.integers(0, 256, 4000, dtype=np.uint8).tobytes())
    good = write_bed_edf(tmp_path / "good.edf", duration_s=10.0).read_bytes()
    gap = bytearray(good)
    at, tal = gap.find(b"EDF+C"), gap.find(b"+3\x14\x14")
    assert at > 0 and tal > 0
    gap[at : at + 5] = b"EDF+D"
    gap[tal : tal + 2] = b"+8"  # data record 3 starts at 8 s: a gap
    (tmp_path / "gap.edf").write_bytes(bytes(gap))
    (tmp_path / "folder.edf").mkdir()
    expected = {
        "empty.edf": "0 bytes",
        "garbage.edf": "not an EDF or BDF",
        "gap.edf": "EDF+D",
        "folder.edf": "directory",
    }
    for name, words in expected.items():
        proc = rsemon("replay", str(tmp_path / name), "--out", str(tmp_path / "o"))
        line = one_line_failure(proc)
        assert words in line and name in line
    assert not (tmp_path / "o").exists()  # nothing written for a refused input


def test_missing_file_fails_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from rse_monitor.service.cli import main

    assert main(["replay", str(tmp_path / "missing.edf")]) != 0
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "no such file" in err


def test_replay_of_the_bundled_seizure_recording_finds_its_truth(tmp_path: Path) -> None:
    """The README's bundled recording: both seizures found, clinical alerts alongside."""
    import json

    from rse_monitor.detectors.annotations import read_events_tsv
    from rse_monitor.monitoring.replay import run_replay

    rec = ROOT / "recordings" / "rse_seizure_synthetic.edf"
    truth, _ = read_events_tsv(ROOT / "recordings" / "rse_seizure_synthetic_events.tsv")
    summary = run_replay(rec, tmp_path, progress=False)
    found, duration = read_events_tsv(tmp_path / "events.tsv")
    assert duration == 600.0 and summary["n_seizures"] == len(truth) == 2
    for ref, hyp in zip(truth, found, strict=True):
        assert abs(hyp.onset_s - ref.onset_s) <= 10.0
        assert abs(hyp.offset_s - ref.offset_s) <= 15.0
    alerts = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    assert [a["id"] for a in alerts] == list(range(1, len(alerts) + 1))
    # as a bed in the service: one seizure alert for the cluster (the second seizure
    # starts within 5 min of the first), carrying the detector's own onset
    onsets = [a for a in alerts if a["kind"] == "seizure_onset"]
    assert len(onsets) == 1 and 150 <= onsets[0]["t_s"] <= 165
    assert onsets[0]["details"]["state"] == "raised"
    assert abs(onsets[0]["details"]["eeg"]["onset_s"] - 150.0) <= 10.0
    # the clinical layer ran too: 5 min of seizure activity in one episode → t1 crossed
    t1 = [a for a in alerts if a["kind"] == "t1_crossed"]
    assert len(t1) == 1 and t1[0]["t_s"] >= 150 + 300 and t1[0]["severity"] == "medium"
