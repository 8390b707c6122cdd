"""HTTP hardening: security headers on every response, and the failed sign-in throttle.

:class:`SecurityHeadersMiddleware` adds to every answer a Content-Security-Policy
without inline script (the page and the API docs load their scripts and styles
from the service itself; nothing from another origin), ``X-Frame-Options: DENY``,
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``; answers
under ``/api/`` -- patient data -- also get ``Cache-Control: no-store``.

:class:`SignInThrottle` counts failed sign-ins (a bearer token that was checked and
refused, at ``POST /api/v1/session`` or on any API request) per client address and
per presented token. A bucket admits :data:`MAX_FAILURES` distinct failures per
:data:`WINDOW_S` seconds; the next attempt from that address, or with that token,
is answered 429 with ``Retry-After`` until the oldest failure leaves the window.
Repeating the *same* wrong token is one failure, not a new guess (a script retrying
with a stale token is not guessing, and is not locked out by its own retries). A
success from an address clears that address's bucket. Tokens are never kept or
logged: a failure is identified by the first 12 hex digits of the token's SHA-256
(:func:`fingerprint`), which an administrator can match against the ``tokens``
table without learning anything usable.

:class:`AuditMiddleware` writes one row of the ``audit`` table for every non-GET
API request whose caller was authenticated -- including those then refused (403,
422, 409 ...), with their status: who, what (method, path and a short summary of
the JSON body without secrets: no token, free text only as its length), when.
Requests refused before authentication (401, 429) are in the WARNING log instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rse_monitor.service import store
from rse_monitor.service.db import iso_utc, utc_now
from rse_monitor.service.errors import StorageUnavailable

__all__ = [
    "CSP",
    "SECURITY_HEADERS",
    "MAX_FAILURES",
    "WINDOW_S",
    "SecurityHeadersMiddleware",
    "AuditMiddleware",
    "audit_summary",
    "SignInThrottle",
    "fingerprint",
]

#: The Content-Security-Policy of every answer: nothing inline, nothing from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'"
)

#: Headers added to every answer (a header the handler set itself is kept).
SECURITY_HEADERS: Mapping[str, str] = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}

#: Distinct failed sign-ins admitted per bucket (client address, token) per window.
MAX_FAILURES = 5
#: The sliding window of the throttle, seconds.
WINDOW_S = 60.0
log = logging.getLogger(__name__)

#: Buckets kept at most (the oldest are forgotten first): bounded memory under a flood.
MAX_BUCKETS = 10_000


class SecurityHeadersMiddleware:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP answer, and
    ``Cache-Control: no-store`` to those under ``api_prefix``.

    A header the application already set is kept, except ``Cache-Control`` under
    ``api_prefix``, which is always ``no-store``.
    """

    def __init__(self, app: ASGIApp, api_prefix: str = "/api/") -> None:
        self.app = app
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        extra = dict(SECURITY_HEADERS)
        if path.startswith(self.api_prefix):
            extra["cache-control"] = "no-store"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode("latin-1").lower() for k, _ in headers}
                for name, value in extra.items():
                    if name == "cache-control" and name in present:
                        # patient data is never stored by a browser or a proxy
                        headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                        present.discard(name)
                    if name not in present:
                        headers.append((name.encode("latin-1"), value.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def fingerprint(secret: str) -> str:
    """First 12 hex digits of the SHA-256 of a token: names it in logs, reveals nothing."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:12]


class SignInThrottle:
    """Failed sign-ins per client address and per token, in a sliding window.

    Parameters
    ----------
    max_failures : int
        Distinct failures admitted per bucket within ``window_s``.
    window_s : float
        Length of the sliding window, seconds.
    clock : callable, optional
        Monotonic time in seconds (tests pass their own).
    """

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_failures < 1:
            raise ValueError(f"max_failures must be at least 1, got {max_failures!r}")
        if not window_s > 0:
            raise ValueError(f"window_s must be positive, got {window_s!r}")
        self.max_failures = int(max_failures)
        self.window_s = float(window_s)
        self._clock = clock
        self._lock = threading.Lock()
        #: bucket key -> {failure identity -> time of its latest occurrence}
        self._buckets: OrderedDict[str, dict[str, float]] = OrderedDict()

    @staticmethod
    def _keys(address: str, token_fp: str | None) -> list[str]:
        keys = [f"addr:{address}"]
        if token_fp:
            keys.append(f"token:{token_fp}")
        return keys

    def _live(self, key: str, now: float) -> dict[str, float]:
        bucket = self._buckets.get(key, {})
        live = {k: t for k, t in bucket.items() if now - t < self.window_s}
        if live:
            self._buckets[key] = live
        else:
            self._buckets.pop(key, None)
        return live

    def retry_after_s(self, address: str, token_fp: str | None = None) -> int | None:
        """Seconds to wait if the address or the token is locked out now, else None."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(address, token_fp):
                live = self._live(key, now)
                if len(live) >= self.max_failures:
                    oldest = sorted(live.values())[len(live) - self.max_failures]
                    wait = max(wait, self.window_s - (now - oldest))
        return max(1, math.ceil(wait)) if wait > 0 else None

    def failed(self, address: str, token_fp: str | None = None) -> None:
        """Count a failed sign-in from ``address`` (with the token's fingerprint, if any).

        The address bucket records the token (a repeat of the same wrong token is
        one failure); the token bucket records the address.
        """
        now = self._clock()
        with self._lock:
            self._record(f"addr:{address}", token_fp or "-", now)
            if token_fp:
                self._record(f"token:{token_fp}", address, now)
            while len(self._buckets) > MAX_BUCKETS:
                self._buckets.popitem(last=False)

    def _record(self, key: str, identity: str, now: float) -> None:
        bucket = self._live(key, now)
        bucket[identity] = now
        self._buckets[key] = bucket
        self._buckets.move_to_end(key)

    def succeeded(self, address: str) -> None:
        """A good token from ``address``: its failures are forgotten."""
        with self._lock:
            self._buckets.pop(f"addr:{address}", None)


# --------------------------------------------------------------------------- audit
#: Body fields never written to the audit log, even as a length.
SECRET_FIELDS = frozenset({"token", "password", "secret", "authorization", "session"})
#: Free-text fields: only their length is kept (a note may name the patient).
TEXT_FIELDS = frozenset({"note", "notes", "reason", "override_reason", "comment", "message"})
#: Longest string value kept as it is; longer ones are written as their length.
MAX_VALUE_CHARS = 40
#: Longest summary, characters.
MAX_SUMMARY_CHARS = 300
#: Largest request body looked at for the summary, bytes.
MAX_BODY_BYTES = 64 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _summarise_value(key: str, value: Any) -> str | None:
    name = key.rsplit(".", 1)[-1].lower()
    if name in SECRET_FIELDS:
        return None
    if name in TEXT_FIELDS:
        return f"{key}=<{len(str(value or ''))} chars>"
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return f"{key}={json.dumps(value)}"
    if isinstance(value, str):
        if len(value) > MAX_VALUE_CHARS:
            return f"{key}=<{len(value)} chars>"
        return f"{key}={value}"
    if isinstance(value, list):
        return f"{key}=<{len(value)} items>"
    return f"{key}=<{type(value).__name__}>"


def audit_summary(body: bytes, truncated: bool = False) -> str:
    """A short, secret-free summary of a JSON request body: ``key=value`` pairs.

    Secret fields (:data:`SECRET_FIELDS`) are left out, free text
    (:data:`TEXT_FIELDS`) and long strings are given as their length, one nested
    object level is flattened (``source.kind=edf``).
    """
    if not body:
        return ""
    if truncated:
        return f"<body of more than {MAX_BODY_BYTES} bytes>"
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return f"<{len(body)} bytes, not JSON>"
    if not isinstance(data, dict):
        return f"<JSON {type(data).__name__}>"
    items: list[str] = []
    for key, value in data.items():
        pairs = value.items() if isinstance(value, dict) else [(None, value)]
        for sub, v in pairs:
            text = _summarise_value(str(key) if sub is None else f"{key}.{sub}", v)
            if text is not None:
                items.append(text)
    summary = " ".join(items)
    if len(summary) > MAX_SUMMARY_CHARS:
        summary = summary[: MAX_SUMMARY_CHARS - 1] + "\u2026"
    return summary


class AuditMiddleware:
    """ASGI middleware writing the ``audit`` row of every authenticated write.

    The principal is the one :mod:`service.auth` left in ``request.state``; the
    database is the application's (``app.state.db``). A failure to write the row is
    logged at ERROR and does not change the answer, which was already sent.
    """

    def __init__(self, app: ASGIApp, api_prefix: str = "/api/") -> None:
        self.app = app
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = str(scope.get("method", "")).upper()
        path = str(scope.get("path", ""))
        if (
            scope["type"] != "http"
            or method in SAFE_METHODS
            or not path.startswith(self.api_prefix)
        ):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})  # shared with the request's own scope
        body = bytearray()
        truncated = False
        status_code = 500

        async def tee_receive() -> Message:
            nonlocal truncated
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if len(body) + len(chunk) <= MAX_BODY_BYTES:
                    body.extend(chunk)
                else:
                    truncated = True
            return message

        async def send_status(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = int(message["status"])
            await send(message)

        try:
            await self.app(scope, tee_receive, send_status)
        finally:
            principal = state.get("principal")
            if principal is not None:
                summary = audit_summary(bytes(body), truncated)
                await anyio.to_thread.run_sync(
                    self._write, scope, principal, method, path, status_code, summary
                )

    @staticmethod
    def _write(scope: Scope, principal: Any, method: str, path: str, status_code: int,
               summary: str) -> None:  # fmt: skip
        db = scope["app"].state.db
        try:
            with db.transaction() as conn:
                store.insert_audit(conn, iso_utc(utc_now()), principal.name, principal.role,
                                   method, path, status_code, summary)  # fmt: skip
        except (StorageUnavailable, OSError) as exc:
            log.error("audit row not stored (%s %s by %s, status %d): %s", method, path,
                      principal.name, status_code, exc)  # fmt: skip
