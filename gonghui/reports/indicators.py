"""The indicator registry: every figure of a review is computed here, from records.

An indicator has a stable key (`members.enrolled`), a Chinese label, a unit and a function of a
`Scope` (organisation, period, user) returning the records it counts: a queryset. It also names
the record type those records are (`slug`) and the list page's filter that shows exactly them
(`query`), so that every figure links to its records and a cadre can count them again by hand;
an indicator that sums a field (`total="amount"`) shows the same rows and the sum of that field.
Each app declares its indicators in its own `indicators.py`, found at start-up
(`ReportsConfig.ready`), the same way record types are declared in `records.py`:

    @indicator("members.enrolled", "发展会员", "名", slug="members",
               query=lambda scope: f"joined_by=enrolment&{scope.dates}")
    def enrolled(scope: Scope) -> QuerySet[Membership]:
        return scope.records(Membership).filter(
            joined_by=JoinedBy.ENROLMENT, enrolled_on__range=scope.range)

Records are reached only through `Scope.records`, which goes through `visible_to(user)` (the
one choke point) and then narrows to the organisation's subtree: a town cadre asking about the
city gets their own town's figures, never more. The list page narrows the same way (its `org`
filter, which the link always carries), so the list's count is the figure
(tests/reports/test_traced_figures.py checks it for every registered indicator).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from django.db import models
from django.urls import reverse

from gonghui.core.records.sums import exact_sums
from gonghui.reports.periods import Period

if TYPE_CHECKING:
    from gonghui.orgs.models import Organization

Value = int | Decimal
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Scope:
    """What an indicator is computed over: an organisation's subtree, a period, as a user."""

    org: Organization
    period: Period
    user: Any

    def records(self, model: type[M]) -> models.QuerySet[M]:
        """The model's rows the user may see, within the organisation's subtree."""
        from gonghui.core.tenancy.models import user_scope_path

        rows = model.objects.visible_to(self.user)  # type: ignore[attr-defined]
        scope = user_scope_path(self.user)
        if scope is not None and scope.startswith(self.org.path):
            # The user's subtree already lies within the organisation's (a review of their own
            # organisation, or of one above it): a second prefix test on every row adds nothing.
            return rows  # type: ignore[no-any-return]
        return rows.within(self.org.path)  # type: ignore[no-any-return]

    @property
    def range(self) -> tuple[date, date]:
        """For `field__range=`: both ends included, like the period."""
        return (self.period.start, self.period.end)

    @property
    def dates(self) -> str:
        """The list pages' date-range filter for the period (core.records.filters.DATE_FILTER)."""
        return urlencode(
            {"date_after": self.period.start.isoformat(),
             "date_before": self.period.end.isoformat()}
        )

    @property
    def end(self) -> str:
        """The period's last day, for filters judged on a day (`on=`, `active_on=`)."""
        return self.period.end.isoformat()


Records = Callable[[Scope], "models.QuerySet[Any] | Value"]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    records: Records
    description: str = ""  # in Chinese: what the figure counts (the label when none is given)
    # Whether the figures of disjoint subtrees add up to the figure of their union (counts of
    # records do; a rate or a count of distinct people across unions would not). The review's
    # table writes a 合计 only for additive indicators.
    additive: bool = True
    # The record type whose list page shows the records, and that page's filter for a scope.
    slug: str = ""
    query: Callable[[Scope], str] | None = None
    # A field summed over the records instead of counting them ("amount", "person_times").
    total: Any = ""  # a field name or an expression summed over the records

    @property
    def group(self) -> str:
        """The Chinese name of the app that declares the indicator (the picker's groups)."""
        from django.apps import apps

        config = apps.get_containing_app_config(getattr(self.records, "__module__", ""))
        return str(config.verbose_name) if config is not None else "其他"

    @property
    def traced(self) -> bool:
        """Whether the figure links to the records it is made of."""
        return bool(self.slug) and self.query is not None

    def compute(self, scope: Scope) -> Value:
        found = self.records(scope)
        if not isinstance(found, models.QuerySet):
            return found  # declared without its records: a bare number, linked to nothing
        if self.total:
            # Exact on SQLite too, which sums decimals as doubles (core.records.sums).
            return exact_sums(found, {"value": self.total})["value"]
        return found.order_by().count()

    def list_query(self, scope: Scope) -> str:
        """The list page's query string showing exactly the records (always within `org`)."""
        assert self.query is not None, f"indicator {self.key} declares no list filter"
        own = self.query(scope)
        return f"org={scope.org.pk}&{own}" if own else f"org={scope.org.pk}"

    def list_url(self, scope: Scope) -> str:
        """The list page of exactly the figure's records; empty for an untraced indicator."""
        if not self.traced:
            return ""
        return f"{reverse(f'{self.slug}-list')}?{self.list_query(scope)}"


_REGISTRY: dict[str, Indicator] = {}


def indicator(
    key: str,
    label: str,
    unit: str,
    *,
    additive: bool = True,
    slug: str = "",
    query: Callable[[Scope], str] | None = None,
    total: Any = "",
    description: str = "",
) -> Callable[[Records], Records]:
    """Register the decorated function as the indicator `key`.

    The function returns the records the figure is made of (a queryset through
    `scope.records`); the figure is their count, or the sum of `total`. `slug` and `query` name
    the list page that shows exactly those records. `description` says in Chinese what the
    figure counts (the Excel 指标说明 sheet, the home page's hint); without one the label
    stands in. The docstring is for the developer and is never shown.
    """

    def register(records: Records) -> Records:
        if key in _REGISTRY and _REGISTRY[key].records is not records:
            raise ValueError(f"indicator {key!r} is registered twice")
        _REGISTRY[key] = Indicator(
            key, label, unit, records, description.strip() or label, additive,
            slug, query, total,
        )
        return records

    return register


def registered() -> list[Indicator]:
    """Every indicator, in key order (stable across runs: the JSON and xlsx columns rely on it)."""
    return [_REGISTRY[key] for key in sorted(_REGISTRY)]


def get(key: str) -> Indicator:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise KeyError(f"没有名为“{key}”的指标") from None


def compute(
    org: Organization, period: Period, user: Any, keys: Iterable[str] | None = None
) -> dict[str, Value]:
    """The indicators' values for `org`'s subtree over `period`, as `user` may see them.

    The caller must have checked that `org` itself is visible to the user (views and the CLI
    fetch it through `visible_to`); an organisation outside the user's scope gives zeros here.
    """
    from gonghui.core.ops.dbrouter import replica_reads

    scope = Scope(org, period, user)
    chosen = [get(key) for key in keys] if keys is not None else registered()
    with replica_reads():  # a no-op unless a read replica is configured (docs/scaling.md)
        return {item.key: item.compute(scope) for item in chosen}
