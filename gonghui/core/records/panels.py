"""Home panels: each app declares what it adds to the home page, in its own `panels.py`.

The home page (gonghui.reports.home) leads with the key figures and ends with the latest
records; between them it renders every registered panel the user may see, in `order`. A panel
is a function of the page's `PanelContext` returning its template's context (or None to show
nothing), and a template. It must make a fixed number of queries whatever the number of rows
(tests/core/test_query_counts.py holds the page to a ceiling), read records only through
`visible_to`, and may reuse the indicator values the page has already computed.

    @home_panel("orgs.elections_due", "orgs/panel_elections_due.html", order=10,
                perm="orgs.view_election")
    def elections_due(page: PanelContext) -> dict[str, Any] | None:
        ...

Apps' `panels.py` modules are found at start-up (`ReportsConfig.ready`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

PanelBuild = Callable[["PanelContext"], "dict[str, Any] | None"]


@dataclass(frozen=True)
class PanelContext:
    """What the home page knows when it builds its panels."""

    user: Any
    org: Any  # the user's organisation
    period: Any  # gonghui.reports.periods.Period shown
    as_of: date  # the day lists are judged on: the period's end, or today
    values: dict[str, Any] = field(default_factory=dict)  # key indicators already computed


@dataclass(frozen=True)
class HomePanel:
    key: str
    template: str
    build: PanelBuild
    order: int = 100
    perm: str = ""  # a permission the user needs to see the panel at all


@dataclass
class ShownPanel:
    """A built panel, as the page renders it (and the shared cache keeps it: no functions)."""

    key: str
    template: str
    context: dict[str, Any]


_PANELS: dict[str, HomePanel] = {}


def home_panel(
    key: str, template: str, *, order: int = 100, perm: str = ""
) -> Callable[[PanelBuild], PanelBuild]:
    """Register the decorated function as the home panel `key`."""

    def register(build: PanelBuild) -> PanelBuild:
        known = _PANELS.get(key)
        if known is not None and known.build is not build:
            raise ValueError(f"home panel {key!r} registered twice")
        _PANELS[key] = HomePanel(key, template, build, order, perm)
        return build

    return register


def unregister(key: str) -> None:
    _PANELS.pop(key, None)


def registered() -> list[HomePanel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def build_panels(page: PanelContext) -> list[ShownPanel]:
    """Every registered panel the user may see and that has something to show."""
    shown = []
    for panel in registered():
        if panel.perm and not page.user.has_perm(panel.perm):
            continue
        context = panel.build(page)
        if context is not None:
            shown.append(ShownPanel(panel.key, panel.template, context))
    return shown
