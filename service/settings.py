"""Settings of the service, in one pydantic-settings class.

Every field can be given as an environment variable with the prefix ``RSEMON_``
(``RSEMON_DB``, ``RSEMON_RECORDINGS_DIRS``, ...) or passed to :class:`Settings`
directly (the ``serve`` command does that from its options).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rse_monitor.monitoring.sources import STREAM_NOT_FOUND_S

__all__ = ["Settings", "bundled_recordings_dir"]


def bundled_recordings_dir() -> Path:
    """The ``recordings/`` package folder (the bundled recordings)."""
    from rse_monitor import recordings

    return Path(recordings.__file__).resolve().parent


class Settings(BaseSettings):
    """Service configuration.

    Attributes
    ----------
    db : str
        SQLite database: a file path (default ``./rsemon.sqlite3``) or a URL
        ``sqlite:///relative/path``, ``sqlite:////absolute/path``. Other database
        URLs are refused with a clear message.
    recordings_dirs : list of Path
        Extra folders from which ``POST /beds`` may replay EDF files, in addition to
        the bundled ``recordings/`` folder, which is always allowed. From the
        environment: ``RSEMON_RECORDINGS_DIRS`` with folders separated by
        ``os.pathsep`` (``:`` on Linux).
    host, port : str, int
        Where ``rsemon serve`` listens (127.0.0.1 by default: never exposed by accident).
    session_ttl_s : float
        Lifetime of a browser session cookie made by ``POST /api/v1/session``.
    sse_keepalive_s : float
        A comment line is sent on idle SSE streams this often.
    resume_beds : bool
        Restart the monitoring of live beds found in the database at start-up.
    max_speed : float
        Largest replay speed accepted for EDF beds (multiples of real time).
    edf_warmup_s : float
        On resume, an EDF bed re-reads this much of the recording before the point
        where it stopped (without storing or alerting) so that its filters,
        baselines and 60-s suppression window are warm again.
    cookie_secure : bool
        Mark the session cookie ``Secure`` (set it when the service is behind HTTPS).
    lsl_enabled : bool
        Accept LSL beds (``POST /beds`` answers 422 when false).
    stream_not_found_s : float
        An LSL bed whose stream has not appeared this long after it started raises
        ``stream_not_found`` (``RSEMON_STREAM_NOT_FOUND_S``, default 30 s; ``rsemon
        monitor`` reads the same variable).
    storage_retry_s : float
        A bed stopped by a storage fault retries committing its alerts this often.
    raw_dir : Path or None
        Where live (LSL) beds' raw EEG is kept for review (``RSEMON_RAW_DIR``);
        default: ``<database file>.raw/`` next to the database (none for an
        in-memory database).
    raw_retention_h : float
        Raw EEG older than this is removed (``RSEMON_RAW_RETENTION_H``, default 72 h).
    raw_max_gb : float
        The raw EEG of all beds together is kept within this many GB, the oldest
        removed first (``RSEMON_RAW_MAX_GB``, default 50; 19 channels at 256 Hz take
        2.56 GB per bed for 72 h).
    notch_hz : float or None
        Mains notch of a new bed whose ``POST /beds`` does not set one
        (``RSEMON_NOTCH_HZ``: 50 in Europe/Asia, 60 in the Americas, empty: none).
    """

    model_config = SettingsConfigDict(env_prefix="RSEMON_", extra="ignore")

    db: str = "./rsemon.sqlite3"
    recordings_dirs: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    session_ttl_s: float = Field(default=3600.0, gt=0, le=7 * 24 * 3600)
    sse_keepalive_s: float = Field(default=15.0, gt=0, le=300)
    resume_beds: bool = True
    max_speed: float = Field(default=1000.0, gt=0, le=100000)
    edf_warmup_s: float = Field(default=120.0, ge=0, le=3600)
    cookie_secure: bool = False
    lsl_enabled: bool = True
    stream_not_found_s: float = Field(default=STREAM_NOT_FOUND_S, gt=0, le=3600)
    storage_retry_s: float = Field(default=1.0, gt=0, le=60)
    raw_dir: Path | None = None
    raw_retention_h: float = Field(default=72.0, gt=0, le=24 * 365)
    raw_max_gb: float = Field(default=50.0, gt=0, le=1e6)
    notch_hz: float | None = Field(
        default=50.0, description="mains notch of new beds unless POST /beds sets one (50, 60, "
        "or empty for none)",
    )  # fmt: skip

    @field_validator("notch_hz", mode="before")
    @classmethod
    def _notch(cls, value: Any) -> Any:
        if value in ("", "0", 0, "none", "off"):
            return None
        if value is not None and float(value) not in (50.0, 60.0):
            raise ValueError(f"notch_hz must be 50, 60 or empty (no notch), got {value!r}")
        return value

    @field_validator("recordings_dirs", mode="before")
    @classmethod
    def _split_dirs(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [p for p in value.split(os.pathsep) if p.strip()]
        return value

    def raw_root(self, db_path: str) -> Path | None:
        """The raw EEG archive folder for a database at ``db_path`` (None: not kept)."""
        if self.raw_dir is not None:
            return Path(self.raw_dir).expanduser()
        if db_path == ":memory:":
            return None
        return Path(db_path).with_name(Path(db_path).name + ".raw")

    @property
    def allowed_recordings_dirs(self) -> list[Path]:
        """Resolved folders EDF beds may read from: bundled folder first, then extras."""
        out: list[Path] = []
        for d in [bundled_recordings_dir(), *self.recordings_dirs]:
            real = Path(os.path.realpath(Path(d).expanduser()))
            if real not in out:
                out.append(real)
        return out
