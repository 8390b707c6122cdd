"""Admissions and their titration targets: the SQL of ``beds`` and ``targets``.

Every function takes the connection of a transaction (or read) the caller opened,
so the bed manager decides what is committed together.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from rse_monitor.detectors.clinical import Targets
from rse_monitor.service.store._json import dumps

__all__ = [
    "load_active_beds",
    "insert_bed",
    "get_bed",
    "update_bed_status",
    "update_bed_clock",
    "update_bed_progress",
    "update_bed_clinical",
    "discharge_bed",
    "all_targets",
    "upsert_targets",
]


def load_active_beds(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Admissions not yet discharged, oldest first."""
    return conn.execute(
        "SELECT * FROM beds WHERE discharged_at IS NULL ORDER BY admission_id"
    ).fetchall()


def insert_bed(
    conn: sqlite3.Connection,
    *,
    bed_id: str,
    weight_kg: float,
    seizure_type: str,
    t1_t2_min: tuple[float, float | None] | None,
    source_kind: str,
    source: str | None,
    speed: float,
    source_info: dict[str, Any],
    created_at: str,
    created_by: str,
    status: str,
    status_message: str,
    clinical: dict[str, Any],
    settings: dict[str, Any],
) -> int:
    """Admit a bed; return its admission id.

    Raises
    ------
    sqlite3.IntegrityError
        If ``bed_id`` is already active.
    """
    t1, t2 = t1_t2_min if t1_t2_min is not None else (None, None)
    cur = conn.execute(
        "INSERT INTO beds (bed_id, weight_kg, seizure_type, t1_min, t2_min, source_kind, "
        "source, speed, source_info, created_at, created_by, clock_origin, status, "
        "status_message, clinical, settings) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (bed_id, weight_kg, seizure_type, t1, t2, source_kind, source, speed,
         dumps(source_info), created_at, created_by, created_at, status, status_message,
         dumps(clinical), dumps(settings)),
    )  # fmt: skip
    return int(cur.lastrowid or 0)


def get_bed(conn: sqlite3.Connection, admission_id: int) -> sqlite3.Row:
    """One admission's row."""
    row: sqlite3.Row = conn.execute(
        "SELECT * FROM beds WHERE admission_id = ?", (admission_id,)
    ).fetchone()
    return row


def update_bed_status(conn: sqlite3.Connection, admission_id: int, status: str,
                      message: str) -> None:  # fmt: skip
    """Set a bed's status and its message."""
    conn.execute(
        "UPDATE beds SET status = ?, status_message = ? WHERE admission_id = ?",
        (status, message, admission_id),
    )


def update_bed_clock(conn: sqlite3.Connection, admission_id: int, origin_iso: str,
                     speed: float) -> None:  # fmt: skip
    """Move a bed's clock: wall time of t_s = 0 and speed."""
    conn.execute(
        "UPDATE beds SET clock_origin = ?, speed = ? WHERE admission_id = ?",
        (origin_iso, speed, admission_id),
    )


def update_bed_progress(
    conn: sqlite3.Connection,
    admission_id: int,
    position_s: float | None,
    clinical: dict[str, Any],
    latest: dict[str, Any] | None,
) -> None:
    """After a hop batch: the latest hop, its time and the clinical state."""
    conn.execute(
        "UPDATE beds SET position_s = ?, clinical = ?, latest = ? WHERE admission_id = ?",
        (position_s, dumps(clinical), None if latest is None else dumps(latest), admission_id),
    )


def update_bed_clinical(conn: sqlite3.Connection, admission_id: int, clinical: dict[str, Any],
                        manual_ictal: bool) -> None:  # fmt: skip
    """After a clinical entry: the clinical state and the observed-seizure flag."""
    conn.execute(
        "UPDATE beds SET clinical = ?, manual_ictal = ? WHERE admission_id = ?",
        (dumps(clinical), int(manual_ictal), admission_id),
    )


def discharge_bed(conn: sqlite3.Connection, admission_id: int, when: str, message: str) -> None:
    """Close an admission (its records stay)."""
    conn.execute(
        "UPDATE beds SET discharged_at = ?, status = 'discharged', status_message = ? "
        "WHERE admission_id = ?",
        (when, message, admission_id),
    )


# --------------------------------------------------------------------------- targets
def all_targets(conn: sqlite3.Connection) -> dict[int, sqlite3.Row]:
    """Every stored targets row by admission id."""
    return {int(r["admission_id"]): r for r in conn.execute("SELECT * FROM targets")}


def upsert_targets(conn: sqlite3.Connection, admission_id: int, targets: Targets,
                   updated_at: str, updated_by: str | None) -> None:  # fmt: skip
    """Store (or replace) an admission's titration targets."""
    conn.execute(
        "INSERT OR REPLACE INTO targets (admission_id, goal, sr_low, sr_high, sustain_s, "
        "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (admission_id, targets.goal, targets.sr_low, targets.sr_high, targets.sustain_s,
         updated_at, updated_by),
    )  # fmt: skip
