"""The member-roll import as a cadre meets it: `run_import(MemberImport(), file, user=...)`.

A mixed file creates the good rows and hands back every bad one with the exact Chinese reason
(naming the column and the rule), one test per reason; the 18-digit ID typed as a number, every
date form, the importer's subtree, duplicates, existing people, transfers, employers, the error
workbook round trip, all-or-nothing, a crash half way through and hostile files.
"""

from __future__ import annotations

import datetime
import random
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import xlsxwriter
from django.utils import timezone
from python_calamine import CalamineWorkbook

from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.core.imports import engine
from gonghui.core.imports.engine import match_headers, parse_row, run_import
from gonghui.core.imports.spec import (
    ERROR_COLUMN,
    ImportContext,
    ImportRejected,
    ImportResult,
    Row,
    WriteResult,
)
from gonghui.core.text.identifiers import id_check_char, make_id_number
from gonghui.people import actions
from gonghui.people.imports import MemberImport
from gonghui.people.models import JoinedBy, Membership, MembershipStatus, Person

pytestmark = pytest.mark.django_db

HEADERS = ("姓名", "身份证号", "手机号", "所属工会编码", "入会日期", "民族", "学历", "政治面貌",
           "工作单位", "是否农民工", "会员卡号", "转会")
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
RED = "FFFFC7CE"
NOT_MINE = "“所属工会编码”{}不存在，或不是您管辖范围内的基层工会"


# --- building workbooks ----------------------------------------------------------------------


class Number(float):
    """A cell written as an Excel number (as when a cadre types an ID into a General cell)."""


def new_id(n: int, *, sex: str = "M", area: str = "370285") -> str:
    """A valid ID number, distinct for every `n` (the birth date moves with it)."""
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=7 * n)
    return make_id_number(random.Random(n), area_code=area, birth_date=birth, sex=sex)


def name_for(n: int) -> str:
    return "王" + "甲乙丙丁戊己庚辛壬癸"[n % 10] + "子丑寅卯辰巳午未申酉"[n // 10 % 10]


def member(n: int, cells: dict[str, Any] | None = None) -> dict[str, Any]:
    """One roll row: the required cells filled, `cells` overriding or adding others."""
    row: dict[str, Any] = {
        "姓名": name_for(n),
        "身份证号": new_id(n),
        "所属工会编码": "A-1",
        "入会日期": "2020-05-01",
    }
    row.update(cells or {})
    return row


def write_book(
    path: Path,
    rows: Sequence[dict[str, Any] | Sequence[Any] | None],
    headers: Sequence[str] = HEADERS,
    *,
    above: Sequence[str] = (),
) -> Path:
    """A workbook with optional lines `above` the headers, then one row per item.

    A dict is placed by header, a sequence by position, None is a blank row. Strings are
    written as text (never as formulas), `Number`/int/float as numbers, dates as date cells.
    """
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_urls": False,
                                           "strings_to_numbers": False})
    sheet = book.add_worksheet("会员")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    at = 0
    for line in above:
        sheet.write_string(at, 0, line)
        at += 1
    for col, header in enumerate(headers):
        sheet.write_string(at, col, header)
    for offset, item in enumerate(rows, start=1):
        if item is None:
            continue
        cells = [item.get(h) for h in headers] if isinstance(item, dict) else list(item)
        for col, value in enumerate(cells):
            r = at + offset
            if value is None:
                continue
            if isinstance(value, datetime.datetime | datetime.date):
                moment = datetime.datetime.combine(value, datetime.time()) if not isinstance(
                    value, datetime.datetime) else value
                sheet.write_datetime(r, col, moment, date_format)
            elif isinstance(value, bool):
                sheet.write_boolean(r, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, str(value))
    book.close()
    return path


def read_rows(path: Path) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def rejected(result: ImportResult) -> list[dict[str, Any]]:
    """The error workbook's rows as {header: cell}."""
    assert result.error_workbook is not None, "no error workbook was written"
    header, *body = read_rows(result.error_workbook)
    return [dict(zip(header, cells, strict=False)) for cells in body]


def reasons(result: ImportResult) -> dict[str, str]:
    """{姓名: 错误原因} of the rejected rows."""
    return {row["姓名"]: row[ERROR_COLUMN] for row in rejected(result)}


def only_reason(result: ImportResult) -> str:
    rows = rejected(result)
    assert len(rows) == 1, rows
    return rows[0][ERROR_COLUMN]


def import_as(user: Any, path: Path, **options: Any) -> ImportResult:
    return run_import(MemberImport(), path, user=user, **options)


def person(id_number: str) -> Person:
    return Person.objects.get(id_number=id_number)


