"""The home page's counts: for each record type the user may view, the size of their subtree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from gonghui.core.registry import RecordType, registry


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
