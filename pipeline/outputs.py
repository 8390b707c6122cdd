"""The four output files of ``replay`` and ``monitor`` (see ARCHITECTURE.md).

``trends.csv`` and ``alerts.jsonl`` are appended and flushed at every push, so a
crash loses at most the hops of the chunk in flight; ``events.tsv`` and
``summary.json`` are rewritten atomically (temp file + rename) whenever they change.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from detectors.annotations import SeizureEvent, write_events_tsv
from detectors.seizure import DetectedSeizure
from pipeline.engine import HopResult

__all__ = ["OutputWriter", "atomic_write_text"]


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


class OutputWriter:
    """Write trends, alerts, events and the summary of one bed into ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Created if missing; existing output files are replaced.
    bed_id : str
        Stored in each alert.
    start_datetime : datetime, optional
        Clock time of the recording start (alerts get ``time`` = start + t_s;
        without it, the wall-clock time at which the alert was raised).
    """

    def __init__(
        self, out_dir: Path, bed_id: str = "bed", start_datetime: datetime | None = None
    ) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.bed_id = bed_id
        self.start_datetime = start_datetime
        self._trends_fh = (self.out_dir / "trends.csv").open("w", newline="", encoding="utf-8")
        self._trends = csv.writer(self._trends_fh)
        self._trends.writerow(HopResult.TREND_COLUMNS)
        self._alerts_fh = (self.out_dir / "alerts.jsonl").open("w", encoding="utf-8")
        self.n_alerts = 0
        self.n_hops = 0
        self.alert_counts: dict[str, int] = {}

    def _time_of(self, t_s: float) -> str:
        if self.start_datetime is not None:
            start = self.start_datetime
            if start.tzinfo is None:
                start = start.replace(tzinfo=UTC)
            when = start + timedelta(seconds=t_s)
        else:
            when = datetime.now(UTC)
        return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def write_hops(
        self,
        hops: list[HopResult],
        extra_alerts: Sequence[dict[str, Any]] = (),
        alerts: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """Append trend rows and alerts, then flush both files.

        The alerts written are ``alerts`` when given (what the bed's alert policy
        made of the hops, see :mod:`detectors.alerting`), else the engine's own
        alerts of each hop; then ``extra_alerts``.
        """
        for hop in hops:
            self._trends.writerow(hop.trend_row())
            if alerts is None:
                for engine_alert in hop.alerts:
                    self._write_alert(engine_alert.to_dict())
        for alert in alerts or ():
            self._write_alert(alert)
        for alert in extra_alerts:
            self._write_alert(alert)
        self.n_hops += len(hops)
        self._trends_fh.flush()
        self._alerts_fh.flush()

    def _write_alert(self, alert: dict[str, Any]) -> None:
        self.n_alerts += 1
        record = {
            "id": self.n_alerts,
            "bed_id": self.bed_id,
            "time": self._time_of(float(alert["t_s"])),
            "t_s": round(float(alert["t_s"]), 3),
            "kind": alert["kind"],
            "severity": alert["severity"],
            "message": alert["message"],
            "details": alert.get("details", {}),
            "acked_by": None,
            "acked_at": None,
        }
        self.alert_counts[record["kind"]] = self.alert_counts.get(record["kind"], 0) + 1
        self._alerts_fh.write(json.dumps(record, default=_json_default) + "\n")

    def write_events(self, events: list[DetectedSeizure], duration_s: float) -> None:
        rows = [
            SeizureEvent(
                onset_s=round(ev.onset_s, 3),
                duration_s=round((ev.offset_s if ev.offset_s is not None else duration_s)
                                 - ev.onset_s, 3),
                event_type="sz",
                confidence=round(ev.confidence, 3),
                channels=",".join(ev.channels[:8]) or "n/a",
            )
            for ev in events
        ]  # fmt: skip
        write_events_tsv(self.out_dir / "events.tsv", rows, duration_s, self.start_datetime)

    def write_summary(self, summary: dict[str, Any]) -> None:
        summary = {**summary, "n_hops": self.n_hops, "n_alerts": self.n_alerts,
                   "alerts_by_kind": self.alert_counts}  # fmt: skip
        atomic_write_text(
            self.out_dir / "summary.json",
            json.dumps(summary, indent=2, default=_json_default) + "\n",
        )

    def close(self) -> None:
        self._trends_fh.close()
        self._alerts_fh.close()


def _json_default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, float):
        return None
    return str(obj)
