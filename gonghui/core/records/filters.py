"""One filter set per record type, shared by the list page, the Excel export and the API.

Every filter set has `q` (the search bar, over the record type's search fields) and `org` (an
org subtree). Choice lists of foreign keys are scoped too: a dropdown naming another town's unions
would be a leak as real as a list row.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.db import models
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from gonghui.core.tenancy.models import org_model

if TYPE_CHECKING:
    from gonghui.core.records.registry import RecordType


class _ShownOrgs(ModelChoiceIterator):
    """The dropdown's options: the user's organisation and two levels below it.

    A province holds thousands of unions; a <select> of all of them is most of a list page's
    time (and of no use to anybody). Any organisation the user sees is still accepted — the
    field validates against its whole queryset — so a link to a union's members keeps working,
    and the chosen one is always among the options.
    """

    def __init__(self, field: OrgChoiceField) -> None:
        super().__init__(field)
        shown = Q(depth__lte=field.shown_depth) if field.shown_depth else Q()
        if field.keep:
            shown |= Q(pk=field.keep)
        # Only what an option shows: `Organization.__str__` is its name.
        self.queryset = field.queryset.filter(shown).only("pk", "name")  # type: ignore[union-attr]


class FastSelect(forms.Select):
    """A <select> written in one pass: Django renders each option through a template, which
    for a province's two hundred federations costs more than the page's queries."""

    def render(  # type: ignore[override]
        self, name: str, value: Any, attrs: Any = None, renderer: Any = None
    ) -> str:
        final = self.build_attrs(self.attrs, attrs or {})
        final["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            (
                (str(v), mark_safe(" selected") if str(v) in chosen else "", label)
                for v, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


class OrgChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    iterator = _ShownOrgs
    widget = FastSelect

    def __init__(self, *args: Any, shown_depth: int = 0, keep: Any = None, **kwargs: Any):
        self.shown_depth = shown_depth
        self.keep = keep if str(keep or "").isdigit() else None
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)  # the API takes an organisation id
class OrgSubtreeFilter(django_filters.ModelChoiceFilter):
    """Narrow to one organisation's subtree, chosen among the organisations the user sees."""

    field_class = OrgChoiceField

    def filter(self, qs: Any, value: Any) -> Any:
        if value in (None, ""):
            return qs
        return qs.within(value.path)


DATE_FILTERS = (django_filters.DateFilter, django_filters.DateFromToRangeFilter)


class RecordFilterSet(django_filters.FilterSet):
    """Base of every record type's filter set; built by `RecordType.filterset_class`."""

    record_type: RecordType

    q = django_filters.CharFilter(label=_("关键词"), method="search")

    def __init__(
        self,
        data: Any = None,
        queryset: Any = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data=data, queryset=queryset, request=request, prefix=prefix)
        user = getattr(request, "user", None)
        for name, filter_ in self.filters.items():
            field_qs = getattr(filter_, "queryset", None)
            if isinstance(field_qs, models.QuerySet) and hasattr(field_qs, "visible_to"):
                # Re-derive rather than trust the declared queryset: choices are scoped data.
                filter_.queryset = field_qs.visible_to(user)
                filter_.extra["queryset"] = filter_.queryset
            if isinstance(filter_, DATE_FILTERS):
                from gonghui.core.records.forms import validate_date_range

                # Every date a filter takes obeys the date rule: ?on=9999-12-31 made pages 500.
                filter_.extra["validators"] = [validate_date_range]
            if isinstance(filter_, OrgSubtreeFilter):
                org = getattr(user, "org", None)
                filter_.extra["shown_depth"] = org.depth + 2 if org is not None else 0
                filter_.extra["keep"] = (data or {}).get(name) if hasattr(data, "get") else None

    @property
    def form(self) -> Any:
        form = super().form
        if not getattr(form, "styled", False):
            for bound in form.fields.values():
                if hasattr(bound, "empty_label"):
                    bound.empty_label = "全部"
                widget = bound.widget
                widget.attrs.setdefault(
                    "class", "form-select" if hasattr(widget, "choices") else "form-control"
                )
            form.styled = True
        return form

    def search(self, qs: Any, name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return qs
        fields = self.record_type.search_fields
        return qs.filter(
            reduce(operator.or_, (models.Q(**{f"{f}__icontains": value}) for f in fields))
        )


def build_filterset(record: RecordType) -> type[RecordFilterSet]:
    """A filter set class from a record type's `filters` declaration."""
    attrs: dict[str, Any] = {
        "record_type": record,
        "org": OrgSubtreeFilter(
            label=_("组织范围"),
            queryset=lambda request: org_model().objects.visible_to(request.user),
            field_name="org",
        ),
        "Meta": type("Meta", (), {"model": record.model, "fields": list(record.filters)}),
    }
    return type(f"{record.model.__name__}FilterSet", (record.filterset_base,), attrs)
