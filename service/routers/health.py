"""``GET /health``: liveness without authentication."""

from __future__ import annotations

from fastapi import APIRouter

from service.deps import DbDep, ManagerDep
from service.runner import lsl_available
from service.schemas import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic, summary="Service health (no auth)")
def health(db: DbDep, manager: ManagerDep) -> HealthPublic:
    from pipeline import __version__

    return HealthPublic(
        status="ok", version=__version__, schema_version=db.schema_version,
        n_beds=len(manager.beds()), n_running=manager.n_running, lsl_available=lsl_available(),
    )  # fmt: skip
