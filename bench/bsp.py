"""Burst-suppression probability (issue 11, part 5): accuracy, coverage, flapping, cost.

``python -m bench.bsp`` (about 2 min on one core)

- Convergence and coverage: 10-min synthetic burst suppression
  (:func:`recordings.synthetic.make_burst_suppression`) at ratios 0.3, 0.7 and 0.9,
  seeds 0-2, through :class:`monitoring.engine.BedEngine` in 10-s chunks; after the
  first 3 min, the BSP's median and largest error against the generator's ratio,
  the share of hops whose 95 % interval holds it and the interval's median width;
  the same with the samples counted as trials (``trial_s`` = 1/256 s) to show why
  they are not; and the 60-s suppression ratio's largest error beside it.
- Step: 10 min at 0.3 then 10 min at 0.9: seconds until the BSP (and the ratio)
  reach 0.6, and after which they stay within 0.12 of 0.9.
- Band edge: an hour alternating 6 min at 0.45 and 6 min at 0.55 around a lower
  target of 0.5 (band 0.5-0.8, infusion running): ``below_band`` raises with the
  point-ratio rule and with the interval rule, for sustain 120 s and 300 s.
- Cost: CPU time of ``BurstSuppressionProbability.push`` within 2 h of
  ``bench/throughput.py``'s engine run, against the engine's CPU time.
- Artefact time (issue 11): a 60-s 15-Hz mechanical artefact (a blocking class)
  from 300 s in 7-min synthetic burst suppression at 0.3, 0.7 and 0.9 (seed 0),
  1-s chunks: the BSP's state (mode and 95 % interval) at the first and last hop
  classed as artefact, and the same flags fed with the artefact counted as
  observations (the code before: ``missing`` not given).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rse_monitor.detectors.bsp as bsp_mod  # noqa: E402
from rse_monitor.detectors.clinical import ClinicalState, Targets  # noqa: E402
from rse_monitor.monitoring.engine import BedEngine, HopResult  # noqa: E402
from rse_monitor.pipeline.chunk import Chunk  # noqa: E402
from rse_monitor.recordings.synthetic import make_burst_suppression  # noqa: E402

FS = 256.0


def run(data: np.ndarray, ch: tuple[str, ...], **bsp_kw: Any) -> list[HopResult]:
    eng = BedEngine(FS, ch)
    if bsp_kw:
        eng.bsp = bsp_mod.BurstSuppressionProbability(FS, **bsp_kw)
    n, hops = int(10 * FS), []
    for i in range(0, data.shape[1], n):
        hops += eng.push(Chunk(np.ascontiguousarray(data[:, i : i + n]), i / FS, FS, ch))
    return hops


def cols(hops: list[HopResult], *keys: str) -> list[np.ndarray]:
    return [np.array([getattr(h, k) for h in hops], dtype=float) for k in keys]


def concatenated(ratios: list[float], seg_s: float, seed: int) -> tuple[np.ndarray, Any]:
    recs = [
        make_burst_suppression(duration_s=seg_s, suppression_ratio=r, seed=seed + i)
        for i, r in enumerate(ratios)
    ]
    return np.concatenate([r.data_uv for r in recs], axis=1), recs[0].ch_names


def accuracy() -> None:
    print("ratio  model         med|err|  max|err|  coverage(min)  width  ratio max|err|")
    for label, kw in (("ours", {}), ("256 trials/s", {"trial_s": 1 / FS})):
        for r in (0.3, 0.7, 0.9):
            rows = []
            for seed in (0, 1, 2):
                rec = make_burst_suppression(duration_s=600.0, suppression_ratio=r, seed=seed)
                t, b, lo, hi, sr = cols(
                    run(rec.data_uv, rec.ch_names, **kw),
                    "t_s", "bsp", "bsp_lo", "bsp_hi", "suppression_ratio",
                )  # fmt: skip
                m = t >= 180.0
                err = np.abs(b[m] - r)
                cov = np.mean((lo[m] <= r) & (r <= hi[m]))
                rows.append((np.median(err), err.max(), cov, np.median(hi[m] - lo[m]),
                             np.abs(sr[m] - r).max()))  # fmt: skip
            a = np.array(rows)
            med, worst, cov, width = a[:, 0].max(), a[:, 1].max(), a[:, 2].min(), a[:, 3].mean()
            print(f"{r:5.1f}  {label:12s}  {med:8.3f}  {worst:8.3f}  {cov:13.3f}  "
                  f"{width:5.3f}  {a[:, 4].max():14.3f}")  # fmt: skip


def step() -> None:
    data, ch = concatenated([0.3, 0.9], 600.0, seed=10)
    t, b, sr = cols(run(data, ch), "t_s", "bsp", "suppression_ratio")
    for name, y in (("BSP", b), ("ratio", sr)):
        after = t > 600.0
        reach = t[after & (y >= 0.6)][0] - 600.0
        off = after & (np.abs(y - 0.9) > 0.12)
        settle = t[off][-1] - 600.0 if off.any() else 0.0
        print(f"step 0.3 -> 0.9: {name} reaches 0.6 after {reach:.0f} s, "
              f"within 0.12 of 0.9 from {settle:.0f} s")  # fmt: skip


def band_edge() -> None:
    data, ch = concatenated([0.45, 0.55] * 5, 360.0, seed=20)
    hops = run(data, ch)
    for sustain in (120.0, 300.0):
        counts = {}
        for rule in ("point", "interval"):
            st = ClinicalState(weight_kg=80)
            st.add_treatment(0.0, "midazolam", 0.2, "mg/kg/h", "IV", "infusion_start")
            st.set_targets(Targets(sr_low=0.5, sr_high=0.8, sustain_s=sustain))
            n = 0
            for h in hops:
                sr = h.suppression_ratio if np.isfinite(h.suppression_ratio) else None
                iv = (h.bsp, h.bsp_lo, h.bsp_hi) if rule == "interval" else None
                n += sum(a.key == "below_band" and a.state == "raised"
                         for a in st.update(h.t_s, False, sr, h.depth, bsp=iv))  # fmt: skip
            counts[rule] = n
        print(f"0.5 ± 0.05 for 1 h, sustain {sustain:.0f} s: below_band raised "
              f"{counts['point']}x (point ratio) vs {counts['interval']}x (interval)")  # fmt: skip


def cost() -> None:
    from bench import throughput

    acc = [0.0]
    orig = bsp_mod.BurstSuppressionProbability.push

    def timed(self: Any, *a: Any, **k: Any) -> Any:
        t0 = time.process_time()
        out = orig(self, *a, **k)
        acc[0] += time.process_time() - t0
        return out

    bsp_mod.BurstSuppressionProbability.push = timed  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as d:
        res = throughput.run_engine(2.0, 60.0, 0, Path(d))
    share = acc[0] / res["cpu_engine"]
    print(f"cost: BSP {acc[0]:.3f} s CPU of the engine's {res['cpu_engine']:.2f} s for 2 h "
          f"({share:.2%})")  # fmt: skip


def artefact_minute() -> None:
    from rse_monitor.recordings.synthetic import artefact_classes as ac

    print("ratio  BSP first/last artefact hop (width)      counted as observations")
    for r in (0.3, 0.7, 0.9):
        rec = make_burst_suppression(duration_s=420.0, suppression_ratio=r, seed=0)
        x = ac.add_mechanical(rec.data_uv, FS, 300.0, 360.0)
        eng = BedEngine(FS, rec.ch_names)
        flags: list[tuple[np.ndarray, np.ndarray]] = []
        push = eng.bsp.push

        def spy(
            supp: Any, dead: Any, n_final: Any, missing: Any = None, flags: Any = flags,
            push: Any = push,
        ) -> Any:  # fmt: skip
            flags.append((supp.copy(), dead.copy()))
            return push(supp, dead, n_final, missing)

        eng.bsp.push = spy  # type: ignore[method-assign,assignment]
        states = {}
        n = int(FS)
        for i in range(0, x.shape[1], n):
            for h in eng.push(Chunk(np.ascontiguousarray(x[:, i : i + n]), i / FS, FS,
                                    rec.ch_names)):  # fmt: skip
                states[h.t_s] = (h.artefact, eng.bsp.x, eng.bsp.v)
        blocked = [t for t, (a, _, _) in states.items() if a == "mechanical"]
        t0, t1 = blocked[0], blocked[-1]
        out = []
        for t in (t0, t1):
            xs, vs = np.array([states[t][1]]), np.array([states[t][2]])
            lo, hi = bsp_mod.bsp_interval(xs, vs)
            out.append((float(bsp_mod.bsp_mode(xs, vs)[0]), float(hi[0] - lo[0])))
        supp = np.concatenate([f[0] for f in flags])
        dead = np.concatenate([f[1] for f in flags])
        marks = (np.array([t0, t1]) * FS).astype(np.int64) - int(0.5 * FS)
        old = bsp_mod.BurstSuppressionProbability(FS).push(supp, dead, marks).bsp
        print(f"{r:5.1f}  {out[0][0]:.3f} ({out[0][1]:.3f}) -> {out[1][0]:.3f} ({out[1][1]:.3f}) "
              f"[{t0:.0f}-{t1:.0f} s, {len(blocked)} hops classed]   "
              f"{old[0]:.3f} -> {old[1]:.3f}")  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:] == ["--artefact"]:
        artefact_minute()
        raise SystemExit(0)
    artefact_minute()
    accuracy()
    step()
    band_edge()
    cost()
