"""The organisations app's sample records (gonghui.core.records.samples)."""

from __future__ import annotations

import datetime
from typing import Any

from gonghui.core.records.samples import Branch
from gonghui.core.text.identifiers import make_uscc
from gonghui.orgs.models import Election, Enterprise, HomeLevel, Industry, Ownership, WorkersHome


def sentinels(branch: Branch) -> dict[str, Any]:
    """The branch's union itself, an enterprise it covers, a term election guided by the town
    and a workers' home."""
    enterprise = Enterprise(
        name=f"{branch.sentinel}{'机械' if branch.key == 'a' else '纺织'}有限公司",
        uscc=make_uscc(branch.rng), industry=Industry.C, ownership=Ownership.PRIVATE,
        employee_count=120 if branch.key == "a" else 300, town=branch.town, union=branch.union,
    )
    enterprise.save()
    election = Election(union=branch.union, held_on=datetime.date(2016, 5, 10), term_years=5,
                        guided_by=branch.town)
    election.save()
    home = WorkersHome(union=branch.union, level=HomeLevel.COUNTY, year=2017,
                       awarded_on=datetime.date(2018, 3, 5), has_venue=True)
    home.save()
    return {"orgs": branch.union, "enterprises": enterprise, "elections": election,
            "homes": home}
