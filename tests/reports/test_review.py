"""The compiled review: its text, placeholders, scoping, and the four outputs read back."""

from __future__ import annotations

import datetime
import io
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from python_calamine import CalamineWorkbook

from gonghui.orgs.models import Election, Organization
from gonghui.people.models import BenefitCard
from gonghui.reports import indicators, outputs
from gonghui.reports import sections as sections_module
from gonghui.reports.indicators import Indicator
from gonghui.reports.numbers import approx
from gonghui.reports.periods import Period
from gonghui.reports.review import (
    NarrativeError,
    blocks,
    check_narrative,
    cn_number,
    compile_review,
    fill,
    json_value,
    when_word,
)
from gonghui.reports.sections import (
    PLACEHOLDER,
    FigureStyle,
    Paragraph,
    Section,
    Sentence,
    placeholder,
    section_keys,
    sections,
)
from tests.conftest import SENTINEL_A, SENTINEL_B, Federation, make_member

H1 = Period.parse("2018H1")


def member(n: int, union: Organization, rng: random.Random, on: datetime.date) -> Any:
    """The n-th made-up member: a birth date of their own keeps ID numbers apart."""
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n)
    return make_member(f"会员{n}", union, rng, enrolled_on=on, birth=birth)


def figure(key: str, value: Any) -> str:
    return approx(value, unit=indicators.get(key).unit)


@pytest.fixture
def admin(make_persona: Callable[[str], Any]) -> Any:
    return make_persona("city_admin")


@pytest.fixture
def busy(federation: Federation) -> Federation:
    """The fixture federation plus 2018 H1 records: 3 unions founded, 130 members enrolled,
    2 term elections (the fixture adds 2 workers' homes named in March)."""
    rng = random.Random(11)
    for union, town in ((federation.union_a2, federation.town_a),
                        (federation.union_b1, federation.town_b)):
        Election(union=union, held_on=datetime.date(2018, 6, 30), term_years=3,
                 guided_by=town).save()
    for union in (federation.union_a1, federation.union_a2, federation.union_b1):
        union.founded_on = datetime.date(2018, 5, 1)
        union.save()
    for n in range(128):
        union = federation.union_a2 if n % 2 else federation.union_b1
        member(n, union, rng, datetime.date(2018, 2, 1 + n % 27))
    return federation


# --- the declarations ------------------------------------------------------------------------


def test_every_key_a_section_names_is_registered() -> None:
    registered = {item.key for item in indicators.registered()}
    assert section_keys()
    assert set(section_keys()) <= registered
    assert sections()[0].key == "orgs", "organisation building is the review's first section"


def test_heading_numbers_and_period_words() -> None:
    assert [cn_number(n) for n in (1, 2, 9, 10, 11, 20, 23)] == [
        "一", "二", "九", "十", "十一", "二十", "二十三"]
    words = {code: when_word(Period.parse(code)) for code in
             ("2018H1", "2018H2", "2018", "2018Q3", "2018-05", "2018-03-01..2018-05-20")}
    assert words == {"2018H1": "上半年", "2018H2": "下半年", "2018": "全年",
                     "2018Q3": "第三季度", "2018-05": "5月", "2018-03-01..2018-05-20": "期间内"}


# --- the text --------------------------------------------------------------------------------


def test_review_text_follows_the_seed_and_every_figure_is_computed(
    busy: Federation, admin: Any
) -> None:
    review = compile_review(busy.city, H1, admin)
    values = indicators.compute(busy.city, H1, admin)
    assert review.title == "测试市总工会2018年上半年工作回顾"
    assert review.values == values
    assert values["orgs.unions_founded"] == 3 and values["members.enrolled"] == 130
    text = review.text
    founded, enrolled, elections, homes = (figure(k, values[k]) for k in (
        "orgs.unions_founded", "members.enrolled", "orgs.elections_held",
        "orgs.workers_homes_awarded"))
    assert (founded, enrolled, elections, homes) == ("3个", "130名", "2个", "2个")
    # The seed's sentence, from records.
    assert f"上半年新建工会{founded}，发展会员{enrolled}，指导基层工会换届{elections}。" in text
    assert f"（二）提升基层工会组织规范化建设水平。上半年命名职工之家{homes}。" in text
    assert "未换届" not in text  # none overdue on 30 June: the sentence is left out
    # Lead paragraph, then 一、 the organisation-building section with its （一） lead.
    assert review.blocks[0].kind == "p" and review.blocks[0].text.startswith("2018年上半年，")
    assert review.blocks[1] == blocks("一、夯实规范 筑牢工会工作的组织基础")[0]
    assert review.blocks[2].lead == "（一）夯实工会组建工作基础。"
    # The narrative keeps placeholders; the rendered text has none.
    assert "〔orgs.unions_founded〕" in review.narrative
    assert not PLACEHOLDER.search(text)


