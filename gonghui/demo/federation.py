"""The demo federation: a city federation shaped like Laixi's, generated from a seed.

Everything here is generated, deterministically: the same seed gives the same federation, names,
codes and accounts, so screenshots, tests and documentation can point at the same rows.

This module builds what every app's records stand on, the shared tree (city, towns, unions and
their enterprises) and the accounts, then hands over to the apps' demo steps
(`<app>/samples.py` `demo(build)`, gonghui.core.records.samples) in INSTALLED_APPS order: the
organisations app founds the half-year's unions, imports the elections and names workers'
homes; the people app imports the member roll and issues benefit cards; later apps add theirs.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from gonghui.accounts.actions import create_user
from gonghui.accounts.roles import Role, sync_roles
from gonghui.core.ops.production import DEMO_PASSWORD
from gonghui.core.records.samples import DemoBuild, run_demo_steps
from gonghui.core.text.identifiers import make_uscc
from gonghui.orgs.models import Enterprise, Industry, Organization, OrgKind, Ownership
from gonghui.orgs.samples import REGION, Names

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
    # What the apps' demo steps made, by record type (gonghui.core.records.samples); the
    # fields above from `founded` on are read from it.
    apps: dict[str, int] = field(default_factory=dict)


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


class _Generator(Names):
    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.used_names: set[str] = set()

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
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Build the demo federation into an empty database (one transaction: all or nothing).

    The unions on record were founded before 2018; then 2018's first half happens the way it
    would for cadres, in the apps' demo steps: new unions founded through the founding action,
    the member roll (with the half-year's enrolments) and the term elections loaded through the
    import engine, workers' homes named, and whatever later apps add. `progress` receives a
    line per step as it finishes (`gonghui demo` prints them).
    """
    say = progress or (lambda _line: None)
    with transaction.atomic():
        began = time.monotonic()
        result = _build(seed, unions_per_town)
        say(f"组织架构：组织 {result.organizations} 个，企业 {result.enterprises} 家，"
            f"账号 {len(result.accounts)} 个（{time.monotonic() - began:.1f} 秒）")
        build = run_demo_steps(DemoBuild(seed=seed, plan=plan, period=(H1_START, H1_END),
                                         members_per_union=members_per_union,
                                         progress=progress))
        result.apps = build.counts
        result.founded = build.counts.get("orgs", 0)
        result.members = build.counts.get("members", 0)
        result.cards = build.counts.get("cards", 0)
        result.elections = build.counts.get("elections", 0)
        result.homes = build.counts.get("homes", 0)
        result.organizations = Organization.objects.count()
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
