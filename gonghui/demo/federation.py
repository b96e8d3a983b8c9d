"""The demo federation: a city federation shaped like Laixi's, generated from a seed.

Everything here is generated, deterministically: the same seed gives the same federation, names,
codes and accounts, so screenshots, tests and documentation can point at the same rows.
"""

from __future__ import annotations

import datetime
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from django.db import transaction

from gonghui.accounts.actions import create_user
from gonghui.accounts.roles import Role, sync_roles
from gonghui.core.imports.spec import ImportResult
from gonghui.core.ops.production import DEMO_PASSWORD
from gonghui.core.text.identifiers import make_uscc
from gonghui.orgs.models import (
    UNION_KINDS,
    Enterprise,
    HomeLevel,
    Industry,
    Organization,
    OrgKind,
    Ownership,
    WorkersHome,
    add_years,
)

REGION = "370285"  # 莱西市

CITY = ("LX", "莱西市总工会")
# The 12 towns and streets (镇街) of the seed, and the development zone as a town-level node.
TOWNS = [
    ("水集街道", "水集"),
    ("望城街道", "望城"),
    ("沽河街道", "沽河"),
    ("姜山镇", "姜山"),
    ("夏格庄镇", "夏格庄"),
    ("院上镇", "院上"),
    ("日庄镇", "日庄"),
    ("南墅镇", "南墅"),
    ("河头店镇", "河头店"),
    ("店埠镇", "店埠"),
    ("马连庄镇", "马连庄"),
    ("李权庄镇", "李权庄"),
    ("莱西经济开发区", "开发区"),
]
# Key enterprises the seed names, placed where such plants stand.
KEY_ENTERPRISES = [
    ("北汽新能源汽车莱西分公司", 0, Industry.C, Ownership.STATE, 2600),
    ("东方雨虹防水技术莱西有限公司", 12, Industry.C, Ownership.JOINT_STOCK, 900),
    ("青岛金莱热电有限公司", 1, Industry.D, Ownership.STATE, 420),
    ("青岛万福集团股份有限公司", 2, Industry.C, Ownership.JOINT_STOCK, 1500),
    ("青岛九联集团股份有限公司", 3, Industry.A, Ownership.PRIVATE, 3200),
    ("青岛昌华集团股份有限公司", 12, Industry.C, Ownership.JOINT_STOCK, 1100),
    ("莱西市供电公司", 0, Industry.D, Ownership.STATE, 380),
    ("青岛丰诺生物科技有限公司", 4, Industry.M, Ownership.PRIVATE, 260),
    ("青岛瑞源工程集团有限公司", 1, Industry.E, Ownership.PRIVATE, 740),
    ("青岛鑫光正钢结构有限公司", 9, Industry.C, Ownership.PRIVATE, 680),
]
WORDS = list("华鑫瑞丰恒泰盛通达宏远金利源祥和兴昌隆晟嘉润德信诚安凯康")
TRADES = [
    ("食品", Industry.C),
    ("机械", Industry.C),
    ("纺织", Industry.C),
    ("电子", Industry.C),
    ("橡胶", Industry.C),
    ("服装", Industry.C),
    ("建材", Industry.C),
    ("塑业", Industry.C),
    ("农业科技", Industry.A),
    ("物流", Industry.G),
    ("商贸", Industry.F),
    ("建筑工程", Industry.E),
    ("酒店", Industry.H),
    ("环保科技", Industry.N),
    ("医疗器械", Industry.C),
    ("物业服务", Industry.K),
    ("信息技术", Industry.I),
    ("汽车零部件", Industry.C),
]
SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国玉兰志红海燕")
JOINT_PLACES = ["工业园", "商贸城", "社区", "农业园区", "物流园", "小微企业园"]


@dataclass
class DemoAccount:
    username: str
    role: str
    org: str


@dataclass
class DemoResult:
    organizations: int = 0
    enterprises: int = 0
    members: int = 0
    cards: int = 0
    founded: int = 0
    elections: int = 0
    homes: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)


