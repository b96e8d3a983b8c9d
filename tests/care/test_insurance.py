"""职工互助保障: enrolments and their rosters, claims through 受理 → 审核 → 赔付 with maker-checker,
the two workbooks and their Chinese row errors, the roster check page and the three figures."""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from gonghui.accounts.actions import create_user
from gonghui.accounts.roles import Role
from gonghui.care import insurance_actions as actions
from gonghui.care.models.insurance import (
    ClaimKind,
    InsuranceClaim,
    InsuranceEnrolment,
    Plan,
    RosterEntry,
)
from gonghui.core.attachments import actions as attachment_actions
from gonghui.core.audit.models import AuditEntry
from gonghui.core.imports.engine import run_import
from gonghui.core.imports.workbooks import write_template
from gonghui.core.records.registry import registry
from gonghui.core.workflow.actions import record_created
from gonghui.core.workflow.models import Decision
from gonghui.core.workflow.spec import TransitionRefused
from gonghui.people import actions as people_actions
from gonghui.reports import indicators
from gonghui.reports.periods import Period
from gonghui.reports.review import compile_review, fill
from tests.conftest import PASSWORD, SENTINEL_A, Federation, make_member, sample_jpeg, sample_pdf
from tests.core.test_declared_imports import read_rows, reasons_in_order
from tests.people.test_member_import import write_book

pytestmark = pytest.mark.django_db

H1 = Period.parse("2018H1")
ENROLMENT_HEADERS = ["单位名称", "统一社会信用代码", "所属工会编码", "保障计划", "参保人数",
                     "保障期起", "保障期止"]
CLAIM_HEADERS = ["姓名", "身份证号", "统一社会信用代码", "理赔类别", "申请金额（元）",
                 "赔付金额（元）", "赔付日期"]


def second_town_a_cadre(fed: Federation) -> Any:
    return create_user(username="town_a_checker", org=fed.town_a, roles=[Role.TOWN_CADRE],
                       password=PASSWORD)


def planted(fed: Federation, branch: str = "a") -> dict[str, Any]:
    return fed.planted[branch]


def new_claim(fed: Federation, maker: Any, *, kind: str = ClaimKind.INPATIENT,
              claimed: str = "5000.00", paid: str | None = "4000.00") -> InsuranceClaim:
    """A claim received on the page by `maker`: the create form, then the ledger's first row."""
    a = planted(fed)
    claim = InsuranceClaim(
        person=a["people"], enterprise=a["enterprises"], kind=kind,
        received_on=datetime.date(2018, 5, 3), amount_claimed=Decimal(claimed),
        amount_paid=Decimal(paid) if paid else None,
    )
    claim.full_clean(exclude=["org", "org_path", "enrolment", "state"])
    claim.save()
    record_created(claim, actor=maker)
    return claim


def attach(claim: InsuranceClaim, code: str, name: str) -> None:
    kind = next(k for k in registry["insurance-claim"].attachments if k.code == code)
    chunks = [sample_pdf(name)] if name.endswith(".pdf") else [sample_jpeg()]
    attachment_actions.attach(parent=claim, kind=kind, name=name, chunks=chunks)


# --- the claim workflow ----------------------------------------------------------------------


def test_a_claim_goes_from_receipt_through_review_to_payment_with_maker_checker(
    federation: Federation, make_persona: Any,
) -> None:
    maker = make_persona("town_a_cadre")
    checker = second_town_a_cadre(federation)
    claim = new_claim(federation, maker)
    assert claim.state == "received" and claim.org == federation.union_a1

    with pytest.raises(TransitionRefused, match="创建人不能审核通过同一记录"):
        actions.review(obj=claim, actor=maker)
    # Documents first: the diagnosis, and for a hospital stay the invoices.
    with pytest.raises(TransitionRefused, match="请先上传诊断证明；请先上传发票及费用清单"):
        actions.review(obj=claim, actor=checker)
    attach(claim, "diagnosis", "诊断证明.pdf")
    attach(claim, "invoice", "住院发票.jpg")
    claim = actions.review(obj=claim, actor=checker, opinion="材料齐全")
    assert claim.state == "reviewed"

    with pytest.raises(TransitionRefused, match="创建人不能赔付"):
        actions.pay(obj=claim, actor=maker)
    claim = actions.pay(obj=claim, actor=checker)
    claim.refresh_from_db()
    assert (claim.state, claim.paid_on) == ("paid", timezone.localdate())
    # Paid once: a second click reads the new state and changes nothing.
    with pytest.raises(TransitionRefused, match="已赔付"):
        actions.pay(obj=claim, actor=checker)
    steps = list(Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(InsuranceClaim), object_id=claim.pk,
    ).order_by("at", "pk").values_list("transition", "actor__username"))
    assert steps == [("create", "town_a_cadre"), ("review", "town_a_checker"),
                     ("pay", "town_a_checker")]
    assert AuditEntry.objects.filter(object_type="care.insuranceclaim",
                                     object_id=str(claim.pk)).count() == 2


