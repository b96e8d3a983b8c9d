"""Uploaded spreadsheets: refuse unsafe files before parsing, then read the first sheet as rows.

security.md row 16: a size limit; the extension and the content must agree; an `.xlsx` whose
entry count or uncompressed size is too large is refused before any XML is parsed; XML entity
bombs fail fast. Every refusal is an `ImportRejected` with a Chinese message a cadre can act on.

An `.xlsx` is a zip archive whose headers declare each part's sizes, and a hostile file can lie
in them. So the declared sizes are checked first (cheap, and enough for honest files), and then
every part is inflated once here with its output capped at the declared size, while scanning the
XML for a DTD: calamine only ever sees an archive whose real sizes are the checked ones.
"""

from __future__ import annotations

import codecs
import csv
import logging
import posixpath
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree

from django.conf import settings
from python_calamine import (
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from gonghui.core.imports.spec import ImportRejected

# The reader's own (English) words about a broken file go to the log for the administrator;
# the cadre is told in Chinese only (issue 12, finding 10).
log = logging.getLogger(__name__)

KINDS = {".xlsx": "xlsx", ".xls": "xls", ".csv": "csv"}
DEFAULT_MAX_UPLOAD_BYTES = 300 * 1024 * 1024
SNIFF_BYTES = 64 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# Excel saves a password-protected .xlsx as an OLE2 container holding this stream (UTF-16 name).
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

MAX_ZIP_ENTRIES = 10_000
# A real xlsx entry's central-directory record is under 150 bytes (short part names); 300 per
# entry bounds the directory zipfile loads into memory however the end record's count lies.
MAX_ZIP_DIRECTORY_BYTES = MAX_ZIP_ENTRIES * 300
# A 1,000,000-row sheet is about 0.5 GB of XML; 2 GiB leaves room for wide sheets.
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
# Sheet XML compresses 10-30:1; only a crafted part reaches 200:1 at a size that matters.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 10 * 1024 * 1024
INFLATE_CHUNK = 1024 * 1024
XML_SUFFIXES = (".xml", ".rels", ".vml")
# A spreadsheet part never declares a DTD; one that does is an entity bomb or an XXE attempt.
DTD_MARKERS = ("<!DOCTYPE", "<!ENTITY")

# A worksheet's used range, as calamine will allocate it (a dense grid of every cell between the
# first and the last): refused before reading when it is wider than any roll, or far larger
# than the cells actually present (a sparse or far-cell sheet: A1 and XFD1048576 in 1.7 KB
# would make the reader allocate some 550 GB). Both the sheet's declared <dimension> and the
# cells present are measured; neither is trusted alone.
MAX_SHEET_COLUMNS = 1024
MAX_SHEET_ROWS = 1_048_576  # Excel's own limit
RANGE_CELLS_FLOOR = 4_000_000  # any range up to this is allowed however sparse (~130 MB)
RANGE_SPARSITY = 8  # beyond the floor, the range may hold at most 8 × the cells present
MESSAGE_RANGE = (
    "工作表的数据区域异常（含有远离其他数据的单元格或声明的区域过大），已拒绝导入；"
    "请把数据复制到新建的工作表后再导入"
)

MESSAGE_ENCRYPTED = "文件已加密，请取消密码后再导入"
MESSAGE_BAD_XLSX = "文件内容不是有效的Excel文件（.xlsx）"
MESSAGE_BAD_XLS = "文件内容不是有效的Excel文件（.xls）"
MESSAGE_BAD_CSV = "文件内容不是有效的CSV文本文件（.csv）"
MESSAGE_UNSAFE_XLSX = "文件结构异常（疑似压缩炸弹或恶意构造），已拒绝导入"
MESSAGE_TOO_MANY_ENTRIES = f"{MESSAGE_UNSAFE_XLSX}：压缩包内文件过多（上限 {MAX_ZIP_ENTRIES} 个）"


def max_upload_bytes() -> int:
    return int(getattr(settings, "GONGHUI_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def check_upload(path: Path, *, filename: str) -> str:
    """The file's kind ("xlsx", "xls" or "csv"), or `ImportRejected` if it is unsafe or mislabelled.

    `filename` is the name the user uploaded (the stored `path` may be a temporary name): its
    extension is the claim that the content must back up.
    """
    kind = KINDS.get(Path(filename).suffix.lower())
    if kind is None:
        raise ImportRejected("只能导入 .xlsx、.xls 或 .csv 文件，请使用本系统下载的模板")
    size = path.stat().st_size
    limit = max_upload_bytes()
    if size > limit:
        raise ImportRejected(
            f"文件过大：{_megabytes(size)}，超过上限 {_megabytes(limit)}；请分成几个文件导入"
        )
    if size == 0:
        raise ImportRejected("文件是空的，请检查后重新上传")
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
        if kind == "xlsx":
            _check_xlsx(handle, head, size)
        elif kind == "xls":
            _check_xls(head)
        else:
            _check_csv(path, head)
    return kind


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _check_xls(head: bytes) -> None:
    if head.startswith(OLE2_MAGIC):
        return
    if head.startswith(ZIP_MAGIC):
        raise ImportRejected(f"{MESSAGE_BAD_XLS}：文件实际是 .xlsx 格式，请把扩展名改为 .xlsx")
    raise ImportRejected(MESSAGE_BAD_XLS)


def _check_csv(path: Path, head: bytes) -> None:
    if head.startswith((ZIP_MAGIC, OLE2_MAGIC)):
        raise ImportRejected(
            f"{MESSAGE_BAD_CSV}：文件实际是Excel工作簿，请把扩展名改为 .xlsx 或 .xls"
        )
    if b"\x00" in head:
        # UTF-16 text (Excel's "Unicode 文本") lands here too: csv.reader cannot read it.
        raise ImportRejected(f"{MESSAGE_BAD_CSV}：请在Excel中另存为“CSV UTF-8（逗号分隔）”")
    if csv_encoding(path) is None:
        raise ImportRejected(
            "CSV文件的文字编码无法识别（支持UTF-8与GB18030/GBK）："
            "请在Excel中另存为“CSV UTF-8（逗号分隔）”后再导入"
        )


def csv_encoding(path: Path) -> str | None:
    """The encoding of a CSV file, "utf-8-sig" or "gb18030", judged on 64 KiB; None if neither.

    Pure ASCII decodes as both, so the sample is the first 64 KiB from the first non-ASCII byte
    on: a file whose first thousand rows are digits still has its Chinese names judged. Any
    byte >= 0x80 after ASCII starts a character in both encodings, so the sample is well-formed.
    """
    with path.open("rb") as handle:
        while (sample := handle.read(SNIFF_BYTES)).isascii():
            if len(sample) < SNIFF_BYTES:
                return "utf-8-sig"  # ASCII to the end: either encoding reads it the same
        start = next(i for i, byte in enumerate(sample) if byte >= 0x80)
        if start:
            sample = sample[start:] + handle.read(start)
    complete = len(sample) < SNIFF_BYTES
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # Incremental, so a character cut at the sample's end is not an error.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=complete)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _check_xlsx(handle: BinaryIO, head: bytes, size: int) -> None:
    if head.startswith(OLE2_MAGIC):
        if _contains(handle, ENCRYPTED_PACKAGE):
            raise ImportRejected(MESSAGE_ENCRYPTED)
        raise ImportRejected(
            f"{MESSAGE_BAD_XLSX}：文件实际是旧版 .xls 格式，请把扩展名改为 .xls，"
            "或在Excel中另存为 .xlsx 后再导入"
        )
    if not head.startswith(ZIP_MAGIC):
        raise ImportRejected(MESSAGE_BAD_XLSX)
    # Before zipfile builds one object per directory record: the end record's own figures.
    entries, directory_bytes = _zip_directory_size(handle, size)
    if entries > MAX_ZIP_ENTRIES or directory_bytes > MAX_ZIP_DIRECTORY_BYTES:
        raise ImportRejected(MESSAGE_TOO_MANY_ENTRIES)
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        log.info("unreadable zip: %s", exc)
        raise ImportRejected(f"{MESSAGE_BAD_XLSX}：压缩包已损坏") from exc
    _check_declared_sizes(infos)
    if not any(info.filename == "xl/workbook.xml" for info in infos):
        raise ImportRejected(MESSAGE_BAD_XLSX)
    for info in infos:
        _inflate_and_scan(handle, info)


def _contains(handle: BinaryIO, needle: bytes) -> bool:
    """Whether the file holds `needle`, read in chunks that overlap by the needle's length."""
    handle.seek(0)
    tail = b""
    while chunk := handle.read(INFLATE_CHUNK):
        if needle in tail + chunk:
            return True
        tail = chunk[-len(needle) :]
    return False


def _zip_directory_size(handle: BinaryIO, size: int) -> tuple[int, int]:
    """(entry count, central directory size) as the zip's end record (or zip64 record) declares."""
    end_record = struct.Struct("<4s4H2LH")  # signature ... entries, directory size, offset
    locator = struct.Struct("<4sLQL")  # zip64 end locator: signature, disk, record offset, disks
    record64 = struct.Struct("<4sQ2H2L4Q")
    window = min(size, end_record.size + 0xFFFF + locator.size)  # the comment is at most 64 KiB
    handle.seek(size - window)
    tail = handle.read(window)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < end_record.size:
        raise ImportRejected(MESSAGE_BAD_XLSX)
    fields = end_record.unpack_from(tail, at)
    entries, directory_bytes = fields[4], fields[5]
    if entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:
        found = at - locator.size
        if found >= 0 and tail[found : found + 4] == b"PK\x06\x07":
            offset = locator.unpack_from(tail, found)[2]
            handle.seek(offset)
            raw = handle.read(record64.size)
            if len(raw) == record64.size and raw.startswith(b"PK\x06\x06"):
                values = record64.unpack(raw)
                entries, directory_bytes = values[7], values[8]
    return entries, directory_bytes


def _check_declared_sizes(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ImportRejected(MESSAGE_TOO_MANY_ENTRIES)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ImportRejected(MESSAGE_ENCRYPTED)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ImportRejected(f"{MESSAGE_BAD_XLSX}：不支持的压缩方式")
        total += info.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise ImportRejected(f"{MESSAGE_UNSAFE_XLSX}：解压后超过 2 GB")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise ImportRejected(f"{MESSAGE_UNSAFE_XLSX}：压缩比异常（{info.filename}）")


def _inflate_and_scan(handle: BinaryIO, info: zipfile.ZipInfo) -> None:
    """Inflate one part, refusing it the moment it outgrows its declared size or shows a DTD.

    zipfile's own reader stops at the declared size without noticing more data, and calamine's
    does not stop at all, so the raw deflate stream is read here from the local header on.
    """
    local = struct.Struct("<4s5H3L2H")
    handle.seek(info.header_offset)
    header = handle.read(local.size)
    if len(header) < local.size or not header.startswith(ZIP_MAGIC):
        raise ImportRejected(f"{MESSAGE_BAD_XLSX}：压缩包已损坏")
    fields = local.unpack(header)
    handle.seek(info.header_offset + local.size + fields[9] + fields[10])

    scanner = _DtdScanner() if info.filename.lower().endswith(XML_SUFFIXES) else None
    extent = _RangeScanner() if _is_worksheet(info.filename) else None
    inflater = (
        zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    )
    produced = 0
    remaining = info.compress_size

    def take(data: bytes) -> None:
        nonlocal produced
        produced += len(data)
        if produced > info.file_size:
            raise ImportRejected(f"{MESSAGE_UNSAFE_XLSX}：{info.filename} 的实际大小与声明不符")
        if scanner is not None:
            scanner.feed(data)
        if extent is not None:
            extent.feed(data)

    try:
        while remaining > 0:
            chunk = handle.read(min(INFLATE_CHUNK, remaining))
            if not chunk:
                raise ImportRejected(f"{MESSAGE_BAD_XLSX}：压缩包已损坏")
            remaining -= len(chunk)
            if inflater is None:
                take(chunk)
                continue
            # Output is capped per call so a bomb never materialises more than a chunk at once.
            while chunk:
                take(inflater.decompress(chunk, INFLATE_CHUNK))
                chunk = inflater.unconsumed_tail
        if inflater is not None:
            take(inflater.flush())
    except zlib.error as exc:
        raise ImportRejected(f"{MESSAGE_BAD_XLSX}：压缩包已损坏（{info.filename}）") from exc
    if produced != info.file_size or (inflater is not None and not inflater.eof):
        raise ImportRejected(f"{MESSAGE_BAD_XLSX}：压缩包已损坏（{info.filename}）")
    if extent is not None:
        extent.finish()


def _is_worksheet(name: str) -> bool:
    name = name.lower()
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


_COLUMN_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
# Every r="…" attribute: a cell's reference (letters and digits) or a row's number (digits).
_R_ATTRIBUTE = re.compile(rb"\sr=\"([A-Za-z]{0,3})(\d{0,7})\"")
# The cell extent is measured in full for the first 8 MB of a part (some 60 ms a megabyte on
# one core: a 150,000-cell roll costs under half a second); past that only the declared
# dimension is checked. A crafted part larger than this is the gap that parsing in a child
# process with a memory limit is meant to close (docs/security.md, issue 12 finding 2).
RANGE_SCAN_BYTES = 8 * 1024 * 1024


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _cell_ref(ref: str) -> tuple[int, int] | None:
    """(row, column), 1-based, of an A1 reference; None if it is not one."""
    found = _COLUMN_REF.match(ref.strip())
    if found is None:
        return None
    return int(found.group(2)), _column_number(found.group(1))


class _RangeScanner:
    """Measures a worksheet part as it is inflated: its declared <dimension> and the extent of
    the rows and cells it really holds, then refuses a range the reader must not be asked to
    allocate. Cells or rows without a reference follow the previous one when read, so each one
    widens the measured extent by one (a bound, never an underestimate)."""

    def __init__(self) -> None:
        self.buffer = b""
        self.decoder: Any = None
        self.dimension: tuple[tuple[int, int], tuple[int, int]] | None = None
        self.before_data = True  # <dimension> precedes <sheetData> in a worksheet
        self.scanned = 0
        self.cells = 0
        self.unreferenced_cells = 0
        self.unreferenced_rows = 0
        self.rows: set[bytes] = set()
        self.columns: set[bytes] = set()

    def feed(self, data: bytes) -> None:
        if self.decoder is None:
            # Sheet XML may come as UTF-16; measure it as UTF-8 all the same.
            encoding = "utf-8"
            if data.startswith((codecs.BOM_UTF16_LE, b"<\x00")):
                encoding = "utf-16-le"
            elif data.startswith((codecs.BOM_UTF16_BE, b"\x00<")):
                encoding = "utf-16-be"
            self.decoder = (
                codecs.getincrementaldecoder(encoding)("replace") if encoding != "utf-8" else False
            )
        if self.decoder:
            data = self.decoder.decode(data).encode("utf-8")
        if self.scanned > RANGE_SCAN_BYTES and not self.before_data:
            return
        buffer = self.buffer + data
        # Only whole tags are read; the rest waits for the next chunk.
        cut = buffer.rfind(b"<")
        if cut < 0:
            cut = len(buffer)
        self._scan(buffer[:cut])
        self.buffer = buffer[cut:]
        if len(self.buffer) > 1024 * 1024:  # one tag that never closes: no sheet has that
            raise ImportRejected(MESSAGE_RANGE)

    def _scan(self, text: bytes) -> None:
        self.scanned += len(text)
        if self.before_data:
            found = _DIMENSION.search(text)
            if found is not None and self.dimension is None:
                ref = found.group("ref").decode("ascii", "replace")
                parts = [_cell_ref(p) for p in ref.split(":")]
                first, last = parts[0], parts[-1]
                if first is None or last is None or len(parts) > 2:
                    raise ImportRejected(MESSAGE_RANGE)
                self.dimension = (first, last)
            self.before_data = b"sheetData" not in text
        cells = text.count(b"<c ") + text.count(b"<c>") + text.count(b"<c/>")
        rows = text.count(b"<row ") + text.count(b"<row>")
        referenced_cells = referenced_rows = 0
        for letters, digits in _R_ATTRIBUTE.findall(text):
            if digits:
                self.rows.add(digits)
            if letters:
                self.columns.add(letters.upper())
                referenced_cells += 1
            else:
                referenced_rows += 1
        self.cells += cells
        self.unreferenced_cells += max(cells - referenced_cells, 0)
        self.unreferenced_rows += max(rows - referenced_rows, 0)

    def finish(self) -> None:
        self._scan(self.buffer)
        self.buffer = b""
        allowed = max(RANGE_CELLS_FLOOR, RANGE_SPARSITY * self.cells)
        ranges = []
        if self.dimension is not None:
            ranges.append(self.dimension)
        if self.scanned <= RANGE_SCAN_BYTES + INFLATE_CHUNK and (self.rows or self.cells):
            numbers = [int(d) for d in self.rows] or [1]
            columns = [_column_number(c.decode("ascii")) for c in self.columns] or [1]
            ranges.append((
                (min(numbers), min(columns)),
                (max(numbers) + self.unreferenced_rows, max(columns) + self.unreferenced_cells),
            ))
        for (top, left), (bottom, right) in ranges:
            rows, cols = abs(bottom - top) + 1, abs(right - left) + 1
            if max(right, left) > MAX_SHEET_COLUMNS or max(top, bottom) > MAX_SHEET_ROWS:
                raise ImportRejected(MESSAGE_RANGE)
            if rows * cols > allowed:
                raise ImportRejected(MESSAGE_RANGE)


class _DtdScanner:
    """Finds a DOCTYPE or ENTITY declaration anywhere in an XML part, across chunk boundaries.

    Scanning the whole part rather than its first 4 KiB costs nothing extra (it is inflated
    anyway) and also catches a declaration pushed down by padding. Markup `<` is never escaped,
    and cell text's `<` always is (`&lt;`), so a match is never a cadre's data.
    """

    def __init__(self) -> None:
        self.markers: tuple[bytes, ...] | None = None
        self.opening = b"<!"
        self.tail = b""

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if self.markers is None:
            self.markers, self.opening = self._markers_for(data)
        longest = max(len(marker) for marker in self.markers)
        seam = self.tail + data[: longest - 1]  # a marker split between two chunks
        # Every marker starts with "<!", which sheet data never holds: one fast pass for that
        # settles nearly every chunk.
        opening = self.opening
        if (opening in data or opening in seam) and any(
            marker in data or marker in seam for marker in self.markers
        ):
            raise ImportRejected(f"{MESSAGE_UNSAFE_XLSX}：XML中含有DTD或实体声明")
        self.tail = (self.tail + data[-(longest - 1) :])[-(longest - 1) :]

    @staticmethod
    def _markers_for(start: bytes) -> tuple[tuple[bytes, ...], bytes]:
        # XML may be UTF-16 (with a BOM, or recognisable by "<" next to a NUL byte).
        if start.startswith((codecs.BOM_UTF16_LE, b"<\x00")):
            encoding = "utf-16-le"
        elif start.startswith((codecs.BOM_UTF16_BE, b"\x00<")):
            encoding = "utf-16-be"
        else:
            encoding = "utf-8"
        return tuple(marker.encode(encoding) for marker in DTD_MARKERS), "<!".encode(encoding)


def open_sheet(path: Path, kind: str) -> tuple[int, Iterator[list[Any]]]:
    """The first sheet's row count (0 if unknown) and its rows, row i being Excel's row i + 1.

    Rows are produced one at a time: calamine holds the sheet's cells natively, and each row
    becomes Python objects only when the engine asks for it (never `to_python()` on the sheet).
    """
    if kind == "csv":
        return _open_csv(path)
    if kind in ("xlsx", "xls"):
        return _open_workbook(path)
    raise ValueError(f"unknown upload kind {kind!r}")


def _open_csv(path: Path) -> tuple[int, Iterator[list[Any]]]:
    encoding = csv_encoding(path)
    if encoding is None:
        raise ImportRejected("CSV文件的文字编码无法识别，请另存为“CSV UTF-8（逗号分隔）”后再导入")
    return _count_lines(path), _csv_rows(path, encoding)


def _count_lines(path: Path) -> int:
    """Line count, for the progress bar only (a quoted cell may hold a line break)."""
    count = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(INFLATE_CHUNK):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _csv_rows(path: Path, encoding: str) -> Iterator[list[Any]]:
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        try:
            yield from reader
        except UnicodeDecodeError as exc:
            raise ImportRejected(
                f"文件无法读取：第 {reader.line_num + 1} 行附近的文字编码不是 {encoding}，"
                "请另存为“CSV UTF-8（逗号分隔）”后再导入"
            ) from exc
        except csv.Error as exc:
            log.info("unreadable csv at line %s: %s", reader.line_num, exc)
            raise ImportRejected(
                f"文件无法读取：第 {reader.line_num} 行格式有误（如某一格过长、含有无法识别的字符"
                "或引号不成对），请在Excel中打开并另存为“CSV UTF-8（逗号分隔）”后再导入"
            ) from exc


def _open_workbook(path: Path) -> tuple[int, Iterator[list[Any]]]:
    try:
        with CalamineWorkbook.from_path(str(path)) as book:
            index = _first_sheet_index(book)
            part = _large_sheet_part(path, book, index)
            if part is not None:
                windowed = _open_windows(path, part, index)
                if windowed is not None:
                    return windowed
            sheet = book.get_sheet_by_index(index)
    except BaseException as exc:
        if not _is_reader_failure(exc):
            raise
        raise _unreadable(exc) from exc
    start = sheet.start
    if start is None:  # an empty sheet
        return 0, iter(())
    first_row, first_col = start
    return first_row + sheet.height, _sheet_rows(sheet, first_row, first_col)


def _first_sheet_index(book: CalamineWorkbook) -> int:
    """The first visible worksheet: a cadre means the sheet Excel opens on, not a hidden one."""
    for index, meta in enumerate(book.sheets_metadata):
        if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet:
            return index
    return 0


def _sheet_rows(sheet: CalamineSheet, first_row: int, first_col: int) -> Iterator[list[Any]]:
    rows = sheet.iter_rows()
    try:
        if first_row:
            # python-calamine 0.9 yields the empty rows above the used range itself; older
            # versions start at the range. A padded first row is empty, a range's first is not.
            first = next(rows, None)
            if first is not None and any(cell != "" for cell in first):
                yield from ([] for _ in range(first_row))
            if first is not None:
                yield [*[""] * first_col, *first] if first_col else first
        if first_col:
            # Columns left of the used range are dropped by calamine; put them back so a
            # cell's position is its Excel column, as the row index is its Excel row.
            padding = [""] * first_col
            for cells in rows:
                yield [*padding, *cells]
        else:
            yield from rows
    except BaseException as exc:
        if not _is_reader_failure(exc):
            raise
        raise _unreadable(exc) from exc


def _is_reader_failure(exc: BaseException) -> bool:
    """Whether calamine failed on the file (rather than, say, the worker being stopped).

    A Rust panic on a malformed file reaches Python as pyo3's PanicException, which derives
    from BaseException: it must become a refusal too, not slip past the view's error handling.
    """
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _unreadable(exc: BaseException) -> ImportRejected:
    """A calamine failure as a Chinese refusal a cadre can act on."""
    if isinstance(exc, ImportRejected):
        return exc
    if isinstance(exc, PasswordError):
        return ImportRejected(MESSAGE_ENCRYPTED)
    log.info("unreadable workbook: %s: %s", type(exc).__name__, exc)
    return ImportRejected(
        "文件无法读取：文件可能已损坏，请在Excel中打开并另存为 .xlsx 后再导入"
    )


# --- large sheets, read in windows ------------------------------------------------------------
#
# calamine builds the whole sheet in memory before the first row can be read: about 1 KB per row
# of a 12-column roll, so 1 GB for a million rows. A sheet whose XML is larger than
# WINDOW_MIN_BYTES is therefore cut, at row boundaries, into windows of WINDOW_ROWS rows; each
# window is handed to calamine as a workbook of its own (the same parts, with the sheet holding
# only that window's rows, at their own row numbers), and the next window is read on a second
# thread while the engine works through the current one. The rows come out exactly as one
# calamine read of the whole sheet would give them (tests/core/test_upload_windows.py).
#
# The cut is made on the markup: outside CDATA sections, comments and processing instructions
# (which a spreadsheet's sheet data never holds, and which are refused here) a "<row" can only
# be a row element, because text and attribute values escape "<".

WINDOW_MIN_BYTES = 32 * 1024 * 1024
WINDOW_ROWS = 20_000
FIRST_WINDOW_ROWS = 5_000
_NOT_MARKUP = (b"<![CDATA[", b"<!--", b"<?")
_RELATIONSHIP_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)


def _large_sheet_part(path: Path, book: CalamineWorkbook, index: int) -> str | None:
    """The zip part of sheet `index` if it is large enough to read in windows, else None.

    Anything unexpected in the workbook's structure answers None: the sheet is then read whole,
    as calamine reads it.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, index, book.sheet_names[index])
            if part is None or archive.getinfo(part).file_size <= WINDOW_MIN_BYTES:
                return None
            return part
    except (KeyError, IndexError, ValueError, zipfile.BadZipFile, OSError, ElementTree.ParseError):
        return None


def _sheet_part(archive: zipfile.ZipFile, index: int, name: str) -> str | None:
    """The part holding the workbook's `index`-th sheet, found through xl/workbook.xml and its
    relationships, or None when the workbook does not say so plainly."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheets = [e for e in workbook.iter() if e.tag.rpartition("}")[2] == "sheet"]
    if index >= len(sheets) or sheets[index].get("name") != name:
        return None
    rid = next(
        (sheets[index].get(f"{{{ns}}}id") for ns in _RELATIONSHIP_NAMESPACES
         if sheets[index].get(f"{{{ns}}}id")),
        None,
    )
    if rid is None:
        return None
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(
        (e.get("Target") for e in relations.iter()
         if e.tag.rpartition("}")[2] == "Relationship" and e.get("Id") == rid),
        None,
    )
    if not target or target.startswith(("http:", "https:", "file:")):
        return None
    part = posixpath.normpath(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    names = set(archive.namelist())
    return part if part in names else None


class _SheetWindows:
    """Cuts one sheet part into standalone sheet documents of at most WINDOW_ROWS rows each."""

    def __init__(self, path: Path, part: str) -> None:
        self.archive = zipfile.ZipFile(path)
        self.part = part
        self.stream = self.archive.open(part)
        self.buffer = bytearray()
        self.exhausted = False
        self.head = b""  # the document up to and including the sheetData start tag
        self.tail = b""  # the end tags that close a window's document
        self.row_tag = b"<row"
        self.end_tag = b"</sheetData>"
        self.total = 0
        self.folder: tempfile.TemporaryDirectory[str] | None = None

    def close(self) -> None:
        self.stream.close()
        self.archive.close()
        if self.folder is not None:
            self.folder.cleanup()

    def _fill(self) -> bool:
        if self.exhausted:
            return False
        chunk = self.stream.read(INFLATE_CHUNK)
        if not chunk:
            self.exhausted = True
            return False
        self.buffer += chunk
        return True

    def start(self) -> bool:
        """Read up to the first row; False when this sheet is not one to cut (read it whole)."""
        while True:
            found = _SHEET_DATA.search(self.buffer)
            if found is not None:
                break
            if len(self.buffer) > 16 * INFLATE_CHUNK or not self._fill():
                return False
        start = bytes(self.buffer[:4])
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<")):
            return False
        if found.group("empty"):
            return False  # <sheetData/>: nothing to cut
        head = bytes(self.buffer[: found.end()])
        root = _ROOT.search(head)
        if root is None or any(marker in head for marker in _NOT_MARKUP[:2]):
            return False
        prefix = found.group("prefix")
        dimension = _DIMENSION.search(head)
        if dimension is not None:
            last = re.search(rb"(\d+)$", dimension.group("ref"))
            self.total = int(last.group(1)) if last else 0
            # calamine sizes its cell store from the dimension: a window must not claim the
            # whole sheet's.
            head = head[: dimension.start()] + head[dimension.end() :]
        self.head = head
        self.tail = b"</" + prefix + b"sheetData></" + root.group(1) + b">"
        self.row_tag = b"<" + prefix + b"row"
        self.end_tag = b"</" + prefix + b"sheetData>"
        del self.buffer[: found.end()]
        return True

    def __iter__(self) -> Iterator[Path]:
        """Each window as a workbook file (the same file, rewritten for each window)."""
        tag, end_tag, buffer = self.row_tag, self.end_tag, self.buffer
        count = 0  # row start tags in buffer[:scanned]
        scanned = 0
        # A small window first, so that the import starts at once; then windows growing by
        # that much up to WINDOW_ROWS, slowly enough that the thread reading ahead keeps in
        # front of the engine (reading a row costs about half of parsing and writing it).
        size = FIRST_WINDOW_ROWS
        while True:
            end = buffer.find(end_tag, max(0, scanned - len(end_tag)))
            limit = len(buffer) if end < 0 else end
            found = buffer.count(tag, scanned, limit)
            if count + found > size:
                cut = scanned - 1
                for _ in range(size + 1 - count):
                    cut = buffer.find(tag, cut + 1, limit)
                yield self.workbook(buffer, cut)
                del buffer[:cut]
                count, scanned, size = 0, 0, min(WINDOW_ROWS, size + FIRST_WINDOW_ROWS)
                continue
            if end >= 0:
                if count + found:
                    yield self.workbook(buffer, end)
                return
            count += found
            # A tag cut at the buffer's end is counted with the next chunk.
            scanned = max(scanned, len(buffer) - len(tag) + 1)
            if not self._fill():
                raise ImportRejected(f"{MESSAGE_BAD_XLSX}：工作表不完整")

    def workbook(self, rows: bytearray, end: int) -> Path:
        """A workbook file like the upload, whose sheet holds only `rows[:end]`.

        Its parts are stored, not deflated (it is read once, at once), and it is a file
        rather than bytes in memory, so calamine's read of it costs no copy of the window.
        """
        if any(rows.find(marker, 0, end) >= 0 for marker in _NOT_MARKUP):
            raise ImportRejected(
                f"{MESSAGE_UNSAFE_XLSX}：工作表数据中含有CDATA、注释或处理指令，"
                "请在Excel中另存为 .xlsx 后再导入"
            )
        if self.folder is None:
            self.folder = tempfile.TemporaryDirectory(prefix="gonghui-sheet-")
        target = Path(self.folder.name) / "window.xlsx"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as window:
            for name, data in self._other_parts().items():
                window.writestr(name, data)
            with memoryview(rows) as view, window.open(self.part, "w") as sheet:
                sheet.write(self.head)
                sheet.write(view[:end])
                sheet.write(self.tail)
        return target

    def _other_parts(self) -> dict[str, bytes]:
        if not hasattr(self, "_parts"):
            sheets = [
                info.filename for info in self.archive.infolist()
                if info.filename.startswith("xl/worksheets/") and info.filename != self.part
            ]
            stub = self.head + self.tail  # an empty sheet of the same shape
            parts = {
                info.filename: self.archive.read(info.filename)
                for info in self.archive.infolist()
                if info.filename != self.part and info.filename not in sheets
                and not info.is_dir()
            }
            # The other sheets are never read: an empty one stands in for each.
            parts.update(dict.fromkeys(sheets, stub))
            self._parts = parts
        return self._parts


_SHEET_DATA = re.compile(rb"<(?P<prefix>(?:[A-Za-z_][\w.\-]*:)?)sheetData\b[^>]*?(?P<empty>/?)>")
_ROOT = re.compile(rb"<([A-Za-z_][^\s/>]*)")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?dimension\b[^>]*?ref=\"(?P<ref>[^\"]*)\"[^>]*/>")


def _open_windows(path: Path, part: str, index: int) -> tuple[int, Iterator[list[Any]]] | None:
    windows = _SheetWindows(path, part)
    if not windows.start():
        windows.close()
        return None
    return windows.total, _window_rows(windows, index)


def _window_rows(windows: _SheetWindows, index: int) -> Iterator[list[Any]]:
    """The sheet's rows, window after window, each window read ahead on a second thread."""
    documents = iter(windows)

    def load() -> tuple[int, int, list[list[Any]]] | None:
        window = next(documents, None)
        if window is None:
            return None
        with CalamineWorkbook.from_path(str(window)) as book:
            sheet = book.get_sheet_by_index(index)
        if sheet.start is None:
            return 0, 0, []  # a window of empty rows: they are given out with the next one
        first_row, first_col = sheet.start
        # The window's own range, from its first row and column (never the rows above it).
        return first_row, first_col, sheet.to_python(skip_empty_area=True)

    position = 0  # the Excel row index (0-based) of the next row to give out
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gonghui-sheet")
    try:
        pending = executor.submit(load)
        while True:
            try:
                loaded = pending.result()
            except BaseException as exc:
                if not _is_reader_failure(exc):
                    raise
                raise _unreadable(exc) from exc
            if loaded is None:
                return
            pending = executor.submit(load)
            first_row, first_col, rows = loaded
            del loaded
            if not rows:
                continue
            while position < first_row:
                yield []
                position += 1
            padding = [""] * first_col
            for cells in rows:
                yield [*padding, *cells] if first_col else cells
            position += len(rows)
            del rows
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        windows.close()
