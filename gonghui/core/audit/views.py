"""The audit-log page: for the auditor role, with filters; read-only by construction."""

from __future__ import annotations

import django_filters
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit.models import AuditAction, AuditEntry


class AuditFilterSet(django_filters.FilterSet):
    username = django_filters.CharFilter(label=_("用户名"), lookup_expr="icontains")
    action = django_filters.ChoiceFilter(label=_("操作"), choices=AuditAction.choices)
    object_type = django_filters.CharFilter(label=_("对象类型"), lookup_expr="icontains")
    since = django_filters.DateFilter(label=_("起始日期"), field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("截止日期"), field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = ["username", "action", "object_type", "since", "until"]


@permission_required("core.view_auditentry", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditFilterSet(
        request.GET or None, queryset=AuditEntry.objects.select_related("user")
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"filterset": filterset, "page": page, "base_query": params.urlencode()},
    )
