"""Every figure traces to records: the list page a figure links to shows exactly what it counts.

For every registered indicator, on the test federation with records made to fall inside and
outside 2018H1 (so that no figure is a trivial zero), the figure computed for a scope equals the
row count of the list page it links to (or, for an indicator that sums a field, the sum of that
field over the list's rows), as the city administrator, as a town cadre, and for a union the
city administrator picks; the home page and the review page link every figure there.
"""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import Sum
from django.http import QueryDict
from django.test import Client, RequestFactory

from gonghui.core.records.registry import registry
from gonghui.orgs.actions import found_organization
from gonghui.orgs.models import Election, Organization, OrgKind
from gonghui.people import actions as people_actions
from gonghui.reports import indicators
from gonghui.reports.home import forget_home_figures
from gonghui.reports.periods import Period
from tests.conftest import SENTINEL_A, Federation, make_member

pytestmark = pytest.mark.django_db

H1 = Period.parse("2018H1")
EVERY = [item.key for item in indicators.registered()]


@pytest.fixture
def active_half_year(federation: Federation) -> Federation:
    """Records inside and just outside 2018H1 for every indicator's rule."""
    rng = random.Random(11)
    town_a = Organization.objects.get(pk=federation.town_a.pk)
    for day in (datetime.date(2018, 2, 1), datetime.date(2018, 7, 1)):  # founded in / after H1
        found_organization(parent=Organization.objects.get(pk=town_a.pk), node=Organization(
            code=f"A-N{day.month}", name=f"{SENTINEL_A}新建{day.month}工会",
            kind=OrgKind.GRASSROOTS, founded_on=day))
    # Founded long ago with no election: overdue by its founding date.
    found_organization(parent=Organization.objects.get(pk=town_a.pk), node=Organization(
        code="A-OLD", name=f"{SENTINEL_A}老厂工会", kind=OrgKind.GRASSROOTS,
        founded_on=datetime.date(2010, 1, 1)))
    # Held in H1 (and one the year after, not counted).
    Election(union=federation.union_a2, held_on=datetime.date(2018, 5, 2), term_years=3).save()
    Election(union=federation.union_a2, held_on=datetime.date(2019, 5, 2), term_years=3).save()
    # Enrolled in H1, then left before its end (enrolled, not active); and a transfer (active,
    # not enrolled).
    leaver = make_member(f"{SENTINEL_A}王五", federation.union_a2, rng, mobile="13700000001",
                         enrolled_on=datetime.date(2018, 2, 2))
    people_actions.leave(person=leaver.person, on=datetime.date(2018, 5, 1))
    people_actions.transfer(person=federation.member_a.person, to_union=federation.union_a2,
                            on=datetime.date(2018, 6, 1))
    forget_home_figures()
    return federation


def list_total(client: Client, url: str, item: indicators.Indicator, user: Any) -> Decimal | int:
    """What the list page behind `url` shows: its row count, or the declared field's sum over
    the same filtered rows (the list's filter set, as the page builds it)."""
    response = client.get(url)
    assert response.status_code == 200, url
    if not item.total:
        label = re.search(r'data-testid="row-count">共 (\d+) 条<', response.content.decode())
        assert label, f"{url}: no exact row count"
        return int(label[1])
    record = registry[item.slug]
    request = RequestFactory().get(url)
    request.user = user
    filterset = record.filterset_class(
        QueryDict(urlsplit(url).query), queryset=record.list_queryset(user), request=request
    )
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.aggregate(value=Sum(item.total))["value"] or 0


@pytest.mark.parametrize("key", EVERY)
def test_the_figure_equals_the_list_it_links_to(
    key: str, active_half_year: Federation, login: Callable[[str], Client],
    make_persona: Callable[[str], Any],
) -> None:
    item = indicators.get(key)
    assert item.traced, f"{key} declares no records list (slug= and query= on @indicator)"
    fed = active_half_year
    cases = [("city_admin", fed.city), ("town_a_cadre", fed.town_a),
             ("city_admin", fed.town_a), ("city_admin", fed.union_a2)]
    seen = []
    for persona, org in cases:
        client, user = login(persona), make_persona(persona)
        scope = indicators.Scope(org, H1, user)
        figure = item.compute(scope)
        url = item.list_url(scope)
        assert parse_qs(urlsplit(url).query)["org"] == [str(org.pk)]
        assert list_total(client, url, item, user) == figure, (persona, org.name, url)
        seen.append(figure)
    assert any(seen), f"{key}: every figure is 0; the test federation proves nothing for it"


def test_the_home_page_links_every_figure_to_its_records(
    active_half_year: Federation, login: Callable[[str], Client],
    make_persona: Callable[[str], Any],
) -> None:
    response = login("town_a_cadre").get("/", {"period": "2018H1"})
    board = response.context["board"]
    assert board.figures
    scope = indicators.Scope(active_half_year.town_a, H1, make_persona("town_a_cadre"))
    page = response.content.decode()
    for figure in board.figures:
        url = indicators.get(figure.key).list_url(scope)
        assert figure.url == url
        assert f'href="{url.replace("&", "&amp;")}"' in page, figure.key


def test_the_review_page_links_every_figure_to_its_records(
    active_half_year: Federation, login: Callable[[str], Client],
    make_persona: Callable[[str], Any],
) -> None:
    page = login("town_a_cadre").get("/reviews/", {"org": "A", "period": "2018H1"})
    text = page.content.decode()
    scope = indicators.Scope(active_half_year.town_a, H1, make_persona("town_a_cadre"))
    for key in EVERY:
        url = indicators.get(key).list_url(scope)
        assert f'href="{url.replace("&", "&amp;")}" data-indicator="{key}"' in text, key


def test_every_list_page_filters_its_main_date_from_to(
    active_half_year: Federation, login: Callable[[str], Client],
) -> None:
    client = login("city_admin")
    dated = [record for record in registry if record.activity_date]
    assert {"orgs", "members", "cards", "elections", "homes"} <= {r.slug for r in dated}
    for record in dated:
        field = record.activity_date
        everything = record.model.objects.exclude(**{f"{field}__isnull": True})
        first, last = datetime.date(2018, 1, 1), datetime.date(2018, 6, 30)
        response = client.get(f"/{record.slug}/", {"date_after": first, "date_before": last})
        page = response.content.decode()
        assert "从" in page and "至" in page and 'name="date_after"' in page
        shown = {row.pk for row in response.context["page"].object_list}
        wanted = set(everything.filter(**{f"{field}__range": (first, last)})
                     .values_list("pk", flat=True))
        assert shown == wanted, record.slug
