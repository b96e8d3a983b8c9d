"""The Excel import engine, serving every record type that cadres bulk-enter.

A record type declares an `ImportSpec`: its columns (Chinese header, parser, required, dropdown
choices), a check over all rows (duplicates in the file, lookups against the database, the
importer's subtree) and a bulk writer. The engine does the rest, the same way for every type:

1. refuse unsafe uploads before parsing (`core.uploads`);
2. read the first sheet with python-calamine, find the header row, match columns by their
   Chinese names in any order, warn about unknown columns;
3. parse every cell and collect every error, in Chinese, naming the column and the rule;
4. let the spec check the rows as a whole;
5. write the valid rows in one transaction (or none, with `all_or_nothing`): a crash or a kill
   leaves nothing of the file half-written;
6. return the counts and an error workbook: the rejected rows as uploaded, a 错误原因 column,
   the bad cells filled red, ready to be corrected and imported again as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction

from gonghui.core import audit
from gonghui.core.bulk import DirectWriter, bulk_session, write_behind
from gonghui.core.dates import DateParseError, parse_date
from gonghui.core.models import AuditAction

ERROR_COLUMN = "错误原因"
# Rows parsed between two progress reports; small enough for a live bar, large enough to be free.
PROGRESS_EVERY = 5000


T = TypeVar("T")


class CellError(ValueError):
    """A cell's value breaks a rule; the message is Chinese and says which rule."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImportRejected(Exception):
    """The whole file cannot be imported (unsafe, unreadable, required columns missing)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Parser = Callable[[Any], Any]


# Excel keeps 15 significant digits of a number: a longer code typed as a number (a 19-digit
# card number, an ID number) has already lost its last digits when it reaches us.
EXACT_DIGITS_LIMIT = 10**15
TEXT_FORMAT_HINT = "请将该列设为文本格式后重新填写"


def text(value: Any) -> str:
    """The default parser: a cell as trimmed text (numbers that are whole lose their '.0').

    A whole number of 16 digits or more is refused rather than written down: Excel changed
    its last digits when it was typed, and storing a different number silently is worse than
    asking for the column to be typed as text.
    """
    if isinstance(value, int | float) and not isinstance(value, bool) and (
        isinstance(value, int) or value.is_integer()
    ):
        if abs(value) >= EXACT_DIGITS_LIMIT:
            raise CellError(f"是超过15位的数字，Excel已改变其末几位，{TEXT_FORMAT_HINT}")
        return str(int(value))
    return str(value).strip()


def cell_parser(
    check: Callable[[Any], T], *errors: type[Exception], as_text: bool = False
) -> Callable[[Any], T]:
    """A column parser from a checker that raises its own error types (identifiers, dates):
    those become a `CellError` carrying the checker's Chinese message. `as_text` first reads
    the cell as `text` (a code typed as a number)."""

    def parse(value: Any) -> T:
        try:
            return check(text(value) if as_text else value)
        except errors as exc:
            raise CellError(str(exc)) from exc

    parse.__name__ = getattr(check, "__name__", "parse")
    parse.__doc__ = check.__doc__
    return parse


# Every date column of every template (入会日期, 成立日期, 换届日期 …): the same forms accepted.
parse_day = cell_parser(parse_date, DateParseError)


@dataclass
class ImportColumn:
    """One column of an import template."""

    header: str  # the Chinese header cadres see, matched exactly (after trimming)
    key: str  # the key of the parsed value in `Row.values`
    parse: Parser = text  # raises CellError; never sees an empty cell
    required: bool = False
    choices: Sequence[str] = ()  # dropdown in the template (long lists go on a hidden sheet)
    as_text: bool = False  # format the template column as text (ID numbers, phones, codes)
    width: int = 14
    note: str = ""  # a phrase for the instructions row, e.g. "格式：1990-01-01"
    # Remember each distinct text cell's outcome (value or error) for the rest of the import:
    # for columns of few distinct values (codes, dates, 是/否) whose parser is a pure function
    # of the cell and returns a value nobody mutates.
    cache: bool = False


@dataclass(slots=True)
class Row:
    """One data row of the uploaded sheet."""

    number: int  # the row number cadres see in Excel (1-based)
    raw: list[Any]  # the cells as read, in the uploaded column order
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str | None, str]] = field(default_factory=list)  # (header or None, reason)

    @property
    def ok(self) -> bool:
        return not self.errors

    def reject(self, header: str | None, reason: str) -> None:
        self.errors.append((header, reason))


@dataclass
class ImportContext:
    """What a spec's check and write steps know about the import."""

    user: Any
    all_or_nothing: bool = False
    warnings: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)  # a spec's state across chunks
    # Where a spec's bulk inserts go. `run_import` sets a `WriteBehind` for its transaction
    # (written on a second thread while the next chunk is parsed); outside it, at once.
    writer: DirectWriter = field(default_factory=DirectWriter)


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0


