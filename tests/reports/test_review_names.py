"""No indicator codes on the review: the editor names figures (〔在会会员〕), saving maps names
back to keys, the figures in the text link to their records, the Excel 指标说明 is Chinese."""

from __future__ import annotations

import datetime
import io
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from gonghui.reports import indicators, outputs
from gonghui.reports.indicators import Indicator
from gonghui.reports.models import Review
from gonghui.reports.periods import Period
from gonghui.reports.review import (
    NarrativeError,
    compile_review,
    indicator_names,
    to_keys,
    to_names,
)
from gonghui.reports.sections import PLACEHOLDER
from tests.conftest import Federation, make_member

H1 = Period.parse("2018H1")
# An indicator key anywhere in a page: 〔members.active〕, members.enrolled …
KEY = re.compile(r"\b[a-z]+\.[a-z_]+\b")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def admin(make_persona: Callable[[str], Any]) -> Any:
    return make_persona("city_admin")


@pytest.fixture
def enrolled(federation: Federation) -> Federation:
    rng = random.Random(3)
    for n, day in enumerate((3, 9, 17)):
        make_member(f"新会员{n}", federation.union_a2, rng, enrolled_on=datetime.date(2018, 4, day),
                    birth=datetime.date(1990, 1, 1 + n))
    return federation


# --- names and keys --------------------------------------------------------------------------


def test_the_default_text_round_trips_through_names(enrolled: Federation, admin: Any) -> None:
    review = compile_review(enrolled.city, H1, admin)
    assert PLACEHOLDER.search(review.narrative)
    shown = to_names(review.narrative)
    assert not PLACEHOLDER.search(shown) and "〔发展会员〕" in shown
    assert to_keys(shown) == review.narrative
    # Every indicator's name goes back to its own key, exact or not.
    for key, name in indicator_names().items():
        typed = f"共〔{name}〕，精确为〔{name}:精确〕。"
        assert to_keys(typed) == f"共〔{key}〕，精确为〔{key}:精确〕。"
    assert to_keys("〔发展会员：精确〕") == "〔members.enrolled:精确〕"  # a full-width colon too
    # The digits a figure keeps go both ways too (〔互助保障理赔金额:3位有效数字〕).
    for key, name in indicator_names().items():
        typed = f"约〔{name}:1位有效数字〕，细到〔{name}：3位有效数字〕。"
        stored = f"约〔{key}:1位有效数字〕，细到〔{key}:3位有效数字〕。"
        assert to_keys(typed) == stored
        assert to_names(stored) == typed.replace("：", ":")


def test_a_style_that_is_not_one_says_how_to_write_it() -> None:
    with pytest.raises(NarrativeError) as caught:
        to_keys("发展会员〔发展会员:约〕，在会〔在会会员：12位有效数字〕。")
    message = str(caught.value)
    assert "〔发展会员:约〕的写法不对" in message
    assert "〔在会会员：12位有效数字〕的写法不对" in message
    assert "“:精确”" in message and "“:1位有效数字”至“:9位有效数字”" in message
    assert not KEY.search(message)


def test_document_numbers_and_typed_keys_stay_as_written() -> None:
    text = "根据莱工发〔2018〕5号文件，发展会员〔members.enrolled〕。"
    assert to_keys(text) == text


def test_an_unknown_name_is_a_chinese_error_naming_it_and_the_choices() -> None:
    with pytest.raises(NarrativeError) as caught:
        to_keys("上半年发展会员〔新发展会员〕，在会〔在会会员〕，〔略〕。")
    message = str(caught.value)
    assert "〔新发展会员〕、〔略〕不是指标名称" in message
    assert "〔发展会员〕" in message and "〔在会会员〕" in message  # what may be used instead
    assert not KEY.search(message)


def test_a_label_two_indicators_share_is_ambiguous_until_the_group_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    twin = Indicator("care.enrolled", "发展会员", "名", lambda scope: 0, "帮扶对象中新入会的人数")
    monkeypatch.setitem(indicators._REGISTRY, twin.key, twin)
    names = indicator_names()
    assert names["members.enrolled"] == "发展会员（会员）"
    assert names[twin.key] == f"发展会员（{twin.group}）"
    with pytest.raises(NarrativeError, match="〔发展会员〕对应多个指标，请写明是哪一个"):
        to_keys("发展会员〔发展会员〕。")
    assert to_keys("发展会员〔发展会员（会员）〕。") == "发展会员〔members.enrolled〕。"
    assert to_names("〔members.enrolled〕") == "〔发展会员（会员）〕"