def active(p: Person) -> Membership:
    return Membership.objects.get(person=p, status=MembershipStatus.ACTIVE)


def cell_fill(path: Path, ref: str) -> str | None:
    """The fill colour of one cell of the first sheet (None when unfilled)."""
    with zipfile.ZipFile(path) as archive:
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    cell = sheet.find(f".//m:c[@r='{ref}']", NS)
    assert cell is not None, ref
    xf = styles.findall("m:cellXfs/m:xf", NS)[int(cell.get("s", "0"))]
    colour = styles.findall("m:fills/m:fill", NS)[int(xf.get("fillId", "0"))].find(
        ".//m:fgColor", NS)
    return None if colour is None else colour.get("rgb")


def id_ending_in_x() -> str:
    for n in range(1, 200):
        first17 = f"370285{datetime.date(1985, 6, 1) + datetime.timedelta(days=n):%Y%m%d}123"
        if id_check_char(first17) == "X":
            return first17 + "X"
    raise AssertionError("no X check character found")


@pytest.fixture
def cadre(make_persona: Callable[[str], Any]) -> Any:
    return make_persona("town_a_cadre")


# --- a mixed file ------------------------------------------------------------------------------


def test_mixed_file_creates_good_rows_and_explains_bad(federation, cadre, tmp_path):
    good_id, other_id, bad_id = new_id(1, sex="F"), new_id(2), new_id(3)
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"姓名": "张 三", "身份证号": good_id, "手机号": "13812345678",
                   "所属工会编码": "A-1-1", "入会日期": "2019-05-01", "民族": "汉族",
                   "学历": "本科", "政治面貌": "群众", "是否农民工": "是",
                   "会员卡号": "K0001"}),
        member(2, {"身份证号": other_id, "所属工会编码": "A-2"}),
        member(3, {"身份证号": bad_id[:17] + ("0" if bad_id[17] != "0" else "1")}),
    ])
    persons_before = Person.objects.count()

    result = import_as(cadre, path)

    assert (result.read, result.created, result.updated, result.rejected) == (3, 2, 0, 1)
    assert result.summary() == "读取 3 行，新增 2 行，更新 0 行，拒绝 1 行"
    assert Person.objects.count() == persons_before + 2
    assert not Person.objects.filter(id_number__startswith=bad_id[:17]).exists()

    zhang = person(good_id)
    assert zhang.name == "张三"  # the stray space typed in the cell is gone
    assert zhang.name_initials == "zs"
    assert zhang.id_tail == good_id[-4:]
    assert zhang.sex == "F"
    assert zhang.birth_date == datetime.date(1970, 1, 8)
    assert zhang.mobile == "13812345678"
    assert (zhang.ethnicity, zhang.education, zhang.political_status) == ("01", "21", "13")
    assert zhang.is_migrant is True
    assert zhang.org == federation.union_a1a
    assert zhang.org_path == federation.union_a1a.path
    membership = active(zhang)
    assert membership.org == federation.union_a1a
    assert membership.org_path == federation.union_a1a.path
    assert membership.enrolled_on == datetime.date(2019, 5, 1)
    assert membership.joined_by == JoinedBy.ENROLMENT
    assert membership.card_number == "K0001"
    assert membership.ended_on is None

    other = person(other_id)
    assert other.sex == "M" and other.is_migrant is False and other.mobile == ""
    assert active(other).org == federation.union_a2
    assert active(other).org_path == federation.union_a2.path

    assert reasons(result) == {name_for(3): f"身份证号校验码错误，应为{bad_id[17]}"}
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert entry.user == cadre
    assert entry.changes["created"] == 2 and entry.changes["rejected"] == 1


# --- one reason each -------------------------------------------------------------------------


def test_missing_required_cell(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"入会日期": None})])
    result = import_as(cadre, path)
    assert result.created == 0
    assert only_reason(result) == "“入会日期”为必填项"


def test_missing_name_and_union_both_reported(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"姓名": " ", "所属工会编码": None})])
    result = import_as(cadre, path)
    assert only_reason(result) == "“姓名”为必填项；“所属工会编码”为必填项"


def test_bad_check_character_says_what_it_should_be(federation, cadre, tmp_path):
    good = new_id(1)
    wrong = "0" if good[17] != "0" else "1"
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"身份证号": good[:17] + wrong})])
    result = import_as(cadre, path)
    assert result.created == 0
    assert only_reason(result) == f"身份证号校验码错误，应为{good[17]}"


def test_id_with_wrong_length(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"身份证号": new_id(1)[:17]})])
    result = import_as(cadre, path)
    assert only_reason(result) == "身份证号长度应为18位，实际为17位"


