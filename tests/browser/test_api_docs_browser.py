"""The API's documentation in a real browser: the Chinese index at /api/, and Swagger UI
running from vendored files under the platform's content security policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.signin import sign_in
from tests.conftest import Federation


@pytest.mark.browser
def test_api_index_and_swagger_ui_open_without_a_cdn(
    transactional_db: Any, federation: Federation, make_persona: Callable[[str], Any],
    live_server: Any, page: Any,
) -> None:
    from playwright.sync_api import expect

    make_persona("town_a_cadre")
    base = live_server.url
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith((base, "data:", "blob:")) else None)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    sign_in(page, base)
    page.goto(f"{base}/api/")
    expect(page.get_by_role("heading", name="数据接口（API）说明")).to_be_visible()
    members = page.locator("#api-members")
    expect(members).to_contain_text("/api/members/")
    expect(members).to_contain_text("会籍状态")
    page.screenshot(path="/tmp/browser-api-index-1440.png", full_page=True)
    page.get_by_test_id("api-docs-link").click()
    # Swagger UI drew the schema: its title and the record types as folded tags.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("工会工作平台")
    expect(page.locator(".opblock-tag", has_text="互助保障参保").first).to_be_visible()
    # It draws only what is scrolled into view, so find-in-page misses most record types:
    # the filter box finds one by its Chinese name, and the tag opens on its operations.
    page.locator(".operation-filter-input").fill("会员")
    expect(page.locator(".opblock-tag", has_text="互助保障参保")).to_have_count(0)
    page.locator(".opblock-tag", has_text="会员").first.click()
    expect(page.locator(".opblock-summary-path", has_text="/api/members/").first).to_be_visible()
    assert outside == [], outside
    assert not [e for e in errors if "Content Security Policy" in e], errors
