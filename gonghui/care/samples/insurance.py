"""Insurance samples: leak-matrix sentinels and the demo's 2018H1 enrolments and claims.

Both are made the way cadres make them: the enrolment and claim workbooks through the import
engine (as the console operator of the city federation, whose right it is to register a unit's
historic paid claims), the rosters through 添加本单位在会会员.
"""

from __future__ import annotations

import datetime
import random
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from gonghui.care.insurance_actions import add_unit_members
from gonghui.care.models.insurance import ClaimKind, InsuranceClaim, InsuranceEnrolment, Plan
from gonghui.core.records.samples import Branch, DemoBuild
from gonghui.core.workflow.actions import record_created, take

# The demo's plan, shaped like the seed ("参加职工互助保障计划单位99个32046人次，理赔金额达到
# 77.5万余元"): the generator's input; the review's figures are computed from the records made.
UNITS = 99
PERSON_TIMES = 32046
PAID = Decimal("775380.00")

ENROLMENT_HEADERS = ["单位名称", "统一社会信用代码", "所属工会编码", "保障计划", "参保人数",
                     "保障期起", "保障期止"]
CLAIM_HEADERS = ["姓名", "身份证号", "统一社会信用代码", "理赔类别", "申请金额（元）",
                 "赔付金额（元）", "赔付日期"]
KIND_OF_PLAN = {Plan.INPATIENT: ClaimKind.INPATIENT, Plan.CRITICAL: ClaimKind.CRITICAL,
                Plan.ACCIDENT: ClaimKind.ACCIDENT}


def _operator() -> Any:
    from gonghui.core.ops.operator import Operator
    from gonghui.orgs.models import Organization

    return Operator(org=Organization.objects.get_first_root_node())


def sentinels(branch: Branch) -> dict[str, Any]:
    """An enrolment of the branch's enterprise in 2018 with the branch's member on its roster,
    and that member's claims."""
    unit = branch.made["enterprises"]
    member = branch.made["members"]
    person = member.person
    person.employer = unit
    person.save(update_fields=["employer"])
    enrolment = InsuranceEnrolment(
        enterprise=unit, org=branch.union, plan=Plan.INPATIENT,
        persons_enrolled=80 if branch.key == "a" else 150,
        premium=Decimal("4000.00"), starts_on=datetime.date(2018, 1, 1),
        ends_on=datetime.date(2018, 12, 31), note=f"{branch.sentinel}参保",
    )
    enrolment.save()
    operator = _operator()
    add_unit_members(enrolment=enrolment, user=operator)
    entry = enrolment.roster.get(person=person)
    # A claim paid in 2018H1 (a historic payment the city federation registered, through the
    # workflow), so that the figures prove something; and one just received, the sentinel the
    # matrix requests (editable, as a received claim is).
    paid = InsuranceClaim(
        person=person, enterprise=unit, kind=ClaimKind.INPATIENT,
        received_on=datetime.date(2018, 4, 2), amount_claimed=Decimal("3200.50"),
        amount_paid=Decimal("2100.25"), note=f"{branch.sentinel}住院理赔",
    )
    paid.full_clean(exclude=["org", "org_path", "enrolment", "state"])
    paid.save()
    record_created(paid, actor=operator)
    paid.paid_on = datetime.date(2018, 5, 10)
    paid.save(update_fields=["paid_on"])
    take(paid, "record_paid", actor=operator, opinion="历史赔付")
    claim = InsuranceClaim(
        person=person, enterprise=unit, kind=ClaimKind.ACCIDENT,
        received_on=datetime.date(2018, 6, 2), amount_claimed=Decimal("800.00"),
        note=f"{branch.sentinel}意外理赔",
    )
    claim.full_clean(exclude=["org", "org_path", "enrolment", "state"])
    claim.save()
    record_created(claim, actor=operator)
    return {"insurance-enrolment": enrolment, "insurance-enrolment/roster": entry,
            "insurance-claim": claim}


def _split(total: int | Decimal, parts: int, rng: random.Random, *, low: float, high: float,
           quantum: Decimal = Decimal(1)) -> list[Decimal]:
    """`parts` positive amounts summing to exactly `total`, in proportion to weights drawn
    between `low` and `high`; what truncation leaves goes to the first."""
    weights = [Decimal(str(round(rng.uniform(low, high), 3))) for _ in range(parts)]
    whole = sum(weights)
    amounts = [(Decimal(total) * w / whole).quantize(quantum, rounding="ROUND_DOWN")
               for w in weights]
    amounts[0] += Decimal(total) - sum(amounts)
    return amounts


