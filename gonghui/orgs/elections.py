"""Term-election status (换届): which unions' terms have run out, or will within 90 days.

A union's status on a day is read from its latest election held by that day: its term runs out
on `next_due` (election date + term); on any later day the union is overdue (逾期未换届), and
from 90 days before until that day its election is due soon (90天内到期). A union with no
election on record is taken to have begun a first term of `FIRST_TERM_YEARS` on its founding
date; a union with neither is not judged.

Everything here takes querysets the caller has already scoped (`visible_to`), and narrows them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from gonghui.orgs.models import (
    DUE_SOON_DAYS,
    FIRST_TERM_YEARS,
    UNION_KINDS,
    Election,
    Organization,
    add_years,
)

OVERDUE = "overdue"
DUE_SOON = "due_soon"
STATUS_CHOICES = ((OVERDUE, "逾期未换届"), (DUE_SOON, "90天内到期"))
STATUS_LABELS = dict(STATUS_CHOICES)


def latest_by(elections: QuerySet[Election], day: datetime.date) -> QuerySet[Election]:
    """Each union's latest election held on or before `day` (ties on a day: the later entry)."""
    held = elections.filter(held_on__lte=day)
    # Correlated on the same (already scoped) queryset: the union's elections are all in scope.
    later = elections.filter(union=OuterRef("union"), held_on__lte=day).filter(
        Q(held_on__gt=OuterRef("held_on")) | Q(held_on=OuterRef("held_on"), pk__gt=OuterRef("pk"))
    )
    return held.filter(~Exists(later))


def due_window(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Due dates that count as due soon on `day`: from the day itself to 90 days on."""
    return day, day + datetime.timedelta(days=DUE_SOON_DAYS)


def elections_with_status(
    elections: QuerySet[Election], status: str, day: datetime.date
) -> QuerySet[Election]:
    """The latest elections whose union is overdue (or due soon) on `day`."""
    latest = latest_by(elections, day)
    if status == OVERDUE:
        return latest.filter(next_due__lt=day)
    if status == DUE_SOON:
        return latest.filter(next_due__range=due_window(day))
    return elections.none()


def unions_with_status(
    unions: QuerySet[Organization], elections: QuerySet[Election], status: str,
    day: datetime.date,
) -> QuerySet[Organization]:
    """Unions overdue (or due soon) on `day`, each annotated with `last_held` and `last_due`.

    Unions without an election by `day` are judged by their founding date (first term of
    FIRST_TERM_YEARS years); their `last_held` and `last_due` are None.
    """
    latest = elections.filter(union=OuterRef("pk"), held_on__lte=day).order_by("-held_on", "-pk")
    annotated = unions.filter(kind__in=UNION_KINDS).annotate(
        last_held=Subquery(latest.values("held_on")[:1]),
        last_due=Subquery(latest.values("next_due")[:1]),
    )
    years = int(FIRST_TERM_YEARS)
    never = Q(last_held__isnull=True, founded_on__isnull=False, founded_on__lte=day)
    if status == OVERDUE:
        # founded + years < day  <=>  founded < day - years
        return annotated.filter(
            Q(last_due__lt=day) | (never & Q(founded_on__lt=add_years(day, -years)))
        )
    if status == DUE_SOON:
        first, last = due_window(day)
        return annotated.filter(
            Q(last_due__range=(first, last))
            | (never & Q(founded_on__range=(add_years(first, -years), add_years(last, -years))))
        )
    return annotated.none()


@dataclass
class DueUnion:
    """One row of the dashboard's overdue or due-soon list."""

    union: Organization
    last_held: datetime.date | None
    due: datetime.date | None

    @property
    def from_founding(self) -> bool:
        return self.last_held is None


def due_rows(unions: Any) -> list[DueUnion]:
    """Rows from `unions_with_status`, with the first-term due date filled in from founding."""
    rows = []
    for union in unions:
        due = union.last_due
        if due is None and union.founded_on is not None:
            due = add_years(union.founded_on, int(FIRST_TERM_YEARS))
        rows.append(DueUnion(union, union.last_held, due))
    return rows
