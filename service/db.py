"""SQLite persistence: one connection, WAL mode, explicit transactions, migrations.

The service keeps everything a clinician relies on in one SQLite file: beds
(admissions), treatments, targets, clinical observations, the history entered for
the bedside scores, alerts and their change log, per-hop trends, API tokens and
browser sessions. Writes go through
:meth:`Database.transaction` (``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any
exception), so a request either lands completely or not at all.

One connection is shared by the engine threads and the request handlers and
guarded by a re-entrant lock: SQLite serialises writers anyway, and a single
connection keeps the transaction discipline simple. ``synchronous=FULL`` makes a
committed alert survive a power cut, not only a process crash.

Schema changes are numbered migrations (:data:`MIGRATIONS`), applied in order at
start-up and recorded in ``schema_version``.

Storage faults (disk full, read-only file, a lock held elsewhere, a damaged schema)
leave this module as :class:`~service.errors.StorageUnavailable` with SQLite's
one-line reason, after the transaction was rolled back; a constraint violation
(``sqlite3.IntegrityError``) stays what it is, for the caller to interpret.
:meth:`Database.probe_write` is the cheap real write ``GET /health`` makes, and
:class:`ServerLock` keeps a database to one server.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rse_monitor.service.errors import DatabaseInUse, StorageUnavailable

__all__ = [
    "Database", "MIGRATIONS", "ROLES", "ServerLock", "sqlite_path", "utc_now", "iso_utc",
]  # fmt: skip

log = logging.getLogger(__name__)

#: Token roles, least to most privileged (the one list: auth, schema and CLI use it).
ROLES: tuple[str, ...] = ("viewer", "technician", "clinician", "admin")
ROLES_SQL = "(" + ", ".join(f"'{r}'" for r in ROLES) + ")"

#: (version, SQL script). Never edit a released migration; append a new one.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        f"""
        CREATE TABLE tokens (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN {ROLES_SQL}),
            token_sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            created_by TEXT,
            revoked_at TEXT
        );
        CREATE TABLE sessions (
            id_sha256 TEXT PRIMARY KEY,
            token_id INTEGER NOT NULL REFERENCES tokens(id),
            created_at TEXT NOT NULL,
            expires_at REAL NOT NULL
        );
        CREATE TABLE beds (
            admission_id INTEGER PRIMARY KEY AUTOINCREMENT,
            bed_id TEXT NOT NULL,
            weight_kg REAL NOT NULL,
            seizure_type TEXT NOT NULL,
            t1_min REAL,
            t2_min REAL,
            source_kind TEXT NOT NULL CHECK (source_kind IN ('edf', 'lsl', 'none')),
            source TEXT,
            speed REAL NOT NULL DEFAULT 1.0,
            source_info TEXT,
            created_at TEXT NOT NULL,
            created_by TEXT,
            clock_origin TEXT NOT NULL,
            status TEXT NOT NULL,
            status_message TEXT NOT NULL DEFAULT '',
            position_s REAL,
            clinical TEXT,
            latest TEXT,
            manual_ictal INTEGER NOT NULL DEFAULT 0,
            discharged_at TEXT
        );
        CREATE UNIQUE INDEX beds_active_id ON beds(bed_id) WHERE discharged_at IS NULL;
        CREATE TABLE targets (
            admission_id INTEGER PRIMARY KEY REFERENCES beds(admission_id),
            goal TEXT NOT NULL,
            sr_low REAL NOT NULL,
            sr_high REAL NOT NULL,
            sustain_s REAL NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT
        );
        CREATE TABLE treatments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            admission_id INTEGER NOT NULL REFERENCES beds(admission_id),
            t_s REAL NOT NULL,
            time TEXT NOT NULL,
            agent TEXT NOT NULL,
            dose REAL NOT NULL,
            unit TEXT NOT NULL,
            route TEXT NOT NULL,
            kind TEXT NOT NULL,
            adequate INTEGER NOT NULL,
            assessment TEXT NOT NULL,
            cumulative_note TEXT NOT NULL DEFAULT '',
            note TEXT,
            entered_by TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX treatments_adm ON treatments(admission_id, t_s);
        CREATE TABLE observations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            admission_id INTEGER NOT NULL REFERENCES beds(admission_id),
            t_s REAL NOT NULL,
            applied_t_s REAL NOT NULL,
            time TEXT NOT NULL,
            kind TEXT NOT NULL,
            note TEXT,
            entered_by TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX observations_adm ON observations(admission_id, id);
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            admission_id INTEGER NOT NULL REFERENCES beds(admission_id),
            bed_id TEXT NOT NULL,
            key TEXT NOT NULL,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
            origin TEXT NOT NULL,
            message TEXT NOT NULL,
            details TEXT NOT NULL,
            t_s REAL NOT NULL,
            time TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('raised', 'updated', 'cleared')),
            is_open INTEGER NOT NULL,
            last_t_s REAL NOT NULL,
            n_updates INTEGER NOT NULL DEFAULT 0,
            cleared_t_s REAL,
            cleared_at TEXT,
            cleared_message TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            acked_by TEXT,
            acked_at TEXT
        );
        CREATE INDEX alerts_open ON alerts(admission_id, key) WHERE is_open = 1;
        CREATE INDEX alerts_bed ON alerts(bed_id, id);
        CREATE INDEX alerts_time ON alerts(time);
        CREATE TABLE alert_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            alert_id INTEGER NOT NULL,
            bed_id TEXT NOT NULL,
            change TEXT NOT NULL,
            created_at TEXT NOT NULL,
            snapshot TEXT NOT NULL
        );
        CREATE TABLE trends (
            admission_id INTEGER NOT NULL,
            t_s REAL NOT NULL,
            suppression_ratio REAL,
            line_length REAL,
            coherence REAL,
            ictal INTEGER NOT NULL,
            depth TEXT,
            seizure_score REAL,
            rms_uv REAL,
            bursts_per_min REAL,
            ibi_median_s REAL,
            delta_uv2 REAL,
            theta_uv2 REAL,
            alpha_uv2 REAL,
            beta_uv2 REAL,
            n_good_channels INTEGER,
            PRIMARY KEY (admission_id, t_s)
        ) WITHOUT ROWID;
        """,
    ),
    (
        2,
        """
        ALTER TABLE beds ADD COLUMN settings TEXT;
        """,
    ),
    (
        3,
        """
        ALTER TABLE trends ADD COLUMN seizure_burden_5min REAL;
        ALTER TABLE trends ADD COLUMN seizure_burden_60min REAL;
        """,
    ),
    (
        4,
        """
        ALTER TABLE treatments ADD COLUMN override_reason TEXT;
        """,
    ),
    (
        5,
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            who TEXT,
            role TEXT,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            status INTEGER NOT NULL,
            summary TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX audit_at ON audit(at);
        """,
    ),
    (
        6,
        """
        ALTER TABLE alerts ADD COLUMN ack_label TEXT;
        ALTER TABLE alerts ADD COLUMN ack_note TEXT;
        """,
    ),
    (
        7,
        """
        ALTER TABLE trends ADD COLUMN pattern TEXT NOT NULL DEFAULT '';
        ALTER TABLE trends ADD COLUMN pattern_hz REAL;
        """,
    ),
    (
        8,
        """
        CREATE TABLE bed_history (
            admission_id INTEGER PRIMARY KEY REFERENCES beds(admission_id),
            age_years REAL,
            consciousness TEXT,
            worst_seizure_type TEXT,
            prior_seizures TEXT,
            etiology TEXT,
            charlson_conditions TEXT,
            updated_at TEXT NOT NULL,
            updated_by TEXT
        );
        """,
    ),
    (
        9,
        """
        ALTER TABLE trends ADD COLUMN quality REAL;
        """,
    ),
    (
        10,
        """
        ALTER TABLE trends ADD COLUMN bsp REAL;
        ALTER TABLE trends ADD COLUMN bsp_lo REAL;
        ALTER TABLE trends ADD COLUMN bsp_hi REAL;
        """,
    ),
    (
        11,
        """
        ALTER TABLE trends ADD COLUMN iic INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE trends ADD COLUMN acns_seizure INTEGER NOT NULL DEFAULT 0;
        """,
    ),
    (
        12,
        """
        ALTER TABLE trends ADD COLUMN artefact TEXT NOT NULL DEFAULT '';
        """,
    ),
    (
        13,
        """
        CREATE TABLE pattern_episodes (
            admission_id INTEGER NOT NULL REFERENCES beds(admission_id),
            onset_s REAL NOT NULL,
            offset_s REAL NOT NULL,
            term TEXT NOT NULL,
            frequency_hz REAL,
            channels TEXT NOT NULL DEFAULT '[]',
            plus TEXT NOT NULL DEFAULT '',
            iic INTEGER,
            PRIMARY KEY (admission_id, onset_s)
        ) WITHOUT ROWID;
        CREATE TABLE brief_findings (
            admission_id INTEGER NOT NULL REFERENCES beds(admission_id),
            kind TEXT NOT NULL CHECK (kind IN ('sporadic', 'bird')),
            t_s REAL NOT NULL,
            duration_s REAL NOT NULL DEFAULT 0,
            frequency_hz REAL,
            channels TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (admission_id, kind, t_s)
        ) WITHOUT ROWID;
        """,
    ),
)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso_utc(when: datetime) -> str:
    """``2025-01-01T10:00:00.000Z``: ISO 8601 UTC with milliseconds (sorts as text)."""
    if when.tzinfo is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {when!r}")
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sqlite_path(url_or_path: str) -> str:
    """The file path of a SQLite database given as a path or ``sqlite:///`` URL.

    ``sqlite:///rel.db`` → ``rel.db``; ``sqlite:////abs/x.db`` → ``/abs/x.db``;
    ``sqlite://`` or ``sqlite:///:memory:`` → ``:memory:``.

    Raises
    ------
    ValueError
        For an empty value or a URL of another database engine.
    """
    text = str(url_or_path).strip()
    if not text:
        raise ValueError("db must be a file path or a sqlite:/// URL, got an empty value")
    if text.startswith("sqlite://"):
        rest = text[len("sqlite://") :]
        if rest in ("", "/", "/:memory:"):
            return ":memory:"
        if not rest.startswith("/"):
            raise ValueError(f"db URL {text!r}: expected sqlite:///PATH")
        return rest[1:]
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise ValueError(
            f"db URL {text!r}: only SQLite is supported (a file path or sqlite:///PATH), "
            f"not {scheme!r}"
        )
    return text


