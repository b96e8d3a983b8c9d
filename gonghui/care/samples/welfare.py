"""Welfare samples: leak-matrix sentinels and the demo's first half of 2018.

The demo's records are made the way a cadre makes them: each activity through the activity
record's form and its rows through the child rows' forms (the pages' own validation), the
sanatorium participants through the sign-in sheet import, and the registries through their
declared imports. The plan below is the generator's input, shaped like the seed's paragraph
(走访困难职工26户, 慰问一线的工人600余名, 17万余元, 32个单位, 25万余元, 40余人次, 爱心妈妈小屋8个,
创业带头人9名, 创业基地1个); the review's figures are computed from the records it leaves.
"""

from __future__ import annotations

import datetime
import random
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

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
from gonghui.core.records.samples import Branch, DemoBuild

# --- sentinels ---------------------------------------------------------------------------------


def sentinels(branch: Branch) -> dict[str, Any]:
    """In the branch's union: a consolation visit (a household and a count of workers), a
    summer-cooling delivery to a unit and a sanatorium batch, all in 2018H1 with money and goods
    so that every welfare figure is non-zero; and one record of each registry."""
    union, mark = branch.union, branch.sentinel
    person, enterprise = branch.made["people"], branch.made["enterprises"]
    visit = Activity(org=union, kind=CONSOLATION, title=f"{mark}春节走访慰问",
                     start_date=datetime.date(2018, 2, 8), money=Decimal("2000.00"),
                     goods_value=Decimal("1500.50"), leaders=f"{mark}工会主席")
    visit.save()
    household = VisitedHousehold.objects.create(activity=visit, person=person,
                                                situation=f"{mark}因病致困")
    Participant.objects.create(activity=visit, headcount=30, unit_name=f"{mark}机械厂")
    cooling = Activity(org=union, kind=COOLING, title=f"{mark}夏送清凉",
                       start_date=datetime.date(2018, 6, 20), goods_value=Decimal("3000.00"))
    cooling.save()
    ActivityUnit.objects.create(activity=cooling, unit_name=f"{mark}环卫所",
                                goods_value=Decimal("3000.00"))
    trip = Activity(org=union, kind=SANATORIUM, title=f"{mark}一线职工疗休养",
                    start_date=datetime.date(2018, 5, 7), end_date=datetime.date(2018, 5, 11),
                    places="青岛")
    trip.save()
    Participant.objects.create(activity=trip, person=person)
    room = NursingRoom(org=union, name=f"{mark}爱心妈妈小屋", enterprise=enterprise,
                       built_on=datetime.date(2018, 3, 8))
    room.save()
    leader = EntrepreneurLeader(org=union, person=person, venture=f"{mark}农业合作社",
                                named_on=datetime.date(2018, 4, 26))
    leader.save()
    base = EntrepreneurBase(org=union, name=f"{mark}创业基地", named_on=datetime.date(2018, 5, 18))
    base.save()
    return {"activities/households": household, "nursing-rooms": room, "entrepreneurs": leader,
            "entrepreneur-bases": base}


# --- the demo ----------------------------------------------------------------------------------

KEY_UNITS = ("北汽新能源汽车莱西分公司", "东方雨虹防水技术莱西有限公司", "青岛金莱热电有限公司",
             "莱西市供电公司")
# Frontline workers consoled at their posts over the Spring Festival, by unit (count rows).
FRONTLINE = (318, 176, 68, 44)
OTHER_UNITS = ("莱西市环境卫生管理处", "莱西市公安局交通警察大队", "莱西市自来水公司",
               "莱西市供热公司", "莱西市公共交通公司", "莱西市市政工程处", "莱西市园林绿化处",
               "莱西市城市管理执法大队", "莱西市公路管理局养护站", "莱西市燃气公司",
               "莱西市建筑工地安全监督站", "莱西市物流园区装卸队")
COOLING_UNITS, COOLING_EACH = 32, Decimal("7925")
SITUATIONS = ("因病致困", "因残致困", "子女上学致困", "单亲家庭", "因灾致困", "本人重病")
VENTURES = ("蔬菜种植合作社", "电商服务", "农机维修", "家政服务", "食品加工", "花生深加工",
            "物流配送", "手工编织", "养殖专业合作社")
SANATORIUM_BATCHES = ((datetime.date(2018, 5, 7), 22), (datetime.date(2018, 6, 11), 21))
ROOMS_IN_H1, ROOMS_BEFORE = 8, 2