def test_sent_back_for_correction_then_refused_with_a_reason(
    federation: Federation, make_persona: Any,
) -> None:
    maker = make_persona("town_a_cadre")
    checker = second_town_a_cadre(federation)
    claim = new_claim(federation, maker, kind=ClaimKind.ACCIDENT)
    attach(claim, "diagnosis", "事故证明.pdf")
    claim = actions.review(obj=claim, actor=checker)
    with pytest.raises(TransitionRefused, match="请填写退回修改意见"):
        actions.send_back(obj=claim, actor=checker)
    claim = actions.send_back(obj=claim, actor=checker, opinion="请补充出险经过")
    assert claim.state == "received"
    assert registry["insurance-claim"].workflow.is_editable(claim)
    with pytest.raises(TransitionRefused, match="创建人不能拒赔"):
        actions.refuse(obj=claim, actor=maker, opinion="不符合条件")
    claim = actions.refuse(obj=claim, actor=checker, opinion="不属于保障范围")
    assert claim.state == "refused"
    scope = indicators.Scope(federation.town_a, H1, checker)
    before = indicators.get("insurance.claims_paid_amount").compute(scope)
    assert before == Decimal("2100.25")  # the planted historic claim only; refused is not paid


def test_paid_amount_may_not_exceed_the_claim_and_is_needed_at_review(
    federation: Federation, make_persona: Any,
) -> None:
    maker, checker = make_persona("town_a_cadre"), second_town_a_cadre(federation)
    claim = new_claim(federation, maker, kind=ClaimKind.ACCIDENT, paid=None)
    attach(claim, "diagnosis", "事故证明.pdf")
    with pytest.raises(TransitionRefused, match="请先填写赔付金额"):
        actions.review(obj=claim, actor=checker)
    claim.amount_paid = Decimal("6000.00")
    with pytest.raises(Exception, match="赔付金额不能大于申请金额"):
        claim.full_clean(exclude=["org", "org_path", "enrolment", "state"])


def test_a_person_taken_off_the_roster_after_receipt_cannot_be_paid(
    federation: Federation, make_persona: Any,
) -> None:
    maker, checker = make_persona("town_a_cadre"), second_town_a_cadre(federation)
    claim = new_claim(federation, maker, kind=ClaimKind.ACCIDENT)
    attach(claim, "diagnosis", "事故证明.pdf")
    RosterEntry.objects.filter(person=claim.person).delete()
    with pytest.raises(TransitionRefused, match=r"未参加.*职工互助保障，不能理赔"):
        actions.review(obj=claim, actor=checker)


def test_the_claim_form_refuses_someone_not_enrolled(
    federation: Federation, login: Any,
) -> None:
    outsider = make_member(f"{SENTINEL_A}赵六", federation.union_a1, random.Random(3))
    client = login("town_a_cadre")
    response = client.post("/insurance-claim/new/", {
        "person": outsider.person.pk, "enterprise": planted(federation)["enterprises"].pk,
        "kind": ClaimKind.INPATIENT, "received_on": "2018-05-03",
        "amount_claimed": "1000.00",
    })
    assert response.status_code == 400  # the form again, with the reason
    assert "在2018年05月03日未参加" in response.content.decode()
    assert not InsuranceClaim.objects.filter(person=outsider.person).exists()