def _workbook(folder: str, name: str, headers: list[str], rows: list[list[Any]]) -> Path:
    path = Path(folder) / name
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, headers)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [str(cell) for cell in row])
    book.close()
    return path


def demo(build: DemoBuild) -> None:
    """2018H1: 99 units enrolled (32046 person-times), their rosters from the member roll, and
    claims paid in the half-year summing to 77.5万余元, imported from the units' records."""
    from gonghui.core.imports.engine import run_import
    from gonghui.core.records.registry import registry
    from gonghui.orgs.models import UNION_KINDS, Enterprise

    rng = random.Random(build.seed + 1400)
    first, last = build.period
    operator = _operator()
    units = list(
        Enterprise.objects.filter(union__kind__in=UNION_KINDS, workers__isnull=False)
        .exclude(uscc="").distinct().select_related("union").order_by("pk")
    )
    units = sorted(rng.sample(units, min(UNITS, len(units))), key=lambda u: u.pk)
    if not units:
        return
    plans = [Plan.INPATIENT] * 6 + [Plan.CRITICAL] * 2 + [Plan.ACCIDENT] * 2
    counts = _split(PERSON_TIMES, len(units), rng, low=0.3, high=1.7)
    rows = []
    for unit, count in zip(units, counts, strict=True):
        start = first if rng.random() < 0.7 else datetime.date(first.year, rng.randint(2, 6), 1)
        assert unit.union is not None  # chosen among units a union covers
        rows.append([unit.name, unit.uscc, unit.union.code, rng.choice(plans).label,
                     int(count), start.isoformat(),
                     start.replace(year=start.year + 1) - datetime.timedelta(days=1)])
    with tempfile.TemporaryDirectory(prefix="gonghui-demo-") as folder:
        path = _workbook(folder, "演示互助保障参保.xlsx", ENROLMENT_HEADERS, rows)
        made = run_import(registry["insurance-enrolment"].import_spec,  # type: ignore[arg-type]
                          path, user=operator)
        enrolments = list(InsuranceEnrolment.objects.filter(
            enterprise__in=units, starts_on__range=build.period).select_related("enterprise"))
        build.note(f"互助保障参保单位 {made.created} 个（经导入）")
        for enrolment in enrolments:
            add_unit_members(enrolment=enrolment, user=operator)
        build.note(f"参保名单 {len(enrolments)} 份（添加本单位在会会员）")
        # Claims of people on those rosters, paid in the half-year after their cover began.
        candidates = [
            (enrolment, entry.person)
            for enrolment in enrolments
            for entry in enrolment.roster.select_related("person")[:5]
            if enrolment.starts_on < last
        ]
        chosen = rng.sample(candidates, min(len(candidates), 160))
        claim_rows = []
        for (enrolment, person), paid in zip(
            chosen, _split(PAID, len(chosen), rng, low=0.2, high=1.8, quantum=Decimal("0.01")),
            strict=True,
        ):
            day = datetime.date.fromordinal(
                rng.randint(max(enrolment.starts_on, first).toordinal() + 20, last.toordinal())
            )
            claimed = (paid * Decimal(str(round(rng.uniform(1.0, 1.6), 2)))).quantize(
                Decimal("0.01"))
            kind = KIND_OF_PLAN.get(Plan(enrolment.plan), ClaimKind.INPATIENT)
            claim_rows.append([person.name, person.id_number, enrolment.enterprise.uscc,
                               ClaimKind(kind).label, claimed, paid, day.isoformat()])
        if claim_rows:
            path = _workbook(folder, "演示互助保障理赔.xlsx", CLAIM_HEADERS, claim_rows)
            claimed_made = run_import(registry["insurance-claim"].import_spec,  # type: ignore[arg-type]
                                      path, user=operator)
        else:
            claimed_made = None
    build.counts["insurance-enrolment"] = made.created
    build.counts["insurance-claim"] = claimed_made.created if claimed_made else 0
    build.note(f"互助保障理赔 {build.counts['insurance-claim']} 笔（经导入，登记为已赔付）")
