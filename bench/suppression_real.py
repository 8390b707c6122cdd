"""Suppression on real EEG that is not burst suppression (issue 11, parts 3 and 4).

``python -m bench.suppression_real`` (about 2 min on one core)

Every healthy recording in ``../shared/data`` (eegmat: 12 files, 8 channels;
eegmmidb S001: 4 runs, 64 channels) and the 12 ICU pattern clips (iiic) go through
:class:`monitoring.engine.BedEngine` in 10-s chunks, one file at a time. Per file:
the 60-s suppression ratio (median and largest over the hops after the first
10 s), the share of hops with a ratio >= 0.5, the depth labels reported and, for
the ICU clips, the ACNS pattern terms. Healthy EEG must never read
``burst_suppression``; a clip of periodic discharges on a suppressed background
must not read plain ``burst_suppression`` either. Then the healthy files scaled
down to low voltage (× 0.5 … × 0.1), counting the files labelled
``burst_suppression`` by the ratio alone (the first version's depth) and now.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import dataclasses  # noqa: E402
import sys  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stitch import data_dir  # noqa: E402
from rse_monitor.detectors.burst import DepthClassifier  # noqa: E402
from rse_monitor.monitoring.engine import BedEngine, EngineConfig  # noqa: E402
from rse_monitor.pipeline.ingest import EdfSource  # noqa: E402


def run_file(path: Path, notch_hz: float | None = None, scale: float = 1.0) -> dict[str, object]:
    src = EdfSource(path, chunk_s=10.0)
    cfg = EngineConfig() if notch_hz is None else EngineConfig(notch_hz=notch_hz)
    eng = BedEngine(src.sfreq_hz, src.ch_names, src.info.unit_known, cfg)
    hops = [
        h
        for c in src.chunks()
        for h in eng.push(dataclasses.replace(c, data_uv=c.data_uv * scale) if scale != 1 else c)
    ]
    t = np.array([h.t_s for h in hops])
    sr = np.array([h.suppression_ratio for h in hops], dtype=float)
    m = (t >= 10.0) & np.isfinite(sr)
    depths = Counter(h.depth for h in hops)
    # the first version's label: the ratio alone, with the same 10-s hold
    first = DepthClassifier()
    old = Counter(first.update(h.t_s, h.suppression_ratio)[0] for h in hops if h.t_s >= 12.0)
    pats = Counter(h.pattern for h in hops if h.pattern)
    return {
        "file": path.stem,
        "med": float(np.median(sr[m])) if m.any() else float("nan"),
        "max": float(sr[m].max()) if m.any() else float("nan"),
        "ge05": float(np.mean(sr[m] >= 0.5)) if m.any() else float("nan"),
        "depths": dict(depths),
        "old": dict(old),
        "pp_uv": float(np.median([h.rms_uv for h in hops])) * 2 * np.sqrt(2),
        "patterns": dict(pats.most_common(3)),
    }


def low_voltage_sweep(paths: list[Path]) -> None:
    """The healthy files scaled down to low voltage (a stand-in for healthy adults
    with low-voltage EEG): the median over files of the sine-equivalent
    peak-to-peak amplitude (2√2 × the hops' median RMS, 0.5-45 Hz), the files whose
    ratio reaches 0.5, and those labelled ``burst_suppression`` by the ratio alone
    (first version) and by the depth now."""
    print("\nhealthy EEG scaled down (all 16 files per scale)")
    print("scale  p-p µV  ratio>=0.5  BS(ratio alone)  BS(now)  labels now (files)")
    for scale in (0.5, 0.3, 0.2, 0.15, 0.1):
        rows = [run_file(p, None, scale) for p in paths]
        n_hi = sum(r["max"] >= 0.5 for r in rows)  # type: ignore[operator]
        n_old = sum("burst_suppression" in r["old"] for r in rows)  # type: ignore[operator]
        n_new = sum("burst_suppression" in r["depths"] for r in rows)  # type: ignore[operator]
        labels = Counter(k for r in rows for k in r["depths"])  # type: ignore[attr-defined]
        pp = float(np.median([r["pp_uv"] for r in rows]))  # type: ignore[misc]
        print(f"{scale:5.2f}  {pp:6.1f}  {n_hi:10d}  {n_old:15d}  {n_new:7d}  {dict(labels)}")


def main() -> int:
    root = data_dir()
    sets = {
        "eegmat": (sorted((root / "eegmat_rest_task").glob("Subject*_*.edf")), None),
        "eegmmidb": (sorted((root / "eegmmidb_S001").glob("S001R*.edf")), None),
        "iiic": (sorted((root / "iiic_icu_patterns").glob("*_sample*.edf")), 60.0),
    }
    print(f"{'set':9s} {'file':15s} {'ratio med':>9s} {'max':>5s} {'>=0.5':>6s}  depths; patterns")
    for name, (paths, notch) in sets.items():
        n_bs = 0
        for p in paths:
            r = run_file(p, notch)
            bs = sum(v for k, v in r["depths"].items() if k == "burst_suppression")  # type: ignore[union-attr]
            n_bs += bool(bs)
            print(f"{name:9s} {r['file']:15s} {r['med']:9.2f} {r['max']:5.2f} {r['ge05']:6.2f}  "
                  f"{r['depths']}; {r['patterns']}")  # fmt: skip
        print(f"{name}: {n_bs} of {len(paths)} files ever labelled burst_suppression")
    low_voltage_sweep(sets["eegmat"][0] + sets["eegmmidb"][0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