class ImportSpec:
    """Base of every record type's import declaration."""

    slug: str = ""
    title: str = ""  # the template's title row, e.g. "会员花名册导入模板"
    columns: Sequence[ImportColumn] = ()
    instructions: str = ""  # the 填表说明 row

    def check(self, rows: list[Row], context: ImportContext) -> None:
        """Cross-row and database checks; call `row.reject` on the rows that fail."""

    def write(self, rows: list[Row], context: ImportContext) -> WriteResult:
        """Write the valid rows (already inside the engine's transaction)."""
        raise NotImplementedError

    def column(self, header: str) -> ImportColumn | None:
        return next((c for c in self.columns if c.header == header), None)


@dataclass
class ImportResult:
    read: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    warnings: list[str] = field(default_factory=list)
    error_workbook: Path | None = None
    seconds: float = 0.0

    @property
    def written(self) -> bool:
        return self.created + self.updated > 0

    def summary(self) -> str:
        return (
            f"读取 {self.read} 行，新增 {self.created} 行，更新 {self.updated} 行，"
            f"拒绝 {self.rejected} 行"
        )


ProgressCallback = Callable[[str, int, int], None]  # (phase, done, total)


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


class _RollBack(Exception):
    """Raised inside the write transaction to undo it (all-or-nothing with errors)."""


# Per column, at most this many distinct text cells have their outcome remembered.
CACHE_LIMIT = 20_000

# What `parse_row` does for one mapped column: position, key, header, parser, required, the
# cache of outcomes (or None) and the header as error messages quote it.
_Step = tuple[int, str, str, Parser, bool, dict[str, tuple[Any, str | None]] | None, str]


@dataclass
class Layout:
    """How the uploaded sheet's columns map onto the spec's."""

    header_row: int  # 0-based index of the header row in the sheet
    headers: list[str]
    columns: list[tuple[int, ImportColumn]]
    steps: list[_Step] = field(default_factory=list, init=False, repr=False, compare=False)

    def plan(self) -> list[_Step]:
        """The per-cell work of `parse_row`, worked out once per import."""
        if len(self.steps) != len(self.columns):
            self.steps = [
                (position, column.key, column.header, column.parse, column.required,
                 {} if column.cache else None, f"“{column.header}”")
                for position, column in self.columns
            ]
        return self.steps


def match_headers(top_rows: list[list[Any]], spec: ImportSpec, context: ImportContext) -> Layout:
    """Find the header row among the top rows and match its headers to the spec's columns."""
    known = {c.header for c in spec.columns}
    best, best_hits = -1, 0
    for index, cells in enumerate(top_rows):
        hits = sum(1 for cell in cells if str(cell).strip() in known)
        if hits > best_hits:
            best, best_hits = index, hits
    required = [c.header for c in spec.columns if c.required]
    if best < 0:
        raise ImportRejected(
            "找不到表头行：请使用本系统下载的模板，表头须包含" + "、".join(required)
        )
    headers = [str(cell).strip() for cell in top_rows[best]]
    columns: list[tuple[int, ImportColumn]] = []
    for position, header in enumerate(headers):
        column = spec.column(header)
        if column is not None:
            columns.append((position, column))
        elif header and header != ERROR_COLUMN:
            context.warnings.append(f"未识别的列“{header}”已忽略")
    present = {c.header for _, c in columns}
    missing = [h for h in required if h not in present]
    if missing:
        raise ImportRejected("缺少必填列：" + "、".join(missing))
    return Layout(best, headers, columns)


def parse_row(number: int, cells: list[Any], layout: Layout) -> Row:
    """Parse every mapped cell of one row, collecting every error rather than the first.

    This runs once per row of every import, so it is written for speed: the column plan is
    worked out once per layout, plain text cells (nearly all of them) take the short path, and
    the outcome of a text cell in a `cache` column is looked up rather than parsed again.
    """
    width = len(layout.headers)
    if len(cells) < width:
        cells = [*cells, *([""] * (width - len(cells)))]
    raw = cells if type(cells) is list and len(cells) == width else list(cells[:width])
    values: dict[str, Any] = {}
    errors: list[tuple[str | None, str]] = []
    for position, key, header, parse, required, cache, quoted in layout.plan():
        cell = cells[position]
        if type(cell) is str:
            if cache is not None:
                outcome = cache.get(cell)
                if outcome is not None:
                    if outcome[1] is None:
                        values[key] = outcome[0]
                    else:
                        errors.append((header, outcome[1]))
                    continue
            if not cell or cell.isspace():
                if required:
                    errors.append((header, f"{quoted}为必填项"))
                else:
                    values[key] = None
                continue
        elif cell is None or cell == "" or (isinstance(cell, str) and not cell.strip()):
            if required:
                errors.append((header, f"{quoted}为必填项"))
            else:
                values[key] = None
            continue
        try:
            value = parse(cell)
        except CellError as exc:
            # Name the column once: identifier messages already start with it.
            message = exc.message
            if not message.startswith(header):
                message = quoted + message
            errors.append((header, message))
            if cache is not None and type(cell) is str and len(cache) < CACHE_LIMIT:
                cache[cell] = (None, message)
            continue
        values[key] = value
        if cache is not None and type(cell) is str and len(cache) < CACHE_LIMIT:
            cache[cell] = (value, None)
    return Row(number, raw, values, errors)


