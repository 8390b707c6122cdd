"""One router module per resource; all mounted under ``/api/v1`` by :mod:`service.main`."""

from __future__ import annotations

from typing import Any

#: Error answers shared by the authenticated routes (for the OpenAPI document).
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, invalid or revoked token / session"},
    403: {"description": "the caller's role is too low"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such bed or alert"}}
