"""API tokens (admin) and browser sessions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, cast

from fastapi import APIRouter, Cookie, Path, Response, status

from rse_monitor.service.auth import (
    SESSION_COOKIE,
    Admin,
    AnyPrincipal,
    BearerPrincipal,
    Principal,
    create_session,
    create_token,
    delete_session,
    list_tokens,
    revoke_token,
)
from rse_monitor.service.db import iso_utc
from rse_monitor.service.deps import DbDep, SettingsDep
from rse_monitor.service.errors import TokenNotFound
from rse_monitor.service.routers import AUTH_ERRORS
from rse_monitor.service.schemas import (
    RoleName,
    SessionPublic,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    TokensPublic,
)

router = APIRouter(tags=["auth"], responses={**AUTH_ERRORS})


def _role(principal: Principal) -> RoleName:
    """The caller's role (checked against ``ROLES`` when the token was made)."""
    return cast(RoleName, principal.role)


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Make a token (admin); the token is shown only in this answer",
)
def post_token(body: TokenCreate, principal: Admin, db: DbDep) -> TokenCreated:
    record, token = create_token(db, body.role, body.name, created_by=principal.name)
    return TokenCreated.model_validate({**record, "token": token})


@router.get("/tokens", response_model=TokensPublic, summary="All tokens (admin), without secrets")
def get_tokens(principal: Admin, db: DbDep) -> TokensPublic:
    data = [TokenPublic.model_validate(t) for t in list_tokens(db)]
    return TokensPublic(data=data, count=len(data))


@router.delete(
    "/tokens/{token_id}",
    response_model=TokenPublic,
    summary="Revoke a token and end its sessions (admin)",
    responses={404: {"description": "no such token"}},
)
def delete_token(
    token_id: Annotated[int, Path(ge=1, le=2**62)], principal: Admin, db: DbDep
) -> TokenPublic:
    record = revoke_token(db, token_id)
    if record is None:
        raise TokenNotFound(token_id)
    return TokenPublic.model_validate(record)


@router.post(
    "/session",
    response_model=SessionPublic,
    summary="Exchange the bearer token for a short-lived HttpOnly session cookie (for the page)",
    description=(
        "Sets `rsemon_session` (HttpOnly, SameSite=Strict, Path=/). The cookie "
        "authenticates GET requests only -- page reads and the SSE stream, which "
        "`EventSource` cannot send headers for -- so the long-lived token never "
        "appears in a URL."
    ),
)
def post_session(
    response: Response, principal: BearerPrincipal, db: DbDep, settings: SettingsDep
) -> SessionPublic:
    sid, expires = create_session(db, principal, settings.session_ttl_s)
    response.set_cookie(
        SESSION_COOKIE, sid, max_age=int(settings.session_ttl_s), path="/",
        httponly=True, samesite="strict", secure=settings.cookie_secure,
    )  # fmt: skip
    return SessionPublic(name=principal.name, role=_role(principal), via="session",
                         expires_at=iso_utc(datetime.fromtimestamp(expires, UTC)))  # fmt: skip


@router.get("/session", response_model=SessionPublic, summary="Who am I (token or session)")
def get_session(principal: AnyPrincipal) -> SessionPublic:
    return SessionPublic(name=principal.name, role=_role(principal), via=principal.via)


@router.delete(
    "/session",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the browser session (clears the cookie)",
)
def end_session(
    db: DbDep,
    session_id: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
) -> Response:
    if session_id:
        delete_session(db, session_id)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
