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

Every change of a row goes through `save_row` or `delete_row` (the kit's pages do, and so must
any other caller, an API included): in one transaction the parent is locked and must still be in
a state whose rows may change (`ChildRows.parent_states`), and the row is locked and must still
be the version the caller read (`row_version`, carried by the forms as `record_version`).
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models, transaction
from django.db.models import Count
from django.utils.crypto import salted_hmac

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
from gonghui.core.imports.spec import ImportSpec
from gonghui.core.records.forms import RecordForm
from gonghui.core.records.sums import exact_aggregates
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
    # The parent's workflow states in which rows may be added, changed or deleted (an approved
    # batch's lines are what was approved). None: the states in which the parent itself may be
    # edited (`State.editable`); a parent without a workflow: always.
    parent_states: Sequence[str] | None = None
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

    def changeable_states(self) -> list[str] | None:
        """The parent states in which rows may change; None when the parent has no workflow."""
        flow = self.parent.workflow if self.parent is not None else None
        if flow is None:
            return None
        if self.parent_states is not None:
            return list(self.parent_states)
        return [s.code for s in flow.states if s.editable]

    def change_refusal(self, parent: Any) -> str | None:
        """Why rows of `parent` may not be added, changed or deleted in its state, in Chinese;
        None when they may. Read from the parent as the caller holds it: `save_row` and
        `delete_row` ask again of the locked row."""
        states = self.changeable_states()
        if states is None:
            return None
        flow = self.parent.workflow
        assert flow is not None  # changeable_states is None without one
        if flow.current(parent) in states:
            return None
        return (
            f"{self.parent.label}当前状态为「{flow.state_label(parent)}」，"
            f"不能添加、修改或删除{self.label}"
        )

    def new_row(self, parent: Any) -> Any:
        return self.model(**{self.parent_field: parent})

    def totals(self, parent: Any) -> dict[str, int | Decimal]:
        """The declared aggregates of one parent, in one query; no rows counts as zero."""
        return aggregate(self.rows_of(parent).order_by(), self.aggregates)


ROWS = "_rows"

# The form field (and API field) carrying a row's version as the caller read it: the name the
# record edit form uses for the same check (gonghui.core.records.views.VERSION_FIELD).
VERSION_FIELD = "record_version"

MISSING = "记录不存在或不在您的管辖范围内"
STALE_MESSAGE = (
    "该行已被他人修改，您的修改尚未保存。请核对当前内容（可在新窗口打开查看）；"
    "您填写的内容仍在下方，确认无误后再次点击“保存”。"
)
STALE_DELETE_MESSAGE = "该行在您打开页面后已被他人修改，未删除。请核对当前内容后再决定是否删除。"
GONE_MESSAGE = "该行已被他人删除，您的修改未保存。"


