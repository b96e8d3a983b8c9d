"""How each page's cost grows with the data: one cadre, no load, 10k / 100k / 1M members.

    .venv/bin/python bench/growth.py                      # 10,000, 100,000, 1,000,000; both DBs
    .venv/bin/python bench/growth.py --members 10000 100000 --databases sqlite

For each database and size it serves the member pages in-process (Django's test client, no
network) to the province administrator and to a town cadre, and prints the median time and the
number of queries of each request; the last column is the growth from the smallest size to the
largest. The table in docs/performance-scale.md comes from here. Databases are shared with the
other benchmarks (bench/_data.py).
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

REQUESTS = [
    ("列表+筛选", "/members/?status=active"),
    ("深页（第400页）", "/members/?page=400"),
    ("姓名搜索", "/members/?q=王伟"),
    ("拼音首字母搜索", "/members/?q=wf"),
    ("详情", "DETAIL"),
    ("首页（不缓存）", "/"),
]


def measure(repeat: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    os.environ["GONGHUI_HOME_COUNTS_SECONDS"] = "0"  # the cost of counting, not of the cache
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gonghui.accounts.models import User
    from gonghui.people.models import Membership

    settings.ALLOWED_HOSTS = ["*"]
    out: dict[str, Any] = {}
    for username in ("admin", "town01"):
        user = User.objects.select_related("org").get(username=username)
        client = Client()
        client.force_login(user)
        detail = Membership.objects.visible_to(user).order_by("-pk").values_list("pk", flat=True)[0]
        for name, url in REQUESTS:
            url = f"/members/{detail}/" if url == "DETAIL" else url
            client.get(url)  # warm
            times = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
            out[f"{username} {name}"] = {"ms": statistics.median(times) * 1000,
                                         "queries": len(queries.captured_queries)}
    print(json.dumps(out, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--pg-prefix", default=DEFAULT_PREFIX)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.repeat)
        return
    results: dict[str, dict[int, Any]] = {}
    for vendor in [v.strip() for v in args.databases.split(",") if v.strip()]:
        for members in sorted(args.members):
            env = database_env(vendor, members, args.seed, server=args.pg, prefix=args.pg_prefix)
            log(f"测量：{vendor}，{members} 名会员")
            out = subprocess.run([sys.executable, __file__, "--measure", "--repeat",
                                  str(args.repeat)], env=env, cwd=ROOT, check=True,
                                 capture_output=True, text=True)
            last = out.stdout.strip().splitlines()[-1]
            results.setdefault(vendor, {})[members] = json.loads(last)
    for vendor, sizes in results.items():
        order = sorted(sizes)
        print(f"\n== {vendor}：单个请求的服务端用时（中位数，毫秒）与查询数 ==")
        print(f"{'请求':<24}" + "".join(f"{n:>12,}" for n in order) + f"{'增长':>8}")
        for key in sizes[order[0]]:
            cells = "".join(f"{sizes[n][key]['ms']:>8.1f}({sizes[n][key]['queries']:>2})"
                            for n in order)
            growth = sizes[order[-1]][key]["ms"] / max(sizes[order[0]][key]["ms"], 0.01)
            print(f"{key:<24}{cells}{growth:>7.1f}×")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
