"""Artefacts that mimic ictal and periodic patterns: what the bed reports, against the
line-length baseline.

``python -m bench.artefact_patterns [--seeds 3]``

Each case is ``--seeds`` synthetic 19-channel 256-Hz backgrounds of 330 s
(``recordings.synthetic.background``, 30 µV) with one artefact over 180-240 s, run
through the whole engine (:class:`monitoring.engine.BedEngine`, bipolar montage, as a
bed runs it). For each case the table gives, summed over the seeds:

- ``ours+acns sz``: seizure events (the relative detector OR the ACNS 2021 rules);
- ``patterns``: ACNS pattern episodes (``events.tsv`` rows other than ``sz``), with
  their terms;
- ``sporadic`` / ``birds``: sporadic epileptiform discharges and BIRDs reported from
  the windows that touch the artefact (both feed 2HELPS2B);
- ``esteller@1.5`` / ``@2.0``: the detections of the fixed line-length threshold
  (Esteller et al. 2001; :class:`detectors.baseline.LineLengthBaseline`) at its best
  and its default ratio, fed the same features. No artefact holds a seizure, so
  every event counted here is false.

The artefacts (:mod:`recordings.synthetic.artefact_classes`, and below): chewing
(EMG bursts at 1.5/s on the frontal and temporal channels); muscle bursts on every
channel gated at 1-4 Hz (chewing, shivering); continuous EMG; ECG at 40 and 80 µV;
a 15-Hz mechanical line and chest compressions (a 1.8-Hz common sinusoid, 100 µV);
blinks (Fp-maximal, 100 µV, 1 Hz); electrode pops on one electrode (T4) and on
every electrode at once (classed movement); a gain step that clips.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import functools  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.detectors import Recording, run_detectors  # noqa: E402
from rse_monitor.detectors.baseline import LineLengthBaseline  # noqa: E402
from rse_monitor.detectors.seizure import SeizureDetector  # noqa: E402
from rse_monitor.monitoring.engine import BedEngine  # noqa: E402
from rse_monitor.pipeline.chunk import Chunk  # noqa: E402
from rse_monitor.recordings.synthetic import DEFAULT_CHANNELS_19, add_artefacts  # noqa: E402
from rse_monitor.recordings.synthetic import artefact_classes as ac  # noqa: E402
from rse_monitor.recordings.synthetic.background import background  # noqa: E402
from rse_monitor.recordings.synthetic.recording import SyntheticRecording  # noqa: E402

FS = 256.0
CH = tuple(DEFAULT_CHANNELS_19)
DURATION_S, START_S, STOP_S = 330.0, 180.0, 240.0
#: relative scalp field of a blink (Fp-maximal, falling off steeply behind)
BLINK_FIELD = {"Fp1": 1.0, "Fp2": 1.0, "F7": 0.35, "F8": 0.35, "F3": 0.3, "F4": 0.3,
               "Fz": 0.3, "C3": 0.1, "C4": 0.1, "Cz": 0.1}  # fmt: skip
Maker = Callable[[np.ndarray, int], np.ndarray]


def blinks(x: np.ndarray, seed: int, rate_hz: float = 1.0, amp_uv: float = 100.0) -> np.ndarray:
    """300-ms blinks (sin² bumps, positive at Fp) every ``1/rate_hz`` s ± 10 %."""
    rng = np.random.default_rng(seed)
    n = int(0.3 * FS)
    shape = np.sin(np.pi * np.arange(n) / n) ** 2
    out = x.copy()
    t = START_S
    while t < STOP_S - 0.3:
        i = int(t * FS)
        for name, gain in BLINK_FIELD.items():
            out[CH.index(name), i : i + n] += amp_uv * gain * shape
        t += (1.0 / rate_hz) * (1.0 + 0.1 * float(rng.standard_normal()))
    return out


def _bursts(x: np.ndarray, seed: int, rate_hz: float) -> np.ndarray:
    return ac.add_muscle_bursts(x, FS, CH, START_S, STOP_S, rate_hz, seed=seed)


def _pops(x: np.ndarray, seed: int, channels: list[str] | None = None) -> np.ndarray:
    rec = add_artefacts(SyntheticRecording(x, FS, CH), "electrode_pop", START_S,
                        STOP_S - START_S, channels=channels, seed=seed)  # fmt: skip
    return rec.data_uv


CASES: dict[str, Maker] = {
    "chewing (FT, 1.5/s)": lambda x, s: ac.add_chewing(x, FS, CH, START_S, STOP_S, seed=s),
    **{
        f"muscle bursts {r:g} Hz": functools.partial(_bursts, rate_hz=r)
        for r in (1.0, 2.0, 3.0, 4.0)
    },
    "continuous EMG": lambda x, s: ac.add_emg(x, FS, CH, START_S, STOP_S, seed=s),
    "ECG 40 uV": lambda x, s: ac.add_ecg(x, FS, CH, START_S, STOP_S, 40.0, seed=s),
    "ECG 80 uV": lambda x, s: ac.add_ecg(x, FS, CH, START_S, STOP_S, 80.0, seed=s),
    "mechanical 15 Hz": lambda x, s: ac.add_mechanical(x, FS, START_S, STOP_S, 15.0, 40.0, s),
    "compressions 1.8 Hz": lambda x, s: ac.add_mechanical(x, FS, START_S, STOP_S, 1.8, 100.0, s),
    "blinks 1 Hz": blinks,
    "electrode pops (T4)": functools.partial(_pops, channels=["T4"]),
    "pops on every electrode": _pops,
    "gain step (clipping)": lambda x, s: ac.add_gain_clip(x, FS, START_S, STOP_S),
}


def run_case(x: np.ndarray) -> tuple[int, list[str], tuple[int, int], dict[str, int]]:
    """Seizure events, pattern terms and (sporadic discharges, BIRDs) over the
    artefact of the whole engine; the baseline's events."""
    engine = BedEngine(FS, CH)
    for piece in Chunk(x, 0.0, FS, CH).split(int(60 * FS)):
        engine.push(piece)
    events = engine.finish()
    terms = [ep.term for ep in engine.pattern_episodes()]
    log = engine.patterns.brief_log if engine.patterns is not None else []
    touching = [f for t0, f in log if t0 + 10.0 > START_S and t0 < STOP_S]
    brief = (sum(len(f.sporadic_s) for f in touching), sum(len(f.birds) for f in touching))
    rec = Recording("case", lambda: Chunk(x, 0.0, FS, CH).split(int(60 * FS)), FS, CH,
                    DURATION_S, [])  # fmt: skip
    factories = {
        "ours": SeizureDetector,
        "esteller@1.5": functools.partial(LineLengthBaseline, threshold_ratio=1.5),
        "esteller@2.0": functools.partial(LineLengthBaseline, threshold_ratio=2.0),
    }
    tee, _ = run_detectors(rec, factories)
    base = {k: len(v) for k, v in tee.events.items() if k.startswith("esteller")}
    return len(events), terms, brief, base


