"""The home page: the subtree's key figures for a half-year (computed through the indicator
registry), the overdue and due-soon term elections, the latest records, and the period picker
falling back to the latest half-year with records."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.orgs.models import Election, Organization
from gonghui.reports import indicators
from gonghui.reports.home import choose_period, half_year_choices
from gonghui.reports.periods import Period
from tests.conftest import SENTINEL_A, SENTINEL_B

pytestmark = pytest.mark.django_db


def figures(response: Any) -> dict[str, Any]:
    return {figure.key: figure.value for figure in response.context["board"].figures}


def test_without_activity_this_half_year_the_latest_half_year_is_shown(federation, login,
                                                                         make_persona):
    # The fixture's records are from 2016 and 2018: today's half-year has none.
    response = login("city_admin").get(reverse("home"))
    board = response.context["board"]
    assert board.period == Period.parse("2018H1")
    assert board.fallback_from == Period.half_year_of(timezone.localdate())
    page = response.content.decode()
    assert "尚无业务记录" in page and "2018年上半年" in page
    # The figures are the registry's, for the user's organisation and that half-year.
    admin = make_persona("city_admin")
    expected = indicators.compute(federation.city, board.period, admin, figures(response))
    assert figures(response) == expected
    assert figures(response)["members.enrolled"] == 2
    assert figures(response)["orgs.workers_homes_awarded"] == 2


def test_the_picker_shows_another_period_and_a_town_cadre_sees_their_town(federation, login):
    Election(union=federation.union_a2, held_on=datetime.date(2017, 9, 1), term_years=3).save()
    response = login("town_a_cadre").get(reverse("home"), {"period": "2017H2"})
    board = response.context["board"]
    assert board.period == Period.parse("2017H2") and board.fallback_from is None
    assert figures(response)["orgs.elections_held"] == 1
    page = response.content.decode()
    assert SENTINEL_A in page and SENTINEL_B not in page
    assert "尚无业务记录" not in page


def test_a_bad_period_is_explained_and_the_default_shown(federation, login):
    response = login("city_admin").get(reverse("home"), {"period": "2018H3"}, follow=True)
    assert response.context["board"].period == Period.parse("2018H1")
    assert "无法识别的期间" in response.content.decode()


def test_the_due_lists_link_to_the_filtered_election_list(federation, login):
    # A2 founded 2014 with no election: overdue on 30 June 2018 by its founding date.
    Organization.objects.filter(pk=federation.union_a2.pk).update(
        founded_on=datetime.date(2014, 3, 1))
    # B1's 2016 election for 2 years would be unusual; elect it for 3 in Aug 2015: due
    # 2018-08-20, within 90 days of 30 June.
    Election(union=federation.union_b1, held_on=datetime.date(2015, 8, 20), term_years=3).save()
    Election.objects.filter(pk=federation.election_b.pk).delete()
    client = login("city_admin")
    response = client.get(reverse("home"), {"period": "2018H1"})
    board = response.context["board"]
    assert board.as_of == datetime.date(2018, 6, 30)
    overdue, due_soon = board.due
    assert [row.union for row in overdue.rows] == [federation.union_a2]
    assert overdue.rows[0].due == datetime.date(2017, 3, 1) and overdue.rows[0].from_founding
    assert overdue.total == 1 == figures(response)["orgs.elections_overdue"]
    assert [row.union for row in due_soon.rows] == [federation.union_b1]
    page = response.content.decode()
    link = reverse("elections-list") + "?status=due_soon&amp;on=2018-06-30"
    assert link in page
    listed = client.get(reverse("elections-list"), {"status": "due_soon", "on": "2018-06-30"})
    assert [e.union for e in listed.context["page"].object_list] == [federation.union_b1]
    # The town A cadre's lists hold town A's unions only.
    town = login("town_a_cadre").get(reverse("home"), {"period": "2018H1"}).context["board"]
    assert [row.union for row in town.due[0].rows] == [federation.union_a2]
    assert town.due[1].rows == []


def test_latest_records_are_the_subtrees_newest(federation, login):
    response = login("town_b_cadre").get(reverse("home"), {"period": "2018H1"})
    latest = response.context["board"].latest
    assert latest and all(SENTINEL_B in str(item.obj) or item.record.slug == "cards"
                          for item in latest)
    days = [item.day for item in latest]
    assert days == sorted(days, reverse=True)
    assert max(days) <= datetime.date(2018, 6, 30)


def test_choose_period_rules() -> None:
    today = datetime.date(2026, 11, 23)
    current = Period.parse("2026H2")
    assert choose_period("", today, None) == (current, None, "")
    assert choose_period("", today, datetime.date(2026, 7, 1)) == (current, None, "")
    assert choose_period("", today, datetime.date(2026, 6, 30)) == (
        Period.parse("2026H1"), current, "")
    assert choose_period("2018", today, datetime.date(2018, 3, 1))[0] == Period.parse("2018")
    shown, _fallback, error = choose_period("bogus", today, datetime.date(2018, 3, 1))
    assert shown == Period.parse("2018H1") and error
    choices = half_year_choices(today, datetime.date(2018, 3, 1), Period.parse("2018H1"))
    assert [p.code for p in choices[:3]] == ["2026H2", "2018H1", "2017H2"]


def test_the_auditor_and_a_user_without_org_get_no_board(federation, login):
    for persona in ("auditor", "no_org"):
        response = login(persona).get(reverse("home"))
        assert response.status_code == 200
        assert response.context["board"] is None


def test_the_org_list_filter_includes_unions_without_elections(federation, login):
    Organization.objects.filter(pk=federation.union_a2.pk).update(
        founded_on=datetime.date(2014, 3, 1))
    client = login("city_admin")
    page = client.get(reverse("home"), {"period": "2018H1"}).content.decode()
    assert reverse("orgs-list") + "?election_status=overdue&amp;on=2018-06-30" in page
    listed = client.get(reverse("orgs-list"), {"election_status": "overdue", "on": "2018-06-30"})
    assert [o.pk for o in listed.context["page"].object_list] == [federation.union_a2.pk]
    # The election list cannot show it: it has no election.
    elections = client.get(reverse("elections-list"), {"status": "overdue", "on": "2018-06-30"})
    assert list(elections.context["page"].object_list) == []
    # A town B cadre's list never names town A's union.
    other = login("town_b_cadre").get(reverse("orgs-list"),
                                      {"election_status": "overdue", "on": "2018-06-30"})
    assert SENTINEL_A not in other.content.decode()
