"""API tokens and browser sessions: the SQL of ``tokens`` and ``sessions``.

Only hashes are stored (see :mod:`service.auth`, which makes and checks the secrets).
Every function takes the connection of a transaction (or read) the caller opened.
"""

from __future__ import annotations

import sqlite3

__all__ = [
    "insert_token",
    "set_token_name",
    "all_tokens",
    "get_token",
    "mark_token_revoked",
    "find_active_token",
    "insert_session",
    "delete_expired_sessions",
    "delete_sessions_of_token",
    "find_session_token",
    "delete_session",
]

_TOKEN_COLUMNS = "id, name, role, created_at, created_by, revoked_at"


def insert_token(conn: sqlite3.Connection, name: str, role: str, token_sha256: str,
                 created_at: str, created_by: str | None) -> int:  # fmt: skip
    """Store a token's hash; return its id."""
    cur = conn.execute(
        "INSERT INTO tokens (name, role, token_sha256, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?)",
        (name, role, token_sha256, created_at, created_by),
    )
    return int(cur.lastrowid or 0)


def set_token_name(conn: sqlite3.Connection, token_id: int, name: str) -> None:
    """Rename a token."""
    conn.execute("UPDATE tokens SET name = ? WHERE id = ?", (name, token_id))


def all_tokens(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every token (without its hash), oldest first."""
    return conn.execute(f"SELECT {_TOKEN_COLUMNS} FROM tokens ORDER BY id").fetchall()


def get_token(conn: sqlite3.Connection, token_id: int) -> sqlite3.Row | None:
    """One token (without its hash), if it exists."""
    row: sqlite3.Row | None = conn.execute(
        f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE id = ?", (token_id,)
    ).fetchone()
    return row


def mark_token_revoked(conn: sqlite3.Connection, token_id: int, when: str) -> None:
    """Revoke a token (keeps an earlier revocation time)."""
    conn.execute(
        "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (when, token_id)
    )


def find_active_token(conn: sqlite3.Connection, token_sha256: str) -> sqlite3.Row | None:
    """The unrevoked token with this hash (id, name, role), if any."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, name, role FROM tokens WHERE token_sha256 = ? AND revoked_at IS NULL",
        (token_sha256,),
    ).fetchone()
    return row


# -------------------------------------------------------------------------- sessions
def insert_session(conn: sqlite3.Connection, id_sha256: str, token_id: int, created_at: str,
                   expires_at: float) -> None:  # fmt: skip
    """Store a session's hash with its token and expiry (Unix time)."""
    conn.execute(
        "INSERT INTO sessions (id_sha256, token_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (id_sha256, token_id, created_at, expires_at),
    )


def delete_expired_sessions(conn: sqlite3.Connection, now: float) -> None:
    """Forget sessions that expired before ``now`` (Unix time)."""
    conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))


def delete_sessions_of_token(conn: sqlite3.Connection, token_id: int) -> None:
    """End every session opened with a token."""
    conn.execute("DELETE FROM sessions WHERE token_id = ?", (token_id,))


def find_session_token(conn: sqlite3.Connection, id_sha256: str,
                       now: float) -> sqlite3.Row | None:  # fmt: skip
    """The unrevoked token (id, name, role) of an unexpired session, if any."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT t.id, t.name, t.role FROM sessions s JOIN tokens t ON t.id = s.token_id "
        "WHERE s.id_sha256 = ? AND s.expires_at > ? AND t.revoked_at IS NULL",
        (id_sha256, now),
    ).fetchone()
    return row


def delete_session(conn: sqlite3.Connection, id_sha256: str) -> None:
    """End one session."""
    conn.execute("DELETE FROM sessions WHERE id_sha256 = ?", (id_sha256,))
