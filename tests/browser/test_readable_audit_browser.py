"""The auditor reads the audit log in a browser: field names and values in words, no Python
dicts, no `people.membership`.

Screenshots land in /tmp/browser-audit-*.png for a human to look at; they are not committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
from gonghui.people import actions
from tests.browser.signin import sign_in
from tests.conftest import Federation


@pytest.mark.browser
def test_the_auditor_reads_changes_as_words(
    transactional_db: Any, federation: Federation, make_persona: Callable[[str], Any],
    live_server: Any, page: Any,
) -> None:
    from playwright.sync_api import expect

    cadre = make_persona("town_a_cadre")
    make_persona("auditor")
    member = federation.member_a
    before = audit.snapshot(member)
    member.org = federation.union_a2
    member.save()
    audit.record(AuditAction.UPDATE, user=cadre, obj=member,
                 changes=audit.diff(before, audit.snapshot(member)))
    actions.leave(person=member.person, on=timezone.localdate(), reason="调离本市", user=cadre)

    base = live_server.url
    sign_in(page, base, "auditor")
    page.get_by_role("link", name="审计日志").first.click()
    changes = page.get_by_test_id("audit-changes")
    expect(changes.filter(has_text="所属组织").first).to_contain_text(
        f"→ {federation.union_a2.name}")
    left = changes.filter(has_text="操作：退会").first
    expect(left).to_contain_text("原因：调离本市")
    expect(left).to_contain_text(f"终止日期：{timezone.localdate().isoformat()}")
    table = page.locator("table")
    expect(table).to_contain_text("会员")
    text = table.inner_text()
    assert "people.membership" not in text and "org_id" not in text
    assert "{'" not in text and "'before'" not in text
    # The type filter takes the name the column shows.
    page.get_by_label("对象类型").fill("会员")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("audit-changes").first).to_be_visible()
    page.screenshot(path="/tmp/browser-audit-log-1440.png", full_page=True)
