"""Benchmark of the member pages under load: Gonghui's production server, and the Django admin.

    .venv/bin/python bench/pages.py                               # 1,000,000 members, both DBs
    .venv/bin/python bench/pages.py --members 100000 --databases sqlite --duration 20

It starts `gonghui serve` (gunicorn, `--no-worker`) on a generated province, logs in N
concurrent cadres (town cadres, and the province administrator one user in five) and drives
them with locust, headless, for a fixed time over: the member list page 1 with a filter, a deep
page, a name search, a pinyin-initials search, a member's detail page and the home dashboard.
It prints p50 / p95 / p99 and the error rate per request and overall, at 20 and 50 users.
In the same run, the peer: the Django admin's changelist of the same model (members), with
search on the same fields (enabled for this run only: GONGHUI_BENCH_ADMIN=1), driven the same
way. Targets: p95 ≤ 150 ms at 20 users, no errors at 50, and a p95 at least 3 × better than
the admin changelist's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._data import DEFAULT_PG, DEFAULT_PREFIX, GONGHUI, database_env, log  # noqa: E402

PASSWORD = "Gonghui@2018"
TARGET_P95_MS = 150
TARGET_PEER_FACTOR = 3.0
NAMES = ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨勇", "赵丽", "黄磊", "周杰", "吴娟"]
INITIALS = ["wf", "lj", "zm", "ly", "cj", "yy", "zl", "hl", "zj", "wj"]

# Run in a child Django process before the load, to learn which rows each cadre may open.
SETUP = """
import json, django
django.setup()
from gonghui.accounts.models import User
from gonghui.people.models import Membership
out = {}
User.objects.update(is_staff=True)  # the admin changelist (the peer) admits staff only
from django.test import Client
for user in User.objects.select_related("org").filter(username__regex=r"^(admin|town\\d+)$"):
    mine = Membership.objects.visible_to(user)
    # One session per account, made here: the load's cadres start logged in, so that a
    # (deliberately slow) password hash per simulated user does not eat the measured time.
    client = Client()
    client.force_login(user)
    out[user.username] = {
        "session": client.cookies["sessionid"].value,
        "org": user.org_id,
        "members": list(mine.order_by("-pk").values_list("pk", flat=True)[:200:5]),
        "children": [],
    }
from gonghui.orgs.models import Organization
root = Organization.objects.get_first_root_node()
out["admin"]["children"] = list(
    Organization.objects.filter(path__startswith=root.path, depth=root.depth + 1)
    .values_list("pk", flat=True))
