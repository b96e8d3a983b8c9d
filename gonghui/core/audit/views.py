"""The audit-log page: for the auditor role, with filters; read-only by construction."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import present
from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.core.records.days import day_box


class AuditFilterSet(django_filters.FilterSet):
    username = django_filters.CharFilter(label=_("用户名"), lookup_expr="icontains")
    action = django_filters.ChoiceFilter(label=_("操作"), choices=AuditAction.choices)
    object_type = django_filters.CharFilter(label=_("对象类型"), method="filter_type")
    since = django_filters.DateFilter(label=_("起始日期"), field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("截止日期"), field_name="at", lookup_expr="date__lte")

    def filter_type(self, queryset: QuerySet[AuditEntry], name: str, value: str) -> Any:
        """By the Chinese name the page shows (会籍), or the stored type (people.membership)."""
        text = value.strip()
        if not text:
            return queryset
        stored = [label for label in present.known_types() if text in present.type_label(label)]
        return queryset.filter(Q(object_type__icontains=text) | Q(object_type__in=stored))

    class Meta:
        model = AuditEntry
        fields = ["username", "action", "object_type", "since", "until"]


@permission_required("core.view_auditentry", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditFilterSet(
        request.GET or None, queryset=AuditEntry.objects.select_related("user")
    )
    for field in filterset.form.fields.values():
        # The page's filter boxes look like every other list's.
        select = isinstance(field.widget, forms.Select)
        field.widget.attrs.setdefault("class", "form-select" if select else "form-control")
        if isinstance(field, forms.DateField):
            day_box(field)  # a date reads 年-月-日 (gonghui.core.records.days)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    changes = present.lines(page.object_list)
    rows = [(entry, present.type_label(entry.object_type), changes[entry.pk]) for entry in page]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"filterset": filterset, "page": page, "rows": rows, "base_query": params.urlencode()},
    )
