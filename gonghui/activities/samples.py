"""The activities app's sample records (gonghui.core.records.samples)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from gonghui.activities.models import Activity, ActivityUnit, Participant
from gonghui.core.records.samples import Branch


def sentinels(branch: Branch) -> dict[str, Any]:
    """A symposium organised by the branch's union (with money and goods, so that the sums
    prove something), with its member as a named participant and
    a unit reached; the child rows are keyed `<parent slug>/<child slug>`."""
    activity = Activity(org=branch.union, kind="symposium", title=f"{branch.sentinel}职工座谈会",
                        start_date=datetime.date(2018, 4, 20), places=f"{branch.sentinel}会议室",
                        money=Decimal("1200.00"), goods_value=Decimal("300.50"))
    activity.save()
    participant = Participant.objects.create(activity=activity,
                                             person=branch.made["people"],
                                             unit_name=f"{branch.sentinel}机械厂")
    unit = ActivityUnit.objects.create(activity=activity, unit_name=f"{branch.sentinel}送达单位")
    return {"activities": activity, "activities/participants": participant,
            "activities/units": unit}
