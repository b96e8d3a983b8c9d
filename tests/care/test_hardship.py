"""Hardship files and relief payments (issue 14): the category rule, one open file per person,
the approval chain with maker-checker, the payment rules checked on entry and at approval, the
imports' error rows, masking, the figures, and a payment claimed once under concurrency."""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from gonghui.accounts.actions import create_user
from gonghui.accounts.models import User
from gonghui.accounts.roles import Role
from gonghui.care.hardship_rules import category_of, per_capita
from gonghui.care.models.hardship import (
    CareStandard,
    HardshipFile,
    HouseholdMember,
    ReliefBatch,
    ReliefPayment,
)
from gonghui.care.records.hardship import mask_name
from gonghui.care.samples.hardship import documents
from gonghui.core.imports.engine import run_import
from gonghui.core.records.registry import registry
from gonghui.core.text.identifiers import mask_id_number
from gonghui.core.workflow.actions import record_created, take
from gonghui.core.workflow.models import Decision
from gonghui.core.workflow.spec import TransitionRefused
from gonghui.reports import indicators
from gonghui.reports.periods import Period
from tests.conftest import PASSWORD, SENTINEL_A, Federation, make_member
from tests.races import race

pytestmark = pytest.mark.django_db
H1 = Period.parse("2018H1")


def user(name: str, org: Any, role: str) -> User:
    return create_user(username=name, org=org, roles=[role], password=PASSWORD)


@pytest.fixture
def people(federation: Federation, make_persona: Callable[[str], User]) -> dict[str, User]:
    return {
        "chair": make_persona("chair_a1"),
        "town": make_persona("town_a_cadre"),
        "town2": user("town_a_cadre2", federation.town_a, Role.TOWN_CADRE),
        "city": user("city_approver", federation.city, Role.CITY_ADMIN),
        "city2": user("city_cashier", federation.city, Role.CITY_ADMIN),
    }


def refused(call: Callable[[], Any]) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as caught:
        call()
    return caught.value


def worker(fed: Federation, name: str, seed: int) -> Any:
    return make_member(f"{SENTINEL_A}{name}", fed.union_a1, random.Random(seed)).person


def new_file(fed: Federation, person: Any, maker: User, **fields: Any) -> HardshipFile:
    values = {"person": person, "org": fed.union_a1, "year": 2018,
              "opened_on": datetime.date(2018, 1, 10), "household_size": 3,
              "annual_income": Decimal("24000"), "rigid_costs": Decimal("6000"),
              "main_cause": "illness", "address": "幸福路8号", "bank_card": "6222021234567890123",
              **fields}
    file = HardshipFile(**values)
    file.full_clean()
    file.save()
    record_created(file, actor=maker)
    return file


def approved_file(fed: Federation, person: Any, p: dict[str, User]) -> HardshipFile:
    file = new_file(fed, person, p["chair"])
    documents(file, person.name)
    take(file, "submit", actor=p["chair"])
    take(file, "review", actor=p["town"])
    return take(file, "approve", actor=p["city"])  # type: ignore[no-any-return]


def new_batch(fed: Federation, maker: User, number: str = "A-2018-01", kind: str = "spring",
              org: Any = None) -> ReliefBatch:
    batch = ReliefBatch(org=org or fed.union_a1, number=number, title="春节送温暖", kind=kind,
                        fund_source="city", planned_on=datetime.date(2018, 2, 1))
    batch.save()
    record_created(batch, actor=maker)
    return batch


def line(batch: ReliefBatch, person: Any, amount: str = "1000", kind: str = "",
         day: datetime.date = datetime.date(2018, 2, 1)) -> ReliefPayment:
    row = ReliefPayment(batch=batch, person=person, kind=kind or batch.kind,
                        amount=Decimal(amount), paid_on=day)
    row.full_clean()
    row.save()
    return row


