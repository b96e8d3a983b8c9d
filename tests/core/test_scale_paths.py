"""What keeps list pages and the home page cheap at a million rows still gives the right answers:
the `prefix` lookup, the capped count and bounded paging, the org dropdown, the counts cache."""

from __future__ import annotations

import datetime
import random

import pytest
from django.test import override_settings
from django.urls import reverse

from gonghui.core.records.paging import CappedPaginator
from gonghui.orgs.models import Organization, OrgKind
from gonghui.people.models import Membership, Person
from gonghui.reports.home import forget_home_figures, home_figures
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

NAMES = ["王伟", "王伟东", "王", "汪伟", "王𠀀", "wang", "Wang", "王伟\U0010fffe"]


def test_prefix_matches_exactly_what_startswith_means_case_sensitively(federation):
    rng = random.Random(3)
    for name in NAMES:
        make_member(name, federation.union_a1, rng)
    everyone = list(Person.objects.values_list("name", flat=True))
    for query in ["王", "王伟", "王𠀀", "wa", "Wa", "汪", "王伟东", "王伟\U0010fffe", "x"]:
        found = sorted(Person.objects.filter(name__prefix=query).values_list("name", flat=True))
        assert found == sorted(n for n in everyone if n.startswith(query)), query


def test_scope_by_prefix_keeps_each_subtree_to_itself(federation, make_persona):
    for persona, org in (("city_admin", federation.city), ("town_a_cadre", federation.town_a),
                         ("chair_a1", federation.union_a1)):
        user = make_persona(persona)
        seen = set(Membership.objects.visible_to(user).values_list("pk", flat=True))
        expected = {m.pk for m in Membership.objects.all() if m.org_path.startswith(org.path)}
        assert seen == expected
        within = set(
            Membership.objects.visible_to(user).within(federation.union_a1.path)
            .values_list("pk", flat=True)
        )
        assert within == {m.pk for m in Membership.objects.all()
                          if m.org_path.startswith(federation.union_a1.path)
                          and m.org_path.startswith(org.path)}


def test_count_is_exact_up_to_the_cap_and_bounded_beyond(federation, login, monkeypatch):
    rng = random.Random(5)
    for i in range(12):
        make_member(f"成员{i:02d}", federation.union_a2, rng)
    client = login("city_admin")
    url = reverse("members-list")
    page = client.get(url)
    assert page.context["page"].paginator.count_label == "共 14 条"
    assert "可翻阅前" not in page.content.decode()

    monkeypatch.setattr(CappedPaginator, "cap", 5)
    page = client.get(url, {"per_page": 20})
    paginator = page.context["page"].paginator
    assert paginator.truncated
    # SQLite keeps no estimate; PostgreSQL's planner may know the table is tiny: either way the
    # page never claims an exact total it did not count.
    label = paginator.count_label
    assert label.startswith("约") or label == "5 条以上"
    assert "可翻阅前 5 条" in page.content.decode()
    assert len(page.context["rows"]) == 5
    # A page past the bound is the last page within it, never an OFFSET beyond the cap.
    deep = client.get(url, {"per_page": 20, "page": 40})
    assert deep.context["page"].number == 1
    assert len(deep.context["rows"]) == 5


def test_pages_keep_the_sort_order_across_the_two_step_read(federation, login):
    rng = random.Random(8)
    for i, day in enumerate([3, 1, 2, 5, 4]):
        make_member(f"排序{i}", federation.union_a2, rng,
                    enrolled_on=datetime.date(2017, 1, day))
    client = login("city_admin")
    page = client.get(reverse("members-list"),
                      {"sort": "enrolled_on", "org": federation.union_a2.pk})
    days = [obj.enrolled_on.day for obj, _cells in page.context["rows"]]
    assert days == [1, 2, 3, 4, 5]
    page = client.get(reverse("members-list"), {"sort": "-pk", "per_page": 20})
    pks = [obj.pk for obj, _cells in page.context["rows"]]
    assert pks == sorted(pks, reverse=True)


def test_org_dropdown_lists_two_levels_but_accepts_any_visible_org(federation, login):
    deep = Organization.objects.add_child(
        Organization.objects.get(pk=federation.union_a1a.pk),
        instance=Organization(code="A-1-1-1", name="三级分工会", kind=OrgKind.GRASSROOTS),
    )
    make_member("深处会员", deep, random.Random(1))
    client = login("city_admin")
    page = client.get(reverse("members-list"))
    html = page.content.decode()
    assert f'value="{federation.town_a.pk}"' in html
    assert f'value="{federation.union_a1.pk}"' in html  # depth city + 2
    assert f'value="{deep.pk}"' not in html  # below the two levels shown
    chosen = client.get(reverse("members-list"), {"org": deep.pk})
    assert f'<option value="{deep.pk}" selected>三级分工会</option>' in chosen.content.decode()
    assert [obj.person.name for obj, _ in chosen.context["rows"]] == ["深处会员"]
    # Another branch's organisation is refused, as before.
    town_b = login("town_b_cadre").get(reverse("members-list"), {"org": deep.pk})
    assert town_b.context["filterset"].form.errors
    assert all(obj.org_path.startswith(federation.town_b.path)
               for obj, _ in town_b.context["rows"])


def test_home_figures_are_kept_per_subtree_for_the_configured_time(federation, make_persona):
    forget_home_figures()
    city = make_persona("city_admin")
    town_b = make_persona("town_b_cadre")

    def members(user):
        cards, _board, at = home_figures(user)
        return {c.record.slug: c.total for c in cards}["members"], at

    with override_settings(GONGHUI_HOME_COUNTS_SECONDS=60):
        total, at = members(city)
        make_member("新会员", federation.union_a1, random.Random(2))
        assert members(city) == (total, at)  # kept: the same figures, counted at the same time
        # Another subtree is counted on its own, never served the city's figures.
        assert members(town_b)[0] == 1
    with override_settings(GONGHUI_HOME_COUNTS_SECONDS=0):
        assert members(city)[0] == total + 1
    forget_home_figures()


def test_home_page_says_when_it_counted(login):
    page = login("town_a_cadre").get(reverse("home"))
    assert "统计时间：" in page.content.decode()
