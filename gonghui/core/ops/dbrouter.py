"""Reads of lists, exports and reports from a read replica, when one is configured.

Off by default. With `GONGHUI_REPLICA_URL` set (a PostgreSQL streaming replica of the primary),
settings add it as the `replica` database and install `ReplicaRouter`; code that only reads a
lot — the list pages, exports, indicator computations — runs inside `replica_reads()`, and its
queries go to the replica. Everything else (logins, sessions, saves, the audit log, a detail
page read right after a save) stays on the primary. A list may therefore lag the primary by the
replica's delay, usually well under a second (docs/scaling.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
_reading: ContextVar[bool] = ContextVar("gonghui_replica_reads", default=False)


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Send this block's reads to the replica (if there is one); writes are never sent there."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica follows the primary's schema by replication
