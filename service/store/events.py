"""The alert change log (``alert_events``) read in batches for the SSE fan-out.

:func:`events_since` is the one query the live streams use: the broker's shared
reader calls it for all beds (one read per new batch of events, whatever the number
of open streams), and a stream that resumes after ``Last-Event-ID`` -- or that fell
too far behind -- calls it for its own beds until it has caught up.

Rows come back as :class:`AlertEvent` with the SSE ``data:`` JSON already built, so
a batch is serialised once and the same text is sent to every stream that wants it.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

from rse_monitor.service.db import Database

__all__ = ["AlertEvent", "events_since"]


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One committed alert change: its log ``seq`` (the SSE ``id:``), bed and frame."""

    seq: int
    bed_id: str
    created_at: str
    frame: str  # the whole SSE event: "id: ...\nevent: alert\ndata: ...\n\n"


def sse_frame(seq: int, change: str, snapshot: str) -> str:
    """The SSE event of one alert change (its snapshot plus ``change`` and ``event_id``)."""
    data = json.loads(snapshot)
    data["change"] = change
    data["event_id"] = seq
    return f"id: {seq}\nevent: alert\ndata: {json.dumps(data)}\n\n"


def events_since(
    db: Database, after_seq: int, bed_ids: Collection[str] | None = None, limit: int = 500
) -> list[AlertEvent]:
    """Committed alert events with ``seq > after_seq``, oldest first, at most ``limit``.

    Parameters
    ----------
    db : Database
    after_seq : int
        Last event already delivered (0: from the start of the log).
    bed_ids : collection of str, optional
        Only these beds' events; ``None``: every bed.
    limit : int
        Batch size (>= 1); a full batch means more may follow.
    """
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit!r}")
    sql = (
        "SELECT seq, bed_id, change, created_at, snapshot FROM alert_events "
        "WHERE seq > ? AND snapshot != ''"
    )
    args: list[object] = [int(after_seq)]
    if bed_ids is not None:
        beds = sorted(set(bed_ids))
        if not beds:
            return []
        sql += f" AND bed_id IN ({', '.join('?' * len(beds))})"
        args += beds
    sql += " ORDER BY seq LIMIT ?"
    args.append(int(limit))
    with db.read() as conn:
        rows = conn.execute(sql, args).fetchall()
    return [
        AlertEvent(
            int(r["seq"]),
            str(r["bed_id"]),
            str(r["created_at"]),
            sse_frame(int(r["seq"]), str(r["change"]), str(r["snapshot"])),
        )
        for r in rows
    ]
