"""What a record type declares to be imported from Excel, and what an import returns.

Columns (the Chinese header, a cell parser that raises `CellError` with a Chinese reason,
whether it is required, dropdown choices), the row as parsed, the spec's check and writer, and
the result. The engine (`engine.run_import`) reads files against these; the template and error
workbooks (`workbooks`) are drawn from them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gonghui.core.imports.bulk import DirectWriter
from gonghui.core.text.dates import DateParseError, parse_date

ERROR_COLUMN = "错误原因"


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
    # Where an export in the template's layout reads this column from a record: a field path
    # (`person__mobile`, masked and labelled as the list shows it) or a function of the record.
    # Columns without one are left blank (转会: a re-import is no transfer).
    export: str | Callable[[Any], Any] | None = None


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
    # Whether a masked cell (an ID number or phone as exported to a cadre without the reveal
    # right, `370285**********1X`) imports back as "unchanged": then the template-layout
    # export is offered to importers without that right too (docs/architecture.md).
    masked_cells_kept: bool = False

    def check(self, rows: list[Row], context: ImportContext) -> None:
        """Cross-row and database checks; call `row.reject` on the rows that fail."""

    def write(self, rows: list[Row], context: ImportContext) -> WriteResult:
        """Write the valid rows (already inside the engine's transaction)."""
        raise NotImplementedError

    def column(self, header: str) -> ImportColumn | None:
        return next((c for c in self.columns if c.header == header), None)

    @property
    def exportable(self) -> bool:
        """Whether records can be exported in this template's layout (and imported back)."""
        return any(c.export is not None for c in self.columns)

    def export_queryset(self, queryset: Any) -> Any:
        """The records an export in the template's layout holds (a spec narrows it to rows
        whose re-import is an update, e.g. members in good standing)."""
        return queryset


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
