"""What can go wrong with a request, in the service's own words.

The manager and the routers raise these; :mod:`service.main` maps them to HTTP
status codes in one place (:data:`service.main.HTTP_STATUS`). ``str(exc)`` is the
text the server logs; :attr:`ServiceError.detail` is what the client reads, and
never names a folder or file of the server (a storage fault's database path is
replaced by ``<database>``; the recordings folders are only logged).
"""

from __future__ import annotations

import re

__all__ = [
    "ServiceError",
    "NotFound",
    "BedNotFound",
    "AlertNotFound",
    "TokenNotFound",
    "EegNotFound",
    "BedConflict",
    "RecordingOutsideAllowedDirs",
    "InvalidEntry",
    "Unsupported",
    "StorageUnavailable",
    "DatabaseInUse",
]


class ServiceError(Exception):
    """A request that cannot be carried out; the message says why."""

    @property
    def detail(self) -> str:
        """The message for the client."""
        return str(self)


class NotFound(ServiceError):
    """The bed, alert or token named in the request does not exist."""


class BedNotFound(NotFound):
    """No active bed has this id."""

    def __init__(self, bed_id: str) -> None:
        super().__init__(f"no active bed {bed_id!r}")
        self.bed_id = bed_id


class AlertNotFound(NotFound):
    """No alert has this id."""

    def __init__(self, alert_id: int) -> None:
        super().__init__(f"no alert {alert_id}")
        self.alert_id = alert_id


class TokenNotFound(NotFound):
    """No token has this id."""

    def __init__(self, token_id: int) -> None:
        super().__init__(f"no token {token_id}")
        self.token_id = token_id


class EegNotFound(NotFound):
    """No EEG is stored (or played yet) for the span asked, or the bed has none."""


class BedConflict(ServiceError):
    """The request contradicts the bed's state: its id is already active, or an
    observation on a bed without EEG is earlier than the latest one."""


class RecordingOutsideAllowedDirs(ServiceError):
    """An EDF path outside every configured recordings folder.

    The client reads only the file name it gave and what to do; the folders are in
    ``str(exc)``, for the server's log.
    """

    def __init__(self, path: str, allowed: list[str]) -> None:
        self.path = path
        self.allowed = list(allowed)
        super().__init__(
            f"EDF path {path!r} is not under a configured recordings directory "
            f"({', '.join(self.allowed)})"
        )

    @property
    def detail(self) -> str:
        name = _file_name(self.path)
        return (
            f"EDF {name!r} is not under a configured recordings directory; ask the "
            "administrator (rsemon serve --recordings-dir DIR or RSEMON_RECORDINGS_DIRS)"
        )


class InvalidEntry(ServiceError):
    """Content that cannot be used: an unreadable EDF, bad settings or speed, an
    unknown agent, unit or route, a time out of range."""


class Unsupported(ServiceError):
    """A feature this installation lacks (LSL support without pylsl)."""


class StorageUnavailable(ServiceError):
    """The database cannot be written (or read) now: disk full, read-only file,
    locked by another process, damaged schema. Nothing of the request was stored
    (the transaction was rolled back); the message says what the database said.
    The client's :attr:`detail` names the database file ``<database>``."""

    @property
    def detail(self) -> str:
        return _DB_PATH.sub(r"db <database>\1", str(self))


class DatabaseInUse(StorageUnavailable):
    """Another server holds the database (one server per database)."""


#: "db PATH" as the database layer words its faults ("db /x/y.sqlite3: ...",
#: "(db /x/y.sqlite3)", "db /x/y.sqlite3 is in use ...").
_DB_PATH = re.compile(r"\bdb \S+?(:|\)|\s|$)")


def _file_name(path: str) -> str:
    """The last part of a client's path (no folders of the server in an answer)."""
    parts = [p for p in re.split(r"[\\/]+", path) if p]
    return parts[-1] if parts else path
