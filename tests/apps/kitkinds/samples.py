"""The kinds sample app's sentinel child rows (gonghui.core.records.samples)."""

from __future__ import annotations

from typing import Any

from gonghui.core.records.samples import Branch
from tests.apps.kitkinds.models import TraineeScore


def sentinels(branch: Branch) -> dict[str, Any]:
    """A trainee's score on the branch's sentinel activity (the activities app made it)."""
    score = TraineeScore.objects.create(activity=branch.made["activities"],
                                        trainee=f"{branch.sentinel}学员", score=90)
    return {"activities/scores": score}
