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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from django.db import IntegrityError, OperationalError, transaction

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
from gonghui.core.imports.bulk import bulk_session, write_behind
from gonghui.core.imports.spec import (
    ERROR_COLUMN,
    CellError,
    ImportColumn,
    ImportContext,
    ImportRejected,
    ImportResult,
    ImportSpec,
    Parser,
    Row,
)

# Rows parsed between two progress reports; small enough for a live bar, large enough to be free.
PROGRESS_EVERY = 5000


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
    from gonghui.core.imports.uploads import check_upload

    started = time.perf_counter()
    # The cyclic collector stays paused for the whole import (see `bulk_session`): switched
    # back on while the last chunk's rows are still alive, it would walk them all once more.
    with bulk_session():
        kind = check_upload(path, filename=filename or path.name)
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                result, total = _import_once(
                    spec, path, kind, user=user, filename=filename,
                    all_or_nothing=all_or_nothing, error_path=error_path, progress=progress,
                )
                break
            except (IntegrityError, OperationalError) as exc:
                # Another writer (an import, a form) changed the same people between this
                # file's check and its write: the transaction is gone whole, so the file is
                # read and checked again against what is on record now (issue 12, finding 7).
                if not is_write_conflict(exc):
                    raise
                if attempt == CONFLICT_ATTEMPTS:
                    raise ImportRejected(CONFLICT_MESSAGE) from exc
    progress("done", total, total)
    result.seconds = time.perf_counter() - started
    return result


# How many times a file is imported again after a concurrent writer's change collided with it.
CONFLICT_ATTEMPTS = 3

CONFLICT_MESSAGE = (
    "导入时有他人同时修改了相同的人员或记录，已重试仍未成功，未写入任何数据；"
    "请稍后重新导入。"
)


# PostgreSQL's codes for what two writers of the same rows cause: a unique or check violation,
# a serialisation failure, a deadlock.
CONFLICT_CODES = {"23505", "23514", "40001", "40P01"}


def is_write_conflict(exc: BaseException) -> bool:
    """Whether a failed write is what concurrent writers cause, as opposed to a fault (a NOT
    NULL violation from a spec's bug, a broken connection), which is raised as it is."""
    code = getattr(exc.__cause__, "sqlstate", None) or getattr(exc.__cause__, "pgcode", None)
    if code is not None:
        return code in CONFLICT_CODES
    # SQLite (and an error raised without a driver cause) says it in words.
    text = str(exc).lower()
    return isinstance(exc, IntegrityError) and ("unique" in text or "check constraint" in text)


def _import_once(
    spec: ImportSpec,
    path: Path,
    kind: str,
    *,
    user: Any,
    filename: str | None,
    all_or_nothing: bool,
    error_path: Path | None,
    progress: ProgressCallback,
) -> tuple[ImportResult, int]:
    """One reading, checking and writing of the file, in one transaction; and the sheet's
    row count as the reader gave it."""
    from gonghui.core.imports.uploads import open_sheet
    from gonghui.core.imports.workbooks import write_error_workbook

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
    return result, total


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