H1_START = datetime.date(2018, 1, 1)
H1_END = datetime.date(2018, 6, 30)


@dataclass(frozen=True)
class BuildingPlan:
    """What the first half of 2018 holds for organisation building, shaped like the seed
    (“上半年新建工会23个，发展会员2500余名，指导基层工会换届40个”).

    The records are generated to this plan and the review's figures are then computed from them;
    the numbers here are the generator's input, never shown as figures themselves.
    """

    founded: int = 23  # unions founded in 2018H1, through the founding action
    enrolled: int = 2540  # members enrolled in 2018H1, through the members import
    elections: int = 40  # term elections held in 2018H1, through the elections import
    homes: int = 7  # workers' homes named in 2018H1
    cards: int = 6000  # 惠工卡 issued in 2018H1 (the seed's assistance paragraph: 6000 cards)
    overdue: int = 15  # unions left with an expired term and no election at 2018H1's end


SEED_PLAN = BuildingPlan()


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_names: set[str] = set()

    def person_name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))

    def phone(self) -> str:
        rng = self.rng
        return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"

    def date(self, first: int, last: int) -> datetime.date:
        start = datetime.date(first, 1, 1).toordinal()
        return datetime.date.fromordinal(
            self.rng.randint(start, datetime.date(last, 12, 31).toordinal())
        )

    def enterprise_name(self, town_short: str) -> tuple[str, Industry]:
        rng = self.rng
        while True:
            trade, industry = rng.choice(TRADES)
            prefix = rng.choice(
                ["青岛", "莱西市", "青岛" + town_short if len(town_short) < 3 else "莱西"]
            )
            name = f"{prefix}{rng.choice(WORDS)}{rng.choice(WORDS)}{trade}有限公司"
            if name not in self.used_names:
                self.used_names.add(name)
                return name, industry


def build_demo(
    *,
    seed: int = 2018,
    unions_per_town: int = 46,
    members_per_union: int = 50,
    plan: BuildingPlan = SEED_PLAN,
) -> DemoResult:
    """Build the demo federation into an empty database (one transaction: all or nothing).

    The unions on record were founded before 2018; then 2018's first half happens the way it
    would for cadres: new unions founded through the founding action, the member roll (with the
    half-year's enrolments) and the term elections loaded through the import engine, workers'
    homes named.
    """
    from gonghui.people.demo import issue_cards, load_roll

    with transaction.atomic():
        result = _build(seed, unions_per_town)
        result.founded = found_unions(seed=seed, count=plan.founded)
        result.organizations = Organization.objects.count()
        if members_per_union or plan.enrolled:
            roll = load_roll(seed=seed, per_union=members_per_union, recent=plan.enrolled,
                             recent_period=(H1_START, H1_END))
            result.members = roll.created
            result.cards = issue_cards(seed=seed, recent=plan.cards,
                                       recent_period=(H1_START, H1_END))
        result.elections = load_elections(seed=seed, plan=plan).created
        result.homes = name_homes(seed=seed, plan=plan)
        return result