def messages_of(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- the category and the standard -------------------------------------------------------------


def test_the_category_follows_the_years_standard(federation: Federation,
                                                 people: dict[str, User]) -> None:
    standard = CareStandard.objects.get(org=federation.union_a1, year=2018)
    assert standard.dibao_monthly == Decimal("560.00")
    # (24000 − 6000) / 12 / 3 = 500 < 560: 深度困难.
    assert per_capita(Decimal("24000"), Decimal("6000"), 3) == Decimal("500.00")
    assert category_of(Decimal("24000"), Decimal("6000"), 3, standard)[0] == "deep"
    # 1000 a month: below 2 × 560, 相对困难; 1200 is neither…
    assert category_of(Decimal("36000"), Decimal("0"), 3, standard)[0] == "relative"
    assert category_of(Decimal("43200"), Decimal("0"), 3, standard)[0] == "none"
    # …unless the costs eat more than 80 % of the income: 意外致困 (an accident's bills).
    assert category_of(Decimal("120000"), Decimal("97000"), 1, standard)[0] == "accident"
    file = new_file(federation, worker(federation, "赵一", 1), people["chair"],
                    annual_income=Decimal("36000"), rigid_costs=Decimal("0"))
    assert (file.category, file.monthly_per_capita) == ("relative", Decimal("1000.00"))
    # The rate is data: the city raises it and the file is judged by it on its next save.
    standard.dibao_monthly = Decimal("1100")
    standard.save()
    file.save()
    assert file.category == "deep"
    # A year without a standard cannot be judged, and says so.
    with pytest.raises(ValidationError, match="尚未设置2016年的低保标准"):
        new_file(federation, worker(federation, "钱二", 2), people["chair"], year=2016)


def test_the_nearest_organisations_standard_applies(federation: Federation) -> None:
    from gonghui.care.hardship_rules import standard_for

    # The sentinels: town A and its union A1 publish 2018's rate; the city publishes none.
    union, town, city = federation.union_a1, federation.town_a, federation.city
    assert standard_for(union, 2018) == CareStandard.objects.get(org=union, year=2018)
    assert standard_for(federation.union_a2, 2018) == CareStandard.objects.get(org=town,
                                                                               year=2018)
    assert standard_for(city, 2018) is None
    CareStandard(org=city, year=2019, dibao_monthly=Decimal("600")).save()
    # A rate published above reaches every level below that has none of its own.
    assert standard_for(union, 2019) == CareStandard.objects.get(org=city, year=2019)
    assert standard_for(union, 2017) is None


def test_a_household_that_meets_no_category_cannot_be_submitted(
    federation: Federation, people: dict[str, User]
) -> None:
    file = new_file(federation, worker(federation, "孙三", 3), people["chair"],
                    annual_income=Decimal("90000"), rigid_costs=Decimal("0"))
    documents(file, "孙三")
    reason = refused(lambda: take(file, "submit", actor=people["chair"])).message
    assert "不符合建档标准" in reason and "2500.00元" in reason


def test_causes_one_main_and_distinct_minor_ones(federation: Federation,
                                                 people: dict[str, User]) -> None:
    with pytest.raises(ValidationError, match="不能与主要致困原因相同"):
        new_file(federation, worker(federation, "周四", 4), people["chair"],
                 minor_cause_1="illness")
    with pytest.raises(ValidationError, match="次要致困原因不能重复"):
        new_file(federation, worker(federation, "吴五", 5), people["chair"],
                 minor_cause_1="laid_off", minor_cause_2="laid_off")


# --- one household, one file -------------------------------------------------------------------


def test_one_open_file_per_person(federation: Federation, people: dict[str, User]) -> None:
    person = worker(federation, "郑六", 6)
    first = approved_file(federation, person, people)
    with pytest.raises(ValidationError) as caught:
        new_file(federation, person, people["chair"])
    assert "该职工已有未办结的困难职工档案，不能重复建档" in messages_of(caught.value)
    # The database says so too, whatever path writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        HardshipFile.objects.create(person=person, org=federation.union_a2, year=2018,
                                    opened_on=datetime.date(2018, 3, 1), household_size=2,
                                    annual_income=Decimal("1000"), main_cause="other")
    # Once out of hardship (with the reason), a new file may be opened; 返困 of the old one is
    # then refused, as it would make two open files.
    assert "请填写脱困意见" in refused(lambda: take(first, "lift", actor=people["town"])).message
    take(first, "lift", actor=people["town"], opinion="子女就业，家庭收入稳定")
    second = new_file(federation, person, people["chair"])
    first.refresh_from_db()
    assert "不能重复建档" in refused(
        lambda: take(first, "relapse", actor=people["town"], opinion="再次患病")).message
    second.delete()
    take(first, "relapse", actor=people["town"], opinion="再次患病")
    first.refresh_from_db()
    assert first.state == "approved" and first.reviewed_on == datetime.date.today()