def test_the_maker_sees_no_review_button_and_is_refused_on_post(
    federation: Federation, login: Any, make_persona: Any,
) -> None:
    maker = make_persona("town_a_cadre")
    claim = new_claim(federation, maker, kind=ClaimKind.ACCIDENT)
    attach(claim, "diagnosis", "事故证明.pdf")
    client = login("town_a_cadre")
    page = client.get(f"/insurance-claim/{claim.pk}/").content.decode()
    assert "审核通过" not in page
    response = client.post(f"/insurance-claim/{claim.pk}/transitions/review/", follow=True)
    assert "经办与审批须分离" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == "received"


# --- imports ----------------------------------------------------------------------------------


def test_templates_carry_the_issue_headers(tmp_path: Path, db: Any) -> None:
    for slug, headers in (("insurance-enrolment", ENROLMENT_HEADERS),
                          ("insurance-claim", CLAIM_HEADERS)):
        spec = registry[slug].import_spec
        assert [c.header for c in spec.columns] == headers
        target = tmp_path / f"{slug}.xlsx"
        write_template(target, spec)
        assert read_rows(target)[2][: len(headers)] == headers


def enrolment_row(unit: Any, union: str, **over: Any) -> list[Any]:
    row = {"单位名称": unit.name, "统一社会信用代码": unit.uscc, "所属工会编码": union,
           "保障计划": "在职职工重大疾病互助保障", "参保人数": "120", "保障期起": "2018-03-01",
           "保障期止": "2019-02-28", **over}
    return [row[h] for h in ENROLMENT_HEADERS]


def test_enrolment_import_writes_good_rows_and_explains_bad_ones(
    federation: Federation, make_persona: Any, tmp_path: Path,
) -> None:
    cadre = make_persona("town_a_cadre")
    unit, other = planted(federation)["enterprises"], planted(federation, "b")["enterprises"]
    rows = [
        enrolment_row(unit, "A-1"),
        enrolment_row(unit, "A-1", 单位名称="某某公司"),
        enrolment_row(other, "A-1"),
        enrolment_row(unit, "Z-9"),
        enrolment_row(unit, "A-2"),
        enrolment_row(unit, "A-1", 保障期止="2018-01-01"),
        enrolment_row(unit, "A-1", 参保人数="十人"),
        enrolment_row(unit, "A-1", 保障计划="养老保险"),
    ]
    path = write_book(tmp_path / "enrol.xlsx", rows, headers=ENROLMENT_HEADERS)
    result = run_import(registry["insurance-enrolment"].import_spec, path, user=cadre)
    assert (result.created, result.rejected) == (1, 7), reasons_in_order(result)
    errors = reasons_in_order(result)
    assert any("单位名称与统一社会信用代码对应的单位" in e for e in errors)
    assert any(f"{other.uscc}不存在或不在您的管辖范围内" in e for e in errors)
    assert any("Z-9不存在或不在您的管辖范围内" in e for e in errors)
    assert any("不属于" in e for e in errors)
    assert any("保障期止不能早于保障期起" in e for e in errors)
    assert any("应为整数" in e for e in errors)
    assert any("应为在职职工住院医疗互助保障" in e for e in errors)
    made = InsuranceEnrolment.objects.get(plan=Plan.CRITICAL)
    assert (made.unit_name, made.persons_enrolled, made.org) == (
        unit.name, 120, federation.union_a1)


def claim_row(person: Any, unit: Any, **over: Any) -> list[Any]:
    row = {"姓名": person.name, "身份证号": person.id_number, "统一社会信用代码": unit.uscc,
           "理赔类别": "住院", "申请金额（元）": "3000.00", "赔付金额（元）": "2500.00",
           "赔付日期": "2018-06-01", **over}
    return [row[h] for h in CLAIM_HEADERS]


