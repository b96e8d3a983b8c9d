"""The organisations app's sample records (gonghui.core.records.samples): the leak matrix's
sentinels, and the demo half-year's founding, elections and workers' homes."""

from __future__ import annotations

import datetime
import random
import tempfile
from pathlib import Path
from typing import Any

import xlsxwriter

from gonghui.core.imports.spec import ImportResult
from gonghui.core.records.samples import Branch, DemoBuild
from gonghui.core.text.identifiers import make_uscc
from gonghui.orgs.models import (
    UNION_KINDS,
    Election,
    Enterprise,
    HomeLevel,
    Industry,
    Organization,
    OrgKind,
    Ownership,
    WorkersHome,
    add_years,
)


def sentinels(branch: Branch) -> dict[str, Any]:
    """The branch's union itself, an enterprise it covers, a term election guided by the town
    and a workers' home."""
    enterprise = Enterprise(
        name=f"{branch.sentinel}{'机械' if branch.key == 'a' else '纺织'}有限公司",
        uscc=make_uscc(branch.rng), industry=Industry.C, ownership=Ownership.PRIVATE,
        employee_count=120 if branch.key == "a" else 300, town=branch.town, union=branch.union,
    )
    enterprise.save()
    election = Election(union=branch.union, held_on=datetime.date(2016, 5, 10), term_years=5,
                        guided_by=branch.town)
    election.save()
    home = WorkersHome(union=branch.union, level=HomeLevel.COUNTY, year=2017,
                       awarded_on=datetime.date(2018, 3, 5), has_venue=True)
    home.save()
    return {"orgs": branch.union, "enterprises": enterprise, "elections": election,
            "homes": home}


# --- the demo federation's organisation building (`gonghui demo`) --------------------------------

REGION = "370285"  # 莱西市: the area code in the demo's credit codes and ID numbers
SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国玉兰志红海燕")


class Names:
    """Chairs' names and telephone numbers for generated organisations, from a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def person_name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))

    def phone(self) -> str:
        rng = self.rng
        return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return datetime.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def demo(build: DemoBuild) -> None:
    """The demo half-year's organisation building, on the shared tree: unions founded through
    the founding action, the term elections through the election import, workers' homes named."""
    build.counts["orgs"] = found_unions(seed=build.seed, count=build.plan.founded,
                                        period=build.period)
    build.note(f"新建工会 {build.counts['orgs']} 个（建会操作）")
    build.counts["elections"] = load_elections(seed=build.seed, plan=build.plan,
                                               period=build.period).created
    build.note(f"换届记录 {build.counts['elections']} 条（经导入引擎载入）")
    build.counts["homes"] = name_homes(seed=build.seed, plan=build.plan, period=build.period)
    build.note(f"职工之家 {build.counts['homes']} 个")


def found_unions(*, seed: int, count: int, period: tuple[datetime.date, datetime.date]) -> int:
    """建会 in the half-year: unions for employers the towns had not yet organised, each guided
    by its town federation, through the founding action cadres' form uses."""
    from gonghui.orgs.actions import found_organization

    if count <= 0:
        return 0
    first, last = period
    rng = random.Random(seed + 101)
    names = Names(seed + 101)
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
    days = sorted(day_between(rng, first, last) for _ in chosen)
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
                chair=names.person_name(),
                phone=names.phone(),
            ),
            guided_by=town,
        )
        enterprise.union = union
        enterprise.save()
    return len(chosen)


ELECTION_HEADERS = ["工会编码", "换届日期", "届期(年)", "指导单位编码"]
TERMS = (3, 5, 5)  # most grassroots committees serve five years
ElectionRow = tuple[str, datetime.date, int, str]