def _build(seed: int, unions_per_town: int) -> DemoResult:
    gen = _Generator(seed)
    rng = gen.rng
    result = DemoResult()
    sync_roles()

    city = Organization.objects.add_root(
        instance=Organization(
            code=CITY[0],
            name=CITY[1],
            kind=OrgKind.CITY,
            founded_on=datetime.date(1950, 5, 1),
            uscc=make_uscc(rng, prefix="81", region=REGION),
            address="山东省青岛市莱西市",
            chair=gen.person_name(),
            phone=gen.phone(),
        )
    )
    towns = []
    for number, (name, _short) in enumerate(TOWNS, start=1):
        towns.append(
            Organization.objects.add_child(
                city,
                instance=Organization(
                    code=f"LX{number:02d}",
                    name=f"{name}总工会",
                    kind=OrgKind.TOWN,
                    founded_on=gen.date(1985, 2005),
                    uscc=make_uscc(rng, prefix="81", region=REGION),
                    address=f"莱西市{name}",
                    chair=gen.person_name(),
                    phone=gen.phone(),
                ),
            )
        )

    enterprises: list[Enterprise] = []
    key_by_town: dict[int, list[tuple[str, Industry, Ownership, int]]] = {}
    for name, town_index, industry, ownership, staff in KEY_ENTERPRISES:
        key_by_town.setdefault(town_index, []).append((name, industry, ownership, staff))

    for town_index, (town, (_name, short)) in enumerate(zip(towns, TOWNS, strict=True)):
        count = unions_per_town + rng.randint(-4, 4)
        for number in range(1, count + 1):
            joint = rng.random() < 0.12
            if joint:
                place = rng.choice(JOINT_PLACES)
                union_name = f"{short}{rng.choice(WORDS)}{rng.choice(WORDS)}{place}联合工会"
                covered = [gen.enterprise_name(short) for _ in range(rng.randint(3, 8))]
                specs = [
                    (n, ind, Ownership.PRIVATE, rng.randint(5, 60), False) for n, ind in covered
                ]
            else:
                keyed = key_by_town.get(town_index)
                if keyed:
                    ename, industry, ownership, staff = keyed.pop()
                    specs = [(ename, industry, ownership, staff, True)]
                else:
                    ename, industry = gen.enterprise_name(short)
                    ownership = rng.choices(
                        [
                            Ownership.PRIVATE,
                            Ownership.JOINT_STOCK,
                            Ownership.FOREIGN,
                            Ownership.STATE,
                            Ownership.COLLECTIVE,
                        ],
                        [70, 12, 6, 6, 6],
                    )[0]
                    specs = [(ename, industry, ownership, rng.randint(20, 600), False)]
                union_name = f"{specs[0][0]}工会"
            union = Organization.objects.add_child(
                town,
                instance=Organization(
                    code=f"{town.code}-{number:03d}",
                    name=union_name,
                    kind=OrgKind.JOINT if joint else OrgKind.GRASSROOTS,
                    founded_on=gen.date(1995, 2017),
                    uscc=make_uscc(rng, prefix="81", region=REGION),
                    address=f"莱西市{TOWNS[town_index][0]}",
                    chair=gen.person_name(),
                    phone=gen.phone(),
                    guided_by=town,
                ),
            )
            for ename, industry, ownership, staff, is_key in specs:
                enterprises.append(
                    Enterprise(
                        name=ename,
                        uscc=make_uscc(rng, prefix="91", region=REGION),
                        industry=industry,
                        ownership=ownership,
                        employee_count=staff,
                        is_key=is_key or staff >= 1000,
                        town=town,
                        union=union,
                    )
                )
        # Small employers not yet covered by any union: the ground for founding new ones.
        for _ in range(rng.randint(6, 12)):
            ename, industry = gen.enterprise_name(short)
            enterprises.append(
                Enterprise(
                    name=ename,
                    uscc=make_uscc(rng, prefix="91", region=REGION),
                    industry=industry,
                    ownership=Ownership.PRIVATE,
                    employee_count=rng.randint(8, 45),
                    town=town,
                )
            )
    for enterprise in enterprises:
        enterprise.sync_org_path()
    Enterprise.objects.bulk_create(enterprises, batch_size=500)

    result.organizations = Organization.objects.count()
    result.enterprises = len(enterprises)
    result.accounts = _accounts(city, towns)
    return result


def _accounts(city: Organization, towns: list[Organization]) -> list[DemoAccount]:
    accounts = [
        DemoAccount("admin", Role.CITY_ADMIN, city.code),
        DemoAccount("auditor", Role.AUDITOR, city.code),
    ]
    for number, town in enumerate(towns, start=1):
        accounts.append(DemoAccount(f"town{number:02d}", Role.TOWN_CADRE, town.code))
        first_union = (
            Organization.objects.filter(path__startswith=town.path, depth=town.depth + 1)
            .order_by("path")
            .first()
        )
        if first_union is not None:
            accounts.append(
                DemoAccount(f"chair{number:02d}", Role.GRASSROOTS_CHAIR, first_union.code)
            )
    orgs = {o.code: o for o in Organization.objects.filter(code__in={a.org for a in accounts})}
    for account in accounts:
        create_user(
            username=account.username,
            org=orgs[account.org],
            roles=[account.role],
            password=DEMO_PASSWORD,
        )
    return accounts