def test_claim_import_refuses_each_bad_row_in_chinese(
    federation: Federation, make_persona: Any, tmp_path: Path,
) -> None:
    admin = make_persona("city_admin")
    a = planted(federation)
    person, unit = a["people"], a["enterprises"]
    outsider = make_member(f"{SENTINEL_A}钱七", federation.union_a1, random.Random(5)).person
    rows = [
        claim_row(person, unit, 姓名="张冒名"),
        claim_row(outsider, unit),
        claim_row(person, unit, **{"申请金额（元）": "100.005"}),
        claim_row(person, unit, **{"赔付金额（元）": "-1"}),
        claim_row(person, unit, **{"赔付金额（元）": "3000.01"}),
        claim_row(person, unit, 赔付日期="2017-06-01"),
        claim_row(person, unit, 赔付日期=""),
        claim_row(person, unit, 统一社会信用代码="91370000MA0000000X"),
        claim_row(person, unit, 身份证号="110101199003070000"),
    ]
    path = write_book(tmp_path / "claims.xlsx", rows, headers=CLAIM_HEADERS)
    result = run_import(registry["insurance-claim"].import_spec, path, user=admin)
    assert (result.created, result.rejected) == (0, 9)
    _header, *body = read_rows(result.error_workbook)
    why = [row[-1] for row in body]
    assert "姓名与人员库中该身份证号的记录不一致" in why[0]
    assert "未参加" in why[1] and "职工互助保障，不能理赔" in why[1]
    assert "最多保留2位小数" in why[2]
    assert "不能小于0" in why[3]
    assert "赔付金额不能大于申请金额" in why[4]
    assert "2017年06月01日未参加" in why[5]  # before the enrolment's period
    assert "赔付金额与赔付日期须同时填写" in why[6]
    assert "不存在或不在您的管辖范围内" in why[7]
    assert why[8]  # a bad ID number
    assert InsuranceClaim.objects.count() == 4  # the planted ones only


def test_an_imported_paid_claim_is_paid_through_the_workflow_by_the_city_only(
    federation: Federation, make_persona: Any, tmp_path: Path,
) -> None:
    a = planted(federation)
    person, unit = a["people"], a["enterprises"]
    # A claim not yet paid is judged on the day it arrives: this year's enrolment covers it.
    today = timezone.localdate()
    current = InsuranceEnrolment(enterprise=unit, org=federation.union_a1, plan=Plan.INPATIENT,
                                 persons_enrolled=80, starts_on=today.replace(month=1, day=1),
                                 ends_on=today.replace(month=12, day=31))
    current.save()
    RosterEntry.objects.create(enrolment=current, person=person)
    rows = [claim_row(person, unit), claim_row(person, unit, **{"赔付金额（元）": "",
                                                                "赔付日期": ""})]
    path = write_book(tmp_path / "claims.xlsx", rows, headers=CLAIM_HEADERS)
    town = run_import(registry["insurance-claim"].import_spec, path,
                      user=make_persona("town_a_cadre"))
    assert (town.created, town.rejected) == (1, 1)
    assert "须由市总工会登记" in reasons_in_order(town)[0]

    path = write_book(tmp_path / "claims2.xlsx", rows[:1], headers=CLAIM_HEADERS)
    city = run_import(registry["insurance-claim"].import_spec, path,
                      user=make_persona("city_admin"))
    assert city.created == 1
    paid = InsuranceClaim.objects.get(paid_on=datetime.date(2018, 6, 1))
    assert (paid.state, paid.amount_paid, paid.received_on) == (
        "paid", Decimal("2500.00"), datetime.date(2018, 6, 1))
    ledger = Decision.objects.filter(
        content_type=ContentType.objects.get_for_model(InsuranceClaim), object_id=paid.pk)
    assert list(ledger.order_by("at", "pk").values_list("transition", flat=True)) == [
        "create", "record_paid"]
    assert AuditEntry.objects.filter(object_type="care.insuranceclaim",
                                     object_id=str(paid.pk)).exists()
    pending = InsuranceClaim.objects.get(amount_claimed=Decimal("3000.00"), state="received")
    assert pending.paid_on is None


