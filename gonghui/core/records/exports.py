"""Excel export of a record type's table: title row, 序号, frozen header, 合计, injection-safe.

XlsxWriter's `constant_memory` mode writes each row to disk as it goes, so an export of a
million-row roll never holds more than one row in memory.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone

from gonghui.core.records.children import ChildRows
from gonghui.core.records.registry import RecordType
from gonghui.core.records.tables import Column, Table

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Neutralise text Excel or LibreOffice would run as a formula (CSV/formula injection)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def export_title(record: RecordType, scope_org: Any) -> str:
    today = timezone.localdate()
    owner = scope_org.name if scope_org is not None else ""
    return f"{owner}{record.label_plural}（截至{today.year}年{today.month}月）"


def export_filename(record: RecordType, scope_org: Any) -> str:
    return f"{export_title(record, scope_org)}.xlsx"


def write_xlsx(
    record: RecordType, queryset: QuerySet[Any], *, scope_org: Any, reveal: bool
) -> tuple[Path, int]:
    """Write the export to a temporary file; return its path and the number of data rows."""
    descriptor, name = tempfile.mkstemp(prefix="gonghui-export-", suffix=".xlsx")
    os.close(descriptor)  # XlsxWriter opens the file by name
    path = Path(name)
    columns = record.table.columns
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    try:
        sheet = book.add_worksheet(record.label_plural[:31])
        title = book.add_format({"bold": True, "font_size": 16, "align": "center"})
        header = book.add_format(
            {
                "bold": True,
                "bg_color": "#D9E1F2",
                "border": 1,
                "align": "center",
                "valign": "vcenter",
            }
        )
        text = book.add_format({"num_format": "@"})
        date = book.add_format({"num_format": "yyyy-mm-dd"})
        bold = book.add_format({"bold": True})

        width = len(columns) + 1
        # The title holds an organisation's name, which its cadres typed: neutralised too.
        sheet.merge_range(0, 0, 0, width - 1, safe_text(export_title(record, scope_org)), title)
        sheet.write_row(1, 0, ["序号", *[c.label for c in columns]], header)
        sheet.freeze_panes(2, 0)
        sheet.set_column(0, 0, 6)
        sheet.set_column(1, width - 1, 18)

        row = 2
        count = 0
        for obj in queryset.iterator(chunk_size=2000):
            count += 1
            sheet.write_number(row, 0, count)
            for col, column in enumerate(columns, start=1):
                write_cell(sheet, row, col, column.value(obj, reveal=reveal), text, date)
            row += 1

        totals = record.table.totals(queryset)
        if totals:
            sheet.write_string(row, 0, "合计", bold)
            for col, column in enumerate(columns, start=1):
                if column.name in totals:
                    sheet.write_number(row, col, totals[column.name], bold)

        # Child rows of the exported records, a sheet per child type: the same filter, so the
        # rows are exactly those of the records on the first sheet.
        for child in record.children:
            if child.exported:
                _write_child_sheet(book, record, child, queryset, reveal, (header, text, date))
    finally:
        book.close()
    return path, count


def _write_child_sheet(
    book: Any,
    record: RecordType,
    child: ChildRows,
    parents: QuerySet[Any],
    reveal: bool,
    formats: tuple[Any, Any, Any],
) -> None:
    header, text, date = formats
    columns = child.table.columns
    sheet = book.add_worksheet(child.label_plural[:31])
    sheet.write_row(0, 0, ["序号", record.label, *[c.label for c in columns]], header)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, len(columns) + 1, 18)
    for number, obj in enumerate(child.rows_of_all(parents).iterator(chunk_size=2000), start=1):
        sheet.write_number(number, 0, number)
        parent = getattr(obj, child.parent_field)
        sheet.write_string(number, 1, safe_text(str(parent)), text)
        for col, column in enumerate(columns, start=2):
            write_cell(sheet, number, col, column.value(obj, reveal=reveal), text, date)


def write_cell(sheet: Any, row: int, col: int, value: Any, text: Any, date: Any) -> None:
    if isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否")
    elif isinstance(value, int | Decimal):
        sheet.write_number(row, col, value)
    elif isinstance(value, datetime.datetime):
        sheet.write_string(row, col, timezone.localtime(value).strftime("%Y-%m-%d %H:%M"))
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, col, datetime.datetime.combine(value, datetime.time()), date)
    else:
        # Everything else is text, written as text: an ID number must not become 3.7E+17.
        sheet.write_string(row, col, safe_text(str(value)), text)


def import_layout_columns(record: RecordType) -> list[tuple[Any, Column | None]]:
    """(import column, the table column it is read through, if a field path) of a record type
    whose import spec can be exported in its own layout."""
    spec = record.import_spec
    if spec is None or not spec.exportable:
        return []
    return [
        (c, Table(record.model, [c.export]).columns[0] if isinstance(c.export, str) else None)
        for c in spec.columns
    ]


def import_layout_needs_reveal(record: RecordType) -> bool:
    """Whether the layout holds a masked column (ID number, phone): re-importable only whole."""
    return any(col is not None and col.sensitive for _c, col in import_layout_columns(record))


def write_import_layout(
    record: RecordType, queryset: QuerySet[Any], *, user: Any, scope_org: Any, reveal: bool
) -> tuple[Path, int]:
    """The records in the import template's layout (same title row, 填表说明, headers, dropdowns
    and the 组织编码 sheet): corrected in Excel, the file imports back as updates."""
    from gonghui.core.imports.workbooks import write_template

    spec = record.import_spec
    assert spec is not None
    columns = import_layout_columns(record)
    related = sorted({p for _c, col in columns if col is not None and (p := col.related_path)})

    def cells(obj: Any) -> list[Any]:
        out: list[Any] = []
        for column, through in columns:
            if through is not None:
                out.append(through.value(obj, reveal=reveal))
            elif callable(column.export):
                out.append(column.export(obj))
            else:
                out.append("")
        return out

    rows = spec.export_queryset(queryset.select_related(*related))
    descriptor, name = tempfile.mkstemp(prefix="gonghui-export-", suffix=".xlsx")
    os.close(descriptor)
    path = Path(name)
    count = write_template(
        path, spec, user=user, title=export_title(record, scope_org),
        rows=(cells(obj) for obj in rows.iterator(chunk_size=2000)),
    )
    return path, count
