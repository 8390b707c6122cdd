"""``rsemon validate``: discovery, Dask tasks, failures, resume, scores, and the CLI.

Real parts throughout: short synthetic EDFs with known seizures (2.5 min each,
``recordings.synthetic.write_seizure_edf``) and their reference events TSVs, a real
``distributed.LocalCluster`` with two worker processes (started once for the
module and reached by its scheduler address, the ``--scheduler`` path), and the
real command line in a subprocess (its embedded cluster, the default path).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rse_monitor.detectors.annotations import read_events_tsv
from rse_monitor.detectors.scoring import (
    score_events,
    score_main,
    score_many,
    score_samples,
    score_samples_many,
)
from rse_monitor.monitoring.settings import BedSettings
from rse_monitor.monitoring.validate import DatasetError, discover, run_validate
from rse_monitor.monitoring.validate.tasks import output_paths
from rse_monitor.recordings.synthetic import write_seizure_edf

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
MICHIGAN = DATA / "michigan_seizure" / "michigan_seizure_500s.edf"
DURATION_S = 150.0
HEADER = "onset\tduration\teventType\tconfidence\tchannels\tdateTime\trecordingDuration\n"


def write_reference(path: Path, rows: list[tuple[float, float, str]]) -> Path:
    lines = [f"{a}\t{b}\t{kind}\tn/a\tn/a\tn/a\t{DURATION_S}\n" for a, b, kind in rows]
    if not rows:
        lines = [f"0\t{DURATION_S}\tbckg\tn/a\tn/a\tn/a\t{DURATION_S}\n"]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def edfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three synthetic recordings: two with one seizure, one without."""
    folder = tmp_path_factory.mktemp("edfs")
    return {
        "sz60": write_seizure_edf(folder / "sz60.edf", DURATION_S, ((60.0, 100.0),), seed=1),
        "sz30": write_seizure_edf(folder / "sz30.edf", DURATION_S, ((30.0, 75.0),), seed=2),
        "none": write_seizure_edf(folder / "none.edf", DURATION_S, (), seed=3),
    }