print(json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, server: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gonghui serve 没有启动成功，见 var/bench/serve.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gonghui serve 启动超时")


def run_load(base: str, accounts: dict[str, Any], users: int, seconds: float, peer: bool,
             seed: int) -> dict[str, Any]:
    """Child process (gevent): drive `users` cadres for `seconds`; print the stats as JSON."""
    import gevent
    from locust import HttpUser, between, task
    from locust.env import Environment

    rng = random.Random(seed)
    towns = sorted(k for k in accounts if k.startswith("town"))

    class Cadre(HttpUser):
        host = base
        wait_time = between(1.0, 2.0)  # a cadre reads a page before the next click

        def on_start(self) -> None:
            number = next(counter)
            # One user in five is the province administrator, the rest town cadres.
            self.username = "admin" if number % 5 == 0 else towns[number % len(towns)]
            self.me = accounts[self.username]
            if self.me.get("session"):
                self.client.cookies.set("sessionid", self.me["session"])
                if not peer:
                    # Warm-up, not counted: the home page's figures are kept for a minute, and
                    # the first view of a subtree in that minute counts them (see growth.py).
                    self.client.get("/", name="login")
                logged_in.append(self.username)
                return
            self.client.get("/login/", name="login")
            token = self.client.cookies.get("csrftoken", "")
            self.client.post("/login/", {"username": self.username, "password": PASSWORD,
                                         "csrfmiddlewaretoken": token}, name="login",
                             headers={"Referer": base + "/login/"})
            logged_in.append(self.username)

        def filter_query(self) -> str:
            if self.username == "admin" and self.me["children"]:
                return f"status=active&org={rng.choice(self.me['children'])}"
            return "status=active"

        @task
        def list_filtered(self) -> None:
            if peer:
                self.get("/bench-admin/people/membership/?status__exact=active", "列表+筛选")
            else:
                self.get(f"/members/?{self.filter_query()}", "列表+筛选")

        @task
        def deep_page(self) -> None:
            page = rng.randint(300, 500)
            url = (f"/bench-admin/people/membership/?p={page}" if peer
                   else f"/members/?page={page}")
            self.get(url, "深页")

        @task
        def search_name(self) -> None:
            q = rng.choice(NAMES)
            url = f"/bench-admin/people/membership/?q={q}" if peer else f"/members/?q={q}"
            self.get(url, "姓名搜索")

        @task
        def search_initials(self) -> None:
            q = rng.choice(INITIALS)
            url = f"/bench-admin/people/membership/?q={q}" if peer else f"/members/?q={q}"
            self.get(url, "拼音首字母搜索")

        @task
        def detail(self) -> None:
            pk = rng.choice(self.me["members"])
            url = f"/bench-admin/people/membership/{pk}/change/" if peer else f"/members/{pk}/"
            self.get(url, "详情")

        @task
        def home(self) -> None:
            if not peer:  # the admin has no counterpart of the dashboard
                self.get("/", "首页")

        def get(self, url: str, name: str) -> None:
            with self.client.get(url, name=name, catch_response=True,
                                 allow_redirects=False) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")

    import itertools

    counter = itertools.count()
    logged_in: list[str] = []
    env = Environment(user_classes=[Cadre])
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    # Logins (a deliberately slow password hash each) and warm-up are not counted.
    deadline = time.monotonic() + 120
    while len(logged_in) < users and time.monotonic() < deadline:
        gevent.sleep(0.5)
    gevent.sleep(3)
    env.stats.reset_all()
    gevent.sleep(seconds)
    runner.quit()
    result: dict[str, Any] = {"requests": {}, "errors": {}}
    for (name, _method), entry in env.stats.entries.items():
        if name == "login":
            continue
        result["requests"][name] = {
            "n": entry.num_requests,
            "errors": entry.num_failures,
            "times": {str(k): v for k, v in entry.response_times.items()},
        }
    for error in env.stats.errors.values():
        key = f"{error.name}: {error.error}"
        result["errors"][key] = result["errors"].get(key, 0) + error.occurrences
    return result


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Several slices of one side's load, as one: counts and response-time histograms added."""
    merged: dict[str, Any] = {}
    for part in parts:
        for name, entry in part["requests"].items():
            into = merged.setdefault(name, {"n": 0, "errors": 0, "times": {}})
            into["n"] += entry["n"]
            into["errors"] += entry["errors"]
            for ms, count in entry["times"].items():
                into["times"][ms] = into["times"].get(ms, 0) + count
    total = {"n": 0, "errors": 0, "times": {}}
    for entry in merged.values():
        total["n"] += entry["n"]
        total["errors"] += entry["errors"]
        for ms, count in entry["times"].items():
            total["times"][ms] = total["times"].get(ms, 0) + count
    merged["全部"] = total
    return {name: summary(entry) for name, entry in merged.items()}


def percentile(times: dict[str, int], share: float) -> float:
    total = sum(times.values())
    if not total:
        return 0.0
    seen = 0
    for ms in sorted(times, key=float):
        seen += times[ms]
        if seen >= total * share:
            return float(ms)
    return float(max(times, key=float))


def summary(entry: dict[str, Any]) -> dict[str, float]:
    times = entry["times"]
    return {"n": entry["n"], "errors": entry["errors"], "p50": percentile(times, 0.50),
            "p95": percentile(times, 0.95), "p99": percentile(times, 0.99)}


def drain(base: str, limit: float = 120) -> None:
    """Wait until the admin's slow requests have left the server, so they are not counted
    against the next slice (a changelist search can run for many seconds after its client
    has gone)."""
    import urllib.request

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.monotonic()
        with urllib.request.urlopen(f"{base}/login/", timeout=limit) as response:
            response.read()
        if time.monotonic() - started < 0.3:
            return
        time.sleep(1)


def print_table(title: str, stats: dict[str, Any]) -> None:
    print(f"\n-- {title} --")
    print(f"{'请求':<12}{'次数':>7}{'错误率':>8}{'p50':>8}{'p95':>8}{'p99':>8}")
    for name, s in stats.items():
        rate = s["errors"] / s["n"] * 100 if s["n"] else 0
        print(f"{name:<12}{s['n']:>8}{rate:>7.1f}%{s['p50']:>6.0f}ms{s['p95']:>6.0f}ms"
              f"{s['p99']:>6.0f}ms")


def bench_database(vendor: str, args: argparse.Namespace, failures: list[str]) -> dict[str, Any]:
    env = database_env(vendor, args.members, args.seed, server=args.pg, prefix=args.pg_prefix,
                       fresh=args.fresh)
    env["GONGHUI_BENCH_ADMIN"] = "1"
    env["DJANGO_SETTINGS_MODULE"] = "gonghui.settings"
    out = subprocess.run([sys.executable, "-c", SETUP], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True)
    accounts = json.loads(out.stdout.strip().splitlines()[-1])
    port = free_port()
    log_path = ROOT / "var" / "bench" / "serve.log"
    cmd = [*GONGHUI, "serve", "--no-worker", "--no-migrate", "--port", str(port)]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    with open(log_path, "wb") as serve_log:
        server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=serve_log, stderr=serve_log)
    try:
        wait_for(port, server)
        base = f"http://127.0.0.1:{port}"
        slices: dict[str, list[dict[str, Any]]] = {}
        first = args.users[0]
        # Gonghui and its peer take turns at the first load level, in slices, so that whatever
        # else the machine is doing falls on both alike; then Gonghui alone at the higher levels.
        plan = [("gonghui", first, args.duration / 2), ("admin", first, args.duration / 2)] * 2
        plan += [("gonghui", users, args.duration) for users in args.users[1:]]
        errors: dict[str, int] = {}
        for number, (side, users, seconds) in enumerate(plan):
            log(f"负载：{vendor}，{side}，{users} 个并发用户，{seconds:.0f} 秒")
            child = subprocess.run(
                [sys.executable, __file__, "--load", base, "--users", str(users),
                 "--duration", str(seconds), "--seed", str(args.seed + number)]
                + (["--peer"] if side == "admin" else []),
                input=json.dumps(accounts), cwd=ROOT, check=True, capture_output=True,
                text=True,
            )
            part = json.loads(child.stdout.strip().splitlines()[-1])
            slices.setdefault(f"{side}@{users}", []).append(part)
            if side == "admin":
                drain(base)
            for key, n in part["errors"].items():
                errors[f"{side}@{users} {key}"] = errors.get(f"{side}@{users} {key}", 0) + n
        results = {key: merge(parts) for key, parts in slices.items()}
        for key, stats in results.items():
            side, users = key.split("@")
            label = "Gonghui" if side == "gonghui" else "Django admin 变更列表（对照）"
            print_table(f"{vendor}，{args.members:,} 名会员，{label}，{users} 个用户", stats)
        for key, n in sorted(errors.items(), key=lambda kv: -kv[1]):
            print(f"  错误 {n} 次：{key}")
    finally:
        server.terminate()
        server.wait(timeout=60)
    ours = results[f"gonghui@{first}"]["全部"]
    peer = results[f"admin@{first}"]["全部"]
    # The peer comparison covers the request kinds both sides serve (the admin has no dashboard).
    kinds = ["列表+筛选", "深页", "姓名搜索", "拼音首字母搜索", "详情"]
    ours_p95 = max(results[f"gonghui@{first}"].get(k, {}).get("p95", 0) for k in kinds)
    peer_p95 = max(results[f"admin@{first}"].get(k, {}).get("p95", 0) for k in kinds)
    factor = peer_p95 / ours_p95 if ours_p95 else float("inf")
    print(f"\n{vendor}：{first} 个用户 p95 {ours['p95']:.0f} ms（目标 ≤ {TARGET_P95_MS} ms）；"
          f"同类请求最慢 p95：Gonghui {ours_p95:.0f} ms，admin {peer_p95:.0f} ms，"
          f"快 {factor:.1f} 倍（目标 ≥ {TARGET_PEER_FACTOR:.0f} 倍）；"
          f"admin 整体 p95 {peer['p95']:.0f} ms")
    if ours["p95"] > TARGET_P95_MS:
        failures.append(f"{vendor} {first} 用户 p95 {ours['p95']:.0f} ms > {TARGET_P95_MS} ms")
    if factor < TARGET_PEER_FACTOR:
        failures.append(f"{vendor} 比 admin 仅快 {factor:.1f} 倍")
    for users in args.users[1:]:
        errors = results[f"gonghui@{users}"]["全部"]["errors"]
        if errors:
            failures.append(f"{vendor} {users} 用户出现 {errors} 个错误")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--users", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--duration", type=float, default=30, help="seconds per load level")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (serve's default)")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server URL, no database")
    parser.add_argument("--pg-prefix", default=DEFAULT_PREFIX)
    parser.add_argument("--fresh", action="store_true", help="regenerate the databases")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        accounts = json.loads(sys.stdin.read())
        stats = run_load(args.load, accounts, args.users[0], args.duration, args.peer, args.seed)
        print(json.dumps(stats, ensure_ascii=False))
        return
    failures: list[str] = []
    results = {}
    for vendor in [v.strip() for v in args.databases.split(",") if v.strip()]:
        results[vendor] = bench_database(vendor, args, failures)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    if failures:
        print("\n未达标：" + "；".join(failures))
        sys.exit(1)
    print("\n全部目标达标")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
