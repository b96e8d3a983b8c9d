"""Child rows: record types edited under their parent (participants of an activity, lines of a
payment roll, units reached by a visit).

A parent record type declares its children (`RecordType(children=[ChildRows(...)])`, or an app
adds one to another app's type with `add_children`). A child row has no organisation of its
own and no pages of its own: it is reached only through its parent, which every view fetches
through the parent's `base_queryset` (the choke point) first, so a child of a record outside the
user's subtree is a 404 whatever the verb. Its form never contains the parent field: the parent
comes from the URL, so a row cannot be moved to another parent, let alone another branch.

From the declaration come: the inline table on the parent's detail page with add / edit /
delete (htmx, and plain pages without JavaScript), the declared aggregates (counted and summed
by the database), a sheet of the parent's Excel export, and an import of a workbook of rows into
one parent (`ChildImportSpec`, run by the import engine like any other import).
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.db.models import Count

from gonghui.core.imports.spec import ImportSpec
from gonghui.core.records.forms import RecordForm
from gonghui.core.records.tables import Column, Table

if TYPE_CHECKING:
    from gonghui.core.records.registry import RecordType


@dataclass(frozen=True)
class Aggregate:
    """A figure of the parent computed over its child rows by the database.

    `expression` is a query expression over the child model, e.g. `Sum("amount")`, or
    `Count("person", distinct=True) + Coalesce(Sum("headcount"), 0)` for distinct persons.
    """

    name: str
    label: str
    expression: Any
    unit: str = ""


class ChildImportSpec(ImportSpec):
    """An import whose rows are written under one parent (a sign-in sheet into an activity).

    The engine runs a copy bound to the parent (`bind`); `write` reads `self.parent`. The parent
    was fetched through the importer's scope when the job ran, so rows only ever land under a
    record the importer may change.
    """

    parent: Any = None

    def bind(self, parent: Any) -> ChildImportSpec:
        bound = copy(self)
        bound.parent = parent
        return bound


@dataclass(eq=False)
class ChildRows:
    """What the generic layer needs to know about one child record type."""

    model: type[models.Model]
    slug: str  # the URL part under the parent: /activities/7/participants/
    parent_field: str  # the child model's foreign key to the parent
    columns: Sequence[str | Column]
    form_fields: Sequence[str] = ()
    form_base: type[RecordForm] = RecordForm
    aggregates: Sequence[Aggregate] = ()
    import_spec: ChildImportSpec | None = None
    ordering: Sequence[str] = ("pk",)
    # Rows shown inline on the parent's page; the rest are on the rows page, paged.
    inline_limit: int = 20
    # Whether the parent's Excel export carries these rows as a sheet of their own.
    exported: bool = True
    parent: RecordType = field(default=None, init=False, repr=False)  # type: ignore[assignment]

    @property
    def opts(self) -> Any:
        return self.model._meta

    @property
    def label(self) -> str:
        return str(self.opts.verbose_name)

    @property
    def label_plural(self) -> str:
        return str(self.opts.verbose_name_plural)

    def url_name(self, view: str) -> str:
        return f"{self.parent.slug}-{self.slug}-{view}"

    def perm(self, action: str) -> str:
        # Child rows are part of their parent: reading them is viewing the parent, and adding,
        # changing or deleting one is changing the parent. No permission rows of their own.
        return self.parent.perm("view" if action == "view" else "change")

    @cached_property
    def table(self) -> Table:
        return Table(self.model, self.columns)

    @cached_property
    def form_class(self) -> type[RecordForm]:
        if self.parent_field in self.form_fields:
            raise ValueError(f"{self.slug}: the parent field is set from the URL, not the form")
        return forms.modelform_factory(  # type: ignore[return-value]
            self.model, form=self.form_base, fields=list(self.form_fields)
        )

    def rows_of(self, parent: Any) -> models.QuerySet[Any]:
        """The child rows of one parent. Scoped by the parent: callers pass a parent they
        fetched through its record type's `base_queryset`."""
        rows = self.model._default_manager.filter(**{self.parent_field: parent})
        return rows.select_related(*self.table.select_related()).order_by(*self.ordering)

    def rows_of_all(self, parents: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """The child rows of every parent of a (scoped, filtered) queryset, as one query."""
        rows = self.model._default_manager.filter(**{f"{self.parent_field}__in": parents})
        # The parent column shows the parent's name, which may read the parent's own foreign
        # keys (a hardship file is named by its worker): joined as the parent's list joins them.
        parent_related = self.parent.table.select_related() if self.parent is not None else []
        related = [self.parent_field, *(f"{self.parent_field}__{path}" for path in parent_related),
                   *self.table.select_related()]
        return rows.select_related(*related).order_by(self.parent_field, *self.ordering)

    def new_row(self, parent: Any) -> Any:
        return self.model(**{self.parent_field: parent})

    def totals(self, parent: Any) -> dict[str, int | Decimal]:
        """The declared aggregates of one parent, in one query; no rows counts as zero."""
        return aggregate(self.rows_of(parent).order_by(), self.aggregates)


ROWS = "_rows"


def child_block(child: ChildRows, parent: Any, user: Any) -> dict[str, Any]:
    """What the inline table on the parent's page shows: the first rows, how many there are,
    the declared aggregates (masked values: the parent's page is read by many)."""
    rows = child.rows_of(parent)
    shown = list(rows[: child.inline_limit])
    # The number of rows comes with the aggregates, in their query: two queries per block
    # however many rows there are.
    totals = aggregate(rows.order_by(), [*child.aggregates, Aggregate(ROWS, "", Count("pk"))])
    total = int(totals.pop(ROWS))
    return {
        "child": child,
        "parent": parent,
        "rows": [(row, [(c, c.value(row)) for c in child.table.columns]) for row in shown],
        "total": total,
        "aggregates": [(a, totals[a.name]) for a in child.aggregates],
        "can_change": user.has_perm(child.perm("change")),
    }


def aggregate(
    rows: models.QuerySet[Any], aggregates: Sequence[Aggregate]
) -> dict[str, int | Decimal]:
    """Evaluate declared aggregates over any queryset of child rows (a parent's, a scope's)."""
    if not aggregates:
        return {}
    values = rows.aggregate(**{a.name: a.expression for a in aggregates})
    return {a.name: values[a.name] if values[a.name] is not None else 0 for a in aggregates}


def parse_import_slug(slug: str) -> tuple[str, int, str] | None:
    """`activities/7/participants` → ("activities", 7, "participants"); a plain record slug
    (an ordinary import) → None. ImportJob.record_slug carries this for child imports."""
    parts = slug.split("/")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2]


def import_slug(child: ChildRows, parent: Any) -> str:
    return f"{child.parent.slug}/{parent.pk}/{child.slug}"
