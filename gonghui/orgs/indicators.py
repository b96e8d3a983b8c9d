"""Organisation-building indicators (see gonghui.reports.indicators)."""

from __future__ import annotations

from django.db.models import QuerySet

from gonghui.orgs.elections import OVERDUE, unions_with_status
from gonghui.orgs.models import UNION_KINDS, Election, Organization, WorkersHome
from gonghui.reports.indicators import Scope, indicator

UNION_KIND_QUERY = "&".join(f"kind={kind.value}" for kind in UNION_KINDS)


@indicator("orgs.unions_founded", "新建工会", "个", slug="orgs",
           query=lambda scope: f"{UNION_KIND_QUERY}&{scope.dates}",
           description="期间内新成立的基层工会和联合工会个数（按成立日期）。")
def unions_founded(scope: Scope) -> QuerySet[Organization]:
    """Grassroots and joint unions founded in the period."""
    return scope.records(Organization).filter(kind__in=UNION_KINDS, founded_on__range=scope.range)


@indicator("orgs.elections_held", "指导基层工会换届", "个", slug="elections",
           query=lambda scope: scope.dates,
           description="期间内完成换届选举的工会个数（按选举日期）。")
def elections_held(scope: Scope) -> QuerySet[Election]:
    """Term elections held in the period (by election date)."""
    return scope.records(Election).filter(held_on__range=scope.range)


@indicator("orgs.elections_overdue", "逾期未换届工会", "个", slug="orgs",
           query=lambda scope: f"election_status={OVERDUE}&on={scope.end}",
           description="期末最后一天任期已满而未换届的工会个数；从未登记换届的工会按成立"
           "满三年计，两者都没有的不计。")
def elections_overdue(scope: Scope) -> QuerySet[Organization]:
    """Unions whose term had run out on the period's last day without a new election.

    Judged from the elections held by that day, so a past period's figure stays what it was
    after late elections are entered. A union with no election on record is judged by its
    founding date (a first term of three years); one with neither is not counted.
    """
    return unions_with_status(
        scope.records(Organization), scope.records(Election), OVERDUE, scope.period.end
    )


@indicator("orgs.workers_homes_awarded", "命名职工之家", "个", slug="homes",
           query=lambda scope: scope.dates,
           description="期间内获命名的各级职工之家个数（按命名日期）。")
def workers_homes_awarded(scope: Scope) -> QuerySet[WorkersHome]:
    """Workers' home titles named in the period, at every level (by the naming date)."""
    return scope.records(WorkersHome).filter(awarded_on__range=scope.range)
