"""``rsemon demo``: the service, two beds streamed live over LSL, and the page.

One command shows the whole system on one machine:

1. a fresh SQLite database (a new temporary file, or ``--db PATH`` that must not
   exist yet), with a viewer and a clinician token made through the service's own
   token API (:func:`service.auth.create_token`);
2. the service (``rsemon serve``) on ``127.0.0.1:PORT`` in a child process;
3. the two bundled recordings played as live LSL outlets (``rsemon stream``, one
   child process each, looping): ``rse_seizure_synthetic.edf`` (seizures) and
   ``rse_burst_suppression_synthetic.edf`` (burst suppression at several depths);
4. two beds created through ``POST /api/v1/beds`` with those LSL streams as their
   sources; the burst-suppression bed gets a burst-suppression target band and a
   midazolam infusion, so titration advice has something to judge.

It prints the page's address and both tokens, then waits for Ctrl-C (or
``--duration`` seconds) and stops the children in order: streams, then the
service (which closes its beds and database cleanly).

Every child gets ``LSLAPICFG`` pointing to the machine-scope LSL configuration
(``pipeline/lsl_machine.cfg``) before any LSL call, so stream discovery never
leaves this machine; the service listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run_demo", "DemoBed", "DemoError", "DEMO_BEDS"]

HOST = "127.0.0.1"


class DemoError(RuntimeError):
    """A part of the demo failed to start or stopped (the message says which and why)."""


@dataclass(frozen=True)
class DemoBed:
    """One demo bed: which bundled recording feeds it and how it is set up."""

    bed_id: str
    recording: str
    what: str
    weight_kg: float
    seizure_type: str
    targets: dict[str, Any] | None = None
    treatments: tuple[dict[str, Any], ...] = ()


DEMO_BEDS: tuple[DemoBed, ...] = (
    DemoBed(
        "ICU-1",
        "rse_seizure_synthetic.edf",
        "seizures",
        80.0,
        "generalized_convulsive",
        targets={"goal": "seizure_suppression"},
    ),
    DemoBed(
        "ICU-2",
        "rse_burst_suppression_synthetic.edf",
        "burst suppression",
        70.0,
        "generalized_convulsive",
        targets={"goal": "burst_suppression", "sr_low": 0.5, "sr_high": 0.8, "sustain_s": 60.0},
        treatments=(
            {
                "agent": "midazolam",
                "dose": 0.2,
                "unit": "mg/kg/h",
                "route": "IV",
                "kind": "infusion_start",
            },
        ),
    ),
)


# ----------------------------------------------------------------------------- helpers
def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # as uvicorn does: connections in TIME_WAIT do not block a new listener
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def _http(
    method: str, url: str, token: str | None = None, body: Any = None, timeout_s: float = 10.0
) -> Any:
    """A JSON request to the local service; raises DemoError with the server's reason."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310 (127.0.0.1)
            text = resp.read().decode() or "null"
            return json.loads(text)
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        try:
            detail = json.loads(detail).get("detail", detail)
        except (ValueError, AttributeError):
            pass
        raise DemoError(f"{method} {url} -> {exc.code}: {detail}") from None