def _row(name: str, c: Counter[str]) -> str:
    return (f"{name:24s} {c['sz']:12d} {c['patterns']:8d} {c['sporadic']:8d} {c['birds']:5d} "
            f"{c['esteller@1.5']:12d} {c['esteller@2.0']:12d}")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="backgrounds per case")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPU(s); python {sys.version.split()[0]}")
    print(f"{args.seeds} background(s) of {DURATION_S:g} s per case, artefact over "
          f"{START_S:g}-{STOP_S:g} s; counts summed over the seeds (each one false)\n")  # fmt: skip
    head = (f"{'artefact':24s} {'ours+acns sz':>12s} {'patterns':>8s} {'sporadic':>8s} "
            f"{'birds':>5s} {'esteller@1.5':>12s} {'esteller@2.0':>12s}")  # fmt: skip
    print(head + "  pattern terms")
    rule = "-" * (len(head) + 16)
    print(rule)
    t0 = time.perf_counter()
    totals = Counter[str]()
    for name, make in CASES.items():
        row = Counter[str]()
        terms = Counter[str]()
        for seed in range(args.seeds):
            x = make(background(DURATION_S, FS, CH, 30.0, seed=21 + seed), seed)
            n_sz, found, (n_sporadic, n_birds), base = run_case(x)
            terms.update(found)
            row.update({"sz": n_sz, "patterns": len(found), "sporadic": n_sporadic,
                        "birds": n_birds, **base})  # fmt: skip
        totals.update(row)
        listed = " ".join(f"{k}×{v}" for k, v in sorted(terms.items())) or "-"
        print(_row(name, row) + f"  {listed}")
    print(rule)
    print(_row("total", totals))
    print(f"\n(artefact-pattern benchmark {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
