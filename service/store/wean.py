"""What the wean-readiness figures need of an admission's trends, aggregated in SQL.

Range queries on the ``trends`` primary key ``(admission_id, t_s)``; no row leaves
SQLite, only counts and means.
"""

from __future__ import annotations

import sqlite3
from typing import Any

__all__ = ["eeg_window", "eeg_extent", "band_time"]


def eeg_window(conn: sqlite3.Connection, admission_id: int, start_s: float,
               end_s: float) -> dict[str, Any]:  # fmt: skip
    """Hops with ``start_s < t_s <= end_s``: ``n_hops``, ``n_ictal_hops``, ``sr_mean``."""
    row = conn.execute(
        "SELECT COUNT(*) AS n, COALESCE(SUM(ictal != 0), 0) AS n_ictal, "
        "AVG(suppression_ratio) AS sr FROM trends "
        "WHERE admission_id = ? AND t_s > ? AND t_s <= ?",
        (admission_id, start_s, end_s),
    ).fetchone()
    return {"n_hops": int(row["n"]), "n_ictal_hops": int(row["n_ictal"]), "sr_mean": row["sr"]}


def eeg_extent(conn: sqlite3.Connection, admission_id: int) -> tuple[float | None, float | None]:
    """(time of the first stored hop, time of the last ictal hop); None when there is none."""
    first = conn.execute(
        "SELECT MIN(t_s) FROM trends WHERE admission_id = ?", (admission_id,)
    ).fetchone()[0]
    last_ictal = conn.execute(
        "SELECT MAX(t_s) FROM trends WHERE admission_id = ? AND ictal != 0", (admission_id,)
    ).fetchone()[0]
    return first, last_ictal


def band_time(conn: sqlite3.Connection, admission_id: int, since_s: float, low: float,
              high: float) -> tuple[int, int]:  # fmt: skip
    """Hops after ``since_s`` with a suppression ratio, and of them those in [low, high]."""
    row = conn.execute(
        "SELECT COUNT(suppression_ratio) AS n, "
        "COALESCE(SUM(suppression_ratio BETWEEN ? AND ?), 0) AS n_in FROM trends "
        "WHERE admission_id = ? AND t_s > ?",
        (low, high, admission_id, since_s),
    ).fetchone()
    return int(row["n"]), int(row["n_in"])
