"""Wall time of ``rsemon replay`` on one file, this checkout against another.

``python bench/replay_speed.py [--hours 2] [--runs 4] [--against DIR] [--floors]``

Writes a synthetic 19-channel 256-Hz EDF (``--hours`` long, two seizures) once, then
times the whole command -- Python start-up, imports, reading, the bed session
(engine, clinical layer, alert policy) and the four output files; wall time and the
process's CPU time (user + system, ``os.wait4``) -- ``--runs`` times,
alternating with the checkout at ``--against`` (e.g. a ``git worktree`` of an older
commit) when given, so both see the same machine load. Prints the median wall time
and real-time factor of each, the best CPU time, the wall-time ratio, and whether
both wrote the same ``events.tsv`` and ``trends.csv``; with ``--floors``, the CPU time
of a process that only starts Python, only imports what a replay imports, and
imports and reads the file (what a replay costs before any analysis).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def write_edf(path: Path, hours: float) -> float:
    import edfio

    from rse_monitor.recordings.synthetic import make_seizure_recording

    duration_s = hours * 3600.0
    rec = make_seizure_recording(
        duration_s=duration_s,
        seizures=((0.25 * duration_s, 0.25 * duration_s + 60.0),
                  (0.7 * duration_s, 0.7 * duration_s + 90.0)),
        seed=11,
    )  # fmt: skip
    signals = [
        edfio.EdfSignal(rec.data_uv[i], sampling_frequency=rec.sfreq_hz, label=name,
                        physical_dimension="uV", physical_range=(-3000.0, 3000.0))
        for i, name in enumerate(rec.ch_names)
    ]  # fmt: skip
    edfio.Edf(signals).write(path)
    return duration_s


#: Floors of a replay's CPU time, each a whole process: the interpreter alone, the
#: imports of ``rsemon replay``, and those imports plus reading the file in 60-s chunks.
FLOORS = {
    "python start-up": "pass",
    "imports of rsemon replay": "import rse_monitor.service.cli, rse_monitor.monitoring.replay",
    "imports + read the file": (
        "import sys, rse_monitor.service.cli, rse_monitor.monitoring.replay\n"
        "from rse_monitor.pipeline.ingest import EdfSource\n"
        "for _ in EdfSource(sys.argv[1], chunk_s=60.0).chunks(): pass"
    ),
}


def run_process(cmd: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall time and CPU time (user + system, from ``os.wait4``), s, and peak RSS (MB)
    of one process; its standard error in the message when it fails."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr is not None else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} in {cwd} failed with status {proc.returncode}: "
                           f"{err.strip()[-500:]}")  # fmt: skip
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def time_process(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time of one process, s (:func:`run_process`)."""
    wall, cpu, _ = run_process(cmd, cwd)
    return wall, cpu


def replay_command(repo: Path, edf: Path, out: Path) -> list[str]:
    """The ``rsemon replay`` command of the checkout ``repo`` (quiet)."""
    # a checkout from before the rse_monitor namespace (--against) names the CLI module
    # without it
    module = "rse_monitor.service.cli" if (repo / "rse_monitor").is_dir() else "service.cli"
    return [sys.executable, "-m", module, "replay", str(edf), "--out", str(out), "-q"]


def time_replay(repo: Path, edf: Path, out: Path) -> tuple[float, float]:
    """Wall time and CPU time of one ``rsemon replay`` process, s."""
    return time_process(replay_command(repo, edf, out), repo)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hours", type=float, default=2.0)
    p.add_argument("--runs", type=int, default=4)
    p.add_argument("--against", type=Path, default=None, help="another checkout to compare")
    p.add_argument("--floors", action="store_true",
                   help="also time start-up, imports and reading alone")  # fmt: skip
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rsemon-replay-bench-") as tmp:
        edf = Path(tmp) / "bench.edf"
        duration_s = write_edf(edf, args.hours)
        repos = {"this": REPO}
        if args.against is not None:
            repos["against"] = args.against.resolve()
        walls: dict[str, list[float]] = {k: [] for k in repos}
        cpus: dict[str, list[float]] = {k: [] for k in repos}
        for _ in range(args.runs):
            for name, repo in repos.items():
                wall, cpu = time_replay(repo, edf, Path(tmp) / name)
                walls[name].append(wall)
                cpus[name].append(cpu)
        print(f"rsemon replay of {args.hours:g} h, 19 ch at 256 Hz, {args.runs} runs each")
        med = {}
        for name, repo in repos.items():
            med[name] = statistics.median(walls[name])
            best_cpu = min(cpus[name])
            print(f"  {name:8s} {repo}: median {med[name]:.2f} s "
                  f"({duration_s / med[name]:,.0f}x real time); runs "
                  + ", ".join(f"{w:.2f}" for w in walls[name]))  # fmt: skip
            print(f"  {'':8s} CPU time best {best_cpu:.2f} s ({duration_s / best_cpu:,.0f}x "
                  "real time); runs " + ", ".join(f"{c:.2f}" for c in cpus[name]))  # fmt: skip
        if args.floors:
            print("  floors (this checkout; CPU time, best of the runs):")
            for label, code in FLOORS.items():
                cpu = min(time_process([sys.executable, "-c", code, str(edf)], REPO)[1]
                          for _ in range(args.runs))  # fmt: skip
                print(f"    {label:26s} {cpu:5.2f} s")
        if "against" in med:
            print(f"  this / against: {med['this'] / med['against']:.3f} of the wall time")
            for f in ("events.tsv", "trends.csv"):
                same = filecmp.cmp(Path(tmp) / "this" / f, Path(tmp) / "against" / f, False)
                print(f"  {f}: {'identical' if same else 'DIFFERENT'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