def test_near_duplicate_names_at_one_address_are_flagged(
    federation: Federation, people: dict[str, User]
) -> None:
    new_file(federation, worker(federation, "张小明", 7), people["chair"],
             address="水集街道 幸福路8号")
    other = new_file(federation, worker(federation, "张晓明", 8), people["chair"],
                     address="水集街道幸福路8号")
    assert f"{SENTINEL_A}张小明" in other.duplicate_note
    elsewhere = new_file(federation, worker(federation, "张晓亮", 9), people["chair"],
                         address="望城街道1号")
    assert elsewhere.duplicate_note == ""


# --- the file's chain ------------------------------------------------------------------------


def test_a_file_needs_its_documents_and_three_different_hands(
    federation: Federation, people: dict[str, User]
) -> None:
    file = new_file(federation, worker(federation, "王七", 10), people["chair"])
    HouseholdMember(file=file, name="王小七", relation="child").save()
    assert refused(lambda: take(file, "submit", actor=people["chair"])).message == (
        "不能提交：请先上传收入证明；请先上传户口本")
    documents(file, "王七")
    file = take(file, "submit", actor=people["chair"])
    # Members are part of what was submitted: no edit while it is up for approval.
    with pytest.raises(ValidationError, match="不能修改家庭成员"):
        HouseholdMember(file=file, name="王二七", relation="child").save()
    # The town cadre who made a file of their own town may not review it.
    own = new_file(federation, worker(federation, "冯八", 11), people["town"],
                   org=federation.town_a)
    documents(own, "冯八")
    take(own, "submit", actor=people["town"])
    assert "经办与审批须分离" in refused(lambda: take(own, "review", actor=people["town"])).message
    file = take(file, "review", actor=people["town"], opinion="入户核实")
    assert "市总审批通过" in refused(lambda: take(file, "approve", actor=people["town2"])).message
    file = take(file, "approve", actor=people["city"], opinion="同意建档")
    assert (file.state, file.reviewed_on) == ("approved", datetime.date.today())
    assert list(Decision.objects.filter(object_id=file.pk, content_type__model="hardshipfile")
                .order_by("pk").values_list("transition", "actor_name")) == [
        ("create", "chair_a1"), ("submit", "chair_a1"), ("review", "town_a_cadre"),
        ("approve", "city_approver")]


def test_files_unreviewed_for_twelve_months_are_due(
    federation: Federation, people: dict[str, User], login: Callable[[str], Client]
) -> None:
    file = approved_file(federation, worker(federation, "陈九", 12), people)
    HardshipFile.objects.filter(pk=file.pk).update(reviewed_on=datetime.date(2017, 1, 1))
    client = login("town_a_cadre")
    # The home panel, judged on the period's last day, links to the same list.
    home = client.get("/", {"period": "2018H1"}).content.decode()
    panel = home.split('data-testid="hardship-due"', 1)[1].split("</table>", 1)[0]
    assert f"{SENTINEL_A}陈九" in panel and "（1户，截至2018年6月30日）" in panel
    assert "review_due=true&amp;on=2018-06-30" in panel
    due = client.get(reverse("hardship-list"), {"review_due": "true"}).content.decode()
    assert f"{SENTINEL_A}陈九" in due
    assert f"{SENTINEL_A}张三" not in due  # the sentinel's file is a draft, never approved
    response = client.post(
        reverse("hardship-action", args=["annual_review"]) + f"?ids={file.pk}",
        {"ids": file.pk, "reviewed_on": datetime.date.today().isoformat(), "note": "入户复核"})
    assert response.status_code == 302
    file.refresh_from_db()
    assert file.reviewed_on == datetime.date.today()
    listed = client.get(reverse("hardship-list"), {"review_due": "true"})
    assert file.pk not in {row.pk for row in listed.context["page"].object_list}