def test_sentences_whose_figures_are_all_zero_are_left_out(
    federation: Federation, admin: Any
) -> None:
    # In 2019 nothing was founded, enrolled or issued; members are still active.
    review = compile_review(federation.city, Period.parse("2019H1"), admin)
    text = review.text
    assert "新建工会" not in text and "发展会员" not in text
    assert "会员服务卡" not in text and "二、" not in text  # the whole 普惠 section is gone
    assert f"截至2019年6月30日，共有在会会员{figure('members.active', 2)}。" in text
    # No zero figure is ever printed.
    assert "0个" not in text and "0名" not in text and "0张" not in text
    # A clause that is zero is dropped from a sentence that keeps others.
    Organization.objects.filter(pk=federation.union_a1.pk).update(
        founded_on=datetime.date(2019, 2, 1))
    text = compile_review(federation.city, Period.parse("2019H1"), admin).text
    assert "上半年新建工会1个。" in text


def test_a_town_cadre_review_covers_only_their_town(
    busy: Federation, make_persona: Callable[[str], Any]
) -> None:
    cadre = make_persona("town_a_cadre")
    town = Organization.objects.visible_to(cadre).get(code="A")
    review = compile_review(town, H1, cadre)
    # Town A: union A1 and A2 founded; 64 enrolled in A2 plus the fixture's 张三.
    assert review.values["orgs.unions_founded"] == 2
    assert review.values["members.enrolled"] == 65
    assert review.values == indicators.compute(busy.town_a, H1, make_persona("city_admin"))
    rows, _total = review.table()
    names = [row.name for row in rows]
    assert SENTINEL_B not in "".join(names) + review.text
    docx_text = docx_paragraphs(outputs.to_docx(review))
    xlsx_text = "".join(str(c) for row in xlsx_rows(outputs.to_xlsx(review)) for c in row)
    for text in (docx_text, xlsx_text, outputs.to_json(review), outputs.to_html(review)):
        assert SENTINEL_B not in text
    assert SENTINEL_A in docx_text and SENTINEL_A in xlsx_text  # the control: names are read


# --- placeholders and editing ----------------------------------------------------------------


def test_placeholders_refresh_when_records_change(federation: Federation, admin: Any) -> None:
    narrative = (
        "一、组织建设\n（一）发展会员。本期发展会员〔members.enrolled〕，精确数〔members.enrolled:精确〕。"
    )
    before = compile_review(federation.city, H1, admin, narrative=narrative).text
    assert "本期发展会员2名，精确数2名。" in before
    rng = random.Random(5)
    for n in range(235):
        member(n, federation.union_a1, rng, datetime.date(2018, 3, 2))
    after = compile_review(federation.city, H1, admin, narrative=narrative).text
    assert "本期发展会员230余名，精确数237名。" in after


def test_a_placeholder_states_how_many_digits_its_figure_keeps(
    federation: Federation, admin: Any
) -> None:
    rng = random.Random(5)
    for n in range(235):
        member(n, federation.union_a1, rng, datetime.date(2018, 3, 2))
    assert compile_review(federation.city, H1, admin).values["members.enrolled"] == 237
    narrative = (
        "一、组织建设\n（一）发展会员。发展会员〔members.enrolled〕，约〔members.enrolled:1位有效数字〕，"
        "细到〔members.enrolled:3位有效数字〕，精确数〔members.enrolled:精确〕。"
    )
    review = compile_review(federation.city, H1, admin, narrative=narrative)
    assert "发展会员230余名，约200余名，细到237名，精确数237名。" in review.text
    # The page's pieces (each figure linked to its records) say the same.
    linked = [p.text for b in review.blocks for p in b.pieces if p.key == "members.enrolled"]
    assert linked == ["230余名", "200余名", "237名", "237名"]
    # Ten digits, none, or a style that is neither is no placeholder: the cadre is told.
    for wrong in ("〔members.enrolled:0位有效数字〕", "〔members.enrolled:10位有效数字〕",
                  "〔members.enrolled:约〕"):
        assert not PLACEHOLDER.search(wrong)


