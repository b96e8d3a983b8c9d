"""Uploads (security.md row 16): size limit, extension and content agree, zip and XML bombs
refused before parsing; then the first sheet read row by row, rows numbered as in Excel.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from gonghui.core.imports import uploads
from gonghui.core.imports.spec import ImportRejected
from gonghui.core.imports.uploads import check_upload, open_sheet

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")


def make_xlsx(path: Path, rows: list[list[Any]], *, first_row: int = 0, first_col: int = 0) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("数据")
    for index, cells in enumerate(rows):
        sheet.write_row(first_row + index, first_col, cells)
    book.close()
    return path


def rewrite_zip(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    """Copy an xlsx, replacing some parts' content (and adding parts not yet there)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.pop(info.filename, old.read(info.filename)))
        for name, data in replace.items():
            new.writestr(name, data)
    return target


def rejected(path: Path, filename: str | None = None) -> str:
    with pytest.raises(ImportRejected) as caught:
        check_upload(path, filename=filename or path.name)
    return caught.value.message


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_xlsx(tmp_path / "roll.xlsx", [["姓名", "身份证号"], ["张三", "110101199003070011"]])


# --- kinds -----------------------------------------------------------------------------------


def test_xlsx_kind(sample: Path) -> None:
    assert check_upload(sample, filename="花名册.XLSX") == "xlsx"


def test_csv_kind(tmp_path: Path) -> None:
    path = tmp_path / "upload.tmp"  # the stored name does not matter, the uploaded one does
    path.write_text("姓名,手机号\n张三,13800138000\n", encoding="utf-8")
    assert check_upload(path, filename="花名册.csv") == "csv"


def test_xls_kind_by_magic_and_unreadable_xls_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(OLE2 + bytes(range(256)) * 8)
    assert check_upload(path, filename=path.name) == "xls"
    # Not a real workbook inside the OLE2 container: calamine's error becomes a refusal.
    with pytest.raises(ImportRejected) as caught:
        _total, rows = open_sheet(path, "xls")
        list(rows)
    assert caught.value.message.startswith("文件无法读取：")


# --- extension and content -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["roll.txt", "roll.xlsm", "roll.docx", "roll"])
def test_other_extensions_refused(sample: Path, name: str) -> None:
    assert "只能导入 .xlsx、.xls 或 .csv 文件" in rejected(sample, name)


def test_text_renamed_xlsx_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("这是一个文本文件，不是表格\n", encoding="utf-8")
    assert rejected(path) == "文件内容不是有效的Excel文件（.xlsx）"