# --- payment lines -----------------------------------------------------------------------------


def test_relief_rules_on_entry(federation: Federation, people: dict[str, User]) -> None:
    poor = worker(federation, "褚十", 13)
    approved_file(federation, poor, people)
    stranger = worker(federation, "卫十一", 14)
    batch = new_batch(federation, people["chair"])
    first = line(batch, poor, "1500")
    assert first.file is not None and first.bank_card == "6222021234567890123"
    # 先建档、后帮扶.
    with pytest.raises(ValidationError, match="没有在档的困难职工档案"):
        line(batch, stranger)
    # A 劳模 needs no file…
    line(batch, stranger, "800", kind="model_worker")
    # …one line per person per batch (the database too).
    with pytest.raises(ValidationError, match="同一批次中每人只能有一条发放明细"):
        line(batch, poor, "100", kind="model_worker")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReliefPayment.objects.create(batch=batch, person=poor, kind="spring",
                                     amount=Decimal("1"), paid_on=datetime.date(2018, 2, 1))
    # The yearly cap per kind (春节送温暖 2000 a person in 2018) counts the other batches.
    second = new_batch(federation, people["chair"], "A-2018-02")
    with pytest.raises(ValidationError) as caught:
        line(second, poor, "600")
    assert "超过春节送温暖每人年度上限2000.00元（本年已有1500.00元）" in messages_of(caught.value)
    line(second, poor, "500")
    # A person whose file was closed is paid nothing, whatever the kind.
    closed = worker(federation, "蒋十二", 15)
    take(approved_file(federation, closed, people), "revoke", actor=people["city"],
         opinion="核查发现有两套住房")
    with pytest.raises(ValidationError, match="已撤档，不能发放救助"):
        line(second, closed, "300", kind="model_worker")


def test_the_batch_chain_checks_again_and_refuses_each_maker(
    federation: Federation, people: dict[str, User]
) -> None:
    poor, other = worker(federation, "沈十三", 16), worker(federation, "韩十四", 17)
    file = approved_file(federation, poor, people)
    approved_file(federation, other, people)
    batch = new_batch(federation, people["chair"])
    kept, dropped = line(batch, poor, "1000"), line(batch, other, "900")
    batch = take(batch, "submit", actor=people["chair"])
    # Lines are what was submitted: locked until sent back.
    kept.amount = Decimal("1999")
    with pytest.raises(ValidationError, match="不能修改发放明细"):
        kept.save()
    # 退回修改 keeps every line; the maker corrects and submits again.
    batch = take(batch, "send_back", actor=people["town"], opinion="请核对金额")
    assert batch.lines.count() == 2
    batch = take(batch, "submit", actor=people["chair"])
    assert "您没有「镇街审核通过」的权限" in refused(
        lambda: take(batch, "review", actor=people["chair"])).message
    # A town cadre who entered a batch of their own town may not review it either.
    own = new_batch(federation, people["town"], "A-TOWN-1", org=federation.town_a)
    line(own, poor, "100", kind="living")
    take(own, "submit", actor=people["town"])
    assert "经办与审批须分离" in refused(lambda: take(own, "review", actor=people["town"])).message
    take(own, "review", actor=people["town2"])
    # Per-line rejection at review: the line stays, unpaid; the rest goes on. The chair who
    # made the batch may not; the reviewing town cadre may.
    chair, reviewer = Client(), Client()
    chair.force_login(people["chair"])
    reviewer.force_login(people["town"])
    url = reverse("relief-action", args=["reject"]) + f"?ids={dropped.pk}"
    assert chair.post(url, {"ids": dropped.pk, "reason": "重复申报"}).status_code == 403
    assert reviewer.post(url, {"ids": dropped.pk, "reason": "重复申报"}).status_code == 302
    dropped.refresh_from_db()
    assert (dropped.rejected, dropped.reject_reason) == (True, "重复申报")
    batch = take(batch, "review", actor=people["town"])
    # Checked again at approval: a file closed since the line was entered stops the batch.
    take(file, "lift", actor=people["town2"], opinion="已再就业")
    reason = refused(lambda: take(batch, "approve", actor=people["city"])).message
    assert f"{SENTINEL_A}沈十三：该职工的困难职工档案已脱困" in reason
    take(file, "relapse", actor=people["town"], opinion="复核后恢复")
    batch = take(batch, "approve", actor=people["city"], opinion="同意")
    assert "经办与审批须分离" in refused(lambda: take(batch, "pay", actor=people["city"])).message
    batch = take(batch, "pay", actor=people["city2"])
    assert batch.state == "paid" and batch.paid_at is not None
    amount = indicators.get("care.relief_amount").compute(
        indicators.Scope(federation.union_a1, H1, people["city"]))
    assert amount == Decimal("1000.00") + Decimal("1500.00")  # this line + the sentinel's


