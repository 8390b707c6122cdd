"""A bounded property-based run of the OpenAPI document: no request may cause a 5xx.

Every operation except the (endless) SSE stream is called with generated valid and
invalid inputs, as an admin (so that role checks do not hide the handlers), against
the real app on a real SQLite file. ``max_examples`` keeps the run short.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from rse_monitor.service.main import create_app  # noqa: E402
from rse_monitor.service.settings import Settings  # noqa: E402
from tests.service.conftest import bearer  # noqa: E402


def _fuzz_app() -> tuple[Any, dict[str, str]]:
    """The real app on an in-memory SQLite database (nothing left behind)."""
    from rse_monitor.service.auth import create_token

    # LSL beds off: fuzzed stream names must not start background resolvers
    app = create_app(Settings(db="sqlite://", lsl_enabled=False))
    _, token = create_token(app.state.db, "admin", "fuzzer")
    return app, bearer(token)


APP, HEADERS = _fuzz_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path="/api/v1/alerts/stream")


@pytest.fixture(scope="module", autouse=True)
def _stop_runners() -> Iterator[None]:
    yield
    APP.state.manager.shutdown()


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error(case: Any) -> None:
    case.call_and_validate(headers=HEADERS, checks=[not_a_server_error])


def test_every_operation_is_covered() -> None:
    """The run above exercises the whole API but the stream (guard against silent excludes)."""
    ops = {f"{op.method.upper()} {op.path}" for op in _operations(schema)}
    assert "POST /api/v1/beds" in ops and "POST /api/v1/beds/{bed_id}/treatments" in ops
    assert "GET /api/v1/alerts/stream" not in ops
    assert len(ops) >= 20


def _operations(api_schema: Any) -> list[Any]:
    out = []
    for result in api_schema.get_all_operations():
        op = result.ok() if hasattr(result, "ok") else result
        out.append(op)
    return out
