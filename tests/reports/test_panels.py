"""Home panels come from the apps: the page renders whatever is registered, for whom it is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.core.records import panels
from gonghui.reports import home
from gonghui.reports.home import forget_home_figures
from tests.conftest import Federation

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample_panel() -> Iterator[list[Any]]:
    seen: list[Any] = []

    @panels.home_panel("tests.sample", "core/pagination.html", order=5, perm="orgs.view_enterprise")
    def sample(page: panels.PanelContext) -> dict[str, Any]:
        seen.append(page)
        return {"marker": "sample"}

    forget_home_figures()
    yield seen
    panels.unregister("tests.sample")
    forget_home_figures()


def test_the_home_page_renders_the_registered_panels_in_order(
    federation: Federation, login: Callable[[str], Client], sample_panel: list[Any]
) -> None:
    board = login("town_a_cadre").get(reverse("home"), {"period": "2018H1"}).context["board"]
    assert [p.key for p in board.panels] == ["tests.sample", "orgs.elections_due",
                                             "care.hardship_due"]
    page = sample_panel[0]
    assert page.org == federation.town_a and page.as_of.isoformat() == "2018-06-30"
    # The key figures already computed are handed to the panels (the due list reuses one).
    assert "orgs.elections_overdue" in page.values


def test_a_panel_needs_its_permission(
    federation: Federation, login: Callable[[str], Client], sample_panel: list[Any]
) -> None:
    # The auditor sees no records, hence no board at all; a chair does see enterprises.
    board = login("chair_a1").get(reverse("home")).context["board"]
    assert "tests.sample" in [p.key for p in board.panels]
    denied = panels.PanelContext(user=_NoPerms(), org=federation.city, period=board.period,
                                 as_of=board.as_of)
    assert panels.build_panels(denied) == []


def test_the_election_due_lists_live_in_the_orgs_app() -> None:
    assert "orgs.elections_due" in {p.key for p in panels.registered()}
    assert not hasattr(home, "DueList")


class _NoPerms:
    def has_perm(self, perm: str) -> bool:
        return False
