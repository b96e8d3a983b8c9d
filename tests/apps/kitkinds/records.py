"""The sample workstream's declarations on top of the activity record."""

from __future__ import annotations

from django.db.models import Avg, Count

from gonghui.activities.kinds import kinds
from gonghui.core.records.children import Aggregate, ChildRows
from gonghui.core.records.registry import registry
from tests.apps.kitkinds.models import TraineeScore

kinds.declare("kitkinds", {"kitkinds.drill": "应急演练"})

registry["activities"].add_children(
    ChildRows(
        model=TraineeScore,
        slug="scores",
        parent_field="activity",
        columns=["trainee", "score"],
        form_fields=["trainee", "score"],
        aggregates=[
            Aggregate("trainees", "学员数", Count("pk"), "人"),
            Aggregate("average", "平均成绩", Avg("score"), "分"),
        ],
        exported=False,
    )
)
