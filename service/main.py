"""The FastAPI application: ``create_app(settings)`` builds it.

Routers (one per resource) are mounted under ``/api/v1``; the web page, when
``service/static/`` exists, is served at ``/`` with its assets under ``/static``.
The database, the SSE broker and the bed manager live in ``app.state``; the bed
runners start with the application (lifespan) and stop with it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from rse_monitor.service.broker import Broker
from rse_monitor.service.db import Database, ServerLock
from rse_monitor.service.errors import (
    BedConflict,
    InvalidEntry,
    NotFound,
    RecordingOutsideAllowedDirs,
    ServiceError,
    StorageUnavailable,
    Unsupported,
)
from rse_monitor.service.routers import (
    alerts,
    audit,
    beds,
    health,
    patterns,
    scores,
    tokens,
    treatments,
)
from rse_monitor.service.runner import BedManager
from rse_monitor.service.schemas import validation_error_public
from rse_monitor.service.security import AuditMiddleware, SecurityHeadersMiddleware, SignInThrottle
from rse_monitor.service.settings import Settings

__all__ = ["create_app", "STATIC_DIR", "HTTP_STATUS", "http_status"]

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().with_name("static")
API_PREFIX = "/api/v1"

DESCRIPTION = """\
EEG monitoring for refractory status epilepticus: seizure detection, burst-suppression
depth, SE staging (ILAE 2015), dose adequacy and titration alerts.

Authenticate with `Authorization: Bearer <token>` (`rsemon token create --role ROLE`).
Roles: viewer < technician < clinician < admin. Bed times `t_s` are seconds on the
bed's clock: `time = clock_origin + t_s / speed`.
"""


#: The one mapping of the service's errors to HTTP (a subclass takes its base's code).
HTTP_STATUS: dict[type[ServiceError], int] = {
    RecordingOutsideAllowedDirs: 403,
    NotFound: 404,
    BedConflict: 409,
    InvalidEntry: 422,
    Unsupported: 501,
    StorageUnavailable: 503,
}


def http_status(exc: ServiceError) -> int:
    """The HTTP status of a service error (500 for one not in :data:`HTTP_STATUS`)."""
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rse-monitor API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs-assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script></body></html>
"""


def _mount_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI with its script and style from the service itself (the
    ``fastapi-offline`` package's copies): no CDN, so it works on an isolated ward
    network, and started from ``static/docs.js``, so it works under the service's CSP.

    ``/redoc`` redirects to ``/docs``: ReDoc styles itself with inline ``<style>``
    elements, which the CSP (``style-src 'self'``) refuses, and one strict policy for
    every answer is worth more than a second rendering of the same document.
    """
    from importlib.resources import files

    assets = Path(str(files("fastapi_offline") / "static"))
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs", status_code=308)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service.

    Parameters
    ----------
    settings : Settings, optional
        Default: read from the environment (``RSEMON_*``).

    Raises
    ------
    StorageUnavailable
        The database cannot be opened, migrated or written.
    DatabaseInUse
        Another server holds the database: one server per database, held (a
        :class:`~service.db.ServerLock`) from here until the application shuts down.
    ValueError
        A database URL that is not SQLite, or a missing folder.
    """
    from rse_monitor.pipeline import __version__

    settings = settings if settings is not None else Settings()
    db = Database(settings.db)
    server_lock = ServerLock(db.path) if db.path != ":memory:" else None
    try:
        if server_lock is not None:
            server_lock.acquire()
        problem = db.probe_write()
        if problem is not None:
            raise StorageUnavailable(problem)
        broker = Broker()
        manager = BedManager(db, broker, settings)
    except BaseException:
        if server_lock is not None:
            server_lock.release()
        db.close()
        raise

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if server_lock is not None:
            server_lock.acquire()  # again, after a shutdown of this same app
        manager.start()
        try:
            yield
        finally:
            broker.close()
            await anyio.to_thread.run_sync(manager.shutdown)
            if server_lock is not None:
                server_lock.release()

    app = FastAPI(
        title="rse-monitor",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below, with assets from the service itself
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.broker = broker
    app.state.manager = manager
    app.state.server_lock = server_lock
    app.state.signin_throttle = SignInThrottle()
    app.add_middleware(AuditMiddleware, api_prefix=API_PREFIX + "/")
    app.add_middleware(SecurityHeadersMiddleware, api_prefix=API_PREFIX + "/")

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=http_status(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # the input is echoed made safe: a NaN in it must not turn a 422 into a 500
        body = validation_error_public(exc.errors()).model_dump(mode="json")
        return JSONResponse(body, status_code=422)

    for module in (health, beds, patterns, treatments, scores, alerts, tokens, audit):
        app.include_router(module.router, prefix=API_PREFIX)
    # the contract lists "GET /health" among the /api/v1 routes; answer at the root
    # too, for load balancers and outside checks that probe /health
    app.include_router(health.router, include_in_schema=False)

    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _mount_docs(app)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        page = STATIC_DIR / "index.html"
        if not page.is_file():
            return JSONResponse(  # type: ignore[return-value]
                {"detail": "no web page installed; the API is under /api/v1 (see /docs)"},
                status_code=404,
            )
        return FileResponse(page, headers={"Cache-Control": "no-cache"})

    return app