def test_roster_imports_into_one_enrolment(
    federation: Federation, make_persona: Any, tmp_path: Path,
) -> None:
    cadre = make_persona("town_a_cadre")
    enrolment = planted(federation)["insurance-enrolment"]
    newcomer = make_member(f"{SENTINEL_A}孙八", federation.union_a1, random.Random(9)).person
    on_roster = planted(federation)["people"]
    other = planted(federation, "b")["people"]
    rows = [[newcomer.name, newcomer.id_number, "新入职"],
            [newcomer.name, newcomer.id_number, ""],
            [on_roster.name, on_roster.id_number, ""],
            [other.name, other.id_number, ""]]
    path = write_book(tmp_path / "roster.xlsx", rows, headers=["姓名", "身份证号", "备注"])
    spec = registry["insurance-enrolment"].child("roster").import_spec.bind(enrolment)
    result = run_import(spec, path, user=cadre)
    assert (result.created, result.rejected) == (1, 3)
    why = reasons_in_order(result)
    assert "与第2行重复" in why[0]
    assert "此人已在本次参保名单中" in why[1]
    assert "不存在或不在您的管辖范围内" in why[2]
    assert RosterEntry.objects.filter(enrolment=enrolment, person=newcomer).exists()


def test_cli_template_and_import(federation: Federation, make_persona: Any,
                                 tmp_path: Path) -> None:
    make_persona("town_a_cadre")
    template = tmp_path / "t.xlsx"
    call_command("template", "insurance-claim", str(template), stdout=io.StringIO())
    assert read_rows(template)[2][:7] == CLAIM_HEADERS
    unit = planted(federation)["enterprises"]
    path = write_book(tmp_path / "e.xlsx", [enrolment_row(unit, "A-1")],
                      headers=ENROLMENT_HEADERS)
    out = io.StringIO()
    call_command("import", "insurance-enrolment", str(path), "--as", "town_a_cadre",
                 stdout=out, stderr=io.StringIO())
    assert "新增 1 行" in out.getvalue()


# --- the roster check -------------------------------------------------------------------------


def test_the_check_page_lists_the_unenrolled_the_departed_and_the_doubly_enrolled(
    federation: Federation, login: Any, make_persona: Any,
) -> None:
    a = planted(federation)
    unit, enrolment = a["enterprises"], a["insurance-enrolment"]
    rng = random.Random(21)
    missing = make_member(f"{SENTINEL_A}周九", federation.union_a1, rng).person
    leaver = make_member(f"{SENTINEL_A}吴十", federation.union_a1, rng,
                         enrolled_on=datetime.date(2017, 1, 5)).person
    for person in (missing, leaver):
        person.employer = unit
        person.save(update_fields=["employer"])
    RosterEntry.objects.create(enrolment=enrolment, person=leaver)
    people_actions.leave(person=leaver, on=datetime.date(2018, 4, 1))
    # The same person in the same plan at the same time, through another unit's enrolment.
    other_unit = federation.enterprise_a
    twin = InsuranceEnrolment(enterprise=other_unit, org=other_unit.org, plan=Plan.INPATIENT,
                              persons_enrolled=10, starts_on=datetime.date(2018, 6, 1),
                              ends_on=datetime.date(2019, 5, 31))
    twin.save()
    RosterEntry.objects.create(enrolment=twin, person=a["people"])

    result = actions.check_unit(unit=unit, day=datetime.date(2018, 6, 30),
                                user=make_persona("town_a_cadre"))
    assert [m.person for m in result.not_enrolled] == [missing]
    assert [(e.person, why) for e, why in result.left] == [(leaver, "会籍已终止")]
    assert [(x.person, {x.enrolment, y.enrolment}) for x, y in result.twice] == [
        (a["people"], {enrolment, twin})]

    client = login("town_a_cadre")
    page = client.get("/insurance-check/", {"unit": unit.pk, "on": "2018-06-30"})
    text = page.content.decode()
    assert page.status_code == 200
    assert missing.name in text and leaver.name in text
    assert missing.id_number not in text  # masked for a cadre without view_sensitive
    other = planted(federation, "b")["enterprises"]
    assert client.get("/insurance-check/", {"unit": other.pk}).status_code == 404
    assert client.get("/insurance-check/", {"unit": "x"}).status_code == 404
    assert client.get("/insurance-check/", {"on": "9999-99-99"}).status_code == 200