def test_an_indicator_without_a_description_is_described_by_its_label() -> None:
    @indicators.indicator("test.bare", "测试指标", "个")
    def bare(scope: Any) -> int:
        """English for the developer only."""
        return 0

    try:
        assert indicators.get("test.bare").description == "测试指标"
    finally:
        indicators._REGISTRY.pop("test.bare")


def test_every_indicator_is_described_in_chinese() -> None:
    for item in indicators.registered():
        assert CJK.search(item.description), item.key
        assert not re.search(r"[A-Za-z]{3,}", item.description), item.key


def test_the_excel_sheet_describes_each_figure_in_chinese(busy_admin: Any) -> None:
    federation, admin = busy_admin
    data = outputs.to_xlsx(compile_review(federation.city, H1, admin))
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_name("指标说明").to_python()
    assert rows[0][:5] == ["指标", "分类", "单位", "统计口径", "可否相加"]
    by_label = {row[0]: row for row in rows[1:]}
    active = by_label["在会会员"]
    assert active[1] == "会员" and active[2] == "名"
    assert active[3] == indicators.get("members.active").description
    assert "期末" in active[3]
    for row in rows[1:]:
        assert CJK.search(row[3]) and not re.search(r"[A-Za-z]{3,}", row[3]), row


@pytest.fixture
def busy_admin(enrolled: Federation, admin: Any) -> tuple[Federation, Any]:
    return enrolled, admin


# --- the page --------------------------------------------------------------------------------


def review_page(client: Client, **query: str) -> Any:
    return client.get(reverse("review-index"), query)


def test_the_review_page_shows_no_indicator_code(
    enrolled: Federation, login: Callable[[str], Client]
) -> None:
    response = review_page(login("town_a_cadre"), org="A", period="2018H1")
    body = response.content.decode()
    assert response.status_code == 200
    visible = re.sub(r"<[^>]+>", " ", body.split("<main", 1)[-1])
    assert not KEY.search(visible.replace("reports.review", "")), KEY.findall(visible)[:5]
    assert "〔发展会员〕" in body  # the editor's text names the figure
    # The picker lists every indicator by name, grouped by the app that declares it.
    picker = response.context["picker"]
    groups = dict(picker)
    assert ("〔发展会员〕", "发展会员（名）") in groups["会员"]
    assert ("〔新建工会〕", "新建工会（个）") in groups["组织"]
    assert sum(len(options) for _group, options in picker) == len(indicators.registered())


def test_figures_in_the_text_link_to_the_records_they_count(
    enrolled: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    response = review_page(client, org="A", period="2018H1")
    body = response.content.decode()
    table = {item.key: url for item, _value, url in response.context["figures"]}
    found = re.findall(r'<a class="gh-figure" href="([^"]+)" data-indicator="([a-z_.]+)"', body)
    assert found
    for url, key in found:
        assert url.replace("&amp;", "&") == table[key], key
    # The figure in the text opens the list of exactly those members: the count is the figure.
    figure = response.context["values"]["members.enrolled"]
    assert figure == 4  # the three above and the fixture's own member of town A
    url = dict((key, u) for u, key in found)["members.enrolled"].replace("&amp;", "&")
    listing = client.get(url)
    assert listing.status_code == 200
    assert f'data-testid="row-count">共 {figure} 条<' in listing.content.decode()
    assert re.search(r'data-indicator="members.enrolled"[^>]*>4名</a>', body)


def test_a_typed_unknown_name_is_refused_and_the_typed_text_kept(
    enrolled: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    typed = "（一）我们的补充。本镇新增会员〔新增会员数〕，全市一盘棋。"
    url = reverse("review-index") + "?org=A&period=2018H1"
    response = client.post(url, {"title": "上半年回顾", "narrative": typed})
    assert response.status_code == 400
    body = response.content.decode()
    assert "〔新增会员数〕不是指标名称" in body
    assert typed in body  # nothing the cadre typed is lost
    assert not Review.objects.exists()
    # Written with the picker's name it saves, stored by key, shown by name again.
    fixed = typed.replace("〔新增会员数〕", "〔发展会员〕")
    saved = client.post(url, {"title": "上半年回顾", "narrative": fixed})
    assert saved.status_code == 302
    review = Review.objects.get()
    assert "〔members.enrolled〕" in review.narrative
    detail = client.get(reverse("review-detail", args=[review.pk]))
    assert detail.context["form"].initial["narrative"] == fixed
    assert "本镇新增会员4名，全市一盘棋。" in re.sub(r"<[^>]+>", "", detail.content.decode())
