"""Reads and writes of alerts and trends (SQL in one place).

Alerts
------
An alert row is one *condition* of one bed (``key``, e.g. ``below_band``): it is
inserted when raised, updated in place while the condition persists
(``state = updated``, ``n_updates`` counts), and closed when cleared. Every change
(raised, updated, cleared, acked) is also appended to ``alert_events`` with a
snapshot of the alert, in the same transaction. The SSE stream replays that log:
its ``id:`` field is the event's ``seq``, which increases monotonically.

Alert ids and event ids share one sequence: a new alert takes the ``seq`` of its
``raised`` event as its id. So for a new alert ``id:`` of the SSE event equals the
alert's id (as the HTTP contract says), and a stream resumed after any id -- an
event id or an alert id -- misses nothing.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from detectors.alerts import Alert
from monitoring.engine import HopResult
from service.clock import BedClock
from service.db import Database, iso_utc, utc_now

__all__ = [
    "apply_alert_changes",
    "alert_public",
    "get_alert",
    "list_alerts",
    "ack_alert",
    "events_after",
    "last_event_id",
    "insert_trends",
    "read_trends",
    "TREND_FIELDS",
    "clean_json",
]

SEVERITIES = ("low", "medium", "high")

#: Trend columns stored per hop (same names as ``trends.csv``).
TREND_FIELDS: tuple[str, ...] = tuple(HopResult.TREND_COLUMNS)


def clean_json(value: Any) -> Any:
    """Replace non-finite floats by None (JSON has no NaN) and tuples by lists, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return clean_json(value.item())
    return value


def _dumps(value: Any) -> str:
    return json.dumps(clean_json(value), allow_nan=False, separators=(",", ":"))


