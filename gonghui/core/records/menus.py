"""The left menu, built from declarations and filtered by what the user may view.

Each app declares its menu group (label, order, icon) and any entry that is not a record type's
list page, in its own code (records.py is loaded at start-up):

    MEMBERS = menu_group("会员管理", order=20, icon="bi-people")
    menu_entry("工作回顾", "review-index", group=REVIEWS, perm="reports.view_review", ...)

Record types join their group by `RecordType(menu_group=MEMBERS)`. Groups show in `order`, then
any group nobody declared, in the order its first entry comes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from gonghui.core.records.registry import registry


@dataclass(frozen=True)
class MenuGroup:
    label: str
    order: int = 100
    icon: str = ""

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    group: str
    perm: str
    icon: str = "bi-table"
    order: int = 100
    slug: str = ""  # marks the entry active on pages of that slug
    needs_org: bool = False  # shown only to a user with an organisation
    # Shown only when this says so of the user (a right no single permission names: the API
    # is for whoever may read any record type); with `perm` empty, it alone decides.
    when: Callable[[Any], bool] | None = None


_GROUPS: dict[str, MenuGroup] = {}
_ENTRIES: dict[str, MenuEntry] = {}


def menu_group(label: str, *, order: int = 100, icon: str = "") -> str:
    """Declare a menu group; returns its label, for `RecordType(menu_group=...)`."""
    group = MenuGroup(label, order, icon)
    known = _GROUPS.get(label)
    if known is not None and known != group:
        raise ValueError(f"menu group {label!r} declared twice, differently")
    _GROUPS[label] = group
    return label


def menu_entry(
    label: str, url_name: str, *, group: str, perm: str, icon: str = "bi-table",
    order: int = 100, slug: str = "", needs_org: bool = False,
    when: Callable[[Any], bool] | None = None,
) -> MenuEntry:
    """Declare a menu entry that is not a record type's list page."""
    entry = MenuEntry(label, url_name, group, perm, icon, order, slug or url_name, needs_org,
                      when)
    _ENTRIES[entry.slug] = entry
    return entry


def menu_groups() -> list[MenuGroup]:
    return sorted(_GROUPS.values(), key=lambda g: (g.order, g.label))


def menu_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    entries: list[dict[str, Any]] = [
        {
            "label": r.label_plural,
            "icon": r.icon,
            "url": reverse(r.url_name("list")),
            "group": r.menu_group,
            "slug": r.slug,
            "order": r.menu_order,
        }
        for r in registry
        if user.has_perm(r.perm("view")) and (r.in_menu is None or r.in_menu(user))
    ]
    has_org = getattr(user, "org", None) is not None
    entries += [
        {
            "label": e.label,
            "icon": e.icon,
            "url": reverse(e.url_name),
            "group": e.group,
            "slug": e.slug,
            "order": e.order,
        }
        for e in sorted(_ENTRIES.values(), key=lambda e: (e.order, e.slug))
        if (not e.perm or user.has_perm(e.perm)) and (has_org or not e.needs_org)
        and (e.when is None or e.when(user))
    ]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        grouped.setdefault(entry["group"], []).append(entry)
    rank = {group.label: index for index, group in enumerate(menu_groups())}
    labels = sorted(grouped, key=lambda label: rank.get(label, len(rank)))
    return {
        "menu_groups": [
            (_GROUPS.get(label, MenuGroup(label)), sorted(grouped[label], key=lambda e: e["order"]))
            for label in labels
        ]
    }


menu_entry("审计日志", "audit-log", group=menu_group("安全审计", order=900, icon="bi-shield-lock"),
           perm="core.view_auditentry", icon="bi-journal-text", slug="audit")
