"""What a cadre's pages look like at a desk (1440 px) and on a phone (390 px): no page scrolls
sideways, the member list leads with the columns a cadre looks for and scrolls inside its own
box, a unit's long name in the tree is shown whole, the review's charts stay short and name
their units in full, and a date box reads year first whatever the browser's own language.

Screenshots land in /tmp/browser-layout-*.png for a human to look at; they are not committed.
"""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable
from typing import Any

import pytest

from gonghui.core.text.identifiers import make_uscc
from gonghui.orgs.models import Organization, OrgKind
from gonghui.people.models import Membership
from tests.browser.signin import sign_in
from tests.conftest import Federation, make_member

WIDTHS = (1440, 390)
LONG_NAME = "测试甲镇青岛水集利信农业科技发展有限公司第一分公司联合工会"
MANY = 24  # direct children of the town besides the fixture's two: a review chart's rows


@pytest.fixture
def cadre(make_persona: Callable[[str], Any]) -> Any:
    return make_persona("town_a_cadre")


@pytest.fixture
def town_of_many_unions(federation: Federation) -> list[Membership]:
    """The town gets MANY more unions, the first with a long name; the first twelve enrol
    members in the first half of 2018 (the union numbered n enrols n % 4 + 1)."""
    rng = random.Random(13)
    members = []
    for n in range(MANY):
        name = LONG_NAME if n == 0 else f"测试甲镇第{n:02d}机械有限公司工会"
        union = Organization.objects.add_child(federation.town_a, instance=Organization(
            code=f"A-9{n:02d}", name=name, kind=OrgKind.GRASSROOTS, phone="13800138000",
            uscc=make_uscc(rng, prefix="81"),
        ))
        for k in range(n % 4 + 1 if n < 12 else 0):
            members.append(make_member(
                f"周{n:02d}{k}", union, rng, enrolled_on=datetime.date(2018, 4, 1 + k),
                birth=datetime.date(1980, 1, 1) + datetime.timedelta(days=400 * n + k),
            ))
    return members


# Whether a box's placeholder fits inside it: its text measured in the box's own font.
HINT_FITS = """el => {
  const style = getComputedStyle(el);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return context.measureText(el.placeholder).width <= room;
}"""


def page_width(page: Any) -> tuple[int, int]:
    """How wide the page's content is, and how wide the window: the first above the second is
    a page that scrolls sideways."""
    return page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


