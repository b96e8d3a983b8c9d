"""The workflow sample app's sentinel records (gonghui.core.records.samples)."""

from __future__ import annotations

from typing import Any

from gonghui.core.records.samples import Branch
from tests.apps.kitflow.models import ReliefClaim


def sentinels(branch: Branch) -> dict[str, Any]:
    """A relief claim per branch, a draft in the branch's union."""
    claim = ReliefClaim(org=branch.union, title=f"{branch.sentinel}困难帮扶申请",
                        applicant=f"{branch.sentinel}王五", amount="3000.00", reason="大病住院")
    claim.save()
    return {"kitclaims": claim}
