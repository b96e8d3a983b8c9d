"""`/api/`: the API's documentation, in Chinese, for the people who connect other systems.

The index is rendered on the server from the record registry, the same source the endpoints
are generated from (gonghui/api/urls.py), so it cannot list an endpoint that does not exist:
per record type its list and detail URLs, the fields a row carries, the list's query
parameters with their Chinese labels, a workflow's transitions, its child rows' and its
attachments' endpoints. The machine-readable
OpenAPI schema is at /api/schema/, and /api/docs/ serves Swagger UI from the
drf-spectacular-sidecar package's files (no CDN), its start-up script a file of its own rather
than inline (SpectacularSwaggerSplitView), as the content security policy wants.

Both pages need a signed-in account, like every page of the platform; what each account may
read through the API is what it may read on the list pages (marked on the index).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import django_filters
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

from gonghui.core.records.registry import RecordType, registry


@dataclass
class Endpoint:
    method: str
    url: str
    summary: str


@dataclass
class ApiType:
    name: str
    slug: str
    allowed: bool
    endpoints: list[Endpoint]
    fields: list[tuple[str, str]]  # (JSON name, Chinese name)
    parameters: list[tuple[str, str]] = field(default_factory=list)


def _fields(record: RecordType) -> list[tuple[str, str]]:
    found = [("id", "记录编号")]
    for column in record.table.columns:
        found.append((column.name, str(column.label)))
    return found


def _parameters(record: RecordType) -> list[tuple[str, str]]:
    """The list filter's parameters, read from its declarations (no form, no query)."""
    found = []
    for name, item in record.filterset_class.base_filters.items():
        label = str(item.label or _verbose(record, item.field_name) or name)
        if isinstance(item, django_filters.DateFromToRangeFilter):
            found += [(f"{name}_after", f"{label}（起，YYYY-MM-DD）"),
                      (f"{name}_before", f"{label}（止，YYYY-MM-DD）")]
        elif isinstance(item, django_filters.DateFilter):
            found.append((name, f"{label}（YYYY-MM-DD）"))
        else:
            found.append((name, label))
    found.append(("page", "页码（每页50条）"))
    return found


def _verbose(record: RecordType, field_name: str) -> str:
    from django.core.exceptions import FieldDoesNotExist

    try:
        return str(record.model._meta.get_field(field_name).verbose_name)  # type: ignore[union-attr]
    except FieldDoesNotExist:  # a filter on a path (`person__name`) or a method: no field name
        return ""


def api_types(user: Any) -> list[ApiType]:
    types = []
    for record in registry:
        base = reverse(f"api-{record.slug}-list")
        name = str(record.opts.verbose_name)
        endpoints = [
            Endpoint("GET", base, f"{name}列表：按下方参数筛选，分页返回"),
            Endpoint("GET", f"{base}{{id}}/", f"一条{name}（记录编号 id）"),
        ]
        if record.workflow is not None:
            for step in record.workflow.transitions:
                endpoints.append(Endpoint(
                    "POST", f"{base}{{id}}/transitions/{step.name}/",
                    f"{step.label}（可附意见 opinion；需有“{step.label}”权限）",
                ))
        for child in record.children:
            rows = f"{base}{{id}}/{child.slug}/"
            label = child.label
            endpoints += [
                Endpoint("GET", rows, f"一条{name}的{child.label_plural}（分页，附合计 totals）"),
                Endpoint("POST", rows, f"新增{label}（按网页表单同样的规则校验；需修改权限）"),
                Endpoint("GET", f"{rows}{{child_pk}}/", f"一行{label}"),
                Endpoint("PUT / PATCH", f"{rows}{{child_pk}}/",
                         f"修改{label}（PATCH 只改提交的字段）"),
                Endpoint("DELETE", f"{rows}{{child_pk}}/", f"删除{label}"),
            ]
        if record.attachments:
            files = f"{base}{{id}}/attachments/"
            kinds = "、".join(f"{k.code}（{k.label}）" for k in record.attachments)
            endpoints += [
                Endpoint("GET", files, "附件列表（类别、说明、大小、上传人、上传时间）"),
                Endpoint("POST", files,
                         f"上传附件（multipart：kind、file、caption；类别：{kinds}）"),
                Endpoint("GET", f"{files}{{attachment}}/", "下载附件（不缓存）"),
                Endpoint("DELETE", f"{files}{{attachment}}/", "删除附件（需修改权限）"),
            ]
        types.append(ApiType(
            name=name, slug=record.slug, allowed=user.has_perm(record.perm("view")),
            endpoints=endpoints, fields=_fields(record), parameters=_parameters(record),
        ))
    return types


def api_index(request: HttpRequest) -> HttpResponse:
    """The API's documentation page (/api/)."""
    types = api_types(request.user)
    return render(request, "api/index.html", {
        "types": types,
        "allowed_count": sum(1 for t in types if t.allowed),
        "title": settings.SPECTACULAR_SETTINGS.get("TITLE", "API"),
        "token_days": getattr(settings, "GONGHUI_API_TOKEN_DAYS", None),
        "idle_days": getattr(settings, "GONGHUI_API_TOKEN_IDLE_DAYS", None),
    })


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI over /api/schema/, from the vendored files (SWAGGER_UI_DIST = SIDECAR)."""

    permission_classes = [IsAuthenticated]
    title = "工会工作平台 API 在线调试"
    # drf-spectacular's page without its inline <style>, which the CSP refuses.
    template_name = "api/swagger_ui.html"
    # A page, not an endpoint: DRF's OPTIONS description would render through the HTML
    # template and fail; GET is all it answers.
    http_method_names = ["get", "head"]
