"""visible_to: each persona sees exactly their subtree, and nothing without an organisation."""

from __future__ import annotations

import pytest

from gonghui.orgs.actions import move_organization
from gonghui.orgs.models import Enterprise, Organization

pytestmark = pytest.mark.django_db


def names(queryset) -> set[str]:  # type: ignore[no-untyped-def]
    return set(queryset.values_list("name", flat=True))


def test_city_admin_sees_the_whole_tree(federation, make_persona):
    user = make_persona("city_admin")
    assert Organization.objects.visible_to(user).count() == 7
    assert Enterprise.objects.visible_to(user).count() == 3


def test_town_cadre_sees_exactly_their_town(federation, make_persona):
    user = make_persona("town_a_cadre")
    assert names(Organization.objects.visible_to(user)) == {
        federation.town_a.name,
        federation.union_a1.name,
        federation.union_a1a.name,
        federation.union_a2.name,
    }
    assert names(Enterprise.objects.visible_to(user)) == {
        federation.enterprise_a.name,
        federation.enterprise_a_town.name,
    }


def test_chair_sees_their_union_and_its_sub_unions_only(federation, make_persona):
    user = make_persona("chair_a1")
    assert names(Organization.objects.visible_to(user)) == {
        federation.union_a1.name,
        federation.union_a1a.name,
    }
    # The town-owned workshop without a union is the town's, not the chair's.
    assert names(Enterprise.objects.visible_to(user)) == {federation.enterprise_a.name}


@pytest.mark.parametrize("persona", ["auditor", "no_org"])
def test_auditor_and_unassigned_users_see_no_records(federation, make_persona, persona):
    user = make_persona(persona)
    assert not Organization.objects.visible_to(user).exists()
    assert not Enterprise.objects.visible_to(user).exists()


def test_inactive_user_sees_nothing(federation, make_persona):
    user = make_persona("city_admin")
    user.is_active = False
    assert not Organization.objects.visible_to(user).exists()


def test_enterprise_is_owned_by_its_union_else_its_town(federation):
    assert federation.enterprise_a.org == federation.union_a1
    assert federation.enterprise_a_town.org == federation.town_a
    assert federation.enterprise_a.org_path == federation.union_a1.path


def test_moving_a_branch_carries_its_records(federation, make_persona):
    move_organization(org=federation.union_a1, new_parent=federation.town_b)
    cadre_b = make_persona("town_b_cadre")
    cadre_a = make_persona("town_a_cadre")
    assert federation.enterprise_a.name in names(Enterprise.objects.visible_to(cadre_b))
    assert federation.enterprise_a.name not in names(Enterprise.objects.visible_to(cadre_a))
    assert federation.union_a1a.name in names(Organization.objects.visible_to(cadre_b))
    federation.enterprise_a.refresh_from_db()
    federation.union_a1.refresh_from_db()
    assert federation.enterprise_a.org_path == federation.union_a1.path