def test_id_typed_as_an_excel_number_is_rejected_with_the_text_hint(
    federation, cadre, tmp_path
):
    id_number = new_id(1)
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"身份证号": Number(int(id_number))})])
    result = import_as(cadre, path)
    assert result.created == 0
    reason = only_reason(result)
    assert reason.startswith("身份证号被存成了数字（"), reason
    assert "后几位已丢失" in reason
    assert reason.endswith("请把Excel中该列设置为“文本”格式后重新填写")
    assert not Person.objects.filter(id_number=id_number).exists()
    # The error workbook gives the digits back as text, not as 3.70285E+17.
    cell = rejected(result)[0]["身份证号"]
    assert isinstance(cell, str) and re.fullmatch(r"\d{18}", cell), cell


def test_id_as_an_18_digit_integer_cell_is_accepted(federation, cadre):
    """A reader that hands over a whole number (not a float) keeps every digit: accepted."""
    id_number = new_id(1)
    spec = MemberImport()
    context = ImportContext(user=cadre)
    layout = match_headers([list(HEADERS)], spec, context)
    cells = [name_for(1), int(id_number), "", "A-1", "2020-05-01", "", "", "", "", "", "", ""]
    row = parse_row(2, cells, layout)
    assert row.ok, row.errors
    assert row.values["id"].number == id_number

    short = parse_row(3, [name_for(1), int(id_number[:15]), *cells[2:]], layout)
    assert short.errors == [
        ("身份证号", f"身份证号长度应为18位：收到的是数字{id_number[:15]}，只有15位；"
                     "请把Excel中该列设置为“文本”格式后重新填写")
    ]


def test_lower_case_x_is_normalised(federation, cadre, tmp_path):
    id_number = id_ending_in_x()
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"身份证号": id_number.lower()})])
    result = import_as(cadre, path)
    assert result.created == 1 and result.rejected == 0
    assert person(id_number).id_number.endswith("X")
    assert person(id_number).id_tail == id_number[-4:]


def test_unknown_area_code_is_accepted_with_a_warning(federation, cadre, tmp_path):
    id_number = new_id(1, area="379999")
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"身份证号": id_number})])
    result = import_as(cadre, path)
    assert result.created == 1 and result.rejected == 0
    assert result.error_workbook is None
    assert "第2行：地区码379999不在行政区划表中" in result.warnings
    assert active(person(id_number)).org == federation.union_a1


def test_date_that_does_not_exist(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"入会日期": "2018-02-30"})])
    result = import_as(cadre, path)
    assert only_reason(result) == "“入会日期”日期不存在：2018-02-30"


@pytest.mark.parametrize("cell", [
    "1990-01-01",
    "1990.1.1",
    "1990/1/1",
    "1990年1月1日",
    datetime.date(1990, 1, 1),  # a date cell
    Number(32874),  # the same day as a bare Excel serial number
], ids=["iso", "dots", "slashes", "chinese", "date-cell", "serial"])
def test_every_date_form(federation, cadre, tmp_path, cell):
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"入会日期": cell})])
    result = import_as(cadre, path)
    assert result.rejected == 0, rejected(result)
    assert active(person(new_id(1))).enrolled_on == datetime.date(1990, 1, 1)


def test_enrolment_in_the_future(federation, cadre, tmp_path):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"入会日期": tomorrow.isoformat()})])
    result = import_as(cadre, path)
    assert only_reason(result) == "“入会日期”不能晚于今天"


def test_enrolment_today_is_fine(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx",
                      [member(1, {"入会日期": timezone.localdate().isoformat()})])
    assert import_as(cadre, path).created == 1


def test_enrolment_before_birth(federation, cadre, tmp_path):
    # new_id(1) was born on 1970-01-08.
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"入会日期": "1970-01-07"})])
    result = import_as(cadre, path)
    assert only_reason(result) == "“入会日期”不能早于出生日期"


def test_union_code_that_does_not_exist(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"所属工会编码": "Z-9"})])
    result = import_as(cadre, path)
    assert only_reason(result) == NOT_MINE.format("Z-9")


def test_union_of_another_town_reads_like_one_that_does_not_exist(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"所属工会编码": "B-1"}),
        member(2, {"所属工会编码": "B-9"}),
    ])
    result = import_as(cadre, path)
    assert result.created == 0
    got = reasons(result)
    assert got[name_for(1)] == NOT_MINE.format("B-1")
    # No leak: the same words as a code that exists nowhere.
    assert got[name_for(1)].replace("B-1", "?") == got[name_for(2)].replace("B-9", "?")
    assert federation.town_b.name not in got[name_for(1)]
    assert federation.union_b1.name not in got[name_for(1)]