def _link(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(src, dst)
    return dst


@pytest.fixture(scope="module")
def bids(tmp_path_factory: pytest.TempPathFactory, edfs: dict[str, Path]) -> Path:
    """sub-01 (two runs in ses-01, one with a seizure and an LPD row in its
    reference), sub-02 (one seizure, no session), sub-03 (a corrupt EDF)."""
    root = tmp_path_factory.mktemp("bids")
    (root / "dataset_description.json").write_text('{"Name": "t", "BIDSVersion": "1.9.0"}')
    eeg = root / "sub-01" / "ses-01" / "eeg"
    _link(edfs["sz60"], eeg / "sub-01_ses-01_task-szMonitoring_run-00_eeg.edf")
    write_reference(eeg / "sub-01_ses-01_task-szMonitoring_run-00_events.tsv",
                    [(10.0, 20.0, "lpd"), (60.0, 40.0, "sz")])  # fmt: skip
    _link(edfs["none"], eeg / "sub-01_ses-01_task-szMonitoring_run-01_eeg.edf")
    write_reference(eeg / "sub-01_ses-01_task-szMonitoring_run-01_events.tsv", [])
    eeg = root / "sub-02" / "eeg"
    _link(edfs["sz30"], eeg / "sub-02_task-szMonitoring_run-00_eeg.edf")
    write_reference(eeg / "sub-02_task-szMonitoring_run-00_events.tsv", [(30.0, 45.0, "sz")])
    eeg = root / "sub-03" / "eeg"
    eeg.mkdir(parents=True)
    (eeg / "sub-03_task-szMonitoring_run-00_eeg.edf").write_bytes(b"0       " + b"\x00" * 300)
    return root


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A real two-worker LocalCluster, reached by address (the ``--scheduler`` path)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:  # fmt: skip
        yield cluster.scheduler_address


# ----------------------------------------------------------------------------- discovery
def test_bids_discovery(bids: Path) -> None:
    recs = {r.key: r for r in discover(bids)}
    assert sorted(recs) == [
        "sub-01_ses-01_task-szMonitoring_run-00", "sub-01_ses-01_task-szMonitoring_run-01",
        "sub-02_task-szMonitoring_run-00", "sub-03_task-szMonitoring_run-00",
    ]  # fmt: skip
    r = recs["sub-01_ses-01_task-szMonitoring_run-00"]
    assert (r.subject, r.session, str(r.rel_dir)) == ("01", "01", "sub-01/ses-01/eeg")
    assert r.reference is not None and r.reference.endswith("run-00_events.tsv")
    assert str(recs["sub-02_task-szMonitoring_run-00"].rel_dir) == "sub-02/eeg"
    assert recs["sub-03_task-szMonitoring_run-00"].reference is None


def test_folder_discovery(tmp_path: Path, edfs: dict[str, Path]) -> None:
    _link(edfs["sz60"], tmp_path / "chb01_03.edf")
    write_reference(tmp_path / "chb01_03_events.tsv", [(60.0, 40.0, "sz")])
    _link(edfs["sz30"], tmp_path / "night" / "p2.EDF")
    write_reference(tmp_path / "night" / "p2.tsv", [(30.0, 45.0, "sz")])
    _link(edfs["none"], tmp_path / "p3.bdf.edf")
    # earlier outputs are not recordings
    _link(edfs["none"], tmp_path / "derivatives" / "rse-monitor" / "x.edf")
    recs = {r.key: r for r in discover(tmp_path)}
    assert sorted(recs) == ["sub-chb0103", "sub-p2", "sub-p3bdf"]
    assert recs["sub-chb0103"].reference == str((tmp_path / "chb01_03_events.tsv").resolve())
    assert recs["sub-p2"].reference == str((tmp_path / "night" / "p2.tsv").resolve())
    assert recs["sub-p3bdf"].reference is None
    assert str(recs["sub-p2"].rel_dir) == "sub-p2/eeg"


def test_manifest_discovery(tmp_path: Path, edfs: dict[str, Path]) -> None:
    _link(edfs["sz60"], tmp_path / "data" / "r1.edf")
    write_reference(tmp_path / "data" / "r1_ref.tsv", [(60.0, 40.0, "sz")])
    manifest = tmp_path / "list.csv"
    manifest.write_text(
        f"path,reference,subject\ndata/r1.edf,data/r1_ref.tsv,\n{edfs['sz30']},,P7\nmissing.edf,,\n"
    )
    recs = discover(manifest)
    assert [r.key for r in recs] == ["sub-r1", "sub-P7_acq-sz30", "sub-missing"]
    assert recs[0].reference == str((tmp_path / "data" / "r1_ref.tsv").resolve())
    assert recs[1].subject == "P7" and recs[1].reference is None
    assert recs[2].path == str(tmp_path / "missing.edf")  # fails at run time, not here


@pytest.mark.parametrize(
    "content, reason",
    [
        (None, "no such file or folder"),
        ("dir", r"no recordings \(EDF/BDF, FIF, ...\) found in folder"),
        ("notes.txt", "not a CSV manifest"),
        ("bad.csv", "needs a 'path' column"),
    ],
)
def test_a_bad_dataset_is_refused_with_a_reason(
    tmp_path: Path, content: str | None, reason: str
) -> None:
    target = tmp_path / "nothing"
    if content == "dir":
        target.mkdir()
    elif content is not None:
        target = tmp_path / content
        target.write_text("file,ref\na.edf,\n")
    with pytest.raises(DatasetError, match=reason):
        discover(target)


def test_two_recordings_with_one_output_name_are_refused(tmp_path: Path, edfs: dict) -> None:
    _link(edfs["sz60"], tmp_path / "a-1.edf")
    _link(edfs["sz30"], tmp_path / "a_1.edf")
    with pytest.raises(DatasetError, match="would both write"):
        discover(tmp_path)


# ----------------------------------------------------------------------------- the run
@pytest.fixture(scope="module")
def first_run(bids: Path, scheduler: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("out")
    run = run_validate(bids, out, scheduler=scheduler, progress=False)
    return {"run": run, "out": out}


def test_a_corrupt_recording_fails_and_the_others_finish(first_run: dict) -> None:
    run = first_run["run"]
    assert [s["prefix"] for s in run.failed] == ["sub-03_task-szMonitoring_run-00"]
    assert "not an EDF" in run.failed[0]["reason"] or "header" in run.failed[0]["reason"]
    root = first_run["out"] / "derivatives" / "rse-monitor"
    for rec in run.recordings:
        paths = output_paths(rec, root)
        status = json.loads(paths["status.json"].read_text())
        assert status["settings_hash"] == run.statuses[rec.key]["settings_hash"]
        if rec.subject == "03":
            assert status["status"] == "failed" and status["reason"]
            assert not paths["events.tsv"].exists()
            continue
        assert status["status"] == "ok" and status["version"] and status["wall_s"] > 0
        assert status["malloc_tuned"] is True  # a nanny-started worker
        for name in ("events.tsv", "trends.csv", "alerts.jsonl", "summary.json"):
            assert paths[name].is_file(), paths[name]
    assert (root / "sub-01" / "ses-01" / "eeg" /
            "sub-01_ses-01_task-szMonitoring_run-00_events.tsv").is_file()  # fmt: skip
    assert {p.name for p in root.iterdir() if p.is_file()} == {
        "scores.json", "scores.tsv", "report.html"}  # fmt: skip


def test_scores_match_detectors_scoring_and_rsemon_score(
    first_run: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    run = first_run["run"]
    root = first_run["out"] / "derivatives" / "rse-monitor"
    pairs: list[Any] = []
    cli_args: list[str] = []
    per_subject: dict[str, list[Any]] = {}
    for rec in run.recordings:
        if rec.subject == "03":
            continue
        hyp_path = output_paths(rec, root)["events.tsv"]
        ref, _ = read_events_tsv(rec.reference)
        hyp, _ = read_events_tsv(hyp_path)
        pairs.append((ref, hyp, DURATION_S))
        per_subject.setdefault(rec.subject, []).append((ref, hyp, DURATION_S))
        cli_args += [rec.reference, str(hyp_path)]
        expected = score_events(ref, hyp, DURATION_S).to_dict()
        got = next(r for r in run.scores["records"] if r["id"] == rec.key)
        assert {k: got[k] for k in expected} == expected
        assert got["sample"] == score_samples(ref, hyp, DURATION_S).to_dict()
    pooled = score_many(pairs).to_dict()
    assert run.scores["pooled"] == pooled
    assert pooled["n_ref"] == 2  # the reference's lpd row is not a seizure
    assert pooled["n_true_positive"] == 2 and pooled["f1"] == 1.0  # clear synthetic seizures
    for subject, items in per_subject.items():
        assert run.scores["subjects"][subject] == score_many(items).to_dict()
    assert score_main([*cli_args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == pooled
    sample = run.scores["sample_scoring"]
    assert sample["pooled"] == score_samples_many(pairs).to_dict()
    for subject, items in per_subject.items():
        assert sample["subjects"][subject] == score_samples_many(items).to_dict()
    assert run.scores["suppression_error"]["pooled"] is None  # no suppression reference
    saved = json.loads((root / "scores.json").read_text())
    assert saved["pooled"] == pooled
    tsv = (root / "scores.tsv").read_text().splitlines()
    assert tsv[0].split("\t")[:3] == ["level", "id", "subject"]
    assert [line.split("\t")[0] for line in tsv[1:]].count("recording") == 3
    assert tsv[-1].split("\t")[:2] == ["pooled", "all"]


def test_a_second_run_skips_what_is_done_and_new_settings_rerun(
    first_run: dict, bids: Path, scheduler: str
) -> None:
    out = first_run["out"]
    before = dict(first_run["run"].statuses)
    again = run_validate(bids, out, scheduler=scheduler, progress=False)
    ok_keys = sorted(k for k, s in before.items() if s["status"] == "ok")
    assert sorted(again.skipped) == ok_keys
    for key in ok_keys:  # not replayed: the status is the one written before
        assert again.statuses[key]["started"] == before[key]["started"]
        assert again.statuses[key]["pid"] == before[key]["pid"]
    assert again.scores["pooled"] == first_run["run"].scores["pooled"]
    assert [s["prefix"] for s in again.failed] == ["sub-03_task-szMonitoring_run-00"]

    changed = run_validate(bids, out, BedSettings().with_engine(notch_hz=60.0),
                           scheduler=scheduler, progress=False)  # fmt: skip
    assert changed.skipped == []
    assert all(changed.statuses[k]["settings_hash"] != before[k]["settings_hash"]
               for k in ok_keys)  # fmt: skip


def test_progress_line_counts_done_failed_skipped_remaining(
    bids: Path, scheduler: str, tmp_path: Path
) -> None:
    import io

    def lines(stream: io.StringIO) -> list[str]:
        return [line for line in stream.getvalue().replace("\r", "\n").splitlines() if line]

    first, second = io.StringIO(), io.StringIO()
    run_validate(bids, tmp_path, scheduler=scheduler, stream=first)
    assert lines(first)[0].startswith("validate: 0 done, 0 failed, 0 skipped, 4 remaining of 4")
    assert lines(first)[-1].startswith("validate: 3 done, 1 failed, 0 skipped, 0 remaining of 4")
    run_validate(bids, tmp_path, scheduler=scheduler, stream=second)
    assert lines(second)[0].startswith("validate: 0 done, 0 failed, 3 skipped, 1 remaining of 4")
    assert lines(second)[-1].startswith("validate: 0 done, 1 failed, 3 skipped, 0 remaining of 4")


# ----------------------------------------------------------------------------- CLI
def rsemon(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "rse_monitor.service.cli", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_cli_on_a_folder_with_its_embedded_cluster(tmp_path: Path, edfs: dict) -> None:
    data = tmp_path / "data"
    _link(edfs["sz60"], data / "p1.edf")
    write_reference(data / "p1_events.tsv", [(60.0, 40.0, "sz")])
    (data / "broken.edf").write_bytes(b"not an edf")
    proc = rsemon("validate", str(data), "--out", str(tmp_path / "o"), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert "2 recording(s): 1 replayed, 0 skipped (done before), 1 failed" in proc.stdout
    assert "failed: sub-broken:" in proc.stdout
    assert "F1 1.000" in proc.stdout
    assert "validate: 1 done, 1 failed, 0 skipped, 0 remaining of 2" in proc.stderr
    assert "distributed." not in proc.stderr  # Dask's own INFO logs stay quiet
    root = tmp_path / "o" / "derivatives" / "rse-monitor"
    assert (root / "sub-p1" / "eeg" / "sub-p1_events.tsv").is_file()
    assert (root / "report.html").is_file()


@pytest.mark.parametrize(
    "args, reason",
    [
        (("validate", "/nonexistent/ds"), "rsemon validate: no such file or folder"),
        (("validate", "x", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"),
         "not allowed with argument"),
        (("validate", "x", "--workers", "0"), "must be a whole number >= 1"),
    ],
)  # fmt: skip
def test_cli_refuses_bad_input_in_one_line(args: tuple[str, ...], reason: str) -> None:
    proc = rsemon(*args)
    assert proc.returncode == 2
    assert reason in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_replay_start_up_does_not_load_dask() -> None:
    code = ("import sys, rse_monitor.service.cli as c; c.build_parser(extra_commands=False); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('distributed', 'dask') or "
            "m.startswith('rse_monitor.monitoring.validate')))")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- real data
def test_a_manifest_of_a_real_recording(tmp_path: Path, scheduler: str) -> None:
    if not MICHIGAN.exists():
        pytest.skip(f"shared data absent: {MICHIGAN}")
    manifest = tmp_path / "m.csv"
    # the reference is the EDF+ file's own seizure annotation (onset 350 s)
    manifest.write_text(f"path,reference,subject\n{MICHIGAN},{MICHIGAN},mich\n")
    run = run_validate(manifest, tmp_path, scheduler=scheduler, progress=False)
    assert not run.failed
    (record,) = run.scores["records"]
    assert record["n_ref"] == 1 and record["duration_s"] == 500.0
    assert record["n_true_positive"] == 1


# ----------------------------------------------------------------------------- Dask's own CLI
def _dask(*args: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as fh:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=ROOT, env=env,
                                stdout=fh, stderr=subprocess.STDOUT)  # fmt: skip


def test_a_separately_started_dask_scheduler_and_worker_give_the_same_scores(
    bids: Path, first_run: dict, tmp_path: Path
) -> None:
    """``dask scheduler`` + ``dask worker`` (Dask's own command line, other processes)
    reached with ``scheduler=``: the pooled scores equal the LocalCluster run's."""
    import time

    address_file = tmp_path / "scheduler.json"
    scheduler = _dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(address_file),
                      log=tmp_path / "scheduler.log")  # fmt: skip
    procs = [scheduler]
    try:
        deadline = time.monotonic() + 60
        while not address_file.exists():
            assert scheduler.poll() is None and time.monotonic() < deadline, (
                (tmp_path / "scheduler.log").read_text())  # fmt: skip
            time.sleep(0.2)
        procs.append(_dask("worker", "--scheduler-file", str(address_file), "--nthreads", "1",
                           "--no-dashboard", "--host", "127.0.0.1",
                           log=tmp_path / "worker.log"))  # fmt: skip
        address = json.loads(address_file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        run = run_validate(bids, tmp_path / "out", scheduler=address, progress=False)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    assert run.skipped == [] and len(run.failed) == 1
    assert run.scores["pooled"] == first_run["run"].scores["pooled"]


def test_the_embedded_cluster_listens_on_loopback_only() -> None:
    from rse_monitor.monitoring.validate.run import _client

    client, cluster = _client(2, None)
    try:
        client.wait_for_workers(2, timeout=60)
        info = client.scheduler_info()
        addresses = [cluster.scheduler_address, *info["workers"]]
        assert len(addresses) == 3
        assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
        assert all(w["nthreads"] == 1 for w in info["workers"].values())
        # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ (twice the replay CPU); tasks undo it
        from rse_monitor.monitoring.validate.tasks import undo_dask_malloc_trim

        assert set(client.run(undo_dask_malloc_trim).values()) == {True}
        assert cluster.dashboard_link is None or "127.0.0.1" in cluster.dashboard_link
    finally:
        client.close()
        cluster.close()


def test_a_separately_started_scheduler_and_worker_give_the_embedded_clusters_scores(
    bids: Path, tmp_path: Path
) -> None:
    """``dask scheduler`` and ``dask worker`` started as their own processes (as on a
    cluster, here on 127.0.0.1), reached with ``--scheduler``: the same pooled event
    and sample scores as the embedded LocalCluster (``--workers``) on the same data."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sched = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--no-dashboard"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--host", "127.0.0.1",
         "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        remote = rsemon("validate", str(bids), "--out", str(tmp_path / "remote"),
                        "--scheduler", address)  # fmt: skip
        assert remote.returncode == 0, remote.stderr
        local = rsemon("validate", str(bids), "--out", str(tmp_path / "local"), "--workers", "2")
        assert local.returncode == 0, local.stderr
    finally:
        for proc in (worker, sched):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    scores = [
        json.loads((tmp_path / d / "derivatives" / "rse-monitor" / "scores.json").read_text())
        for d in ("remote", "local")
    ]
    assert scores[0]["pooled"]["n_ref"] >= 2
    assert scores[0]["pooled"] == scores[1]["pooled"]
    assert scores[0]["sample_scoring"]["pooled"] == scores[1]["sample_scoring"]["pooled"]
    assert [(r["id"], r["f1"]) for r in scores[0]["records"]] == [
        (r["id"], r["f1"]) for r in scores[1]["records"]
    ]
