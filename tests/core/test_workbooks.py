"""The template a cadre downloads and the error workbook they get back (conventions.md "Excel").

Templates: title, 填表说明, the exact headers, text-formatted ID columns, dropdowns (long lists on
a hidden 选项 sheet). Error workbooks: the rejected rows as uploaded, 错误原因, bad cells red,
formula-safe text, and importable again as they are.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from python_calamine import CalamineWorkbook

from gonghui.core.imports.engine import match_headers, parse_row
from gonghui.core.imports.spec import ERROR_COLUMN, ImportColumn, ImportContext, ImportSpec, Row
from gonghui.core.imports.uploads import check_upload, open_sheet
from gonghui.core.imports.workbooks import write_error_workbook, write_template

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
NATIONS = [f"民族选项{index:02d}" for index in range(56)]  # joined: far over 255 characters


class MemberSpec(ImportSpec):
    slug = "members"
    title = "会员花名册导入模板"
    instructions = "每位会员填写一行。"
    columns = (
        ImportColumn("姓名", "name", required=True),
        ImportColumn("身份证号", "id_number", required=True, as_text=True, width=22, note="18位"),
        ImportColumn("性别", "sex", choices=("男", "女")),
        ImportColumn("民族", "nation", choices=NATIONS),
    )


def read_sheets(source: Path | bytes) -> dict[str, list[list[Any]]]:
    data = source if isinstance(source, bytes) else source.read_bytes()
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def part(path: Path, name: str) -> ElementTree.Element:
    with zipfile.ZipFile(path) as archive:
        return ElementTree.fromstring(archive.read(name))


def cell_xf(path: Path, ref: str) -> ElementTree.Element:
    """The cellXfs entry (style) of one cell of the first sheet."""
    sheet = part(path, "xl/worksheets/sheet1.xml")
    cell = sheet.find(f".//m:c[@r='{ref}']", NS)
    assert cell is not None, ref
    xfs = part(path, "xl/styles.xml").findall("m:cellXfs/m:xf", NS)
    return xfs[int(cell.get("s", "0"))]


def number_format(path: Path, xf: ElementTree.Element) -> str:
    """A style's number format code ("@" is text; Excel's built-in 49 or a custom one)."""
    number = xf.get("numFmtId", "0")
    builtin = {"0": "General", "49": "@", "14": "yyyy-mm-dd"}
    if number in builtin:
        return builtin[number]
    custom = part(path, "xl/styles.xml").find(f"m:numFmts/m:numFmt[@numFmtId='{number}']", NS)
    assert custom is not None, number
    return custom.get("formatCode", "")


def fill_colour(path: Path, xf: ElementTree.Element) -> str | None:
    fills = part(path, "xl/styles.xml").findall("m:fills/m:fill", NS)
    colour = fills[int(xf.get("fillId", "0"))].find(".//m:fgColor", NS)
    return None if colour is None else colour.get("rgb")


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "template.xlsx"
    write_template(path, MemberSpec())
    return path


# --- the template ----------------------------------------------------------------------------


def test_template_title_instructions_and_exact_headers(template: Path) -> None:
    rows = read_sheets(template)["会员花名册导入模板"]
    assert rows[0][0] == "会员花名册导入模板"
    instructions = rows[1][0]
    assert instructions.startswith("填表说明：")
    assert instructions.count("填表说明") == 1
    assert "每位会员填写一行。" in instructions
    assert "身份证号：必填，18位" in instructions
    assert "性别：从下拉列表中选择" in instructions
    assert "红色" in instructions and "必填" in instructions
    assert rows[2] == ["姓名", "身份证号", "性别", "民族"]
    assert len(rows) == 3  # no data rows, no stray cells


def test_template_headers_are_found_by_the_engine(template: Path) -> None:
    _total, rows = open_sheet(template, check_upload(template, filename="模板.xlsx"))
    context = ImportContext(user=None)
    layout = match_headers(list(rows), MemberSpec(), context)
    assert layout.header_row == 2
    assert [column.key for _, column in layout.columns] == ["name", "id_number", "sex", "nation"]
    assert context.warnings == []


def test_template_marks_required_headers_red_and_merges_title(template: Path) -> None:
    fonts = part(template, "xl/styles.xml").findall("m:fonts/m:font", NS)

    def colour(ref: str) -> str | None:
        font = fonts[int(cell_xf(template, ref).get("fontId", "0"))]
        element = font.find("m:color", NS)
        return None if element is None else element.get("rgb")

    assert colour("A3") == "FFFF0000"  # 姓名, required
    assert colour("B3") == "FFFF0000"  # 身份证号, required
    assert colour("C3") != "FFFF0000"  # 性别, optional
    merges = [
        m.get("ref")
        for m in part(template, "xl/worksheets/sheet1.xml").iter(f"{{{NS['m']}}}mergeCell")
    ]
    assert merges == ["A1:D1", "A2:D2"]


def test_template_as_text_column_is_text_formatted(template: Path) -> None:
    sheet = part(template, "xl/worksheets/sheet1.xml")
    xfs = part(template, "xl/styles.xml").findall("m:cellXfs/m:xf", NS)
    cols = {int(c.get("min", "0")): c for c in sheet.findall("m:cols/m:col", NS)}
    # Column B (身份证号) carries a text style for every row; column A does not.
    assert number_format(template, xfs[int(cols[2].get("style", "0"))]) == "@"
    assert number_format(template, xfs[int(cols[1].get("style", "0"))]) == "General"
    assert float(cols[2].get("width", "0")) >= 22


def test_template_freezes_below_the_header(template: Path) -> None:
    pane = part(template, "xl/worksheets/sheet1.xml").find(".//m:pane", NS)
    assert pane is not None
    assert pane.get("topLeftCell") == "A4" and pane.get("state") == "frozen"


def test_template_dropdowns_inline_and_on_hidden_sheet(template: Path) -> None:
    sheet = part(template, "xl/worksheets/sheet1.xml")
    validations = {
        v.get("sqref"): v for v in sheet.findall("m:dataValidations/m:dataValidation", NS)
    }
    assert set(validations) == {"C4:C1048576", "D4:D1048576"}
    short = validations["C4:C1048576"]
    assert short.get("type") == "list"
    assert short.findtext("m:formula1", namespaces=NS) == '"男,女"'
    long = validations["D4:D1048576"]
    assert long.get("type") == "list"
    assert long.findtext("m:formula1", namespaces=NS) == "'选项'!$A$2:$A$57"

    workbook = part(template, "xl/workbook.xml")
    sheets = {s.get("name"): s.get("state") for s in workbook.findall("m:sheets/m:sheet", NS)}
    assert sheets == {"会员花名册导入模板": None, "选项": "hidden"}
    options = read_sheets(template)["选项"]
    assert [row[0] for row in options] == ["民族", *NATIONS]


def test_template_to_a_stream(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    write_template(buffer, MemberSpec())
    assert read_sheets(buffer.getvalue())["会员花名册导入模板"][2][0] == "姓名"


def test_template_with_one_column_and_awkward_title(tmp_path: Path) -> None:
    class Tiny(ImportSpec):
        title = "组织/单位[导入]模板：很长很长很长很长很长很长很长很长很长很长很长"
        columns = (ImportColumn("名称", "name", required=True),)

    path = tmp_path / "tiny.xlsx"
    write_template(path, Tiny())
    (name,) = read_sheets(path)
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\")
    assert read_sheets(path)[name][2] == ["名称"]


# --- the error workbook ----------------------------------------------------------------------

HEADERS = ["姓名", "身份证号", "备注", "人数", "手机号", "出生日期"]


def bad_rows() -> list[Row]:
    return [
        Row(
            number=4,
            raw=["张三", "11010119900307001X", '=HYPERLINK("http://x.test","点我")', 3.0,
                 13800138000.0, datetime.date(1990, 3, 7)],
            errors=[("身份证号", "“身份证号”校验位错误"), (None, "与第9行重复")],
        ),
        Row(
            number=7,
            raw=["", "110101199003070011", "正常备注", 2.5, "13900139000",
                 datetime.datetime(2020, 1, 2, 8, 30)],
            errors=[("姓名", "“姓名”为必填项")],
        ),
    ]  # fmt: skip


@pytest.fixture
def errors(tmp_path: Path) -> Path:
    path = tmp_path / "errors.xlsx"
    write_error_workbook(path, HEADERS, bad_rows())
    return path


def test_error_workbook_headers_raw_cells_and_reasons(errors: Path) -> None:
    (rows,) = read_sheets(errors).values()
    assert rows[0] == [*HEADERS, ERROR_COLUMN]
    assert rows[1] == [
        "张三",
        "11010119900307001X",
        '\'=HYPERLINK("http://x.test","点我")',  # formula injection neutralised
        3.0,
        "13800138000",  # a phone read as a number comes back as its digits, as text
        datetime.date(1990, 3, 7),
        "“身份证号”校验位错误；与第9行重复",
    ]
    assert rows[2] == [
        "",
        "110101199003070011",  # an 18-digit ID read as a string stays identical
        "正常备注",
        2.5,
        "13900139000",
        datetime.datetime(2020, 1, 2, 8, 30),
        "“姓名”为必填项",
    ]


def test_error_workbook_cell_types(errors: Path) -> None:
    sheet = part(errors, "xl/worksheets/sheet1.xml")
    types = {c.get("r"): c.get("t") for c in sheet.iter(f"{{{NS['m']}}}c")}
    assert types["B2"] == "inlineStr" and types["B3"] == "inlineStr"  # IDs are text
    assert types["E2"] == "inlineStr"  # the phone number too
    assert types["C2"] == "inlineStr"  # the formula is text, never <f>
    assert sheet.find(".//m:f", NS) is None
    assert types["D2"] is None  # a number stays a number
    assert number_format(errors, cell_xf(errors, "F2")) == "yyyy-mm-dd"
    assert number_format(errors, cell_xf(errors, "F3")) == "yyyy-mm-dd hh:mm:ss"
    assert number_format(errors, cell_xf(errors, "B2")) == "@"


def test_error_workbook_marks_bad_cells_light_red(errors: Path) -> None:
    with zipfile.ZipFile(errors) as archive:
        assert "FFC7CE" in archive.read("xl/styles.xml").decode()
    assert fill_colour(errors, cell_xf(errors, "B2")) == "FFFFC7CE"  # 身份证号 of row 1
    assert fill_colour(errors, cell_xf(errors, "A3")) == "FFFFC7CE"  # the empty required 姓名
    assert fill_colour(errors, cell_xf(errors, "A2")) != "FFFFC7CE"
    assert fill_colour(errors, cell_xf(errors, "B3")) != "FFFFC7CE"


def test_error_workbook_imports_again_as_it_is(errors: Path) -> None:
    kind = check_upload(errors, filename="errors.xlsx")
    total, rows_in = open_sheet(errors, kind)
    rows = list(rows_in)
    assert total == 3
    spec = MemberSpec()
    context = ImportContext(user=None)
    layout = match_headers(rows, spec, context)
    assert layout.header_row == 0
    assert layout.headers == [*HEADERS, ERROR_COLUMN]
    ignored = ["备注", "人数", "手机号", "出生日期"]  # not MemberSpec's columns; 错误原因 is silent
    assert context.warnings == [f"未识别的列“{header}”已忽略" for header in ignored]
    parsed = parse_row(2, rows[1], layout)
    assert parsed.values["id_number"] == "11010119900307001X"


def test_error_workbook_of_an_error_workbook_reuses_the_reason_column(
    errors: Path, tmp_path: Path
) -> None:
    (rows,) = read_sheets(errors).values()
    headers = [str(cell) for cell in rows[0]]
    again = [Row(number=2, raw=rows[1], errors=[("姓名", "“姓名”不能超过2个字")])]
    path = tmp_path / "again.xlsx"
    write_error_workbook(path, headers, again)
    (reread,) = read_sheets(path).values()
    assert reread[0] == [*HEADERS, ERROR_COLUMN]  # one 错误原因 column, not two
    assert reread[1][-1] == "“姓名”不能超过2个字"  # this round's reason replaces the last
    assert reread[1][0] == "张三"


def test_error_workbook_uses_constant_memory(errors: Path) -> None:
    # constant_memory writes inline strings as it goes, and no shared-strings table.
    with zipfile.ZipFile(errors) as archive:
        assert "xl/sharedStrings.xml" not in archive.namelist()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<c r="A2"[^>]*t="inlineStr"', sheet)


def test_error_workbook_short_raw_row_is_padded(tmp_path: Path) -> None:
    path = tmp_path / "short.xlsx"
    write_error_workbook(
        path, ["姓名", "身份证号"], [Row(3, ["张三"], errors=[("身份证号", "缺")])]
    )
    (rows,) = read_sheets(path).values()
    assert rows == [["姓名", "身份证号", ERROR_COLUMN], ["张三", "", "缺"]]


@pytest.mark.django_db
def test_every_shipped_template_heads_its_instructions_once(tmp_path: Path) -> None:
    from gonghui.core.records.registry import registry

    specs = [record.import_spec for record in registry if record.import_spec is not None]
    assert len(specs) >= 3  # members, orgs, elections
    for spec in specs:
        path = tmp_path / f"{spec.slug}.xlsx"
        write_template(path, spec)
        first_sheet = next(iter(read_sheets(path).values()))
        instructions = first_sheet[1][0]
        assert instructions.count("填表说明") == 1, spec.slug