def test_a_town_is_not_a_union(federation, make_persona, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"所属工会编码": "A"}),
        member(2, {"所属工会编码": "C"}),
    ])
    result = import_as(make_persona("city_admin"), path)
    assert result.created == 0
    assert reasons(result) == {name_for(1): NOT_MINE.format("A"), name_for(2): NOT_MINE.format("C")}


def test_grassroots_chair_only_enrols_into_their_union_and_below(federation, make_persona,
                                                                  tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"所属工会编码": "A-1"}),
        member(2, {"所属工会编码": "A-1-1"}),
        member(3, {"所属工会编码": "A-2"}),
    ])
    result = import_as(make_persona("chair_a1"), path)
    assert (result.created, result.rejected) == (2, 1)
    assert reasons(result) == {name_for(3): NOT_MINE.format("A-2")}
    assert active(person(new_id(2))).org == federation.union_a1a


def test_city_admin_enrols_anywhere(federation, make_persona, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"所属工会编码": "A-2"}),
        member(2, {"所属工会编码": "B-1"}),
    ])
    result = import_as(make_persona("city_admin"), path)
    assert (result.created, result.rejected) == (2, 0)
    assert active(person(new_id(2))).org == federation.union_b1


def test_duplicate_id_within_the_file_names_the_first_row(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1),
        member(2),
        member(3, {"身份证号": new_id(1).lower()}),
    ])
    result = import_as(cadre, path)
    assert (result.created, result.rejected) == (2, 1)
    assert reasons(result) == {name_for(3): "“身份证号”与第2行重复"}
    assert person(new_id(1)).name == name_for(1)


def test_duplicate_across_chunks_is_still_a_duplicate(federation, cadre, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 2)
    monkeypatch.setattr(engine, "FIRST_CHUNK", 2)
    path = write_book(tmp_path / "roll.xlsx", [
        member(1), member(2), member(3), member(4, {"身份证号": new_id(1)}),
    ])
    result = import_as(cadre, path)
    assert (result.created, result.rejected) == (3, 1)
    assert reasons(result) == {name_for(4): "“身份证号”与第2行重复"}


@pytest.mark.parametrize(("header", "value", "expected"), [
    ("民族", "火星族",
     "“民族”无法识别的民族“火星族”，请填写如汉族、蒙古族、回族等，或填写代码（如01、02、03）"),
    ("学历", "幼儿园",
     "“学历”无法识别的学历“幼儿园”，请填写如博士研究生、硕士研究生、大学本科等，"
     "或填写代码（如11、14、21）"),
    ("政治面貌", "无党派x",
     "“政治面貌”无法识别的政治面貌“无党派x”，请填写如中共党员、中共预备党员、共青团员等，"
     "或填写代码（如01、02、03）"),
    ("是否农民工", "不知道", "“是否农民工”应填“是”或“否”"),
    ("转会", "可能", "“转会”应填“是”或“否”"),
    ("手机号", "1381234567", "手机号长度应为11位，实际为10位"),
])
def test_coded_and_yes_no_cells(federation, cadre, tmp_path, header, value, expected):
    path = write_book(tmp_path / "roll.xlsx", [member(1, {header: value})])
    result = import_as(cadre, path)
    assert result.created == 0
    assert only_reason(result) == expected


def test_long_card_number_typed_as_a_number_is_rejected(federation, cadre, tmp_path):
    card = "6217000011112222333"  # 19 digits, as on a bank co-branded 会员服务卡
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"会员卡号": Number(int(card))})])
    result = import_as(cadre, path)
    stored = Membership.objects.filter(person__id_number=new_id(1)).values_list(
        "card_number", flat=True)
    assert list(stored) in ([], [card])  # never a different number
    assert result.created == 0
    assert "文本" in only_reason(result)


def test_coded_cells_accept_codes_and_short_forms(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"民族": "汉", "学历": "21", "政治面貌": "党员", "是否农民工": "否"}),
        member(2, {"民族": Number(3), "学历": "大学本科", "政治面貌": "中共党员"}),
    ])
    result = import_as(cadre, path)
    assert result.rejected == 0, rejected(result)
    first, second = person(new_id(1)), person(new_id(2))
    assert (first.ethnicity, first.education, first.political_status) == ("01", "21", "01")
    assert (second.ethnicity, second.education, second.political_status) == ("03", "21", "01")


# --- people already on record ----------------------------------------------------------------


