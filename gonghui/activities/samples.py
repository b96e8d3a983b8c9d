"""The activities app's sample records (gonghui.core.records.samples): the leak matrix's
sentinels, and the demo half-year's activities."""

from __future__ import annotations

import datetime
import random
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from gonghui.activities.imports import SignInImport
from gonghui.activities.models import Activity, ActivityUnit, Participant
from gonghui.core.imports.engine import run_import
from gonghui.core.ops.operator import Operator
from gonghui.core.records.registry import registry
from gonghui.core.records.samples import Branch, DemoBuild
from gonghui.orgs.models import Enterprise, Organization, OrgKind
from gonghui.people.models import Person


def sentinels(branch: Branch) -> dict[str, Any]:
    """A symposium organised by the branch's union (with money and goods, so that the sums
    prove something), with its member as a named participant and
    a unit reached; the child rows are keyed `<parent slug>/<child slug>`."""
    activity = Activity(org=branch.union, kind="symposium", title=f"{branch.sentinel}职工座谈会",
                        start_date=datetime.date(2018, 4, 20), places=f"{branch.sentinel}会议室",
                        money=Decimal("1200.00"), goods_value=Decimal("300.50"))
    activity.save()
    participant = Participant.objects.create(activity=activity,
                                             person=branch.made["people"],
                                             unit_name=f"{branch.sentinel}机械厂")
    unit = ActivityUnit.objects.create(activity=activity, unit_name=f"{branch.sentinel}送达单位")
    return {"activities": activity, "activities/participants": participant,
            "activities/units": unit}


# --- the demo federation's activities (`gonghui demo`) --------------------------------------------

SIGN_IN_HEADERS = [column.header for column in SignInImport.columns]
SYMPOSIUM_TOPICS = [
    "职工代表座谈会", "劳动关系协调座谈会", "女职工权益保护座谈会", "一线职工座谈会",
]


def demo(build: DemoBuild) -> None:
    """Activities of the half-year shaped like the seed's: the city's work meeting over two
    days (each trainee signs in on both: two person-times a person), a symposium in every town
    with members of its unions signing in, and visits to enterprises with money and goods and
    a count of the workers reached where names are not kept. Each activity is entered through
    the record type's form, its named participants through the sign-in sheet import and its
    units and counted participants through the child rows' forms, as cadres enter them."""
    rng = random.Random(build.seed + 404)
    first, last = build.period
    root = Organization.objects.get_first_root_node()
    if root is None:
        return
    operator = Operator(org=root)
    towns = list(Organization.objects.filter(kind=OrgKind.TOWN).order_by("path"))
    made: list[Activity] = []
    signed = 0

    # The city's work meeting with grassroots cadres: two days, everyone signs in twice.
    start = _day(rng, first, last - datetime.timedelta(days=1))
    meeting = _enter(operator, kind="meeting", title="全市工会工作会议暨基层工会干部培训", org=root,
                      start=start, end=start + datetime.timedelta(days=1),
                      places="莱西市职工服务中心", money="8600.00", goods="0.00",
                      leaders="市总工会主席")
    made.append(meeting)
    cadres = _members(rng, root, count=min(40, 3 * len(towns)), enrolled_by=start)
    signed += _sign_in(operator, meeting, [
        (person, day) for day in (start, start + datetime.timedelta(days=1)) for person in cadres
    ])
    for town in towns:
        # A symposium with members of the town's unions.
        day = _day(rng, first, last)
        symposium = _enter(operator, kind="symposium", title=rng.choice(SYMPOSIUM_TOPICS),
                           org=town, start=day, end=None, places=f"{town.name}会议室",
                           money="0.00", goods="0.00", leaders="")
        made.append(symposium)
        attendees = _members(rng, town, count=rng.randint(6, 12), enrolled_by=day)
        signed += _sign_in(operator, symposium, [(person, day) for person in attendees])
        # A visit (走访慰问) to enterprises of the town, with money and goods for their workers.
        day = _day(rng, first, last)
        near = list(Enterprise.objects.filter(town=town).order_by("pk")[:50])
        visited = rng.sample(near, min(len(near), rng.randint(2, 3)))
        amounts = [Decimal(rng.randrange(20, 80) * 100) for _ in visited]
        visit = _enter(operator, kind="visit", title="走访慰问一线职工", org=town, start=day,
                       end=None, places="、".join(e.name for e in visited)[:200],
                       money=str(sum(amounts, Decimal("0.00"))), goods="0.00", leaders="")
        made.append(visit)
        for enterprise, amount in zip(visited, amounts, strict=True):
            _child(operator, "units", visit, {"unit": enterprise.name, "amount": str(amount),
                                              "goods_value": "0.00", "note": ""})
        _child(operator, "participants", visit, {
            "headcount": str(rng.randint(20, 60)), "unit_name": "受慰问职工",
            "name": "", "id_number": "", "signed_on": "", "note": "未记名"})
    build.counts["activities"] = len(made)
    build.counts["activities/participants"] = Participant.objects.filter(
        activity__in=made).count()
    build.note(f"活动 {len(made)} 次（表单录入），签到 {signed} 人次（经签到表导入）")


def _day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return datetime.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _enter(operator: Operator, *, kind: str, title: str, org: Organization,
           start: datetime.date, end: datetime.date | None, places: str, money: str,
           goods: str, leaders: str) -> Activity:
    """One activity through the record type's form, as the new-activity page saves it."""
    form = registry["activities"].form_class({
        "kind": kind, "title": title, "org": org.pk, "start_date": start.isoformat(),
        "end_date": end.isoformat() if end else "", "places": places, "money": money,
        "goods_value": goods, "leaders": leaders, "summary": "",
    }, user=operator)
    if not form.is_valid():
        raise ValueError(f"demo activity {title}: {form.errors.as_text()}")
    activity: Activity = form.save()
    return activity


def _child(operator: Operator, slug: str, activity: Activity, data: dict[str, str]) -> None:
    """One child row through its form, as the activity page's inline table saves it."""
    rows = next(child for child in registry["activities"].children if child.slug == slug)
    form = rows.form_class(data, instance=rows.new_row(activity), user=operator)
    if not form.is_valid():
        raise ValueError(f"demo {slug} of {activity}: {form.errors.as_text()}")
    form.save()


def _members(rng: random.Random, org: Organization, *, count: int,
             enrolled_by: datetime.date) -> list[Person]:
    """Members on the roll of the organisation's subtree by the day, picked by the seed."""
    people = list(Person.objects.filter(
        memberships__org_path__startswith=org.path, memberships__status="active",
        memberships__enrolled_on__lte=enrolled_by).order_by("pk").distinct()[:400])
    return rng.sample(people, min(count, len(people)))


def _sign_in(operator: Operator, activity: Activity,
             rows: list[tuple[Person, datetime.date]]) -> int:
    """The activity's sign-in sheet, written as a workbook and imported into it."""
    if not rows:
        return 0
    with tempfile.TemporaryDirectory(prefix="gonghui-demo-") as folder:
        path = Path(folder) / "演示签到表.xlsx"
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, SIGN_IN_HEADERS)
        for number, (person, day) in enumerate(rows, start=1):
            sheet.write_string(number, 0, person.name)
            sheet.write_string(number, 1, person.id_number)
            sheet.write_string(number, 2, "")
            sheet.write_string(number, 3, day.isoformat())
        book.close()
        result = run_import(SignInImport().bind(activity), path, user=operator)
    if result.created != len(rows):
        raise ValueError(f"demo sign-in of {activity}: {result.created} of {len(rows)} rows")
    return result.created
