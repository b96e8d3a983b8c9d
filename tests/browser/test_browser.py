"""A cadre's day in a real browser: log in, filter the organisations, open one, export the list.

Debian's chromium through Playwright against pytest-django's live server. Screenshots land in
/tmp/browser-*.png for a human to look at; they are not committed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from tests.browser.signin import sign_in
from tests.conftest import PASSWORD, SENTINEL_B, Federation, current_totp


@pytest.fixture
def city_admin(make_persona: Callable[[str], Any]) -> Any:
    # A fixture, requested before `page`, so the user exists before Playwright starts.
    return make_persona("city_admin")


@pytest.mark.browser
def test_city_admin_filters_opens_and_exports_organisations(
    transactional_db: Any,
    federation: Federation,
    city_admin: Any,
    live_server: Any,
    page: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    town_a, town_b = federation.town_a, federation.town_b
    a_unions = [federation.union_a1, federation.union_a1a, federation.union_a2]
    base = live_server.url

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    # Log in through the form, as a cadre would: the home page sends an anonymous user there.
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("用户名").fill("city_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # An administrator's second step: the code from the authenticator the fixture enrolled.
    expect(page).to_have_url(re.compile(r"/2fa/verify/"))
    page.get_by_label("动态码或恢复码").fill(current_totp(city_admin))
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_test_id("user-org")).to_contain_text(federation.city.name)

    # The menu's organisation list. (Matched by text, not accessible name: the Bootstrap icon's
    # glyph is part of the link's accessible name.)
    page.locator("#gh-menu a.nav-link", has_text=re.compile(r"^\s*组织\s*$")).click()
    expect(page).to_have_url(f"{base}/orgs/")
    table = page.get_by_test_id("record-table")
    expect(table).to_contain_text(town_b.name)

    # Narrow to town A with the filter form: the organisation is a picker, typed into.
    page.get_by_label("组织范围").fill(town_a.code)
    page.get_by_role("button", name=f"{town_a.name}（{town_a.code}）").click()
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(rf"[?&]org={town_a.pk}(&|$)"))
    for org in [town_a, *a_unions]:
        expect(table).to_contain_text(org.name)
    expect(table).not_to_contain_text(SENTINEL_B)
    expect(page.get_by_label("组织范围")).to_have_value(f"{town_a.name}（{town_a.code}）")
    expect(page.get_by_test_id("filter-form").locator("input[name=org]")).to_have_value(
        str(town_a.pk))
    page.screenshot(path="/tmp/browser-list.png", full_page=True)

    # Open a union from its row, then come back to the filtered list.
    list_url = page.url
    table.get_by_role("link", name=federation.union_a1.name, exact=True).click()
    expect(page).to_have_url(f"{base}/orgs/{federation.union_a1.pk}/")
    expect(page.locator("main h1")).to_have_text(federation.union_a1.name)
    expect(page.get_by_test_id("record-fields")).to_contain_text(federation.union_a1.code)
    page.screenshot(path="/tmp/browser-detail.png", full_page=True)
    page.go_back()
    expect(page).to_have_url(list_url)

    # Export the filtered list and read the workbook back.
    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    rows = CalamineWorkbook.from_path(str(saved)).get_sheet_by_index(0).to_python()
    title = str(rows[0][0])
    assert re.fullmatch(rf"{re.escape(town_a.name)}组织（截至\d{{4}}年\d{{1,2}}月）", title), title
    assert rows[1][0] == "序号"
    cells = {str(cell) for row in rows[2:] for cell in row}
    for org in [town_a, *a_unions]:
        assert org.name in cells
    assert not any(SENTINEL_B in cell for cell in cells)

    # Everything the pages loaded came from the app itself: no CDN, font or analytics host.
    assert requested, "the request listener saw nothing"
    external = [url for url in requested if not url.startswith(f"{base}/")]
    assert not external, f"pages requested outside the live server: {external}"


@pytest.fixture
def town_a_cadre(make_persona: Callable[[str], Any]) -> Any:
    return make_persona("town_a_cadre")


@pytest.mark.browser
def test_a_cadre_creates_a_person_from_an_id_number_in_the_card_form(
    transactional_db: Any,
    federation: Federation,
    town_a_cadre: Any,
    live_server: Any,
    page: Any,
) -> None:
    import datetime
    import random

    from playwright.sync_api import expect

    from gonghui.core.text.identifiers import make_id_number
    from gonghui.people.models import BenefitCard

    number = make_id_number(random.Random(5), area_code="370285",
                            birth_date=datetime.date(1991, 2, 3), sex="F")
    base = live_server.url
    sign_in(page, base)

    page.goto(f"{base}/cards/new/")
    page.get_by_label("卡号").fill("浏览器卡0001")
    page.get_by_label("持卡人").fill(number)
    expect(page.get_by_text(f"新建人员：身份证号 {number}（女，1991-02-03出生）")).to_be_visible()
    page.get_by_placeholder("请输入姓名").fill("赵新")
    page.get_by_role("button", name="新建并选用").click()
    expect(page.get_by_label("持卡人")).to_have_value(f"赵新（身份证号尾号{number[-4:]}）")
    page.get_by_label("发卡日期").fill("2019-03-01")
    page.get_by_label("所属组织").fill("A-1")
    page.get_by_role("button", name=f"{federation.union_a1.name}（A-1）").click()
    page.screenshot(path="/tmp/browser-picker.png", full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/cards/\d+/$"))
    card = BenefitCard.objects.get(number="浏览器卡0001")
    assert (card.person.id_number, card.person.name, card.org) == (
        number, "赵新", federation.union_a1)


def test_a_picker_swapped_in_answers_before_htmx_settles(
    federation: Any,
    town_a_cadre: Any,
    live_server: Any,
    page: Any,
) -> None:
    """A form that htmx swaps in (a child row's form) has its pickers set up only after htmx's
    settle delay; a cadre who types at once must still get the suggestions."""
    from playwright.sync_api import expect

    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/cards/new/")
    # Insert a copy of the organisation picker the way a swap does, with no htmx:load after it.
    page.evaluate("""() => {
        const original = document.querySelector("input[name=org]").closest("[data-picker]");
        const copy = original.cloneNode(true);
        copy.removeAttribute("data-picker-ready");
        copy.querySelector("[data-picker-input]").setAttribute("data-testid", "fresh-picker");
        copy.querySelector("[data-picker-results]").setAttribute("data-testid", "fresh-results");
        original.after(copy);
    }""")
    page.get_by_test_id("fresh-picker").fill("A-1")
    results = page.get_by_test_id("fresh-results")
    expect(results.get_by_role("button", name=f"{federation.union_a1.name}（A-1）")).to_be_visible()
