"""One table per record type, read by the list page, the Excel export and the API alike.

A column names a model field (or a dotted path through foreign keys); label, display value,
masking and whether it sums all come from the field, so a declaration is usually just names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from gonghui.core.records.fields import SensitiveKind
from gonghui.core.records.sums import exact_sums
from gonghui.core.text.identifiers import mask_id_number, mask_phone

MASKERS = {SensitiveKind.PHONE: mask_phone, SensitiveKind.ID_NUMBER: mask_id_number}


@dataclass
class Column:
    """A table column: `name` is a field name or a `fk__field` path."""

    name: str
    label: str = ""
    sortable: bool = True
    link: bool = False  # the cell links to the record's detail page
    total: bool | None = None  # sum in the export's 合计 row; default: numeric non-key fields
    model_field: models.Field[Any, Any] | None = field(default=None, repr=False)

    @property
    def sensitive(self) -> str | None:
        return getattr(self.model_field, "sensitive", None)

    @property
    def is_numeric(self) -> bool:
        return isinstance(
            self.model_field, models.IntegerField | models.DecimalField
        ) and not isinstance(self.model_field, models.AutoField)

    @property
    def wraps(self) -> bool:
        """A long name (a related record such as the member's union, free text) may wrap in
        its cell; codes, masked numbers, dates and choices stay on one line (app.css)."""
        field_ = self.model_field
        if isinstance(field_, models.ForeignKey | models.TextField):
            return True
        if field_ is None or field_.choices or self.sensitive:
            return False
        return isinstance(field_, models.CharField) and (field_.max_length or 0) > 50

    @property
    def related_path(self) -> str | None:
        """The select_related path this column needs, if it crosses or is a foreign key."""
        parts = self.name.split("__")
        if isinstance(self.model_field, models.ForeignKey):
            return self.name
        return "__".join(parts[:-1]) or None

    def raw_value(self, obj: Any) -> Any:
        value = obj
        for part in self.name.split("__"):
            if value is None:
                return None
            value = getattr(value, part)
        return value

    def value(self, obj: Any, *, reveal: bool = False) -> Any:
        """The value a person reads: choices as their label, sensitive values masked."""
        raw = self.raw_value(obj)
        if raw is None or raw == "":
            return ""
        field_ = self.model_field
        if field_ is not None and field_.choices:
            return dict(field_.flatchoices).get(raw, raw)
        if self.sensitive and not reveal:
            return MASKERS[SensitiveKind(self.sensitive)](str(raw))
        if isinstance(raw, bool):
            return "是" if raw else "否"
        if isinstance(raw, models.Model):
            return str(raw)
        return raw


class Table:
    """The ordered columns of a record type, bound to its model."""

    def __init__(self, model: type[models.Model], columns: Sequence[str | Column]) -> None:
        self.model = model
        self.columns: list[Column] = [self._bind(c) for c in columns]

    def _bind(self, column: str | Column) -> Column:
        col = Column(column) if isinstance(column, str) else column
        field_ = _resolve_field(self.model, col.name)
        col.model_field = field_
        if not col.label:
            col.label = str(field_.verbose_name)
        if col.total is None:
            col.total = col.is_numeric and not field_.choices
        return col

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def select_related(self) -> list[str]:
        return sorted({p for c in self.columns if (p := c.related_path)})

    def rows(self, objects: Iterable[Any], *, reveal: bool = False) -> Iterable[list[Any]]:
        for obj in objects:
            yield [c.value(obj, reveal=reveal) for c in self.columns]

    def totals(self, queryset: models.QuerySet[Any]) -> dict[str, int | Decimal]:
        """Sums for the 合计 row, computed by the database over the whole filtered set."""
        names = [c.name for c in self.columns if c.total]
        if not names:
            return {}
        return exact_sums(queryset, {n: n for n in names})


def _resolve_field(model: type[models.Model], path: str) -> models.Field[Any, Any]:
    current: type[models.Model] = model
    parts = path.split("__")
    for part in parts[:-1]:
        rel = current._meta.get_field(part)
        current = rel.related_model  # type: ignore[assignment]
    return current._meta.get_field(parts[-1])  # type: ignore[return-value]
