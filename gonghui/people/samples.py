"""The people app's sample records (gonghui.core.records.samples): the leak matrix's sentinels,
and the demo's member roll and benefit cards.

The demo's roll is written as a workbook and loaded through the import engine, the same way a
cadre's roll arrives, so the demo exercises the path users take."""

from __future__ import annotations

import datetime
import random
import tempfile
from pathlib import Path
from typing import Any

import xlsxwriter

from gonghui.core.imports.bulk import insert_rows
from gonghui.core.imports.engine import run_import
from gonghui.core.imports.spec import ImportResult
from gonghui.core.ops.operator import Operator
from gonghui.core.records.samples import Branch, DemoBuild
from gonghui.core.text.identifiers import make_id_number
from gonghui.orgs.models import UNION_KINDS, Enterprise, Organization, OrgKind
from gonghui.people import actions
from gonghui.people.codes import EDUCATION, ETHNICITY, POLITICAL_STATUS
from gonghui.people.imports import MemberImport
from gonghui.people.models import BenefitCard, Membership, Person


def make_member(name: str, union: Organization, rng: random.Random, *,
                mobile: str = "13912345678", enrolled_on: datetime.date | None = None,
                birth: datetime.date = datetime.date(1990, 3, 7)) -> Membership:
    """A person enrolled in a union through the enrolment action, as a cadre would."""
    person = Person(
        id_number=make_id_number(rng, area_code="370285", birth_date=birth, sex="M"),
        name=name, sex="M", birth_date=birth, mobile=mobile, org=union,
    )
    person.save()
    return actions.enrol(person=person, union=union,
                         enrolled_on=enrolled_on or datetime.date(2018, 3, 1))


def sentinels(branch: Branch) -> dict[str, Any]:
    """A member of the branch's union (person and membership) and a benefit card issued there
    (through the union, so that every record of branch A is in its chair's subtree too)."""
    member = make_member(
        f"{branch.sentinel}{'张三' if branch.key == 'a' else '李四'}", branch.union, branch.rng,
        mobile="13912345678" if branch.key == "a" else "13787654321",
    )
    card = BenefitCard(number=f"{branch.sentinel}卡0001", person=member.person, org=branch.union,
                       issued_on=datetime.date(2018, 4, 1))
    card.save()
    return {"people": member.person, "members": member, "cards": card}


# --- the demo federation's member roll and benefit cards (`gonghui demo`) -------------------------


def demo(build: DemoBuild) -> None:
    """The roll of every union (with the half-year's enrolments, mostly into the unions just
    founded) through the members import, then the 惠工卡 issued by the towns."""
    if not (build.members_per_union or build.plan.enrolled):
        return
    roll = load_roll(seed=build.seed, per_union=build.members_per_union,
                     recent=build.plan.enrolled, recent_period=build.period)
    build.counts["members"] = roll.created
    build.note(f"会员 {roll.created} 名（经导入引擎载入）")
    build.counts["cards"] = issue_cards(seed=build.seed, recent=build.plan.cards,
                                        recent_period=build.period)
    build.note(f"惠工卡 {build.counts['cards']} 张")


SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国玉兰志红海燕鹏飞晓雪梅春"
# Laixi's own area code, and the neighbouring counties many workers come from.
AREAS = ["370285"] * 6 + ["370283", "370214", "370782", "370681", "371321"]
EDUCATION_WEIGHTS = {"大学本科": 20, "大学专科": 25, "普通高中": 20, "初中": 25, "中等专科": 10}
POLITICAL_WEIGHTS = {"群众": 75, "中共党员": 12, "共青团员": 13}
HEADERS = [c.header for c in MemberImport.columns]


def _label(table: object, wanted: str) -> str:
    labels = [label for _, label in table.choices]  # type: ignore[attr-defined]
    return wanted if wanted in labels else labels[0]


