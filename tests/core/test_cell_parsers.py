"""The import's cell parsers, cell by cell: what a cadre types and what is stored or said."""

import datetime

import pytest

from gonghui.core.imports.spec import CellError, text
from gonghui.core.imports.spec import parse_day as engine_parse_day
from gonghui.orgs.imports import parse_uscc
from gonghui.people.imports import parse_day, parse_id_number, parse_mobile, parse_name


@pytest.mark.parametrize(("cell", "stored"), [
    ("张三", "张三"),
    ("张 三", "张三"),
    ("买买提·艾力", "买买提·艾力"),
    ("买买提•艾力", "买买提·艾力"),
    ("买买提.艾力", "买买提·艾力"),
    ("买买提・艾力", "买买提·艾力"),
    ("李〇", "李〇"),
    ("𠀾明", "𠀾明"),  # a character outside the basic block (CJK extension B)
    ("Anna", "Anna"),
])
def test_names_as_on_the_id_card(cell: str, stored: str) -> None:
    assert parse_name(cell) == stored


@pytest.mark.parametrize("cell", [
    '=HYPERLINK("http://x","x")', "+张三", "@张三", "123", 123.0, "张三1", "张三（退休）",
    "·张三", "张三·", "张··三", "<b>张三</b>",
])
def test_what_is_not_a_name(cell: object) -> None:
    with pytest.raises(CellError) as caught:
        parse_name(cell)
    assert "姓名" in caught.value.message or "汉字" in caught.value.message


@pytest.mark.parametrize("cell", ["张", "张" * 51])
def test_name_length(cell: str) -> None:
    with pytest.raises(CellError, match="2至50"):
        parse_name(cell)


def test_text_keeps_whole_numbers_whole() -> None:
    assert text(12345.0) == "12345"
    assert text(999_999_999_999_999.0) == "999999999999999"  # 15 digits: exact in Excel
    assert text(" A-1 ") == "A-1"


@pytest.mark.parametrize("cell", [6217000011112222333.0, 6217000011112222333, 1e15, -1e16])
def test_text_refuses_numbers_excel_has_rounded(cell: float) -> None:
    with pytest.raises(CellError, match="文本格式"):
        text(cell)


def test_checker_errors_become_cell_errors_with_their_message() -> None:
    with pytest.raises(CellError, match="身份证"):
        parse_id_number("370285199001011234")
    with pytest.raises(CellError, match="手机"):
        parse_mobile("1391234")
    with pytest.raises(CellError):
        parse_day("2018-02-30")
    with pytest.raises(CellError):
        engine_parse_day("明天")
    with pytest.raises(CellError, match="信用代码"):
        parse_uscc("91370285")
    assert parse_day("2018.5.1") == datetime.date(2018, 5, 1)
