"""Declared imports (`RecordImport`): workers' homes and benefit cards are a few lines of
declaration, and from them come the template, the Chinese reasons for every kind of bad cell,
the importer's subtree, all-or-nothing, the error workbook and the CLI."""

from __future__ import annotations

import datetime
import decimal
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from gonghui.core.imports.declared import money_parser, parse_yes_no
from gonghui.core.imports.engine import run_import
from gonghui.core.imports.spec import ERROR_COLUMN, CellError
from gonghui.core.imports.workbooks import write_template
from gonghui.core.records.registry import registry
from gonghui.orgs.models import HomeLevel, WorkersHome
from gonghui.people.models import BenefitCard
from tests.people.test_member_import import write_book

pytestmark = pytest.mark.django_db

CHECKLIST = ["组织健全", "制度完善", "民主管理", "集体协商", "活动阵地", "经费保障", "服务职工",
             "会员评家"]
HOME_HEADERS = ["工会编码", "命名层级", "评定年度", "命名日期", *CHECKLIST]
CARD_HEADERS = ["卡号", "持卡人身份证号", "发卡日期", "发卡组织编码"]
ELECTION_HEADERS = ["工会编码", "换届日期", "届期(年)", "指导单位编码"]


def read_rows(path: Path) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def reasons_in_order(result: Any) -> list[str]:
    assert result.error_workbook is not None, "no error workbook was written"
    header, *body = read_rows(result.error_workbook)
    return [row[header.index(ERROR_COLUMN)] for row in body]


def reasons(result: Any) -> dict[str, str]:
    """{first cell of the rejected row: 错误原因}."""
    assert result.error_workbook is not None, "no error workbook was written"
    header, *body = read_rows(result.error_workbook)
    return {str(row[0]): row[header.index(ERROR_COLUMN)] for row in body}


def home(code: str, level: str = "县级模范职工之家", year: Any = 2019,
         day: Any = "2020-03-01", *checks: str) -> list[Any]:
    return [code, level, year, day, *(checks or ["是", "否"])]


# --- the declarations give the templates --------------------------------------------------------


@pytest.mark.parametrize("slug, headers", [
    ("homes", HOME_HEADERS), ("cards", CARD_HEADERS), ("elections", ELECTION_HEADERS),
])
def test_templates_take_their_headers_from_the_fields(slug, headers, tmp_path, db):
    spec = registry[slug].import_spec
    assert [c.header for c in spec.columns] == headers
    target = tmp_path / f"{slug}.xlsx"
    write_template(target, spec)
    rows = read_rows(target)
    assert rows[2][: len(headers)] == headers
    assert "填表说明" in rows[1][0]


def test_the_homes_template_offers_levels_and_yes_no_and_keeps_codes_as_text(db):
    spec = registry["homes"].import_spec
    level = spec.column("命名层级")
    assert level.choices == [str(label) for _v, label in HomeLevel.choices]
    assert spec.column("组织健全").choices == ["是", "否"]
    assert spec.column("工会编码").as_text and spec.column("工会编码").required
    assert not spec.column("组织健全").required  # a default: left empty means 否
    assert spec.column("命名日期").note  # the date format is explained


# --- workers' homes ----------------------------------------------------------------------------


def test_homes_import_good_rows_and_explains_each_bad_cell(federation, make_persona, tmp_path):
    cadre = make_persona("town_a_cadre")
    path = write_book(tmp_path / "homes.xlsx", [
        home("A-2", "县级模范职工之家", 2019, "2020-03-01", "是", "是", "否"),    # good
        home("A-1-1", "合格职工之家", 2018.0, datetime.date(2018, 12, 1)),       # good
        home("B-1"),                                       # another town's union
        home("ZZZ"),                                       # no such union
        home("A"),                                         # a federation, not a union
        home("A-1", "模范之家"),                            # not a level
        home("A-1", "县级模范职工之家", "二〇一九"),          # not a number
        home("A-1", "县级模范职工之家", 2019, "2020-02-30"),  # no such day
        home("A-1", "县级模范职工之家", 2019, "2020-03-01", "也许"),  # not 是/否
        home("A-1", "县级模范职工之家", 2021, "2020-03-01"),  # year after the award
        home("A-1", "县级模范职工之家", 2017, "2018-03-05"),  # on record (fixture): updated
        home("A-2", "县级模范职工之家", 2019, "2020-05-01"),  # the same as row 1 of the file
    ], headers=HOME_HEADERS)
    result = run_import(registry["homes"].import_spec, path, user=cadre)
    assert (result.created, result.updated, result.rejected) == (2, 1, 9)
    why = reasons_in_order(result)
    assert "“工会编码”B-1不存在或不在您的管辖范围内" in why[0]
    assert "“工会编码”ZZZ不存在或不在您的管辖范围内" in why[1]
    assert "职工之家须命名给基层工会或联合工会" in why[2]
    assert "“命名层级”应为合格职工之家、县级模范职工之家" in why[3]
    assert "“评定年度”应为整数" in why[4]
    assert "“命名日期”" in why[5] and "2020-02-30" in why[5]
    assert "“组织健全”应为“是”或“否”" in why[6]
    assert "评定年度不能晚于命名日期所在年份" in why[7]
    assert "与第2行重复（工会编码、命名层级、评定年度）" in why[8]
    made = WorkersHome.objects.get(union=federation.union_a2)
    assert (made.level, made.year, made.awarded_on) == (
        HomeLevel.COUNTY, 2019, datetime.date(2020, 3, 1))
    assert (made.has_organisation, made.has_rules, made.has_democracy, made.checklist_met) == (
        True, True, False, 2)
    assert made.org_path == federation.union_a2.path
    assert WorkersHome.objects.get(union=federation.union_a1a).level == HomeLevel.GRASSROOTS


