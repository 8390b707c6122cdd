"""CPU time of ``rsemon replay`` beside a plain MNE-Python pipeline doing comparable work.

``python bench/mne_pipeline.py [--hours 2] [--runs 3] [--no-fif]``

On the synthetic 19-channel 256-Hz EDF that ``bench/replay_speed.py`` writes
(``--hours`` long, two seizures), each a whole process, CPU time (user + system of
the process and its threads, ``os.wait4``), best of ``--runs``:

(a) a plain MNE pipeline: ``mne.io.read_raw_edf(preload=True)``, band-pass 1-70 Hz
    (MNE's default FIR) and a 50-Hz notch, 10-s epochs
    (``make_fixed_length_epochs``), per epoch and channel the line length (mean
    absolute first difference, as mne-features' ``compute_line_length``) and the
    delta/theta/alpha/beta powers (Welch PSD, ``epochs.compute_psd``);
(a0) its floor: importing MNE and reading the file with ``preload=True``;
(b) ``rsemon replay`` (the whole command: start-up, reading, the bed session with
    every feature and detector every 1 s on 2-s windows, the four output files);
(c) ``rsemon replay`` of the same recording saved as FIF (read through MNE,
    ``pipeline/ingest_mne.py``), unless ``--no-fif``.

Prints CPU seconds and the real-time factor (recording seconds per CPU second) of
each, and the ratio of (a) to (b). The pipelines do not compute the same thing:
(a) is what a researcher would write first for band powers and line length per
10-s epoch, (b) computes those and much more every second, causally.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.replay_speed import time_process, time_replay, write_edf  # noqa: E402

#: (a): the plain MNE pipeline, run as its own process on ``sys.argv[1]``.
MNE_PIPELINE = """
import sys
import numpy as np
import mne

raw = mne.io.read_raw_edf(sys.argv[1], preload=True, verbose="error")
raw.filter(1.0, 70.0, verbose="error")
raw.notch_filter(50.0, verbose="error")
epochs = mne.make_fixed_length_epochs(raw, duration=10.0, preload=True, verbose="error")
data = epochs.get_data()                                    # (n_epochs, n_ch, n_times), V
line_length = np.mean(np.abs(np.diff(data, axis=-1)), axis=-1)
psd = epochs.compute_psd(method="welch", fmin=0.5, fmax=30.0, verbose="error")
power, freqs = psd.get_data(return_freqs=True)
bands = {"delta": (0.5, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 13.0), "beta": (13.0, 30.0)}
band_power = {name: power[..., (freqs >= lo) & (freqs < hi)].sum(axis=-1)
              for name, (lo, hi) in bands.items()}
assert line_length.shape == band_power["delta"].shape == data.shape[:2]
"""

#: (a0): the floor of (a): import MNE and read the whole file into memory.
MNE_READ = """
import sys
import mne

mne.io.read_raw_edf(sys.argv[1], preload=True, verbose="error")
"""


def write_fif(edf: Path, fif: Path) -> None:
    import mne

    mne.io.read_raw_edf(edf, preload=True, verbose="error").save(fif, verbose="error")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hours", type=float, default=2.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--no-fif", action="store_true", help="skip (c), the replay of a FIF copy")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rsemon-mne-bench-") as tmp:
        edf = Path(tmp) / "bench.edf"
        duration_s = write_edf(edf, args.hours)
        jobs = {
            "(a) plain MNE pipeline": [sys.executable, "-c", MNE_PIPELINE, str(edf)],
            "(a0) MNE import + read_raw_edf": [sys.executable, "-c", MNE_READ, str(edf)],
        }
        if not args.no_fif:
            fif = Path(tmp) / "bench_raw.fif"
            write_fif(edf, fif)
        cpus: dict[str, list[float]] = {name: [] for name in jobs}
        cpus["(b) rsemon replay"] = []
        if not args.no_fif:
            cpus["(c) rsemon replay of the FIF"] = []
        for _ in range(args.runs):  # interleaved, so each sees the same machine load
            for name, cmd in jobs.items():
                cpus[name].append(time_process(cmd, REPO)[1])
            cpus["(b) rsemon replay"].append(time_replay(REPO, edf, Path(tmp) / "out")[1])
            if not args.no_fif:
                cpus["(c) rsemon replay of the FIF"].append(
                    time_replay(REPO, fif, Path(tmp) / "out_fif")[1]
                )
        print(f"{args.hours:g} h, 19 ch at 256 Hz; CPU time per process, best of {args.runs}")
        best = {name: min(values) for name, values in cpus.items()}
        for name, values in cpus.items():
            print(f"  {name:34s} {best[name]:6.2f} s  {duration_s / best[name]:7,.0f}x real time"
                  "  (runs " + ", ".join(f"{c:.2f}" for c in values) + ")")  # fmt: skip
        ratio = best["(a) plain MNE pipeline"] / best["(b) rsemon replay"]
        print(f"  CPU of (a) / (b): {ratio:.2f} (rsemon replay is {ratio:.2f}x as fast)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
