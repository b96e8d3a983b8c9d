"""Declaring a workflow: states, transitions and the rules each transition states.

A workflow is a small declared table, not model methods: the record type carries it
(`RecordType(workflow=...)`), and the actions, permissions, buttons, bulk pages, API endpoints,
state filter and decision ledger are all read from it (docs/architecture.md, "Declared
workflows").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

# A requirement or guard: `(obj) -> None` when met, a Chinese reason when not.
Check = Callable[[Any], "str | None"]
# A guard also sees who acts: `(obj, actor) -> None | reason`.
Guard = Callable[[Any, Any], "str | None"]

# The ledger's name for the record's creation: maker-checker rules may name it like a transition.
CREATE = "create"


class TransitionRefused(Exception):
    """A transition that may not be taken now, with the Chinese reason shown to the user."""

    # Why: "state" (not from this state, or someone was faster), "permission" (the role, the
    # org level or maker-checker), "requirement" (a requirement, the guard, a missing opinion),
    # "missing" (not in the actor's subtree: callers answer exactly as for a missing id).
    def __init__(self, message: str, *, code: str = "state") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def missing(self) -> bool:
        return self.code == "missing"


@dataclass(frozen=True)
class State:
    code: str
    label: str
    # Whether the record's fields may be edited (and the record deleted) in this state.
    editable: bool = False
    # A Bootstrap colour for the state badge.
    tone: str = "secondary"


@dataclass(frozen=True)
class Transition:
    """One named step from some states to one state, and the rules for taking it."""

    name: str  # an identifier: the action's name, the permission's codename prefix, the URL
    label: str  # the button
    sources: Sequence[str]
    target: str
    # Org kinds (the organisation model's `kind` values) an actor must belong to; empty: any.
    levels: Sequence[str] = ()
    # Maker-checker: whoever took one of these steps on the record (CREATE for its creation)
    # may not take this one. The decision ledger knows who did what.
    not_by: Sequence[str] = ()
    requires: Sequence[Check] = ()
    guard: Guard | None = None
    # Whether the form asks for an opinion (审核意见), and whether it must be given.
    opinion: bool = False
    opinion_required: bool = False
    # Runs inside the transaction right after the state is claimed (e.g. stamp an approval
    # date): it sees the record in its new state and may save other fields of it.
    effect: Callable[[Any, Any], None] | None = None
    # Runs after the transaction commits (a notice, a task): never inside an open transaction.
    on_commit: Callable[[Any], None] | None = None
    tone: str = "primary"

    def check_requirements(self, obj: Any) -> list[str]:
        return [reason for check in self.requires if (reason := check(obj))]


@dataclass
class Workflow:
    """States and transitions of one record type; `field` is the model's state column."""

    states: Sequence[State]
    transitions: Sequence[Transition]
    initial: str = ""
    field: str = "state"

    def __post_init__(self) -> None:
        codes = [s.code for s in self.states]
        self.initial = self.initial or codes[0]
        names = [t.name for t in self.transitions]
        if len(set(names)) != len(names) or CREATE in names:
            raise ValueError(f"transition names must be unique and not {CREATE!r}: {names}")
        for t in self.transitions:
            unknown = {*t.sources, t.target} - set(codes)
            if unknown:
                raise ValueError(f"transition {t.name!r} names unknown states {sorted(unknown)}")
            if not t.name.isidentifier():
                raise ValueError(f"transition name {t.name!r} is not an identifier")

    def action(self, name: str) -> Any:
        """The transition as a named, keyword-only function (`actions.TransitionAction`)."""
        from gonghui.core.workflow.actions import TransitionAction

        if self.transition(name) is None:
            raise ValueError(f"no transition named {name!r}")
        return TransitionAction(name)

    def state(self, code: str) -> State:
        return next(s for s in self.states if s.code == code)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(s.code, s.label) for s in self.states]

    def state_field(self, verbose_name: Any = None) -> models.CharField[Any, Any]:
        """The model's state column, declared from the workflow.

        Not editable: no form or import ever sets it; only a transition's claim writes it.
        """
        return models.CharField(
            verbose_name or _("状态"),
            max_length=32,
            choices=self.choices,
            default=self.initial,
            editable=False,
            db_index=True,
        )

    def current(self, obj: Any) -> str:
        return str(getattr(obj, self.field))

    def is_editable(self, obj: Any) -> bool:
        return self.state(self.current(obj)).editable

    def state_label(self, obj: Any) -> str:
        return self.state(self.current(obj)).label


def required_fields(*names: str) -> Check:
    """A requirement: every named field of the record is filled in."""

    def check(obj: Any) -> str | None:
        empty = [
            str(obj._meta.get_field(name).verbose_name)
            for name in names
            if getattr(obj, name) in (None, "", [])
        ]
        return f"请先填写：{'、'.join(empty)}" if empty else None

    return check
