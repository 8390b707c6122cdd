"""Scaling of ``rsemon validate`` with Dask workers: recordings per minute, memory.

``python bench/validate_scaling.py [--recordings 8] [--minutes 30] [--workers 1 2]``

Writes ``--recordings`` synthetic 19-channel 256-Hz EDFs of ``--minutes`` each (one
seizure each, ``recordings.synthetic.write_seizure_edf``) with their reference
events TSVs, then, for each worker count, starts a ``distributed.LocalCluster``
(``monitoring.validate.run.local_cluster``, the one ``rsemon validate`` starts),
waits for its workers, imports the replay code on each (once per worker, as a long run pays it), and
times :func:`monitoring.validate.run_validate` on that cluster through its
scheduler address into a fresh output folder: the run's wall time covers discovery,
every replay task, scoring and the report, not the cluster's start (timed
separately). Recordings per minute = recordings / run wall time × 60; parallel
efficiency with N workers = (rate with N) / (N × rate with 1). Memory per worker is
the largest peak RSS a worker process reported (``status.json``:
``worker_peak_rss_mb``, ``ru_maxrss`` of the worker after its tasks).

Goal (issue 13, part 4): efficiency ≥ 0.8 with 2 workers on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_dataset(folder: Path, n: int, minutes: float) -> None:
    from rse_monitor.recordings.synthetic import write_seizure_edf

    duration_s = minutes * 60.0
    for i in range(n):
        onset = duration_s / 2
        write_seizure_edf(folder / f"rec{i:02d}.edf", duration_s, ((onset, onset + 60.0),),
                          seed=i)  # fmt: skip
        (folder / f"rec{i:02d}_events.tsv").write_text(
            f"onset\tduration\teventType\n{onset}\t60\tsz\n", encoding="utf-8"
        )


def _warm() -> None:
    import timescoring.scoring  # noqa: F401

    import rse_monitor.monitoring.replay  # noqa: F401


def run_once(data: Path, out: Path, n_workers: int) -> dict[str, float]:
    from distributed import Client

    from rse_monitor.monitoring.validate import run_validate
    from rse_monitor.monitoring.validate.run import local_cluster

    t0 = time.perf_counter()
    with local_cluster(n_workers) as cluster:
        with Client(cluster) as client:
            client.wait_for_workers(n_workers)
            client.run(_warm)  # imports once per worker, as in a long run
        start_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        run = run_validate(data, out, scheduler=cluster.scheduler_address, progress=False)
        wall_s = time.perf_counter() - t1
    n = len(run.recordings)
    rss = [s["worker_peak_rss_mb"] for s in run.statuses.values()]
    task_s = sum(s["wall_s"] for s in run.statuses.values())
    cpu_s = sum(s["cpu_s"] for s in run.statuses.values())
    return {"workers": n_workers, "n": n, "failed": len(run.failed), "start_s": start_s,
            "wall_s": wall_s, "per_min": n / wall_s * 60.0, "task_s": task_s,
            "rss_mb": max(rss), "cpu_s": cpu_s, "f1": run.scores["pooled"]["f1"]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recordings", type=int, default=8)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dir", type=Path, default=None, help="keep the data set here")
    args = parser.parse_args(argv)

    import dask
    import numpy

    tmp = tempfile.TemporaryDirectory(prefix="rsemon-validate-bench-")
    base = args.dir or Path(tmp.name)
    data = base / "data"
    if not data.is_dir():
        data.mkdir(parents=True)
        t = time.perf_counter()
        write_dataset(data, args.recordings, args.minutes)
        print(f"wrote {args.recordings} x {args.minutes:g} min in {time.perf_counter() - t:.1f} s")
    print(f"date: {datetime.now(UTC).isoformat(timespec='minutes')}")
    versions = f"numpy {numpy.__version__}, dask {dask.__version__}"
    print(f"machine: {_cpu_model()}, {os.cpu_count()} cores; python "
          f"{platform.python_version()}, {versions}")  # fmt: skip
    print(f"data set: {args.recordings} recordings x {args.minutes:g} min, 19 ch at 256 Hz")
    results = []
    for n_workers in args.workers:
        load = os.getloadavg()[0]
        r = run_once(data, base / f"out-{n_workers}-{time.time_ns()}", n_workers)
        results.append(r)
        print(f"workers {n_workers}: cluster start {r['start_s']:.1f} s, run {r['wall_s']:.1f} s"
              f" -> {r['per_min']:.1f} recordings/min ({r['task_s']:.1f} s in tasks, "
              f"{r['cpu_s']:.1f} s CPU); "
              f"worker peak RSS {r['rss_mb']:.0f} MB; failed {r['failed']}; pooled F1 "
              f"{r['f1']}; load average before {load:.2f}")  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    one = next((r for r in results if r["workers"] == 1), None)
    if one is not None:
        for r in results:
            if r["workers"] > 1:
                eff = r["per_min"] / (r["workers"] * one["per_min"])
                print(f"parallel efficiency, {r['workers']} workers: {eff:.2f} (goal >= 0.8)")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
