"""Bulk writes for imports and data generation: `executemany` straight into a model's table.

`bulk_create` builds a model instance per row and one huge INSERT per batch; for a 100,000-row
roll that is most of the import's time. Here rows are plain tuples in the model's column order,
sent with sqlite3's `executemany` (which runs in C) or PostgreSQL's COPY. Timestamps are filled
in here because `auto_now` lives in `Model.save`, which this path does not call.

Also here: `WriteBehind` (an import's inserts written on a second thread while it parses the
next rows), `select_in` (lookups by many keys without the ORM's per-parameter work),
`allocate_ids` (primary keys reserved before an insert) and `bulk_session` (what a long run of
bulk writes needs from the process and the connection). docs/performance.md has the figures.
"""

from __future__ import annotations

import gc
import json
import queue
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
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


@dataclass
class PreparedInsert:
    """One batch of rows for one table, ready for the driver.

    `rows` are tuples in `columns` order, dates adapted; `shared` holds the values every row
    of the batch has in the last columns (the time stamps), kept apart so that a 100,000-row
    batch is not copied once more to append them.
    """

    table: str
    columns: list[str]
    rows: list[Sequence[Any]]
    shared: tuple[Any, ...] = ()

    def quoted(self) -> tuple[str, str]:
        quote = connection.ops.quote_name
        return quote(self.table), ", ".join(quote(c) for c in self.columns)

    def full_rows(self) -> list[Sequence[Any]]:
        """Each row with the shared values appended (a copy, for drivers that need whole
        rows; the write-behind thread binds the shared values without one)."""
        shared = self.shared
        return [(*row, *shared) for row in self.rows] if shared else self.rows


def prepare_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    dates_adapted: bool = False,
) -> PreparedInsert:
    """Rows (tuples in `fields` order) made ready to INSERT into `model`'s table.

    `created_at`/`updated_at` are added when the model has them and `fields` does not. Date
    values go through `date_adapter()` here, unless the caller says it has done so already
    (`dates_adapted`): then a list of tuples is taken as it is, without a copy.
    """
    opts = model._meta
    names = list(fields)
    stamps = [
        f for f in ("created_at", "updated_at")
        if f not in names and any(x.name == f for x in opts.concrete_fields)
    ]
    model_fields = [opts.get_field(name) for name in [*names, *stamps]]
    columns: list[str] = [f.column for f in model_fields]  # type: ignore[union-attr,misc]
    shared = (connection.ops.adapt_datetimefield_value(timezone.now()),) * len(stamps)
    # Dates go through the backend's adapter (SQLite stores ISO text, PostgreSQL takes dates);
    # every other value is passed to the driver as it is.
    date_positions = [
        i for i, f in enumerate(model_fields[: len(names)])
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
    ]
    adapted: list[Sequence[Any]]
    if date_positions and not dates_adapted:
        adapted_date = date_adapter()

        def prepared(row: Sequence[Any]) -> tuple[Any, ...]:
            values = list(row)
            for i in date_positions:
                values[i] = adapted_date(values[i])
            return tuple(values)

        adapted = [prepared(row) for row in rows]
    else:
        adapted = rows if isinstance(rows, list) else list(rows)
    return PreparedInsert(str(opts.db_table), columns, adapted, shared)


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    dates_adapted: bool = False,
) -> int:
    """INSERT rows (tuples in `fields` order) into `model`'s table now; returns the row count.
    See `prepare_insert` for the time stamps and dates."""
    return DirectWriter().insert(model, fields, rows, dates_adapted=dates_adapted)


@dataclass(frozen=True)
class BulkUpkeep:
    """What a table's bulk inserts on SQLite do instead of its per-row triggers' work.

    An app whose table keeps derived rows by trigger (the people app's name grams) registers
    one for its table: before a batch, `defer` (SQL) tells the triggers to stand aside for
    this transaction; after it, `catch_up` (SQL taking one parameter, the JSON array of the
    batch's keys) derives the rows of the whole batch in one set-based statement; `resume`
    ends the deferral, also when the batch fails. Only batches that carry their keys (`id`)
    use it; others leave the triggers at their work. PostgreSQL needs none (statement-level
    triggers are set-based there).
    """

    defer: str
    catch_up: str
    resume: str


_UPKEEP: dict[str, BulkUpkeep] = {}


def register_bulk_upkeep(model: type[models.Model], upkeep: BulkUpkeep) -> None:
    _UPKEEP[str(model._meta.db_table)] = upkeep


def _upkeep_of(batch: PreparedInsert) -> tuple[BulkUpkeep, str] | None:
    """The table's upkeep and the JSON array of the batch's keys, if it has both."""
    upkeep = _UPKEEP.get(batch.table)
    if upkeep is None or "id" not in batch.columns:
        return None
    at = batch.columns.index("id")
    return upkeep, json.dumps([row[at] for row in batch.rows])


