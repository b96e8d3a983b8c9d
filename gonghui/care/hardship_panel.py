"""The 动态管理 due list on the home page: files in 档 not reviewed for twelve months."""

from __future__ import annotations

from typing import Any

from gonghui.care.models.hardship import HardshipFile
from gonghui.care.records.hardship import due_for_review
from gonghui.core.records.panels import PanelContext, home_panel

DUE_LIST_LENGTH = 10


@home_panel("care.hardship_due", "care/hardship_panel_due.html", order=60,
            perm="care.view_hardshipfile")
def hardship_due(page: PanelContext) -> dict[str, Any]:
    """One query for the first rows, oldest review first; a second only when there are more."""
    files = due_for_review(
        HardshipFile.objects.visible_to(page.user).within(page.org.path), page.as_of)
    rows = list(files.select_related("person", "org").order_by("reviewed_on", "pk")
                [:DUE_LIST_LENGTH + 1])
    total = len(rows) if len(rows) <= DUE_LIST_LENGTH else files.count()
    return {"rows": rows[:DUE_LIST_LENGTH], "total": total, "as_of": page.as_of,
            "list_query": f"review_due=true&on={page.as_of.isoformat()}&org={page.org.pk}"}