def test_the_public_list_and_the_bank_workbook_mask(
    federation: Federation, people: dict[str, User], login: Callable[[str], Client]
) -> None:
    assert [mask_name(n) for n in ("张三", "张小明", "欧阳小明")] == ["张*", "张*明", "欧**明"]
    batch = ReliefBatch.objects.get(number=f"{SENTINEL_A}-2018-001")  # the sentinel's, paid
    client = login("town_a_cadre")
    page = client.get(reverse("relief-batches-detail", args=[batch.pk])).content.decode()
    assert "公示名单" in page and mask_name(f"{SENTINEL_A}张三") in page
    assert f"{SENTINEL_A}张三" not in page.split("公示名单", 1)[1]
    workbook = client.get(reverse("relief-export"), {"batch": batch.pk,
                                                     "batch__state": "paid",
                                                     "rejected": "false"})
    cells = [str(c) for row in CalamineWorkbook.from_filelike(
        io.BytesIO(b"".join(workbook.streaming_content))).get_sheet_by_index(0).to_python()
        for c in row]
    card = mask_id_number("6228480012345678901")
    assert card.startswith("622848*") and card.endswith("*01")
    assert card in cells  # the card, masked like an ID number
    assert "6228480012345678901" not in cells
    assert "1500" in " ".join(cells)
    api = client.get(f"/api/hardship/{federation.planted['a']['hardship'].pk}/").json()
    assert api["bank_card"] == card
    listing = client.get(reverse("hardship-list")).content.decode()
    assert card in listing and "6228480012345678901" not in listing


# --- imports ------------------------------------------------------------------------------------


def sheet(tmp_path: Path, name: str, headers: list[str], rows: list[list[str]]) -> Path:
    path = tmp_path / name
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    for r, row in enumerate([headers, *rows]):
        for c, value in enumerate(row):
            ws.write_string(r, c, value)
    book.close()
    return path


def error_reasons(result: Any) -> dict[str, str]:
    rows = CalamineWorkbook.from_path(str(result.error_workbook)).get_sheet_by_index(0).to_python()
    header = next(i for i, row in enumerate(rows) if "错误原因" in row)
    names = rows[header].index("姓名")
    return {str(row[names]): str(row[-1]) for row in rows[header + 1:]}


def test_the_templates_headers_are_the_contract() -> None:
    assert [c.header for c in registry["hardship"].import_spec.columns] == [  # type: ignore[union-attr]
        "姓名", "身份证号", "所属工会编码", "家庭人口", "家庭年收入（元）", "刚性支出（元）",
        "主要致困原因", "建档日期"]
    assert [c.header for c in registry["relief"].import_spec.columns] == [  # type: ignore[union-attr]
        "发放批次编号", "姓名", "身份证号", "救助类别", "金额（元）", "发放日期"]


