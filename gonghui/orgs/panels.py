"""The organisations app's home panel: term elections overdue and due soon (换届)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F

from gonghui.core.records.panels import PanelContext, home_panel
from gonghui.orgs.elections import (
    DUE_SOON,
    OVERDUE,
    STATUS_LABELS,
    DueUnion,
    due_rows,
    unions_with_status,
)
from gonghui.orgs.models import Election, Organization

DUE_LIST_LENGTH = 10


@dataclass
class DueList:
    status: str
    label: str
    rows: list[DueUnion]
    total: int
    list_query: str  # the election list's filter showing the unions that have elections


@home_panel("orgs.elections_due", "orgs/panel_elections_due.html", order=10,
            perm="orgs.view_election")
def elections_due(page: PanelContext) -> dict[str, Any]:
    """The unions overdue and due within 90 days on the page's day: two queries each."""
    user, org = page.user, page.org
    unions = Organization.objects.visible_to(user).within(org.path)
    scoped = Election.objects.visible_to(user).within(org.path)
    due = []
    for status in (OVERDUE, DUE_SOON):
        found = unions_with_status(unions, scoped, status, page.as_of)
        reuse = status == OVERDUE and page.as_of == page.period.end
        if reuse and "orgs.elections_overdue" in page.values:
            total = int(page.values["orgs.elections_overdue"])  # the same count, already made
        else:
            total = found.count()
        # The same order on both databases: unions judged by founding (no due date stored)
        # first, by founding day; then by due date.
        ordered = found.order_by(  # type: ignore[misc]  # annotations mypy cannot see
            F("last_due").asc(nulls_first=True), "founded_on", "path"
        )[:DUE_LIST_LENGTH]
        due.append(DueList(
            status, STATUS_LABELS[status], due_rows(ordered), total,
            f"status={status}&on={page.as_of.isoformat()}",
        ))
    return {"due": due, "as_of": page.as_of}