def test_existing_person_in_the_same_union_is_updated_not_duplicated(federation, cadre,
                                                                      tmp_path):
    first = write_book(tmp_path / "first.xlsx", [
        member(1, {"手机号": "13800001111", "民族": "回族", "学历": "本科", "工作单位": "某某商店",
                   "是否农民工": "是"}),
    ])
    assert import_as(cadre, first).created == 1
    persons, memberships = Person.objects.count(), Membership.objects.count()

    again = write_book(tmp_path / "again.xlsx", [
        member(1, {"手机号": "13900002222"}),  # every other optional cell left empty
    ])
    result = import_as(cadre, again)

    assert (result.created, result.updated, result.rejected) == (0, 1, 0)
    assert Person.objects.count() == persons
    assert Membership.objects.count() == memberships
    p = person(new_id(1))
    assert p.mobile == "13900002222"
    # Empty cells never erase what is on record.
    assert (p.ethnicity, p.education) == ("03", "21")
    assert p.employer_name == "某某商店"
    assert p.is_migrant is True
    assert active(p).org == federation.union_a1


def test_existing_person_with_another_name_is_rejected(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"姓名": "冒名者", "身份证号": federation.person_a.id_number}),
    ])
    result = import_as(cadre, path)
    assert (result.created, result.updated) == (0, 0)
    assert only_reason(result) == "“姓名”与系统中该身份证号登记的姓名不一致"
    assert person(federation.person_a.id_number).name == federation.person_a.name


def test_active_member_elsewhere_without_transfer_is_rejected(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"姓名": federation.person_a.name, "身份证号": federation.person_a.id_number,
                   "所属工会编码": "A-2", "转会": "否"}),
    ])
    result = import_as(cadre, path)
    assert only_reason(result) == "该人员已在其他工会有有效会籍；如需转入，请在“转会”列填“是”"
    assert active(federation.person_a).org == federation.union_a1
    assert Membership.objects.filter(person=federation.person_a).count() == 1


def test_transfer_row_moves_the_member(federation, cadre, tmp_path):
    p = federation.person_a
    old = federation.member_a
    stamps = (p.updated_at, old.updated_at)
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"姓名": p.name, "身份证号": p.id_number, "所属工会编码": "A-2",
                   "入会日期": "2024-06-01", "转会": "是"}),
    ])
    result = import_as(cadre, path)

    assert (result.created, result.updated, result.rejected) == (0, 1, 0)
    old.refresh_from_db()
    # Both rows say when they last changed (list pages sort and sync by it).
    assert old.updated_at > stamps[1]
    assert old.status == MembershipStatus.TRANSFERRED
    assert old.ended_on == datetime.date(2024, 6, 1)
    assert old.org == federation.union_a1
    new = active(p)
    assert new.pk != old.pk
    assert new.org == federation.union_a2
    assert new.org_path == federation.union_a2.path
    assert new.joined_by == JoinedBy.TRANSFER
    assert new.enrolled_on == datetime.date(2024, 6, 1)
    p.refresh_from_db()
    assert p.updated_at > stamps[0]
    assert p.org == federation.union_a2
    assert p.org_path == federation.union_a2.path
    assert Membership.objects.filter(person=p, status=MembershipStatus.ACTIVE).count() == 1
    assert Membership.objects.filter(person=p).count() == 2


def test_transfer_dated_before_the_old_enrolment_is_rejected(federation, cadre, tmp_path):
    p = federation.person_a  # enrolled 2018-03-01
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"姓名": p.name, "身份证号": p.id_number, "所属工会编码": "A-2",
                   "入会日期": "2017-01-01", "转会": "是"}),
    ])
    result = import_as(cadre, path)
    assert only_reason(result) == "“入会日期”（转入日期）须晚于原会籍的入会日期"
    assert active(p).org == federation.union_a1


# --- employers ---------------------------------------------------------------------------------


def test_employer_in_scope_is_linked_and_others_kept_as_typed(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"工作单位": federation.enterprise_a.name}),
        member(2, {"工作单位": "不在册的小饭店"}),
        member(3, {"工作单位": federation.enterprise_b.name}),  # town B's: not the cadre's
    ])
    result = import_as(cadre, path)
    assert result.created == 3
    linked = person(new_id(1))
    assert linked.employer == federation.enterprise_a
    assert linked.employer_name == ""
    typed = person(new_id(2))
    assert typed.employer is None
    assert typed.employer_name == "不在册的小饭店"
    other = person(new_id(3))
    assert other.employer is None
    assert other.employer_name == federation.enterprise_b.name


# --- headers -----------------------------------------------------------------------------------


