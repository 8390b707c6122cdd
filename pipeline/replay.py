"""Offline replay: one EDF/BDF file through the engine as fast as the machine allows."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

from detectors.alerting import AlertPolicy
from detectors.clinical import ClinicalState, SeizureType
from pipeline.engine import BedEngine, EngineConfig
from pipeline.ingest import EdfSource
from pipeline.outputs import OutputWriter

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
    config: EngineConfig | None = None,
    chunk_s: float = 60.0,
    progress: bool = True,
    seizure_type: SeizureType = "generalized_convulsive",
) -> dict[str, Any]:
    """Replay a recording and write ``events.tsv``, ``trends.csv``, ``alerts.jsonl``
    and ``summary.json`` into ``out_dir`` (default ``./out/<file stem>/``).

    The clinical layer runs with ``seizure_type`` (for t1/t2), default targets and an
    empty treatment log, so ``alerts.jsonl`` holds what a live bed would raise
    before anyone entered a treatment. Raises :class:`pipeline.ingest.IngestError`
    (one-line reason) for bad input.
    Returns the summary dictionary.
    """
    from pipeline import __version__

    source = EdfSource(path, chunk_s=chunk_s)
    info = source.info
    out = Path(out_dir) if out_dir is not None else Path("out") / Path(path).stem
    engine = BedEngine(source.sfreq_hz, source.ch_names, info.unit_known, config)
    # the alerts a bed in the service would raise (no treatment entered yet)
    clinical, policy, n_ch = ClinicalState(seizure_type), AlertPolicy(), len(engine.ch_names)
    writer = OutputWriter(out, bed_id=Path(path).stem, start_datetime=info.start_datetime)
    bar = ProgressBar(source.duration_s, Path(path).name) if progress else None
    t0 = time.perf_counter()
    try:
        for chunk in source.chunks():
            hops = engine.push(chunk)
            changes = [c for h in hops for c in policy.hop_changes(h, clinical, n_ch)]
            writer.write_hops(hops, alerts=[c.to_record() for c in changes])
            if bar is not None:
                bar.update(chunk.t_end_s)
        events = engine.finish()
        writer.write_events(events, source.duration_s)
        wall_s = time.perf_counter() - t0
        if bar is not None:
            bar.close()
        summary: dict[str, Any] = {
            "software": "rse-monitor",
            "version": __version__,
            "input": {
                "path": str(path),
                "format": info.format,
                "duration_s": source.duration_s,
                "sfreq_hz": source.sfreq_hz,
                "n_eeg_channels": len(source.ch_names),
                "channels_set_aside": list(info.set_aside),
                "start_datetime": info.start_datetime,
                "unit_known": info.unit_known,
                "warnings": list(info.warnings),
            },
            "settings": engine.settings(),
            "n_seizures": len(events),
            "seizures": [
                {"onset_s": e.onset_s, "offset_s": e.offset_s, "confidence": e.confidence}
                for e in events
            ],
            "seizure_time_s": sum((e.offset_s or source.duration_s) - e.onset_s for e in events),
            "wall_time_s": round(wall_s, 3),
            "real_time_factor": round(source.duration_s / max(wall_s, 1e-9), 1),
        }
        writer.write_summary(summary)
    finally:
        writer.close()
    return summary
