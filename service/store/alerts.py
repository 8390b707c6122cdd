"""Alerts and their change log: the SQL of ``alerts`` and ``alert_events``.

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

import sqlite3
from collections.abc import Iterable
from typing import Any

from rse_monitor.detectors.alerts import Alert
from rse_monitor.service.clock import BedClock
from rse_monitor.service.db import Database, iso_utc, utc_now
from rse_monitor.service.schemas import AlertPublic
from rse_monitor.service.store._json import dumps as _dumps

__all__ = [
    "apply_alert_changes",
    "alert_public",
    "get_alert",
    "list_alerts",
    "ack_alert",
    "events_after",
    "last_event_id",
    "open_alert_keys",
    "open_engine_alerts",
]

SEVERITIES = ("low", "medium", "high")


def alert_public(row: sqlite3.Row | dict[str, Any]) -> AlertPublic:
    """The API form of an alert row."""
    return AlertPublic.model_validate(dict(row))


def _snapshot(row: sqlite3.Row) -> str:
    """An alert row as the JSON the SSE stream sends (its API form)."""
    return _dumps(alert_public(row).model_dump(mode="json"))


def _log_event(conn: sqlite3.Connection, alert_id: int, change: str) -> int:
    row = conn.execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    cur = conn.execute(
        "INSERT INTO alert_events (alert_id, bed_id, change, created_at, snapshot) "
        "VALUES (?, ?, ?, ?, ?)",
        (alert_id, row["bed_id"], change, iso_utc(utc_now()), _snapshot(row)),
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
                (seq, _snapshot(row), seq),
            )
            seqs.append(seq)
    return seqs


def get_alert(db: Database, alert_id: int) -> AlertPublic | None:
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
) -> tuple[list[AlertPublic], int]:
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


def ack_alert(
    db: Database, alert_id: int, who: str, label: str | None = None, note: str | None = None
) -> tuple[AlertPublic | None, bool]:
    """Acknowledge an alert; returns (alert, changed).

    Acking twice keeps the first ack (who and when); a verdict (``label``, ``note``)
    given later is recorded, so a clinician can label an alert after reviewing it.
    """
    with db.transaction() as conn:
        row = conn.execute(
            "SELECT acked_at, ack_label, ack_note FROM alerts WHERE id = ?", (alert_id,)
        ).fetchone()
        if row is None:
            return None, False
        now = iso_utc(utc_now())
        changed = False
        if row["acked_at"] is None:
            conn.execute(
                "UPDATE alerts SET acked_by = ?, acked_at = ?, updated_at = ? WHERE id = ?",
                (who, now, now, alert_id),
            )
            changed = True
        new_label = label if label is not None else row["ack_label"]
        new_note = note if note is not None else row["ack_note"]
        if (new_label, new_note) != (row["ack_label"], row["ack_note"]):
            conn.execute(
                "UPDATE alerts SET ack_label = ?, ack_note = ?, updated_at = ? WHERE id = ?",
                (new_label, new_note, now, alert_id),
            )
            changed = True
        if changed:
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


def open_alert_keys(conn: sqlite3.Connection, admission_id: int) -> list[str]:
    """Keys of an admission's open alerts."""
    rows = conn.execute(
        "SELECT key FROM alerts WHERE admission_id = ? AND is_open = 1", (admission_id,)
    ).fetchall()
    return [str(r["key"]) for r in rows]


def open_engine_alerts(conn: sqlite3.Connection, admission_id: int) -> list[sqlite3.Row]:
    """An admission's open engine and stream alerts (restored into its alert policy)."""
    return conn.execute(
        "SELECT admission_id, key, kind, severity, message, details, t_s, last_t_s, origin "
        "FROM alerts WHERE admission_id = ? AND is_open = 1 AND origin IN ('engine', 'stream')",
        (admission_id,),
    ).fetchall()