def write_batch(batch: PreparedInsert) -> None:
    """INSERT a prepared batch now, through this thread's connection."""
    if not batch.rows:
        return
    table, columns = batch.quoted()
    if connection.vendor == "postgresql":
        # COPY is PostgreSQL's own bulk load: the same rows, constraints, indexes and
        # transaction as INSERTs, at a fraction of the per-row cost of executemany.
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            write_row = copy.write_row
            for row in batch.full_rows():
                write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(batch.columns))
    upkeep = _upkeep_of(batch)
    # Atomic: the deferral and the rows and their upkeep commit together or not at all.
    with transaction.atomic(), connection.cursor() as cursor:
        if upkeep is not None:
            cursor.execute(upkeep[0].defer)
        try:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", batch.full_rows()
            )
            if upkeep is not None:
                cursor.execute(upkeep[0].catch_up.replace("?", "%s"), [upkeep[1]])
        finally:
            if upkeep is not None:
                cursor.execute(upkeep[0].resume)


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


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve `count` primary keys for rows about to be inserted.

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
    raise NotImplementedError(f"allocate_ids: no support for {connection.vendor}")


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


flatten = chain.from_iterable

# Rows per INSERT statement on the write-behind thread (SQLite), within its parameter limit.
ROWS_PER_STATEMENT = 2000
# While a write-behind thread runs, how long (s) one thread may keep the GIL when another wants
# it. Python's 5 ms would leave the writer waiting that long after every statement it ran
# with the GIL released, which is most of its time.
WRITER_SWITCH_INTERVAL = 0.0005


class DirectWriter:
    """Bulk INSERTs written at once, on the caller's thread: the interface of `WriteBehind`
    for code that may run with or without one (an import spec called outside the engine)."""

    def insert(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        dates_adapted: bool = False,
    ) -> int:
        """Write rows for `model` (see `prepare_insert`); returns how many."""
        batch = prepare_insert(model, fields, rows, dates_adapted=dates_adapted)
        if batch.rows:
            self.submit(batch)
        return len(batch.rows)

    def submit(self, batch: PreparedInsert) -> None:
        write_batch(batch)

    def allocate_ids(self, model: type[models.Model], count: int) -> list[int]:
        return allocate_ids(model, count)

    def flush(self) -> None:
        """Nothing is ever pending."""


