"""The four output files of ``replay`` and ``monitor`` (see ARCHITECTURE.md).

``trends.csv`` and ``alerts.jsonl`` are appended and flushed at every push, so a
crash loses at most the hops of the chunk in flight; ``events.tsv`` and
``summary.json`` are rewritten atomically (temp file + rename) whenever they change.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rse_monitor.detectors.alerts import Alert
from rse_monitor.detectors.annotations import SeizureEvent, write_events_tsv
from rse_monitor.detectors.seizure import DetectedSeizure
from rse_monitor.monitoring.engine import HopResult
from rse_monitor.monitoring.session import BedSession, Sink, SourceInfo

__all__ = ["FileSink", "atomic_write_text", "source_speed", "wall_clock_start"]


def source_speed(info: SourceInfo) -> float:
    """Recording seconds per wall-clock second of a source.

    ``info.speed`` when the source sets it; else the ``speed`` its description
    states (a live stream's, as an ``rsemon stream`` player declares it; an EDF
    paced at a speed); else 1.
    """
    if info.speed != 1.0:
        return float(info.speed)
    described = info.description.get("speed")
    try:
        speed = float(described) if described is not None else 1.0
    except (TypeError, ValueError):
        return 1.0
    return speed if math.isfinite(speed) and speed > 0 else 1.0


def wall_clock_start(info: SourceInfo) -> tuple[datetime, float]:
    """``(start, speed)`` so that an event at ``t_s`` happened at ``start + t_s / speed``.

    A recording with its own start date (an EDF header) keeps recording time: start
    = that date, speed 1. A source without one (a live stream) is anchored to the
    wall clock now (its ``t_s = 0``), and its recording time advances ``speed``
    times faster than the wall clock — the rule of the service's EDF beds, ``time =
    origin + t_s / speed``.
    """
    if info.start_datetime is not None:
        start = info.start_datetime
        return (start if start.tzinfo is not None else start.replace(tzinfo=UTC)), 1.0
    return datetime.now(UTC), source_speed(info)


def atomic_write_text(path: Path, text: str) -> None:
    """Write a whole file so that readers see the old or the new version, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class FileSink(Sink):
    """The four files of one bed in ``out_dir`` (a sink of :class:`~monitoring.session.BedSession`).

    Parameters
    ----------
    out_dir : Path
        Created if missing; existing output files are replaced.
    summary_every_s : float, optional
        Rewrite ``summary.json`` at most this often (wall seconds) while running, so
        a live run's summary is never older than that; None: only at the end.

    Notes
    -----
    An alert's ``time`` is the recording start (from the file header) plus its
    ``t_s``; for a live stream, whose samples carry no date, the wall-clock time at
    which the session started plus ``t_s / speed`` (a stream played at 10x reaches
    ``t_s`` = 100 s after 10 wall seconds; see :func:`wall_clock_start`).
    """

    def __init__(self, out_dir: Path, summary_every_s: float | None = None) -> None:
        if summary_every_s is not None and not summary_every_s > 0:
            raise ValueError(f"summary_every_s must be > 0, got {summary_every_s!r}")
        self.out_dir = Path(out_dir)
        self.summary_every_s = summary_every_s
        self.start_datetime: datetime | None = None
        self.speed = 1.0
        self.recording_start: datetime | None = None
        self.n_alerts = 0
        self.n_hops = 0
        self.alert_counts: dict[str, int] = {}
        self._trends_fh: Any = None
        self._alerts_fh: Any = None
        self._t_summary = time.monotonic()

    def start(self, session: BedSession, info: SourceInfo) -> None:
        if self._trends_fh is not None:
            return  # a live stream came back: keep appending
        self._open(session, info)

    def _open(self, session: BedSession, info: SourceInfo | None) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        #: the recording's own start (events.tsv says n/a without one)
        self.recording_start = None if info is None else info.start_datetime
        if info is None:  # an alert before the stream appeared: wall clock, until it does
            self.start_datetime, self.speed = datetime.now(UTC), 1.0
        else:
            self.start_datetime, self.speed = wall_clock_start(info)
        self._trends_fh = (self.out_dir / "trends.csv").open("w", newline="", encoding="utf-8")
        self._trends = csv.writer(self._trends_fh)
        self._trends.writerow(HopResult.TREND_COLUMNS)
        self._alerts_fh = (self.out_dir / "alerts.jsonl").open("w", encoding="utf-8")
        if self.summary_every_s is not None:
            self._write_summary(session.summary(final=False))

    def write(self, session: BedSession, hops: list[HopResult], alerts: list[Alert]) -> None:
        """Append trend rows and alerts, then flush both files (opened here if a live
        source raised an alert before its stream appeared, e.g. ``stream_not_found``)."""
        if self._trends_fh is None:
            if not alerts:
                return
            self._open(session, None)
        for hop in hops:
            self._trends.writerow(hop.trend_row())
        for alert in alerts:
            self._write_alert(session.bed_id, alert)
        self.n_hops += len(hops)
        self._trends_fh.flush()
        self._alerts_fh.flush()
        if self.summary_every_s is not None and (
            time.monotonic() - self._t_summary >= self.summary_every_s
        ):
            self._write_summary(session.summary(final=False))

    def _write_alert(self, bed_id: str, alert: Alert) -> None:
        self.n_alerts += 1
        assert self.start_datetime is not None
        when = self.start_datetime + timedelta(seconds=alert.t_s / self.speed)
        record = {
            "id": self.n_alerts,
            "bed_id": bed_id,
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            **alert.to_record(),
            "acked_by": None,
            "acked_at": None,
        }
        self.alert_counts[alert.kind] = self.alert_counts.get(alert.kind, 0) + 1
        self._alerts_fh.write(json.dumps(record, default=_json_default) + "\n")

    def events(self, session: BedSession, events: list[DetectedSeizure], t_end_s: float) -> None:
        if self._trends_fh is None:
            return
        rows = [
            SeizureEvent(
                onset_s=round(ev.onset_s, 3),
                duration_s=round((ev.offset_s if ev.offset_s is not None else t_end_s)
                                 - ev.onset_s, 3),
                event_type="sz",
                confidence=round(ev.confidence, 3),
                channels=",".join(ev.channels[:8]) or "n/a",
            )
            for ev in events
        ]  # fmt: skip
        extra = [("n/a",)] * len(rows)
        for ep in session.pattern_episodes:
            end = ep.offset_s if ep.offset_s is not None else t_end_s
            rows.append(
                SeizureEvent(
                    onset_s=round(ep.onset_s, 3), duration_s=round(max(0.0, end - ep.onset_s), 3),
                    event_type=ep.event_type, confidence=None,
                    channels=",".join(ep.top_channels(8)) or "n/a",
                )
            )  # fmt: skip
            extra.append((f"{ep.frequency_hz:.2f}",))
        write_events_tsv(
            self.out_dir / "events.tsv", rows, t_end_s, self.recording_start,
            extra_columns=("frequency_hz",), extra_values=extra,
        )  # fmt: skip

    def close(self, session: BedSession, summary: dict[str, Any]) -> None:
        if self._trends_fh is None:
            return
        self._write_summary(summary)
        self._trends_fh.close()
        self._alerts_fh.close()

    def _write_summary(self, summary: dict[str, Any]) -> None:
        self._t_summary = time.monotonic()
        summary = {**summary, "n_hops": self.n_hops, "n_alerts": self.n_alerts,
                   "alerts_by_kind": dict(self.alert_counts)}  # fmt: skip
        atomic_write_text(
            self.out_dir / "summary.json",
            json.dumps(summary, indent=2, default=_json_default) + "\n",
        )


def _json_default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, float):
        return None
    return str(obj)
