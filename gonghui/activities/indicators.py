"""General activity indicators (see gonghui.reports.indicators); workstream apps add their own,
e.g. trainings held, by filtering on their kinds. Each lists its activities on the activity list
with the period's date range, so a figure can be checked record by record."""

from __future__ import annotations

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet

from gonghui.activities.models import Activity
from gonghui.reports.indicators import Scope, indicator

# Money and goods value of one activity, summed in the database (never through floats).
SPENT = ExpressionWrapper(F("money") + F("goods_value"),
                          output_field=DecimalField(max_digits=14, decimal_places=2))


@indicator("activities.held", "开展活动", "次", slug="activities",
           query=lambda scope: scope.dates,
           description="期间内开始的各类活动次数（按开始日期），含会议、走访、慰问、培训等。")
def held(scope: Scope) -> QuerySet[Activity]:
    """Activities of every kind that started in the period."""
    return scope.records(Activity).filter(start_date__range=scope.range)


@indicator("activities.spent", "活动经费及物资", "元", slug="activities",
           query=lambda scope: scope.dates, total=SPENT,
           description="期间内开始的活动所用资金与物资折价之和（元，按开始日期）。")
def spent(scope: Scope) -> QuerySet[Activity]:
    """Money and goods value of the activities that started in the period."""
    return scope.records(Activity).filter(start_date__range=scope.range)