class RowRefused(Exception):
    """A child-row change refused, with the Chinese reason shown to the user.

    `code`: "state" (the parent's workflow state forbids changing its rows), "stale" (the row
    changed since the caller read it; `current` is its version now), "gone" (deleted since),
    "missing" (the parent is not in the actor's subtree: answer as for a missing id).
    """

    def __init__(self, message: str, *, code: str, current: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.current = current


def row_version(row: Any) -> str:
    """The version of a child row as stored: a keyed digest of its column values.

    A digest rather than `updated_at` alone: not every child model has one (a household
    member), and a write that names its columns (剔除 writes two of a line's) leaves it as it
    was. Keyed, so the hidden field tells nothing about the values (an ID number among them).
    """
    values = [(f.attname, f.value_to_string(row)) for f in row._meta.concrete_fields]
    return salted_hmac("gonghui.child-row-version", repr(values)).hexdigest()[:32]


def _lock_parent(child: ChildRows, parent: Any, actor: Any) -> Any:
    """The parent, locked and read again through the actor's scope, in a state whose rows may
    change. A transition locks the same row, so a row change and a step of the workflow are
    never interleaved: the change lands before the state moves on or is refused after it."""
    locked = child.parent.base_queryset(actor).select_for_update().filter(pk=parent.pk).first()
    if locked is None:
        raise RowRefused(MISSING, code="missing")
    if reason := child.change_refusal(locked):
        raise RowRefused(reason, code="state")
    return locked


def _lock_row(child: ChildRows, parent: Any, pk: Any, version: str, stale: str) -> Any:
    """The row, locked and read again under this parent, still the version the caller read
    (an empty `version`, from an older page or a script that sends none, is not checked)."""
    manager = child.model._default_manager
    current = manager.select_for_update().filter(pk=pk, **{child.parent_field: parent}).first()
    if current is None:
        raise RowRefused(GONE_MESSAGE, code="gone")
    now = row_version(current)
    if version and version != now:
        raise RowRefused(stale, code="stale", current=now)
    return current


def _audit(action: str, child: ChildRows, parent: Any, row: Any, changes: dict[str, Any],
           actor: Any, request: Any) -> None:
    # The audit row names the parent: "participant 12 of activity 7" is what a reader needs.
    audit.record(
        action,
        request=request,
        user=actor,
        obj=row,
        changes={
            **changes,
            "parent": {"type": parent._meta.label_lower, "id": parent.pk, "name": str(parent)},
        },
    )


def save_row(
    child: ChildRows,
    parent: Any,
    row: Any,
    *,
    actor: Any,
    version: str = "",
    request: Any = None,
    save_m2m: Any = None,
) -> Any:
    """Add (`row.pk` is None) or change one row of `parent` (fetched through the actor's scope),
    `row` carrying the new values unsaved; audited. Raises `RowRefused` and writes nothing
    when the parent's state forbids it or the row is no longer `version`; the model's own
    refusals (ValidationError, IntegrityError) pass through, also with nothing written."""
    with transaction.atomic():
        _lock_parent(child, parent, actor)
        before: dict[str, Any] = {}
        adding = row.pk is None
        if not adding:
            before = audit.snapshot(_lock_row(child, parent, row.pk, version, STALE_MESSAGE))
        # Rows have no parent field on their forms: this line is the only place one is set.
        setattr(row, child.parent_field, parent)
        row.save()
        if save_m2m is not None:
            save_m2m()
        action = AuditAction.CREATE if adding else AuditAction.UPDATE
        _audit(action, child, parent, row, audit.diff(before, audit.snapshot(row)), actor,
               request)
    return row


def delete_row(
    child: ChildRows, parent: Any, row: Any, *, actor: Any, version: str = "", request: Any = None
) -> str:
    """Delete one row of `parent` under the same rules as `save_row`; audited. Returns the
    row's name. A row other records still use raises the model's ProtectedError."""
    with transaction.atomic():
        _lock_parent(child, parent, actor)
        current = _lock_row(child, parent, row.pk, version, STALE_DELETE_MESSAGE)
        before = audit.snapshot(current)
        name, pk = str(current), current.pk
        current.delete()
        current.pk = pk  # keep the id for the audit row
        _audit(AuditAction.DELETE, child, parent, current, audit.diff(before, {}), actor,
               request)
    return name


def child_block(
    child: ChildRows, parent: Any, user: Any, notice: str = ""
) -> dict[str, Any]:
    """What the inline table on the parent's page shows: the first rows, how many there are,
    the declared aggregates (masked values: the parent's page is read by many), and add / edit
    / delete only where the user may change the parent and its state lets its rows change
    (`notice`: a refusal to show above the table, after an htmx request)."""
    rows = child.rows_of(parent)
    shown = list(rows[: child.inline_limit])
    # The number of rows comes with the aggregates, in their query: two queries per block
    # however many rows there are.
    totals = aggregate(rows.order_by(), [*child.aggregates, Aggregate(ROWS, "", Count("pk"))])
    total = int(totals.pop(ROWS))
    locked = child.change_refusal(parent)
    return {
        "child": child,
        "parent": parent,
        "rows": [(row, [(c, c.value(row)) for c in child.table.columns]) for row in shown],
        "total": total,
        "aggregates": [(a, totals[a.name]) for a in child.aggregates],
        "can_change": user.has_perm(child.perm("change")) and locked is None,
        "locked": locked if user.has_perm(child.perm("change")) else None,
        "notice": notice,
    }


def aggregate(
    rows: models.QuerySet[Any], aggregates: Sequence[Aggregate]
) -> dict[str, int | Decimal]:
    """Evaluate declared aggregates over any queryset of child rows (a parent's, a scope's)."""
    if not aggregates:
        return {}
    return exact_aggregates(rows, {a.name: a.expression for a in aggregates})


def parse_import_slug(slug: str) -> tuple[str, int, str] | None:
    """`activities/7/participants` → ("activities", 7, "participants"); a plain record slug
    (an ordinary import) → None. ImportJob.record_slug carries this for child imports."""
    parts = slug.split("/")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2]


def import_slug(child: ChildRows, parent: Any) -> str:
    return f"{child.parent.slug}/{parent.pk}/{child.slug}"
