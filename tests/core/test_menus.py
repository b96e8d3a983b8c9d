"""Menu groups and entries are declared by the apps (gonghui.core.records.menus)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.core.records import menus
from tests.conftest import Federation

pytestmark = pytest.mark.django_db


def groups(client: Client) -> list[tuple[str, str, list[str]]]:
    context = client.get(reverse("home")).context
    return [(str(g), g.icon, [e["slug"] for e in items]) for g, items in context["menu_groups"]]


def test_groups_come_in_their_declared_order_with_their_icons(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    shown = groups(login("town_a_cadre"))
    # The platform's own groups, in their declared order (apps' groups such as 活动 may follow).
    platform = [g for g in shown if g[0] in {"组织管理", "会员管理", "统计与回顾"}]
    assert [label for label, _icon, _slugs in platform] == ["组织管理", "会员管理", "统计与回顾"]
    assert [icon for _label, icon, _slugs in platform] == [
        "bi-diagram-3", "bi-people", "bi-bar-chart"]
    assert platform[0][2] == ["orgs", "enterprises", "elections", "homes"]
    assert platform[2][2] == ["reviews"]
    assert groups(login("auditor")) == [("安全审计", "bi-shield-lock", ["audit"])]
    page = login("town_a_cadre").get(reverse("home")).content.decode()
    assert '<i class="bi bi-diagram-3" aria-hidden="true"></i> 组织管理' in page


@pytest.fixture
def first_group() -> Iterator[None]:
    label = menus.menu_group("示例工作", order=1, icon="bi-star")
    menus.menu_entry("示例页", "search", group=label, perm="orgs.view_organization",
                     slug="sample-entry")
    yield
    menus._ENTRIES.pop("sample-entry")
    menus._GROUPS.pop(label)


def test_an_app_adds_a_group_and_an_entry_without_touching_core(
    federation: Federation, login: Callable[[str], Client], first_group: None
) -> None:
    shown = groups(login("town_a_cadre"))
    assert shown[0] == ("示例工作", "bi-star", ["sample-entry"])
    # Declared with a permission: the auditor does not get it.
    assert "示例工作" not in [label for label, _icon, _slugs in groups(login("auditor"))]
