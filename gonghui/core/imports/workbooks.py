"""The workbooks the import engine hands back to cadres: the blank template and the error workbook.

conventions.md "Excel": a template has a title row, a 填表说明 row, the Chinese headers,
dropdowns for coded fields (long lists on a hidden sheet) and ID/phone columns formatted as
text. Errors come back as the same workbook with a 错误原因 column and the bad cells red, and
that workbook, once corrected, is imported again as it is.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from gonghui.core.imports.spec import ERROR_COLUMN, ImportColumn, ImportSpec, Row
from gonghui.core.records.exports import safe_text, write_cell
from gonghui.core.tenancy.models import org_model

OPTIONS_SHEET = "选项"
TEMPLATE_HEADER_ROW = 2  # 0-based: title, instructions, headers
EXCEL_LAST_ROW = 1_048_575  # 0-based; validations and text formats reach the sheet's end
INLINE_LIST_LIMIT = 255  # Excel's limit on an inline list, in UTF-16 units
MAX_ROW_HEIGHT = 409  # points, Excel's maximum
LINE_HEIGHT = 15  # points per line of 11-point text

# Headers whose numbers are identifiers: written back as text, or Excel shows 3.70285E+17 and a
# cadre who saves the corrected file loses the last digits for good.
IDENTIFIER_HEADER_WORDS = ("身份证", "证件号", "手机", "电话", "卡号", "账号", "代码")

WORKBOOK_OPTIONS: dict[str, Any] = {
    # Cells are data, never formulas or links, whatever text a cadre typed.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

BAD_CELL = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}  # Excel's "light red fill"
HEADER = {"bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center", "valign": "vcenter"}


def write_template(
    target: Path | BinaryIO,
    spec: ImportSpec,
    *,
    user: Any = None,
    rows: Iterable[Sequence[Any]] = (),
    title: str = "",
) -> int:
    """Write the import template of `spec` to a path or a binary stream; return the rows written.

    Blank, it is the template a cadre fills in. With `rows` (records' cells in the columns'
    order) it is an export in the template's layout: corrected in Excel, it imports back as
    updates. With `user` it carries a sheet of the organisations that user sees and their
    codes, which the code columns ask for.
    """
    columns = list(spec.columns)
    if not columns:
        raise ValueError(f"import spec {spec.slug!r} has no columns")
    output: str | BinaryIO = str(target) if isinstance(target, Path) else target
    # A file is written a row at a time (an export may hold a million rows); a stream in memory.
    mode = {"constant_memory": True} if isinstance(target, Path) else {"in_memory": True}
    book = xlsxwriter.Workbook(output, {**WORKBOOK_OPTIONS, **mode})
    written = 0
    try:
        title = title or spec.title or "导入模板"
        sheet = book.add_worksheet(_sheet_name(spec.title or "导入模板"))
        last = len(columns) - 1
        widths = [max(column.width, _display_width(column.header) + 2) for column in columns]

        title_format = book.add_format(
            {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        _merged(sheet, 0, last, safe_text(title), title_format)
        sheet.set_row(0, 30)

        instructions = _instructions(spec)
        notes = book.add_format({"text_wrap": True, "valign": "top", "font_color": "#595959"})
        _merged(sheet, 1, last, instructions, notes)
        sheet.set_row(1, _wrapped_height(instructions, sum(widths)))

        header = book.add_format(HEADER)
        required = book.add_format({**HEADER, "font_color": "#FF0000"})
        text = book.add_format({"num_format": "@"})
        for col, column in enumerate(columns):
            # The header text stays exactly `column.header`: the engine matches it verbatim.
            sheet.write_string(
                TEMPLATE_HEADER_ROW, col, column.header, required if column.required else header
            )
            # A column style covers every row, so a cadre's 18-digit ID typed anywhere stays text.
            sheet.set_column(col, col, widths[col], text if column.as_text else None)
        sheet.set_row(TEMPLATE_HEADER_ROW, 22)
        sheet.freeze_panes(TEMPLATE_HEADER_ROW + 1, 0)
        date = book.add_format({"num_format": "yyyy-mm-dd"})
        for number, cells in enumerate(rows, start=TEMPLATE_HEADER_ROW + 1):
            for col, value in enumerate(cells):
                write_cell(sheet, number, col, value, text, date)
            written += 1

        options: Worksheet | None = None
        option_columns = 0
        for col, column in enumerate(columns):
            if not column.choices:
                continue
            choices = [str(choice) for choice in column.choices]
            source: str | list[str]
            if _fits_inline(choices):
                source = choices
            else:
                if options is None:
                    options = book.add_worksheet(OPTIONS_SHEET)
                    options.hide()
                source = _write_options(options, option_columns, column.header, choices)
                option_columns += 1
            sheet.data_validation(
                TEMPLATE_HEADER_ROW + 1,
                col,
                EXCEL_LAST_ROW,
                col,
                {
                    "validate": "list",
                    "source": source,
                    "error_title": "输入值无效",
                    "error_message": f"请从下拉列表中选择“{column.header}”"[:255],
                },
            )
        if user is not None:
            _write_org_sheet(book, user, header)
        sheet.activate()
    finally:
        book.close()
    return written


ORG_SHEET = "组织编码"


def _write_org_sheet(book: xlsxwriter.Workbook, user: Any, header: Format) -> None:
    """The organisations `user` sees, with their codes: what a code column is filled from."""
    model = org_model()
    sheet = book.add_worksheet(ORG_SHEET)
    sheet.write_row(0, 0, ["组织编码", "组织名称", "组织类型", "上级组织"], header)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 3, 16)
    sheet.set_column(3, 3, 36)
    sheet.freeze_panes(1, 0)
    names: dict[str, str] = {}
    orgs = model.objects.visible_to(user).order_by("path")
    for number, org in enumerate(orgs.iterator(chunk_size=2000), start=1):
        names[org.path] = org.name
        kind = org.get_kind_display() if hasattr(org, "get_kind_display") else ""
        parent = names.get(org.path[: -model.steplen], "")
        cells = [getattr(org, "code", ""), org.name, kind, parent]
        for col, value in enumerate(cells):
            sheet.write_string(number, col, safe_text(str(value)))


def _instructions(spec: ImportSpec) -> str:
    lines = ["填表说明："]
    if spec.instructions:
        # The heading is written here once, whether or not the spec's text repeats it.
        lines.append(spec.instructions.strip().removeprefix("填表说明：").removeprefix("填表说明:"))
    first_data, header_row = TEMPLATE_HEADER_ROW + 2, TEMPLATE_HEADER_ROW + 1
    lines.append(
        f"请从第{first_data}行起每行填写一条记录，不要修改第{header_row}行的表头；"
        "表头为红色的列为必填项。"
    )
    for column in spec.columns:
        detail = _column_detail(column)
        if detail:
            lines.append(f"· {column.header}：{detail}")
    return "\n".join(lines)


def _column_detail(column: ImportColumn) -> str:
    parts = []
    if column.required:
        parts.append("必填")
    if column.note:
        parts.append(column.note.strip())
    if column.choices:
        parts.append("从下拉列表中选择")
    return "，".join(parts)


def _merged(sheet: Worksheet, row: int, last_col: int, value: str, cell_format: Format) -> None:
    if last_col > 0:
        sheet.merge_range(row, 0, row, last_col, value, cell_format)
    else:  # XlsxWriter refuses to merge a single cell
        sheet.write_string(row, 0, value, cell_format)


def _display_width(value: str) -> int:
    """Width in Excel character units: a Chinese character is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def _wrapped_height(value: str, width: int) -> float:
    """A row height that shows all of `value` wrapped within `width` characters."""
    width = max(width, 10)
    lines = sum(max(1, -(-_display_width(line) // width)) for line in value.split("\n"))
    return float(min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 6))


def _fits_inline(choices: Sequence[str]) -> bool:
    # An inline list is split on commas and wrapped in quotes: such choices need a range.
    if any("," in choice or '"' in choice for choice in choices):
        return False
    joined = ",".join(choices)
    return len(joined.encode("utf-16-le")) // 2 <= INLINE_LIST_LIMIT


def _write_options(options: Worksheet, col: int, header: str, choices: list[str]) -> str:
    """Put one column's choices on the hidden sheet; return the range formula to them."""
    options.write_string(0, col, header)
    for row, choice in enumerate(choices, start=1):
        options.write_string(row, col, choice)
    letter = xl_col_to_name(col)
    return f"='{OPTIONS_SHEET}'!${letter}$2:${letter}${len(choices) + 1}"


def _sheet_name(title: str) -> str:
    """A legal sheet name: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'")
    return cleaned[:31] or "导入模板"


def is_identifier_header(header: str) -> bool:
    return any(word in header for word in IDENTIFIER_HEADER_WORDS)


class _ErrorFormats:
    """The error workbook's cell formats, made once each (XlsxWriter keeps every format)."""

    NUM_FORMATS = {
        "text": "@",
        "date": "yyyy-mm-dd",
        "datetime": "yyyy-mm-dd hh:mm:ss",
        "time": "hh:mm:ss",
        "duration": "[h]:mm:ss",
    }

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.cache: dict[tuple[str, bool], Format | None] = {}

    def get(self, kind: str, bad: bool) -> Format | None:
        key = (kind, bad)
        if key not in self.cache:
            properties: dict[str, Any] = dict(BAD_CELL) if bad else {}
            if kind in self.NUM_FORMATS:
                properties["num_format"] = self.NUM_FORMATS[kind]
            self.cache[key] = self.book.add_format(properties) if properties else None
        return self.cache[key]


def write_error_workbook(target: Path, headers: list[str], rows: list[Row]) -> None:
    """Write the rejected rows as uploaded, a 错误原因 column, and the bad cells filled red.

    Rows are written in order in `constant_memory` mode, so a file with 100,000 bad rows costs
    one row of memory here. Headers stay in row 1, where `match_headers` finds them again.
    """
    headers = list(headers)
    if ERROR_COLUMN in headers:  # a corrected error workbook that failed again
        reason_col = headers.index(ERROR_COLUMN)
        out_headers = headers
    else:
        reason_col = len(headers)
        out_headers = [*headers, ERROR_COLUMN]
    positions: dict[str, list[int]] = {}
    for col, header in enumerate(headers):
        positions.setdefault(header, []).append(col)
    identifiers = {col for col, header in enumerate(headers) if is_identifier_header(header)}

    book = xlsxwriter.Workbook(
        str(target), {**WORKBOOK_OPTIONS, "constant_memory": True, "remove_timezone": True}
    )
    try:
        sheet = book.add_worksheet("错误数据")
        formats = _ErrorFormats(book)
        header_format = book.add_format(HEADER)
        reason_format = book.add_format({"font_color": "#9C0006"})
        for col, header in enumerate(out_headers):
            width = 60 if col == reason_col else min(40, max(10, _display_width(header) + 4))
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, safe_text(header), header_format)
        sheet.freeze_panes(1, 0)

        for index, row in enumerate(rows, start=1):
            bad = {col for header, _ in row.errors if header for col in positions.get(header, ())}
            for col in range(len(headers)):
                if col == reason_col:
                    continue  # the previous round's reasons give way to this round's
                value = row.raw[col] if col < len(row.raw) else None
                _write_raw(sheet, index, col, value, formats, col in identifiers, col in bad)
            reasons = "；".join(reason for _, reason in row.errors)
            sheet.write_string(index, reason_col, safe_text(reasons), reason_format)
    finally:
        book.close()


def _write_raw(
    sheet: Worksheet,
    row: int,
    col: int,
    value: Any,
    formats: _ErrorFormats,
    identifier: bool,
    bad: bool,
) -> None:
    """Write a cell as it was read, so the corrected workbook reads back the same."""
    if value is None or value == "":
        if bad:  # an empty required cell: the red fill shows where to type
            sheet.write_blank(row, col, None, formats.get("text" if identifier else "", True))
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, formats.get("", bad))
    elif isinstance(value, int | float):
        if identifier:
            digits = str(int(value)) if float(value).is_integer() else str(value)
            sheet.write_string(row, col, digits, formats.get("text", bad))
        else:
            sheet.write_number(row, col, value, formats.get("", bad))
    elif isinstance(value, datetime.datetime):
        if value.year < 1900:  # before Excel's epoch: a serial would be nonsense
            sheet.write_string(row, col, value.isoformat(sep=" "), formats.get("text", bad))
        else:
            # The time is shown only when there is one (calamine reads a whole-day serial
            # back as a `date` whatever the format, so nothing is kept by showing 00:00:00).
            kind = "date" if value.time() == datetime.time() else "datetime"
            sheet.write_datetime(row, col, value, formats.get(kind, bad))
    elif isinstance(value, datetime.date):
        if value.year < 1900:
            sheet.write_string(row, col, value.isoformat(), formats.get("text", bad))
        else:
            as_datetime = datetime.datetime.combine(value, datetime.time())
            sheet.write_datetime(row, col, as_datetime, formats.get("date", bad))
    elif isinstance(value, datetime.time):
        sheet.write_datetime(row, col, value, formats.get("time", bad))
    elif isinstance(value, datetime.timedelta):
        sheet.write_datetime(row, col, value, formats.get("duration", bad))
    else:
        kind = "text" if identifier else ""
        sheet.write_string(row, col, safe_text(str(value)), formats.get(kind, bad))
