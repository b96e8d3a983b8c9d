"""Large sheets are read in windows (`core.uploads`): the rows must be exactly the whole read's.

Every test here shrinks the thresholds so that a small workbook is cut into many windows, and
compares the rows with those of one calamine read of the whole sheet.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from gonghui.core.imports import uploads
from gonghui.core.imports.spec import ImportRejected


def read(path: Path, *, windows: bool, size: int = 3) -> tuple[int, list[list[Any]]]:
    """(total, rows) as open_sheet gives them, the trailing empty cells of each row dropped."""
    patch = pytest.MonkeyPatch()
    patch.setattr(uploads, "WINDOW_MIN_BYTES", 0 if windows else 10**12)
    patch.setattr(uploads, "WINDOW_ROWS", size)
    patch.setattr(uploads, "FIRST_WINDOW_ROWS", 1)
    try:
        total, rows = uploads.open_sheet(path, "xlsx")
        out = []
        for row in rows:
            cells = list(row)
            while cells and cells[-1] == "":
                cells.pop()
            out.append(cells)
        return total, out
    finally:
        patch.undo()


def odd_workbook(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    hidden = book.add_worksheet("隐藏")
    hidden.write(0, 0, "not this one")
    hidden.hide()
    sheet = book.add_worksheet("名单")
    sheet.write_row(3, 2, ["姓名", "身份证号", "入会日期"])  # starts at row 4, column C
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for i in range(5, 90):
        if i % 7 == 0 or 40 <= i < 52:
            continue  # single gaps, and a gap longer than a window
        if i % 11 == 0:
            sheet.write(i, 6, "far right")
        elif i % 13 == 0:
            sheet.write(i, 3, 42.5)
        else:
            sheet.write_row(i, 2, [f"人{i}", f"{i:018d}"])
            sheet.write_datetime(i, 4, datetime.datetime(2020, 1, 1 + i % 28), day)
    sheet.write_boolean(95, 2, True)
    sheet.merge_range(97, 2, 97, 4, "合并")
    sheet.activate()
    book.close()
    return path


def test_windows_give_the_rows_of_a_whole_read(tmp_path: Path) -> None:
    path = odd_workbook(tmp_path / "odd.xlsx")
    whole = read(path, windows=False)
    assert whole[1][3][2:5] == ["姓名", "身份证号", "入会日期"]
    for size in (1, 2, 3, 7, 50, 1000):
        assert read(path, windows=True, size=size) == whole, size


def test_only_a_large_sheet_is_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = odd_workbook(tmp_path / "odd.xlsx")
    with CalamineWorkbook.from_path(str(path)) as book:
        assert uploads._large_sheet_part(path, book, 1) is None  # far under WINDOW_MIN_BYTES
        monkeypatch.setattr(uploads, "WINDOW_MIN_BYTES", 0)
        assert uploads._large_sheet_part(path, book, 1) == "xl/worksheets/sheet2.xml"


def rewrite_sheet(path: Path, target: Path, change: Any) -> Path:
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = change(data)
            out.writestr(info, data)
    return target


def test_prefixed_markup_is_cut_the_same_way(tmp_path: Path) -> None:
    """Some generators write <x:row> under xmlns:x rather than a default namespace."""
    path = odd_workbook(tmp_path / "odd.xlsx")

    def prefix(xml: bytes) -> bytes:
        xml = re.sub(rb"<(/?)([A-Za-z])", rb"<\1x:\2", xml)
        return xml.replace(b'x:worksheet xmlns="', b'x:worksheet xmlns:x="', 1)

    prefixed = rewrite_sheet(path, tmp_path / "prefixed.xlsx", prefix)
    whole = read(prefixed, windows=False)
    assert whole == read(path, windows=False)
    assert read(prefixed, windows=True, size=2) == whole


def test_cdata_in_sheet_data_is_refused_when_cutting(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "plain.xlsx"))
    sheet = book.add_worksheet()
    for i in range(10):
        sheet.write_string(i, 0, f"row{i}")
    book.close()

    def cdata(xml: bytes) -> bytes:
        return xml.replace(b"<v>", b"<v><![CDATA[", 1).replace(b"</v>", b"]]></v>", 1)

    path = rewrite_sheet(tmp_path / "plain.xlsx", tmp_path / "cdata.xlsx", cdata)
    with pytest.raises(ImportRejected) as caught:
        read(path, windows=True)
    assert "CDATA" in caught.value.message


def test_window_files_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real = uploads.tempfile.TemporaryDirectory

    def tracked(*args: Any, **kwargs: Any) -> Any:
        folder = real(*args, **kwargs)
        made.append(folder.name)
        return folder

    monkeypatch.setattr(uploads.tempfile, "TemporaryDirectory", tracked)
    read(odd_workbook(tmp_path / "odd.xlsx"), windows=True)
    assert made
    assert not any(Path(name).exists() for name in made)
