"""The indicator registry: every figure of a review is computed here, from records.

An indicator has a stable key (`members.enrolled`), a Chinese label, a unit and a function of
(organisation, period, user) that counts or sums records. Each app declares its indicators in
its own `indicators.py`, found at start-up (`ReportsConfig.ready`), the same way record types
are declared in `records.py`:

    @indicator("members.enrolled", "发展会员", "名")
    def enrolled(scope: Scope) -> int:
        return scope.records(Membership).filter(
            joined_by=JoinedBy.ENROLMENT, enrolled_on__range=scope.range).count()

Records are reached only through `Scope.records`, which goes through `visible_to(user)` (the
one choke point) and then narrows to the organisation's subtree: a town cadre asking about the
city gets their own town's figures, never more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

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


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    compute: Callable[[Scope], Value]
    description: str = ""
    # Whether the figures of disjoint subtrees add up to the figure of their union (counts of
    # records do; a rate or a count of distinct people across unions would not). The review's
    # table writes a 合计 only for additive indicators.
    additive: bool = True


_REGISTRY: dict[str, Indicator] = {}


Compute = Callable[[Scope], Value]


def indicator(
    key: str, label: str, unit: str, *, additive: bool = True
) -> Callable[[Compute], Compute]:
    """Register the decorated function as the indicator `key`; its docstring describes it."""

    def register(compute: Compute) -> Compute:
        if key in _REGISTRY and _REGISTRY[key].compute is not compute:
            raise ValueError(f"indicator {key!r} is registered twice")
        _REGISTRY[key] = Indicator(
            key, label, unit, compute, (compute.__doc__ or "").strip(), additive
        )
        return compute

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
