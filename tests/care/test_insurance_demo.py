"""The demo's 2018H1 mutual insurance has the seed's shape (参加职工互助保障计划单位99个32046人次，
理赔金额达到77.5万余元), computed from records made through the imports and actions."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from gonghui.accounts.models import User
from gonghui.care.models.insurance import InsuranceClaim, RosterEntry
from gonghui.core.audit.models import AuditEntry
from gonghui.core.workflow.models import Decision
from gonghui.demo.federation import build_demo
from gonghui.orgs.models import Organization, OrgKind
from gonghui.reports import indicators
from gonghui.reports.periods import Period
from gonghui.reports.review import compile_review, fill

pytestmark = pytest.mark.django_db

H1 = Period.parse("2018H1")


def test_the_demo_half_year_prints_the_seeds_insurance_figures() -> None:
    started = time.perf_counter()
    result = build_demo(seed=2018, unions_per_town=12, members_per_union=3)
    assert time.perf_counter() - started < 120
    admin = User.objects.get(username="admin")
    city = Organization.objects.get(kind=OrgKind.CITY)
    got = indicators.compute(city, H1, admin, ["insurance.units_enrolled",
                                               "insurance.person_times",
                                               "insurance.claims_paid_amount"])
    assert got["insurance.units_enrolled"] == 99
    assert got["insurance.person_times"] == 32046
    paid = got["insurance.claims_paid_amount"]
    assert isinstance(paid, Decimal) and Decimal("775000") <= paid < Decimal("776000")
    assert result.apps["insurance-enrolment"] == 99
    # Every paid claim went through the workflow: a ledger row and an audit row each.
    claims = InsuranceClaim.objects.filter(state="paid")
    assert claims.count() == result.apps["insurance-claim"] > 0
    assert Decision.objects.filter(transition="record_paid").count() == claims.count()
    assert AuditEntry.objects.filter(object_type="care.insuranceclaim").count() >= claims.count()
    # Each claimant is on the roster of the unit's enrolment covering the paid date.
    for claim in claims.select_related("enrolment"):
        assert claim.enrolment.starts_on <= claim.paid_on <= claim.enrolment.ends_on
        assert RosterEntry.objects.filter(enrolment=claim.enrolment,
                                          person=claim.person).exists()
    review = compile_review(city, H1, admin)
    # 775,000 ≤ paid < 776,000 (above), said to three digits as the section declares.
    assert "今年以来参加职工互助保障计划单位99个32046人次，理赔金额达到77.5万余元。" in fill(
        review.narrative, review.values)
