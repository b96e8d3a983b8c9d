"""The home page: the subtree's key figures for a half-year, the panels apps declare (the term
elections overdue and due soon come from gonghui/orgs/panels.py), the latest records, and for
each record type the user may view, the size of their subtree.

Every figure comes from the indicator registry (gonghui.reports.indicators), never from numbers
kept here, and links to the list of exactly the records it counts; every panel from the panel
registry (gonghui.core.records.panels).

At a province's size the page is counts and indicators over a million rows, every time anyone
opens it; so `home_figures` keeps what it computed for `GONGHUI_HOME_COUNTS_SECONDS` (60 s by
default) in Django's cache, shared by the server's processes, keyed by everything that decides
it — the subtree, the record types the user may view, the period asked for and the day — and
the page says when it was
counted (docs/performance-scale.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Subquery
from django.utils import timezone

from gonghui.core.records.panels import PanelContext, ShownPanel, build_panels
from gonghui.core.records.registry import RecordType, registry
from gonghui.core.tenancy.models import user_scope_path


@dataclass
class CountCard:
    record: RecordType
    total: int
    breakdown: list[tuple[str, int]] = field(default_factory=list)


def subtree_counts(user: Any) -> list[CountCard]:
    cards = []
    for record in registry:
        if not user.has_perm(record.perm("view")):
            continue
        queryset = record.base_queryset(user).order_by()
        if not record.count_by:
            cards.append(CountCard(record, queryset.count()))
            continue
        # One grouped query gives both the breakdown and (summed) the total.
        field_ = record.opts.get_field(record.count_by)
        labels = dict(field_.flatchoices)
        grouped = queryset.values_list(record.count_by).annotate(n=Count("pk"))
        breakdown = [(str(labels.get(value, value)), n) for value, n in grouped]
        cards.append(CountCard(record, sum(n for _, n in breakdown), breakdown))
    return cards


# The figures the home page leads with, in this order; computed through the indicator registry
# (a key not registered is skipped). One query each.
KEY_INDICATORS = (
    "orgs.unions_founded",
    "members.enrolled",
    "orgs.elections_held",
    "orgs.elections_overdue",
    "orgs.workers_homes_awarded",
    "members.active",
    "people.benefit_cards_issued",
)
LATEST_LENGTH = 10
LATEST_PER_TYPE = 3  # so that a day of 200 enrolments does not hide that day's elections
PICKER_HALF_YEARS = 6


@dataclass
class Figure:
    key: str
    label: str
    unit: str
    value: Any
    description: str
    url: str = ""  # the list page of exactly the records counted


@dataclass
class LatestRecord:
    record: RecordType
    obj: Any
    day: date


@dataclass
class Dashboard:
    period: Any  # gonghui.reports.periods.Period
    today: date
    as_of: date  # the day panels' lists are judged on: the period's end, or today
    fallback_from: Any = None  # the half-year asked for by default, when it had no activity
    period_error: str = ""
    figures: list[Figure] = field(default_factory=list)
    panels: list[ShownPanel] = field(default_factory=list)
    latest: list[LatestRecord] = field(default_factory=list)
    choices: list[Any] = field(default_factory=list)

    def panel(self, key: str) -> dict[str, Any] | None:
        """The context of the panel `key`, if it is shown."""
        return next((p.context for p in self.panels if p.key == key), None)


def latest_activity(user: Any) -> date | None:
    """The latest day anything happened in the user's subtree (founded, enrolled, held …).

    One query: the latest date of each record type, as scalar subqueries beside the user's own
    organisation row.
    """
    from gonghui.core.text.dates import MAX_DATE, MIN_DATE
    from gonghui.orgs.models import Organization

    org_id = getattr(user, "org_id", None)
    dated = [r for r in registry if r.activity_date and user.has_perm(r.perm("view"))]
    if org_id is None or not dated:
        return None
    subqueries = {
        f"latest_{index}": Subquery(
            record.base_queryset(user)
            # Within the date rule: a row stored before the rule (9999-12-31) would otherwise
            # make the picker's period one that cannot exist, and the home page a 500.
            .filter(**{f"{record.activity_date}__range": (MIN_DATE, MAX_DATE)})
            .order_by(f"-{record.activity_date}")
            .values(record.activity_date)[:1]
        )
        for index, record in enumerate(dated)
    }
    row = (
        Organization.objects.visible_to(user)
        .filter(pk=org_id)
        .annotate(**subqueries)
        .values(*subqueries)
        .first()
    )
    days = [as_date(value) for value in (row or {}).values() if value is not None]
    return max(days) if days else None


def as_date(value: Any) -> date:
    """A date from a subquery's value (SQLite returns it as ISO text)."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def choose_period(asked: str, today: date, latest: date | None) -> tuple[Any, Any, str]:
    """(period shown, default it replaced or None, error message) for the `period` parameter.

    No parameter: the current half-year; when nothing happened in it yet but something did
    before, the latest half-year that has records, and the screen says so.
    """
    from gonghui.reports.periods import Period, PeriodError

    current = Period.half_year_of(today)
    error = ""
    if asked.strip():
        try:
            return Period.parse(asked), None, ""
        except PeriodError as exc:
            error = str(exc)
    if latest is not None and latest < current.start:
        return Period.half_year_of(latest), current, error
    return current, None, error


