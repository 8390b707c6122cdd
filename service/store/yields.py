"""Alarm yield: how many alerts of each kind, how many labelled true or false.

The SQL behind ``GET /api/v1/alerts/yield``. Counted per alert (a condition raised
once, whatever its updates), over the admissions and period asked for; bed-days are
the monitored time of those admissions within the period (admission to discharge,
or to now), so a rate per bed-day compares beds that were watched for different
lengths of time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rse_monitor.service.clock import parse_iso
from rse_monitor.service.db import Database, iso_utc, utc_now

__all__ = ["alarm_yield"]


def _parse(text: str | None) -> datetime | None:
    return parse_iso(text) if text else None


def _bed_days(rows: list[Any], since: datetime | None, until: datetime) -> float:
    total_s = 0.0
    for r in rows:
        start = _parse(r["created_at"])
        end = _parse(r["discharged_at"]) or until
        if start is None:
            continue
        if since is not None and since > start:
            start = since
        end = min(end, until)
        total_s += max(0.0, (end - start).total_seconds())
    return total_s / 86400.0


def alarm_yield(
    db: Database, bed_id: str | None = None, since: str | None = None, until: str | None = None
) -> dict[str, Any]:
    """Per alert kind: count, acknowledged, labelled true/false/unsure; and bed-days.

    ``since``/``until`` are ISO 8601 UTC strings bounding the alerts' ``time``.
    """
    until_dt = _parse(until) or utc_now()
    since_dt = _parse(since)
    where, args = ["1 = 1"], []
    if bed_id is not None:
        where.append("a.bed_id = ?")
        args.append(bed_id)
    if since is not None:
        where.append("a.time >= ?")
        args.append(since)
    if until is not None:
        where.append("a.time < ?")
        args.append(until)
    clause = " AND ".join(where)
    with db.read() as conn:
        kinds = conn.execute(
            "SELECT a.kind, COUNT(*) AS n, SUM(a.acked_at IS NOT NULL) AS acked, "
            "SUM(a.ack_label = 'true_alarm') AS n_true, "
            "SUM(a.ack_label = 'false_alarm') AS n_false, "
            "SUM(a.ack_label = 'unsure') AS n_unsure "
            f"FROM alerts a WHERE {clause} GROUP BY a.kind ORDER BY a.kind",
            args,
        ).fetchall()
        bed_where, bed_args = ["created_at < ?"], [iso_utc(until_dt)]
        if bed_id is not None:
            bed_where.append("bed_id = ?")
            bed_args.append(bed_id)
        beds = conn.execute(
            "SELECT bed_id, created_at, discharged_at FROM beds WHERE " + " AND ".join(bed_where),
            bed_args,
        ).fetchall()
    return {
        "kinds": [dict(r) for r in kinds],
        "bed_days": _bed_days(list(beds), since_dt, until_dt),
        "n_beds": len({r["bed_id"] for r in beds}),
    }
