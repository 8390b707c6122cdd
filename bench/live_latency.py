"""Live latency and capacity: how fast a hop result follows the data, for how many beds.

What is measured
----------------
*Latency* of a hop: from the moment the outlet pushes the last sample of the
hop's analysis window (its LSL timestamp: the outlet stamps every block with
``local_clock()`` just before pushing it) to the moment the hop's result is
available (computed by the engine, its trend row and alerts written and flushed;
``local_clock()`` on the same machine, so no clock correction is involved). The
window ends fall on block ends (256-sample hops, 8-sample blocks), so the stamp is
exactly the push time of that sample.

*Capacity*: the largest number of concurrent 23-channel 256-Hz beds whose hops all
keep p99 latency under 500 ms while every bed delivers at least 95 % of the
expected hops. All outlets run in one separate process (one thread pushing an
8-sample block to every outlet every 1/32 s, as amplifiers deliver), on the same
2-core machine as the monitor, so the figures include the load of the sender.

Readers compared on the same streams:

- ``rsemon``: :class:`monitoring.live.MultiBedMonitor` (one thread per bed pulling
  its pylsl inlet into a preallocated buffer, hop-aligned ``min_samples``), with
  ``--processes 0`` (all beds in this process) or ``k`` worker processes.
- ``mne-lsl``: one ``mne_lsl.stream.StreamLSL`` per bed (its background thread
  pulls into a ring buffer every ``acquisition_delay`` = 1 ms, the default), read
  by one thread per bed polling ``n_new_samples`` every 5 ms and handing the new
  samples to the same engine; ``--mne-lsl-delay`` changes the acquisition delay.

Both use the machine-scope LSL configuration (``LSLAPICFG`` is set before either
library loads its liblsl).

Usage::

    python bench/live_latency.py                      # the full run (several minutes)
    python bench/live_latency.py --beds 1 --duration 20 --readers rsemon
    python bench/live_latency.py --beds 1,16,32,48,64 --processes 0,2
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rse_monitor.pipeline.lsl import get_pylsl  # noqa: E402  (configures LSL before any LSL import)

SFREQ_HZ = 256.0
BLOCK = 8  # samples per push: 32 pushes per second
CH_NAMES = tuple(
    "FP1-F7 F7-T7 T7-P7 P7-O1 FP1-F3 F3-C3 C3-P3 P3-O1 FP2-F4 F4-C4 C4-P4 P4-O2 "
    "FP2-F8 F8-T8 T8-P8 P8-O2 FZ-CZ CZ-PZ P7-T7 T7-FT9 FT9-FT10 FT10-T8 T8-P8-2".split()
)  # the 23 CHB-MIT derivations


# ----------------------------------------------------------------- the outlet side
def _signal(seconds: float = 60.0) -> np.ndarray:
    """60 s of 23-channel background EEG (µV, float32, samples × channels), looped."""
    from rse_monitor.recordings.synthetic import stream_background_chunks

    chunks = list(
        stream_background_chunks(seconds, SFREQ_HZ, n_channels=len(CH_NAMES), ch_names=CH_NAMES)
    )
    data = np.concatenate([c.data_uv for c in chunks], axis=1)
    return np.ascontiguousarray(data.T, dtype=np.float32)


def serve(n_beds: int, prefix: str) -> None:
    """Outlet process: ``n_beds`` outlets, one thread pushing a block to each every 1/32 s."""
    pylsl = get_pylsl()
    data = _signal()
    outlets = []
    for b in range(n_beds):
        info = pylsl.StreamInfo(
            f"{prefix}-{b}", "EEG", len(CH_NAMES), SFREQ_HZ, pylsl.cf_float32, f"{prefix}-{b}"
        )
        chans = info.desc().append_child("channels")
        for label in CH_NAMES:
            ch = chans.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", "microvolts")
            ch.append_child_value("type", "EEG")
        outlets.append(pylsl.StreamOutlet(info, chunk_size=0, max_buffered=30))
    print("READY", flush=True)
    parent = os.getppid()
    n_total = data.shape[0]
    k = 0
    t0 = time.monotonic()
    while True:
        due = t0 + (k + BLOCK) / SFREQ_HZ
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if k % int(SFREQ_HZ) == 0 and os.getppid() != parent:
            return  # the benchmark is gone
        s = k % n_total
        block = data[s : s + BLOCK]
        for outlet in outlets:
            outlet.push_chunk(block, timestamp=pylsl.local_clock())
        k += BLOCK


class _Outlets:
    """The outlet process, started and stopped by the benchmark."""

    def __init__(self, n_beds: int) -> None:
        self.prefix = f"bench-{uuid.uuid4().hex[:6]}"
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(n_beds), "--prefix", self.prefix],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
        )  # fmt: skip
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if "READY" not in line:
            raise RuntimeError("the outlet process did not start")
        self.names = [f"{self.prefix}-{b}" for b in range(n_beds)]

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


# ------------------------------------------------------------------ the readers
class _Collector:
    """Latencies per bed; recording starts once every bed has produced a hop."""

    def __init__(self, names: list[str]) -> None:
        self.names = set(names)
        self.lock = threading.Lock()
        self.started: set[str] = set()
        self.t_start = math.inf
        self.lat: dict[str, list[float]] = {}

    def add(self, bed: str, latency_s: float) -> None:
        with self.lock:
            self.started.add(bed)
            if time.monotonic() < self.t_start or not math.isfinite(latency_s):
                return
            self.lat.setdefault(bed, []).append(latency_s)

    def wait_and_measure(self, seconds: float, settle_s: float, stop: threading.Event) -> None:
        """Wait (up to 120 s) for all beds to run, settle, then record ``seconds``."""
        deadline = time.monotonic() + 120.0
        while self.started != self.names and time.monotonic() < deadline:
            time.sleep(0.1)
        with self.lock:
            self.t_start = time.monotonic() + settle_s
        time.sleep(settle_s)
        cpu0 = _cpu_s()
        time.sleep(seconds)
        self.cpu_s = {k: v - cpu0.get(k, 0.0) for k, v in _cpu_s().items()}
        self.wall_s = seconds
        stop.set()


def _cpu_s() -> dict[str, float]:
    """CPU seconds used so far by this process (+ workers) and by the outlet process."""
    import psutil

    me = psutil.Process()
    out = {"monitor": sum(me.cpu_times()[:2]), "outlets": 0.0}
    for child in me.children(recursive=True):
        try:
            t = sum(child.cpu_times()[:2])
            cmd = " ".join(child.cmdline())
        except psutil.Error:
            continue
        out["outlets" if "--serve" in cmd else "monitor"] += t
    return out


def _run_rsemon(
    names: list[str], seconds: float, settle_s: float, n_proc: int, out: Path
) -> _Collector:
    from rse_monitor.monitoring.live import BedSpec, HopRecord, MultiBedMonitor

    col = _Collector(names)

    def on_hop(rec: HopRecord) -> None:
        col.add(rec.bed_id, rec.latency_s)

    beds = [BedSpec(n, stream_name=n, out_dir=out / n) for n in names]
    multi = MultiBedMonitor(beds, n_processes=n_proc, on_hop=on_hop, timeout_s=0.5)
    multi.start()
    try:
        col.wait_and_measure(seconds, settle_s, threading.Event())
    finally:
        multi.stop()
        multi.join()
    return col


def _run_mne_lsl(
    names: list[str], seconds: float, settle_s: float, delay_s: float, out: Path
) -> _Collector:
    get_pylsl()  # LSLAPICFG is set before mne-lsl loads its own liblsl
    from mne_lsl.stream import StreamLSL

    from rse_monitor.monitoring.outputs import FileSink
    from rse_monitor.monitoring.session import BedSession, SourceInfo
    from rse_monitor.pipeline.chunk import Chunk

    clock = get_pylsl().local_clock
    col = _Collector(names)
    stop = threading.Event()

    def reader(name: str) -> None:
        stream = StreamLSL(bufsize=5.0, name=name)
        stream.connect(acquisition_delay=delay_s, timeout=10)
        fs = stream.info["sfreq"]
        ch = tuple(stream.ch_names)
        session = BedSession(name, None, None, [FileSink(out / name)])
        session.start(SourceInfo(fs, ch))
        n_seg, n_win, n_hop = 0, int(2 * fs), int(fs)
        t_next = 0
        try:
            while not stop.is_set():
                need = n_win - n_seg if n_seg < n_win else n_hop - (n_seg - n_win) % n_hop
                n_new = stream.n_new_samples
                if n_new < need:
                    time.sleep(0.005)
                    continue
                data, ts = stream.get_data(winsize=n_new / fs)
                chunk = Chunk(
                    np.ascontiguousarray(data, dtype=np.float64), t_next / fs, fs, ch
                )  # values already in µV (the outlet sends microvolts)
                t_next += data.shape[1]
                n_seg += data.shape[1]
                hops = session.push(chunk)
                if hops:
                    now = clock()
                    for hop in hops:
                        idx = int(round((hop.t_s - chunk.t0_s) * fs)) - 1
                        col.add(name, now - float(ts[idx]))
        finally:
            session.finish()
            stream.disconnect()

    threads = [threading.Thread(target=reader, args=(n,), daemon=True) for n in names]
    for th in threads:
        th.start()
    col.wait_and_measure(seconds, settle_s, stop)
    for th in threads:
        th.join(10)
    return col


# ----------------------------------------------------------------- one measurement
def measure(
    reader: str, n_beds: int, seconds: float, settle_s: float, n_proc: int = 0,
    mne_delay_s: float = 0.001,
) -> dict[str, Any]:  # fmt: skip
    import tempfile

    outlets = _Outlets(n_beds)
    load0 = os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if reader == "rsemon":
                col = _run_rsemon(outlets.names, seconds, settle_s, n_proc, Path(tmp))
            else:
                col = _run_mne_lsl(outlets.names, seconds, settle_s, mne_delay_s, Path(tmp))
    finally:
        outlets.close()
    cpu = getattr(col, "cpu_s", {"monitor": math.nan, "outlets": math.nan})
    lat = np.concatenate([np.asarray(v) for v in col.lat.values()]) if col.lat else np.zeros(0)
    expected = seconds  # one hop per second per bed
    per_bed = [len(col.lat.get(n, [])) for n in outlets.names]
    keeping_up = min(per_bed) >= 0.95 * expected - 1 if per_bed else False
    p99 = float(np.percentile(lat, 99)) if lat.size else math.inf
    return {
        "reader": f"rsemon/{n_proc}p"
        if reader == "rsemon"
        else ("mne-lsl" if mne_delay_s == 0.001 else f"mne-lsl/{mne_delay_s * 1e3:g}ms"),
        "n_beds": n_beds,
        "n_hops": int(lat.size),
        "p50_ms": round(float(np.percentile(lat, 50)) * 1e3, 1) if lat.size else None,
        "p99_ms": round(p99 * 1e3, 1) if lat.size else None,
        "max_ms": round(float(lat.max()) * 1e3, 1) if lat.size else None,
        "min_hops_per_bed": min(per_bed) if per_bed else 0,
        "expected_hops_per_bed": int(expected),
        "real_time": bool(keeping_up and p99 < 0.5),
        "monitor_cpu_pct": round(100 * cpu["monitor"] / seconds, 1),
        "outlet_cpu_pct": round(100 * cpu["outlets"] / seconds, 1),
        "loadavg_1min_before": round(load0, 2),
    }


def _machine() -> dict[str, Any]:
    pylsl = get_pylsl()
    info = {
        "cpu": platform.processor() or platform.machine(),
        "n_cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pylsl": pylsl.__version__,
        "liblsl": pylsl.library_version(),
        "lsl_config": os.environ.get("LSLAPICFG"),
    }
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import mne_lsl

        info["mne_lsl"] = mne_lsl.__version__
    except ImportError:
        info["mne_lsl"] = None
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--beds",
        default="1,16,32,48,64,96",
        help="comma-separated bed counts (capacity search stops at the first failure)",
    )
    ap.add_argument("--duration", type=float, default=30.0, help="measured seconds per run")
    ap.add_argument(
        "--settle",
        type=float,
        default=3.0,
        help="seconds ignored after every bed has produced its first hop",
    )
    ap.add_argument("--readers", default="rsemon,mne-lsl", help="rsemon and/or mne-lsl")
    ap.add_argument("--processes", default="0,2", help="rsemon worker processes to try")
    ap.add_argument("--mne-lsl-delay", type=float, default=0.001, help="mne-lsl acquisition_delay")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--prefix", default="bench", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve is not None:
        serve(args.serve, args.prefix)
        return 0
    beds = [int(b) for b in args.beds.split(",")]
    machine = _machine()
    print(json.dumps(machine), flush=True)
    results = []
    configs: list[tuple[str, int]] = []
    for reader in args.readers.split(","):
        if reader == "rsemon":
            configs += [("rsemon", int(p)) for p in args.processes.split(",")]
        elif reader == "mne-lsl":
            configs.append(("mne-lsl", 0))
        else:
            raise ValueError(f"unknown reader {reader!r}")
    header = f"{'reader':<12}{'beds':>5}{'hops':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}" \
             f"{'min hops':>9}{'cpu %':>7}{'outlet %':>9}{'load':>6}  real time"  # fmt: skip
    print(header, flush=True)
    for reader, n_proc in configs:
        for n in beds:
            r = measure(reader, n, args.duration, args.settle, n_proc, args.mne_lsl_delay)
            results.append(r)
            print(
                f"{r['reader']:<12}{n:>5}{r['n_hops']:>7}{r['p50_ms'] or math.nan:>9.1f}"
                f"{r['p99_ms'] or math.nan:>9.1f}{r['max_ms'] or math.nan:>9.1f}"
                f"{r['min_hops_per_bed']:>5}/{r['expected_hops_per_bed']:<3}"
                f"{r['monitor_cpu_pct']:>7.0f}{r['outlet_cpu_pct']:>9.0f}"
                f"{r['loadavg_1min_before']:>6.2f}  {'yes' if r['real_time'] else 'NO'}",
                flush=True,
            )
            if not r["real_time"]:
                break
    best = {}
    for r in results:
        if r["real_time"]:
            best[r["reader"]] = max(best.get(r["reader"], 0), r["n_beds"])
    print("largest real-time bed count:", json.dumps(best), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
