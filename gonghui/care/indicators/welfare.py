"""Welfare figures (see gonghui.reports.indicators): consolation, summer cooling, sanatorium
stays and the three registries, each counting the records of the period only.

The activity figures list their activities (the activity list, filtered to the kind and the
period); a figure made of the activities' child rows is a sum over those same activities of an
expression across the rows (one per household, one per unit, a participant's person-times), so
the list it links to adds up to it. Money is the activities' cash plus goods value, summed by
the database as Decimal.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce

from gonghui.activities.indicators import SPENT
from gonghui.activities.models import Activity
from gonghui.care.models.welfare import (
    CONSOLATION,
    COOLING,
    SANATORIUM,
    EntrepreneurBase,
    EntrepreneurLeader,
    NursingRoom,
)
from gonghui.reports.indicators import Scope, indicator

# Summed over activities joined to their rows: an activity without rows joins one empty row,
# which counts 0.
PER_HOUSEHOLD = Case(When(care_households__isnull=False, then=Value(1)), default=Value(0),
                     output_field=IntegerField())
PER_UNIT = Case(When(units__isnull=False, then=Value(1)), default=Value(0),
                output_field=IntegerField())
# A named participant row is one person-time; a count row counts its headcount (PERSON_TIMES).
PER_PARTICIPANT = Case(
    When(participants__person__isnull=False, then=Value(1)),
    default=Coalesce(F("participants__headcount"), Value(0)),
    output_field=IntegerField(),
)


def of_kind(kind: str) -> Callable[[Scope], str]:
    """The activity list's filter for a kind and the period."""
    return lambda scope: f"{urlencode({'kind': kind})}&{scope.dates}"


def activities(scope: Scope, kind: str) -> QuerySet[Activity]:
    return scope.records(Activity).filter(kind=kind, start_date__range=scope.range)


@indicator("care.households_visited", "走访困难职工", "户", slug="activities",
           query=of_kind(CONSOLATION), total=PER_HOUSEHOLD)
def households_visited(scope: Scope) -> QuerySet[Activity]:
    """Hardship households called on by the consolation visits (走访慰问) that started in the
    period: one per household row of each visit."""
    return activities(scope, CONSOLATION)


@indicator("care.frontline_workers_consoled", "慰问一线职工", "名", slug="activities",
           query=of_kind(CONSOLATION), total=PER_PARTICIPANT)
def frontline_workers_consoled(scope: Scope) -> QuerySet[Activity]:
    """Workers consoled by the consolation visits that started in the period: their
    participants, each named row once plus the headcount of each count row."""
    return activities(scope, CONSOLATION)


@indicator("care.consolation_amount", "走访慰问金及物资", "元", slug="activities",
           query=of_kind(CONSOLATION), total=SPENT)
def consolation_amount(scope: Scope) -> QuerySet[Activity]:
    """Cash and goods value of the consolation visits that started in the period."""
    return activities(scope, CONSOLATION)


@indicator("care.cooling_units", "夏送清凉慰问单位", "个", slug="activities",
           query=of_kind(COOLING), total=PER_UNIT)
def cooling_units(scope: Scope) -> QuerySet[Activity]:
    """Units reached by the summer-cooling deliveries (夏送清凉) that started in the period:
    one per unit row of each delivery."""
    return activities(scope, COOLING)


@indicator("care.cooling_value", "夏送清凉物品价值", "元", slug="activities",
           query=of_kind(COOLING), total=SPENT)
def cooling_value(scope: Scope) -> QuerySet[Activity]:
    """Cash and goods value of the summer-cooling deliveries that started in the period."""
    return activities(scope, COOLING)


@indicator("care.sanatorium_person_times", "组织职工疗休养", "人次", slug="activities",
           query=of_kind(SANATORIUM), total=PER_PARTICIPANT)
def sanatorium_person_times(scope: Scope) -> QuerySet[Activity]:
    """Person-times of the sanatorium batches (疗休养) that started in the period: each named
    participant row once, plus the headcount of each count row."""
    return activities(scope, SANATORIUM)


@indicator("care.nursing_rooms_built", "建成爱心妈妈小屋", "个", slug="nursing-rooms",
           query=lambda scope: scope.dates)
def nursing_rooms_built(scope: Scope) -> QuerySet[NursingRoom]:
    """Nursing rooms built in the period (by 建成日期)."""
    return scope.records(NursingRoom).filter(built_on__range=scope.range)


@indicator("care.entrepreneur_leaders", "选树创业带头人", "名", slug="entrepreneurs",
           query=lambda scope: scope.dates)
def entrepreneur_leaders(scope: Scope) -> QuerySet[EntrepreneurLeader]:
    """Entrepreneurship leaders named in the period (by 选树日期)."""
    return scope.records(EntrepreneurLeader).filter(named_on__range=scope.range)


@indicator("care.entrepreneur_bases", "命名创业基地", "个", slug="entrepreneur-bases",
           query=lambda scope: scope.dates)
def entrepreneur_bases(scope: Scope) -> QuerySet[EntrepreneurBase]:
    """Entrepreneurship bases named in the period (by 命名日期)."""
    return scope.records(EntrepreneurBase).filter(named_on__range=scope.range)