def _day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return datetime.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def found_unions(*, seed: int, count: int) -> int:
    """建会 in 2018H1: unions for employers the towns had not yet organised, each guided by its
    town federation, through the founding action cadres' form uses."""
    from gonghui.orgs.actions import found_organization

    if count <= 0:
        return 0
    rng = random.Random(seed + 101)
    gen = _Generator(seed + 101)
    uncovered = list(
        Enterprise.objects.filter(union__isnull=True).select_related("town").order_by("pk")
    )
    rng.shuffle(uncovered)
    # Round-robin over the towns, so that every town founds some.
    by_town: dict[int, list[Enterprise]] = {}
    for enterprise in uncovered:
        by_town.setdefault(enterprise.town_id, []).append(enterprise)
    chosen: list[Enterprise] = []
    while len(chosen) < count and any(by_town.values()):
        for town_id in sorted(by_town):
            if by_town[town_id] and len(chosen) < count:
                chosen.append(by_town[town_id].pop())
    days = sorted(_day_between(rng, H1_START, H1_END) for _ in chosen)
    for enterprise, day in zip(chosen, days, strict=True):
        town = Organization.objects.get(pk=enterprise.town_id)  # fresh numchild
        union = found_organization(
            parent=town,
            node=Organization(
                code=f"{town.code}-{town.numchild + 1:03d}",
                name=f"{enterprise.name}工会",
                kind=OrgKind.GRASSROOTS,
                founded_on=day,
                uscc=make_uscc(rng, prefix="81", region=REGION),
                address=town.address,
                chair=gen.person_name(),
                phone=gen.phone(),
            ),
            guided_by=town,
        )
        enterprise.union = union
        enterprise.save()
    return len(chosen)


ELECTION_HEADERS = ["工会编码", "换届日期", "届期(年)", "指导单位编码"]
TERMS = (3, 5, 5)  # most grassroots committees serve five years


def election_rows(*, seed: int, plan: BuildingPlan) -> list[tuple[str, datetime.date, int, str]]:
    """The elections of every union founded before 2018, as import rows.

    A union's first term runs from its founding (three years, the platform's assumption), so its
    first election falls about three years on; each later one falls when the previous term ran
    out, on time or up to four months late. In 2018H1 exactly `plan.elections` unions, among
    those whose term was due, hold one; `plan.overdue` others are left with an expired term.
    """
    rng = random.Random(seed + 202)
    towns = {
        org.path: org.code for org in Organization.objects.filter(kind=OrgKind.TOWN)
    }
    width = len(next(iter(towns), ""))
    unions = list(
        Organization.objects.filter(kind__in=UNION_KINDS, founded_on__lt=H1_START)
        .order_by("path")
        .values_list("code", "path", "founded_on")
    )
    first_due = {code: add_years(founded, 3) for code, _path, founded in unions}
    mature = [code for code, _path, _founded in unions if first_due[code] <= H1_END]
    rng.shuffle(mature)
    # Unions whose first term runs out in 2018H1 elect then; the rest of the 40 are chosen
    # among unions whose later terms ran out.
    mature.sort(key=lambda code: first_due[code] < H1_START)
    electing = set(mature[: plan.elections])
    overdue = set(mature[plan.elections : plan.elections + plan.overdue])
    margin = datetime.timedelta(days=60)
    rows: list[tuple[str, datetime.date, int, str]] = []
    for code, path, _founded in unions:
        earliest = first_due[code] - margin  # no re-election long before the first term ends
        guide = towns.get(path[:width], "") if rng.random() < 0.8 else ""
        if code in electing:
            latest = _day_between(rng, max(H1_START, earliest), H1_END)
        elif first_due[code] > H1_END:
            continue  # still in its first term
        else:
            term = rng.choice(TERMS)
            if code in overdue:
                # The last term ran out in the two years before the half-year ended; nobody has
                # elected since.
                last = add_years(H1_END, -term) - datetime.timedelta(days=30)
                earliest = max(earliest, last - datetime.timedelta(days=730))
            else:
                # The last term runs past the half-year's end; held before 2018.
                last = H1_START - datetime.timedelta(days=1)
                earliest = max(earliest, add_years(H1_END, -term) + datetime.timedelta(days=1))
            if earliest > last:
                continue  # no room for an election: judged by its founding date
            latest = _day_between(rng, earliest, last)
            rows.append((code, latest, term, guide))
            _chain_back(rng, rows, code, latest, first_due[code] - margin, guide)
            continue
        term = rng.choice(TERMS)
        rows.append((code, latest, term, guide))
        _chain_back(rng, rows, code, latest, earliest, guide)
    return rows


