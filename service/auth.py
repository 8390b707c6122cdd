"""Bearer tokens, roles and browser sessions.

Tokens are 32 random bytes (``secrets.token_urlsafe``) with an ``rsm_`` prefix; the
database keeps only their SHA-256, so a copy of the database does not reveal a
usable token. Roles are ordered ``viewer < technician < clinician < admin``; each
route states the lowest role it needs through one of the ``Annotated`` aliases
(:data:`Viewer`, :data:`Technician`, :data:`Clinician`, :data:`Admin`).

Browsers' ``EventSource`` cannot send an ``Authorization`` header, and a long-lived
token must never travel in a URL. ``POST /api/v1/session`` (with the bearer token)
therefore sets an ``HttpOnly; SameSite=Strict`` cookie holding a short-lived random
session id (stored hashed, expiring after ``Settings.session_ttl_s``). The cookie is
accepted on ``GET``/``HEAD`` requests only -- reading, including the SSE stream --
so it cannot be used to change anything even if a request were forged.

Failed sign-ins -- a bearer token refused at ``POST /api/v1/session`` or on any API
request -- are logged at WARNING with the client address, the reason and the
token's fingerprint (never the token), and throttled per address and per token by
the app's :class:`~service.security.SignInThrottle`: past the limit the answer is
429 with ``Retry-After``. The principal of an authenticated request is left in
``request.state.principal`` for the audit log.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from rse_monitor.service import store
from rse_monitor.service.db import ROLES, Database, iso_utc, utc_now
from rse_monitor.service.deps import DbDep
from rse_monitor.service.security import SignInThrottle, fingerprint

__all__ = [
    "ROLES",
    "Role",
    "Principal",
    "SESSION_COOKIE",
    "hash_secret",
    "create_token",
    "list_tokens",
    "revoke_token",
    "authenticate_bearer",
    "create_session",
    "authenticate_session",
    "delete_session",
    "require",
    "Viewer",
    "Technician",
    "Clinician",
    "Admin",
    "BearerPrincipal",
    "AnyPrincipal",
]

Role = Literal["viewer", "technician", "clinician", "admin"]
SESSION_COOKIE = "rsemon_session"
TOKEN_PREFIX = "rsm_"

log = logging.getLogger(__name__)


def role_rank(role: str) -> int:
    """0 for viewer ... 3 for admin; ValueError for an unknown role."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    return ROLES.index(role)


def hash_secret(secret: str) -> str:
    """Hex SHA-256 of a token or session id."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, name and role, and how they authenticated."""

    token_id: int
    name: str
    role: str
    via: Literal["bearer", "session"] = "bearer"

    def at_least(self, role: str) -> bool:
        return role_rank(self.role) >= role_rank(role)


# --------------------------------------------------------------------------- tokens
def create_token(
    db: Database, role: str, name: str | None = None, created_by: str | None = None
) -> tuple[dict[str, Any], str]:
    """Make a new token; return its public record and the token (shown only once)."""
    role_rank(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = iso_utc(utc_now())
    with db.transaction() as conn:
        token_id = store.insert_token(conn, "", role, hash_secret(token), now, created_by)
        final_name = name.strip() if name and name.strip() else f"{role}-{token_id}"
        store.set_token_name(conn, token_id, final_name)
    record = {
        "id": token_id,
        "name": final_name,
        "role": role,
        "created_at": now,
        "created_by": created_by,
        "revoked_at": None,
    }
    return record, token


def list_tokens(db: Database) -> list[dict[str, Any]]:
    """Every token's public record (never the secret)."""
    with db.read() as conn:
        return [dict(r) for r in store.all_tokens(conn)]


def revoke_token(db: Database, token_id: int) -> dict[str, Any] | None:
    """Revoke a token and end its sessions; None if there is no such token."""
    with db.transaction() as conn:
        if store.get_token(conn, token_id) is None:
            return None
        store.mark_token_revoked(conn, token_id, iso_utc(utc_now()))
        store.delete_sessions_of_token(conn, token_id)
        row = store.get_token(conn, token_id)
    return None if row is None else dict(row)


def authenticate_bearer(db: Database, token: str) -> Principal | None:
    """The principal of an unrevoked token, or None."""
    if not token or len(token) > 512:
        return None
    with db.read() as conn:
        row = store.find_active_token(conn, hash_secret(token))
    if row is None:
        return None
    return Principal(int(row["id"]), str(row["name"]), str(row["role"]), "bearer")


# ------------------------------------------------------------------------- sessions
def create_session(db: Database, principal: Principal, ttl_s: float) -> tuple[str, float]:
    """A new session for ``principal``; returns (session id, expiry as Unix time)."""
    sid = secrets.token_urlsafe(32)
    now = time.time()
    expires = now + float(ttl_s)
    with db.transaction() as conn:
        store.delete_expired_sessions(conn, now)
        store.insert_session(conn, hash_secret(sid), principal.token_id, iso_utc(utc_now()),
                             expires)  # fmt: skip
    return sid, expires


def authenticate_session(db: Database, sid: str) -> Principal | None:
    """The principal of an unexpired session whose token is not revoked, or None."""
    if not sid or len(sid) > 256:
        return None
    with db.read() as conn:
        row = store.find_session_token(conn, hash_secret(sid), time.time())
    if row is None:
        return None
    return Principal(int(row["id"]), str(row["name"]), str(row["role"]), "session")


def delete_session(db: Database, sid: str) -> None:
    """End a browser session."""
    with db.transaction() as conn:
        store.delete_session(conn, hash_secret(sid))


# ----------------------------------------------------------------------- dependencies
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="API token made by `rsemon token create --role ROLE` or POST /api/v1/tokens",
)
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="Session cookie from POST /api/v1/session (GET requests only)",
)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def _client_address(request: Request) -> str:
    """The peer's address (a proxy in front of the service is one address)."""
    return request.client.host if request.client is not None else "unknown"


