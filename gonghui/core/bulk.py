"""Bulk writes for imports and data generation: `executemany` straight into a model's table.

`bulk_create` builds a model instance per row and one huge INSERT per batch; for a 100,000-row
roll that is most of the import's time. Here rows are plain tuples in the model's column order,
sent with sqlite3's `executemany` (which runs in C) or PostgreSQL's COPY. Timestamps are filled
in here because `auto_now` lives in `Model.save`, which this path does not call.

Also here: `select_in` (lookups by many keys without the ORM's per-parameter work),
`allocate_ids` (primary keys reserved before an insert) and `bulk_session` (what a long run of
bulk writes needs from the process and the connection). docs/performance.md has the figures.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models
from django.utils import timezone


def date_adapter() -> Callable[[Any], Any]:
    """The backend's date adapter (SQLite stores ISO text, PostgreSQL takes dates), remembering
    each distinct date it has adapted: a roll repeats its enrolment days and birthdays."""
    adapt = connection.ops.adapt_datefield_value
    seen: dict[Any, Any] = {}

    def adapted(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = adapt(value)
            return result
        except TypeError:  # not hashable: not a date, let the adapter judge it
            return adapt(value)

    return adapted


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    dates_adapted: bool = False,
) -> int:
    """INSERT rows (tuples in `fields` order) into `model`'s table; returns the row count.

    `created_at`/`updated_at` are added when the model has them and `fields` does not. Date
    values go through `date_adapter()` here, unless the caller says it has done so already
    (`dates_adapted`), which saves copying every row once more.
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
    if date_positions and not dates_adapted:
        adapted_date = date_adapter()

        def prepared(row: Sequence[Any]) -> tuple[Any, ...]:
            values = list(row)
            for i in date_positions:
                values[i] = adapted_date(values[i])
            return (*values, *tail)

        adapted = [prepared(row) for row in rows]
    else:
        adapted = [(*row, *tail) for row in rows]
    if not adapted:
        return 0
    if connection.vendor == "postgresql":
        # COPY is PostgreSQL's own bulk load: the same rows, constraints, indexes and
        # transaction as INSERTs, at a fraction of the per-row cost of executemany.
        statement = "COPY {} ({}) FROM STDIN".format(
            quote(opts.db_table), ", ".join(quote(c) for c in columns)
        )
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(statement) as copy,
        ):
            write_row = copy.write_row
            for row in adapted:
                write_row(row)
        return len(adapted)
    with connection.cursor() as cursor:
        cursor.executemany(sql, adapted)
    return len(adapted)


def chunked(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Parameters per IN (...) lookup: under SQLite's 32,766 and PostgreSQL's 65,535 limits.
LOOKUP_CHUNK = 5000


def select_in(
    model: type[models.Model], fields: Sequence[str], key: str, keys: Iterable[Any]
) -> list[tuple[Any, ...]]:
    """`SELECT fields FROM model WHERE key IN keys`, chunked, as plain tuples.

    The ORM's `__in` lookup prepares every parameter through the field in Python, several
    microseconds each, which a 100,000-row import pays per lookup. This sends the keys as
    they are, so it is only for keys and fields whose database values need no conversion
    (integers and text); dates and the like come back raw from SQLite.
    """
    opts = model._meta
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return str(opts.get_field(name).column)  # type: ignore[union-attr]

    columns = ", ".join(quote(column(name)) for name in fields)
    key_column = quote(column(key))
    sql = f"SELECT {columns} FROM {quote(opts.db_table)} WHERE {key_column} "
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter: no statement with thousands of placeholders to plan.
            for part in chunked(list(keys), 10 * LOOKUP_CHUNK):
                cursor.execute(sql + "= ANY(%s)", [list(part)])
                found.extend(cursor.fetchall())
            return found
        for part in chunked(list(keys), LOOKUP_CHUNK):
            cursor.execute(sql + "IN (" + ", ".join(["%s"] * len(part)) + ")", list(part))
            found.extend(cursor.fetchall())
    return found


def allocate_ids(model: type[models.Model], count: int) -> list[int] | None:
    """Reserve `count` primary keys for rows about to be inserted, or None if not supported.

    Rows inserted with their keys need no query afterwards to learn them. PostgreSQL hands
    them out from the column's own sequence, as an INSERT would. SQLite takes the next keys
    after both the largest key in use and the largest ever handed out (AUTOINCREMENT's
    `sqlite_sequence`), so a deleted row's key is never reused; that is only safe while this
    connection holds the write lock, hence inside a transaction (Gonghui's SQLite transactions
    begin IMMEDIATE, taking it at once).
    """
    if count <= 0:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("allocate_ids() must run inside a transaction")
    opts = model._meta
    table = opts.db_table
    pk_column = str(opts.pk.column)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = connection.ops.quote_name(table)
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quoted, pk_column])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            quote = connection.ops.quote_name
            cursor.execute(f"SELECT max({quote(pk_column)}) FROM {quote(table)}")
            largest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(largest, row[0] if row else 0) + 1
            return list(range(start, start + count))
    return None


# SQLite's page cache while an import writes (KiB). The default, 2 MiB, is far smaller than the
# indexes of a 100,000-row roll, so pages would be spilled and read back all through the write.
BULK_CACHE_KIB = 64 * 1024


@contextmanager
def bulk_session() -> Iterator[None]:
    """What a long run of bulk writes needs from the process and the connection, for its time.

    - The cyclic garbage collector is paused: an import allocates millions of small containers
      (rows, dicts, tuples) and frees them by reference counting, while the collector would
      keep re-scanning the ones still alive, a third of the parse time. It is switched back on
      (if it was on) when the import ends, and catches up then.
    - On SQLite, a larger page cache for this connection (it is put back afterwards).
    Neither changes what is written or how durably: a commit is still synchronous=FULL.
    """
    collecting = gc.isenabled()
    gc.disable()
    previous = None
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                previous = int(cursor.fetchone()[0])
                cursor.execute(f"PRAGMA cache_size = -{int(BULK_CACHE_KIB)}")
        yield
    finally:
        try:
            if previous is not None and connection.connection is not None:
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA cache_size = {previous}")
        finally:
            if collecting:
                gc.enable()
