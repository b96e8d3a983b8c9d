"""Hardship samples: leak-matrix sentinels and the demo's 2018H1 relief, made the way cadres make
them (the imports, the attachments, the workflow's transitions by different people)."""

from __future__ import annotations

import datetime
import random
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from gonghui.care.models.hardship import (
    CareStandard,
    FundSource,
    HardshipFile,
    HouseholdMember,
    ReliefBatch,
    ReliefKind,
    ReliefPayment,
)
from gonghui.core.attachments.actions import attach
from gonghui.core.ops.operator import Operator
from gonghui.core.records.registry import registry
from gonghui.core.records.samples import Branch, DemoBuild
from gonghui.core.workflow.actions import bulk_transition, record_created, take

PDF = b"%PDF-1.4\n% sample\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
DIBAO_2018 = Decimal("560.00")  # 莱西 2018 城市低保 (元/人·月), the demo's standard


def documents(file: HardshipFile, label: str, user: Any = None) -> None:
    """收入证明 and 户口本, as the cadre scans them onto the file."""
    record = registry["hardship"]
    for code in ("income_proof", "hukou"):
        kind = record.attachment_kind(code)
        assert kind is not None
        attach(parent=file, kind=kind, name=f"{label}{kind.label}.pdf",
               chunks=[PDF.replace(b"sample", label.encode())], caption=f"{label}{kind.label}",
               user=user)


def sentinels(branch: Branch) -> dict[str, Any]:
    """The town's standard; a file in 草稿 with a household member and its documents, and a
    batch in 草稿 with one line (editable, as the matrix opens their edit pages); and a paid
    batch, each step taken by a different hand, so that the branch's figures are not zero."""
    s, town = branch.sentinel, branch.town
    city = type(town).objects.get_parent(town)
    # Named without the sentinel: the auditor reads every actor's name in the audit log.
    maker = Operator(org=branch.union, username=f"经办人{branch.key}")
    checker = Operator(org=town, username=f"镇街审核人{branch.key}")
    approver = Operator(org=city, username=f"市总审批人{branch.key}")
    payer = Operator(org=city, username=f"市总出纳{branch.key}")
    # The town publishes the rate; the union, seen by its chair too, repeats it as its own.
    CareStandard(org=town, year=2018, dibao_monthly=DIBAO_2018, note=f"{s}镇低保标准文件").save()
    standard = CareStandard(org=branch.union, year=2018, dibao_monthly=DIBAO_2018,
                            note=f"{s}低保标准文件")
    standard.save()
    person = branch.made["people"]
    file = HardshipFile(person=person, org=branch.union, year=2018,
                        opened_on=datetime.date(2018, 1, 5), household_size=3,
                        annual_income=Decimal("24000"), rigid_costs=Decimal("6000"),
                        main_cause="illness", address=f"{s}幸福路1号", bank_name="农业银行",
                        bank_card="6228480012345678901", note=f"{s}大病住院")
    file.save()
    record_created(file, actor=maker)
    member = HouseholdMember(file=file, name=f"{s}李四", relation="spouse",
                             monthly_income=Decimal("800"))
    member.save()
    documents(file, s)

    def batch_with_line(number: str, title: str, amount: str, day: datetime.date) -> Any:
        batch = ReliefBatch(org=branch.union, number=f"{s}-{number}", title=f"{s}{title}",
                            kind=ReliefKind.MODEL_WORKER, fund_source=FundSource.CITY,
                            planned_on=day)
        batch.save()
        record_created(batch, actor=maker)
        line = ReliefPayment(batch=batch, person=person, kind=ReliefKind.MODEL_WORKER,
                             amount=Decimal(amount), paid_on=day,
                             bank_card="6228480012345678901")
        line.full_clean()
        line.save()
        return batch, line

    paid, _paid_line = batch_with_line("2018-001", "劳模帮扶", "1500.00",
                                       datetime.date(2018, 2, 1))
    for step, actor in (("submit", maker), ("review", checker), ("approve", approver),
                        ("pay", payer)):
        take(paid, step, actor=actor)
    batch, line = batch_with_line("2018-002", "劳模慰问", "300.00", datetime.date(2018, 5, 10))
    return {"care-standards": standard, "hardship": file, "hardship/members": member,
            "relief-batches": batch, "relief-batches/lines": line, "relief": line}


# --- the demo ------------------------------------------------------------------------------------

# Shaped like the seed's 救助各类困难职工、困难劳模350余名，发放救助金110余万元: files opened per
# town (215 in all), 劳模 helped per town (140), and the amounts of each batch.
FILES = [17] * 7 + [16] * 6
MODEL_WORKERS = [11] * 10 + [10] * 3
SPRING, MEDICAL, MODEL_WORKER = Decimal("1500"), Decimal("3000"), Decimal("3300")

HARDSHIP_HEADERS = ["姓名", "身份证号", "所属工会编码", "家庭人口", "家庭年收入（元）",
                    "刚性支出（元）", "主要致困原因", "建档日期"]
RELIEF_HEADERS = ["发放批次编号", "姓名", "身份证号", "救助类别", "金额（元）", "发放日期"]
CAUSES = ["患重特大疾病", "下岗失业", "子女上学", "无劳动能力", "意外事故", "社保待遇落实不到位"]


def _workbook(folder: Path, name: str, headers: list[str], rows: list[list[Any]]) -> Path:
    path = folder / name
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, headers)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [str(v) for v in row])
    book.close()
    return path


