"""`field__prefix=value`: a prefix match that an ordinary index serves on both databases.

Django's `startswith` is `LIKE 'v%'` everywhere. PostgreSQL answers that from the
`varchar_pattern_ops` index Django creates beside every indexed CharField. SQLite cannot: its
LIKE ignores ASCII case, so no BINARY index applies, and every prefix match — the org scope of
every list page, a name search — scans the whole table. At a million members that is the
difference between a millisecond and a second (docs/performance-scale.md).

On SQLite `prefix` is therefore the equivalent range: the strings that start with `v` are
exactly those `>= v` and `< v + U+10FFFF` under SQLite's byte-wise (BINARY) collation, because
UTF-8 byte order is code-point order and no character sorts after U+10FFFF. Unlike SQLite's
`startswith` it is case-sensitive, as it is on PostgreSQL; the columns it serves (tree paths,
lower-cased initials, Chinese names) have no case to ignore.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup
from django.db.models.lookups import StartsWith

TOP = "\U0010ffff"
# Tree paths no longer than this (the top two levels: a province and its cities) name a large
# share of all rows. SQLite keeps no statistics on how many rows an index range holds (its STAT4
# is not compiled in), so it would still take the path index and then sort that share of the
# table to find a page's newest 20 rows; for such scopes the range is written so that no index
# can serve it (`+column`, SQLite's no-op), and the table is read in id order instead.
BROAD_PATH = 8
PATH_COLUMNS = {"org_path", "path"}


@models.CharField.register_lookup
class Prefix(Lookup):  # type: ignore[type-arg]
    lookup_name = "prefix"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        # Exactly `startswith` (LIKE 'v%', escaped) wherever LIKE can use an index.
        return StartsWith(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_sqlite(self, compiler: Any, connection: Any) -> Any:
        value = self.rhs
        if not isinstance(value, str):  # an expression: no range to build, fall back to LIKE
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        target = getattr(self.lhs, "target", None)
        if getattr(target, "name", "") in PATH_COLUMNS and len(value) <= BROAD_PATH:
            lhs = f"+{lhs}"
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, value, value + TOP]
