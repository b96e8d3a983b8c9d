"""Races on real connections: every actor opens the same record, then all act at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections

from gonghui.core.workflow.spec import TransitionRefused


def race(
    load: Callable[[], Any], act: Callable[[Any, Any], Any], actors: Sequence[Any]
) -> tuple[list[str], list[str]]:
    """Each actor loads the record (the page they all saw), waits for the others, then acts on
    its own thread and connection: the usernames that won, and the refusals of the rest."""
    barrier = threading.Barrier(len(actors))
    wins: list[str] = []
    losses: list[str] = []

    def attempt(actor: Any) -> None:
        try:
            seen = load()
            barrier.wait(timeout=30)
            act(seen, actor)
            wins.append(actor.username)
        except TransitionRefused as exc:
            losses.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return wins, losses
