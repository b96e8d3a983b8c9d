"""The menu entry to the API's documentation (/api/): for whoever the API answers, i.e. whoever
may read at least one record type (gonghui.api.permissions.RecordPermission); the security
administrator and the auditor read no records and see no entry."""

from __future__ import annotations

from typing import Any

from gonghui.core.records.menus import menu_entry, menu_group
from gonghui.core.records.registry import registry


def may_use_api(user: Any) -> bool:
    return any(user.has_perm(record.perm("view")) for record in registry)


menu_entry("数据接口（API）", "api-index", group=menu_group("系统", order=950, icon="bi-gear"),
           perm="", icon="bi-plug", slug="api", when=may_use_api)
