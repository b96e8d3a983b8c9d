"""Welfare (普惠服务): consolation visits, summer cooling and sanatorium stays on the activity
record, the nursing-room and entrepreneurship registries with their imports, their figures, and
the review's care section."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.activities.models import Activity, ActivityUnit, Participant
from gonghui.care.models.welfare import (
    CONSOLATION,
    COOLING,
    SANATORIUM,
    EntrepreneurBase,
    EntrepreneurLeader,
    NursingRoom,
    VisitedHousehold,
)
from gonghui.core.imports.engine import run_import
from gonghui.core.imports.workbooks import write_template
from gonghui.core.records.registry import registry
from gonghui.reports import indicators
from gonghui.reports.periods import Period
from gonghui.reports.sections import sections
from tests.conftest import SENTINEL_A, Federation, make_member
from tests.core.test_declared_imports import read_rows, reasons
from tests.people.test_member_import import write_book

pytestmark = pytest.mark.django_db

H1 = Period.parse("2018H1")
WELFARE_KEYS = [
    "care.households_visited", "care.frontline_workers_consoled", "care.consolation_amount",
    "care.cooling_units", "care.cooling_value", "care.sanatorium_person_times",
    "care.nursing_rooms_built", "care.entrepreneur_leaders", "care.entrepreneur_bases",
]


def activity_data(org: Any, **fields: Any) -> dict[str, Any]:
    return {"kind": CONSOLATION, "title": "春节走访慰问困难职工", "org": org.pk,
            "start_date": "2018-02-08", "end_date": "", "places": "", "money": "3000",
            "goods_value": "1200.50", "leaders": "工会主席", "summary": "", **fields}


# --- kinds and the households child rows ----------------------------------------------------


def test_the_care_kinds_are_chosen_on_the_activity_form(login: Callable[[str], Client]) -> None:
    page = login("town_a_cadre").get(reverse("activities-create")).content.decode()
    for code, label in ((CONSOLATION, "走访慰问"), (COOLING, "夏送清凉"), (SANATORIUM, "疗休养")):
        assert f'<option value="{code}">{label}</option>' in page


def test_a_cadre_records_a_visit_and_the_households_it_called_on(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    response = client.post(reverse("activities-create"), activity_data(federation.union_a2))
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Activity.objects.get(title="春节走访慰问困难职工")
    assert (visit.kind, visit.money, visit.goods_value) == (
        CONSOLATION, Decimal("3000.00"), Decimal("1200.50"))
    add = reverse("activities-households-create", args=[visit.pk])
    person = federation.person_a
    assert client.post(add, {"person": person.pk, "situation": "因病致困"}).status_code == 302
    row = VisitedHousehold.objects.get(activity=visit)
    assert (row.person, row.situation) == (person, "因病致困")
    # The visit's page lists the household with the count of households.
    page = client.get(reverse("activities-detail", args=[visit.pk])).content.decode()
    assert "走访困难职工户" in page and "走访户数" in page and person.name in page
    # The same household twice on one visit is refused, in Chinese.
    again = client.post(add, {"person": person.pk})
    assert again.status_code == 400 and "该户已登记在本次走访慰问中" in again.content.decode()
    # Another branch's person is not a choice: the row is refused and nothing is written.
    theirs = client.post(add, {"person": federation.person_b.pk})
    assert theirs.status_code == 400
    assert VisitedHousehold.objects.filter(activity=visit).count() == 1


def test_households_go_only_on_a_consolation_visit(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    symposium = federation.activity_a  # the activities app's sentinel: a 座谈
    response = login("town_a_cadre").post(
        reverse("activities-households-create", args=[symposium.pk]),
        {"person": federation.person_a.pk})
    assert response.status_code == 400
    assert "走访困难职工户只能登记在“走访慰问”类活动中，本活动为“座谈”" in response.content.decode()
    assert not VisitedHousehold.objects.filter(activity=symposium).exists()


def test_another_branchs_visit_and_its_households_are_not_found(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    theirs = federation.planted["b"]["activities/households"]
    client = login("town_a_cadre")
    assert client.get(reverse("activities-households-rows",
                              args=[theirs.activity_id])).status_code == 404
    assert client.post(reverse("activities-households-delete",
                               args=[theirs.activity_id, theirs.pk])).status_code == 404
    assert VisitedHousehold.objects.filter(pk=theirs.pk).exists()


# --- registries: pages and imports --------------------------------------------------------------


def test_a_nursing_room_is_registered_through_its_page_with_its_enterprise(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    data = {"name": "总装车间爱心妈妈小屋", "org": federation.union_a1.pk,
            "enterprise": federation.enterprise_a.pk, "address": "总装车间二楼",
            "built_on": "2018-05-12", "area": "18", "facilities": "冰箱、哺乳椅"}
    assert client.post(reverse("nursing-rooms-create"), data).status_code == 302
    room = NursingRoom.objects.get(name="总装车间爱心妈妈小屋")
    assert (room.enterprise, room.built_on, room.org) == (
        federation.enterprise_a, datetime.date(2018, 5, 12), federation.union_a1)
    again = client.post(reverse("nursing-rooms-create"), data)
    assert again.status_code == 400 and "该组织已有同名的爱心妈妈小屋" in again.content.decode()
    # Another branch's enterprise is not a choice.
    other = client.post(reverse("nursing-rooms-create"),
                        data | {"name": "另一小屋", "enterprise": federation.enterprise_b.pk})
    assert other.status_code == 400
    # The detail page carries the photo gallery of the record type.
    page = client.get(reverse("nursing-rooms-detail", args=[room.pk])).content.decode()
    assert "照片" in page


def test_the_registries_templates_name_their_columns(tmp_path: Path) -> None:
    headers = {slug: [c.header for c in registry[slug].import_spec.columns]  # type: ignore[union-attr]
               for slug in ("nursing-rooms", "entrepreneurs", "entrepreneur-bases")}
    assert headers == {
        "nursing-rooms": ["小屋名称", "所属工会编码", "所在企业统一社会信用代码", "地址",
                          "建成日期", "面积（平方米）", "配套设施"],
        "entrepreneurs": ["创业带头人身份证号", "所属工会编码", "创业项目",
                          "创办企业统一社会信用代码", "带动就业人数", "选树日期", "备注"],
        "entrepreneur-bases": ["基地名称", "所属工会编码", "依托企业统一社会信用代码", "地址",
                               "命名日期", "入驻创业项目数", "带动就业人数"],
    }
    for slug, wanted in headers.items():
        target = tmp_path / f"{slug}.xlsx"
        write_template(target, registry[slug].import_spec)  # type: ignore[arg-type]
        rows = read_rows(target)
        assert "填表说明" in rows[1][0] and rows[2][: len(wanted)] == wanted


def test_nursing_room_import_gives_each_bad_row_its_reason_in_chinese(
    federation: Federation, make_persona: Callable[[str], Any], tmp_path: Path
) -> None:
    spec = registry["nursing-rooms"].import_spec
    assert spec is not None
    headers = [c.header for c in spec.columns]
    rows = [
        ["一车间小屋", "A-1", federation.enterprise_a.uscc, "", "2018-03-08", "20", ""],
        ["二车间小屋", "B-1", "", "", "2018-03-08", "", ""],
        ["三车间小屋", "ZZZ", "", "", "2018-03-08", "", ""],
        ["四车间小屋", "A-1", federation.enterprise_b.uscc, "", "2018-03-08", "", ""],
        ["五车间小屋", "A-1", "", "", "2018年13月1日", "", ""],
        ["六车间小屋", "A-1", "", "", "2018-03-08", "十二", ""],
        ["一车间小屋", "A-1", "", "", "2018-04-08", "", ""],
        [f"{SENTINEL_A}爱心妈妈小屋", "A-1", "", "", "2018-04-08", "", ""],
        ["", "A-1", "", "", "2018-04-08", "", ""],
    ]
    path = write_book(tmp_path / "小屋.xlsx", rows, headers)
    result = run_import(spec, path, user=make_persona("town_a_cadre"))
    assert (result.created, result.rejected) == (1, 8)
    why = reasons(result)
    assert "“所属工会编码”B-1不存在或不在您的管辖范围内" in why["二车间小屋"]
    assert "“所属工会编码”ZZZ不存在或不在您的管辖范围内" in why["三车间小屋"]
    assert (f"“所在企业统一社会信用代码”{federation.enterprise_b.uscc}不存在或不在您的管辖范围内"
            in why["四车间小屋"])
    assert "建成日期" in why["五车间小屋"]
    assert "应为整数" in why["六车间小屋"]
    assert "与第" in why["一车间小屋"] and "重复" in why["一车间小屋"]
    assert "该组织已有同名的爱心妈妈小屋" in why[f"{SENTINEL_A}爱心妈妈小屋"]
    assert "小屋名称" in (why.get("None") or why.get("") or "")
    room = NursingRoom.objects.get(name="一车间小屋")
    assert (room.org, room.enterprise, room.area) == (
        federation.union_a1, federation.enterprise_a, 20)


def test_leader_import_names_people_from_the_index_once(
    federation: Federation, make_persona: Callable[[str], Any], tmp_path: Path
) -> None:
    spec = registry["entrepreneurs"].import_spec
    assert spec is not None
    headers = [c.header for c in spec.columns]
    rng = random.Random(5)
    new = make_member("周创业", federation.union_a2, rng, mobile="13700000011").person
    missing = "370285198506010027"
    rows = [
        [new.id_number, "A-2", "蔬菜种植合作社", "", "12", "2018-04-26", ""],
        [federation.person_a.id_number, "A-1", "电商服务", "", "", "2018-04-26", ""],
        [federation.person_b.id_number, "A-1", "电商服务", "", "", "2018-04-26", ""],
        [missing, "A-1", "家政服务", "", "", "2018-04-26", ""],
        [new.id_number, "A-2", "农机维修", "", "", "2018-04-27", ""],
        ["370285198506010028", "A-2", "", "", "-3", "2018-04-26", ""],
    ]
    path = write_book(tmp_path / "带头人.xlsx", rows, headers)
    result = run_import(spec, path, user=make_persona("town_a_cadre"))
    assert (result.created, result.rejected) == (1, 5)
    why = reasons(result)
    assert "该人员已选树为创业带头人" in why[federation.person_a.id_number]  # the sentinel
    assert "不存在或不在您的管辖范围内" in why[federation.person_b.id_number]
    assert f"“创业带头人身份证号”{missing}不存在或不在您的管辖范围内" in why[missing]
    assert "与第" in why[new.id_number] and "重复" in why[new.id_number]
    assert "创业项目" in why["370285198506010028"]
    leader = EntrepreneurLeader.objects.get(person=new)
    assert (leader.venture, leader.jobs, leader.org) == ("蔬菜种植合作社", 12, federation.union_a2)


def test_base_import_refuses_a_whole_workbook_when_asked(
    federation: Federation, make_persona: Callable[[str], Any], tmp_path: Path
) -> None:
    spec = registry["entrepreneur-bases"].import_spec
    assert spec is not None
    headers = [c.header for c in spec.columns]
    rows = [["职工创业孵化基地", "A", "", "开发区", "2018-05-18", "12", "150"],
            ["第二基地", "A", "", "", "2018-05-18", "许多", ""]]
    path = write_book(tmp_path / "基地.xlsx", rows, headers)
    result = run_import(spec, path, user=make_persona("town_a_cadre"), all_or_nothing=True)
    assert result.created == 0 and "应为整数" in reasons(result)["第二基地"]
    assert not EntrepreneurBase.objects.filter(name="职工创业孵化基地").exists()
    path = write_book(tmp_path / "基地2.xlsx", rows[:1], headers)
    assert run_import(spec, path, user=make_persona("town_a_cadre")).created == 1
    base = EntrepreneurBase.objects.get(name="职工创业孵化基地")
    assert (base.org, base.ventures, base.jobs) == (federation.town_a, 12, 150)


# --- figures ----------------------------------------------------------------------------------


def activity(org: Any, kind: str, day: datetime.date, money: str = "0", goods: str = "0",
             **fields: Any) -> Activity:
    made = Activity(org=org, kind=kind, title=f"{SENTINEL_A}{kind}{day}", start_date=day,
                    money=Decimal(money), goods_value=Decimal(goods), **fields)
    made.save()
    return made


def test_the_figures_count_the_periods_records_only(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    union = federation.union_a2  # no sentinel records: its figures are this test's records
    rng = random.Random(3)
    people = [make_member(f"{SENTINEL_A}职工{n}", union, rng, mobile=f"1370000010{n}").person
              for n in range(3)]
    first, last = datetime.date(2018, 1, 1), datetime.date(2018, 6, 30)
    before, after = datetime.date(2017, 12, 31), datetime.date(2018, 7, 1)
    # Consolation visits on the period's first and last days, and just outside it.
    visit = activity(union, CONSOLATION, first, "100.10", "0.25")
    for person in people[:2]:
        VisitedHousehold.objects.create(activity=visit, person=person)
    Participant.objects.create(activity=visit, headcount=40, unit_name="北汽")
    Participant.objects.create(activity=visit, person=people[2])
    late = activity(union, CONSOLATION, last, goods="99.65")
    VisitedHousehold.objects.create(activity=late, person=people[2])
    for day in (before, after):
        outside = activity(union, CONSOLATION, day, "1000")
        VisitedHousehold.objects.create(activity=outside, person=people[0])
        Participant.objects.create(activity=outside, headcount=1000)
    # Another kind's participants and money are not consolation.
    other = activity(union, "symposium", first, "500")
    Participant.objects.create(activity=other, headcount=500)
    # Summer cooling: two units in the period, one after.
    cooling = activity(union, COOLING, last, goods="12345.67")
    for name in ("环卫所", "交警中队"):
        ActivityUnit.objects.create(activity=cooling, unit_name=name)
    ActivityUnit.objects.create(activity=activity(union, COOLING, after, goods="1"),
                                unit_name="迟到单位")
    # A sanatorium batch: one person on two days is two person-times, and a count row of 4.
    trip = activity(union, SANATORIUM, datetime.date(2018, 5, 7), places="青岛")
    for day in (7, 8):
        Participant.objects.create(activity=trip, person=people[0],
                                   signed_on=datetime.date(2018, 5, day))
    Participant.objects.create(activity=trip, headcount=4)
    Participant.objects.create(activity=activity(union, SANATORIUM, after), headcount=9)
    # Registries by the day built or named.
    for name, day in (("在期小屋", last), ("期后小屋", after)):
        NursingRoom(org=union, name=name, built_on=day).save()
    EntrepreneurLeader(org=union, person=people[1], venture="电商", named_on=first).save()
    EntrepreneurLeader(org=union, person=people[2], venture="养殖", named_on=before).save()
    for name, day in (("期前基地", before), ("在期基地", datetime.date(2018, 3, 1))):
        EntrepreneurBase(org=union, name=name, named_on=day).save()

    admin = make_persona("city_admin")
    got = indicators.compute(union, H1, admin, WELFARE_KEYS)
    assert got == {
        "care.households_visited": 3,
        "care.frontline_workers_consoled": 41,
        "care.consolation_amount": Decimal("200.00"),
        "care.cooling_units": 2,
        "care.cooling_value": Decimal("12345.67"),
        "care.sanatorium_person_times": 6,
        "care.nursing_rooms_built": 1,
        "care.entrepreneur_leaders": 1,
        "care.entrepreneur_bases": 1,
    }
    assert isinstance(got["care.consolation_amount"], Decimal)
    assert isinstance(got["care.cooling_value"], Decimal)
    # The city's figures add each branch's sentinel records; a cadre of town B sees only B's.
    city = indicators.compute(federation.city, H1, admin, WELFARE_KEYS)
    town_b = indicators.compute(federation.city, H1, make_persona("town_b_cadre"), WELFARE_KEYS)
    assert town_b == {
        "care.households_visited": 1, "care.frontline_workers_consoled": 30,
        "care.consolation_amount": Decimal("3500.50"), "care.cooling_units": 1,
        "care.cooling_value": Decimal("3000.00"), "care.sanatorium_person_times": 1,
        "care.nursing_rooms_built": 1, "care.entrepreneur_leaders": 1,
        "care.entrepreneur_bases": 1,
    }
    for key in WELFARE_KEYS:
        assert city[key] == got[key] + 2 * town_b[key], key


# --- the review ---------------------------------------------------------------------------------


def test_the_care_section_is_the_one_heading_and_says_the_benefit_cards() -> None:
    care = [s for s in sections() if s.heading == "立足普惠 主动服务 为职工排忧解难"]
    assert [(s.key, s.order) for s in care] == [("care", 60)]
    assert "people.benefit_cards_issued" in care[0].keys
    assert set(WELFARE_KEYS) <= set(care[0].keys)


def test_the_review_says_the_welfare_figures_from_records(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    from gonghui.reports.review import compile_review

    text = compile_review(federation.town_b, H1, make_persona("city_admin")).text
    assert "二、立足普惠 主动服务 为职工排忧解难" in text
    assert "上半年走访困难职工1户，慰问坚守一线的职工30名，送去生活用品和慰问金3500余元。" in text
    assert "开展“夏送清凉”活动，为1个单位的高温一线职工送去价值3000元的防暑降温物品。" in text
    assert "分批组织一线职工1人次参加疗休养。" in text
    assert ("发放“惠工卡”1张，建成“爱心妈妈小屋”1个，选树创业带头人1名，命名创业基地1个。"
            in text)
    assert SENTINEL_A not in text  # town A's records are not town B's review


def test_the_sanatorium_headcount_is_said_to_one_digit(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    from gonghui.reports.review import compile_review

    # Town B's sentinel trip has one participant; a second batch signs in 42 more.
    trip = activity(federation.union_b1, SANATORIUM, datetime.date(2018, 6, 4), places="青岛")
    Participant.objects.create(activity=trip, headcount=42)
    admin = make_persona("city_admin")
    counted = Participant.objects.filter(
        activity__kind=SANATORIUM, activity__org__path__startswith=federation.town_b.path,
        activity__start_date__range=(H1.start, H1.end))
    person_times = sum(row.headcount or 1 for row in counted)
    review = compile_review(federation.town_b, H1, admin)
    assert review.values["care.sanatorium_person_times"] == person_times == 43
    # 43 person-times read 40余人次, as the seed says its trips' headcounts (not 43人次).
    assert "分批组织一线职工40余人次参加疗休养。" in review.text
