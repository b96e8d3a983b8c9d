"""Mutual insurance figures (立足普惠 section): units enrolled, person-times, claims paid.

Each lists its records: enrolments by their first day (每单位只计一次 for units), claims by their
paid date in the 已赔付 state, so a figure can be checked record by record.
"""

from __future__ import annotations

from django.db.models import QuerySet

from gonghui.care.models.insurance import InsuranceClaim, InsuranceEnrolment, first_per_unit
from gonghui.reports.indicators import Scope, indicator


@indicator("insurance.units_enrolled", "参加职工互助保障计划单位", "个",
           slug="insurance-enrolment",
           query=lambda scope: f"unit_first=true&{scope.dates}")
def units_enrolled(scope: Scope) -> QuerySet[InsuranceEnrolment]:
    """Units with an enrolment starting in the period, each unit once per enrolling union
    (a unit in two plans is one unit): each unit's first such enrolment."""
    started = scope.records(InsuranceEnrolment).filter(starts_on__range=scope.range)
    return first_per_unit(started, scope.period.start)


@indicator("insurance.person_times", "参加职工互助保障", "人次", slug="insurance-enrolment",
           query=lambda scope: scope.dates, total="persons_enrolled")
def person_times(scope: Scope) -> QuerySet[InsuranceEnrolment]:
    """参保人数 summed over the enrolments starting in the period: a person in two plans is two
    person-times."""
    return scope.records(InsuranceEnrolment).filter(starts_on__range=scope.range)


@indicator("insurance.claims_paid_amount", "互助保障理赔金额", "元", slug="insurance-claim",
           query=lambda scope: (f"state=paid&paid_after={scope.period.start.isoformat()}"
                                f"&paid_before={scope.period.end.isoformat()}"),
           total="amount_paid")
def claims_paid_amount(scope: Scope) -> QuerySet[InsuranceClaim]:
    """赔付金额 of the claims paid in the period (已赔付 only; refused and pending claims are
    not money paid)."""
    return scope.records(InsuranceClaim).filter(state="paid", paid_on__range=scope.range)