class WriteBehind(DirectWriter):
    """Bulk INSERTs carried out on a second thread, in the caller's transaction, while the
    caller goes on reading and checking the next rows.

    Most of a large import's database time on SQLite is filling the indexes, which needs no
    Python: on its own thread, with the GIL released, it overlaps the parsing of the next
    chunk on the other core. The rows go as multi-row INSERT statements: one step runs a whole
    statement with the GIL released, where `executemany` would ask for the GIL back after
    every row and so wait behind the parsing thread each time. The class also writes to
    PostgreSQL (with COPY), but the engine does not use it there (see `write_behind`).

    The writer uses the caller's own database connection, so everything lands in the caller's
    transaction, and batches are written in the order they were given. Work on the connection
    from the caller's thread is serialised with the writer's by the driver; before writing
    anything through the ORM that depends on rows given here, call `flush()`. A failed
    batch's error is raised in the caller's thread at the next `insert`, `flush` or `close`;
    the batches after it are dropped, and the caller's transaction must then be rolled back
    (`write_behind()` raises it inside the transaction for that).
    """

    def __init__(self, depth: int = 2) -> None:
        # `connection` is a proxy to this thread's wrapper; the writer's thread needs the
        # wrapper itself (its own `connection` would be another one).
        self.wrapper = connections[DEFAULT_DB_ALIAS]
        self.vendor = self.wrapper.vendor
        # A bounded queue: a reader faster than the database waits, memory stays bounded.
        self._batches: queue.Queue[PreparedInsert | None] = queue.Queue(maxsize=depth)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._drop = threading.Event()
        self._switch_interval: float | None = None
        self._next_keys: dict[str, int] = {}

    # The caller's side.

    def submit(self, batch: PreparedInsert) -> None:
        """Queue the batch (waiting while the queue is full)."""
        self.raise_error()
        if self._thread is None:
            self._start()
        self._batches.put(batch)

    def allocate_ids(self, model: type[models.Model], count: int) -> list[int]:
        """`allocate_ids`, knowing the keys of rows still in the queue: on SQLite the largest
        key in the table does not count them yet, so later reservations continue from here."""
        if self.vendor != "sqlite":
            return allocate_ids(model, count)
        table = str(model._meta.db_table)
        start = self._next_keys.get(table)
        if start is None:
            self.flush()  # rows of this table given earlier without keys
            keys = allocate_ids(model, count)
            if not keys:
                return keys
            start = keys[0]
        self._next_keys[table] = start + count
        return list(range(start, start + count))

    def flush(self) -> None:
        """Wait until every batch given so far is written; raise a batch's error."""
        if self._thread is not None:
            self._batches.join()
        self.raise_error()

    def raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self._drop.set()
            raise error

    def close(self) -> None:
        """Stop the thread: once the queued batches are written, or, after an error in the
        caller (`abandon()` first), as soon as the statement in flight ends."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._batches.put(None)
        thread.join()
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None

    def abandon(self) -> None:
        """Drop what is queued and not yet written (the transaction is being rolled back)."""
        self._drop.set()

    # The writer's side.

    def _start(self) -> None:
        self.wrapper.ensure_connection()
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, WRITER_SWITCH_INTERVAL))
        self._thread = threading.Thread(target=self._run, name="gonghui-write-behind",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        raw = self.wrapper.connection  # the DB-API connection of the caller's transaction
        while True:
            batch = self._batches.get()
            try:
                if batch is None:
                    return
                if not self._drop.is_set():
                    with self.wrapper.wrap_database_errors:
                        self._write(raw, batch)
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc
                self._drop.set()
            finally:
                self._batches.task_done()

    def _write(self, raw: Any, batch: PreparedInsert) -> None:
        if self.vendor == "sqlite":
            self._write_sqlite(raw, batch)
        else:
            self._write_copy(raw, batch)

    def _write_sqlite(self, raw: Any, batch: PreparedInsert) -> None:
        table, columns = batch.quoted()
        width = len(batch.columns)
        limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # parameters a statement
        per = max(1, min(ROWS_PER_STATEMENT, limit // width))
        # OR FAIL: a statement that writes many rows would otherwise keep a statement journal
        # (a copy of every page it changes, spilled to a temporary file: a third of the
        # writer's time) so that a failing row could undo just that statement's rows. Here a
        # failing row fails the import, whose transaction (or savepoint) is then rolled back,
        # undoing them anyway; FAIL keeps that transaction open for the rollback to happen.
        head = f"INSERT OR FAIL INTO {table} ({columns}) VALUES "
        one = "(" + ", ".join(["?"] * width) + ")"
        full = head + ", ".join([one] * per)  # the same text each time: prepared once
        shared = repeat(batch.shared)
        upkeep = _upkeep_of(batch)
        cursor = raw.cursor()
        if upkeep is not None:
            # In the caller's transaction (the engine's): the triggers stand aside for the
            # batch, then one statement does their work for all of it.
            cursor.execute(upkeep[0].defer)
        try:
            rows = batch.rows
            for start in range(0, len(rows), per):
                if self._drop.is_set():
                    return
                part = rows[start : start + per]
                sql = full if len(part) == per else head + ", ".join([one] * len(part))
                # Each row's values, then the shared ones, flattened in C.
                cursor.execute(sql, [*flatten(flatten(zip(part, shared, strict=False)))])
            if upkeep is not None:
                cursor.execute(upkeep[0].catch_up, [upkeep[1]])
        finally:
            if upkeep is not None:
                cursor.execute(upkeep[0].resume)
            cursor.close()

    def _write_copy(self, raw: Any, batch: PreparedInsert) -> None:
        table, columns = batch.quoted()
        statement = f"COPY {table} ({columns}) FROM STDIN"
        shared = batch.shared
        rows = batch.rows
        # One COPY per ROWS_PER_STATEMENT rows: psycopg holds the connection for the whole of
        # a COPY, and the caller's lookups for the next chunk should not wait for all of it.
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            if self._drop.is_set():
                return
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                write_row = copy.write_row
                for row in rows[start : start + ROWS_PER_STATEMENT]:
                    write_row((*row, *shared) if shared else row)


@contextmanager
def write_behind() -> Iterator[DirectWriter]:
    """Where an import's bulk inserts go, for the enclosed block, inside the transaction they
    are written in.

    On SQLite, a `WriteBehind`: on leaving, every batch is written (or its error raised); if
    the block fails, what is queued is dropped and the thread stopped before the transaction
    rolls back. On PostgreSQL the server already fills the indexes in its own process while
    the client goes on, and a second thread would only make the client's lookups wait for
    its COPYs (measured: slower), so the rows are written at once.
    """
    if connection.vendor != "sqlite":
        yield DirectWriter()
        return
    writer = WriteBehind()
    try:
        yield writer
        writer.flush()
    except BaseException:
        writer.abandon()
        writer.close()
        # A writer's own error explains the failure better than what followed from it.
        pending = writer._error
        if pending is not None:
            writer._error = None
            raise pending from None
        raise
    finally:
        writer.close()