def demo(build: DemoBuild) -> None:
    """Consolation, summer cooling, sanatorium batches and the registries of 2018H1.

    Visits and sign-ins name people on the member roll: a federation without one (a demo built
    with no members) gets none of these records.
    """
    from gonghui.core.ops.operator import Operator
    from gonghui.orgs.models import Organization
    from gonghui.people.models import Person

    people = list(Person.objects.order_by("id_number").values_list("pk", "id_number", "name",
                                                                    "org__code"))
    if len(people) < 26 + sum(n for _day, n in SANATORIUM_BATCHES) + 9:
        return
    rng = random.Random(build.seed + 1406)
    rng.shuffle(people)
    root = Organization.objects.get_first_root_node()
    operator = Operator(org=root)
    made = _consolation(operator, root, people[:26], rng)
    build.note(f"走访慰问 {made} 次，走访困难职工 26 户（表单录入）")
    cooling = _cooling(operator, root, rng)
    build.note(f"夏送清凉 {cooling} 次，慰问单位 {COOLING_UNITS} 个（表单录入）")
    trips = _sanatorium(operator, root, people[26:69])
    build.note(f"疗休养 {trips} 批（经签到表导入）")
    build.counts["activities"] = build.counts.get("activities", 0) + made + cooling + trips
    build.counts["activities/households"] = 26
    registries = _registries(operator, root, people[69:78], rng)
    build.counts.update(registries)
    build.note(f"爱心妈妈小屋 {registries['nursing-rooms']} 个、创业带头人 "
               f"{registries['entrepreneurs']} 名、创业基地 {registries['entrepreneur-bases']} 个"
               "（经导入）")


def _save(form: Any) -> Any:
    """A form's record, or the demo stops with the form's own Chinese errors."""
    if not form.is_valid():
        raise ValueError(f"演示数据未通过校验：{form.errors.as_text()}")
    return form.save()


def _activity(operator: Any, org: Any, **fields: Any) -> Activity:
    from gonghui.core.records.registry import registry

    data = {"org": org.pk, "places": "", "money": "0", "goods_value": "0", "leaders": "",
            "summary": "", "end_date": "", **fields}
    return _save(registry["activities"].form_class(data, user=operator))  # type: ignore[no-any-return]


def _row(operator: Any, activity: Activity, child: str, **fields: Any) -> Any:
    from gonghui.core.records.registry import registry

    rows = registry["activities"].child(child)
    form = rows.form_class(fields, instance=rows.new_row(activity), user=operator)
    if not form.is_valid():
        raise ValueError(f"演示数据未通过校验：{form.errors.as_text()}")
    row = form.save(commit=False)
    setattr(row, rows.parent_field, activity)  # as the child page does: the parent from the URL
    row.save()
    return row


def _consolation(operator: Any, root: Any, households: Sequence[tuple[Any, ...]],
                 rng: random.Random) -> int:
    """春节走访慰问: city leaders' visits, cadres' visits in groups, frontline workers on duty."""
    visits = [
        ("2018年春节市级领导走访慰问困难职工", datetime.date(2018, 2, 6), households[:10],
         "10000", "6000", "市委副书记、市总工会主席"),
        ("2018年春节机关干部分组走访慰问困难职工", datetime.date(2018, 2, 9), households[10:],
         "16000", "9600", "市总工会副主席"),
    ]
    for title, day, called_on, money, goods, leaders in visits:
        visit = _activity(operator, root, kind=CONSOLATION, title=title, start_date=day,
                          end_date=day + datetime.timedelta(days=2), money=money,
                          goods_value=goods, leaders=leaders,
                          summary="为困难职工家庭送去慰问金和米、面、油等生活用品")
        for pk, *_rest in called_on:
            _row(operator, visit, "households", person=pk, situation=rng.choice(SITUATIONS),
                 note="")
    frontline = _activity(
        operator, root, kind=CONSOLATION, title="春节期间慰问坚守一线职工",
        start_date=datetime.date(2018, 2, 14), end_date=datetime.date(2018, 2, 16),
        money="61850", goods_value="70000", leaders="市总工会主席、副主席",
        summary="到北汽、东方雨虹等企业慰问春节期间坚持奋战在一线的工人")
    for unit, workers in zip(KEY_UNITS, FRONTLINE, strict=True):
        _row(operator, frontline, "units", unit=unit, amount="0", goods_value="0", note="")
        _row(operator, frontline, "participants", name="", id_number="", headcount=workers,
             unit_name=unit, signed_on="", note="")
    return 3


