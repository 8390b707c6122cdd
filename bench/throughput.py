"""Throughput of the whole bed engine on a long synthetic recording, on one core.

Streams ``--hours`` (default 24) of synthetic 19-channel 256-Hz EEG in chunks (never
the whole recording in memory) through :class:`monitoring.engine.BedEngine`, as a real
bed would run: 10-20 referential channels → double-banana montage (18 channels) →
band-pass and notch → 2-s windows every 1 s → features, seizure detector,
suppression tracker and depth. It prints

- the real-time factor (recording seconds per wall-clock second) of the engine, of
  the engine plus the output files, and of the whole loop including the generator;
- the peak resident memory (``resource.getrusage``) after the stream and the
  resident memory at each hour, to show that it does not grow with the length;
- on the same windows (those of the first ``--baseline-hours``), the time of a
  baseline computing the same two features with the reference tools, line length
  with mne-features (``mne_features.univariate.compute_line_length``) and
  magnitude-squared coherence with ``scipy.signal.coherence`` pair by pair, against
  the time of our window functions on those windows, and their agreement.

Targets (issue 2): ≥ 3,000× real time for the whole pipeline on one core, peak RSS
< 500 MB whatever the length, faster than the baseline.

Run ``python bench/throughput.py`` (about a minute) or ``--quick`` (a few seconds).
The process pins itself to one core and sets the BLAS/OpenMP thread counts to 1.
"""

from __future__ import annotations

import os

# one core: thread counts must be set before numpy is imported
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from rse_monitor.monitoring.engine import BedEngine, EngineConfig  # noqa: E402
from rse_monitor.monitoring.outputs import FileSink  # noqa: E402
from rse_monitor.monitoring.session import BedSession, SourceInfo  # noqa: E402
from rse_monitor.monitoring.settings import BedSettings  # noqa: E402
from rse_monitor.pipeline.chunk import Chunk  # noqa: E402
from rse_monitor.pipeline.features import BANDS_HZ, windowed_band_coherence, windowed_line_length  # noqa: E402
from rse_monitor.pipeline.preprocess import BipolarMontage, CausalFilter, Windower  # noqa: E402

SFREQ_HZ = 256.0
CHANNELS_19 = (
    "Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T3", "C3", "Cz", "C4", "T4",
    "T5", "P3", "Pz", "P4", "T6", "O1", "O2",
)  # fmt: skip


def stream_chunks(duration_s: float, chunk_s: float, seed: int) -> Iterator[Chunk]:
    """Chunks of a synthetic 19-channel recording, generated chunk by chunk.

    Background EEG (1/f spectrum, 30 µV RMS) with 5 µV of 50-Hz mains, and one
    burst-suppression epoch (ratio 0.7) over the second tenth of the recording so that
    the suppression tracker does real work.
    """
    epochs = [(0.1 * duration_s, 0.2 * duration_s, 0.7)] if duration_s >= 600 else []
    try:
        from rse_monitor.recordings.synthetic import stream_background_chunks
    except ImportError:  # the generator module is optional for this benchmark
        yield from _fallback_chunks(duration_s, chunk_s, seed)
        return
    yield from stream_background_chunks(
        duration_s, SFREQ_HZ, ch_names=CHANNELS_19, chunk_s=chunk_s, seed=seed,
        line_noise_uv=5.0, suppression_epochs=epochs,
    )  # fmt: skip


