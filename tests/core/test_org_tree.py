"""The org tree beside every list page (gonghui.core.records.orgtree): the user's subtree only,
children on demand, member counts per subtree from one grouped query, links that filter."""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gonghui.people.actions import leave
from tests.conftest import SENTINEL_B, Federation, make_member

pytestmark = pytest.mark.django_db


def counts_on(html: str) -> dict[str, int]:
    """{organisation id: the count its node shows} of a rendered tree."""
    found = re.findall(
        r'data-org="(\d+)".*?(?:data-testid="org-count">(\d+)<|</li>)', html, flags=re.S
    )
    return {pk: int(n) for pk, n in found if n}


@pytest.fixture
def roll(federation: Federation) -> None:
    rng = random.Random(3)
    make_member("张杰国", federation.union_a1, rng)
    make_member("王一", federation.union_a1a, rng)
    gone = make_member("李二", federation.union_a2, rng)
    leave(person=gone.person, on=gone.enrolled_on + datetime.timedelta(days=1), reason="退休")


def test_a_town_cadre_sees_their_town_with_member_counts_per_subtree(
    federation: Federation, roll: None, login: Callable[[str], Client]
) -> None:
    page = login("town_a_cadre").get(reverse("members-list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="org-tree"' in html
    counts = counts_on(html)
    fed = federation
    # Town A: the sentinel member, 张杰国 and 王一 (in the sub-union); 李二 has left.
    assert counts[str(fed.town_a.pk)] == 3
    assert counts[str(fed.union_a1.pk)] == 3  # its sub-union's member counts in its subtree
    assert counts[str(fed.union_a2.pk)] == 0
    assert str(fed.town_b.pk) not in counts and SENTINEL_B not in html
    # A count opens the member list filtered to the subtree and to members in good standing.
    assert f'href="/members/?org={fed.union_a1.pk}&amp;status=active"' in html


def test_counts_are_one_grouped_query_however_many_children(
    federation: Federation, roll: None, login: Callable[[str], Client]
) -> None:
    client = login("city_admin")
    url = reverse("enterprises-list")
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"tree_node": federation.city.pk})
    counting = [q["sql"] for q in queries if "people_membership" in q["sql"]]
    assert len(counting) == 1, counting
    assert "GROUP BY" in counting[0]


def test_a_node_filters_the_list_beside_it_and_opens_its_path(
    federation: Federation, roll: None, login: Callable[[str], Client]
) -> None:
    client = login("city_admin")
    page = client.get(reverse("members-list"), {"org": federation.union_a1a.pk})
    html = page.content.decode()
    assert "王一" in html and "张杰国" not in html  # the list: that subtree only
    # Without scripts the tree is opened down to the chosen node, which is marked.
    assert f'data-org="{federation.union_a1a.pk}"' in html
    selected = re.search(r'gh-tree-selected">.*?data-testid="org-name">([^<]+)<', html, re.S)
    assert selected is not None and selected.group(1) == federation.union_a1a.name


def test_children_load_on_demand_and_never_from_another_branch(
    federation: Federation, roll: None, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    url = reverse("activities-list")
    part = client.get(url, {"tree_node": federation.union_a1.pk})
    assert part.status_code == 200
    assert federation.union_a1a.name in part.content.decode()
    assert "<html" not in part.content.decode()  # a fragment, not a page
    assert client.get(url, {"tree_node": federation.town_b.pk}).status_code == 404
    assert client.get(url, {"tree_node": "x"}).status_code == 404


def test_tree_search_finds_a_unit_by_any_part_of_its_name_within_scope(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    found = client.get(reverse("members-list"), {"tree_search": "1", "tree_q": "工会"})
    html = found.content.decode()
    assert federation.union_a2.name in html and federation.union_b1.name not in html
    # Without scripts the search is a plain GET of the list page.
    page = client.get(reverse("members-list"), {"tree_q": "联合"}).content.decode()
    assert 'data-testid="org-tree-found"' in page and federation.union_a2.name in page


def test_no_tree_for_a_user_without_records(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    html = login("auditor").get(reverse("members-list")).content.decode()
    assert 'data-testid="org-tree"' not in html


def test_the_count_reads_the_records(federation: Federation, make_persona: Any) -> None:
    # The same figure the member list gives for that filter (no figure typed in).
    client = Client()
    client.force_login(make_persona("town_a_cadre"))
    html = client.get(reverse("members-list")).content.decode()
    listed = client.get(
        reverse("members-list"), {"org": federation.town_a.pk, "status": "active"}
    ).content.decode()
    shown = counts_on(html)[str(federation.town_a.pk)]
    assert f"共 {shown} 条" in listed
