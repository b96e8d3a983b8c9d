"""List-page pagination that costs the same at a million rows as at a thousand.

Django's `Paginator` runs `COUNT(*)` over the whole filtered set on every page view, and a deep
page is an OFFSET the database walks row by row. At 1,000,000 members the count alone is most
of a page's time (docs/performance-scale.md). So here:

- the count stops at `COUNT_CAP` + 1 rows (`SELECT COUNT(*) FROM (… LIMIT 10001)`), which is
  cheap however large the set is; a set at or under the cap shows its exact size;
- beyond the cap the page shows the planner's estimate on PostgreSQL (`EXPLAIN`, no scan) as
  「约 N 万条」, and 「N 条以上」 on SQLite, which keeps no such estimate;
- paging reaches the first `COUNT_CAP` rows, so no OFFSET exceeds it; the page says so, and
  the filters (organisation, status, date range, search) narrow the set to what a cadre is
  looking for. An export still writes the whole filtered set;
- the pager shows page numbers around the current page, the first and the last reachable
  page, and a box to jump to any reachable page: all from the capped count, so a page number
  never costs a full count either;
- a page is read in two steps (a "deferred join"): the ids of its rows first, from the record's
  own table and only the joins its filter and sort need, then those rows with the related rows
  the columns show. The OFFSET then walks narrow index entries instead of joined rows.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections

COUNT_CAP = 10_000


def estimated_rows(queryset: Any) -> int | None:
    """The planner's row estimate for `queryset` (PostgreSQL), or None where there is none."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str | bytes):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class CappedPaginator(Paginator):
    """A paginator whose count and deepest page are bounded by `COUNT_CAP` rows."""

    cap = COUNT_CAP

    @cached_property
    def true_count(self) -> int:
        """The size of the set, counted up to `cap` + 1 (more than `cap` means 'many')."""
        queryset: Any = self.object_list
        return int(queryset.order_by()[: self.cap + 1].count())

    @property
    def exact(self) -> bool:
        return self.true_count <= self.cap

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        # What paging works with: never more than the cap, so no OFFSET goes deeper.
        return min(self.true_count, self.cap)

    @cached_property
    def count_label(self) -> str:
        if self.exact:
            return f"共 {self.true_count} 条"
        estimate = estimated_rows(self.object_list)
        if estimate is not None and estimate > self.cap:
            # The estimate is good to a few per cent: say it in 万, as a cadre would.
            return f"约 {round(estimate / 10_000):,} 万条"
        return f"{self.cap:,} 条以上"

    @property
    def truncated(self) -> bool:
        return not self.exact

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        queryset: Any = self.object_list
        ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        found = {obj.pk: obj for obj in queryset.order_by().filter(pk__in=ids)}
        return Page([found[pk] for pk in ids if pk in found], number, self)


def page_numbers(page: Page, *, around: int = 2) -> list[int | None]:
    """The page numbers a pager links: the first, the last reachable, and `around` pages either
    side of the current one; None where numbers are left out (shown as …)."""
    last = page.paginator.num_pages
    wanted = {1, last, *range(page.number - around, page.number + around + 1)}
    numbers: list[int | None] = []
    for n in sorted(n for n in wanted if 1 <= n <= last):
        if numbers and n - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def capped_page(queryset: Any, per_page: int, number: Any) -> Any:
    return CappedPaginator(queryset, per_page).get_page(number)
