"""Organisation-building indicators (see gonghui.reports.indicators)."""

from __future__ import annotations

from gonghui.orgs.models import UNION_KINDS, Organization
from gonghui.reports.indicators import Scope, indicator


@indicator("orgs.unions_founded", "新建工会", "个")
def unions_founded(scope: Scope) -> int:
    """Grassroots and joint unions founded in the period."""
    return (
        scope.records(Organization)
        .filter(kind__in=UNION_KINDS, founded_on__range=scope.range)
        .count()
    )
