"""Relief figures: 救助困难职工、困难劳模〔care.relief_people〕, 发放救助金〔care.relief_amount〕.

Both count the lines of batches in 已发放, not rejected at review, by each line's 发放日期 in the
period; both list those lines on the 救助发放明细 page. Money is summed by the database as Decimal.
"""

from __future__ import annotations

from django.db.models import Min, QuerySet

from gonghui.care.models.hardship import ReliefPayment
from gonghui.reports.indicators import Scope, indicator

PAID = "batch__state=paid&rejected=false"


def paid_in(scope: Scope) -> QuerySet[ReliefPayment]:
    return scope.records(ReliefPayment).filter(
        batch__state="paid", rejected=False, paid_on__range=scope.range)


@indicator("care.relief_people", "救助各类困难职工、困难劳模", "名", additive=False,
           slug="relief", query=lambda scope: f"{PAID}&recipients=true&{scope.dates}")
def relief_people(scope: Scope) -> QuerySet[ReliefPayment]:
    """Distinct people on lines of paid batches paid in the period (one line per person: a
    worker helped at Spring Festival and again in a medical batch is one person)."""
    lines = paid_in(scope)
    first = lines.order_by().values("person_id").annotate(first=Min("pk")).values("first")
    return lines.filter(pk__in=first)


@indicator("care.relief_amount", "发放救助金", "元", slug="relief",
           query=lambda scope: f"{PAID}&{scope.dates}", total="amount")
def relief_amount(scope: Scope) -> QuerySet[ReliefPayment]:
    """Relief paid in the period: the sum of the lines of paid batches, rejected lines left
    out."""
    return paid_in(scope)
