"""The left menu, built from the registry and filtered by what the user may view."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from gonghui.core.records.registry import registry


def menu_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    entries = [
        {
            "label": r.label_plural,
            "icon": r.icon,
            "url": reverse(r.url_name("list")),
            "group": r.menu_group,
            "slug": r.slug,
        }
        for r in registry
        if user.has_perm(r.perm("view"))
    ]
    if user.has_perm("reports.view_review") and getattr(user, "org", None) is not None:
        entries.append(
            {
                "label": "工作回顾",
                "icon": "bi-file-earmark-text",
                "url": reverse("review-index"),
                "group": "统计与回顾",
                "slug": "reviews",
            }
        )
    if user.has_perm("core.view_auditentry"):
        entries.append(
            {
                "label": "审计日志",
                "icon": "bi-journal-text",
                "url": reverse("audit-log"),
                "group": "安全审计",
                "slug": "audit",
            }
        )
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        groups.setdefault(entry["group"], []).append(entry)
    return {"menu_groups": list(groups.items())}
