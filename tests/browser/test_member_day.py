"""A town cadre's member work in a real browser: tick rows and record 退会 with date and
reason, open one member page, transfer a member out, read the review; at desk and phone widths.

Screenshots land in /tmp/browser-*.png for a human to look at; they are not committed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import pytest

from gonghui.people.models import Membership, MembershipStatus
from tests.browser.signin import sign_in
from tests.conftest import Federation, make_member

WIDTHS = {"desk": 1440, "phone": 390}


@pytest.fixture
def cadre(make_persona: Callable[[str], Any]) -> Any:
    return make_persona("town_a_cadre")


@pytest.fixture
def roll(federation: Federation) -> list[Membership]:
    rng = random.Random(5)
    return [make_member(name, federation.union_a1, rng) for name in ("刘一", "刘二", "刘三")]


@pytest.mark.browser
def test_town_cadre_records_leavers_and_a_transfer_from_the_member_pages(
    transactional_db: Any, federation: Federation, cadre: Any, roll: list[Membership],
    live_server: Any, page: Any,
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/members/")
    table = page.get_by_test_id("record-table")
    bulk_leave = page.get_by_test_id("bulk-leave")
    expect(bulk_leave).to_be_disabled()
    for name in ("刘一", "刘二"):
        table.get_by_role("row").filter(has_text=name).get_by_role("checkbox").check()
    expect(page.get_by_test_id("selected-count")).to_contain_text("已选 2 条")
    expect(bulk_leave).to_be_enabled()
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/browser-member-list-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    bulk_leave.click()
    expect(page.get_by_test_id("action-objects")).to_contain_text("刘一")
    expect(page.get_by_test_id("action-objects")).to_contain_text("刘二")
    page.get_by_label("日期").fill("2024-06-30")
    page.get_by_label("原因").select_option("退休")
    page.get_by_test_id("action-submit").click()
    expect(page).to_have_url(re.compile(r"/members/"))
    expect(page.locator(".alert-success")).to_contain_text("已办理退会：2 条")
    left = Membership.objects.filter(person__name__in=["刘一", "刘二"])
    assert {(m.status, m.end_reason) for m in left} == {(MembershipStatus.LEFT, "退休")}

    # One member page: the person's fields, masked ID number, history; 转出 from there.
    table = page.get_by_test_id("record-table")
    table.get_by_role("link", name="刘三", exact=True).click()
    expect(page.get_by_test_id("person-fields")).to_contain_text("政治面貌")
    expect(page.get_by_test_id("member-history")).to_contain_text(federation.union_a1.name)
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/browser-member-page-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.get_by_test_id("action-transfer").click()
    # The receiving union is typed into the organisations' picker and chosen from its list.
    union = federation.union_a2
    page.get_by_label("转入工会").fill(union.code)
    page.get_by_role("button", name=f"{union.name}（{union.code}）").click()
    page.get_by_label("原因").select_option("调动工作")
    page.get_by_test_id("action-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("已办理转出")
    expect(page.get_by_test_id("member-status")).to_have_text("已转出")

    # The review, its period chosen from the picker (the transfer just made puts a record in
    # the current half-year, so the page opens there; the fallback is tested without one).
    page.goto(f"{base}/reviews/")
    # Older than the picker's half-years: typed the way a cadre writes it.
    page.get_by_label("或输入其他期间").fill("2018上半年")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_label("或输入其他期间")).to_have_value("2018年上半年")
    expect(page.get_by_test_id("review-text")).to_contain_text("2018年")
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)
        page.screenshot(path=f"/tmp/browser-review-{width}.png", full_page=True)
