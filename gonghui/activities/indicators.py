"""General activity indicators (see gonghui.reports.indicators); workstream apps add their own,
e.g. trainings held, by filtering on their kinds."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from gonghui.activities.models import PERSON_TIMES, Activity, Participant
from gonghui.core.records.children import Aggregate, aggregate
from gonghui.reports.indicators import Scope, indicator


@indicator("activities.held", "开展活动", "次")
def held(scope: Scope) -> int:
    """Activities of every kind that started in the period."""
    return scope.records(Activity).filter(start_date__range=scope.range).count()


@indicator("activities.person_times", "参与活动", "人次")
def person_times(scope: Scope) -> int:
    """Person-times of the activities that started in the period: every named sign-in once,
    plus the headcounts of the count rows."""
    rows = scope.records(Participant).filter(activity__start_date__range=scope.range)
    return int(aggregate(rows, [Aggregate("n", "", PERSON_TIMES)])["n"])


@indicator("activities.spent", "活动经费及物资", "元")
def spent(scope: Scope) -> Decimal:
    """Money and goods value of the activities that started in the period."""
    sums = (
        scope.records(Activity)
        .filter(start_date__range=scope.range)
        .aggregate(money=Sum("money"), goods=Sum("goods_value"))
    )
    return (sums["money"] or Decimal("0")) + (sums["goods"] or Decimal("0"))
