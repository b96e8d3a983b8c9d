"""The home page's counts: for each record type the user may view, the size of their subtree.

At a province's size these are counts over a million rows, every time anyone opens the home
page; so they are kept for `GONGHUI_HOME_COUNTS_SECONDS` (60 s by default) in the cache, keyed
by what decides them — the subtree and the record types the user may view — and the page says
when they were counted (docs/performance-scale.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from gonghui.core.models import user_scope_path
from gonghui.core.registry import RecordType, registry


@dataclass
class CountCard:
    record: RecordType
    total: int
    breakdown: list[tuple[str, int]] = field(default_factory=list)


def subtree_counts(user: Any) -> tuple[list[CountCard], datetime]:
    """The cards, and when they were counted."""
    viewable = [record for record in registry if user.has_perm(record.perm("view"))]
    seconds = settings.GONGHUI_HOME_COUNTS_SECONDS
    path = user_scope_path(user)
    if not seconds or path is None or not viewable:
        return _count(user, viewable), timezone.now()
    digest = hashlib.sha1(
        "|".join([path, *(r.slug for r in viewable)]).encode(), usedforsecurity=False
    ).hexdigest()
    key = f"gonghui:home-counts:{digest}"
    kept = cache.get(key)
    if kept is not None:
        at, rows = kept
        return [CountCard(registry[slug], total, breakdown) for slug, total, breakdown in rows], at
    cards, at = _count(user, viewable), timezone.now()
    cache.set(key, (at, [(c.record.slug, c.total, c.breakdown) for c in cards]), seconds)
    return cards, at


def _count(user: Any, viewable: list[RecordType]) -> list[CountCard]:
    cards = []
    for record in viewable:
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
