"""Offline replay: one EDF/BDF file through a bed session as fast as the machine allows."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from rse_monitor.detectors.clinical import SeizureType
from rse_monitor.monitoring.outputs import FileSink
from rse_monitor.monitoring.session import BedSession
from rse_monitor.monitoring.settings import BedSettings, EngineConfig
from rse_monitor.monitoring.sources import open_recording

__all__ = ["run_replay", "ProgressBar"]


class ProgressBar:
    """A plain progress bar on stderr (redrawn at most 10 times a second)."""

    def __init__(self, total: float, label: str, stream: TextIO | None = None) -> None:
        self.total = max(float(total), 1e-9)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self._last = 0.0
        self._t0 = time.perf_counter()

    def update(self, done: float, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        frac = min(1.0, done / self.total)
        width = 30
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        speed = done / max(now - self._t0, 1e-9)
        self.stream.write(
            f"\r{self.label} [{bar}] {frac * 100:5.1f}% {done:,.0f}/{self.total:,.0f} s "
            f"({speed:,.0f}x real time)"
        )
        self.stream.flush()

    def close(self) -> None:
        self.update(self.total, force=True)
        self.stream.write("\n")
        self.stream.flush()


def run_replay(
    path: str | Path,
    out_dir: str | Path | None = None,
    settings: BedSettings | EngineConfig | None = None,
    chunk_s: float = 60.0,
    progress: bool = True,
    seizure_type: SeizureType | None = None,
) -> dict[str, Any]:
    """Replay a recording and write ``events.tsv``, ``trends.csv``, ``alerts.jsonl``
    and ``summary.json`` into ``out_dir`` (default ``./out/<file stem>/``).

    The file runs through the same :class:`~monitoring.session.BedSession` as a
    service bed: the clinical layer runs with the settings' seizure type (for
    t1/t2), targets and an empty treatment log, so ``alerts.jsonl`` holds what a
    live bed would raise before anyone entered a treatment. Raises
    :class:`pipeline.ingest.IngestError` (one-line reason) for bad input.
    Returns the summary dictionary.
    """
    if isinstance(settings, EngineConfig):
        settings = BedSettings(engine=settings)
    settings = settings or BedSettings()
    if seizure_type is not None:
        settings = replace(settings, seizure_type=seizure_type)
    bar = ProgressBar(1.0, Path(path).name) if progress else None
    source = open_recording(path, chunk_s=chunk_s,
                            on_progress=None if bar is None else bar.update)  # fmt: skip
    if bar is not None:
        bar.total = max(source.duration_s, 1e-9)
    out = Path(out_dir) if out_dir is not None else Path("out") / Path(path).stem
    session = BedSession(Path(path).stem, source, settings, [FileSink(out)])
    summary = session.run()
    if bar is not None:
        bar.close()
    for warning in summary.get("warnings", []):
        print(f"{Path(path).name}: warning: {warning}", file=sys.stderr)
    return summary