def _child_env(lsl_config: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["LSLAPICFG"] = str(lsl_config)
    env.setdefault("PYTHONUNBUFFERED", "1")
    # the children import the project from where this one did
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _rsemon(module: str, *args: str) -> list[str]:
    """``rsemon ARGS`` as a child command: through ``service.cli`` when ``module`` is
    registered there, else through the module's own ``main`` (same code either way)."""
    from rse_monitor.service.cli import _EXTRA_COMMANDS

    entry = "rse_monitor.service.cli" if module in _EXTRA_COMMANDS else module
    return [sys.executable, "-m", entry, *args]


def _serve_command(port: int, db: Path) -> list[str]:
    return _rsemon(
        "rse_monitor.service.cli_service",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--db",
        str(db),
    )


def _stream_command(path: Path, name: str, speed: float, lsl_config: Path) -> list[str]:
    return _rsemon(
        "rse_monitor.service.cli_live",
        "stream",
        str(path),
        "--name",
        name,
        "--speed",
        repr(speed),
        "--loop",
        "--lsl-config",
        str(lsl_config),
        "--quiet",
    )


class _Children:
    """The demo's child processes, each in its own session (Ctrl-C reaches only us)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def start(self, label: str, cmd: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log_path = self.log_dir / f"{label}.log"
        log = log_path.open("wb")
        proc = subprocess.Popen(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        log.close()
        self.procs.append((label, proc, log_path))
        return proc

    def tail(self, label: str, n_lines: int = 12) -> str:
        for name, _, path in self.procs:
            if name == label and path.exists():
                return "\n".join(path.read_text(errors="replace").splitlines()[-n_lines:])
        return ""

    def dead(self) -> list[str]:
        return [label for label, proc, _ in self.procs if proc.poll() is not None]

    def stop(self, labels: Sequence[str] | None = None, timeout_s: float = 15.0) -> None:
        """SIGINT (clean shutdown), then SIGTERM, then SIGKILL; only our own children."""
        chosen = [(lb, p) for lb, p, _ in self.procs if labels is None or lb in labels]
        for _, proc in chosen:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + timeout_s
        for _, proc in chosen:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=5.0)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5.0)


def _wait_health(base: str, children: _Children, timeout_s: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if "service" in children.dead():
            raise DemoError("the service exited at start-up:\n" + children.tail("service"))
        try:
            return dict(_http("GET", f"{base}/api/v1/health", timeout_s=2.0))
        except (OSError, DemoError):
            time.sleep(0.25)
    raise DemoError(f"the service did not answer {base}/api/v1/health within {timeout_s:.0f} s")


def _check_args(args: argparse.Namespace) -> None:
    if not 1 <= args.port <= 65535:
        raise ValueError(f"--port must be in 1..65535, got {args.port}")
    if not (math.isfinite(args.speed) and 0 < args.speed <= 100):
        raise ValueError(f"--speed must be in (0, 100], got {args.speed}")
    if args.duration is not None and not (math.isfinite(args.duration) and args.duration > 0):
        raise ValueError(f"--duration must be > 0 s, got {args.duration}")
    if args.db is not None:
        db = Path(args.db)
        if db.exists():
            raise ValueError(f"--db {db} already exists: the demo needs a fresh database file")
        if not db.resolve().parent.is_dir():
            raise ValueError(f"--db {db}: folder {db.resolve().parent} does not exist")
    if not _port_free(args.port):
        raise ValueError(f"--port {args.port}: {HOST}:{args.port} is already in use")


# ---------------------------------------------------------------------------- the demo
def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_demo(args: argparse.Namespace) -> int:
    """Run the demo until Ctrl-C or ``args.duration``; 0 on a clean stop."""
    from rse_monitor.pipeline.lsl import DEFAULT_LSL_CONFIG, check_machine_scope
    from rse_monitor.service.auth import create_token
    from rse_monitor.service.db import Database
    from rse_monitor.service.settings import bundled_recordings_dir

    _check_args(args)
    rec_dir = bundled_recordings_dir()
    for bed in DEMO_BEDS:
        if not (rec_dir / bed.recording).is_file():
            raise FileNotFoundError(
                f"bundled recording {rec_dir / bed.recording} is missing "
                "(regenerate with: python -m rse_monitor.recordings.make_recordings)"
            )
    lsl_config = Path(os.environ.get("RSEMON_LSL_CONFIG") or DEFAULT_LSL_CONFIG).resolve()
    if lsl_config == DEFAULT_LSL_CONFIG.resolve():
        check_machine_scope(lsl_config)

    work = Path(tempfile.mkdtemp(prefix="rsemon-demo-"))
    db_path = Path(args.db).resolve() if args.db is not None else work / "rsemon.sqlite3"
    children = _Children(work)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops the demo like Ctrl-C
    base = f"http://{HOST}:{args.port}"
    api = f"{base}/api/v1"
    tag = f"{os.getpid()}"
    try:
        db = Database(str(db_path))
        try:
            _, viewer = create_token(db, "viewer", "demo-viewer", created_by="rsemon demo")
            _, clinician = create_token(db, "clinician", "demo-clinician", created_by="rsemon demo")
        finally:
            db.close()

        env = _child_env(lsl_config)
        print(f"rsemon demo: starting the service on {base} ...", file=sys.stderr, flush=True)
        children.start("service", _serve_command(args.port, db_path), env)
        _wait_health(base, children)

        streams: dict[str, str] = {}
        for bed in DEMO_BEDS:
            name = f"rsemon-demo-{tag}-{bed.bed_id.lower()}"
            streams[bed.bed_id] = name
            cmd = _stream_command(rec_dir / bed.recording, name, args.speed, lsl_config)
            children.start(f"stream-{bed.bed_id}", cmd, env)
            _ensure_discoverable(name, f"stream-{bed.bed_id}", cmd, env, children, lsl_config)

        for bed in DEMO_BEDS:
            body: dict[str, Any] = {
                "bed_id": bed.bed_id, "weight_kg": bed.weight_kg,
                "seizure_type": bed.seizure_type,
                "source": {"kind": "lsl", "stream_name": streams[bed.bed_id]},
            }  # fmt: skip
            if bed.targets:
                body["targets"] = bed.targets
            _http("POST", f"{api}/beds", clinician, body)
            for tr in bed.treatments:
                _http("POST", f"{api}/beds/{bed.bed_id}/treatments", clinician, tr)

        _wait_running(api, viewer, [b.bed_id for b in DEMO_BEDS], children, timeout_s=20.0)
        _print_banner(base, viewer, clinician, db_path, streams, args)

        end = math.inf if args.duration is None else time.monotonic() + args.duration
        while time.monotonic() < end:
            time.sleep(min(1.0, max(0.0, end - time.monotonic())))
            for label in children.dead():
                raise DemoError(f"{label} stopped unexpectedly:\n" + children.tail(label))
        print("rsemon demo: stopping ...", file=sys.stderr, flush=True)
        return 0
    except KeyboardInterrupt:
        print("\nrsemon demo: stopping ...", file=sys.stderr, flush=True)
        return 0
    except DemoError as exc:
        print(f"rsemon demo: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        children.stop([lb for lb, _, _ in children.procs if lb.startswith("stream-")])
        children.stop(["service"])
        signal.signal(signal.SIGTERM, previous)
        if args.db is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"rsemon demo: database kept at {db_path}; logs in {work}", file=sys.stderr)


def _ensure_discoverable(
    name: str,
    label: str,
    cmd: list[str],
    env: dict[str, str],
    children: _Children,
    lsl_config: Path,
    attempts: int = 3,
    timeout_s: float = 6.0,
) -> None:
    """Wait until the LSL stream ``name`` answers discovery; restart its player if not.

    An outlet is found only when it listens inside the configured LSL port range; on a
    machine crowded with outlets a new player can come up unreachable (seen with
    liblsl 1.18 before ``lsl_machine.cfg`` widened the range). A new player process
    gets new ports, so the demo retries a few times before giving up with a reason.
    """
    from rse_monitor.pipeline.lsl import get_pylsl

    pylsl = get_pylsl(lsl_config)
    for attempt in range(1, attempts + 1):
        if pylsl.resolve_byprop("name", name, 1, timeout_s):
            return
        if label in children.dead():
            raise DemoError(f"{label} stopped at start-up:\n" + children.tail(label))
        if attempt < attempts:
            print(f"rsemon demo: LSL stream {name!r} not discoverable yet; restarting its player",
                  file=sys.stderr, flush=True)  # fmt: skip
            children.stop([label])
            children.procs = [c for c in children.procs if c[0] != label]
            children.start(label, cmd, env)
    raise DemoError(
        f"LSL stream {name!r} is not discoverable after {attempts} tries (too many LSL "
        "outlets on this machine for the configured port range?)"
    )


def _wait_running(
    api: str, token: str, bed_ids: list[str], children: _Children, timeout_s: float
) -> None:
    """Wait until every bed has live data (LSL resolved); warn, don't fail, if slow."""
    deadline = time.monotonic() + timeout_s
    pending = set(bed_ids)
    while pending and time.monotonic() < deadline:
        for bed_id in list(pending):
            try:
                bed = _http("GET", f"{api}/beds/{bed_id}", token, timeout_s=2.0)
            except (OSError, DemoError):
                continue
            if bed.get("status") == "running":
                pending.discard(bed_id)
        if pending:
            if "service" in children.dead():
                raise DemoError("the service stopped:\n" + children.tail("service"))
            time.sleep(0.5)
    if pending:
        print(
            f"rsemon demo: warning: no LSL data yet for {', '.join(sorted(pending))} "
            f"after {timeout_s:.0f} s; the page will show them when it arrives",
            file=sys.stderr,
        )


def _print_banner(
    base: str, viewer: str, clinician: str, db_path: Path, streams: dict[str, str],
    args: argparse.Namespace,
) -> None:  # fmt: skip
    lines = [
        "",
        "rsemon demo is running",
        f"  page             {base}/",
        f"  viewer token     {viewer}",
        f"  clinician token  {clinician}",
        "  (paste a token into the page's sign-in box; it is exchanged for a session cookie)",
        "",
    ]
    for bed in DEMO_BEDS:
        lines.append(
            f"  {bed.bed_id}: {bed.what} ({bed.recording}) live over LSL '{streams[bed.bed_id]}'"
            f" at {args.speed:g}x, looping"
        )
    lines += [f"  database         {db_path}", ""]
    lines.append(
        "Press Ctrl-C to stop."
        if args.duration is None
        else f"Stopping after {args.duration:g} s (Ctrl-C stops earlier)."
    )
    print("\n".join(lines), flush=True)


def add_parser(subparsers: Any) -> None:
    """Add ``rsemon demo`` to an argparse subparsers object."""
    p = subparsers.add_parser(
        "demo",
        help="service + the bundled recordings streamed over LSL as two beds; prints the page",
        description=(
            "Start the service on 127.0.0.1 with a fresh SQLite database, stream the two "
            "bundled recordings (seizures; burst suppression) over LSL, monitor them as two "
            "beds, and print the page's address with a viewer and a clinician token. "
            "Ctrl-C stops everything."
        ),
    )
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    p.add_argument(
        "--db",
        type=Path,
        default=None,
        help="a new SQLite file to create and keep (default: a temporary one)",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="playback speed of the recordings, multiples of real time (default 1)",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="S",
        help="stop after S seconds (default: until Ctrl-C)",
    )
    p.set_defaults(func=run_demo)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rse_monitor.service.demo`` (same as ``rsemon demo``)."""
    parser = argparse.ArgumentParser(prog="rsemon")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["demo", *(sys.argv[1:] if argv is None else argv)])
    try:
        return run_demo(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"rsemon demo: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