def test_homes_import_all_or_nothing_writes_nothing_when_a_row_is_bad(
    federation, make_persona, tmp_path
):
    cadre = make_persona("town_a_cadre")
    before = WorkersHome.objects.count()
    path = write_book(tmp_path / "homes.xlsx", [home("A-2"), home("B-1")],
                      headers=HOME_HEADERS)
    result = run_import(registry["homes"].import_spec, path, user=cadre, all_or_nothing=True)
    assert (result.created, result.rejected) == (0, 1)
    assert WorkersHome.objects.count() == before
    assert any("未写入任何数据" in w for w in result.warnings)
    # The same file without the bad row goes in whole.
    good = write_book(tmp_path / "good.xlsx", [home("A-2")], headers=HOME_HEADERS)
    result = run_import(registry["homes"].import_spec, good, user=cadre, all_or_nothing=True)
    assert (result.created, result.rejected) == (1, 0)


# --- benefit cards -----------------------------------------------------------------------------


def test_cards_import_finds_holders_by_id_number_within_the_subtree(
    federation, make_persona, tmp_path
):
    cadre = make_persona("town_a_cadre")
    mine, theirs = federation.person_a.id_number, federation.person_b.id_number
    path = write_book(tmp_path / "cards.xlsx", [
        ["C-0001", mine.lower(), "2019-01-02", "A-1"],         # good (a lower-case x too)
        ["C-0002", theirs, "2019-01-02", "A-1"],               # holder in another branch
        ["C-0003", mine, "2019-01-02", "B"],                   # issuer outside the subtree
        [f"{federation.card_a.number}", mine, "2019-01-02", "A-1"],  # number on record
        ["C-0001", mine, "2019-01-03", "A-1"],                 # number twice in the file
        ["C-0006", "", "2019/1/2", "A-1"],                      # holder missing
    ], headers=CARD_HEADERS)
    result = run_import(registry["cards"].import_spec, path, user=cadre)
    assert (result.created, result.rejected) == (1, 5)
    why = reasons(result)
    assert f"“持卡人身份证号”{theirs}不存在或不在您的管辖范围内" in why["C-0002"]
    assert "“发卡组织编码”B不存在或不在您的管辖范围内" in why["C-0003"]
    assert "卡号" in why[federation.card_a.number] and "已存在" in why[federation.card_a.number]
    assert "与第2行重复（卡号）" in why["C-0001"]
    assert "“持卡人身份证号”为必填项" in why["C-0006"]
    card = BenefitCard.objects.get(number="C-0001")
    assert (card.person, card.org, card.issued_on) == (
        federation.person_a, federation.union_a1, datetime.date(2019, 1, 2))
    assert card.org_path == federation.union_a1.path


# --- cells ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell, reason", [
    ("12.345", "最多保留2位小数"),
    (0.125, "最多保留2位小数"),
    ("-1", "不能小于0"),
    ("一百元", "应为金额数字"),
    ("NaN", "应为金额数字"),
    ("1E+30", "金额过大"),  # found by the fuzz: quantizing it overflowed the decimal context
])
def test_money_cells_refuse_with_a_chinese_reason(cell, reason):
    with pytest.raises(CellError, match=reason):
        money_parser()(cell)


@pytest.mark.parametrize("cell, amount", [
    ("1200.5", "1200.50"), (1200.5, "1200.50"), ("1,200", "1200.00"), ("88元", "88.00"),
    (0, "0.00"),
])
def test_money_cells_become_decimals_of_two_places(cell, amount):
    assert money_parser()(cell) == decimal.Decimal(amount)


def test_yes_no_cells():
    assert parse_yes_no("是") is True and parse_yes_no("否") is False
    assert parse_yes_no(True) is True
    with pytest.raises(CellError, match="应为“是”或“否”"):
        parse_yes_no("有")


# --- the command line --------------------------------------------------------------------------


def test_cli_template_and_import_of_a_declared_type(federation, make_persona, tmp_path):
    make_persona("town_a_cadre")
    template = tmp_path / "homes-template.xlsx"
    call_command("template", "homes", str(template), stdout=io.StringIO())
    assert read_rows(template)[2][:4] == HOME_HEADERS[:4]
    path = write_book(tmp_path / "homes.xlsx", [home("A-2"), home("B-1")],
                      headers=HOME_HEADERS)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "homes", str(path), "--as", "town_a_cadre", stdout=out,
                     stderr=io.StringIO())
    assert exit_.value.code == 1
    assert "读取 2 行，新增 1 行，更新 0 行，拒绝 1 行" in out.getvalue()
    errors = tmp_path / "homes-errors.xlsx"
    assert "B-1不存在或不在您的管辖范围内" in read_rows(errors)[1][-1]
    assert WorkersHome.objects.filter(union=federation.union_a2).count() == 1