@pytest.mark.browser
def test_no_page_scrolls_sideways_and_the_member_list_scrolls_in_its_own_box(
    transactional_db: Any, federation: Federation, cadre: Any,
    town_of_many_unions: list[Membership], live_server: Any, page: Any,
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    sign_in(page, base)
    member = town_of_many_unions[0]
    pages = {
        "members": "/members/",
        "member": f"/members/{member.pk}/",
        "tree": f"/enterprises/?org={federation.town_a.pk}",
        "review": "/reviews/?org=A&period=2018H1",
    }
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            content, window = page_width(page)
            page.screenshot(path=f"/tmp/browser-layout-{name}-{width}.png", full_page=True)
            assert content <= window, (name, width, content, window)
        # The member list: who, in which union, in good standing — first, left to right.
        page.goto(f"{base}/members/")
        headers = page.get_by_test_id("record-table").locator("thead th")
        expect(headers.nth(2)).to_have_text("姓名")
        expect(headers.nth(3)).to_have_text("所属工会")
        expect(headers.nth(4)).to_have_text("会籍状态")
        # What does not fit scrolls inside the table's own box, which ends inside the window.
        box = page.get_by_test_id("record-table").locator("xpath=..").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        # A long union name wraps in its cell rather than widening the table.
        page.goto(f"{base}/members/?org={member.org_id}")
        cell = page.get_by_test_id("record-table").locator("td", has_text=LONG_NAME).first
        cell_box = cell.bounding_box()
        assert cell_box is not None and cell_box["width"] < 300, cell_box
        expect(cell).to_have_text(LONG_NAME)
        # The organisation list's 组织类型 choices: each label on one line, inside the filters.
        page.goto(f"{base}/orgs/")
        form = page.get_by_test_id("filter-form").bounding_box()
        choices = page.get_by_test_id("filter-choices-kind").locator("label")
        assert choices.count() >= 5
        for n in range(choices.count()):
            label = choices.nth(n).bounding_box()
            assert label is not None and form is not None
            assert label["height"] < 30, (width, choices.nth(n).inner_text(), label)
            assert label["y"] + label["height"] <= form["y"] + form["height"], (width, label)
        choices.filter(has_text="联合工会").click()
        page.get_by_role("button", name="查询").click()
        expect(page.get_by_test_id("filter-choices-kind").get_by_label("联合工会")).to_be_checked()


@pytest.mark.browser
def test_a_long_unit_name_in_the_tree_is_shown_whole_at_desk_and_phone(
    transactional_db: Any, federation: Federation, cadre: Any,
    town_of_many_unions: list[Membership], live_server: Any, page: Any,
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    sign_in(page, base)
    long_union = Organization.objects.get(name=LONG_NAME)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/members/")
        panel = page.get_by_test_id("org-tree-panel")
        if width < 992:  # on a phone the tree folds above the list; its summary opens it
            panel.locator("summary").click()
        name = panel.locator(f'[data-org="{long_union.pk}"]').get_by_test_id("org-name")
        expect(name).to_be_visible()
        expect(name).to_have_text(LONG_NAME)
        # Nothing of the name is cut off: it wraps inside its box instead of ending in "…".
        clipped = name.evaluate(
            "el => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1"
        )
        assert not clipped, width
        name_box, tree_box = name.bounding_box(), panel.bounding_box()
        assert name_box and tree_box
        assert name_box["x"] + name_box["width"] <= tree_box["x"] + tree_box["width"], width
        content, window = page_width(page)
        assert content <= window, (width, content, window)
        page.screenshot(path=f"/tmp/browser-layout-tree-open-{width}.png", full_page=True)


CHARTS = """nodes => nodes.map(node => {
  const chart = echarts.getInstanceByDom(node);
  const option = chart.getOption();
  const axis = option.yAxis[0];
  return {
    title: option.title[0].text,
    subtext: option.title[0].subtext,
    height: node.getBoundingClientRect().height,
    names: axis.data.map(d => typeof d === "object" ? d.value : d),
    overflow: axis.axisLabel.overflow,
    values: option.series.map(s => s.data.map(d => typeof d === "object" ? d.value : d)),
  };
})"""


@pytest.mark.browser
def test_review_charts_of_many_units_are_short_sorted_and_name_units_in_full(
    transactional_db: Any, federation: Federation, cadre: Any,
    town_of_many_unions: list[Membership], live_server: Any, page: Any,
) -> None:
    from playwright.sync_api import expect

    units = MANY + 2
    base = live_server.url
    sign_in(page, base)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/reviews/?org=A&period=2018H1")
        expect(page.get_by_test_id("review-charts")).to_be_visible()
        page.wait_for_load_state("networkidle")
        charts = page.locator(".gh-chart").evaluate_all(CHARTS)
        assert charts
        for chart in charts:
            # One row per unit would be a chart some 26 rows tall: it stays within a screen.
            assert chart["height"] <= 640, (width, chart["height"])
            assert len(chart["names"]) <= 11, chart["names"]
            assert chart["overflow"] != "truncate"  # names wrap, never end in "…"
        # 发展会员: the smaller units add up to 其他, the named ones largest first.
        members = next(c for c in charts if c["title"] == "发展会员")
        values = members["values"][0]
        named = values[:-1]
        assert named == sorted(named, reverse=True), named
        assert members["names"][-1].startswith("其他") and members["names"][-1].endswith("个单位")
        # 其他 is the sum of the units not named: the bars add up to every unit's figure.
        declared = page.evaluate(
            "JSON.parse(document.getElementById('gh-review-charts').textContent)")
        every = next(c for c in declared if c["title"] == "发展会员")
        assert len(every["categories"]) == units
        assert sum(values) == sum(every["series"][0]["data"]) >= len(town_of_many_unions)
        # A chart of a few units with figures names those and says the rest had nothing, with
        # no 其他 bar of zeros.
        few = 0
        for chart in charts:
            spec = next(c for c in declared if c["title"] == chart["title"])
            shown = [i for i in range(len(spec["categories"]))
                     if any(series["data"][i] for series in spec["series"])]
            if 0 < len(shown) < 10 and len(spec["categories"]) - len(shown) > 1:
                few += 1
                rest = len(spec["categories"]) - len(shown)
                assert chart["subtext"] == f"其余 {rest} 个单位本期为 0", chart
                assert len(chart["names"]) == len(shown), chart
                assert not any(name.startswith("其他") for name in chart["names"]), chart
        assert few, "the fixture has a chart of a few units"
        page.screenshot(path=f"/tmp/browser-layout-review-{width}.png", full_page=True)
    # Every unit is one click away, and the chart folds back.
    page.set_viewport_size({"width": 1440, "height": 900})
    titles = [c["title"] for c in charts]
    grown = page.locator(".gh-chart").nth(titles.index("发展会员"))
    show_all = grown.locator("xpath=following-sibling::button[@data-testid='chart-all']")
    expect(show_all).to_have_text(f"显示全部 {units} 个单位")
    show_all.click()
    expect(grown).to_have_attribute("data-rows", str(units))
    assert LONG_NAME in grown.evaluate_all(CHARTS)[0]["names"]
    show_all.click()
    expect(grown).to_have_attribute("data-rows", "11")


@pytest.mark.browser
def test_a_date_box_reads_year_first_and_takes_a_date_as_a_cadre_writes_it(
    transactional_db: Any, federation: Federation, cadre: Any,
    town_of_many_unions: list[Membership], live_server: Any, page: Any,
) -> None:
    from playwright.sync_api import expect

    # The tests' browser is a Chinese user's: its pages ask for zh-CN and are marked zh-CN.
    # That does not decide how <input type="date"> writes a date (Chromium follows its own
    # menu language, English in this Debian build: 03/04/2018), hence the text box.
    base = live_server.url
    sign_in(page, base)
    assert page.evaluate("navigator.language") == "zh-CN"
    page.goto(f"{base}/members/")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    on_day = page.get_by_label("在会日期")
    expect(on_day).to_have_attribute("placeholder", "年-月-日")
    on_day.fill("2018年4月2日")
    field = page.get_by_test_id("date-range")
    field.locator("input").nth(0).fill("2018/4/1")
    field.locator("input").nth(1).fill("２０１８.４.１")
    page.get_by_role("button", name="查询").click()
    # Read back as the server writes a date: year, month, day.
    expect(page.get_by_label("在会日期")).to_have_value("2018-04-02")
    expect(field.locator("input").nth(0)).to_have_value("2018-04-01")
    expect(field.locator("input").nth(1)).to_have_value("2018-04-01")
    # Those enrolled on 1 April: the first of each of the twelve unions' new members.
    expect(page.get_by_test_id("row-count")).to_have_text("共 12 条")
    assert page.get_by_label("在会日期").evaluate("el => el.type") != "date"
    # What cannot be read is refused in Chinese and stays in the box as typed.
    page.get_by_label("在会日期").fill("2018年13月1日")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("filter-form")).to_contain_text("日期")
    expect(page.get_by_label("在会日期")).to_have_value("2018年13月1日")
    # Or a day clicked in the browser's calendar, written back into the box year first.
    box = page.locator(".gh-day", has=page.get_by_label("在会日期"))
    box.get_by_role("button", name="打开日历").click()
    box.locator(".gh-day-native").fill("2018-05-06")
    expect(page.get_by_label("在会日期")).to_have_value("2018-05-06")
    expect(page.get_by_label("在会日期")).to_be_focused()
    # The 组织范围 picker's hint is read whole, at desk and at phone width.
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.get_by_label("组织范围").evaluate(HINT_FITS), width
    # A person picker's hint too, in a form on a phone; its tooltip says every way to search.
    page.goto(f"{base}/cards/new/")
    person = page.get_by_label("持卡人")
    assert person.evaluate(HINT_FITS)
    expect(person).to_have_attribute("title", re.compile("身份证号后四位"))