def test_the_hardship_import(federation: Federation, people: dict[str, User],
                             tmp_path: Path) -> None:
    good, twice = worker(federation, "杨一", 21), federation.person_a
    headers = [c.header for c in registry["hardship"].import_spec.columns]  # type: ignore[union-attr]
    rows = [
        [good.name, good.id_number, "A-1", "3", "24000", "6000", "患重特大疾病", "2018-02-01"],
        ["无名氏", "110101199003070038", "A-1", "3", "24000", "6000", "下岗失业", "2018-02-01"],
        [f"{SENTINEL_A}朱二", worker(federation, "朱二", 22).id_number, "B-1", "3", "24000",
         "0", "下岗失业", "2018-02-01"],
        [twice.name, twice.id_number, "A-1", "2", "1000", "0", "其他", "2018-02-01"],
        [f"{SENTINEL_A}秦三", worker(federation, "秦三", 23).id_number, "A-1", "2", "1000.005",
         "0", "其他", "2018-02-01"],
    ]
    result = run_import(registry["hardship"].import_spec,  # type: ignore[arg-type]
                        sheet(tmp_path, "困难档案.xlsx", headers, rows), user=people["town"])
    assert (result.created, result.rejected) == (1, 4)
    file = HardshipFile.objects.get(person=good)
    assert (file.state, file.category, file.org_id) == ("draft", "deep", federation.union_a1.pk)
    assert Decision.objects.filter(object_id=file.pk, transition="create",
                                   actor_name="town_a_cadre").exists()
    reasons = error_reasons(result)
    assert "不在您的管辖范围内" in reasons["无名氏"]
    assert "“所属工会编码”B-1不存在或不在您的管辖范围内" in reasons[f"{SENTINEL_A}朱二"]
    assert "不能重复建档" in reasons[twice.name]
    assert "最多保留2位小数" in reasons[f"{SENTINEL_A}秦三"]


def test_the_relief_import(federation: Federation, people: dict[str, User],
                           tmp_path: Path) -> None:
    poor = worker(federation, "尤一", 31)
    approved_file(federation, poor, people)
    stranger, model = worker(federation, "许二", 32), worker(federation, "何三", 33)
    batch = new_batch(federation, people["chair"], "A-LM-01", kind="living")
    line(batch, federation.person_a, "100", kind="model_worker")
    headers = [c.header for c in registry["relief"].import_spec.columns]  # type: ignore[union-attr]
    rows = [
        ["A-LM-01", poor.name, poor.id_number, "生活救助", "1200.50", "2018-03-01"],
        ["A-LM-01", model.name, model.id_number, "劳模帮扶", "2000", "2018-03-01"],
        ["A-LM-01", stranger.name, stranger.id_number, "生活救助", "500", "2018-03-01"],
        ["A-LM-01", model.name, model.id_number, "劳模帮扶", "100", "2018-03-01"],
        ["A-LM-01", federation.person_a.name, federation.person_a.id_number, "劳模帮扶", "5",
         "2018-03-01"],
        ["A-LM-01", f"{SENTINEL_A}吕四", "110101199003070038", "生活救助", "5", "2018-03-01"],
        ["A-LM-01", f"{SENTINEL_A}施五", worker(federation, "施五", 34).id_number, "劳模帮扶",
         "10.123", "2018-03-01"],
        ["A-LM-01", f"{SENTINEL_A}张六", worker(federation, "张六", 35).id_number, "劳模帮扶",
         "-5", "2018-03-01"],
        ["B-NONE", poor.name, poor.id_number, "生活救助", "5", "2018-03-01"],
    ]
    result = run_import(registry["relief"].import_spec,  # type: ignore[arg-type]
                        sheet(tmp_path, "发放.xlsx", headers, rows), user=people["chair"])
    assert (result.created, result.rejected) == (2, 7)
    assert sorted(batch.lines.values_list("amount", flat=True)) == [
        Decimal("100.00"), Decimal("1200.50"), Decimal("2000.00")]
    assert batch.lines.get(person=poor).file is not None
    reasons = error_reasons(result)
    assert "没有在档的困难职工档案" in reasons[stranger.name]
    assert "与第3行重复（同一批次同一人）" in reasons[model.name]
    assert "同一批次中每人只能有一条发放明细" in reasons[federation.person_a.name]
    assert "不在您的管辖范围内" in reasons[f"{SENTINEL_A}吕四"]
    assert "最多保留2位小数" in reasons[f"{SENTINEL_A}施五"]
    assert "不能为负" in reasons[f"{SENTINEL_A}张六"] or "小于" in reasons[f"{SENTINEL_A}张六"]
    assert "发放批次B-NONE不存在" in reasons[poor.name]
    # A batch no longer in 草稿 takes no import.
    take(batch, "submit", actor=people["chair"])
    late = run_import(registry["relief"].import_spec,  # type: ignore[arg-type]
                      sheet(tmp_path, "补录.xlsx", headers, [rows[2]]), user=people["chair"])
    assert late.rejected == 1 and "当前状态为「已提交」" in error_reasons(late)[stranger.name]


