"""What the record pages show of a workflow: the state, the buttons, the timeline, bulk actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from gonghui.core.records.registry import RecordType
from gonghui.core.workflow import actions
from gonghui.core.workflow.models import Decision
from gonghui.core.workflow.spec import CREATE, State, Transition


@dataclass
class Button:
    transition: Transition
    url: str


@dataclass
class Step:
    decision: Decision
    from_label: str
    to_label: str
    tone: str

    @property
    def created(self) -> bool:
        return self.decision.transition == CREATE


@dataclass
class Panel:
    state: State
    buttons: list[Button]
    timeline: list[Step]


def transition_url(record: RecordType, obj: Any, name: str) -> str:
    return reverse(record.url_name("transition"), kwargs={"pk": obj.pk, "name": name})


def panel(record: RecordType, obj: Any, request: HttpRequest) -> Panel:
    """The detail page's workflow card: only the transitions this user may take now."""
    flow = actions.workflow_of(record)
    labels = {s.code: s for s in flow.states}
    buttons = [
        Button(t, transition_url(record, obj, t.name))
        for t in actions.available(record, obj, request.user)
    ]
    timeline = [
        Step(
            d,
            labels[d.from_state].label if d.from_state in labels else "",
            labels[d.to_state].label if d.to_state in labels else d.to_state,
            labels[d.to_state].tone if d.to_state in labels else "secondary",
        )
        for d in actions.decisions(obj)
    ]
    return Panel(flow.state(flow.current(obj)), buttons, timeline)


def list_context(record: RecordType, request: HttpRequest) -> dict[str, Any]:
    """The list page's state labels. Its bulk transitions are record actions
    (`RecordType.record_actions`), in the one tick-box column and action bar of the list."""
    if record.workflow is None:
        return {}
    return {"state_labels": dict(record.workflow.choices)}
