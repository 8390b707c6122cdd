"""Peak memory and CPU time of ``rsemon replay`` against file length.

``python bench/replay_memory.py [--hours 1 6 24] [--dir /tmp/rsemon-mem] [--against DIR]``

Writes a 1-h synthetic 19-channel 256-Hz EDF (two seizures, as
``bench/replay_speed.py``) and makes the longer files from it by repeating its data
records (the header's record count patched), so a 24-h file costs 840 MB of disk and
no memory to make. Then runs the whole ``rsemon replay`` command on each file in a
fresh process and reads that process's peak resident set size and CPU time from
``os.wait4`` (the kernel's ``ru_maxrss`` and ``ru_utime + ru_stime``). With
``--against`` another checkout (e.g. an export of an older commit) is run on the same
files, alternating, so both see the same machine load.

Goal (issue 13, part 5): peak RSS < 300 MB for any length, 24 h included.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.replay_speed import replay_command, run_process  # noqa: E402

GOAL_MB = 300.0


def tile_edf(base: Path, out: Path, times: int) -> None:
    """``out``: the data records of ``base`` repeated ``times`` times (header patched)."""
    raw = base.read_bytes()
    ns = int(raw[252:256])
    n_header = 256 * (ns + 1)
    n_records = int(raw[236:244])
    header = bytearray(raw[:n_header])
    header[236:244] = f"{n_records * times:<8d}".encode("ascii")
    with out.open("wb") as fh:
        fh.write(header)
        for _ in range(times):
            fh.write(raw[n_header:])


def run_replay(repo: Path, edf: Path, out: Path) -> tuple[float, float]:
    """Peak RSS (MB) and CPU time (s) of one ``rsemon replay`` process."""
    _, cpu_s, rss_mb = run_process(replay_command(repo, edf, out), repo)
    return rss_mb, cpu_s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hours", type=int, nargs="+", default=[1, 6, 24])
    p.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "rsemon-mem")
    p.add_argument("--against", type=Path, default=None, help="another checkout to compare")
    p.add_argument("--keep", action="store_true", help="keep the EDF files in --dir")
    args = p.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    base = args.dir / "replay_1h.edf"
    if not base.exists():
        # in a child process: a child's peak RSS starts from its parent's (the kernel
        # keeps the high-water mark across fork and exec), so this process stays small
        code = (
            "import sys, pathlib; from bench.replay_speed import write_edf; "
            "write_edf(pathlib.Path(sys.argv[1]), 1.0)"
        )
        subprocess.run([sys.executable, "-c", code, str(base)], cwd=REPO, check=True)
    repos = {"this": REPO}
    if args.against is not None:
        repos["against"] = args.against.resolve()
    print("rsemon replay, 19 ch at 256 Hz (1 h repeated), peak RSS and CPU time per process")
    worst = 0.0
    for hours in args.hours:
        edf = args.dir / f"replay_{hours}h.edf"
        if not edf.exists():
            tile_edf(base, edf, hours)
        for name, repo in repos.items():
            with tempfile.TemporaryDirectory(prefix="rsemon-mem-out-") as out:
                rss_mb, cpu_s = run_replay(repo, edf, Path(out))
            if name == "this":
                worst = max(worst, rss_mb)
            print(f"  {hours:3d} h  {name:8s} peak RSS {rss_mb:7.1f} MB   CPU {cpu_s:7.2f} s "
                  f"({hours * 3600 / cpu_s:,.0f}x real time)")  # fmt: skip
        if not args.keep and hours != 1:
            edf.unlink()
    verdict = "met" if worst < GOAL_MB else "MISSED"
    print(f"target {verdict}: peak RSS < {GOAL_MB:.0f} MB for every length: {worst:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
