"""General activity indicators (see gonghui.reports.indicators); workstream apps add their own,
e.g. trainings held, by filtering on their kinds. Each lists its activities on the activity list
with the period's date range, so a figure can be checked record by record."""

from __future__ import annotations

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
)

from gonghui.activities.models import PERSON_TIMES, Activity, Participant
from gonghui.reports.indicators import Scope, indicator

# Money and goods value of one activity, summed in the database (never through floats).
SPENT = ExpressionWrapper(F("money") + F("goods_value"),
                          output_field=DecimalField(max_digits=14, decimal_places=2))

# Person-times (人次) of one activity, as a column of the activity list: summed over the
# activities of a scope and period, it is their person-times (the list shows the same rows and
# the same sum). An activity without participants has none (NULL, which the sum skips).
ACTIVITY_PERSON_TIMES = Subquery(
    Participant.objects.filter(activity=OuterRef("pk")).order_by().values("activity")
    .annotate(times=PERSON_TIMES).values("times"),
    output_field=IntegerField(),
)


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


@indicator("activities.person_times", "活动参与人次", "人次", slug="activities",
           query=lambda scope: scope.dates, total=ACTIVITY_PERSON_TIMES)
def person_times(scope: Scope) -> QuerySet[Activity]:
    """Person-times (人次) of the activities that started in the period: every sign-in of a
    named participant once (a person at a two-day training who signs in on both days counts
    twice), plus the headcount of the rows where names are not kept. Not the number of distinct
    persons, which is the activity page's 参与人数."""
    return scope.records(Activity).filter(start_date__range=scope.range)