class Database:
    """The service's SQLite database.

    Parameters
    ----------
    url : str
        File path or ``sqlite:///`` URL (see :func:`sqlite_path`). The parent folder
        must exist.
    """

    def __init__(self, url: str) -> None:
        self.path = sqlite_path(url)
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise ValueError(f"db {url!r}: folder {parent} does not exist")
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=10.0
            )
        except sqlite3.Error as exc:
            msg = f"db {self.path}: cannot be opened ({_one_line(exc)})"
            raise StorageUnavailable(msg) from None
        self._conn.row_factory = sqlite3.Row
        try:
            self._setup(url)
            self.migrate()
        except sqlite3.Error as exc:
            self._conn.close()
            raise StorageUnavailable(f"db {self.path}: cannot be used ({_one_line(exc)})") from None
        except BaseException:
            self._conn.close()
            raise

    def _setup(self, url: str) -> None:
        with self._lock:
            self._conn.execute("PRAGMA busy_timeout = 10000")
            if self.path != ":memory:":
                mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise ValueError(f"db {url!r}: could not switch to WAL mode (got {mode})")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA foreign_keys = ON")

    # -- transactions ------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back if the block raises.

        Re-entrant: a transaction opened inside another joins it.

        Raises
        ------
        StorageUnavailable
            The database could not take the write (nothing of it was kept).
        """
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._fault(exc) from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                self._rollback()
                if _is_storage_fault(exc):
                    raise self._fault(exc) from exc
                raise

    def _rollback(self) -> None:
        """Roll back what is open (SQLite may already have done so after an I/O error)."""
        if not self._conn.in_transaction:
            return
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error as exc:  # the connection stays usable; the next BEGIN says more
            log.error("db %s: rollback failed: %s", self.path, _one_line(exc))

    def _fault(self, exc: BaseException) -> StorageUnavailable:
        return StorageUnavailable(f"storage unavailable: {_one_line(exc)} (db {self.path})")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads (under the lock, so never mid-transaction of another thread)."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                if _is_storage_fault(exc):
                    raise self._fault(exc) from exc
                raise

    def page(
        self,
        table: str,
        columns: str,
        where: Sequence[tuple[str, Any]],
        order_by: str,
        *,
        latest: bool,
        limit: int,
    ) -> list[sqlite3.Row]:
        """One page of a time-ordered table, oldest first.

        ``where`` holds ``(condition, value)`` pairs (``"t_s > ?"``, ``since``),
        AND-ed; ``latest`` gives the last ``limit`` rows that match, otherwise the
        first ``limit``. ``table``, ``columns`` and ``order_by`` are the caller's
        own SQL, never request input.
        """
        clause = " AND ".join(cond for cond, _ in where) or "1"
        direction = "DESC" if latest else "ASC"
        with self.read() as conn:
            rows = conn.execute(
                f"SELECT {columns} FROM {table} WHERE {clause} "
                f"ORDER BY {order_by} {direction} LIMIT ?",
                [*(value for _, value in where), limit],
            ).fetchall()
        return rows[::-1] if latest else rows

    def probe_write(self, timeout_s: float = 1.0) -> str | None:
        """A real, cheap write on a connection of its own: None if the database took
        it, else the reason (one line).

        The write rewrites the latest ``schema_version`` row with its own value and
        commits, so a read-only file, a full disk (the WAL frame and its fsync), a
        database locked elsewhere for longer than ``timeout_s``, or a deleted file
        are all seen. Its own connection, so a probe never waits on the service's lock.
        """
        if self.path == ":memory:":
            try:
                with self.transaction() as conn:
                    conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()
            except StorageUnavailable as exc:
                return str(exc)
            return None
        uri = f"{Path(self.path).expanduser().resolve().as_uri()}?mode=rw"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            return f"db {self.path} cannot be opened: {_one_line(exc)}"
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "UPDATE schema_version SET applied_at = applied_at "
                "WHERE version = (SELECT MAX(version) FROM schema_version)"
            )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            return f"db {self.path} does not take writes: {_one_line(exc)}"
        finally:
            conn.close()
        return None

    # -- schema ------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        with self.read() as conn:
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def migrate(self) -> list[int]:
        """Apply pending migrations in order; return the versions applied."""
        applied = []
        with self.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = int(row[0] or 0)
            known = max(v for v, _ in MIGRATIONS)
            if current > known:
                raise ValueError(
                    f"db {self.path}: schema version {current} is newer than this software "
                    f"knows ({known}); upgrade rse-monitor"
                )
            for version, script in MIGRATIONS:
                if version <= current:
                    continue
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (version, iso_utc(utc_now())),
                )
                applied.append(version)
        return applied

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class ServerLock:
    """One server per database: an exclusive ``flock`` on ``<db>.lock``.

    Held from :meth:`acquire` to :meth:`release` (the service's life); the kernel
    drops it when the process ends, however it ends, so a crashed server never
    blocks its successor. The file holds the owner's pid, for the message.
    """

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.path = Path(db_path).expanduser().resolve().with_name(Path(db_path).name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock.

        Raises
        ------
        DatabaseInUse
            Another process holds it.
        StorageUnavailable
            The lock file cannot be created (read-only or missing folder).
        """
        if self._fd is not None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageUnavailable(
                f"db {self.db_path}: cannot create its lock file {self.path} ({exc.strerror}); "
                "the folder must be writable"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise DatabaseInUse(
                f"db {self.db_path} is in use by another rsemon server (pid {holder}); "
                "one server per database"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None


def _is_storage_fault(exc: BaseException) -> bool:
    """A fault of the storage (not of the SQL or of the data): disk full, read-only,
    locked, I/O error, damaged file or schema."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (no ';' inside our SQL literals)."""
    return [s.strip() for s in script.split(";") if s.strip()]