def _chain_back(
    rng: random.Random,
    rows: list[tuple[str, datetime.date, int, str]],
    code: str,
    held: datetime.date,
    earliest: datetime.date,
    guide: str,
) -> None:
    """The elections before `held`: each held when its predecessor's term ran out, or late."""
    while True:
        due = held - datetime.timedelta(days=rng.randint(-30, 120))
        term = rng.choice(TERMS)
        held = add_years(due, -term)
        if held < earliest:
            return
        rows.append((code, held, term, guide))


def load_elections(*, seed: int, plan: BuildingPlan) -> ImportResult:
    """Write the elections workbook and import it as the console operator, as a cadre would."""
    from gonghui.core.imports.engine import run_import
    from gonghui.core.ops.operator import Operator
    from gonghui.orgs.imports import ElectionImport

    rows = election_rows(seed=seed, plan=plan)
    root = Organization.objects.get_first_root_node()
    with tempfile.TemporaryDirectory(prefix="gonghui-demo-") as folder:
        path = Path(folder) / "演示换届记录.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, ELECTION_HEADERS)
        for number, (code, held, term, guide) in enumerate(sorted(rows), start=1):
            sheet.write_row(number, 0, [code, held.isoformat(), str(term), guide])
        book.close()
        return run_import(ElectionImport(), path, user=Operator(org=root))


LEVEL_WEIGHTS = {
    HomeLevel.GRASSROOTS: 40,
    HomeLevel.COUNTY: 35,
    HomeLevel.PREFECTURE: 15,
    HomeLevel.PROVINCE: 8,
    HomeLevel.NATIONAL: 2,
}
CHECKLIST_FIELDS = (
    "has_organisation", "has_rules", "has_democracy", "has_bargaining", "has_venue",
    "has_funds", "has_services", "has_member_rating",
)


def name_homes(*, seed: int, plan: BuildingPlan) -> int:
    """职工之家 titles: a history from 2010 and `plan.homes` named in 2018H1 for 2017."""
    rng = random.Random(seed + 303)
    unions = list(
        Organization.objects.filter(kind__in=UNION_KINDS, founded_on__lt=datetime.date(2015, 1, 1))
        .order_by("path")
    )
    rng.shuffle(unions)
    history = max(plan.homes, len(unions) // 10)
    levels, weights = list(LEVEL_WEIGHTS), list(LEVEL_WEIGHTS.values())
    made = 0
    for index, union in enumerate(unions[: plan.homes + history]):
        if index < plan.homes:
            year, awarded = 2017, _day_between(rng, datetime.date(2018, 3, 1), H1_END)
        else:
            founded = union.founded_on or datetime.date(2008, 1, 1)
            year = rng.randint(max(2010, founded.year + 2), 2016)
            awarded = _day_between(
                rng, datetime.date(year + 1, 3, 1), datetime.date(year + 1, 6, 30)
            )
        home = WorkersHome(union=union, level=rng.choices(levels, weights)[0], year=year,
                           awarded_on=awarded)
        for name in CHECKLIST_FIELDS:
            setattr(home, name, rng.random() < 0.9)
        home.save()
        made += 1
    return made
