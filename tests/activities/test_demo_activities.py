"""The demo's activities (gonghui/activities/samples.py `demo`) and the person-times figure:
persons are distinct people, person-times every sign-in (and every unnamed headcount)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Count, Sum

from gonghui.accounts.models import User
from gonghui.activities import records as activities
from gonghui.activities.kinds import kinds
from gonghui.activities.models import Activity, ActivityUnit, Participant
from gonghui.demo.federation import BuildingPlan, build_demo
from gonghui.orgs.models import Organization, OrgKind
from gonghui.reports import indicators
from gonghui.reports.periods import Period
from tests.conftest import Federation

pytestmark = pytest.mark.django_db

H1 = Period.parse("2018H1")


def test_the_demo_half_year_has_meetings_symposiums_and_visits_with_participants() -> None:
    plan = BuildingPlan(founded=2, enrolled=60, elections=2, homes=1, cards=5, overdue=1)
    result = build_demo(seed=3, unions_per_town=3, members_per_union=4, plan=plan)
    towns = Organization.objects.filter(kind=OrgKind.TOWN).count()
    # The activities app's own kinds (workstream apps add activities of their kinds).
    own = Activity.objects.filter(kind__in=kinds.of_app("activities"))
    assert dict(own.values_list("kind").annotate(n=Count("pk"))) == {
        "meeting": 1, "symposium": towns, "visit": towns}
    assert result.apps["activities"] == Activity.objects.count()  # every app's activities
    assert not Activity.objects.exclude(start_date__range=(H1.start, H1.end)).exists()

    # The two-day meeting: everyone signed in on both days, so twice the person-times.
    meeting = Activity.objects.get(kind="meeting")
    named = Participant.objects.filter(activity=meeting)
    persons = named.values("person").distinct().count()
    assert persons > 0 and named.count() == 2 * persons
    assert set(named.values_list("signed_on", flat=True)) == {meeting.start_date,
                                                               meeting.end_date}
    # Visits reached enterprises with money, and workers counted, not named.
    for visit in Activity.objects.filter(kind="visit"):
        units = ActivityUnit.objects.filter(activity=visit)
        assert units.exists() and all(unit.enterprise_id for unit in units)
        assert units.aggregate(total=Sum("amount"))["total"] == visit.money
        assert Participant.objects.get(activity=visit).headcount >= 20

    # The city's person-times: every named sign-in and every headcount, by hand.
    admin = User.objects.get(username="admin")
    city = Organization.objects.get(kind=OrgKind.CITY)
    got = indicators.compute(city, H1, admin, ["activities.person_times", "activities.held"])
    by_hand = (Participant.objects.filter(person__isnull=False).count()
               + Participant.objects.aggregate(n=Sum("headcount"))["n"])
    assert got == {"activities.person_times": by_hand,
                   "activities.held": Activity.objects.count()}
    # Persons are fewer: the meeting's people count once there.
    distinct = Participant.objects.filter(person__isnull=False).values("person").distinct()
    assert distinct.count() < Participant.objects.filter(person__isnull=False).count()

    # A town cadre's person-times are their town's part.
    cadre = User.objects.get(username="town01")
    town = indicators.compute(cadre.org, H1, cadre, ["activities.person_times"])
    assert 0 < town["activities.person_times"] < by_hand


def test_person_times_count_each_sign_in_and_headcount(
    federation: Federation, make_persona: Callable[[str], Any],
) -> None:
    activity = federation.planted["a"]["activities"]  # one named participant already
    person = federation.planted["a"]["people"]
    scope = indicators.Scope(federation.town_a, H1, make_persona("city_admin"))
    # Town A's other activities (the workstreams' sentinels) count too: measured before.
    others = indicators.get("activities.person_times").compute(scope) - 1
    Participant.objects.create(activity=activity, person=person,
                               signed_on=activity.start_date)  # signs in again
    Participant.objects.create(activity=activity, headcount=7)
    assert indicators.get("activities.person_times").compute(scope) == others + 1 + 1 + 7
    # The activity's own figures: persons count the person once, person-times twice.
    totals = activities.participants.totals(activity)
    assert (totals["persons"], totals["person_times"]) == (1 + 7, 1 + 1 + 7)
    # Branch B's activity is not in town A's figure, and a period without it has none.
    later = indicators.Scope(federation.town_a, Period.parse("2018H2"),
                             make_persona("city_admin"))
    assert indicators.get("activities.person_times").compute(later) == 0