def test_headers_in_any_order_under_a_title_with_an_unknown_column(federation, cadre, tmp_path):
    headers = ("入会日期", "备注", "所属工会编码", "身份证号", "姓名", "手机号")
    path = write_book(
        tmp_path / "roll.xlsx",
        [["2021-03-04", "随便写", "A-2", new_id(1), "赵六", "13700001234"]],
        headers,
        above=("会员花名册导入模板", "填表说明：……"),
    )
    result = import_as(cadre, path)
    assert (result.created, result.rejected) == (1, 0)
    assert "未识别的列“备注”已忽略" in result.warnings
    p = person(new_id(1))
    assert (p.name, p.mobile) == ("赵六", "13700001234")
    assert active(p).enrolled_on == datetime.date(2021, 3, 4)
    assert active(p).org == federation.union_a2


def test_missing_required_column_refuses_the_file(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [["张三", new_id(1), "A-1"]],
                      ("姓名", "身份证号", "所属工会编码"))
    with pytest.raises(ImportRejected) as caught:
        import_as(cadre, path)
    assert caught.value.message == "缺少必填列：入会日期"
    assert not Person.objects.filter(id_number=new_id(1)).exists()


# --- all or nothing, the error workbook, blank rows --------------------------------------------


def test_all_or_nothing_with_one_bad_row_writes_nothing(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1), member(2), member(3, {"所属工会编码": "B-1"}), member(4),
    ])
    persons, memberships = Person.objects.count(), Membership.objects.count()
    result = import_as(cadre, path, all_or_nothing=True)
    assert (result.read, result.created, result.updated, result.rejected) == (4, 0, 0, 1)
    assert Person.objects.count() == persons
    assert Membership.objects.count() == memberships
    assert reasons(result) == {name_for(3): NOT_MINE.format("B-1")}
    assert any("未写入任何数据" in w for w in result.warnings)


def test_all_or_nothing_undoes_chunks_already_written(federation, cadre, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 2)
    monkeypatch.setattr(engine, "FIRST_CHUNK", 2)
    path = write_book(tmp_path / "roll.xlsx", [
        member(1), member(2), member(3), member(4), member(5, {"入会日期": "明天"}),
    ])
    persons = Person.objects.count()
    result = import_as(cadre, path, all_or_nothing=True)
    assert (result.read, result.created, result.rejected) == (5, 0, 1)
    assert Person.objects.count() == persons
    assert reasons(result) == {name_for(5): "“入会日期”日期格式无法识别：明天"}


def test_all_or_nothing_with_every_row_good_writes_them(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [member(1), member(2)])
    result = import_as(cadre, path, all_or_nothing=True)
    assert (result.created, result.rejected) == (2, 0)
    assert Person.objects.filter(id_number__in=[new_id(1), new_id(2)]).count() == 2


