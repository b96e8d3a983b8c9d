"""The demo federation's 2018H1 relief, shaped like the seed (救助各类困难职工、困难劳模350余名，
发放救助金110余万元), made through the imports and the approval chain, not written into tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gonghui.accounts.models import User
from gonghui.care.models.hardship import HardshipFile, ReliefBatch
from gonghui.core.audit.models import AuditEntry
from gonghui.core.workflow.models import Decision
from gonghui.demo.federation import build_demo
from gonghui.orgs.models import Organization, OrgKind
from gonghui.reports import indicators
from gonghui.reports.numbers import approx
from gonghui.reports.periods import Period

pytestmark = pytest.mark.django_db


def test_the_demo_relief_is_the_seeds_and_went_through_the_chain() -> None:
    result = build_demo(seed=2018, unions_per_town=5, members_per_union=2)
    admin = User.objects.get(username="admin")
    city = Organization.objects.get(kind=OrgKind.CITY)
    got = indicators.compute(city, Period.parse("2018H1"), admin,
                             ["care.relief_people", "care.relief_amount"])
    assert approx(got["care.relief_people"], unit="名") == "350余名"
    assert Decimal("1100000") <= got["care.relief_amount"] < Decimal("1200000")
    assert result.apps["hardship"] == HardshipFile.objects.count() == 215
    # Every file and batch went up the chain by different hands, recorded in the ledger.
    assert not HardshipFile.objects.exclude(state="approved").exists()
    assert not ReliefBatch.objects.exclude(state="paid").exists()
    pay = Decision.objects.filter(transition="pay")
    assert set(pay.values_list("actor_name", flat=True)) == {"caiwu"}
    approvals = Decision.objects.filter(transition="approve")
    assert set(approvals.values_list("actor_name", flat=True)) == {"admin"}
    makers = set(Decision.objects.filter(transition="create", content_type__model="reliefbatch")
                 .values_list("actor_name", flat=True))
    assert makers and all(name.startswith("jingban") for name in makers)
    # The files and the payment rolls came in through the imports, each audited.
    imported = AuditEntry.objects.filter(action="import").values_list("object_type", flat=True)
    assert {"hardship", "relief"} <= set(imported)
