"""``GET /health``: liveness without authentication.

``ok`` only when every active EEG bed is being monitored (its runner alive, its
status running, connecting, reconnecting or finished, its stream found) and the
database takes a real write (:meth:`service.db.Database.probe_write`, one short
transaction on a connection of its own, 1 s at most); otherwise ``degraded`` with
one line per problem. The status code is 200 either way: the body says which.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter

from rse_monitor.service.deps import DbDep, ManagerDep
from rse_monitor.service.errors import StorageUnavailable
from rse_monitor.service.runner import lsl_available
from rse_monitor.service.schemas import HealthPublic

router = APIRouter(tags=["health"])

log = logging.getLogger(__name__)

#: Longest wait of the storage probe on a database locked elsewhere, s.
PROBE_TIMEOUT_S = 1.0


@router.get("/health", response_model=HealthPublic, summary="Service health (no auth)")
def health(db: DbDep, manager: ManagerDep) -> HealthPublic:
    from rse_monitor.pipeline import __version__

    storage_error = db.probe_write(PROBE_TIMEOUT_S)
    try:
        schema_version: int | None = db.schema_version
    except StorageUnavailable as exc:
        schema_version = None
        storage_error = storage_error or str(exc)
    if storage_error is not None:
        # /health needs no token: the full reason, with the file's path, goes to the log
        log.warning("health: storage: %s", storage_error)
        storage_error = storage_error.replace(str(db.path), "<database>")
    problems = manager.health_problems()
    reasons = [f"storage: {storage_error}"] if storage_error is not None else []
    reasons += [f"bed {bed_id}: {why}" for bed_id, why in problems]
    not_monitored = list(dict.fromkeys(bed_id for bed_id, _ in problems))
    return HealthPublic(
        status="degraded" if reasons else "ok", version=__version__,
        schema_version=schema_version, n_beds=len(manager.beds()),
        n_running=manager.n_running, lsl_available=lsl_available(),
        storage_ok=storage_error is None, storage_error=storage_error,
        beds_not_monitored=not_monitored, reasons=reasons,
    )  # fmt: skip