def fix_cell(path: Path, ref: str, text: str) -> None:
    """Type `text` into one cell of the first sheet, keeping everything else (a cadre's edit)."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    pattern = re.compile(rf'<c r="{ref}"([^>]*?)(?:/>|>.*?</c>)', re.S)
    assert pattern.search(sheet), ref

    def replace(match: re.Match[str]) -> str:
        style = re.search(r'\ss="\d+"', match.group(1))
        return (f'<c r="{ref}"{style.group(0) if style else ""} t="inlineStr">'
                f"<is><t>{text}</t></is></c>")

    parts["xl/worksheets/sheet1.xml"] = pattern.sub(replace, sheet, count=1).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_error_workbook_has_only_rejected_rows_red_cells_and_imports_again(federation, cadre,
                                                                            tmp_path):
    good = new_id(2)
    path = write_book(tmp_path / "roll.xlsx", [
        member(1),
        member(2, {"身份证号": good[:17] + ("0" if good[17] != "0" else "1"),
                   "手机号": "13800002222", "入会日期": datetime.date(2020, 7, 1)}),
        member(3),
        member(4, {"入会日期": None, "所属工会编码": "Z-9"}),
    ])
    result = import_as(cadre, path)
    assert (result.created, result.rejected) == (2, 2)
    errors = result.error_workbook
    assert errors is not None
    assert errors == tmp_path / "roll-errors.xlsx"

    rows = read_rows(errors)
    assert rows[0] == [*HEADERS, ERROR_COLUMN]
    assert [r[0] for r in rows[1:]] == [name_for(2), name_for(4)]
    assert rows[1][HEADERS.index("手机号")] == "13800002222"
    assert rows[1][HEADERS.index("入会日期")] == datetime.date(2020, 7, 1)
    assert rows[1][-1] == f"身份证号校验码错误，应为{good[17]}"
    assert rows[2][-1] == "“入会日期”为必填项；" + NOT_MINE.format("Z-9")
    # The bad cells are red, the good ones are not.
    assert cell_fill(errors, "B2") == RED  # 身份证号 of the first rejected row
    assert cell_fill(errors, "A2") != RED
    assert cell_fill(errors, "C2") != RED
    assert cell_fill(errors, "D3") == RED  # 所属工会编码 Z-9
    assert cell_fill(errors, "E3") == RED  # the empty 入会日期
    assert cell_fill(errors, "A3") != RED

    # The cadre corrects one ID in the error workbook and imports it as it is.
    fix_cell(errors, "B2", good)
    again = import_as(cadre, errors)
    assert (again.read, again.created, again.rejected) == (2, 1, 1)
    fixed = person(good)
    assert fixed.mobile == "13800002222"
    assert active(fixed).enrolled_on == datetime.date(2020, 7, 1)
    # The still-bad row comes back once more, with this round's reason only.
    assert again.error_workbook is not None
    second = read_rows(again.error_workbook)
    assert second[0] == [*HEADERS, ERROR_COLUMN]
    assert [(r[0], r[-1]) for r in second[1:]] == [
        (name_for(4), "“入会日期”为必填项；" + NOT_MINE.format("Z-9"))
    ]


def test_blank_rows_are_skipped_and_row_numbers_stay_excel_rows(federation, cadre, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1),
        None,
        ["", "  ", "", "", "", "", "", "", "", "", "", ""],
        member(2),
        None,
        member(3, {"身份证号": new_id(2)}),
    ])
    result = import_as(cadre, path)
    assert (result.read, result.created, result.rejected) == (3, 2, 1)
    assert reasons(result) == {name_for(3): "“身份证号”与第5行重复"}


# --- a crash half way through ------------------------------------------------------------------


class CrashingImport(MemberImport):
    """Writes the first chunk, then dies half way through writing the second."""

    def __init__(self) -> None:
        self.calls = 0

    def write(self, rows: list[Row], context: ImportContext) -> WriteResult:
        self.calls += 1
        if self.calls == 1:
            return super().write(rows, context)
        super().write(rows[:1], context)
        raise RuntimeError("进程被终止")


def test_an_import_killed_half_way_leaves_nothing_of_the_file(federation, cadre, tmp_path,
                                                                monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 3)
    monkeypatch.setattr(engine, "FIRST_CHUNK", 3)
    p = federation.person_a
    rows = [member(n) for n in range(1, 7)]
    rows[1] = member(2, {"姓名": p.name, "身份证号": p.id_number, "所属工会编码": "A-2",
                         "入会日期": "2024-06-01", "转会": "是"})
    path = write_book(tmp_path / "roll.xlsx", rows)
    persons, memberships = Person.objects.count(), Membership.objects.count()
    spec = CrashingImport()

    with pytest.raises(RuntimeError):
        run_import(spec, path, user=cadre)

    assert spec.calls == 2  # the first chunk was written before the crash
    numbers = [new_id(n) for n in range(1, 7)]
    assert not Person.objects.filter(id_number__in=numbers).exists()
    assert Person.objects.count() == persons
    assert Membership.objects.count() == memberships
    # The transfer in the first chunk is undone too.
    federation.member_a.refresh_from_db()
    assert federation.member_a.status == MembershipStatus.ACTIVE
    assert federation.member_a.ended_on is None
    p.refresh_from_db()
    assert p.org == federation.union_a1
    assert not (tmp_path / "roll-errors.xlsx").exists()


def test_a_crash_between_people_and_memberships_leaves_no_people(federation, cadre, tmp_path,
                                                                 monkeypatch):
    from gonghui.core.imports import bulk

    real = bulk.prepare_insert
    calls = []

    def prepare_then_die(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        if len(calls) == 2:
            raise RuntimeError("进程被终止")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "prepare_insert", prepare_then_die)
    path = write_book(tmp_path / "roll.xlsx", [member(1), member(2)])
    persons = Person.objects.count()
    with pytest.raises(RuntimeError):
        import_as(cadre, path)
    assert calls[0] is Person  # people were given to the writer, then the crash came
    assert Person.objects.count() == persons
    assert not Membership.objects.filter(person__id_number=new_id(1)).exists()


def test_a_failed_write_leaves_nothing_and_no_error_workbook(federation, cadre, tmp_path,
                                                              monkeypatch):
    """The database refuses a batch half way through the file (on SQLite, on the writer's
    thread): the import fails with that error, nothing of the file is kept, and no error
    workbook is left to suggest that the good rows went in."""
    from django.db import DatabaseError

    from gonghui.core.imports import bulk

    monkeypatch.setattr(engine, "CHUNK", 2)
    monkeypatch.setattr(engine, "FIRST_CHUNK", 2)
    batches = []

    def refuse_the_third(table: str) -> None:
        batches.append(table)
        if len(batches) == 3:
            raise DatabaseError("磁盘已满")

    real_write, real_write_batch = bulk.WriteBehind._write, bulk.write_batch

    def write(self: Any, raw: Any, batch: bulk.PreparedInsert) -> None:  # SQLite: the thread
        refuse_the_third(batch.table)
        real_write(self, raw, batch)

    def write_batch(batch: bulk.PreparedInsert) -> None:  # PostgreSQL: at once
        refuse_the_third(batch.table)
        real_write_batch(batch)

    monkeypatch.setattr(bulk.WriteBehind, "_write", write)
    monkeypatch.setattr(bulk, "write_batch", write_batch)
    rows = [member(n) for n in range(1, 6)]
    rows[4] = member(5, {"入会日期": "明天"})
    path = write_book(tmp_path / "roll.xlsx", rows)
    persons, memberships = Person.objects.count(), Membership.objects.count()
    audits = AuditEntry.objects.filter(action=AuditAction.IMPORT).count()

    with pytest.raises(DatabaseError, match="磁盘已满"):
        import_as(cadre, path)

    assert len(batches) >= 3
    assert Person.objects.count() == persons
    assert Membership.objects.count() == memberships
    assert not (tmp_path / "roll-errors.xlsx").exists()
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT).count() == audits


# --- hostile files -----------------------------------------------------------------------------


def test_text_file_renamed_xlsx_is_refused(federation, cadre, tmp_path):
    path = tmp_path / "roll.xlsx"
    path.write_text("姓名,身份证号\n张三,370285199001011234\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        import_as(cadre, path)
    assert caught.value.message == "文件内容不是有效的Excel文件（.xlsx）"
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


def test_formula_in_a_name_comes_back_escaped(federation, cadre, tmp_path):
    formula = '=HYPERLINK("http://x","x")'
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"姓名": formula, "所属工会编码": "Z-9"})])
    result = import_as(cadre, path)
    assert result.created == 0
    [row] = rejected(result)
    assert row["姓名"] == "'" + formula
    # Written as a plain string cell: no formula reaches Excel.
    assert result.error_workbook is not None
    with zipfile.ZipFile(result.error_workbook) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_formula_name_is_not_a_name(federation, cadre, tmp_path):
    """姓名 is as on the ID card: `=HYPERLINK(...)` is refused, not stored as someone's name."""
    formula = '=HYPERLINK("http://x","x")'
    path = write_book(tmp_path / "roll.xlsx", [member(1, {"姓名": formula})])
    result = import_as(cadre, path)
    assert result.created == 0
    assert not Person.objects.filter(id_number=new_id(1)).exists()
    [row] = rejected(result)
    assert row["姓名"] == "'" + formula
    assert row[ERROR_COLUMN].startswith("“姓名”")