def _is_blank(cells: list[Any]) -> bool:
    for cell in cells:
        if cell is None or cell == "":
            continue
        if isinstance(cell, str) and not cell.strip():
            continue
        return False
    return True


CHUNK = 20_000  # rows parsed, checked and written together: bounded memory at any file size
# The first chunk is smaller, so that writing (on its own thread) starts early; the last ones
# are too (`_next_chunk_size`).
FIRST_CHUNK = 5_000


def run_import(
    spec: ImportSpec,
    path: Path,
    *,
    user: Any,
    filename: str | None = None,
    all_or_nothing: bool = False,
    error_path: Path | None = None,
    progress: ProgressCallback = _no_progress,
) -> ImportResult:
    """Import a workbook; see the module docstring for the steps."""
    from gonghui.core.uploads import check_upload, open_sheet
    from gonghui.core.workbooks import write_error_workbook

    started = time.perf_counter()
    # The cyclic collector stays paused for the whole import (see `bulk_session`): switched
    # back on while the last chunk's rows are still alive, it would walk them all once more.
    with bulk_session():
        kind = check_upload(path, filename=filename or path.name)
        context = ImportContext(user=user, all_or_nothing=all_or_nothing)
        result = ImportResult(warnings=context.warnings)
        bad: list[Row] = []

        total, rows_in = open_sheet(path, kind)
        progress("read", 0, total)
        top = list(islice(rows_in, 10))
        layout = match_headers(top, spec, context)
        numbered = enumerate(
            chain(top[layout.header_row + 1 :], rows_in), start=layout.header_row + 2
        )
        target = error_path or path.with_name(f"{path.stem}-errors.xlsx")

        def report_errors() -> None:
            result.rejected = len(bad)
            if bad:
                write_error_workbook(target, layout.headers, bad)
                result.error_workbook = target

        def audit_import() -> None:
            audit.record(
                AuditAction.IMPORT,
                user=user,
                object_type=spec.slug,
                changes={
                    "file": filename or path.name,
                    "read": result.read,
                    "created": result.created,
                    "updated": result.updated,
                    "rejected": result.rejected,
                    "all_or_nothing": all_or_nothing,
                },
            )

        try:
            with transaction.atomic(), write_behind() as writer:
                context.writer = writer
                size = FIRST_CHUNK
                while True:
                    # Rows are parsed as they are read, so reading (which may wait for the
                    # next part of a large sheet) and parsing interleave.
                    chunk: list[Row] = []
                    taken = 0
                    for n, cells in islice(numbered, size):
                        taken += 1
                        if not _is_blank(cells):
                            chunk.append(parse_row(n, cells, layout))
                    if not taken:
                        break
                    size = _next_chunk_size(total, n)
                    if not chunk:
                        continue
                    spec.check(chunk, context)
                    good = [row for row in chunk if not row.errors]
                    bad.extend(row for row in chunk if row.errors)
                    result.read += len(chunk)
                    if good and not (all_or_nothing and bad):
                        written = spec.write(good, context)
                        result.created += written.created
                        result.updated += written.updated
                    progress("import", chunk[-1].number, total)
                if all_or_nothing and bad:
                    raise _RollBack
                # While the writer finishes the last rows: the error workbook, and the audit
                # row, which commits with the rows it describes.
                report_errors()
                audit_import()
        except _RollBack:
            result.created = result.updated = 0
            context.warnings.append(
                f"已选择“全部正确才导入”：有 {len(bad)} 行错误，未写入任何数据"
            )
            report_errors()
            audit_import()
        except BaseException:
            # Nothing was written: no error workbook may suggest otherwise.
            if result.error_workbook is not None:
                result.error_workbook.unlink(missing_ok=True)
            raise
    progress("done", total, total)
    result.seconds = time.perf_counter() - started
    return result


def _next_chunk_size(total: int, last: int) -> int:
    """CHUNK rows at a time, but smaller towards the end of a sheet whose size is known: the
    writer's share of the last chunk is what is left to wait for once every row is parsed."""
    if total <= 0:
        return CHUNK
    return max(FIRST_CHUNK, min(CHUNK, (total - last) // 2))


def rows_to_reasons(rows: Iterable[Row]) -> Iterable[tuple[Row, str]]:
    """Each rejected row with its reasons joined the way the error workbook shows them."""
    for row in rows:
        yield row, "；".join(reason for _, reason in row.errors)