def election_rows(
    *, seed: int, plan: Any, period: tuple[datetime.date, datetime.date]
) -> list[ElectionRow]:
    """The elections of every union founded before the half-year, as import rows.

    A union's first term runs from its founding (three years, the platform's assumption), so its
    first election falls about three years on; each later one falls when the previous term ran
    out, on time or up to four months late. In the half-year exactly `plan.elections` unions,
    among those whose term was due, hold one; `plan.overdue` others are left with an expired term.
    """
    h1_start, h1_end = period
    rng = random.Random(seed + 202)
    towns = {
        org.path: org.code for org in Organization.objects.filter(kind=OrgKind.TOWN)
    }
    width = len(next(iter(towns), ""))
    unions = list(
        Organization.objects.filter(kind__in=UNION_KINDS, founded_on__lt=h1_start)
        .order_by("path")
        .values_list("code", "path", "founded_on")
    )
    first_due = {code: add_years(founded, 3) for code, _path, founded in unions}
    mature = [code for code, _path, _founded in unions if first_due[code] <= h1_end]
    rng.shuffle(mature)
    # Unions whose first term runs out in the half-year elect then; the rest are chosen among
    # unions whose later terms ran out.
    mature.sort(key=lambda code: first_due[code] < h1_start)
    electing = set(mature[: plan.elections])
    overdue = set(mature[plan.elections : plan.elections + plan.overdue])
    margin = datetime.timedelta(days=60)
    rows: list[ElectionRow] = []
    for code, path, _founded in unions:
        earliest = first_due[code] - margin  # no re-election long before the first term ends
        guide = towns.get(path[:width], "") if rng.random() < 0.8 else ""
        if code in electing:
            latest = day_between(rng, max(h1_start, earliest), h1_end)
        elif first_due[code] > h1_end:
            continue  # still in its first term
        else:
            term = rng.choice(TERMS)
            if code in overdue:
                # The last term ran out in the two years before the half-year ended; nobody has
                # elected since.
                last = add_years(h1_end, -term) - datetime.timedelta(days=30)
                earliest = max(earliest, last - datetime.timedelta(days=730))
            else:
                # The last term runs past the half-year's end; held before it.
                last = h1_start - datetime.timedelta(days=1)
                earliest = max(earliest, add_years(h1_end, -term) + datetime.timedelta(days=1))
            if earliest > last:
                continue  # no room for an election: judged by its founding date
            latest = day_between(rng, earliest, last)
            rows.append((code, latest, term, guide))
            _chain_back(rng, rows, code, latest, first_due[code] - margin, guide)
            continue
        term = rng.choice(TERMS)
        rows.append((code, latest, term, guide))
        _chain_back(rng, rows, code, latest, earliest, guide)
    return rows


def _chain_back(
    rng: random.Random,
    rows: list[ElectionRow],
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


def load_elections(
    *, seed: int, plan: Any, period: tuple[datetime.date, datetime.date]
) -> ImportResult:
    """Write the elections workbook and import it as the console operator, as a cadre would."""
    from gonghui.core.imports.engine import run_import
    from gonghui.core.ops.operator import Operator
    from gonghui.core.records.registry import registry

    rows = election_rows(seed=seed, plan=plan, period=period)
    root = Organization.objects.get_first_root_node()
    with tempfile.TemporaryDirectory(prefix="gonghui-demo-") as folder:
        path = Path(folder) / "演示换届记录.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, ELECTION_HEADERS)
        for number, (code, held, term, guide) in enumerate(sorted(rows), start=1):
            sheet.write_row(number, 0, [code, held.isoformat(), str(term), guide])
        book.close()
        return run_import(registry["elections"].import_spec, path,  # type: ignore[arg-type]
                          user=Operator(org=root))


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


def name_homes(*, seed: int, plan: Any, period: tuple[datetime.date, datetime.date]) -> int:
    """职工之家 titles: a history from 2010 and `plan.homes` named in the half-year for the
    year before it."""
    first, last = period
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
            year = first.year - 1
            awarded = day_between(rng, datetime.date(first.year, 3, 1), last)
        else:
            founded = union.founded_on or datetime.date(2008, 1, 1)
            year = rng.randint(max(2010, founded.year + 2), first.year - 2)
            awarded = day_between(
                rng, datetime.date(year + 1, 3, 1), datetime.date(year + 1, 6, 30)
            )
        home = WorkersHome(union=union, level=rng.choices(levels, weights)[0], year=year,
                           awarded_on=awarded)
        for name in CHECKLIST_FIELDS:
            setattr(home, name, rng.random() < 0.9)
        home.save()
        made += 1
    return made
