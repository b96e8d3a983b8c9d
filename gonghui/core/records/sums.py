"""Sums of money computed by the database, exact on every backend.

PostgreSQL sums a numeric column exactly. SQLite has no decimal type: it stores a
DecimalField's value as a number and sums it as a double, and Django turns the double back into
a Decimal of 15 significant digits without the field's places (160 claims of 775,380.00 yuan
come back as 775379.999999999). Every value summed has at most the field's decimal places, so
the exact sum has them too: rounding the database's sum to those places gives it back, as long
as the double's error stays below half of the last place (it does by many orders of magnitude
for any sum below 10^12 yuan). On PostgreSQL the rounding changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models


def _places(queryset: models.QuerySet[Any], summed: models.Aggregate) -> int | None:
    """The decimal places of what `summed` sums over the queryset's rows (None: not a decimal)."""
    resolved = summed.resolve_expression(
        queryset.query.clone(), allow_joins=True, reuse=None, summarize=True
    )
    places = getattr(resolved.output_field, "decimal_places", None)
    return places if isinstance(places, int) else None


def exact_sums(
    queryset: models.QuerySet[Any], totals: dict[str, Any]
) -> dict[str, int | Decimal]:
    """`{name: Sum(expression)}` over the queryset, computed by the database; a sum of decimals
    is a Decimal with the field's places, an empty sum is 0."""
    return exact_aggregates(
        queryset, {name: models.Sum(expression) for name, expression in totals.items()}
    )


def exact_aggregates(
    queryset: models.QuerySet[Any], aggregates: dict[str, Any]
) -> dict[str, int | Decimal]:
    """Any aggregates (Sum, Count, a filtered Sum …) over the queryset; a decimal result is
    rounded to its field's places, so SQLite's double sums come back exact; empty is 0."""
    values = queryset.order_by().aggregate(**aggregates)
    out: dict[str, int | Decimal] = {}
    for name, value in values.items():
        if value is None:
            out[name] = 0
        elif isinstance(value, Decimal):
            places = _places(queryset, aggregates[name])
            out[name] = value if places is None else value.quantize(Decimal(1).scaleb(-places))
        else:
            out[name] = value
    return out
