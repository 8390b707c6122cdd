"""``GET /audit``: the audit log of writes (admin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from rse_monitor.service import store
from rse_monitor.service.auth import Admin
from rse_monitor.service.db import iso_utc
from rse_monitor.service.deps import DbDep
from rse_monitor.service.routers import AUTH_ERRORS

router = APIRouter(tags=["audit"], responses={**AUTH_ERRORS})


class AuditEntryPublic(BaseModel):
    """One write: who (token name and role), what (method, path, summary), when, outcome."""

    model_config = ConfigDict(extra="forbid")

    id: int
    at: str = Field(description="when the request was answered (ISO 8601 UTC)")
    who: str | None = Field(description="name of the caller's token")
    role: str | None
    method: str
    path: str
    status: int = Field(description="HTTP status of the answer (refusals included)")
    summary: str = Field(description="body fields without secrets; free text as its length")


class AuditPublic(BaseModel):
    data: list[AuditEntryPublic]
    count: int


@router.get("/audit", response_model=AuditPublic, summary="The audit log of writes (admin)")
def get_audit(
    principal: Admin,
    db: DbDep,
    since: Annotated[
        datetime | None, Query(description="entries at or after this time (ISO 8601; UTC if naive)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="newest entries first")] = 100,
) -> AuditPublic:
    since_text = None
    if since is not None:
        since_text = iso_utc(since if since.tzinfo is not None else since.replace(tzinfo=UTC))
    with db.read() as conn:
        rows = store.list_audit(conn, since_text, limit)
    data = [AuditEntryPublic.model_validate(dict(r)) for r in rows]
    return AuditPublic(data=data, count=len(data))