# --- issue 12, finding 1: another town's person is requested, never taken -------------------


def test_a_row_for_another_towns_member_becomes_a_request(federation, cadre, tmp_path):
    from gonghui.people.models import TransferRequest, TransferState

    other = federation.person_b
    before = (other.mobile, other.org_id, list(Membership.objects.filter(person=other)
                                              .values_list("org_id", "status")))
    path = write_book(tmp_path / "m.xlsx", [
        member(1, {"姓名": other.name, "身份证号": other.id_number, "手机号": "13600009999",
                   "所属工会编码": "A-2", "入会日期": "2024-06-01", "转会": "是"}),
    ])
    result = import_as(cadre, path)
    assert result.rejected == 0
    other.refresh_from_db()
    assert (other.mobile, other.org_id, list(Membership.objects.filter(person=other)
                                             .values_list("org_id", "status"))) == before
    [request] = TransferRequest.objects.all()
    assert request.state == TransferState.PENDING and request.mobile == "13600009999"
    assert request.release_org == federation.union_b1
    assert any("已提交转会申请" in w for w in result.warnings)


@pytest.mark.parametrize("name_matches", [True, False])
def test_without_the_flag_another_towns_number_reveals_nothing(
    federation, cadre, tmp_path, name_matches
):
    from gonghui.people.actions import TRANSFER_NEEDED

    other = federation.person_b
    actions.leave(person=other, on=datetime.date(2023, 1, 1))  # no active membership either
    before = (other.org_id, other.mobile)
    path = write_book(tmp_path / "m.xlsx", [
        member(1, {"姓名": other.name if name_matches else "冒名者", "身份证号": other.id_number,
                   "所属工会编码": "A-2", "手机号": "13600009999"}),
    ])
    result = import_as(cadre, path)
    assert only_reason(result).startswith(TRANSFER_NEEDED)
    other.refresh_from_db()
    assert (other.org_id, other.mobile) == before