def test_zip_without_workbook_renamed_xlsx_refused(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert rejected(path) == "文件内容不是有效的Excel文件（.xlsx）"


def test_xlsx_renamed_xls_refused(sample: Path) -> None:
    assert rejected(sample, "roll.xls").startswith("文件内容不是有效的Excel文件（.xls）")


def test_xlsx_renamed_csv_refused(sample: Path) -> None:
    assert rejected(sample, "roll.csv").startswith("文件内容不是有效的CSV文本文件（.csv）")


def test_binary_csv_refused(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_bytes("姓名,手机号\n".encode("utf-16"))  # NUL bytes: not CSV text we can read
    assert rejected(path).startswith("文件内容不是有效的CSV文本文件（.csv）")


def test_undecodable_csv_refused(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_bytes(b"name\n" + bytes([0xFF, 0x80, 0xFF, 0x80]) * 10)
    assert "编码无法识别" in rejected(path)


def test_encrypted_xlsx_refused(tmp_path: Path) -> None:
    # Excel's encrypted .xlsx: an OLE2 container with an "EncryptedPackage" stream.
    path = tmp_path / "secret.xlsx"
    path.write_bytes(OLE2 + bytes(1000) + "EncryptedPackage".encode("utf-16-le") + bytes(1000))
    assert rejected(path) == "文件已加密，请取消密码后再导入"


def test_xls_renamed_xlsx_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(OLE2 + bytes(4000))
    message = rejected(path)
    assert message.startswith("文件内容不是有效的Excel文件（.xlsx）")
    assert ".xls" in message.removeprefix("文件内容不是有效的Excel文件（.xlsx）")


def test_empty_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "空" in rejected(path)


def test_oversized_file_refused(sample: Path, settings: Any) -> None:
    settings.GONGHUI_MAX_UPLOAD_BYTES = sample.stat().st_size - 1
    assert rejected(sample).startswith("文件过大")
    settings.GONGHUI_MAX_UPLOAD_BYTES = sample.stat().st_size
    assert check_upload(sample, filename=sample.name) == "xlsx"


def test_default_limit_is_300_mb(settings: Any) -> None:
    del settings.GONGHUI_MAX_UPLOAD_BYTES
    assert uploads.max_upload_bytes() == 300 * 1024 * 1024


# --- zip and XML bombs -----------------------------------------------------------------------


def test_too_many_entries_refused_before_parsing(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "many.xlsx"
    path.write_bytes(sample.read_bytes())
    with zipfile.ZipFile(path, "a") as archive:
        for index in range(20_000):
            archive.writestr(f"xl/media/p{index}.txt", b"")

    def no_parsing(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the zip directory was parsed")

    # Refused from the end record's count: zipfile never builds 20,000 entries, calamine never runs.
    monkeypatch.setattr(uploads.zipfile, "ZipFile", no_parsing)
    monkeypatch.setattr(uploads, "CalamineWorkbook", None)
    assert "压缩包内文件过多" in rejected(path)


def test_zip_bomb_entry_refused(sample: Path, tmp_path: Path) -> None:
    path = rewrite_zip(sample, tmp_path / "bomb.xlsx", {"xl/media/zeros.bin": bytes(50 * 2**20)})
    assert path.stat().st_size < 1024 * 1024  # 50 MB of zeros deflates to ~50 KB
    assert "压缩比异常" in rejected(path)


def test_highly_compressible_small_part_is_fine(sample: Path, tmp_path: Path) -> None:
    path = rewrite_zip(sample, tmp_path / "small.xlsx", {"xl/media/zeros.bin": bytes(2**20)})
    assert check_upload(path, filename=path.name) == "xlsx"


def test_total_uncompressed_size_limit(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads, "MAX_UNCOMPRESSED_BYTES", 200_000)
    path = rewrite_zip(
        sample, tmp_path / "big.xlsx", {"xl/media/noise.bin": bytes(range(256)) * 1000}
    )
    assert "解压后超过" in rejected(path)


def _set_declared_size(path: Path, name: str, size: int) -> None:
    """Make the zip lie about one entry's uncompressed size, in both of its headers."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    local = data.find(b"PK\x03\x04")
    while local >= 0 and data[local + 30 : local + 30 + len(encoded)] != encoded:
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central >= 0 and data[central + 46 : central + 46 + len(encoded)] != encoded:
        central = data.find(b"PK\x01\x02", central + 4)
    assert local >= 0 and central >= 0
    struct.pack_into("<L", data, local + 22, size)
    struct.pack_into("<L", data, central + 24, size)
    path.write_bytes(bytes(data))


def test_lying_declared_size_refused_while_inflating(sample: Path, tmp_path: Path) -> None:
    # 20 MB of zeros declared as 1 MB: the declared ratio (~50:1) and size pass, the real don't.
    path = rewrite_zip(sample, tmp_path / "liar.xlsx", {"xl/media/zeros.bin": bytes(20 * 2**20)})
    _set_declared_size(path, "xl/media/zeros.bin", 2**20)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/media/zeros.bin").file_size == 2**20
    assert "实际大小与声明不符" in rejected(path)


def _sheet_with(sample: Path, target: Path, prologue: bytes) -> Path:
    with zipfile.ZipFile(sample) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    declaration, _, body = sheet.partition(b"?>")
    return rewrite_zip(
        sample, target, {"xl/worksheets/sheet1.xml": declaration + b"?>" + prologue + body}
    )


def test_xml_entity_bomb_refused(sample: Path, tmp_path: Path) -> None:
    dtd = (
        b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    path = _sheet_with(sample, tmp_path / "lolz.xlsx", dtd)
    assert "DTD" in rejected(path)


def test_entity_declaration_after_padding_refused(sample: Path, tmp_path: Path) -> None:
    # A declaration pushed past the first 4 KiB by a comment is still found.
    padding = b"<!--" + b" " * 10_000 + b"-->"
    path = _sheet_with(
        sample, tmp_path / "padded.xlsx", padding + b'<!DOCTYPE x [<!ENTITY a "b">]>'
    )
    assert "DTD" in rejected(path)


def test_dtd_in_utf16_part_refused(sample: Path, tmp_path: Path) -> None:
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'
    path = rewrite_zip(
        sample, tmp_path / "utf16.xlsx", {"xl/custom.xml": b"\xff\xfe" + xml.encode("utf-16-le")}
    )
    assert "DTD" in rejected(path)


def test_escaped_markup_in_cell_text_is_fine(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "text.xlsx", [["备注"], ['<!DOCTYPE x [<!ENTITY a "b">]>']])
    assert check_upload(path, filename=path.name) == "xlsx"
    _total, rows = open_sheet(path, "xlsx")
    assert list(rows)[1] == ['<!DOCTYPE x [<!ENTITY a "b">]>']


def test_corrupt_workbook_part_becomes_a_refusal(sample: Path, tmp_path: Path) -> None:
    path = rewrite_zip(sample, tmp_path / "corrupt.xlsx", {"xl/workbook.xml": b"<not-closed"})
    assert check_upload(path, filename=path.name) == "xlsx"
    with pytest.raises(ImportRejected) as caught:
        _total, rows = open_sheet(path, "xlsx")
        list(rows)
    assert caught.value.message.startswith("文件无法读取：")


# --- reading ---------------------------------------------------------------------------------


def test_open_sheet_streams_rows_in_order(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "three.xlsx", [["姓名", "年龄"], ["张三", 30], ["李四", 41]])
    total, rows = open_sheet(path, "xlsx")
    assert total == 3
    assert isinstance(rows, Iterator) and not isinstance(rows, list | tuple)
    assert next(rows) == ["姓名", "年龄"]  # one row at a time, on demand
    assert list(rows) == [["张三", 30.0], ["李四", 41.0]]


def test_rows_keep_excel_numbering_when_the_sheet_starts_lower(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "low.xlsx", [["姓名", "年龄"], ["张三", 30]], first_row=2)
    total, rows = open_sheet(path, "xlsx")
    read = list(rows)
    assert total == 4
    assert len(read) == 4
    assert not any(read[0]) and not any(read[1])  # Excel rows 1 and 2
    assert read[2] == ["姓名", "年龄"]  # Excel row 3
    assert read[3] == ["张三", 30.0]


def test_columns_keep_excel_positions_when_the_sheet_starts_right(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "right.xlsx", [["姓名"], ["张三"]], first_col=2)
    _total, rows = open_sheet(path, "xlsx")
    assert list(rows) == [["", "", "姓名"], ["", "", "张三"]]


def test_hidden_first_sheet_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "hidden.xlsx"
    book = xlsxwriter.Workbook(str(path))
    hidden = book.add_worksheet("选项")
    hidden.write_row(0, 0, ["男", "女"])
    data = book.add_worksheet("数据")
    data.write_row(0, 0, ["姓名"])
    data.activate()
    hidden.hide()
    book.close()
    _total, rows = open_sheet(path, "xlsx")
    assert list(rows) == [["姓名"]]


def test_empty_sheet(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "empty.xlsx", [])
    total, rows = open_sheet(path, "xlsx")
    assert (total, list(rows)) == (0, [])


CSV_TEXT = "姓名,身份证号,手机号\n张三,110101199003070011,13800138000\n“李四”,,\n"
CSV_ROWS = [
    ["姓名", "身份证号", "手机号"],
    ["张三", "110101199003070011", "13800138000"],
    ["“李四”", "", ""],
]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk"])
def test_csv_read_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "roll.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    assert check_upload(path, filename=path.name) == "csv"
    total, rows = open_sheet(path, "csv")
    assert total == 3
    assert list(rows) == CSV_ROWS


def test_gb18030_csv_whose_first_64_kib_are_ascii(tmp_path: Path) -> None:
    lines = [f"{index},13800138000" for index in range(10_000)] + ["张三,13900139000"]
    path = tmp_path / "roll.csv"
    path.write_bytes("\n".join(lines).encode("gb18030"))
    assert path.stat().st_size > 64 * 1024
    assert uploads.csv_encoding(path) == "gb18030"
    _total, rows = open_sheet(path, "csv")
    assert list(rows)[-1] == ["张三", "13900139000"]


def test_csv_quoted_cells_and_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_bytes('姓名,备注\r\n张三,"第一行\n第二行, 含逗号"\r\n'.encode())
    _total, rows = open_sheet(path, "csv")
    assert list(rows) == [["姓名", "备注"], ["张三", "第一行\n第二行, 含逗号"]]


def test_csv_encoding_error_later_in_the_file_is_a_refusal(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    head = "姓名,手机号\n张三,13800138000\n".encode()
    path.write_bytes(head + b"x" * 70_000 + b"\n" + "李四,1\n".encode("gbk"))
    assert check_upload(path, filename=path.name) == "csv"  # judged on its first 64 KiB
    with pytest.raises(ImportRejected) as caught:
        _total, rows = open_sheet(path, "csv")
        list(rows)
    assert caught.value.message.startswith("文件无法读取：")


def test_unknown_kind_is_a_programming_error(sample: Path) -> None:
    with pytest.raises(ValueError):
        open_sheet(sample, "ods")


def test_dtd_marker_split_across_inflated_chunks_is_found() -> None:
    scanner = uploads._DtdScanner()
    scanner.feed(b'<?xml version="1.0"?><!DOC')
    with pytest.raises(ImportRejected):
        scanner.feed(b"TYPE x>")


class _UnpaddedSheet:
    """A sheet as python-calamine before 0.9 yields it: from the used range's first row on."""

    def iter_rows(self) -> Iterator[list[Any]]:
        return iter([["姓名"], ["张三"]])


def test_rows_keep_excel_numbering_with_a_calamine_that_does_not_pad() -> None:
    rows = list(uploads._sheet_rows(_UnpaddedSheet(), 2, 0))  # type: ignore[arg-type]
    assert rows == [[], [], ["姓名"], ["张三"]]


# --- issue 12, finding 2: sparse, far-cell and lying-dimension sheets (security.md row 28) ---


def _sheet_xml(dimension: str | None, cells: list[str], *, no_refs: int = 0) -> bytes:
    """A worksheet part with the given cells (A1 references), optionally a <dimension>, and
    optionally one row of `no_refs` cells that carry no reference at all."""
    rows: dict[int, list[str]] = {}
    for ref in cells:
        number = int("".join(ch for ch in ref if ch.isdigit()))
        rows.setdefault(number, []).append(f'<c r="{ref}" t="inlineStr"><is><t>x</t></is></c>')
    body = "".join(f'<row r="{n}">{"".join(c)}</row>' for n, c in sorted(rows.items()))
    if no_refs:
        body += '<row r="1048576">' + "<c><v>1</v></c>" * no_refs + "</row>"
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{body}</sheetData></worksheet>"
    ).encode()


def _crafted(sample: Path, target: Path, xml: bytes) -> Path:
    return rewrite_zip(sample, target, {"xl/worksheets/sheet1.xml": xml})


def test_far_cell_workbook_refused_before_reading(sample: Path, tmp_path: Path) -> None:
    """The probe's 1.7 KB file: cells A1 and XFD1048576 (the reader would allocate ~550 GB)."""
    xml = _sheet_xml("A1:XFD1048576", ["A1", "XFD1048576"])
    path = _crafted(sample, tmp_path / "far.xlsx", xml)
    assert path.stat().st_size < 8192
    assert "数据区域异常" in rejected(path)


def test_sparse_rows_far_apart_refused(sample: Path, tmp_path: Path) -> None:
    xml = _sheet_xml("A1:Z1048576", ["A1", "Z1048576"])
    assert "数据区域异常" in rejected(_crafted(sample, tmp_path / "sparse.xlsx", xml))


def test_lying_dimension_refused_though_the_cells_are_few(sample: Path, tmp_path: Path) -> None:
    xml = _sheet_xml("A1:XFD1048576", ["A1", "B2"])
    assert "数据区域异常" in rejected(_crafted(sample, tmp_path / "lying.xlsx", xml))


def test_a_modest_dimension_does_not_hide_far_cells(sample: Path, tmp_path: Path) -> None:
    xml = _sheet_xml("A1:B2", ["A1", "XFD1048576"])
    assert "数据区域异常" in rejected(_crafted(sample, tmp_path / "hiding.xlsx", xml))


def test_cells_without_references_are_measured_too(sample: Path, tmp_path: Path) -> None:
    """A row at the bottom with 2,000 unreferenced cells reaches column 2,000 there."""
    xml = _sheet_xml(None, ["A1"], no_refs=2000)
    assert "数据区域异常" in rejected(_crafted(sample, tmp_path / "norefs.xlsx", xml))


def test_an_ordinary_sheet_with_a_true_dimension_is_read(sample: Path, tmp_path: Path) -> None:
    cells = [f"{col}{row}" for row in range(1, 201) for col in "ABCDEFGHIJKL"]
    path = _crafted(sample, tmp_path / "fine.xlsx", _sheet_xml("A1:L200", cells))
    assert check_upload(path, filename="fine.xlsx") == "xlsx"
    _total, rows = open_sheet(path, "xlsx")
    assert sum(1 for _ in rows) == 200
