"""Bulk writes for imports and data generation: `executemany` straight into a model's table.

`bulk_create` builds a model instance per row and one huge INSERT per batch; for a 100,000-row
roll that is most of the import's time. Here rows are plain tuples in the model's column order,
sent with the driver's `executemany` (psycopg 3 pipelines it; sqlite3 runs it in C). Timestamps
are filled in here because `auto_now` lives in `Model.save`, which this path does not call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT rows (tuples in `fields` order) into `model`'s table; returns the row count.

    `created_at`/`updated_at` are added when the model has them and `fields` does not.
    """
    opts = model._meta
    names = list(fields)
    stamps = [
        f for f in ("created_at", "updated_at")
        if f not in names and any(x.name == f for x in opts.concrete_fields)
    ]
    model_fields = [opts.get_field(name) for name in [*names, *stamps]]
    columns: list[str] = [f.column for f in model_fields]  # type: ignore[union-attr,misc]
    ops = connection.ops
    tail = (ops.adapt_datetimefield_value(timezone.now()),) * len(stamps)
    # Dates go through the backend's adapter (SQLite stores ISO text, PostgreSQL takes dates);
    # every other value is passed to the driver as it is.
    date_positions = [
        i for i, f in enumerate(model_fields[: len(names)])
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
    ]
    quote = ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(opts.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    if date_positions:
        adapt = ops.adapt_datefield_value

        def prepared(row: Sequence[Any]) -> tuple[Any, ...]:
            values = list(row)
            for i in date_positions:
                values[i] = adapt(values[i])
            return (*values, *tail)

        adapted = [prepared(row) for row in rows]
    else:
        adapted = [(*row, *tail) for row in rows]
    if not adapted:
        return 0
    with connection.cursor() as cursor:
        cursor.executemany(sql, adapted)
    return len(adapted)


def chunked(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Parameters per IN (...) lookup: under SQLite's 32,766 and PostgreSQL's 65,535 limits.
LOOKUP_CHUNK = 5000
