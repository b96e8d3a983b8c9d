"""One filter set per record type, shared by the list page, the Excel export and the API.

Every filter set has `q` (the search bar, over the record type's search fields), `org` (an
org subtree) and, for a record type with a main date (`RecordType.activity_date`), `date`: a
range 从…至… on that date (`date_after`, `date_before`, both ends included), so that a cadre can
reproduce any figure of a period by hand. Choice lists of foreign keys are scoped too: a dropdown
naming another town's unions would be a leak as real as a list row; over a table that grows
they are pickers.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.db import models
from django.forms.utils import flatatt
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_filters.utils import label_for_filter
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from gonghui.core.records.days import DayInput, day_box
from gonghui.core.records.pickers import use_pickers
from gonghui.core.tenancy.models import org_model

if TYPE_CHECKING:
    from gonghui.core.records.registry import RecordType


@extend_schema_field(OpenApiTypes.INT)  # the API takes an organisation id
class OrgSubtreeFilter(django_filters.ModelChoiceFilter):
    """Narrow to one organisation's subtree, chosen among the organisations the user sees.

    A picker, like every choice over a table that grows: any organisation the user sees is
    accepted (the field validates against its whole scoped queryset), and one outside is not.
    """

    def filter(self, qs: Any, value: Any) -> Any:
        if value in (None, ""):
            return qs
        return qs.within(value.path)


class FromToWidget(django_filters.widgets.DateRangeWidget):
    """Two date inputs read as 从 [start] 至 [end], on one line after their label."""

    # The list page gives such a field a wider cell, its label to the left (core/_filter_field).
    is_range = True

    def __init__(self, attrs: Any = None) -> None:
        super().__init__(attrs)
        # Year-first text boxes, as every date box (gonghui.core.records.days).
        self.widgets: list[forms.Widget] = [DayInput(attrs=w.attrs) for w in self.widgets]

    def render(  # type: ignore[override]
        self, name: str, value: Any, attrs: Any = None, renderer: Any = None
    ) -> str:
        context = self.get_context(name, value, attrs)
        inputs = [
            format_html(
                '<input type="text" name="{}" value="{}"{}>',
                sub["name"], sub["value"] or "",
                flatatt({k: v for k, v in sub["attrs"].items() if k != "type"}),
            )
            for sub in context["widget"]["subwidgets"]
        ]
        return format_html(
            '<div class="input-group input-group-sm gh-date-range">'
            '<span class="input-group-text">从</span>{}'
            '<span class="input-group-text">至</span>{}</div>',
            *inputs,
        )


def date_range_filter(field_name: str, label: str) -> django_filters.DateFromToRangeFilter:
    return django_filters.DateFromToRangeFilter(
        label=label, field_name=field_name, widget=FromToWidget()
    )


DATE_FILTER = "date"  # the list pages' parameter: ?date_after=2018-01-01&date_before=2018-06-30
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
        for filter_ in self.filters.values():
            field_qs = getattr(filter_, "queryset", None)
            if isinstance(field_qs, models.QuerySet) and hasattr(field_qs, "visible_to"):
                # Re-derive rather than trust the declared queryset: choices are scoped data.
                filter_.queryset = field_qs.visible_to(user)
                filter_.extra["queryset"] = filter_.queryset
            if isinstance(filter_, DATE_FILTERS):
                from gonghui.core.records.forms import validate_date_range

                # Every date a filter takes obeys the date rule: ?on=9999-12-31 made pages 500.
                filter_.extra["validators"] = [validate_date_range]

    @property
    def form(self) -> Any:
        form = super().form
        if not getattr(form, "styled", False):
            for bound in form.fields.values():
                if hasattr(bound, "empty_label"):
                    bound.empty_label = "全部"
                day_box(bound)  # a date reads 年-月-日 (gonghui.core.records.days)
                widget = bound.widget
                if isinstance(widget, forms.CheckboxSelectMultiple):
                    css = "form-check-input"
                elif hasattr(widget, "choices"):
                    css = "form-select"
                else:
                    css = "form-control"
                widget.attrs.setdefault("class", css)
            # A filter over people or organisations is typed into, never a long <select>.
            use_pickers(form.fields, create=False)
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
    if record.activity_date:
        field = record.model._meta.get_field(record.activity_date)
        label = str(getattr(field, "verbose_name", record.activity_date))
        attrs[DATE_FILTER] = date_range_filter(record.activity_date, label)
    filterset: Any = type(f"{record.model.__name__}FilterSet", (record.filterset_base,), attrs)
    for filter_ in filterset.base_filters.values():
        if filter_._label is None:
            # django-filter derives a missing label on first read and keeps it as a plain
            # string, in whatever language is active then; the API schema reads it under
            # `?lang=en`, and every later list page of that process would say "Status".
            # A lazy label is translated each time it is shown.
            filter_.label = lazy(label_for_filter, str)(
                record.model, filter_.field_name, filter_.lookup_expr, filter_.exclude
            )
    return filterset
