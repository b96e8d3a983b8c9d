"""A synthetic province at any size, for benchmarks: `gonghui gen-data --members N`.

The same (members, seed) gives the same rows, id for id. The shape follows a real provincial
federation: a province federation over cities, each over towns and streets (镇街), each over
grassroots and joint unions that cover enterprises; N people, each with the memberships of
their history (most enrolled once and still in; some left; some transferred to another union,
which ends one membership and starts the next on the same day), and benefit cards for a share
of them. Dates run over 2008–2018, heaviest in 2014–2018, so half-year reviews have figures.

Rows go straight to the tables — COPY on PostgreSQL, `executemany` on SQLite — in batches,
with ids assigned here (the database is empty, so they start at 1) and the sequences reset
afterwards. Tree paths are built the way treebeard builds them, so its consistency check
(`Organization.find_problems()`) passes on the result.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from gonghui.accounts.actions import create_user
from gonghui.accounts.models import User
from gonghui.accounts.roles import Role, sync_roles
from gonghui.core.imports.bulk import insert_rows
from gonghui.core.text.identifiers import id_check_char, make_uscc
from gonghui.core.text.pinyin import initials
from gonghui.orgs.models import (
    HOME_CHECKLIST,
    Election,
    Enterprise,
    HomeLevel,
    Industry,
    Organization,
    OrgKind,
    Ownership,
    TermYears,
    WorkersHome,
    add_years,
)
from gonghui.people.models import BenefitCard, JoinedBy, Membership, MembershipStatus, Person

PASSWORD = "Gonghui@2018"
PROVINCE = ("SD", "示范省总工会")
# (name, the first four digits of its area codes): the cities of a province like Shandong.
CITIES = [
    ("济南", "3701"), ("青岛", "3702"), ("淄博", "3703"), ("枣庄", "3704"),
    ("东营", "3705"), ("烟台", "3706"), ("潍坊", "3707"), ("济宁", "3708"),
    ("泰安", "3709"), ("威海", "3710"), ("日照", "3711"), ("临沂", "3713"),
    ("德州", "3714"), ("聊城", "3715"), ("滨州", "3716"), ("菏泽", "3717"),
]
# County-level codes that exist in every one of those cities (市辖区 02/03, and 21–26 counties
# in most): ID numbers carry them, and the bundled area table knows them.
COUNTIES = ["02", "03", "02", "03", "02"]
PLACE = list("东西南北中新安平和兴华山河湖海泉石林桥城阳明光福永宁康泰盛丰")
WORDS = list("华鑫瑞丰恒泰盛通达宏远金利源祥和兴昌隆晟嘉润德信诚安凯康")
TRADES = [
    ("食品", Industry.C), ("机械", Industry.C), ("纺织", Industry.C), ("电子", Industry.C),
    ("化工", Industry.C), ("服装", Industry.C), ("建材", Industry.C), ("汽车零部件", Industry.C),
    ("农业科技", Industry.A), ("物流", Industry.G), ("商贸", Industry.F),
    ("建筑工程", Industry.E), ("酒店", Industry.H), ("环保科技", Industry.N),
    ("物业服务", Industry.K), ("信息技术", Industry.I), ("医院", Industry.Q),
    ("学校", Industry.P), ("供电", Industry.D), ("银行", Industry.J),
]
OWNERSHIPS = [Ownership.PRIVATE, Ownership.JOINT_STOCK, Ownership.FOREIGN, Ownership.STATE,
              Ownership.COLLECTIVE, Ownership.INSTITUTION]
OWNERSHIP_WEIGHTS = [62, 12, 6, 8, 4, 8]
# Surnames by rough frequency (the five commonest carry about a third of the population).
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
    "程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
SURNAME_WEIGHTS = [7.2, 7.1, 6.9, 5.4, 4.5, 3.1, 2.3, 2.2, 2.1, 1.9, 1.8, 1.5, 1.3, 1.2, 1.1,
                   1.1, 1.0, 1.0, 0.9, 0.9] + [0.6] * (len(SURNAMES) - 20)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国玉兰志红海燕"
    "鹏飞晓雪梅春文斌辉宇浩颖婷琳"
)
EDUCATIONS = ["21", "31", "61", "71", "41"]  # 大学本科, 大学专科, 普通高中, 初中, 中等专科
EDUCATION_WEIGHTS = [20, 25, 20, 25, 10]
POLITICS = ["13", "01", "03"]  # 群众, 中共党员, 共青团员
POLITICS_WEIGHTS = [75, 12, 13]

FIRST_DAY = datetime.date(2008, 1, 1)
LAST_DAY = datetime.date(2018, 12, 31)
# Enrolment years and their weights: a roll built up over a decade, fastest in 2014–2018.
YEARS = list(range(2008, 2019))
YEAR_WEIGHTS = [3, 3, 4, 4, 5, 6, 10, 12, 14, 16, 18]
MEMBERS_PER_UNION = 200
BATCH = 50_000


class NotEmptyError(Exception):
    """The target database already holds records; the message is for the operator."""


@dataclass
class GenResult:
    organizations: int = 0
    elections: int = 0
    workers_homes: int = 0
    cities: int = 0
    towns: int = 0
    unions: int = 0
    enterprises: int = 0
    people: int = 0
    memberships: int = 0
    cards: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, org


@dataclass
class _Org:
    id: int
    path: str
    kind: str
    parent: _Org | None
    code: str
    name: str
    area: str  # six-digit area code for ID numbers and USCCs issued here
    children: list[_Org] = field(default_factory=list)
    enterprises: list[int] = field(default_factory=list)


def ensure_empty() -> None:
    """Refuse a database that already holds organisations, people or accounts."""
    found = {
        "组织": Organization.objects.count(),
        "人员": Person.objects.count(),
        "会籍": Membership.objects.count(),
        "账号": User.objects.count(),
    }
    held = "、".join(f"{n}个{label}" for label, n in found.items() if n)
    if held:
        raise NotEmptyError(
            f"目标数据库不是空的（已有{held}）。gen-data 只写入刚迁移好的空数据库，"
            "以免与真实数据混在一起；请指定一个新的数据库（--database-url），或先清空它。"
        )


def plan_shape(members: int) -> tuple[int, int, int]:
    """(cities, towns per city, unions): about 200 members a union, 30 unions a town."""
    unions = max(6, round(members / MEMBERS_PER_UNION))
    cities = max(2, min(len(CITIES), round(unions / 320)))
    towns_per_city = max(2, min(12, round(unions / cities / 30)))
    return cities, towns_per_city, unions


def generate(
    members: int, *, seed: int = 2018, report: Callable[[str], None] = lambda _m: None
) -> GenResult:
    """Write the synthetic province into the (empty, migrated) default database."""
    if members < 1:
        raise ValueError("members must be at least 1")
    ensure_empty()
    rng = random.Random(seed)
    result = GenResult()
    with transaction.atomic():
        sync_roles()
        root, unions = _write_orgs(rng, members, result)
        report(f"组织 {result.organizations} 个（市 {result.cities}、镇街 {result.towns}、"
               f"工会 {result.unions}），企业 {result.enterprises} 家，"
               f"换届记录 {result.elections} 条，职工之家 {result.workers_homes} 个")
        result.accounts = _accounts(root)
    _write_people(rng, members, unions, result, report)
    with transaction.atomic():
        _reset_sequences()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return result


# --- the tree -------------------------------------------------------------------------------


def _write_orgs(rng: random.Random, members: int, result: GenResult) -> tuple[_Org, list[_Org]]:
    cities_n, towns_per_city, unions_n = plan_shape(members)
    ids = itertools.count(1)

    def path_of(parent: _Org | None, number: int) -> str:
        depth = 1 if parent is None else len(parent.path) // Organization.steplen + 1
        return Organization._get_path(parent.path if parent else None, depth, number)

    root = _Org(next(ids), path_of(None, 1), OrgKind.PROVINCE, None, PROVINCE[0], PROVINCE[1],
                "370000")
    towns: list[_Org] = []
    for c, (city_name, prefix) in enumerate(CITIES[:cities_n], start=1):
        city = _Org(next(ids), path_of(root, c), OrgKind.CITY, root, f"{PROVINCE[0]}{c:02d}",
                    f"{city_name}市总工会", prefix + "02")
        root.children.append(city)
        used: set[str] = set()
        for t in range(1, towns_per_city + 1):
            while True:
                stem = rng.choice(PLACE) + rng.choice(PLACE)
                if stem not in used:
                    used.add(stem)
                    break
            suffix = "街道" if t <= towns_per_city // 3 else "镇"
            town = _Org(next(ids), path_of(city, t), OrgKind.TOWN, city, f"{city.code}-{t:02d}",
                        f"{city_name}市{stem}{suffix}总工会", prefix + rng.choice(COUNTIES))
            city.children.append(town)
            towns.append(town)
    unions: list[_Org] = []
    names: set[str] = set()
    enterprise_rows: list[tuple[Any, ...]] = []
    enterprise_ids = itertools.count(1)
    usccs: set[str] = set()

    def uscc(prefix: str, area: str) -> str:
        while True:
            value = make_uscc(rng, prefix=prefix, region=area)
            if value not in usccs:
                usccs.add(value)
                return value

    def enterprise_name(town: _Org) -> tuple[str, Industry]:
        while True:
            trade, industry = rng.choice(TRADES)
            name = f"{town.name[:2]}{rng.choice(WORDS)}{rng.choice(WORDS)}{trade}有限公司"
            if name not in names:
                names.add(name)
                return name, industry

    def enterprise(town: _Org, union: _Org | None, staff: int, name: str, ind: Industry) -> int:
        pk = next(enterprise_ids)
        owner = union or town
        ownership = rng.choices(OWNERSHIPS, OWNERSHIP_WEIGHTS)[0]
        enterprise_rows.append((pk, name, uscc("91", town.area), ind, ownership, staff,
                                staff >= 1000, town.id, union.id if union else None,
                                owner.id, owner.path))
        return pk

    for u in range(unions_n):
        town = towns[u % len(towns)]
        number = len(town.children) + 1
        joint = rng.random() < 0.12
        union = _Org(next(ids), path_of(town, number),
                     OrgKind.JOINT if joint else OrgKind.GRASSROOTS, town,
                     f"{town.code}-{number:04d}", "", town.area)
        if joint:
            union.name = (f"{town.name[:-3]}{rng.choice(WORDS)}{rng.choice(WORDS)}"
                          f"{rng.choice(['工业园', '商贸城', '社区', '物流园'])}联合工会")
            for _ in range(rng.randint(3, 6)):
                name, ind = enterprise_name(town)
                union.enterprises.append(enterprise(town, union, rng.randint(5, 60), name, ind))
        else:
            name, ind = enterprise_name(town)
            union.name = f"{name}工会"
            staff = int(min(20000, rng.lognormvariate(5.0, 1.0)))
            union.enterprises.append(enterprise(town, union, max(20, staff), name, ind))
        town.children.append(union)
        unions.append(union)
    for town in towns:
        # Employers no union covers yet: the ground for founding new ones.
        for _ in range(rng.randint(2, 6)):
            name, ind = enterprise_name(town)
            enterprise(town, None, rng.randint(8, 45), name, ind)

    org_rows = []
    founded_on: dict[int, datetime.date] = {}
    for org in _walk(root):
        if org.kind == OrgKind.PROVINCE:
            founded = datetime.date(1950, 5, 1)
        elif org.kind == OrgKind.CITY:
            founded = datetime.date(rng.randint(1950, 1960), rng.randint(1, 12), 1)
        elif org.kind == OrgKind.TOWN:
            founded = _day(rng, datetime.date(1985, 1, 1), datetime.date(2005, 12, 31))
        else:
            # Unions founded over the years, a good share within the review years.
            founded = _day(rng, datetime.date(1995, 1, 1), LAST_DAY) if rng.random() < 0.6 \
                else _day(rng, datetime.date(2014, 1, 1), LAST_DAY)
        founded_on[org.id] = founded
        # Unions founded in the review years were founded under their town's guidance.
        guided = org.parent.id if org.parent and org.kind in (OrgKind.GRASSROOTS, OrgKind.JOINT) \
            and founded.year >= 2014 else None
        org_rows.append((
            org.id, org.path, len(org.path) // Organization.steplen, len(org.children),
            org.code, org.name, org.kind, founded, uscc("81", org.area), f"示范省{org.name[:-3]}",
            _name(rng), _mobile(rng), guided,
        ))
    _write(Organization, ["id", "path", "depth", "numchild", "code", "name", "kind",
                          "founded_on", "uscc", "address", "chair", "phone", "guided_by"],
           org_rows)
    _write(Enterprise, ["id", "name", "uscc", "industry", "ownership", "employee_count",
                        "is_key", "town", "union", "org", "org_path"], enterprise_rows)
    _write_elections_and_homes(rng, unions, founded_on, result)
    result.organizations = len(org_rows)
    result.cities = cities_n
    result.towns = len(towns)
    result.unions = len(unions)
    result.enterprises = len(enterprise_rows)
    return root, unions


def _write_elections_and_homes(
    rng: random.Random, unions: list[_Org], founded_on: dict[int, datetime.date],
    result: GenResult,
) -> None:
    """Term elections every three or five years from founding, a little late or early, with
    some unions letting a term run out (the overdue list); and workers' home titles for about
    a third of the unions, most at the lowest level."""
    elections: list[tuple[Any, ...]] = []
    homes: list[tuple[Any, ...]] = []
    levels = [HomeLevel.GRASSROOTS, HomeLevel.COUNTY, HomeLevel.PREFECTURE, HomeLevel.PROVINCE,
              HomeLevel.NATIONAL]
    checklist = [name for name, _label in HOME_CHECKLIST]
    for union in unions:
        town = union.parent
        assert town is not None
        term = int(TermYears.FIVE if rng.random() < 0.6 else TermYears.THREE)
        held = add_years(founded_on[union.id], term)
        lapses = rng.random() < 0.15  # stops holding elections at some point: overdue later
        while held <= LAST_DAY:
            held = held + datetime.timedelta(days=rng.randint(-60, 120))
            if held > LAST_DAY or (lapses and held.year >= 2014 and rng.random() < 0.5):
                break
            elections.append((union.id, held, term, town.id if rng.random() < 0.8 else None,
                              add_years(held, term), union.id, union.path))
            held = add_years(held, term)
        if rng.random() < 0.35:
            for year in sorted(rng.sample(range(2013, 2019), rng.randint(1, 2))):
                level = rng.choices(levels, [60, 25, 10, 4, 1])[0]
                # Named in the assessment year's last months, or the next spring.
                awarded = _day(rng, datetime.date(year, 10, 1), datetime.date(year + 1, 4, 30))
                if awarded > LAST_DAY:
                    continue
                met = [rng.random() < 0.85 for _ in checklist]
                homes.append((union.id, level, year, awarded, *met, sum(met), union.id,
                              union.path))
    _write(Election, ["union", "held_on", "term_years", "guided_by", "next_due", "org",
                      "org_path"], elections)
    _write(WorkersHome, ["union", "level", "year", "awarded_on", *checklist, "checklist_met",
                         "org", "org_path"], homes)
    result.elections = len(elections)
    result.workers_homes = len(homes)


def _walk(org: _Org) -> Iterable[_Org]:
    yield org
    for child in org.children:
        yield from _walk(child)


# --- people, memberships, cards -------------------------------------------------------------


def _write_people(
    rng: random.Random, members: int, unions: list[_Org], result: GenResult,
    report: Callable[[str], None],
) -> None:
    # Union sizes vary a lot (a few big plants, many small shops): lognormal weights.
    weights = [rng.lognormvariate(0, 0.9) for _ in unions]
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    surnames = list(SURNAMES)
    surname_cum = list(itertools.accumulate(SURNAME_WEIGHTS))
    year_cum = list(itertools.accumulate(YEAR_WEIGHTS))
    id_numbers: set[str] = set()
    person_ids = itertools.count(1)
    membership_ids = itertools.count(1)
    card_numbers = itertools.count(1)
    person_fields = ["id", "id_number", "name", "name_initials", "id_tail", "sex", "birth_date",
                     "mobile", "ethnicity", "education", "political_status", "employer",
                     "employer_name", "is_migrant", "org", "org_path"]
    membership_fields = ["id", "person", "enrolled_on", "joined_by", "ended_on", "status",
                         "card_number", "org", "org_path"]
    card_fields = ["number", "person", "issued_on", "org", "org_path"]

    def pick_union() -> _Org:
        return unions[bisect.bisect(cumulative, rng.random() * total)]

    done = 0
    while done < members:
        size = min(BATCH, members - done)
        people: list[tuple[Any, ...]] = []
        memberships: list[tuple[Any, ...]] = []
        cards: list[tuple[Any, ...]] = []
        for _ in range(size):
            pk = next(person_ids)
            sex = "M" if rng.random() < 0.55 else "F"
            birth = datetime.date.fromordinal(
                rng.randint(_ORD_BIRTH_FIRST, _ORD_BIRTH_LAST))
            union = pick_union()
            area = union.area if rng.random() < 0.7 else pick_union().area
            while True:
                sequence = rng.randrange(1 if sex == "M" else 2, 1000, 2)
                first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
                id_number = first17 + id_check_char(first17)
                if id_number not in id_numbers:
                    id_numbers.add(id_number)
                    break
            surname = surnames[bisect.bisect(surname_cum, rng.random() * surname_cum[-1])]
            name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            adult = _adult_from(birth)
            year = YEARS[bisect.bisect(year_cum, rng.random() * year_cum[-1])]
            enrolled = _day(rng, max(adult, datetime.date(year, 1, 1)),
                            max(adult, datetime.date(year, 12, 31)))
            if enrolled > LAST_DAY:
                enrolled = LAST_DAY  # born in 2000: joined on the data's last day
            fate = rng.random()
            history: list[tuple[_Org, datetime.date, str, datetime.date | None, str]] = []
            if fate < 0.07 and enrolled < LAST_DAY:
                # Moved to another union: one membership ends as the next begins.
                moved = _day(rng, enrolled + datetime.timedelta(days=1), LAST_DAY)
                target = pick_union()
                while target is union and len(unions) > 1:
                    target = pick_union()
                history.append((union, enrolled, JoinedBy.ENROLMENT, moved,
                                MembershipStatus.TRANSFERRED))
                history.append((target, moved, JoinedBy.TRANSFER, None, MembershipStatus.ACTIVE))
                union = target
            elif fate < 0.15 and enrolled < LAST_DAY:
                left = _day(rng, enrolled + datetime.timedelta(days=1), LAST_DAY)
                history.append((union, enrolled, JoinedBy.ENROLMENT, left, MembershipStatus.LEFT))
            else:
                history.append((union, enrolled, JoinedBy.ENROLMENT, None,
                                MembershipStatus.ACTIVE))
            for org, start, joined_by, end, status in history:
                mpk = next(membership_ids)
                memberships.append((mpk, pk, start, joined_by, end, status,
                                    f"SD{mpk:09d}" if rng.random() < 0.6 else "",
                                    org.id, org.path))
            employer = rng.choice(union.enterprises) if union.enterprises else None
            people.append((
                pk, id_number, name, initials(name)[:50], id_number[-4:], sex, birth,
                _mobile(rng) if rng.random() < 0.9 else "",
                "01" if rng.random() < 0.97 else rng.choice(["03", "11", "10", "08"]),
                rng.choices(EDUCATIONS, EDUCATION_WEIGHTS)[0],
                rng.choices(POLITICS, POLITICS_WEIGHTS)[0],
                employer, "", rng.random() < 0.3, union.id, union.path,
            ))
            if rng.random() < 0.2:
                town = union.parent
                assert town is not None
                issued = _day(rng, max(enrolled, datetime.date(2014, 1, 1)),
                              max(LAST_DAY, enrolled))
                cards.append((f"HGK{next(card_numbers):09d}", pk, issued, town.id, town.path))
        with transaction.atomic():
            _write(Person, person_fields, people)
            _write(Membership, membership_fields, memberships)
            _write(BenefitCard, card_fields, cards)
        done += size
        result.people += len(people)
        result.memberships += len(memberships)
        result.cards += len(cards)
        report(f"人员 {done}/{members}，会籍 {result.memberships}，惠工卡 {result.cards}")


_ORD_BIRTH_FIRST = datetime.date(1960, 1, 1).toordinal()
_ORD_BIRTH_LAST = datetime.date(2000, 12, 31).toordinal()


def _adult_from(birth: datetime.date) -> datetime.date:
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:  # born on 29 February
        return datetime.date(birth.year + 18, 3, 1)


def _day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return datetime.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES[:20]) + "".join(rng.choice(GIVEN) for _ in range(2))


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


# --- accounts -------------------------------------------------------------------------------


def _accounts(root: _Org) -> list[tuple[str, str, str]]:
    """The province administrator, one per city, and cadres of the first few towns."""
    wanted: list[tuple[str, str, str]] = [("admin", Role.CITY_ADMIN, root.code)]
    for c, city in enumerate(root.children, start=1):
        wanted.append((f"city{c:02d}", Role.CITY_ADMIN, city.code))
    towns = [t for city in root.children for t in city.children]
    for t, town in enumerate(towns[:10], start=1):
        wanted.append((f"town{t:02d}", Role.TOWN_CADRE, town.code))
    orgs = {o.code: o for o in Organization.objects.filter(code__in={w[2] for w in wanted})}
    for username, role, code in wanted:
        create_user(username=username, org=orgs[code], roles=[role], password=PASSWORD)
    return wanted


# --- writing --------------------------------------------------------------------------------


def _write(model: type[models.Model], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL (an order of magnitude faster than INSERTs); executemany elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        insert_rows(model, fields, rows)
        return
    opts = model._meta
    names = [*fields, "created_at", "updated_at"]
    columns: list[str] = [opts.get_field(n).column for n in names]  # type: ignore[misc,union-attr]
    now = timezone.now()
    quote = connection.ops.quote_name
    sql = f"COPY {quote(opts.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, now, now))


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(
        no_style(),
        [Organization, Enterprise, Person, Membership, BenefitCard, Election, WorkersHome],
    )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