def test_add_unit_members_puts_the_units_members_on_the_roster_once(
    federation: Federation, make_persona: Any,
) -> None:
    a = planted(federation)
    enrolment = a["insurance-enrolment"]
    newcomer = make_member(f"{SENTINEL_A}郑一", federation.union_a1, random.Random(4),
                           enrolled_on=datetime.date(2017, 3, 1)).person
    newcomer.employer = a["enterprises"]
    newcomer.save(update_fields=["employer"])
    cadre = make_persona("town_a_cadre")
    assert actions.add_unit_members(enrolment=enrolment, user=cadre) == 1
    assert actions.add_unit_members(enrolment=enrolment, user=cadre) == 0
    assert set(enrolment.roster.values_list("person", flat=True)) == {a["people"].pk,
                                                                      newcomer.pk}


# --- figures ----------------------------------------------------------------------------------


def test_figures_count_units_once_sum_person_times_and_paid_claims_only(
    federation: Federation, make_persona: Any,
) -> None:
    a = planted(federation)
    unit = a["enterprises"]
    # The same unit in a second plan (one unit, more person-times), one starting the day after
    # the half-year, and a unit of another town (outside town A's figures).
    for plan, start, persons in ((Plan.CRITICAL, datetime.date(2018, 6, 30), 40),
                                 (Plan.ACCIDENT, datetime.date(2018, 7, 1), 99)):
        InsuranceEnrolment(enterprise=unit, org=federation.union_a1, plan=plan,
                           persons_enrolled=persons, starts_on=start,
                           ends_on=start + datetime.timedelta(days=364)).save()
    admin = make_persona("city_admin")
    town = indicators.Scope(federation.town_a, H1, admin)
    city = indicators.Scope(federation.city, H1, admin)
    units = indicators.get("insurance.units_enrolled")
    person_times = indicators.get("insurance.person_times")
    paid = indicators.get("insurance.claims_paid_amount")
    assert units.compute(town) == 1
    assert person_times.compute(town) == 80 + 40
    assert units.compute(city) == 2
    assert person_times.compute(city) == 80 + 40 + 150
    amount = paid.compute(city)
    assert amount == Decimal("4200.50") and isinstance(amount, Decimal)
    # The town cadre of B sees B's only.
    b_scope = indicators.Scope(federation.town_b, H1, make_persona("town_b_cadre"))
    assert (units.compute(b_scope), paid.compute(b_scope)) == (1, Decimal("2100.25"))


def test_the_review_says_it_the_seeds_way(federation: Federation, make_persona: Any) -> None:
    review = compile_review(federation.city, H1, make_persona("city_admin"))
    text = fill(review.narrative, review.values)
    assert "今年以来参加职工互助保障计划单位2个230人次，理赔金额达到4200余元。" in text


def test_the_review_says_the_claims_paid_to_three_digits(
    federation: Federation, make_persona: Any, tmp_path: Path,
) -> None:
    # A paid claim of 73,350 yuan beside the two branches' 2,100.25: 77,550.50 yuan paid.
    a = planted(federation)
    row = claim_row(a["people"], a["enterprises"],
                    **{"申请金额（元）": "80000.00", "赔付金额（元）": "73350.00"})
    path = write_book(tmp_path / "claims.xlsx", [row], headers=CLAIM_HEADERS)
    admin = make_persona("city_admin")
    assert run_import(registry["insurance-claim"].import_spec, path, user=admin).created == 1
    paid = InsuranceClaim.objects.filter(state="paid", paid_on__range=(H1.start, H1.end))
    total = sum(claim.amount_paid for claim in paid)
    assert total == Decimal("77550.50")
    review = compile_review(federation.city, H1, admin)
    assert review.values["insurance.claims_paid_amount"] == total
    # Three digits, as the section declares (the seed's 77.5万余元); house style's default two
    # would say 7.7万余元.
    assert "理赔金额达到7.75万余元。" in fill(review.narrative, review.values)
    assert "〔insurance.claims_paid_amount:3位有效数字〕" in review.narrative
