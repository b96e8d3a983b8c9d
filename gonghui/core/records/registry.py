"""The record-type registry: declare a record type once, get its pages, export, API and menu.

A declaration names the model, its URL slug, the table columns, the filters, the searchable
fields, the form fields, where it sits in the menu and what each role may do with it. The list,
detail, create, edit, delete, export and autocomplete views, their URLs, the API endpoints, the
menu entry and the role permissions are all generated from it (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from django import forms
from django.db import models

from gonghui.core.attachments.kinds import AttachmentKind
from gonghui.core.imports.spec import ImportSpec
from gonghui.core.records.children import ChildRows
from gonghui.core.records.filters import RecordFilterSet, build_filterset
from gonghui.core.records.forms import RecordForm
from gonghui.core.records.rowaction import RecordAction
from gonghui.core.records.tables import Column, Table
from gonghui.core.workflow.spec import Workflow

ACTIONS = ("view", "add", "change", "delete")


class PickerCreate(Protocol):
    """A record type's offer to create a record from a picker's query.

    `offer` answers a query that found nothing with what the picker shows (a dict of strings,
    `label` among them) or None; `create` makes the record from the posted fields and returns
    it, or raises `ValidationError` with a Chinese message. The app that owns the model
    implements it: the generic layer knows neither people nor ID numbers.
    """

    def offer(self, query: str, user: Any) -> dict[str, str] | None: ...

    def create(self, data: Mapping[str, str], user: Any) -> models.Model: ...


@dataclass
class RelatedRows:
    record: RecordType
    rows: list[tuple[Any, list[tuple[Column, Any]]]]
    total: int
    query: str  # the list page's filter that shows all of them


@dataclass
class Related:
    """A panel on a detail page: records of another type that belong to this one."""

    label: str
    slug: str
    lookup: Callable[[models.QuerySet[Any], Any], models.QuerySet[Any]]
    list_query: Callable[[Any], str] = lambda obj: ""
    limit: int = 10

    def rows(self, obj: Any, user: Any) -> RelatedRows | None:
        record = registry[self.slug]
        if not user.has_perm(record.perm("view")):
            return None
        queryset = self.lookup(record.list_queryset(user), obj)
        # Masked for everyone: the panel sits on one record's page, where a full value is shown
        # only through the audited reveal (core.views.RecordRevealView).
        rows = [
            (item, [(c, c.value(item, reveal=False)) for c in record.table.columns])
            for item in queryset.order_by(*record.default_ordering)[: self.limit]
        ]
        return RelatedRows(record, rows, queryset.count(), self.list_query(obj))


@dataclass(eq=False)
class RecordType:
    """What the generic layer needs to know about one kind of record."""

    model: type[models.Model]
    slug: str
    columns: Sequence[str | Column]
    search_fields: Sequence[str] = ()
    filters: Sequence[str] = ()
    form_fields: Sequence[str] = ()
    menu_group: str = "组织管理"
    menu_order: int = 100
    icon: str = "bi-table"
    # {role: "view add change delete"}; the city administrator holds every action on every type.
    grants: Mapping[str, str] = field(default_factory=dict)
    form_base: type[RecordForm] = RecordForm
    filterset_base: type[RecordFilterSet] = RecordFilterSet
    detail_template: str = "core/record_detail.html"
    related: Sequence[Related] = ()
    # A field with choices whose breakdown the home dashboard shows beside the total.
    count_by: str = ""
    # The date field on which the record's event happened (founded, enrolled, held, named …):
    # the dashboard's "latest records" and its choice of a half-year with activity read it.
    activity_date: str = ""
    # How cadres bulk-enter this record type from Excel, if they do.
    import_spec: ImportSpec | None = None
    default_ordering: Sequence[str] = ("-pk",)
    # Whether the top bar's search looks in this type. Records found only by their union's name
    # (elections, workers' homes) stay out: the organisations' group already finds the union,
    # and every group searched costs the page a query.
    in_search: bool = True
    # Pickers and imports (docs/architecture.md, "Pickers", "Declaring an import"):
    # `grows` marks a table that can grow without bound (people, organisations, enterprises):
    # every foreign key to it is an autocomplete, never a <select>.
    grows: bool = False
    # The field an import names a record of this type by (组织编码, 身份证号, 统一社会信用代码),
    # and the word a foreign key's header adds to the field's name ("工会" + "编码").
    natural_key: str = ""
    natural_key_label: str = ""
    # What a picker's query means here: an index-served condition (name prefix, initials, code).
    # Without it the picker searches like the list page's search box.
    picker_search: Callable[[str], models.Q] | None = None
    # How a picker offers to create a record from what was typed (a person from an ID number).
    picker_create: PickerCreate | None = None
    # What a picker shows for a record (a name alone is ambiguous), and the hint in its box.
    picker_label: Callable[[Any], str] | None = None
    picker_hint: str = "输入名称搜索"
    # The box's tooltip, when the hint is kept short to fit a phone's width (default: the hint).
    picker_help: str = ""

    # The kinds of files the record carries (照片, 会议纪要 …): gallery and file list on the
    # detail page, upload and download URLs, `required_attachment` rules (core/attachments/).
    attachments: Sequence[AttachmentKind] = ()
    # Record types edited under this one (gonghui.core.records.children); apps add theirs to
    # another app's type with `add_children`.
    children: list[ChildRows] = field(default_factory=list)

    # States and transitions (gonghui.core.workflow): the transition pages, buttons, bulk
    # actions, API endpoints, permissions, state filter and decision ledger come from it.
    workflow: Workflow | None = None

    # Whether the left menu lists it for this user (default: whoever may view it).
    in_menu: Callable[[Any], bool] | None = None
    # Actions on one record or on the list page's ticked rows (gonghui.core.records.rowaction).
    actions: Sequence[RecordAction] = ()
    # Fields the detail page leaves out (derived search helpers and the like).
    detail_exclude: Sequence[str] = ()
    # Extra context for the detail page: detail_extra(obj, user) -> dict.
    detail_extra: Callable[[Any, Any], dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        declared, self.children = list(self.children), []
        self.add_children(*declared)
        if self.workflow is not None and self.workflow.field not in self.filters:
            # Every list of a workflow's records filters by state.
            self.filters = [*self.filters, self.workflow.field]
        bind = getattr(self.import_spec, "bind", None)
        if bind is not None:
            bind(self)  # a declared import reads its columns from this record type

    def add_children(self, *children: ChildRows) -> None:
        for child in children:
            if any(c.slug == child.slug for c in self.children):
                raise ValueError(f"{self.slug}: child rows {child.slug!r} declared twice")
            child.parent = self
            if child.parent_states is not None:
                codes = {s.code for s in self.workflow.states} if self.workflow else set()
                unknown = set(child.parent_states) - codes
                if unknown:
                    raise ValueError(
                        f"{self.slug}: child rows {child.slug!r} name unknown parent states "
                        f"{sorted(unknown)}"
                    )
            self.children.append(child)

    def child(self, slug: str) -> ChildRows:
        return next(c for c in self.children if c.slug == slug)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # Pickled as its slug (it holds lookups that do not pickle): the home page's figures,
        # which name record types, are kept in the shared cache (gonghui.reports.home).
        return (_registered, (self.slug,))

    @property
    def opts(self) -> Any:
        return self.model._meta

    @property
    def label(self) -> str:
        return str(self.opts.verbose_name)

    @property
    def label_plural(self) -> str:
        return str(self.opts.verbose_name_plural)

    def perm(self, action: str) -> str:
        return f"{self.opts.app_label}.{action}_{self.opts.model_name}"

    @property
    def grantable_actions(self) -> tuple[str, ...]:
        """Every action a role may be granted: the four record actions and each transition."""
        names = tuple(t.name for t in self.workflow.transitions) if self.workflow else ()
        return (*ACTIONS, *names)

    def declared_grants(self) -> dict[str, set[str]]:
        """`{role: {action, ...}}` as declared; the accounts app adds the administrator's."""
        grants = {role: set(actions.split()) for role, actions in self.grants.items()}
        for role, actions in grants.items():
            if unknown := actions - set(self.grantable_actions):
                raise ValueError(f"{self.slug}: role {role} granted unknown {sorted(unknown)}")
        return grants

    def url_name(self, view: str) -> str:
        return f"{self.slug}-{view}"

    @cached_property
    def table(self) -> Table:
        return Table(self.model, self.columns)

    @cached_property
    def filterset_class(self) -> type[RecordFilterSet]:
        return build_filterset(self)

    @cached_property
    def record_actions(self) -> list[RecordAction]:
        """What ticked rows on the list page can be given: the declared actions and, for a
        workflow, each transition (gonghui.core.workflow.actions.record_actions), so that a
        list has one tick-box column and one action bar whatever it offers."""
        found = list(self.actions)
        if self.workflow is not None:
            from gonghui.core.workflow.actions import record_actions

            found += record_actions(self)
        slugs = [action.slug for action in found]
        if len(set(slugs)) != len(slugs):
            raise ValueError(f"{self.slug}: an action and a transition share a name: {slugs}")
        return found

    @cached_property
    def form_class(self) -> type[RecordForm]:
        return forms.modelform_factory(  # type: ignore[return-value]
            self.model, form=self.form_base, fields=list(self.form_fields)
        )

    @cached_property
    def detail_fields(self) -> list[models.Field[Any, Any]]:
        """The fields a detail page shows: every concrete, user-facing field."""
        skip = {"id", "path", "depth", "numchild", "org_path", *self.detail_exclude}
        fields = [f for f in self.opts.concrete_fields if f.name not in skip]
        # Bookkeeping timestamps read last: a cadre opens a record for its content.
        return sorted(fields, key=lambda f: f.name in {"created_at", "updated_at"})

    def attachment_kind(self, code: str) -> AttachmentKind | None:
        return next((kind for kind in self.attachments if kind.code == code), None)

    def base_queryset(self, user: Any) -> models.QuerySet[Any]:
        """The one starting point of every query served to a user: their subtree."""
        return self.model.objects.visible_to(user)  # type: ignore[attr-defined,no-any-return]

    def list_queryset(self, user: Any) -> models.QuerySet[Any]:
        return self.base_queryset(user).select_related(*self.table.select_related())


class Registry:
    def __init__(self) -> None:
        self._types: dict[str, RecordType] = {}

    def register(self, record: RecordType) -> RecordType:
        if record.slug in self._types:
            raise ValueError(f"record type {record.slug!r} registered twice")
        self._types[record.slug] = record
        if record.attachments:
            # Imported here: the attachment model loads with the app registry, after this module.
            from gonghui.core.attachments.models import follow_parents

            follow_parents(record.model)
        return record

    def __iter__(self) -> Iterator[RecordType]:
        return iter(sorted(self._types.values(), key=lambda r: (r.menu_order, r.slug)))

    def __getitem__(self, slug: str) -> RecordType:
        return self._types[slug]

    def for_model(self, model: type[models.Model]) -> RecordType | None:
        return next((r for r in self._types.values() if r.model is model), None)


registry = Registry()
register = registry.register


def _registered(slug: str) -> RecordType:
    return registry[slug]
