"""The audit log of writes: the SQL of ``audit``.

One row per non-GET API request made by an authenticated caller, whatever its
outcome (see :class:`service.security.AuditMiddleware`): who (the token's name and
role), what (method, path, a short summary without secrets), when, and the status.
"""

from __future__ import annotations

import sqlite3

__all__ = ["insert_audit", "list_audit"]

_COLUMNS = "id, at, who, role, method, path, status, summary"


def insert_audit(conn: sqlite3.Connection, at: str, who: str | None, role: str | None,
                 method: str, path: str, status: int, summary: str) -> int:  # fmt: skip
    """Store one audit row; return its id."""
    cur = conn.execute(
        "INSERT INTO audit (at, who, role, method, path, status, summary) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (at, who, role, method, path, status, summary),
    )
    return int(cur.lastrowid or 0)


def list_audit(conn: sqlite3.Connection, since: str | None, limit: int) -> list[sqlite3.Row]:
    """Audit rows at or after ``since`` (ISO 8601 UTC text; None: all), newest first."""
    if since is None:
        sql = f"SELECT {_COLUMNS} FROM audit ORDER BY id DESC LIMIT ?"
        return conn.execute(sql, (limit,)).fetchall()
    sql = f"SELECT {_COLUMNS} FROM audit WHERE at >= ? ORDER BY id DESC LIMIT ?"
    return conn.execute(sql, (since, limit)).fetchall()
