"""Browser tests: Playwright driving Debian's chromium (never a downloaded browser build)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API keeps an asyncio event loop running in the test thread, and while
    # it does Django refuses ORM calls from that thread (SynchronousOnlyOperation). The test
    # thread only touches the database between browser steps (the live server answers on its
    # own threads), so the guard is lifted here, for the browser tests only (monkeypatch
    # restores it afterwards). Still, create fixture data before `page`: see `browser`.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = (
        f"!!! {CHROMIUM} is missing: the BROWSER TESTS WERE NOT RUN. "
        "Install Debian's chromium (`make browser-deps`, as root)."
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} CI must run them.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def browser() -> Iterator[Any]:
    # Function-scoped on purpose: a Playwright left running across tests would leave its event
    # loop running in the main thread and break the ORM in every later (non-browser) test.
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop runs, asgiref keys Django's connections by context rather
            # than by thread, so an ORM call made meanwhile opens a second connection that the
            # usual teardown never sees; left open, it stops PostgreSQL dropping the test database.
            connections.close_all()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        accept_downloads=True, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()