def half_year_choices(today: date, latest: date | None, shown: Any) -> list[Any]:
    """The picker's half-years: the current one, and the latest with records and those before."""
    from gonghui.reports.periods import Period

    choices = [Period.half_year_of(today)]
    day = latest or today
    for _ in range(PICKER_HALF_YEARS):
        period = Period.half_year_of(day)
        if period not in choices:
            choices.append(period)
        day = period.start - timedelta(days=1)
    if shown not in choices:
        choices.append(shown)
    return choices


def build_dashboard(user: Any, asked: str = "") -> Dashboard:
    """The home page of a user with an organisation: figures, panels, latest records."""
    from gonghui.reports import indicators

    today = timezone.localdate()
    latest = latest_activity(user)
    period, fallback_from, error = choose_period(asked, today, latest)
    board = Dashboard(
        period=period, today=today, as_of=min(today, period.end), fallback_from=fallback_from,
        period_error=error, choices=half_year_choices(today, latest, period),
    )
    org = user.org
    registered = {item.key: item for item in indicators.registered()}
    keys = [key for key in KEY_INDICATORS if key in registered]
    values = indicators.compute(org, period, user, keys)
    scope = indicators.Scope(org, period, user)
    board.figures = [
        Figure(key, registered[key].label, registered[key].unit, values[key],
               registered[key].description, registered[key].list_url(scope))
        for key in keys
    ]
    board.panels = build_panels(PanelContext(user, org, period, board.as_of, values))
    board.latest = latest_records(user, board.as_of)
    return board


def latest_records(user: Any, until: date) -> list[LatestRecord]:
    """The latest records of every dated type the user may view, newest first, up to `until`."""
    found: list[LatestRecord] = []
    for record in registry:
        field_name = record.activity_date
        if not field_name or not user.has_perm(record.perm("view")):
            continue
        rows = (
            record.list_queryset(user)
            .filter(**{f"{field_name}__lte": until})
            .order_by(f"-{field_name}", "-pk")[:LATEST_PER_TYPE]
        )
        found.extend(LatestRecord(record, obj, getattr(obj, field_name)) for obj in rows)
    found.sort(key=lambda item: item.day, reverse=True)
    return found[:LATEST_LENGTH]


def home_figures(user: Any, asked: str = "") -> tuple[list[CountCard], Dashboard | None, datetime]:
    """The home page's cards and board, and when they were computed (kept for a while)."""

    def compute() -> tuple[list[CountCard], Dashboard | None, datetime]:
        cards = subtree_counts(user)
        board = None
        if cards and getattr(user, "org_id", None) is not None:
            board = build_dashboard(user, asked)
        return cards, board, timezone.now()

    seconds = settings.GONGHUI_HOME_COUNTS_SECONDS
    path = user_scope_path(user)
    if not seconds or path is None:
        return compute()
    viewable = [r.slug for r in registry if user.has_perm(r.perm("view"))]
    parts = [path, str(getattr(user, "org_id", "")), asked.strip(),
             timezone.localdate().isoformat(), *viewable]
    key = "gonghui:home:" + hashlib.sha1(
        "|".join(parts).encode(), usedforsecurity=False
    ).hexdigest()
    # Django's cache, shared by every server process: a subtree is counted once a period.
    kept = cache.get(key)
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, value, seconds)
    return value


def forget_home_figures() -> None:
    """Drop every kept home page (tests; an operator can also just wait a minute)."""
    cache.clear()