def _check_bearer(request: Request, db: Database, token: str) -> Principal:
    """The principal of a bearer token, throttled (429) and logged on failure.

    Raises
    ------
    HTTPException
        429 with ``Retry-After`` while the address or the token is locked out
        (:class:`~service.security.SignInThrottle`); 401 for a bad token.
    """
    throttle: SignInThrottle = request.app.state.signin_throttle
    address = _client_address(request)
    token_fp = fingerprint(token)
    wait_s = throttle.retry_after_s(address, token_fp)
    if wait_s is not None:
        log.warning("sign-in refused from %s: too many failed sign-ins (token sha256:%s, "
                    "%s %s); retry after %d s", address, token_fp, request.method,
                    request.url.path, wait_s)  # fmt: skip
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many failed sign-ins; try again in {wait_s} s",
            headers={"Retry-After": str(wait_s)},
        )
    principal = authenticate_bearer(db, token)
    if principal is None:
        throttle.failed(address, token_fp)
        log.warning("sign-in failed from %s: invalid or revoked bearer token (token sha256:%s, "
                    "%s %s)", address, token_fp, request.method, request.url.path)  # fmt: skip
        raise _unauthorized("invalid or revoked bearer token")
    throttle.succeeded(address)
    request.state.principal = principal
    return principal


def get_principal(
    request: Request,
    db: DbDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session_id: Annotated[str | None, Depends(cookie_scheme)],
) -> Principal:
    """The caller, from ``Authorization: Bearer`` or (GET/HEAD only) the session cookie."""
    if creds is not None:
        return _check_bearer(request, db, creds.credentials)
    if session_id and request.method in ("GET", "HEAD"):
        principal = authenticate_session(db, session_id)
        if principal is None:
            raise _unauthorized("session expired or invalid: POST /api/v1/session again")
        request.state.principal = principal
        return principal
    if request.headers.get("authorization"):
        log.warning("sign-in failed from %s: Authorization header is not 'Bearer <token>' "
                    "(%s %s)", _client_address(request), request.method,
                    request.url.path)  # fmt: skip
        raise _unauthorized("Authorization header must be 'Bearer <token>'")
    raise _unauthorized("authentication required: send 'Authorization: Bearer <token>'")


def get_bearer_principal(
    request: Request,
    db: DbDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """The caller from the bearer token only (the cookie cannot mint sessions)."""
    if creds is None:
        raise _unauthorized("authentication required: send 'Authorization: Bearer <token>'")
    return _check_bearer(request, db, creds.credentials)


_ACTIONS = {
    "viewer": "read",
    "technician": "start or stop beds",
    "clinician": "enter treatments, targets and observations, or acknowledge alerts",
    "admin": "manage tokens",
}


def require(role: str) -> Any:
    """A dependency that admits callers whose role is at least ``role`` (else 403)."""
    role_rank(role)

    def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.at_least(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {principal.role!r} may not {_ACTIONS[role]}: needs {role} or higher",
            )
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


AnyPrincipal = Annotated[Principal, Depends(get_principal)]
BearerPrincipal = Annotated[Principal, Depends(get_bearer_principal)]
Viewer = Annotated[Principal, Depends(require("viewer"))]
Technician = Annotated[Principal, Depends(require("technician"))]
Clinician = Annotated[Principal, Depends(require("clinician"))]
Admin = Annotated[Principal, Depends(require("admin"))]