# --- figures ------------------------------------------------------------------------------------


def test_figures_count_paid_lines_and_distinct_people(
    federation: Federation, people: dict[str, User]
) -> None:
    poor = worker(federation, "孔一", 41)
    approved_file(federation, poor, people)
    paid = new_batch(federation, people["chair"], "A-P-1")
    line(paid, poor, "1000.10")
    medical = new_batch(federation, people["chair"], "A-P-2", kind="medical")
    line(medical, poor, "2000.20", day=datetime.date(2018, 6, 30))
    line(medical, federation.person_a, "300", kind="model_worker",
         day=datetime.date(2018, 7, 1))  # after H1
    pending = new_batch(federation, people["chair"], "A-P-3", kind="model_worker")
    line(pending, worker(federation, "曹二", 42), "999")  # never paid: not counted
    for batch in (paid, medical):
        for step, actor in (("submit", "chair"), ("review", "town"), ("approve", "city"),
                            ("pay", "city2")):
            batch = take(batch, step, actor=people[actor])
    scope = indicators.Scope(federation.town_a, H1, people["town"])
    # The sentinel's 1500 plus this worker's two lines; the sentinel and this worker: 2 people.
    assert indicators.get("care.relief_amount").compute(scope) == Decimal("4500.30")
    assert indicators.get("care.relief_people").compute(scope) == 2
    other = indicators.Scope(federation.town_b, H1, people["city"])
    assert indicators.get("care.relief_amount").compute(other) == Decimal("1500.00")


# --- never a double payment ------------------------------------------------------------------


def test_twenty_simultaneous_payments_pay_once(
    transactional_db: Any, federation: Federation, people: dict[str, User]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections: PostgreSQL (SQLite serialises every writer)")
    poor = worker(federation, "严一", 51)
    approved_file(federation, poor, people)
    batch = new_batch(federation, people["chair"], "A-RACE")
    line(batch, poor, "1888.88")
    for step, actor in (("submit", "chair"), ("review", "town"), ("approve", "city")):
        batch = take(batch, step, actor=people[actor])
    payers = [people["city2"]] + [user(f"cashier_{n}", federation.city, Role.CITY_ADMIN)
                                  for n in range(19)]
    # Every page showed 市总已审批.
    wins, losses = race(lambda: ReliefBatch.objects.get(pk=batch.pk),
                        lambda seen, actor: take(seen, "pay", actor=actor), payers)
    assert len(wins) == 1, (wins, losses)
    assert len(losses) == 19 and all("已被他人办理" in m for m in losses), losses
    assert Decision.objects.filter(object_id=batch.pk, transition="pay",
                                   content_type__model="reliefbatch").count() == 1
    scope = indicators.Scope(federation.union_a1, H1, people["city"])
    assert indicators.get("care.relief_amount").compute(scope) == Decimal("1888.88") + Decimal(
        "1500.00")
