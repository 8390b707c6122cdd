"""Per-hop trend rows: the SQL of ``trends``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from rse_monitor.monitoring.engine import HopResult
from rse_monitor.service.db import Database

__all__ = ["TREND_FIELDS", "trend_row", "insert_trends", "read_trends", "ictal_marks"]

#: Trend columns stored per hop (same names as ``trends.csv``).
TREND_FIELDS: tuple[str, ...] = tuple(HopResult.TREND_COLUMNS)
#: 0/1 columns returned as booleans
_FLAGS = ("ictal", "iic", "acns_seizure")


def trend_row(hop: HopResult) -> dict[str, Any]:
    """A hop as the trends endpoint returns its rows."""
    row = dict(zip(TREND_FIELDS, hop.trend_values(), strict=True))
    for flag in _FLAGS:
        row[flag] = bool(row[flag])
    return row


def insert_trends(conn: sqlite3.Connection, admission_id: int, hops: Sequence[HopResult]) -> None:
    """Store one row per hop (a hop already stored for that time is replaced)."""
    cols = ", ".join(TREND_FIELDS)
    marks = ", ".join("?" for _ in TREND_FIELDS)
    conn.executemany(
        f"INSERT OR REPLACE INTO trends (admission_id, {cols}) VALUES (?, {marks})",
        [(admission_id, *h.trend_values()) for h in hops],
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
    where: list[tuple[str, Any]] = [("admission_id = ?", admission_id)]
    if since_s is not None:
        where.append(("t_s > ?", since_s))
    if until_s is not None:
        where.append(("t_s <= ?", until_s))
    # without since_s the latest rows are wanted; with it, the next ones after since_s
    rows = db.page("trends", ", ".join(fields), where, "t_s", latest=since_s is None,
                   limit=limit)  # fmt: skip
    out = []
    for r in rows:
        d = dict(r)
        for flag in _FLAGS:
            if flag in d:
                d[flag] = bool(d[flag])
        out.append(d)
    return out


def ictal_marks(conn: sqlite3.Connection, admission_id: int) -> list[tuple[float, bool]]:
    """(t_s, ictal) of every stored hop of an admission, in time order."""
    rows = conn.execute(
        "SELECT t_s, ictal FROM trends WHERE admission_id = ? ORDER BY t_s", (admission_id,)
    ).fetchall()
    return [(float(r["t_s"]), bool(r["ictal"])) for r in rows]