def _cooling(operator: Any, root: Any, rng: random.Random) -> int:
    """夏送清凉 to 32 units: the key enterprises, sanitation, traffic police, town posts."""
    from gonghui.orgs.models import Enterprise, Organization, OrgKind

    key = list(Enterprise.objects.filter(is_key=True).order_by("name")
               .values_list("name", flat=True))
    towns = list(Organization.objects.filter(kind=OrgKind.TOWN).order_by("path")
                 .values_list("name", flat=True))
    units = [*key, *OTHER_UNITS, *(f"{town}环卫所" for town in towns)][:COOLING_UNITS]
    # Unequal deliveries that add up to the plan's total: each pair of units is given and
    # taken the same amount.
    values = [COOLING_EACH] * len(units)
    for first in range(0, len(units) - 1, 2):
        shift = Decimal(rng.randrange(0, 600))
        values[first] += shift
        values[first + 1] -= shift
    delivery = _activity(
        operator, root, kind=COOLING, title="2018年度“夏送清凉”活动",
        start_date=datetime.date(2018, 6, 25), end_date=datetime.date(2018, 6, 29),
        goods_value=str(sum(values)), leaders="市总工会机关干部",
        summary="为战斗在高温一线的职工送去西瓜、矿泉水、饮料、安全生产宣传折扇等物品")
    for unit, value in zip(units, values, strict=True):
        _row(operator, delivery, "units", unit=unit, amount="0", goods_value=str(value),
             note="西瓜、矿泉水、饮料、折扇")
    return 1


def _sanatorium(operator: Any, root: Any, people: Sequence[tuple[Any, ...]]) -> int:
    """疗休养 in two batches to Qingdao; each batch's sign-in sheet imported into it."""
    from gonghui.core.imports.engine import run_import
    from gonghui.core.records.registry import registry

    spec = registry["activities"].child("participants").import_spec
    assert spec is not None
    first = 0
    for number, (day, size) in enumerate(SANATORIUM_BATCHES, start=1):
        trip = _activity(operator, root, kind=SANATORIUM, title=f"2018年第{number}批一线职工疗休养",
                         start_date=day, end_date=day + datetime.timedelta(days=4),
                         places="青岛", summary="组织一线职工到青岛疗养")
        batch = people[first:first + size]
        first += size
        rows = [[name, id_number, "", day.isoformat()] for _pk, id_number, name, _org in batch]
        _import(run_import, spec.bind(trip), ["姓名", "身份证号", "单位", "签到日期"], rows,
                operator)
    return len(SANATORIUM_BATCHES)


def _registries(operator: Any, root: Any, leaders: Sequence[tuple[Any, ...]],
                rng: random.Random) -> dict[str, int]:
    """Nursing rooms (two built before 2018), leaders and a base, through their imports."""
    from gonghui.core.imports.engine import run_import
    from gonghui.core.records.registry import registry
    from gonghui.orgs.models import Enterprise

    hosts = list(Enterprise.objects.filter(union__isnull=False).order_by("-is_key", "name")
                 .values_list("name", "uscc", "union__code"))
    rooms = []
    for index, (name, uscc, union) in enumerate(hosts[:ROOMS_IN_H1 + ROOMS_BEFORE]):
        year, first_month = (2018, 3) if index < ROOMS_IN_H1 else (2017, 5)
        day = datetime.date(year, rng.randint(first_month, 6), rng.randint(1, 28))
        short = name.removeprefix("青岛").removesuffix("有限公司").removesuffix("股份")
        rooms.append([f"{short}爱心妈妈小屋", union, uscc, "", day.isoformat(),
                      str(rng.randint(10, 30)), "冰箱、哺乳椅、消毒柜"])
    _import(run_import, registry["nursing-rooms"].import_spec, None, rooms, operator)
    people = [[id_number, org, rng.choice(VENTURES), "", str(rng.randint(5, 40)),
               datetime.date(2018, 4, rng.randint(20, 28)).isoformat(), ""]
              for _pk, id_number, _name, org in leaders]
    _import(run_import, registry["entrepreneurs"].import_spec, None, people, operator)
    base = [["莱西市职工创业孵化基地", root.code, "", "莱西市经济开发区", "2018-05-18", "12",
             "150"]]
    _import(run_import, registry["entrepreneur-bases"].import_spec, None, base, operator)
    return {"nursing-rooms": len(rooms), "entrepreneurs": len(people), "entrepreneur-bases": 1}


def _import(run_import: Any, spec: Any, headers: list[str] | None, rows: list[list[str]],
            operator: Any) -> None:
    """Write the workbook a cadre would fill in (the template's headers unless given) and
    import it; every row must go in."""
    headers = headers or [column.header for column in spec.columns]
    with tempfile.TemporaryDirectory(prefix="gonghui-demo-") as folder:
        path = Path(folder) / "演示数据.xlsx"
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, headers)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, row)
        book.close()
        result = run_import(spec, path, user=operator)
    if result.rejected or result.created != len(rows):
        raise ValueError(f"演示数据导入未全部通过：{result.summary()}")
