"""Apps declare their own roles (gonghui.accounts.roles.declare_role), found at start-up.

The sample app tests/apps/pieces declares 经办人 in its roles.py; nothing in accounts names it.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from gonghui.accounts.actions import check_roles, create_user
from gonghui.accounts.roles import (
    Role,
    declare_role,
    role_choices,
    role_codes,
    role_conflict,
    role_permissions,
    sync_roles,
)
from tests.conftest import PASSWORD, Federation

pytestmark = pytest.mark.django_db

HANDLER = "pieces_handler"


def test_an_apps_role_is_found_at_start_up_with_its_label_and_permissions() -> None:
    assert HANDLER in role_codes()
    assert (HANDLER, "经办人") in role_choices()
    assert role_permissions()[HANDLER] == {"reports.view_review"}
    # The platform's roles and their values are unchanged, first in the list.
    assert role_codes()[: len(Role.values)] == Role.values


def test_an_account_holds_a_declared_role_through_its_group(federation: Federation) -> None:
    sync_roles()
    assert set(Group.objects.get(name=HANDLER).permissions.values_list("codename", flat=True)) \
        == {"view_review"}
    user = create_user(username="handler", org=federation.town_a, roles=[HANDLER],
                       password=PASSWORD)
    assert user.role_labels == ["经办人"]
    assert user.has_perm("reports.view_review") and not user.has_perm("orgs.view_organization")
    assert not user.requires_second_factor


def test_separation_of_duties_holds_for_declared_roles() -> None:
    assert role_conflict({HANDLER, Role.AUDITOR})
    assert role_conflict({HANDLER, Role.SECURITY_ADMIN})
    assert role_conflict({HANDLER, Role.TOWN_CADRE}) is None
    with pytest.raises(ValidationError, match="职责分离"):
        check_roles([HANDLER, Role.AUDITOR])
    with pytest.raises(ValidationError, match="未知角色"):
        check_roles(["nobody_declared_this"])


def test_a_stored_group_of_an_undeclared_role_breaks_nothing(federation: Federation) -> None:
    user = create_user(username="old", org=federation.town_a, roles=[Role.TOWN_CADRE],
                       password=PASSWORD)
    user.groups.add(Group.objects.create(name="retired_role"))
    user = type(user).objects.get(pk=user.pk)
    assert user.role_labels == [str(Role.TOWN_CADRE.label)]
    assert user.has_perm("orgs.view_organization")


def test_a_platform_role_cannot_be_declared_again() -> None:
    with pytest.raises(ValueError):
        declare_role(Role.AUDITOR, "审计")