def write_roll(
    path: Path,
    *,
    seed: int,
    per_union: int,
    recent: int = 0,
    recent_period: tuple[datetime.date, datetime.date] | None = None,
) -> int:
    """Write a members workbook for every union of the demo; returns the number of rows.

    Unions on record before the roll's cut-off (31 December 2017) get their members enrolled
    before it; then `recent` more are enrolled within `recent_period`, mostly into the unions
    founded in it (never before a union's founding day).
    """
    rng = random.Random(seed)
    cutoff = datetime.date(2017, 12, 31)
    employers: dict[int, list[str]] = {}
    for union_id, name in Enterprise.objects.filter(union__isnull=False).values_list(
        "union_id", "name"
    ):
        employers.setdefault(union_id, []).append(name)
    unions = list(Organization.objects.filter(kind__in=UNION_KINDS).order_by("path"))
    educations = [_label(EDUCATION, k) for k in EDUCATION_WEIGHTS]
    politics = [_label(POLITICAL_STATUS, k) for k in POLITICAL_WEIGHTS]
    han = _label(ETHNICITY, "汉族")
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    row = 0
    older = [u for u in unions if u.founded_on is None or u.founded_on <= cutoff]
    plan: list[tuple[Organization, datetime.date | None]] = [
        (union, None)
        for union in older if per_union
        for _ in range(max(5, int(rng.gauss(per_union, per_union / 3))))
    ]
    if recent and recent_period is not None and unions:
        first, last = recent_period
        newer = [u for u in unions if u.founded_on is not None and first <= u.founded_on <= last]
        # A new union enrols its workers in its first months; older ones keep enrolling too.
        weights = [12 if u in newer else 1 for u in unions]
        for union in rng.choices(unions, weights, k=recent):
            start = max(first, union.founded_on or first)
            day = start + datetime.timedelta(days=rng.randrange((last - start).days + 1))
            plan.append((union, day))
    for card, (union, recent_day) in enumerate(plan, start=1):
        row += 1
        birth = datetime.date(1962, 1, 1) + datetime.timedelta(days=rng.randrange(38 * 365))
        sex = rng.choice("MF")
        enrolled = max(
            birth.replace(year=birth.year + 18) if birth.month != 2 or birth.day != 29
            else birth + datetime.timedelta(days=18 * 365),
            datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(18 * 365)),
        )
        enrolled = recent_day or min(enrolled, cutoff)
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        sheet.write_row(row, 0, [
            rng.choice(SURNAMES) + given,
            make_id_number(rng, area_code=rng.choice(AREAS), birth_date=birth, sex=sex),
            f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            union.code,
            enrolled.isoformat(),
            han if rng.random() < 0.97 else rng.choice(["回族", "满族", "朝鲜族", "蒙古族"]),
            rng.choices(educations, list(EDUCATION_WEIGHTS.values()))[0],
            rng.choices(politics, list(POLITICAL_WEIGHTS.values()))[0],
            rng.choice(employers.get(union.pk, [""])),
            "是" if rng.random() < 0.3 else "否",
            f"LX{card:08d}",
            "否",
        ])
    book.close()
    return row


def issue_cards(
    *,
    seed: int,
    share: float = 0.2,
    recent: int = 0,
    recent_period: tuple[datetime.date, datetime.date] | None = None,
) -> int:
    """惠工卡 issued by the members' town federations: to a share of the members on the roll
    before 2018, in 2015–2017; then up to `recent` more in `recent_period`, to members without
    a card who were on the roll by the day of issue."""
    rng = random.Random(seed)
    towns = {
        org.path: org
        for org in Organization.objects.filter(kind=OrgKind.TOWN).only("id", "path")
    }
    width = len(next(iter(towns), "")) if towns else 0
    rows = []
    # Only members on the roll before 2018: a card is never issued before its holder enrolled.
    members = Membership.objects.filter(
        status="active", enrolled_on__lte=datetime.date(2017, 12, 31)
    ).values_list("person_id", "org_path", "enrolled_on")
    for number, (person_id, org_path, enrolled_on) in enumerate(members.order_by("pk"), start=1):
        town = towns.get(org_path[:width])
        if town is None or rng.random() >= share:
            continue
        first = max(datetime.date(2015, 1, 1), enrolled_on)
        last = datetime.date(2017, 12, 31)
        issued = first + datetime.timedelta(days=rng.randrange((last - first).days + 1))
        rows.append((f"HGK{number:08d}", person_id, issued, town.pk, town.path))
    if recent and recent_period is not None:
        start, end = recent_period
        holders = {row[1] for row in rows}
        candidates = [
            (person_id, org_path, enrolled_on)
            for person_id, org_path, enrolled_on in Membership.objects.filter(
                status="active", enrolled_on__lte=end
            ).order_by("pk").values_list("person_id", "org_path", "enrolled_on")
            if person_id not in holders and org_path[:width] in towns
        ]
        serial = len(rows) + 1_000_000  # numbers apart from the earlier cards'
        for person_id, org_path, enrolled_on in rng.sample(candidates,
                                                           min(recent, len(candidates))):
            first = max(start, enrolled_on)
            issued = first + datetime.timedelta(days=rng.randrange((end - first).days + 1))
            town = towns[org_path[:width]]
            serial += 1
            rows.append((f"HGK{serial:08d}", person_id, issued, town.pk, town.path))
    return insert_rows(BenefitCard, ["number", "person", "issued_on", "org", "org_path"], rows)


def load_roll(
    *,
    seed: int,
    per_union: int = 50,
    recent: int = 0,
    recent_period: tuple[datetime.date, datetime.date] | None = None,
) -> ImportResult:
    """Generate the roll and import it as the console operator, for the whole tree."""
    root = Organization.objects.get_first_root_node()
    with tempfile.TemporaryDirectory(prefix="gonghui-demo-") as folder:
        path = Path(folder) / "演示会员花名册.xlsx"
        write_roll(path, seed=seed, per_union=per_union, recent=recent,
                   recent_period=recent_period)
        return run_import(MemberImport(), path, user=Operator(org=root))
