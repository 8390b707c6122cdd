"""Cost of the engine's signal-quality stage (issue 11), this checkout against another.

``python bench/quality_cost.py [--against DIR] [--rounds 3]``

Streams 10 min of synthetic 19-channel 256-Hz EEG (5 µV of 50-Hz mains) six times in
60-s chunks through :class:`monitoring.engine.BedEngine`, timing the engine's
``_good_channels`` (the quality stage: electrode windows, causes, hold, mapping to the
montage) and the whole ``push``; prints the stage's time per 60-s chunk and its share
of the engine. With ``--against`` (e.g. ``git archive`` of an older commit in a
folder), the rounds alternate between the two checkouts in fresh processes so that
both see the same machine load. One core, BLAS/OpenMP threads 1.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import os, sys, time
sys.path.insert(0, sys.argv[1])
from rse_monitor.recordings.synthetic import stream_background_chunks
from rse_monitor.monitoring.engine import BedEngine
chunks = list(stream_background_chunks(600.0, chunk_s=60.0, seed=0, line_noise_uv=5.0))
eng = BedEngine(chunks[0].sfreq_hz, chunks[0].ch_names)
stage = [0.0]
inner = eng._good_channels
def timed(*args):
    t = time.perf_counter(); out = inner(*args); stage[0] += time.perf_counter() - t
    return out
eng._good_channels = timed
t0 = time.perf_counter()
for rep in range(6):
    for c in chunks:
        eng.push(type(c)(c.data_uv, c.t0_s + 600.0 * rep, c.sfreq_hz, c.ch_names))
total = time.perf_counter() - t0
print(f"{stage[0] / 60 * 1e3:.2f} {total / 60 * 1e3:.2f}")
"""


def measure(repo: Path) -> tuple[float, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, str(repo)], env=env, check=True,
                         capture_output=True, text=True).stdout.split()  # fmt: skip
    return float(out[0]), float(out[1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--against", type=Path, default=None, help="another checkout to compare")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    repos = {"this": REPO}
    if args.against is not None:
        repos["against"] = args.against.resolve()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores; load average {load:.2f}")
    for r in range(args.rounds):
        for name, repo in repos.items():
            stage_ms, engine_ms = measure(repo)
            share = stage_ms / engine_ms
            print(f"round {r + 1} {name:8s} {repo}: quality stage {stage_ms:.2f} ms per "
                  f"60-s chunk, engine {engine_ms:.1f} ms, share {share:.1%}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
