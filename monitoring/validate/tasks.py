"""One recording as one task: replay it into its derivatives folder, write its status.

:func:`replay_recording` is what a Dask worker runs. It never raises: a recording
that cannot be replayed (corrupt EDF, missing file, an engine error) comes back as a
``failed`` status with its one-line reason, and the run goes on. ``status.json`` is
written last and atomically, so a recording counts as done only once its four
files are complete; :func:`is_done` is the resume test (same software version,
same settings hash, status ``ok``, the four files present).
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import functools
import hashlib
import io
import json
import math
import os
import resource
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rse_monitor.monitoring.validate.dataset import Recording

__all__ = [
    "OUTPUT_FILES", "STATUS_FILE", "settings_hash", "output_paths", "read_status",
    "is_done", "replay_recording", "failed_status", "write_status", "undo_dask_malloc_trim",
]  # fmt: skip

#: The four contract files of ``rsemon replay``, in a recording's derivatives folder
#: as ``<prefix>_<name>``.
OUTPUT_FILES: tuple[str, ...] = ("events.tsv", "trends.csv", "alerts.jsonl", "summary.json")
STATUS_FILE = "status.json"

#: Points kept of each recording's suppression-ratio trend for the report.
TREND_POINTS = 240


def settings_hash(settings: dict[str, Any]) -> str:
    """First 16 hex digits of the SHA-256 of the settings as sorted, compact JSON."""
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def output_paths(rec: Recording, root: Path) -> dict[str, Path]:
    """Each output name (the four files and ``status.json``) to its path under ``root``
    (``DIR/derivatives/rse-monitor``)."""
    folder = root / rec.rel_dir
    return {name: folder / f"{rec.prefix}_{name}" for name in (*OUTPUT_FILES, STATUS_FILE)}


def read_status(rec: Recording, root: Path) -> dict[str, Any] | None:
    """The recording's status, None when absent or unreadable."""
    try:
        data = json.loads(output_paths(rec, root)[STATUS_FILE].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_done(rec: Recording, root: Path, version: str, settings_digest: str) -> bool:
    """True when the recording was replayed with this version and these settings."""
    status = read_status(rec, root)
    if not status or status.get("status") != "ok":
        return False
    if status.get("version") != version or status.get("settings_hash") != settings_digest:
        return False
    paths = output_paths(rec, root)
    return all(paths[name].is_file() for name in OUTPUT_FILES)


def write_status(rec: Recording, root: Path, status: dict[str, Any]) -> None:
    """Write ``<prefix>_status.json`` atomically (a reader sees the old or the new one)."""
    path = output_paths(rec, root)[STATUS_FILE]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    head = {k: v for k, v in status.items() if k != "sr_trend"}
    text = json.dumps(head, indent=1)
    if "sr_trend" in status:  # one line: up to TREND_POINTS pairs
        trend = json.dumps(status["sr_trend"], separators=(",", ":"))
        text = f'{text[:-2]},\n "sr_trend": {trend}\n}}'
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _base_status(rec: Recording, version: str, settings_digest: str) -> dict[str, Any]:
    return {
        "recording": rec.path, "reference": rec.reference, "subject": rec.subject,
        "session": rec.session, "prefix": rec.prefix, "version": version,
        "settings_hash": settings_digest,
    }  # fmt: skip


def failed_status(
    rec: Recording, version: str, settings_digest: str, reason: str, **timings: Any
) -> dict[str, Any]:
    """A ``failed`` status with a one-line reason."""
    return {**_base_status(rec, version, settings_digest), "status": "failed",
            "reason": " ".join(reason.split()) or "unknown error", **timings}  # fmt: skip


def _trend_digest(trends_csv: Path, n_points: int = TREND_POINTS) -> list[list[float | None]]:
    """``[[t_s, suppression_ratio], ...]``: bin means over at most ``n_points`` bins
    (None for a bin without a valid ratio), for the report's sparkline."""
    times: list[float] = []
    ratios: list[float] = []
    with trends_csv.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if "t_s" not in header or "suppression_ratio" not in header:
            return []
        i_t, i_sr = header.index("t_s"), header.index("suppression_ratio")
        for row in reader:
            times.append(float(row[i_t]))
            ratios.append(float(row[i_sr]) if row[i_sr] else math.nan)
    if not times:
        return []
    per_bin = max(1, math.ceil(len(times) / n_points))
    out: list[list[float | None]] = []
    for start in range(0, len(times), per_bin):
        valid = [r for r in ratios[start : start + per_bin] if not math.isnan(r)]
        value = round(sum(valid) / len(valid), 4) if valid else None
        out.append([times[min(start + per_bin, len(times)) - 1], value])
    return out


def _peak_rss_mb() -> float:
    """Peak resident memory of this (worker) process so far, MB.

    ``VmHWM`` of ``/proc/self/status`` (the high-water mark of this process's own
    memory); not ``ru_maxrss``, which Linux carries across ``execve`` from the parent
    (a worker spawned by a large driver would report the driver's peak).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


@functools.cache
def undo_dask_malloc_trim() -> bool:
    """Give glibc back large mmap and trim thresholds in a Dask worker; True if done.

    Dask's nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (its
    ``distributed.nanny.pre-spawn-environ`` default). That fixes glibc's thresholds
    low and stops them adapting, so every large NumPy temporary of a replay is
    mmap-ed and unmapped again: a 30-min replay took 3.1-3.5 s of CPU instead of
    1.6-1.8 s (bench/RESULTS.md, 1f). ``mallopt`` sets the mmap threshold to glibc's
    ceiling (32 MiB on 64-bit) and the trim threshold to 64 MiB, once per process:
    a worker keeps at most that much freed heap. Nothing is changed when the variable
    is not set or the C library is not glibc.
    """
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    return bool(mallopt(m_mmap_threshold, 32 * 1024 * 1024)) and bool(
        mallopt(m_trim_threshold, 64 * 1024 * 1024)
    )


def replay_recording(
    rec: Recording, root: str, settings: dict[str, Any], version: str
) -> dict[str, Any]:
    """Replay one recording into ``root/<sub>/[<ses>/]eeg/`` and return its status.

    Parameters
    ----------
    rec : Recording
    root : str
        ``DIR/derivatives/rse-monitor``.
    settings : dict
        :meth:`monitoring.settings.BedSettings.to_dict` (plain data, so that it
        travels to any Dask worker).
    version : str
        The driver's software version; a worker running another version refuses
        the task (its outputs would not match the status).

    Returns
    -------
    dict
        The status written to ``<prefix>_status.json``: ``status`` ``ok`` or
        ``failed`` (with ``reason``), version, settings hash, timings, worker.
    """
    from rse_monitor.pipeline import __version__
    from rse_monitor.pipeline.ingest import IngestError

    started = datetime.now(UTC)
    t0, c0 = time.perf_counter(), time.process_time()
    digest = settings_hash(settings)
    base = Path(root)
    timing = {"started": started.isoformat(timespec="seconds"), "host": os.uname().nodename,
              "pid": os.getpid(), "malloc_tuned": undo_dask_malloc_trim()}  # fmt: skip

    def done(**more: Any) -> dict[str, Any]:
        return {**timing, "wall_s": round(time.perf_counter() - t0, 3),
                "cpu_s": round(time.process_time() - c0, 3),
                "worker_peak_rss_mb": _peak_rss_mb(), **more}  # fmt: skip

    if __version__ != version:
        status = failed_status(rec, version, digest,
                               f"worker runs rse-monitor {__version__}, the run {version}",
                               **done())  # fmt: skip
        write_status(rec, base, status)
        return status
    paths = output_paths(rec, base)
    scratch = paths[STATUS_FILE].parent / f".{rec.prefix}.partial"
    try:
        from rse_monitor.monitoring.replay import run_replay
        from rse_monitor.monitoring.settings import BedSettings

        shutil.rmtree(scratch, ignore_errors=True)
        # replay prints input warnings on stderr; here they go to status.json instead
        with contextlib.redirect_stderr(io.StringIO()):
            summary = run_replay(rec.path, scratch, BedSettings.from_dict(settings),
                                 progress=False)  # fmt: skip
        for name in OUTPUT_FILES:
            os.replace(scratch / name, paths[name])
        shutil.rmtree(scratch, ignore_errors=True)
        status = {
            **_base_status(rec, version, digest), "status": "ok", "reason": None,
            "duration_s": float(summary["input"]["duration_s"]),
            "n_seizures": int(summary.get("n_seizures", 0)),
            "warnings": list(summary.get("warnings", [])),
            "sr_trend": _trend_digest(paths["trends.csv"]),
            **done(),
        }  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - the task boundary: one bad file never stops a run
        shutil.rmtree(scratch, ignore_errors=True)
        reason = f"{type(exc).__name__}: {exc}" if not isinstance(exc, IngestError) else str(exc)
        status = failed_status(rec, version, digest, reason, **done())
    write_status(rec, base, status)
    return status
