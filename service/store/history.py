"""The history entered once per bed for the bedside scores, and the EEG findings the
scores read from the trends: the SQL of ``bed_history`` and a summary of ``trends``.

The trends' ``pattern`` and ``pattern_hz`` columns came with a later migration than
the table; they are looked up by name, so a database without them gives no pattern
summary (the scores then report the EEG items as missing) rather than an error.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

__all__ = [
    "HISTORY_FIELDS",
    "get_history",
    "upsert_history",
    "trend_summary",
]

#: Columns of ``bed_history`` a clinician enters (``charlson_conditions`` as JSON).
HISTORY_FIELDS: tuple[str, ...] = (
    "age_years", "consciousness", "worst_seizure_type", "prior_seizures", "etiology",
    "charlson_conditions",
)  # fmt: skip


def upsert_history(conn: sqlite3.Connection, admission_id: int, fields: dict[str, Any],
                   updated_at: str, updated_by: str | None) -> None:  # fmt: skip
    """Store (replace) the history of an admission; ``fields`` keyed by :data:`HISTORY_FIELDS`."""
    values = dict(fields)
    charlson = values.get("charlson_conditions")
    values["charlson_conditions"] = None if charlson is None else json.dumps(list(charlson))
    cols = ", ".join(HISTORY_FIELDS)
    marks = ", ".join("?" for _ in HISTORY_FIELDS)
    conn.execute(
        f"INSERT OR REPLACE INTO bed_history (admission_id, {cols}, updated_at, updated_by) "
        f"VALUES (?, {marks}, ?, ?)",
        (admission_id, *(values.get(f) for f in HISTORY_FIELDS), updated_at, updated_by),
    )


def get_history(conn: sqlite3.Connection, admission_id: int) -> dict[str, Any] | None:
    """The history of an admission (``charlson_conditions`` decoded), or None if not entered."""
    row = conn.execute(
        "SELECT * FROM bed_history WHERE admission_id = ?", (admission_id,)
    ).fetchone()
    if row is None:
        return None
    out = dict(row)
    raw = out.get("charlson_conditions")
    out["charlson_conditions"] = None if raw is None else list(json.loads(raw))
    return out


def _trend_columns(conn: sqlite3.Connection) -> set[str]:
    return {str(r["name"]) for r in conn.execute("PRAGMA table_info(trends)").fetchall()}


def trend_summary(conn: sqlite3.Connection, admission_id: int) -> dict[str, Any]:
    """What the scores need of an admission's trends, aggregated in SQL.

    Returns ``n_hops``, ``n_ictal_hops``, ``n_burst_suppression_hops`` (None without a
    ``depth`` column) and ``patterns``: per ACNS label of the interictal hops,
    ``(label, n_hops, max_hz)``; None when the trends have no ``pattern`` column.
    """
    cols = _trend_columns(conn)
    # burst suppression with highly epileptiform bursts is burst suppression (issue 11)
    bs = (
        "SUM(depth IN ('burst_suppression', 'burst_suppression_epileptiform'))"
        if "depth" in cols
        else "NULL"
    )
    row = conn.execute(
        f"SELECT COUNT(*) AS n, COALESCE(SUM(ictal != 0), 0) AS n_ictal, {bs} AS n_bs "
        "FROM trends WHERE admission_id = ?",
        (admission_id,),
    ).fetchone()
    patterns: list[tuple[str, int, float | None]] | None = None
    if "pattern" in cols:
        hz = "MAX(pattern_hz)" if "pattern_hz" in cols else "NULL"
        rows = conn.execute(
            f"SELECT COALESCE(pattern, '') AS label, COUNT(*) AS n, {hz} AS max_hz "
            "FROM trends WHERE admission_id = ? AND ictal = 0 GROUP BY label",
            (admission_id,),
        ).fetchall()
        patterns = [(str(r["label"]), int(r["n"]), r["max_hz"]) for r in rows]
    n_bs = row["n_bs"]
    return {
        "n_hops": int(row["n"]),
        "n_ictal_hops": int(row["n_ictal"]),
        "n_burst_suppression_hops": None if n_bs is None and row["n"] else int(n_bs or 0),
        "patterns": patterns,
    }