def _import(slug: str, path: Path, user: Any) -> int:
    from gonghui.core.imports.engine import run_import

    result = run_import(registry[slug].import_spec, path, user=user)  # type: ignore[arg-type]
    if result.rejected:
        raise RuntimeError(f"demo {slug} import refused {result.rejected} rows: {result.summary()}")
    return result.created


def _accounts() -> tuple[Any, Any, list[tuple[Any, Any]]]:
    """The city's approver (admin), a second city account who pays (出纳 caiwu), and per town
    its cadre (the reviewer) and a clerk (经办人 jingbanNN) who enters files and batches."""
    from django.contrib.auth import get_user_model

    from gonghui.accounts.actions import create_user
    from gonghui.accounts.roles import Role
    from gonghui.demo.federation import DEMO_PASSWORD

    users = get_user_model().objects
    admin = users.get(username="admin")
    payer = create_user(username="caiwu", org=admin.org, roles=[Role.CITY_ADMIN],
                        password=DEMO_PASSWORD)
    towns = []
    for cadre in users.filter(username__startswith="town").order_by("username"):
        clerk = create_user(username=f"jingban{cadre.username[4:]}", org=cadre.org,
                            roles=[Role.TOWN_CADRE], password=DEMO_PASSWORD)
        towns.append((clerk, cadre))
    return admin, payer, towns


def _steps(record: Any, name: str, pks: list[int], actor: Any, opinion: str = "") -> None:
    refused = [o for o in bulk_transition(record, name, pks, actor=actor, opinion=opinion)
               if not o.ok]
    if refused:
        raise RuntimeError(f"demo {record.slug} {name}: {refused[0].message}")


def demo(build: DemoBuild) -> None:
    from django.contrib.auth import get_user_model

    from gonghui.people.models import Person

    admin = get_user_model().objects.get(username="admin")
    if not Person.objects.visible_to(admin).exists():
        return  # a federation without a member roll (an empty plan) has no one to help
    rng = random.Random(build.seed + 1401)
    first, _last = build.period
    admin, payer, towns = _accounts()
    standard = CareStandard(org=admin.org, year=first.year, dibao_monthly=DIBAO_2018,
                            note="莱西市2018年城乡低保标准")
    standard.save()
    hardship, relief = registry["hardship"], registry["relief-batches"]
    files = lines = batches = 0
    with tempfile.TemporaryDirectory(prefix="gonghui-demo-care-") as folder:
        for number, (clerk, cadre) in enumerate(towns):
            wanted = FILES[number % len(FILES)] + MODEL_WORKERS[number % len(MODEL_WORKERS)]
            people = list(Person.objects.visible_to(clerk).exclude(org=clerk.org)
                          .select_related("org").order_by("pk")[:wanted])
            poor = people[: FILES[number % len(FILES)]]
            models = people[len(poor):]
            rows = []
            for person in poor:
                size = rng.randint(3, 5)
                income = Decimal(rng.randrange(12000, 30000, 500))
                costs = Decimal(rng.randrange(3000, 9000, 500))
                opened = first + datetime.timedelta(days=rng.randint(0, 20))
                rows.append([person.name, person.id_number, person.org.code, size, income,
                             costs, rng.choice(CAUSES), opened.isoformat()])
            files += _import("hardship", _workbook(Path(folder), f"困难档案{number}.xlsx",
                                                   HARDSHIP_HEADERS, rows), clerk)
            made = list(HardshipFile.objects.visible_to(clerk).filter(state="draft")
                        .select_related("person"))
            for file in made:
                documents(file, file.person.name, user=clerk)
            pks = [file.pk for file in made]
            _steps(hardship, "submit", pks, clerk)
            _steps(hardship, "review", pks, cadre, "经入户核实，情况属实")
            _steps(hardship, "approve", pks, admin, "同意建档")

            code = clerk.org.code
            plan = [
                (f"{code}-2018-CJ", "春节送温暖", ReliefKind.SPRING, datetime.date(2018, 1, 30),
                 [(p, SPRING) for p in poor]),
                (f"{code}-2018-YL", "医疗救助", ReliefKind.MEDICAL, datetime.date(2018, 4, 20),
                 [(p, MEDICAL) for p in poor[::2]]),
                (f"{code}-2018-LM", "劳模帮扶", ReliefKind.MODEL_WORKER,
                 datetime.date(2018, 5, 1), [(p, MODEL_WORKER) for p in models]),
            ]
            made_batches = []
            for batch_number, title, kind, day, paid in plan:
                if not paid:
                    continue
                batch = ReliefBatch(org=clerk.org, number=batch_number,
                                    title=f"{first.year}年{title}", kind=kind,
                                    fund_source=FundSource.CITY, planned_on=day)
                batch.save()
                record_created(batch, actor=clerk)
                made_batches.append(batch.pk)
                lines += _import("relief", _workbook(
                    Path(folder), f"{batch_number}.xlsx", RELIEF_HEADERS,
                    [[batch_number, p.name, p.id_number, ReliefKind(kind).label, amount,
                      day.isoformat()] for p, amount in paid]), clerk)
            batches += len(made_batches)
            _steps(relief, "submit", made_batches, clerk)
            _steps(relief, "review", made_batches, cadre, "审核通过")
            _steps(relief, "approve", made_batches, admin, "同意发放")
            _steps(relief, "pay", made_batches, payer)
    build.counts.update({"care-standards": 1, "hardship": files, "relief-batches": batches,
                         "relief": lines})
    build.note(f"困难职工档案 {files} 份、救助批次 {batches} 个、救助明细 {lines} 条"
               "（经导入，逐级审核、审批、发放）")
