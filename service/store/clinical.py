"""Clinical entries: the SQL of ``treatments`` and ``observations``.

Every function takes the connection of a transaction (or read) the caller opened.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from rse_monitor.service.store._json import dumps

__all__ = [
    "insert_treatment",
    "get_treatment",
    "list_treatments",
    "treatments_in_entry_order",
    "insert_observation",
    "get_observation",
    "list_observations",
]


def insert_treatment(
    conn: sqlite3.Connection,
    *,
    admission_id: int,
    t_s: float,
    time: str,
    agent: str,
    dose: float,
    unit: str,
    route: str,
    kind: str,
    adequate: bool,
    assessment: dict[str, Any],
    cumulative_note: str,
    note: str | None,
    entered_by: str,
    created_at: str,
    override_reason: str | None = None,
) -> int:
    """Log a treatment with its dose assessment; return its id."""
    cur = conn.execute(
        "INSERT INTO treatments (admission_id, t_s, time, agent, dose, unit, route, kind, "
        "adequate, assessment, cumulative_note, note, override_reason, entered_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (admission_id, t_s, time, agent, dose, unit, route, kind, int(adequate),
         dumps(assessment), cumulative_note, note, override_reason, entered_by, created_at),
    )  # fmt: skip
    return int(cur.lastrowid or 0)


def get_treatment(conn: sqlite3.Connection, treatment_id: int) -> sqlite3.Row:
    """One treatment row."""
    row: sqlite3.Row = conn.execute(
        "SELECT * FROM treatments WHERE id = ?", (treatment_id,)
    ).fetchone()
    return row


def list_treatments(conn: sqlite3.Connection, admission_id: int) -> list[sqlite3.Row]:
    """An admission's treatments in time order."""
    return conn.execute(
        "SELECT * FROM treatments WHERE admission_id = ? ORDER BY t_s, id", (admission_id,)
    ).fetchall()


def treatments_in_entry_order(conn: sqlite3.Connection, admission_id: int) -> list[sqlite3.Row]:
    """An admission's treatments in the order they were entered (to replay the log)."""
    return conn.execute(
        "SELECT * FROM treatments WHERE admission_id = ? ORDER BY id", (admission_id,)
    ).fetchall()


def insert_observation(
    conn: sqlite3.Connection,
    *,
    admission_id: int,
    t_s: float,
    applied_t_s: float,
    time: str,
    kind: str,
    note: str | None,
    entered_by: str,
    created_at: str,
) -> int:
    """Log a clinical observation; return its id."""
    cur = conn.execute(
        "INSERT INTO observations (admission_id, t_s, applied_t_s, time, kind, note, "
        "entered_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (admission_id, t_s, applied_t_s, time, kind, note, entered_by, created_at),
    )
    return int(cur.lastrowid or 0)


def get_observation(conn: sqlite3.Connection, observation_id: int) -> sqlite3.Row:
    """One observation row."""
    row: sqlite3.Row = conn.execute(
        "SELECT * FROM observations WHERE id = ?", (observation_id,)
    ).fetchone()
    return row


def list_observations(conn: sqlite3.Connection, admission_id: int) -> list[sqlite3.Row]:
    """An admission's observations in the order they were entered."""
    return conn.execute(
        "SELECT * FROM observations WHERE admission_id = ? ORDER BY id", (admission_id,)
    ).fetchall()
