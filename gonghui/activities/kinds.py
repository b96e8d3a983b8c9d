"""The kinds of activity: a taxonomy that each workstream app extends by declaration.

An activity's kind is stored as a code and chosen from a list, never typed: the review counts
activities by kind. This app declares the base kinds; a workstream app declares its own in its
`ready()` (or its records.py), each code prefixed with its app label so that two workstreams
built apart never claim the same code:

    from gonghui.activities.kinds import kinds
    kinds.declare("legalaid", {"legalaid.lecture": "普法讲座"})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

BASE_APP = "activities"


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    app: str


class Kinds:
    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}

    def declare(self, app: str, kinds: Mapping[str, str]) -> None:
        for code, label in kinds.items():
            if app != BASE_APP and not code.startswith(f"{app}."):
                raise ValueError(f"activity kind {code!r} of app {app!r} must start with '{app}.'")
            known = self._kinds.get(code)
            if known is not None and known != Kind(code, label, app):
                raise ValueError(f"activity kind {code!r} declared by {known.app} and {app}")
            self._kinds[code] = Kind(code, label, app)

    def choices(self) -> list[tuple[str, str]]:
        # The base kinds first, then each app's in the order declared.
        ordered = sorted(self._kinds.values(), key=lambda k: k.app != BASE_APP)
        return [(k.code, k.label) for k in ordered]

    def of_app(self, app: str) -> list[str]:
        return [k.code for k in self._kinds.values() if k.app == app]

    def label(self, code: str) -> str:
        kind = self._kinds.get(code)
        return kind.label if kind is not None else code


kinds = Kinds()
kinds.declare(
    BASE_APP,
    {
        "meeting": "会议",
        "visit": "走访",
        "performance": "演出",
        "contest": "竞赛",
        "training": "培训",
        "study_trip": "参观学习",
        "symposium": "座谈",
        "delivery": "慰问送达",
    },
)


def kind_choices() -> list[tuple[str, str]]:
    """The model field's choices, read when used: kinds declared by apps loaded later count."""
    return kinds.choices()
