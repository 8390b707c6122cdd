"""``rsemon serve`` and ``rsemon token create|list|revoke``.

``serve`` exits with status 2 and one line on stderr when the database cannot be
used (missing folder, read-only, corrupt) or another server holds it.

Registered in :mod:`service.cli` through ``add_parser(subparsers)``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "build_settings"]

log = logging.getLogger(__name__)


def build_settings(args: argparse.Namespace) -> Any:
    """Settings from the environment, overridden by the options given on the command line."""
    from rse_monitor.service.settings import Settings

    base = Settings()
    kw: dict[str, Any] = {}
    if getattr(args, "db", None) is not None:
        kw["db"] = str(args.db)
    if getattr(args, "host", None) is not None:
        kw["host"] = args.host
    if getattr(args, "port", None) is not None:
        kw["port"] = args.port
    extra = getattr(args, "recordings_dir", None)
    if extra:
        missing = [d for d in extra if not Path(d).expanduser().is_dir()]
        if missing:
            raise ValueError(f"--recordings-dir {missing[0]}: no such folder")
        kw["recordings_dirs"] = [*base.recordings_dirs, *[Path(d) for d in extra]]
    return Settings(**kw) if kw else base


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from rse_monitor.service.errors import StorageUnavailable
    from rse_monitor.service.main import create_app

    settings = build_settings(args)
    try:
        app = create_app(settings)  # takes the database's one-server lock
    except StorageUnavailable as exc:  # unusable database, or another server holds it
        print(f"rsemon serve: {exc}", file=sys.stderr, flush=True)
        return 2
    broker = app.state.broker

    class _Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            broker.close()  # end SSE streams now, so shutdown does not wait for them
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="debug" if args.verbose else "info",
        timeout_graceful_shutdown=5,
        access_log=bool(args.verbose),
    )
    dirs = ", ".join(str(d) for d in settings.allowed_recordings_dirs)
    print(
        f"rsemon serve: http://{settings.host}:{settings.port}/ (API /api/v1, docs /docs); "
        f"db {app.state.db.path}; recordings: {dirs}",
        file=sys.stderr,
        flush=True,
    )
    _Server(config).run()
    return 0


def _cmd_token_create(args: argparse.Namespace) -> int:
    from rse_monitor.service.auth import create_token
    from rse_monitor.service.db import Database

    settings = build_settings(args)
    db = Database(settings.db)
    try:
        record, token = create_token(db, args.role, args.name, created_by="cli")
    finally:
        db.close()
    print(
        f"created {record['role']} token {record['id']} ({record['name']}) in {db.path}; "
        "it is shown only now:",
        file=sys.stderr,
        flush=True,
    )
    print(token, flush=True)
    return 0


def _cmd_token_list(args: argparse.Namespace) -> int:
    from rse_monitor.service.auth import list_tokens
    from rse_monitor.service.db import Database

    db = Database(build_settings(args).db)
    try:
        for t in list_tokens(db):
            state = f"revoked {t['revoked_at']}" if t["revoked_at"] else "active"
            print(f"{t['id']}\t{t['role']}\t{t['name']}\t{t['created_at']}\t{state}")
    finally:
        db.close()
    return 0


def _cmd_token_revoke(args: argparse.Namespace) -> int:
    from rse_monitor.service.auth import revoke_token
    from rse_monitor.service.db import Database

    db = Database(build_settings(args).db)
    try:
        record = revoke_token(db, args.token_id)
    finally:
        db.close()
    if record is None:
        raise ValueError(f"no token {args.token_id}")
    print(f"revoked token {record['id']} ({record['name']}, {record['role']})")
    return 0


def add_parser(subparsers: Any) -> None:
    """Add ``serve`` and ``token`` to the ``rsemon`` command line."""
    from rse_monitor.service.db import ROLES

    p = subparsers.add_parser("serve", help="run the HTTP service (API, live alerts, web page)")
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--db", default=None, help="SQLite file or sqlite:/// URL (./rsemon.sqlite3)")
    p.add_argument(
        "--recordings-dir", action="append", default=None, metavar="DIR",
        help="folder EDF beds may be replayed from (repeatable; the bundled recordings "
        "folder is always allowed)",
    )  # fmt: skip
    p.set_defaults(func=_cmd_serve)

    t = subparsers.add_parser("token", help="manage API tokens (create, list, revoke)")
    tsub = t.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    c = tsub.add_parser("create", help="make a token; prints it as the last line")
    c.add_argument("--role", required=True, choices=ROLES)
    c.add_argument("--name", default=None, help="label (default ROLE-ID)")
    c.add_argument("--db", default=None, help="SQLite file or sqlite:/// URL (./rsemon.sqlite3)")
    c.set_defaults(func=_cmd_token_create)
    ls = tsub.add_parser("list", help="list tokens (never their secrets)")
    ls.add_argument("--db", default=None)
    ls.set_defaults(func=_cmd_token_list)
    rv = tsub.add_parser("revoke", help="revoke a token by id")
    rv.add_argument("token_id", type=int)
    rv.add_argument("--db", default=None)
    rv.set_defaults(func=_cmd_token_revoke)


def main(argv: list[str] | None = None) -> int:
    """``serve``/``token`` (``python -m rse_monitor.service.cli_service``); same as ``rsemon``."""
    from rse_monitor.service.cli import main as rsemon_main

    return rsemon_main(argv)


if __name__ == "__main__":
    sys.exit(main())