def alert_public(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """The API form of an alert row."""
    r = dict(row)
    return {
        "id": r["id"],
        "bed_id": r["bed_id"],
        "admission_id": r["admission_id"],
        "key": r["key"],
        "kind": r["kind"],
        "severity": r["severity"],
        "origin": r["origin"],
        "message": r["message"],
        "details": json.loads(r["details"]) if isinstance(r["details"], str) else r["details"],
        "t_s": r["t_s"],
        "time": r["time"],
        "state": r["state"],
        "open": bool(r["is_open"]),
        "last_t_s": r["last_t_s"],
        "n_updates": r["n_updates"],
        "cleared_t_s": r["cleared_t_s"],
        "cleared_at": r["cleared_at"],
        "cleared_message": r["cleared_message"],
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
        "acked_by": r["acked_by"],
        "acked_at": r["acked_at"],
    }


def _log_event(conn: sqlite3.Connection, alert_id: int, change: str) -> int:
    row = conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    cur = conn.execute(
        "INSERT INTO alert_events (alert_id, bed_id, change, created_at, snapshot) "
        "VALUES (?, ?, ?, ?, ?)",
        (alert_id, row["bed_id"], change, iso_utc(utc_now()), _dumps(alert_public(row))),
    )
    return int(cur.lastrowid or 0)


def apply_alert_changes(
    conn: sqlite3.Connection,
    admission_id: int,
    bed_id: str,
    clock: BedClock,
    changes: Iterable[Alert],
) -> list[int]:
    """Store alert transitions inside the caller's transaction; return the event seqs.

    ``raised`` inserts a row (or updates the open row of the same key, so a
    condition never has two open alerts); ``updated`` updates the open row (or
    raises it if none is open); ``cleared`` closes the open row (no-op if none).
    """
    seqs: list[int] = []
    for ch in changes:
        if ch.severity not in SEVERITIES:
            raise ValueError(f"alert severity must be one of {SEVERITIES}, got {ch.severity!r}")
        now = iso_utc(utc_now())
        details = _dumps(ch.to_record()["details"])
        open_row = conn.execute(
            "SELECT id FROM alerts WHERE admission_id = ? AND key = ? AND is_open = 1",
            (admission_id, ch.key),
        ).fetchone()
        if ch.state == "cleared":
            if open_row is None:
                continue
            conn.execute(
                "UPDATE alerts SET state = 'cleared', is_open = 0, cleared_t_s = ?, "
                "cleared_at = ?, cleared_message = ?, last_t_s = ?, updated_at = ? WHERE id = ?",
                (ch.t_s, clock.iso_of(ch.t_s), ch.message, ch.t_s, now, open_row["id"]),
            )
            seqs.append(_log_event(conn, int(open_row["id"]), "cleared"))
        elif open_row is not None:
            conn.execute(
                "UPDATE alerts SET state = 'updated', severity = ?, message = ?, details = ?, "
                "last_t_s = ?, n_updates = n_updates + 1, updated_at = ? WHERE id = ?",
                (ch.severity, ch.message, details, ch.t_s, now, open_row["id"]),
            )
            seqs.append(_log_event(conn, int(open_row["id"]), "updated"))
        else:
            cur = conn.execute(
                "INSERT INTO alert_events (alert_id, bed_id, change, created_at, snapshot) "
                "VALUES (0, ?, 'raised', ?, '')",
                (bed_id, now),
            )
            seq = int(cur.lastrowid or 0)
            conn.execute(
                "INSERT INTO alerts (id, admission_id, bed_id, key, kind, severity, origin, "
                "message, details, t_s, time, state, is_open, last_t_s, n_updates, "
                "created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'raised', 1, ?, 0, ?, ?)",
                (seq, admission_id, bed_id, ch.key, ch.kind, ch.severity, ch.origin,
                 ch.message, details, ch.t_s, clock.iso_of(ch.t_s), ch.t_s, now, now),
            )  # fmt: skip
            row = conn.execute("SELECT * FROM alerts WHERE id = ?", (seq,)).fetchone()
            conn.execute(
                "UPDATE alert_events SET alert_id = ?, snapshot = ? WHERE seq = ?",
                (seq, _dumps(alert_public(row)), seq),
            )
            seqs.append(seq)
    return seqs


def get_alert(db: Database, alert_id: int) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    return None if row is None else alert_public(row)


def list_alerts(
    db: Database,
    *,
    bed_id: str | None = None,
    admission_id: int | None = None,
    since: str | None = None,
    after_id: int | None = None,
    unacknowledged: bool | None = None,
    open_only: bool | None = None,
    severity: str | None = None,
    order: str = "desc",
    limit: int = 200,
) -> tuple[list[dict[str, Any]], int]:
    """Alerts matching the filters, and how many match in total (before ``limit``)."""
    where: list[str] = []
    args: list[Any] = []
    if bed_id is not None:
        where.append("bed_id = ?")
        args.append(bed_id)
    if admission_id is not None:
        where.append("admission_id = ?")
        args.append(admission_id)
    if since is not None:
        where.append("(time >= ? OR updated_at >= ?)")
        args += [since, since]
    if after_id is not None:
        where.append("id > ?")
        args.append(after_id)
    if unacknowledged:
        where.append("acked_at IS NULL")
    elif unacknowledged is False:
        where.append("acked_at IS NOT NULL")
    if open_only:
        where.append("is_open = 1")
    elif open_only is False:
        where.append("is_open = 0")
    if severity is not None:
        where.append("severity = ?")
        args.append(severity)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    direction = "ASC" if order == "asc" else "DESC"
    with db.read() as conn:
        total = int(conn.execute(f"SELECT COUNT(*) FROM alerts{clause}", args).fetchone()[0])
        rows = conn.execute(
            f"SELECT * FROM alerts{clause} ORDER BY id {direction} LIMIT ?", [*args, limit]
        ).fetchall()
    return [alert_public(r) for r in rows], total


def ack_alert(db: Database, alert_id: int, who: str) -> tuple[dict[str, Any] | None, bool]:
    """Acknowledge an alert; returns (alert, changed). Acking twice keeps the first ack."""
    with db.transaction() as conn:
        row = conn.execute("SELECT acked_at FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        if row is None:
            return None, False
        changed = row["acked_at"] is None
        if changed:
            now = iso_utc(utc_now())
            conn.execute(
                "UPDATE alerts SET acked_by = ?, acked_at = ?, updated_at = ? WHERE id = ?",
                (who, now, now, alert_id),
            )
            _log_event(conn, alert_id, "acked")
        out = conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    return alert_public(out), changed


def last_event_id(db: Database) -> int:
    with db.read() as conn:
        row = conn.execute("SELECT MAX(seq) FROM alert_events").fetchone()
    return int(row[0] or 0)


def events_after(
    db: Database, seq: int, bed_id: str | None = None, limit: int = 200
) -> list[tuple[int, str, str]]:
    """Alert events with ``seq > seq`` as (seq, change, snapshot JSON), oldest first."""
    with db.read() as conn:
        if bed_id is None:
            rows = conn.execute(
                "SELECT seq, change, snapshot FROM alert_events WHERE seq > ? AND snapshot != '' "
                "ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
        else:
            rows = conn.execute(
                "SELECT seq, change, snapshot FROM alert_events WHERE seq > ? AND bed_id = ? "
                "AND snapshot != '' ORDER BY seq LIMIT ?",
                (seq, bed_id, limit),
            ).fetchall()
    return [(int(r["seq"]), str(r["change"]), str(r["snapshot"])) for r in rows]


# ---------------------------------------------------------------------------- trends
def _trend_values(hop: HopResult) -> tuple[Any, ...]:
    def num(v: Any) -> float | None:
        if v is None:
            return None
        f = float(v)
        return f if math.isfinite(f) else None

    bp = hop.band_power_uv2 or {}
    return (
        float(hop.t_s), num(hop.suppression_ratio), num(hop.line_length), num(hop.coherence),
        int(bool(hop.ictal)), str(hop.depth), num(hop.seizure_score), num(hop.rms_uv),
        num(hop.bursts_per_min), num(hop.ibi_median_s), num(bp.get("delta")),
        num(bp.get("theta")), num(bp.get("alpha")), num(bp.get("beta")),
        int(hop.n_good_channels),
    )  # fmt: skip


def trend_row(hop: HopResult) -> dict[str, Any]:
    """A hop as the trends endpoint returns its rows."""
    row = dict(zip(TREND_FIELDS, _trend_values(hop), strict=True))
    row["ictal"] = bool(row["ictal"])
    return row


def insert_trends(conn: sqlite3.Connection, admission_id: int, hops: Sequence[HopResult]) -> None:
    """Store one row per hop (a hop already stored for that time is replaced)."""
    cols = ", ".join(TREND_FIELDS)
    marks = ", ".join("?" for _ in TREND_FIELDS)
    conn.executemany(
        f"INSERT OR REPLACE INTO trends (admission_id, {cols}) VALUES (?, {marks})",
        [(admission_id, *_trend_values(h)) for h in hops],
    )


def read_trends(
    db: Database,
    admission_id: int,
    since_s: float | None = None,
    until_s: float | None = None,
    limit: int = 3600,
    fields: Sequence[str] = TREND_FIELDS,
) -> list[dict[str, Any]]:
    """Trend rows with ``since_s < t_s <= until_s``, oldest first.

    With ``since_s`` the first ``limit`` rows after it; without, the latest ``limit``.
    """
    where: list[str] = ["admission_id = ?"]
    args: list[Any] = [admission_id]
    if since_s is not None:
        where.append("t_s > ?")
        args.append(since_s)
    if until_s is not None:
        where.append("t_s <= ?")
        args.append(until_s)
    cols = ", ".join(fields)
    # without since_s the latest rows are wanted; with it, the next ones after since_s
    direction = "DESC" if since_s is None else "ASC"
    with db.read() as conn:
        rows = conn.execute(
            f"SELECT {cols} FROM trends WHERE {' AND '.join(where)} "
            f"ORDER BY t_s {direction} LIMIT ?",
            [*args, limit],
        ).fetchall()
    if since_s is None:
        rows = rows[::-1]
    out = []
    for r in rows:
        d = dict(r)
        if "ictal" in d:
            d["ictal"] = bool(d["ictal"])
        out.append(d)
    return out