def _fallback_chunks(duration_s: float, chunk_s: float, seed: int) -> Iterator[Chunk]:
    """Smoothed Gaussian noise, chunk by chunk (used only without recordings.synthetic)."""
    rng = np.random.default_rng(seed)
    n_total = int(round(duration_s * SFREQ_HZ))
    step = int(round(chunk_s * SFREQ_HZ))
    state = np.zeros(len(CHANNELS_19))
    for start in range(0, n_total, step):
        n = min(step, n_total - start)
        noise = rng.standard_normal((len(CHANNELS_19), n)) * 10.0
        out = np.empty_like(noise)
        for k in range(n):  # AR(1), pole 0.95: a low-pass "EEG-like" spectrum
            state = 0.95 * state + noise[:, k]
            out[:, k] = state
        yield Chunk(out, start / SFREQ_HZ, SFREQ_HZ, CHANNELS_19)


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; NaN elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (``ru_maxrss`` is kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def pin_to_one_core(cpu: int | None) -> int | None:
    """Pin this process to one core (the last allowed one unless ``cpu`` is given)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    core = allowed[-1] if cpu is None else cpu
    if core not in allowed:
        raise SystemExit(f"--cpu {core} is not among the allowed cores {allowed}")
    os.sched_setaffinity(0, {core})
    return core


def run_engine(hours: float, chunk_s: float, seed: int, out_dir: Path) -> dict[str, float]:
    """Stream the recording through a bed session (engine, clinical layer, alert policy,
    file sink) as ``rsemon replay`` runs it; time the engine and the rest apart."""
    duration_s = hours * 3600.0
    session = BedSession("bench", None, BedSettings(engine=EngineConfig()), [FileSink(out_dir)])
    session.start(SourceInfo(SFREQ_HZ, tuple(CHANNELS_19)))
    engine = session.engine
    assert engine is not None
    engine_push = engine.push
    t_in_engine = cpu_engine = 0.0

    def timed_push(chunk: Any) -> Any:
        """The engine's own share of a session push: wall and CPU time."""
        nonlocal t_in_engine, cpu_engine
        t, c = time.perf_counter(), time.process_time()
        try:
            return engine_push(chunk)
        finally:
            t_in_engine += time.perf_counter() - t
            cpu_engine += time.process_time() - c

    engine.push = timed_push  # type: ignore[method-assign]
    t_gen = t_engine = t_out = 0.0
    n_hops = 0
    hour_rss = []
    next_hour_s = 3600.0
    chunks = stream_chunks(duration_s, chunk_s, seed)
    t_all = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        chunk = next(chunks, None)
        t1 = time.perf_counter()
        t_gen += t1 - t0
        if chunk is None:
            break
        before = t_in_engine
        hops = session.push(chunk)
        t3 = time.perf_counter()
        t_engine += t_in_engine - before
        t_out += (t3 - t1) - (t_in_engine - before)
        n_hops += len(hops)
        if chunk.t_end_s >= next_hour_s:
            hour_rss.append(rss_mb())
            next_hour_s += 3600.0
    t0 = time.perf_counter()
    session.finish()
    events = session.events
    t_engine += time.perf_counter() - t0
    wall = time.perf_counter() - t_all
    return {
        "duration_s": duration_s,
        "n_hops": n_hops,
        "n_events": len(events),
        "t_gen": t_gen,
        "t_engine": t_engine,
        "cpu_engine": cpu_engine,
        "t_out": t_out,
        "t_wall": wall,
        "peak_rss_mb": peak_rss_mb(),
        "rss_first_hour_mb": hour_rss[0] if hour_rss else rss_mb(),
        "rss_last_hour_mb": hour_rss[-1] if hour_rss else rss_mb(),
        "n_channels": len(engine.ch_names),
        "montage": engine.montage.kind,
        "n_pairs": len(engine.pairs),
    }


def run_baseline(hours: float, chunk_s: float, seed: int) -> dict[str, float]:
    """Line length and pairwise coherence on the engine's windows: reference tools vs ours.

    The windows are those the engine analyses (same montage, filters and windowing
    stages, fed the same chunks). Timed: (a) mne-features' ``compute_line_length`` and
    ``scipy.signal.coherence`` per window and pair, as a per-epoch feature extractor
    does; (b) the same reference calls vectorised over all windows of a chunk, pair by
    pair; (c) ours, :func:`windowed_line_length` and :func:`windowed_band_coherence`.
    """
    from mne_features.univariate import compute_line_length
    from scipy.signal import coherence as scipy_coherence

    cfg = EngineConfig()
    montage = BipolarMontage(CHANNELS_19)
    filt = CausalFilter(SFREQ_HZ, len(montage.ch_names), cfg.l_freq_hz, cfg.h_freq_hz, cfg.notch_hz)
    windower = Windower(SFREQ_HZ, len(montage.ch_names), cfg.window_s, cfg.hop_s)
    engine = BedEngine(SFREQ_HZ, CHANNELS_19, config=cfg)  # for its channel pairs only
    pairs = engine.pairs
    n_seg = int(round(min(1.0, cfg.window_s / 4) * SFREQ_HZ))
    freqs_ref = np.fft.rfftfreq(n_seg, 1.0 / SFREQ_HZ)
    band_masks = [(freqs_ref >= lo) & (freqs_ref < hi) for lo, hi in BANDS_HZ.values()]
    t_window = t_vector = t_ours = 0.0
    n_windows = 0
    max_ll_rel = max_coh_abs = 0.0
    for chunk in stream_chunks(hours * 3600.0, chunk_s, seed):
        mont = montage.push(chunk)
        batch = windower.push(filt.push(mont), raw=mont)
        if not len(batch):
            continue
        windows = batch.data_uv  # (n_win, n_ch, n)
        n_win, _, n = windows.shape
        # (a) reference tools, window by window and pair by pair
        t0 = time.perf_counter()
        ll_a = np.empty((n_win, windows.shape[1]))
        coh_a = np.empty((n_win, len(pairs), len(band_masks)))
        for w in range(n_win):
            x = windows[w]
            ll_a[w] = compute_line_length(x)
            for p, (i, j) in enumerate(pairs):
                _, cxy = scipy_coherence(x[i], x[j], fs=SFREQ_HZ, nperseg=n_seg)
                coh_a[w, p] = [cxy[m].mean() for m in band_masks]
        t1 = time.perf_counter()
        # (b) reference tools vectorised over the windows, pair by pair
        ll_b = compute_line_length(windows)
        coh_b = np.empty_like(coh_a)
        for p, (i, j) in enumerate(pairs):
            _, cxy = scipy_coherence(windows[:, i], windows[:, j], fs=SFREQ_HZ, nperseg=n_seg)
            coh_b[:, p] = np.stack([cxy[:, m].mean(axis=-1) for m in band_masks], axis=-1)
        t2 = time.perf_counter()
        # (c) ours, on the span the windows cover
        ll_c = windowed_line_length(batch.span_uv, SFREQ_HZ, windower.n_window, batch.n_hop)
        coh_c = windowed_band_coherence(
            batch.span_uv, SFREQ_HZ, windower.n_window, batch.n_hop, pairs,
            seg_s=min(1.0, cfg.window_s / 4),
        )  # fmt: skip
        t3 = time.perf_counter()
        t_window += t1 - t0
        t_vector += t2 - t1
        t_ours += t3 - t2
        n_windows += n_win
        # mne-features' line length is mean |Δx|; ours is per second: × f_s · (n−1)/(n−1)
        ll_ref = ll_a * SFREQ_HZ
        max_ll_rel = max(max_ll_rel, float(np.max(np.abs(ll_c - ll_ref) / ll_ref)))
        max_coh_abs = max(max_coh_abs, float(np.max(np.abs(coh_c - coh_a))))
        max_coh_abs = max(max_coh_abs, float(np.max(np.abs(coh_b - coh_a))))
        max_ll_rel = max(max_ll_rel, float(np.max(np.abs(ll_b * SFREQ_HZ - ll_ref) / ll_ref)))
    return {
        "n_windows": n_windows,
        "n_pairs": len(pairs),
        "t_per_window": t_window,
        "t_vectorised": t_vector,
        "t_ours": t_ours,
        "max_ll_rel": max_ll_rel,
        "max_coh_abs": max_coh_abs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=24.0, help="recording length (default 24)")
    parser.add_argument("--quick", action="store_true", help="1 h, baseline on 5 min")
    parser.add_argument("--chunk-s", type=float, default=60.0, help="chunk length (default 60 s)")
    parser.add_argument(
        "--baseline-hours", type=float, default=1 / 6,
        help="baseline on the windows of the first hours (default 1/6: 600 windows)",
    )  # fmt: skip
    parser.add_argument("--cpu", type=int, default=None, help="core to pin to (default: last)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    hours, base_hours = args.hours, args.baseline_hours
    if args.quick:
        hours, base_hours = 1.0, min(base_hours, 1 / 12)
    if not hours > 0 or not base_hours > 0 or not args.chunk_s > 0:
        parser.error("--hours, --baseline-hours and --chunk-s must be > 0")
    base_hours = min(base_hours, hours)
    core = pin_to_one_core(args.cpu)
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; pinned to core {core}; "
          f"python {platform.python_version()}, numpy {np.__version__}")  # fmt: skip
    print(f"recording: {hours:g} h synthetic, {len(CHANNELS_19)} ch at {SFREQ_HZ:g} Hz, "
          f"chunks of {args.chunk_s:g} s")  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="rsemon-bench-") as tmp:
        res = run_engine(hours, args.chunk_s, args.seed, Path(tmp))
    dur = res["duration_s"]
    print(f"engine: montage {res['montage']} ({res['n_channels']} ch), "
          f"{res['n_pairs']} coherence pairs, {res['n_hops']:,} hops, "
          f"{res['n_events']} event(s)")  # fmt: skip
    t_eng, cpu = res["t_engine"], res["cpu_engine"]
    print(f"  engine only          {t_eng:8.2f} s   {dur / t_eng:8,.0f}x real time"
          f"   (CPU time {cpu:.2f} s: {dur / cpu:,.0f}x)")  # fmt: skip
    eng_out = res["t_engine"] + res["t_out"]
    print(f"  bed session          {eng_out:8.2f} s   {dur / eng_out:8,.0f}x real time"
          " (engine + clinical layer, alert policy, file sink)")  # fmt: skip
    print(f"  whole loop (+ gen.)  {res['t_wall']:8.2f} s   {dur / res['t_wall']:8,.0f}x real time")
    print(f"  peak RSS {res['peak_rss_mb']:.0f} MB; "
          f"RSS after hour 1 {res['rss_first_hour_mb']:.0f} MB, "
          f"after the last hour {res['rss_last_hour_mb']:.0f} MB")  # fmt: skip

    try:
        base = run_baseline(base_hours, args.chunk_s, args.seed)
    except ImportError as exc:
        print(f"baseline skipped ({exc}); install it with: pip install '.[bench]'")
        return 1
    n_win = base["n_windows"]
    per_win_engine = res["t_engine"] / max(res["n_hops"], 1)
    print(f"baseline on the same {n_win:,} windows ({base_hours * 60:.0f} min), line length + "
          f"coherence of {base['n_pairs']} pairs, 4 bands:")  # fmt: skip
    rows = [
        ("mne-features LL + scipy coherence, per window", base["t_per_window"]),
        ("same, vectorised over windows, pair by pair", base["t_vectorised"]),
        ("ours: windowed_line_length + _band_coherence", base["t_ours"]),
    ]
    for label, t in rows:
        print(f"  {label:46s} {t:7.3f} s  {t / n_win * 1e6:8.1f} us/window")
    print(f"  whole engine (all features, detectors)         {per_win_engine * 1e6:8.1f} us/window")
    speedup_window = base["t_per_window"] / base["t_ours"]
    speedup_vector = base["t_vectorised"] / base["t_ours"]
    print(f"  same features, ours vs baseline: {speedup_window:.1f}x faster than per window, "
          f"{speedup_vector:.1f}x faster than vectorised")  # fmt: skip
    print(f"  whole engine (filters, all features, detectors) vs the baseline's two features: "
          f"{base['t_per_window'] / n_win / per_win_engine:.1f}x (per window), "
          f"{base['t_vectorised'] / n_win / per_win_engine:.1f}x (vectorised)")  # fmt: skip
    print(f"  agreement: line length max rel. diff {base['max_ll_rel']:.1e}, "
          f"coherence max abs. diff {base['max_coh_abs']:.1e}")  # fmt: skip
    rtf = dur / res["t_engine"]
    checks = [
        (f">= 3,000x real time (wall clock): {rtf:,.0f}x", rtf >= 3000),
        (f"peak RSS < 500 MB: {res['peak_rss_mb']:.0f} MB", res["peak_rss_mb"] < 500),
        (f"same features faster than the baseline: {min(speedup_window, speedup_vector):.1f}x",
         min(speedup_window, speedup_vector) > 1),
    ]  # fmt: skip
    for label, ok in checks:
        print(f"target {'met    ' if ok else 'NOT met'}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