def test_a_section_declares_a_figures_digits_and_the_style_is_kept_in_the_text(
    busy: Federation, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any section may state a figure's digits in its clause; the compiled narrative keeps it,
    # so a saved review prints the figure the same way.
    declared = Section(key="test", order=99, heading="测试标题", paragraphs=[Paragraph(
        lead="测试段落。",
        sentences=[Sentence("{when}", ["发展会员〔members.enrolled:1位有效数字〕"])])])
    monkeypatch.setitem(sections_module._SECTIONS, declared.key, declared)
    review = compile_review(busy.city, H1, admin)
    assert review.values["members.enrolled"] == 130
    assert "（一）测试段落。上半年发展会员〔members.enrolled:1位有效数字〕。" in review.narrative
    assert "测试段落。上半年发展会员100余名。" in review.text
    assert "发展会员130名" in review.text  # the organisation section's own, two digits
    with pytest.raises(ValueError, match="1 to 9"):
        FigureStyle(digits=0)
    with pytest.raises(ValueError, match="not both"):
        FigureStyle(exact=True, digits=3)
    assert placeholder("a.b", FigureStyle(digits=3)) == "〔a.b:3位有效数字〕"
    assert placeholder("a.b", FigureStyle(exact=True)) == "〔a.b:精确〕"


def test_an_unknown_placeholder_is_a_chinese_error() -> None:
    with pytest.raises(NarrativeError, match=r"〔members\.enroled〕不是已登记的指标"):
        check_narrative("发展会员〔members.enroled〕。")
    # A document number in 〔〕 is text, not a placeholder.
    check_narrative("根据莱工发〔2018〕5号文件")
    assert fill("根据莱工发〔2018〕5号文件", {}) == "根据莱工发〔2018〕5号文件"


def test_blocks_read_headings_and_run_in_leads() -> None:
    parsed = blocks("导语。\n\n一、标题\n（二）小标题。正文〔x〕。\n（三）无句号")
    assert [(b.kind, b.lead, b.text) for b in parsed] == [
        ("p", "", "导语。"), ("h1", "", "一、标题"), ("p", "（二）小标题。", "正文〔x〕。"),
        ("p", "", "（三）无句号")]


# --- outputs ---------------------------------------------------------------------------------


def docx_paragraphs(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def xlsx_rows(data: bytes, sheet: int = 0) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(sheet).to_python()


def east_asian(style: Any) -> str | None:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_docx_opens_with_title_figures_and_gbt9704_fonts(busy: Federation, admin: Any) -> None:
    review = compile_review(busy.city, H1, admin)
    document = Document(io.BytesIO(outputs.to_docx(review)))
    paragraphs = document.paragraphs
    assert paragraphs[0].text == "测试市总工会2018年上半年工作回顾"
    assert paragraphs[0].style.name == "Review Title"
    text = "\n".join(p.text for p in paragraphs)
    assert "上半年新建工会3个，发展会员130名，指导基层工会换届2个。" in text
    assert "{%" not in text and "{{" not in text
    headings = [p for p in paragraphs if p.style.name == "Review Heading 1"]
    assert [p.text for p in headings] == ["一、夯实规范 筑牢工会工作的组织基础",
                                          "二、立足普惠 主动服务 为职工排忧解难"]
    styles = document.styles
    assert east_asian(styles["Review Title"]) == "方正小标宋简体"
    assert styles["Review Title"].font.size.pt == 22
    assert east_asian(styles["Normal"]) == "仿宋_GB2312" and styles["Normal"].font.size.pt == 16
    assert east_asian(styles["Review Heading 1"]) == "黑体"
    assert east_asian(styles["Review Heading 2"]) == "楷体_GB2312"
    lead_runs = [r for p in paragraphs for r in p.runs if r.text == "（一）夯实工会组建工作基础。"]
    assert lead_runs and lead_runs[0].style.name == "Review Heading 2"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    assert round(section.page_width.mm - section.left_margin.mm - section.right_margin.mm) == 156
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "PAGE" in footer._p.xml


def test_xlsx_totals_equal_the_sum_of_rows(busy: Federation, admin: Any) -> None:
    # A card issued by the city itself belongs to no child: it is on the 本级 row, not lost.
    BenefitCard(number="C0001", person=busy.person_a, org=busy.city,
                issued_on=datetime.date(2018, 6, 30)).save()
    review = compile_review(busy.city, H1, admin)
    rows = xlsx_rows(outputs.to_xlsx(review))
    header = rows[1]
    items = indicators.registered()
    assert header[:3] == ["序号", "组织编码", "组织名称"] and header[-1] == "说明"
    body = rows[2:-1]
    total = rows[-1]
    assert total[0] == "合计"
    assert [r[1] for r in body] == ["A", "B", "C"]  # the two towns, then the city's own row
    for col, item in enumerate(items, start=3):
        assert header[col] == f"{item.label}（{item.unit}）"
        if not item.additive:  # distinct people: no false sum (the next test)
            assert total[col] == "", item.key
            continue
        assert total[col] == sum(r[col] for r in body), item.key
        assert total[col] == review.values[item.key], item.key
    keys = [i.key for i in items]
    assert total[3 + keys.index("members.enrolled")] == 130
    cards = 3 + keys.index("people.benefit_cards_issued")
    assert [r[cards] for r in body] == [1, 1, 1] and total[cards] == 3
    assert body[-1][2] == "测试市总工会（本级）"


def test_xlsx_says_when_an_indicator_does_not_add_up(
    federation: Federation, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = Indicator("test.distinct", "测试去重人数", "人", lambda scope: 1, "", additive=False)
    monkeypatch.setitem(indicators._REGISTRY, fake.key, fake)
    rows = xlsx_rows(outputs.to_xlsx(compile_review(federation.city, H1, admin)))
    col = rows[1].index("测试去重人数（人）")
    assert rows[-1][col] in ("", None)
    assert "不可相加" in rows[-1][-1] and "测试去重人数" in rows[-1][-1]


def test_json_has_every_registered_key_with_computed_values(busy: Federation, admin: Any) -> None:
    review = compile_review(busy.town_b, H1, admin)
    data = json.loads(outputs.to_json(review))
    assert data["org"] == "B" and data["period"] == "2018H1"
    assert set(data["indicators"]) == {item.key for item in indicators.registered()}
    # Amounts are strings in JSON (no figure passes through a float).
    assert data["indicators"] == {key: json_value(value) for key, value in
                                  indicators.compute(busy.town_b, H1, admin).items()}


def test_html_is_standalone_with_charts(busy: Federation, admin: Any) -> None:
    html = outputs.to_html(compile_review(busy.city, H1, admin))
    assert "测试市总工会2018年上半年工作回顾" in html
    assert "echarts" in html and 'id="gh-review-charts"' in html
    assert "<script src=" not in html  # nothing fetched from anywhere


def chart_values(data: list[dict[str, Any]]) -> Iterator[tuple[str, list[Any]]]:
    for chart in data:
        for series in chart["series"]:
            yield series["name"], series["data"]


def test_chart_data_is_per_direct_child(busy: Federation, admin: Any) -> None:
    data = outputs.chart_data(compile_review(busy.city, H1, admin))
    assert data[0]["categories"] == [busy.town_a.name, busy.town_b.name]
    organisation = [chart for chart in data if chart["title"] in ("新建工会与指导换届", "发展会员")]
    assert dict(chart_values(organisation)) == {
        "新建工会（个）": [2, 1], "指导基层工会换届（个）": [1, 1], "发展会员（名）": [65, 65]}
    # The care charts are tests/care/test_care_outputs.py's.


def test_a_chart_gives_the_organisations_own_records_a_bar_and_says_when_it_is_empty(
    busy: Federation, admin: Any
) -> None:
    # The town federation's own election belongs to none of its unions: its own bar (本级).
    Election(union=busy.town_a, held_on=datetime.date(2018, 3, 1), term_years=5,
             guided_by=busy.city).save()
    data = outputs.chart_data(compile_review(busy.town_a, H1, admin))
    founding = next(chart for chart in data if chart["title"] == "新建工会与指导换届")
    own = f"{busy.town_a.name}（本级）"
    assert founding["categories"] == [busy.union_a1.name, busy.union_a2.name, own]
    assert dict(chart_values([founding]))["指导基层工会换届（个）"] == [0, 1, 1]
    # A chart whose children and 本级 have nothing keeps to the children, and says so.
    enrolled = next(chart for chart in data if chart["title"] == "发展会员")
    assert own not in enrolled["categories"] and enrolled["empty"] is False
    quiet = compile_review(busy.city, Period.parse("2022H1"), admin)
    assert all(chart["empty"] for chart in outputs.chart_data(quiet))
    assert outputs.to_html(quiet).count("本期没有相关记录") == len(outputs.chart_data(quiet))


def test_overdue_elections_are_reported_at_the_periods_end(
    federation: Federation, admin: Any
) -> None:
    # The fixture's elections (10 May 2016, five-year terms) ran out on 10 May 2021.
    assert "未换届" not in compile_review(federation.city, Period.parse("2020"), admin).text
    text = compile_review(federation.city, Period.parse("2022H1"), admin).text
    assert (
        "（二）提升基层工会组织规范化建设水平。截至2022年6月30日，尚有2个工会任期届满未换届"
    ) in text
    # Nothing else happened in 2022: no 新建/发展/换届 clause, no 职工之家 sentence.
    assert "新建工会" not in text and "指导基层工会换届" not in text and "职工之家2" not in text
