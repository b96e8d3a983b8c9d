"""A cadre's list pages in a real browser: the org tree beside the list (open a branch, search
it, filter the list, open the counted members), page numbers and the jump box, the date range
laid out on one line, and a name found by its middle characters; at desk and phone widths."""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.signin import sign_in
from tests.conftest import Federation, make_member


@pytest.fixture
def cadre(make_persona: Callable[[str], Any]) -> Any:
    return make_persona("town_a_cadre")


@pytest.fixture
def roll(federation: Federation) -> None:
    rng = random.Random(11)
    make_member("张杰国", federation.union_a1, rng)
    make_member("王杰", federation.union_a1a, rng)
    for n in range(45):
        birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=97 * n)
        make_member(f"刘{n:02d}", federation.union_a2, rng, birth=birth)


@pytest.mark.browser
def test_the_org_tree_beside_the_list_opens_searches_and_filters(
    transactional_db: Any, federation: Federation, cadre: Any, roll: None,
    live_server: Any, page: Any,
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    sign_in(page, base)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{base}/enterprises/")
    tree = page.get_by_test_id("org-tree")
    town = tree.locator(f'[data-org="{federation.town_a.pk}"]').first
    # The town's node counts its members in good standing: the sentinel, 张杰国, 王杰, 45 刘.
    expect(town.get_by_test_id("org-count").first).to_have_text("48")
    union = tree.locator(f'[data-org="{federation.union_a1.pk}"]')
    expect(union.get_by_test_id("org-count").first).to_have_text("3")
    # The sub-union is loaded when its parent is opened, and folds away again.
    sub = tree.locator(f'[data-org="{federation.union_a1a.pk}"]')
    expect(sub).to_have_count(0)
    union.get_by_test_id("org-toggle").click()
    expect(sub).to_be_visible()
    expect(sub.get_by_test_id("org-count")).to_have_text("1")
    union.get_by_test_id("org-toggle").click()
    expect(sub).to_be_hidden()
    # A node's name filters the list beside it (here: enterprises) to its subtree.
    union.get_by_test_id("org-name").first.click()
    expect(page).to_have_url(re.compile(rf"org={federation.union_a1.pk}"))
    expect(page.get_by_test_id("org-tree-panel")).to_contain_text(federation.union_a1.name)
    expect(page.get_by_test_id("record-table")).not_to_contain_text("小作坊")
    page.screenshot(path="/tmp/browser-tree-enterprises-1440.png", full_page=True)
    # The search box finds a unit by any part of its name, as one types.
    page.get_by_test_id("org-tree-search").fill("联合")
    found = page.get_by_test_id("org-tree-found")
    expect(found).to_contain_text(federation.union_a2.name)
    expect(found).not_to_contain_text(federation.union_a1.name)
    page.get_by_test_id("org-tree-search").fill("")
    expect(page.get_by_test_id("org-tree-found")).to_have_count(0)
    # A count opens the member list of that subtree, members in good standing only.
    tree.locator(f'[data-org="{federation.union_a1.pk}"]').get_by_test_id(
        "org-count").first.click()
    expect(page).to_have_url(re.compile(r"/members/\?org=\d+&status=active"))
    expect(page.get_by_test_id("row-count")).to_have_text("共 3 条")
    # On a phone the tree folds above the list; its summary opens it.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    panel = page.get_by_test_id("org-tree-panel")
    expect(panel.get_by_test_id("org-tree")).to_be_hidden()
    box = panel.bounding_box()
    table = page.get_by_test_id("record-table").bounding_box()
    assert box is not None and table is not None and box["y"] < table["y"]
    panel.locator("summary").click()
    expect(panel.get_by_test_id("org-tree")).to_be_visible()
    page.screenshot(path="/tmp/browser-tree-members-390.png", full_page=True)


def same_line(a: Any, b: Any) -> bool:
    """Two boxes on one line: their vertical middles within a few pixels."""
    return abs((a["y"] + a["height"] / 2) - (b["y"] + b["height"] / 2)) < 6


@pytest.mark.browser
def test_member_list_pages_by_number_jumps_and_finds_a_name_by_its_middle(
    transactional_db: Any, federation: Federation, cadre: Any, roll: None,
    live_server: Any, page: Any,
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    sign_in(page, base)
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/members/")
        # The date range reads 入会日期 从 [ ] 至 [ ], on one line, label first.
        field = page.get_by_test_id("date-range")
        label = field.locator("label").bounding_box()
        start, end = field.locator("input").nth(0), field.locator("input").nth(1)
        first, second = start.bounding_box(), end.bounding_box()
        assert label and first and second
        assert same_line(label, first) and same_line(first, second), (width, label, first, second)
        assert label["x"] < first["x"] < second["x"]
        assert first["width"] > 100 and second["width"] > 100, (width, first, second)
        page.screenshot(path=f"/tmp/browser-date-range-{width}.png")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{base}/members/")
    # 48 members at 20 a page: three pages, numbered.
    pager = page.get_by_test_id("pager")
    expect(page.get_by_test_id("current-page")).to_have_text("1")
    expect(pager.get_by_test_id("page-link")).to_have_text(["2", "3"])
    pager.get_by_test_id("page-link").filter(has_text="2").click()
    expect(page.get_by_test_id("current-page")).to_have_text("2")
    expect(page.get_by_test_id("record-table").locator("tbody tr").first).to_contain_text("21")
    # The jump box: type a page number, press Enter.
    jump = page.get_by_label("跳至")
    jump.fill("3")
    jump.press("Enter")
    expect(page.get_by_test_id("current-page")).to_have_text("3")
    expect(page.get_by_test_id("record-table").locator("tbody tr")).to_have_count(8)
    # The page size applies when chosen, back on the first page.
    page.get_by_label("每页").select_option("50")
    expect(page.get_by_test_id("current-page")).to_have_text("1")
    expect(pager.get_by_test_id("page-link")).to_have_count(0)  # one page: nothing to link
    expect(page.get_by_test_id("record-table").locator("tbody tr")).to_have_count(48)
    # The middle of a name: 杰国 finds 张杰国; 杰 alone is a surname and finds nobody here.
    page.get_by_label("关键词").fill("杰国")
    page.get_by_role("button", name="查询").click()
    rows = page.get_by_test_id("record-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("张杰国")
    page.get_by_label("关键词").fill("杰")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("record-table")).to_contain_text("没有符合条件的记录")


@pytest.mark.browser
def test_an_exported_roll_corrected_in_excel_goes_back_in_as_updates(
    transactional_db: Any, federation: Federation, make_persona: Callable[[str], Any],
    live_server: Any, page: Any, tmp_path: Any, settings: Any,
) -> None:
    import openpyxl
    from django.core.management import call_command
    from playwright.sync_api import expect

    from gonghui.core.imports.workbooks import TEMPLATE_HEADER_ROW
    from gonghui.people.models import Membership, Person

    # The import in this process: a forked child would share the sockets of the live server's
    # PostgreSQL sessions, and its exit would end them under the test's feet.
    settings.GONGHUI_IMPORT_IN_CHILD = False
    make_persona("city_admin")
    member = make_member("张杰国", federation.union_a1, random.Random(4), mobile="13911110000")
    base = live_server.url
    sign_in(page, base, "city_admin")
    page.goto(f"{base}/members/")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-import").click()
    path = tmp_path / "roll.xlsx"
    download_info.value.save_as(path)
    # In Excel: a new phone for 张杰国, nothing else.
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[TEMPLATE_HEADER_ROW + 1]]
    assert headers[:3] == ["姓名", "身份证号", "手机号"]
    for row in sheet.iter_rows(min_row=TEMPLATE_HEADER_ROW + 2):
        if row[0].value == "张杰国":
            row[2].value = "13800001111"
    book.save(path)
    people, members = Person.objects.count(), Membership.objects.count()
    page.goto(f"{base}/members/import/")
    page.get_by_label("Excel 文件").set_input_files(str(path))
    page.get_by_role("button", name="开始导入").click()
    call_command("worker", "--batch")
    expect(page.get_by_test_id("import-summary")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("import-progress")).to_contain_text("更新")
    assert (Person.objects.count(), Membership.objects.count()) == (people, members)
    member.person.refresh_from_db()
    assert member.person.mobile == "13800001111"
    page.goto(f"{base}/members/{member.pk}/")
    expect(page.get_by_test_id("person-fields")).to_contain_text("138****1111")


@pytest.mark.browser
def test_a_town_cadre_corrects_the_exported_roll_and_imports_it_back(
    transactional_db: Any, federation: Federation, cadre: Any, live_server: Any, page: Any,
    tmp_path: Any, settings: Any,
) -> None:
    """No reveal right: the roll leaves masked, one phone is corrected in Excel, the masked
    cells of every other row read back as "unchanged"."""
    import openpyxl
    from django.core.management import call_command
    from playwright.sync_api import expect

    from gonghui.core.imports.workbooks import TEMPLATE_HEADER_ROW
    from gonghui.people.models import Membership, Person

    settings.GONGHUI_IMPORT_IN_CHILD = False  # see the test above
    rng = random.Random(5)
    zhang = make_member("张杰国", federation.union_a1, rng, mobile="13911110000")
    wang = make_member("王芳", federation.union_a2, rng, mobile="13922220000")
    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/members/")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-import").click()
    path = tmp_path / "roll.xlsx"
    download_info.value.save_as(path)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[TEMPLATE_HEADER_ROW + 1]]
    phone = headers.index("手机号")
    for row in sheet.iter_rows(min_row=TEMPLATE_HEADER_ROW + 2):
        assert "*" in str(row[headers.index("身份证号")].value)  # masked: no reveal right
        if row[0].value == "张杰国":
            row[phone].value = "13800001111"
    book.save(path)
    people, members = Person.objects.count(), Membership.objects.count()
    page.goto(f"{base}/members/import/")
    page.get_by_label("Excel 文件").set_input_files(str(path))
    page.get_by_role("button", name="开始导入").click()
    call_command("worker", "--batch")
    expect(page.get_by_test_id("import-summary")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("import-progress")).to_contain_text("更新")
    expect(page.get_by_test_id("import-progress")).not_to_contain_text("拒绝 1")
    assert (Person.objects.count(), Membership.objects.count()) == (people, members)
    zhang.person.refresh_from_db()
    wang.person.refresh_from_db()
    assert zhang.person.mobile == "13800001111"
    assert wang.person.mobile == "13922220000"  # its masked cell changed nothing
    page.goto(f"{base}/members/{zhang.pk}/")
    expect(page.get_by_test_id("person-fields")).to_contain_text("138****1111")
