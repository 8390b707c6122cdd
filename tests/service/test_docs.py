"""The API docs are served by the service itself and render under its CSP, with no
request leaving 127.0.0.1 (real server, real headless Chromium)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from rse_monitor.service.security import CSP
from tests.service.test_page import CHROMIUM_ARGS, _playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_docs_render_offline_under_the_csp(server_factory: Any) -> None:
    sync_playwright = _playwright()
    from tests.service.test_page import CHROMIUM

    srv = server_factory().start()
    r = httpx.get(srv.url + "/docs")
    assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
    assert "<script>" not in r.text and "http" not in r.text  # nothing inline, nothing remote
    r = httpx.get(srv.url + "/redoc")
    assert r.status_code == 308 and r.headers["location"] == "/docs"
    urls: list[str] = []
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda req: urls.append(req.url))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.goto(srv.url + "/redoc")  # redirected
            page.wait_for_selector(".opblock", timeout=15_000)
            assert page.url == srv.url + "/docs"
            text = page.inner_text("#swagger-ui")
            for operation in ("/api/v1/beds", "/api/v1/session", "/api/v1/audit"):
                assert operation in text
            assert page.locator(".opblock").count() >= 20
        finally:
            browser.close()
    assert not problems, problems
    assert urls and all(u.startswith(srv.url + "/") or u.startswith("data:") for u in urls), urls
