"""403 and 404 pages keep the app's menu, and a 403 is one log line, not a traceback."""

from __future__ import annotations

import io
import logging
import sys

import pytest

pytestmark = pytest.mark.django_db


def test_403_and_404_pages_keep_the_menu(federation, login):
    client = login("town_a_cadre")
    forbidden = client.get("/audit/")
    assert forbidden.status_code == 403
    missing = client.get("/members/999999999/")
    assert missing.status_code == 404
    for response in (forbidden, missing):
        page = response.content.decode()
        assert 'id="gh-menu"' in page and "会员管理" in page and 'data-testid="error-page"' in page
    assert "您没有执行此操作的权限" in forbidden.content.decode()


def test_a_403_is_logged_without_a_traceback_and_a_500_with_one(federation, login):
    root = logging.getLogger()
    console = next(h for h in root.handlers if type(h) is logging.StreamHandler)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for log_filter in console.filters:
        handler.addFilter(log_filter)
    request_log = logging.getLogger("django.request")
    request_log.addHandler(handler)
    try:
        login("town_a_cadre").get("/audit/")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            request_log.error("Internal Server Error: /x/", exc_info=sys.exc_info(),
                              extra={"status_code": 500})
    finally:
        request_log.removeHandler(handler)
    text = stream.getvalue()
    assert "Forbidden (Permission denied): /audit/" in text
    assert text.count("Traceback") == 1 and "RuntimeError: boom" in text
