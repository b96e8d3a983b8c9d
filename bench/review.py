"""Benchmark of a review: every registered indicator for the root over a half-year.

    .venv/bin/python bench/review.py                          # 100,000 and 1,000,000, both DBs
    .venv/bin/python bench/review.py --members 100000 --databases sqlite

For each database and size it times `gonghui.reports.indicators` computing every registered
indicator for the top organisation, as the province administrator, and — in the same run,
interleaved with it — the baseline: one hand-written SQL aggregate per indicator over the same
tables, with the same meaning. The values must agree (the run stops if one does not). It prints
Gonghui's time, the baseline's and their ratio, per indicator and in total, and checks the
targets: ≤ 1.5 × the baseline, ≤ 1 s at 100,000 members on SQLite, and time growing no faster
than the data. Databases are generated once and reused (bench/_data.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._data import DEFAULT_PG, DEFAULT_PREFIX, database_env, log  # noqa: E402

TARGET_RATIO = 1.5
TARGET_SECONDS_100K_SQLITE = 1.0

# The baseline: what a person writing SQL by hand would run for each indicator. `{scope}` is
# the vendor's idiomatic prefix match on the owner's tree path (a range on SQLite, whose LIKE
# cannot use an index; LIKE on PostgreSQL, whose pattern_ops index serves it).
BASELINES: dict[str, str] = {
    "orgs.unions_founded": (
        "SELECT COUNT(*) FROM orgs_organization WHERE {scope:path} "
        "AND kind IN ('grassroots', 'joint') AND founded_on BETWEEN %(start)s AND %(end)s"
    ),
    "members.enrolled": (
        "SELECT COUNT(*) FROM people_membership WHERE {scope:org_path} "
        "AND joined_by = 'enrolment' AND enrolled_on BETWEEN %(start)s AND %(end)s"
    ),
    "members.active": (
        "SELECT COUNT(*) FROM people_membership WHERE {scope:org_path} "
        "AND enrolled_on <= %(end)s AND (ended_on IS NULL OR ended_on > %(end)s)"
    ),
    "orgs.elections_held": (
        "SELECT COUNT(*) FROM orgs_election WHERE {scope:org_path} "
        "AND held_on BETWEEN %(start)s AND %(end)s"
    ),
    "orgs.workers_homes_awarded": (
        "SELECT COUNT(*) FROM orgs_workershome WHERE {scope:org_path} "
        "AND awarded_on BETWEEN %(start)s AND %(end)s"
    ),
    # Unions whose latest election by the period's end had a next due date before it, or with
    # no election by then and founded more than three years (the first term) before it.
    "orgs.elections_overdue": (
        "SELECT COUNT(*) FROM orgs_organization o WHERE {scope:path} "
        "AND o.kind IN ('grassroots', 'joint') AND ("
        " (SELECT e.next_due FROM orgs_election e WHERE e.union_id = o.id"
        "  AND e.held_on <= %(end)s ORDER BY e.held_on DESC, e.id DESC LIMIT 1) < %(end)s"
        " OR (NOT EXISTS (SELECT 1 FROM orgs_election e WHERE e.union_id = o.id"
        "  AND e.held_on <= %(end)s)"
        "  AND o.founded_on <= %(end)s AND o.founded_on < %(first_term_start)s))"
    ),
    "people.benefit_cards_issued": (
        "SELECT COUNT(*) FROM people_benefitcard WHERE {scope:org_path} "
        "AND issued_on BETWEEN %(start)s AND %(end)s"
    ),
}


def scope_sql(vendor: str, column: str) -> str:
    if vendor == "sqlite":
        return f"({column} >= %(path)s AND {column} < %(path_end)s)"
    return f"{column} LIKE %(path_like)s"


def measure(args: argparse.Namespace) -> None:
    """Child process: time both sides on the database the environment points at."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    import django

    django.setup()
    from django.db import connection

    from gonghui.accounts.models import User
    from gonghui.orgs.models import FIRST_TERM_YEARS, Organization, add_years
    from gonghui.reports.indicators import Scope, registered
    from gonghui.reports.periods import Period

    root = Organization.objects.get_first_root_node()
    assert root is not None
    user = User.objects.select_related("org").get(username="admin")
    period = Period.parse(args.period)
    vendor = connection.vendor
    params = {
        "start": connection.ops.adapt_datefield_value(period.start),
        "end": connection.ops.adapt_datefield_value(period.end),
        "path": root.path,
        "path_end": root.path + "~",  # "~" sorts after every path character (0-9, A-Z)
        "path_like": root.path + "%",
        "first_term_start": connection.ops.adapt_datefield_value(
            add_years(period.end, -int(FIRST_TERM_YEARS))),
    }
    indicators = registered()
    missing = [i.key for i in indicators if i.key not in BASELINES]
    if missing:
        raise SystemExit(
            "这些指标还没有手写 SQL 基线，请在 bench/review.py 的 BASELINES 中补上："
            + "、".join(missing)
        )
    rows = []
    with connection.cursor() as cursor:
        for item in indicators:
            template = BASELINES[item.key]
            sql = template
            for column in ("org_path", "path"):
                sql = sql.replace("{scope:" + column + "}", scope_sql(vendor, column))
            scope = Scope(root, period, user)
            ours: list[float] = []
            base: list[float] = []
            value = baseline_value = None
            # Interleaved, so that load from other processes falls on both sides alike.
            for _ in range(args.repeat):
                started = time.perf_counter()
                value = item.compute(scope)
                ours.append(time.perf_counter() - started)
                started = time.perf_counter()
                cursor.execute(sql, params)
                baseline_value = cursor.fetchone()[0]
                base.append(time.perf_counter() - started)
            if value != baseline_value:
                raise SystemExit(
                    f"指标 {item.key} 与基线不一致：Gonghui {value}，手写 SQL {baseline_value}"
                )
            rows.append({
                "key": item.key, "value": value,
                "gonghui": statistics.median(ours), "baseline": statistics.median(base),
            })
    # The whole review as a cadre gets it: one `compute` call for every indicator.
    from gonghui.reports.indicators import compute

    totals = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        compute(root, period, user)
        totals.append(time.perf_counter() - started)
    print(json.dumps({"rows": rows, "compute": statistics.median(totals)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--period", default="2018H1")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server URL, no database")
    parser.add_argument("--pg-prefix", default=DEFAULT_PREFIX)
    parser.add_argument("--fresh", action="store_true", help="regenerate the databases")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return
    results: dict[str, dict[int, Any]] = {}
    failures: list[str] = []
    for vendor in [v.strip() for v in args.databases.split(",") if v.strip()]:
        for members in sorted(args.members):
            env = database_env(vendor, members, args.seed, server=args.pg,
                               prefix=args.pg_prefix, fresh=args.fresh)
            log(f"测量：{vendor}，{members} 名会员，{args.period}，每项 {args.repeat} 次取中位数")
            out = subprocess.run(
                [sys.executable, __file__, "--measure", "--period", args.period,
                 "--repeat", str(args.repeat)],
                env=env, cwd=ROOT, check=True, capture_output=True, text=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            results.setdefault(vendor, {})[members] = result
            report(vendor, members, result, failures)
    for vendor, sizes in results.items():
        if len(sizes) < 2:
            continue
        small, large = min(sizes), max(sizes)
        data = large / small
        growth = sizes[large]["compute"] / sizes[small]["compute"]
        verdict = "达标" if growth <= data * 1.1 else "未达标"
        print(f"{vendor}: 数据 ×{data:.0f}，用时 ×{growth:.1f}（目标：不快于数据增长）{verdict}")
        if verdict != "达标":
            failures.append(f"{vendor} 用时增长 ×{growth:.1f} 快于数据 ×{data:.0f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    if failures:
        print("未达标：" + "；".join(failures))
        sys.exit(1)
    print("全部目标达标")


def report(vendor: str, members: int, result: dict[str, Any], failures: list[str]) -> None:
    print(f"\n== {vendor}，{members:,} 名会员 ==")
    print(f"{'指标':<30}{'数值':>10}{'Gonghui':>12}{'基线SQL':>12}{'比值':>8}")
    ours = base = 0.0
    for row in result["rows"]:
        ours += row["gonghui"]
        base += row["baseline"]
        ratio = row["gonghui"] / row["baseline"] if row["baseline"] else float("inf")
        print(f"{row['key']:<32}{row['value']:>10}{row['gonghui'] * 1000:>10.1f}ms"
              f"{row['baseline'] * 1000:>10.1f}ms{ratio:>8.2f}")
    ratio = ours / base if base else float("inf")
    print(f"{'合计（逐项）':<28}{'':>10}{ours * 1000:>10.1f}ms{base * 1000:>10.1f}ms{ratio:>8.2f}")
    print(f"一次 compute() 全部指标：{result['compute'] * 1000:.1f} ms")
    if ratio > TARGET_RATIO:
        failures.append(f"{vendor} {members}: 比值 {ratio:.2f} > {TARGET_RATIO}")
    if vendor == "sqlite" and members <= 100_000 and result["compute"] > TARGET_SECONDS_100K_SQLITE:
        failures.append(f"sqlite {members}: {result['compute']:.2f} s > 1 s")


if __name__ == "__main__":
    main()
