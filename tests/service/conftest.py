"""Fixtures for the service tests: a synthetic seizure EDF, tokens, the app, a real server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]

ROLES = ("viewer", "technician", "clinician", "admin")


def write_seizure_edf(
    path: Path,
    duration_s: float = 300.0,
    seizure: tuple[float, float] = (150.0, 210.0),
    sfreq_hz: float = 256.0,
    seed: int = 1,
) -> Path:
    """Background EEG with one strong rhythmic seizure (known onset/offset) as an EDF
    (:func:`recordings.synthetic.write_seizure_edf`)."""
    from rse_monitor.recordings.synthetic import write_seizure_edf as write

    return write(path, duration_s, (seizure,), sfreq_hz, seed)


@pytest.fixture(scope="session")
def seizure_edf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recordings")
    return write_seizure_edf(folder / "seizure.edf")


def make_tokens(db_path: Path | str) -> dict[str, str]:
    """One token per role, written into the database file."""
    from rse_monitor.service.auth import create_token
    from rse_monitor.service.db import Database

    db = Database(str(db_path))
    try:
        return {role: create_token(db, role, f"test-{role}")[1] for role in ROLES}
    finally:
        db.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def admit(url: str, token: str, bed_id: str, source: dict[str, Any]) -> dict[str, Any]:
    """``POST /api/v1/beds`` for a 70-kg patient on ``source``; the bed, asserted created."""
    r = httpx.post(
        url + "/api/v1/beds",
        headers=bearer(token),
        json={"bed_id": bed_id, "weight_kg": 70, "source": source},
        timeout=30,
    )
    assert r.status_code in (200, 201), r.text
    bed: dict[str, Any] = r.json()
    return bed


def insert_trend_rows(conn: Any, rows: Any) -> None:
    """Store trend rows ``(admission_id, *TREND_FIELDS)`` as a longer-running service
    would have (``conn`` from :meth:`Database.transaction`)."""
    from rse_monitor.service.store import TREND_FIELDS

    cols = ", ".join(TREND_FIELDS)
    marks = ", ".join("?" for _ in range(len(TREND_FIELDS) + 1))
    conn.executemany(f"INSERT OR REPLACE INTO trends (admission_id, {cols}) VALUES ({marks})", rows)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``rsemon serve`` in a subprocess on 127.0.0.1 and a free port."""

    def __init__(
        self, db: Path, recordings: Path, log_path: Path, env: dict[str, str] | None = None
    ) -> None:
        self.db = db
        self.recordings = recordings
        self.log_path = log_path
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> ServerProcess:
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO), **self.extra_env}
        env.pop("RSEMON_RECORDINGS_DIRS", None)
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rse_monitor.service.cli_service",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--db",
                str(self.db),
                "--recordings-dir",
                str(self.recordings),
            ],
            cwd=str(self.db.parent),
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 15.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        code = self.proc.returncode
        self.proc = None
        self._log.close()
        return code


def start_module_server(
    tmp_path_factory: pytest.TempPathFactory, seizure_edf: Path, name: str
) -> ServerProcess:
    """A real server for one test module (short SSE keep-alive), with a token per role
    in ``.tokens``; stop it with ``.stop(signal.SIGTERM)``."""
    folder = tmp_path_factory.mktemp(name)
    srv = ServerProcess(
        folder / f"{name}.sqlite3", seizure_edf.parent, folder / "server.log",
        {"RSEMON_SSE_KEEPALIVE_S": "0.3"},
    )  # fmt: skip
    srv.start()
    srv.tokens = make_tokens(srv.db)  # type: ignore[attr-defined]
    return srv


@pytest.fixture
def server_factory(tmp_path: Path, seizure_edf: Path) -> Iterator[Any]:
    """Make servers on a shared database file in ``tmp_path`` (stopped at teardown)."""
    made: list[ServerProcess] = []
    db = tmp_path / "rse_monitor.service.sqlite3"

    def make(**env: str) -> ServerProcess:
        srv = ServerProcess(db, seizure_edf.parent, tmp_path / "server.log", env)
        made.append(srv)
        return srv

    yield make
    for srv in made:
        srv.stop(signal.SIGKILL)


def wait_for(predicate: Any, timeout_s: float = 30.0, interval_s: float = 0.1) -> Any:
    """Poll until ``predicate()`` returns something truthy; return it (or fail)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        time.sleep(interval_s)


def read_sse(
    lines: Iterator[str],
    n_events: int,
    timeout_s: float = 30.0,
    stop: Any = None,
    kinds: tuple[str, ...] = ("alert",),
) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse SSE lines into events (``id``, ``event``, ``data``) until ``n_events`` or ``stop``.

    Only events whose type is in ``kinds`` are kept (the stream also carries
    ``hop`` events with the new trend rows). Returns the events and the comment lines.
    """
    events: list[dict[str, Any]] = []
    comments: list[str] = []
    cur: dict[str, Any] = {}
    deadline = time.monotonic() + timeout_s
    for line in lines:
        if line == "":
            if "data" in cur and cur.get("event", "message") in kinds:
                cur["data"] = json.loads(cur["data"])
                events.append(cur)
                if len(events) >= n_events or (stop is not None and stop(cur)):
                    break
            cur = {}
        elif line.startswith(":"):
            comments.append(line)
        else:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            cur[field] = cur.get(field, "") + value if field == "data" else value
        if time.monotonic() > deadline:
            break
    return events, comments
