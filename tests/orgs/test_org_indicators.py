"""orgs.elections_held, orgs.elections_overdue and orgs.workers_homes_awarded against records
built here, with the half-year's boundary days, unions outside the subtree and a town cadre."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from gonghui.orgs.models import Election, HomeLevel, Organization, WorkersHome
from gonghui.reports import indicators
from gonghui.reports.periods import Period
from tests.conftest import Federation

H1 = Period.parse("2018H1")
H2 = Period.parse("2018H2")
JUNE_30 = datetime.date(2018, 6, 30)
JULY_1 = datetime.date(2018, 7, 1)


def value(org: Organization, period: Period, user: Any, key: str) -> Any:
    return indicators.compute(org, period, user, [key])[key]


def elect(union: Organization, held_on: datetime.date, term: int = 5) -> Election:
    election = Election(union=union, held_on=held_on, term_years=term)
    election.save()
    return election


def test_the_organisation_indicators_are_registered() -> None:
    keys = {item.key for item in indicators.registered()}
    assert {"orgs.elections_held", "orgs.elections_overdue", "orgs.workers_homes_awarded"} <= keys


def test_elections_held_counts_the_half_year_boundaries(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    admin = make_persona("city_admin")
    key = "orgs.elections_held"
    # The fixture's elections were held in 2016: none in 2018.
    assert value(federation.city, H1, admin, key) == 0
    elect(federation.union_a1, JUNE_30)  # last day of H1: in H1
    elect(federation.union_a2, JULY_1)  # first day of H2: not in H1
    elect(federation.union_b1, datetime.date(2018, 1, 1))
    elect(federation.union_a1a, datetime.date(2017, 12, 31))
    assert value(federation.city, H1, admin, key) == 2
    assert value(federation.city, H2, admin, key) == 1
    assert value(federation.town_a, H1, admin, key) == 1
    assert value(federation.city, Period.parse("2017"), admin, key) == 1
    # A town cadre asking about the city gets their own town's count, and nothing of B.
    cadre = make_persona("town_a_cadre")
    assert value(federation.city, H1, cadre, key) == 1
    assert value(federation.town_b, H1, cadre, key) == 0
    assert value(federation.town_b, H1, make_persona("town_b_cadre"), key) == 1


def test_elections_overdue_at_the_period_end(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    admin = make_persona("city_admin")
    key = "orgs.elections_overdue"
    # Only the fixture's unions with elections are judged by them; give the others no founding
    # date so they are not judged at all, then plant the cases.
    Organization.objects.filter(pk__in=[federation.union_a1a.pk, federation.union_a2.pk]).update(
        founded_on=None
    )
    # A1: elected 30 June 2015 for 3 years (instead of the fixture's 2016 election); the term
    # runs out on 30 June 2018, the last day of H1: not yet overdue on 30 June, overdue from
    # 1 July.
    federation.election_a.delete()
    elect(federation.union_a1, JUNE_30.replace(year=2015), term=3)
    # B1: the fixture's 2016 election for 5 years: due 2021; not overdue in 2018.
    assert value(federation.city, H1, admin, key) == 0
    assert value(federation.city, H2, admin, key) == 1
    assert value(federation.town_a, H2, admin, key) == 1
    assert value(federation.town_b, H2, admin, key) == 0
    # A late election in August clears A1 for H2, yet H1's figure stays what it was on 30 June.
    elect(federation.union_a1, datetime.date(2018, 8, 20))
    assert value(federation.city, H2, admin, key) == 0
    assert value(federation.city, Period.parse("2018-07"), admin, key) == 1


def test_unions_without_an_election_run_a_first_term_from_founding(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    admin = make_persona("city_admin")
    key = "orgs.elections_overdue"
    Organization.objects.filter(pk=federation.union_a1a.pk).update(
        founded_on=datetime.date(2015, 6, 30)  # first term of 3 years: due 30 June 2018
    )
    Organization.objects.filter(pk=federation.union_a2.pk).update(
        founded_on=datetime.date(2015, 7, 1)  # due 1 July 2018
    )
    # A town federation founded long ago is not a union and is never overdue.
    Organization.objects.filter(pk=federation.town_b.pk).update(
        founded_on=datetime.date(1990, 1, 1)
    )
    assert value(federation.city, H1, admin, key) == 0
    assert value(federation.city, Period.parse("2018-07-01..2018-07-01"), admin, key) == 1
    assert value(federation.city, Period.parse("2018-07-02..2018-07-02"), admin, key) == 2
    # A union founded after the day asked about is not judged on it.
    assert value(federation.city, Period.parse("2015"), admin, key) == 0
    # Recording the founding congress's five-year term clears the union.
    elect(federation.union_a2, datetime.date(2015, 7, 1), term=5)
    assert value(federation.city, H2, admin, key) == 1


def test_overdue_is_scoped_for_a_town_cadre(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    key = "orgs.elections_overdue"
    Organization.objects.filter(pk__in=[federation.union_a1a.pk, federation.union_a2.pk]).update(
        founded_on=None
    )
    elect(federation.union_a1, datetime.date(2013, 3, 1), term=3)
    elect(federation.union_b1, datetime.date(2014, 3, 1), term=3)
    Election.objects.filter(held_on=datetime.date(2016, 5, 10)).delete()  # the fixture's
    admin = make_persona("city_admin")
    assert value(federation.city, H1, admin, key) == 2
    cadre = make_persona("town_a_cadre")
    assert value(federation.city, H1, cadre, key) == 1
    assert value(federation.town_b, H1, cadre, key) == 0
    chair = make_persona("chair_a1")
    assert value(federation.union_a1, H1, chair, key) == 1
    assert value(federation.city, H1, make_persona("town_b_cadre"), key) == 1


def test_workers_homes_awarded_by_naming_date(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    admin = make_persona("city_admin")
    key = "orgs.workers_homes_awarded"
    # The fixture's two homes were named on 5 March 2018 for the year 2017.
    assert value(federation.city, H1, admin, key) == 2
    for union, day, level in (
        (federation.union_a2, JUNE_30, HomeLevel.PREFECTURE),
        (federation.union_a1a, JULY_1, HomeLevel.PROVINCE),
    ):
        WorkersHome(union=union, level=level, year=2018, awarded_on=day).save()
    assert value(federation.city, H1, admin, key) == 3
    assert value(federation.city, H2, admin, key) == 1
    # By naming date, not by the assessment year: the 2017 titles count in 2018.
    assert value(federation.city, Period.parse("2017"), admin, key) == 0
    cadre = make_persona("town_b_cadre")
    assert value(federation.city, H1, cadre, key) == 1
    assert value(federation.town_a, H1, cadre, key) == 0


@pytest.mark.parametrize("key", ["orgs.elections_held", "orgs.elections_overdue",
                                 "orgs.workers_homes_awarded"])
def test_an_auditor_counts_nothing(
    federation: Federation, make_persona: Callable[[str], Any], key: str
) -> None:
    elect(federation.union_a1, datetime.date(2018, 2, 1), term=3)
    Organization.objects.filter(pk=federation.union_a2.pk).update(
        founded_on=datetime.date(2000, 1, 1)  # no election since: overdue
    )
    year = Period.parse("2018")
    assert value(federation.city, year, make_persona("city_admin"), key) >= 1
    assert value(federation.city, year, make_persona("auditor"), key) == 0
