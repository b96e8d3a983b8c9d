"""Issue 12, finding 6: one date rule for forms, imports and filters; no page 500s on a date.

Saving 入会日期 9999-12-31 made the home page answer 500 for the town and every level above,
and `?on=9999-12-31` or `0001-01-01` on the election and organisation lists did the same.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from gonghui.core.text.dates import MAX_DATE, MIN_DATE, DateParseError, parse_date
from gonghui.people.models import Membership

pytestmark = pytest.mark.django_db

FAR_DATES = ["9999-12-31", "0001-01-01", "2101-01-01", "1899-12-31"]


@pytest.mark.parametrize("value", FAR_DATES)
def test_the_parser_refuses_dates_outside_the_range(value):
    with pytest.raises(DateParseError, match="1900"):
        parse_date(value)


def test_the_range_ends_are_accepted():
    assert parse_date("1900-01-01") == MIN_DATE
    assert parse_date("2100-12-31") == MAX_DATE


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_a_form_refuses_a_far_date_in_chinese(federation, login, value):
    member = federation.member_a
    client = login("town_a_cadre")
    response = client.post(
        reverse("members-update", args=[member.pk]),
        {"enrolled_on": value, "card_number": ""},
    )
    assert response.status_code == 400
    assert "1900" in response.content.decode()
    member.refresh_from_db()
    assert member.enrolled_on != datetime.date.fromisoformat(value)


@pytest.mark.parametrize("value", [*FAR_DATES, "99999-01-01", "2018-02-30"])
@pytest.mark.parametrize("slug", ["elections", "orgs", "members"])
def test_list_filters_never_500_on_a_date(federation, login, slug, value):
    client = login("town_a_cadre")
    for params in ({"on": value, "status": "overdue"}, {"on": value, "status": "due_soon"},
                   {"enrolled_min": value, "enrolled_max": value}):
        response = client.get(reverse(f"{slug}-list"), params)
        assert response.status_code == 200, (slug, params)
        export = client.get(reverse(f"{slug}-export"), params)
        assert export.status_code in {200, 400}, (slug, params)


@pytest.mark.parametrize("stored", [datetime.date(9999, 12, 31), datetime.date(1, 1, 1)])
@pytest.mark.parametrize("persona", ["town_a_cadre", "city_admin"])
def test_a_stored_far_date_does_not_break_the_home_page(federation, login, stored, persona):
    """Rows written before the rule (or by another path) must still render."""
    Membership.objects.filter(pk=federation.member_a.pk).update(enrolled_on=stored)
    election = federation.election_a
    type(election).objects.filter(pk=election.pk).update(held_on=stored, next_due=stored)
    client = login(persona)
    assert client.get("/").status_code == 200
    assert client.get(reverse("elections-list")).status_code == 200
    assert client.get(reverse("members-detail", args=[federation.member_a.pk])).status_code == 200
