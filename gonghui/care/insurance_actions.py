"""Named actions of mutual insurance beyond the claim workflow (whose actions are its
transitions: `review(obj=claim, actor=user)`), and the roster check of one unit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from gonghui.care.models.insurance import CLAIM_FLOW, InsuranceEnrolment, RosterEntry
from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction

review = CLAIM_FLOW.action("review")
pay = CLAIM_FLOW.action("pay")
send_back = CLAIM_FLOW.action("send_back")
refuse = CLAIM_FLOW.action("refuse")
record_paid = CLAIM_FLOW.action("record_paid")


def _members(user: Any) -> Any:
    from gonghui.core.records.registry import registry

    return registry["members"].base_queryset(user)


def add_unit_members(
    *, enrolment: InsuranceEnrolment, user: Any, request: HttpRequest | None = None
) -> int:
    """Put the unit's members in the cadre's view, active on the enrolment's first day (or
    today, for a period already running), on the roster if not there yet; how many were added.
    """
    from gonghui.people.indicators import active_on

    day = max(enrolment.starts_on, min(datetime.date.today(), enrolment.ends_on))
    with transaction.atomic():
        listed = RosterEntry.objects.filter(enrolment=enrolment).values("person_id")
        people = (
            active_on(_members(user), day)
            .filter(person__employer_id=enrolment.enterprise_id)
            .exclude(person_id__in=listed)
            .values_list("person_id", flat=True)
            .distinct()
        )
        rows = [RosterEntry(enrolment=enrolment, person_id=pk) for pk in people]
        RosterEntry.objects.bulk_create(rows)
        audit.record(AuditAction.UPDATE, request=request, user=user, obj=enrolment,
                     changes={"action": "add_members", "added": len(rows)})
    return len(rows)


@dataclass
class RosterCheck:
    """What the check page lists for one unit on one day."""

    unit: Any
    day: datetime.date
    enrolments: list[Any] = field(default_factory=list)
    not_enrolled: list[Any] = field(default_factory=list)  # memberships
    left: list[tuple[Any, str]] = field(default_factory=list)  # (roster entry, why)
    twice: list[tuple[Any, Any]] = field(default_factory=list)  # (entry, the other entry)

    @property
    def clean(self) -> bool:
        return not (self.not_enrolled or self.left or self.twice)


def check_unit(*, unit: Any, day: datetime.date, user: Any) -> RosterCheck:
    """Compare the unit's member roll with its rosters on `day`, within the user's view:
    members not enrolled (in no plan of the unit running that day), enrolled people who have
    left (no membership running that day, or now working elsewhere), and people on two rosters
    of the same plan whose periods overlap (the unit's and any other the user sees)."""
    from gonghui.core.records.registry import registry
    from gonghui.people.indicators import active_on

    result = RosterCheck(unit=unit, day=day)
    enrolments = registry["insurance-enrolment"].base_queryset(user)
    running = enrolments.filter(enterprise=unit, starts_on__lte=day, ends_on__gte=day)
    result.enrolments = list(running.order_by("plan", "starts_on"))
    on_roster = RosterEntry.objects.filter(enrolment__in=running)
    members = active_on(_members(user), day)
    result.not_enrolled = list(
        members.filter(person__employer=unit)
        .exclude(person_id__in=on_roster.values("person_id"))
        .select_related("person", "org").order_by("person__name", "pk")[:500]
    )
    entries = list(on_roster.select_related("person", "person__employer", "enrolment")
                   .order_by("person__name", "pk"))
    active = set(members.filter(person_id__in=[e.person_id for e in entries])
                 .values_list("person_id", flat=True))
    for entry in entries:
        person = entry.person
        if person.pk not in active:
            result.left.append((entry, "会籍已终止"))
        elif person.employer_id is not None and person.employer_id != unit.pk:
            result.left.append((entry, f"现工作单位为{person.employer}"))
    # The same person on another roster of the same plan whose period overlaps this one.
    unit_entries = RosterEntry.objects.filter(enrolment__enterprise=unit,
                                              enrolment__in=enrolments)
    others = RosterEntry.objects.filter(
        enrolment__in=enrolments, person_id__in=unit_entries.values("person_id")
    ).select_related("person", "enrolment")
    by_person: dict[int, list[Any]] = {}
    for entry in others.order_by("enrolment__starts_on", "pk"):
        by_person.setdefault(entry.person_id, []).append(entry)
    for rows in by_person.values():
        for i, first in enumerate(rows):
            for second in rows[i + 1:]:
                a, b = first.enrolment, second.enrolment
                if a.plan == b.plan and a.starts_on <= b.ends_on and b.starts_on <= a.ends_on and (
                    a.enterprise_id == unit.pk or b.enterprise_id == unit.pk
                ):
                    result.twice.append((first, second))
    return result

