"""Paid once: twenty cadres press 赔付 on one reviewed claim at the same moment, each on their own
PostgreSQL connection; one payment happens, the amount is counted once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from gonghui.accounts.actions import create_user
from gonghui.accounts.roles import Role
from gonghui.care import insurance_actions as actions
from gonghui.care.models.insurance import InsuranceClaim
from gonghui.core.workflow.models import Decision
from gonghui.reports import indicators
from gonghui.reports.periods import Period
from tests.care.test_insurance import attach, new_claim
from tests.conftest import PASSWORD, Federation
from tests.races import race


def test_twenty_simultaneous_payments_pay_once(
    transactional_db: Any, federation: Federation, make_persona: Any,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections: PostgreSQL (SQLite serialises every writer)")
    maker = make_persona("town_a_cadre")
    payers = [create_user(username=f"payer_{n}", org=federation.town_a,
                          roles=[Role.TOWN_CADRE], password=PASSWORD) for n in range(20)]
    claim = new_claim(federation, maker, paid="4000.00")
    attach(claim, "diagnosis", "诊断证明.pdf")
    attach(claim, "invoice", "发票.pdf")
    actions.review(obj=claim, actor=payers[0])
    # Every page showed 已审核.
    wins, losses = race(lambda: InsuranceClaim.objects.get(pk=claim.pk),
                        lambda seen, actor: actions.pay(obj=seen, actor=actor), payers)
    assert len(wins) == 1 and len(losses) == 19, (wins, losses)
    assert all("已被他人办理" in message for message in losses), losses
    assert Decision.objects.filter(object_id=claim.pk, transition="pay",
                                   content_type__model="insuranceclaim").count() == 1
    claim.refresh_from_db()
    scope = indicators.Scope(federation.town_a, Period.parse(
        f"{claim.paid_on.year}"), make_persona("city_admin"))
    assert indicators.get("insurance.claims_paid_amount").compute(scope) == Decimal("4000.00")
