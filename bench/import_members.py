"""Benchmark of the member-roll import: the raw limit, a peer library, and Gonghui, in one run.

    .venv/bin/python bench/import_members.py [N] [--peer-rows M] [--database sqlite|postgres]
    .venv/bin/python bench/import_members.py --memory-check        # Gonghui alone, 1,000,000 rows

Everything happens in a scratch directory (and, for PostgreSQL, scratch databases named
`gonghui_bench*`) that the script creates and removes. Each measured step runs in a child
process of its own, on its own copy of the freshly built federation, so that one step's
caches, database pages and peak memory never reach another's. See bench/README.md and
docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG_URL = "postgresql://root@127.0.0.1:5432/test"
PG_BASE = "gonghui_bench"
HEADERS = ["姓名", "身份证号", "手机号", "所属工会编码", "入会日期", "民族", "学历", "政治面貌",
           "工作单位", "是否农民工", "会员卡号", "转会"]
BAD_KINDS = [
    "bad_check_char", "wrong_length", "excel_number_id", "bad_date", "future_date",
    "unknown_union", "duplicate_in_file", "unknown_ethnicity", "bad_yes_no", "missing_required",
]
TARGET_RAW_RATIO = 2.5
TARGET_PEER_RATIO = 10.0
TARGET_MEMORY_MB = 1024


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """This process's peak resident memory, MB.

    Linux's VmHWM is the high-water mark of this process's own memory since it started (its
    exec); `ru_maxrss` would also carry the parent's size at the fork, and the parent holds the
    generator's million ID numbers.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- the parent: orchestration ------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.database = args.database
        self.workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gonghui-bench-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.pg_url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL
        self.pg_created: list[str] = []

    # Databases: one pristine federation, copied for each step that writes.

    def db_env(self, name: str) -> dict[str, str]:
        env = {
            "GONGHUI_ENV": "test",
            "GONGHUI_VAR_DIR": str(self.workdir / "var"),
            "DJANGO_SETTINGS_MODULE": "gonghui.settings",
            "GONGHUI_LOG_LEVEL": "WARNING",
        }
        if self.database == "sqlite":
            env["GONGHUI_SQLITE_PATH"] = str(self.workdir / f"{name}.sqlite3")
        else:
            env["DATABASE_URL"] = self.pg_url_for(name)
        return env

    def pg_url_for(self, name: str) -> str:
        base, _, _ = self.pg_url.rpartition("/")
        return f"{base}/{PG_BASE}_{name}" if name != "base" else f"{base}/{PG_BASE}"

    def pg_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            conn.execute(sql)

    def copy_database(self, name: str) -> None:
        """A fresh copy of the pristine federation for one step."""
        if self.database == "sqlite":
            for suffix in ("-wal", "-shm"):
                (self.workdir / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.workdir / "base.sqlite3", self.workdir / f"{name}.sqlite3")
        else:
            target = f"{PG_BASE}_{name}"
            self.pg_admin(f'DROP DATABASE IF EXISTS "{target}"')
            self.pg_admin(f'CREATE DATABASE "{target}" TEMPLATE "{PG_BASE}"')
            self.pg_created.append(target)

    def create_base(self) -> None:
        for stale in self.workdir.glob("*.sqlite3*"):
            stale.unlink()  # a kept workdir from an earlier run
        if self.database == "postgres":
            self.pg_admin(f'DROP DATABASE IF EXISTS "{PG_BASE}"')
            self.pg_admin(f'CREATE DATABASE "{PG_BASE}"')
            self.pg_created.append(PG_BASE)

    def cleanup(self) -> None:
        for name in reversed(self.pg_created):
            try:
                self.pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # report, but never hide the figures
                log(f"could not drop {name}: {exc}")
        if not self.args.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            log(f"kept {self.workdir}")

    def child(self, step: str, db: str, **extra: Any) -> dict[str, Any]:
        """Run one step in a child process; its last stdout line is a JSON result."""
        env = {**os.environ, **self.db_env(db)}
        payload = json.dumps({"step": step, "workdir": str(self.workdir),
                              "database": self.database, **extra})
        proc = subprocess.run(
            [sys.executable, __file__, "--step", payload],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"step {step} failed (exit {proc.returncode})")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    # The run.

    def run(self) -> None:
        args = self.args
        n = 1_000_000 if args.memory_check and args.rows == 100_000 else args.rows
        peer_rows = min(args.peer_rows, n)
        log(f"workdir {self.workdir}; database {self.database}; {n:,} rows")
        try:
            self.create_base()
            started = time.perf_counter()
            setup = self.child("setup", "base", seed=args.seed)
            log(f"federation built: {setup['unions']} unions, {len(setup['employers'])} "
                f"enterprises ({time.perf_counter() - started:.1f} s)")
            main = self.workdir / f"members-{n}.xlsx"
            peer_file = self.workdir / f"members-{peer_rows}.xlsx"
            started = time.perf_counter()
            bad = generate(main, n, setup["codes"], setup["employers"], seed=args.seed,
                           bad_rate=args.bad_rate,
                           slice_path=None if args.memory_check else peer_file,
                           slice_rows=peer_rows)
            log(f"workbook written: {main.stat().st_size / 1e6:.1f} MB, {bad['total']:,} bad "
                f"rows ({time.perf_counter() - started:.1f} s)")

            results: dict[str, Any] = {"rows": n, "bad": bad, "database": self.database}
            if not args.memory_check:
                log("raw limit ...")
                if self.database == "postgres":
                    self.pg_admin(f'DROP DATABASE IF EXISTS "{PG_BASE}_raw"')
                    self.pg_admin(f'CREATE DATABASE "{PG_BASE}_raw"')
                    self.pg_created.append(f"{PG_BASE}_raw")
                results["raw"] = self.child("raw", "raw", file=str(main))
                log(f"  {results['raw']['seconds']:.2f} s")
                if not args.skip_peer and importlib.util.find_spec("import_export") is None:
                    log("peer skipped: django-import-export is not installed "
                        "(pip install -e '.[bench]')")
                elif not args.skip_peer:
                    log(f"peer (django-import-export) on a {peer_rows:,}-row slice ...")
                    self.copy_database("peer")
                    results["peer"] = self.child("peer", "peer", file=str(peer_file))
                    log(f"  {results['peer']['seconds']:.2f} s")
            log("gonghui ...")
            self.copy_database("gonghui")
            results["gonghui"] = self.child("gonghui", "gonghui", file=str(main),
                                           profile=args.profile)
            log(f"  {results['gonghui']['seconds']:.2f} s")
            report(results, args)
        finally:
            self.cleanup()


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    n = results["rows"]
    g = results["gonghui"]
    print()
    print(f"Member import benchmark: {n:,} rows, {results['bad']['total']:,} bad "
          f"({results['bad']['total'] / n:.1%}, every kind), database {results['database']}")
    print(f"{'step':<34}{'seconds':>10}{'rows/s':>12}{'µs/row':>9}{'peak RSS MB':>13}")

    def line(label: str, seconds: float, rows: int, rss: float | None) -> None:
        rss_text = f"{rss:13.0f}" if rss is not None else f"{'':>13}"
        print(f"{label:<34}{seconds:10.2f}{rows / seconds:12,.0f}{seconds / rows * 1e6:9.1f}"
              f"{rss_text}")

    raw = results.get("raw")
    if raw:
        line("raw limit", raw["seconds"], n, raw["rss_mb"])
        for part, seconds in raw["parts"].items():
            print(f"  {part:<32}{seconds:10.2f}")
    peer = results.get("peer")
    if peer:
        m = peer["rows"]
        line(f"peer, {m:,}-row slice (measured)", peer["seconds"], m, peer["rss_mb"])
        print(f"  {'peer, extrapolated to ' + format(n, ',') + ' rows':<32}"
              f"{peer['seconds'] / m * n:10.2f}   (a slice: {m:,} of {n:,} rows, scaled)")
        print(f"  peer counts: {peer['counts']}")
    line("gonghui run_import", g["seconds"], n, g["rss_mb"])
    print(f"  baseline RSS before the import: {g['rss_before_mb']:.0f} MB")
    print(f"  counts: read {g['read']:,}, created {g['created']:,}, updated {g['updated']:,}, "
          f"rejected {g['rejected']:,} (expected {results['bad']['total']:,}); "
          f"people {g['people']:,}, memberships {g['memberships']:,}; "
          f"error workbook {g['error_workbook_mb']:.2f} MB")
    print()
    verdicts = []
    if raw:
        ratio = g["seconds"] / raw["seconds"]
        ok = ratio <= TARGET_RAW_RATIO
        verdicts.append(ok)
        print(f"Gonghui / raw   = {ratio:5.2f}   target <= {TARGET_RAW_RATIO}   "
              f"{'HOLDS' if ok else 'MISSED'}")
    if peer:
        ratio = (peer["seconds"] / peer["rows"] * n) / g["seconds"]
        ok = ratio >= TARGET_PEER_RATIO
        verdicts.append(ok)
        print(f"peer / Gonghui  = {ratio:5.1f}   target >= {TARGET_PEER_RATIO:g}    "
              f"{'HOLDS' if ok else 'MISSED'}   (peer extrapolated from its slice)")
    if n >= 1_000_000 or args.memory_check:
        ok = g["rss_mb"] < TARGET_MEMORY_MB
        verdicts.append(ok)
        print(f"peak RSS        = {g['rss_mb']:5.0f} MB  target < {TARGET_MEMORY_MB} MB  "
              f"{'HOLDS' if ok else 'MISSED'}")
    if g["rejected"] != results["bad"]["total"]:
        print(f"WARNING: {g['rejected']} rows rejected, {results['bad']['total']} bad generated")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))


# --- the workbook ---------------------------------------------------------------------------


AREAS = ["370285", "370202", "370203", "370211", "370212", "370213", "370214", "370281"]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程"
                "曹袁邓许傅沈曾彭吕苏卢蒋蔡")
COMPOUND = ["欧阳", "司马", "诸葛", "上官"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国玉兰志红海燕单乐")
ETHNIC = ["汉族"] * 90 + ["回族", "满族", "蒙古族", "朝鲜族", "汉"] * 2
EDUCATION = ["大学本科", "大学专科", "普通高中", "初中", "中等专科", "本科", "大专", "硕士研究生"]
POLITICAL = ["群众"] * 6 + ["中共党员", "共青团员", "党员", "团员"]


def generate(
    path: Path,
    n: int,
    codes: list[str],
    employers: list[str],
    *,
    seed: int,
    bad_rate: float,
    slice_path: Path | None,
    slice_rows: int,
) -> dict[str, Any]:
    """A members workbook of n data rows under one header row; about bad_rate of them bad,
    cycling through every kind of error. Returns the count of bad rows per kind."""
    import xlsxwriter

    from gonghui.core.text.identifiers import make_id_number

    rng = random.Random(seed)
    books = []
    sheets = []
    for target in [path, slice_path] if slice_path else [path]:
        book = xlsxwriter.Workbook(str(target), {"constant_memory": True,
                                                 "strings_to_numbers": False})
        sheet = book.add_worksheet("会员")
        sheet.write_row(0, 0, HEADERS)
        books.append(book)
        sheets.append(sheet)
    date_format = books[0].add_format({"num_format": "yyyy-mm-dd"})
    slice_date_format = books[1].add_format({"num_format": "yyyy-mm-dd"}) if slice_path else None

    used: set[str] = set()
    earlier: list[tuple[str, str]] = []  # (name, id) of good rows, for duplicates
    counts = dict.fromkeys(BAD_KINDS, 0)
    next_kind = 0
    start_day = datetime.date(1960, 1, 1).toordinal()
    today = datetime.date.today()
    every = max(1, n // 10)
    for i in range(1, n + 1):
        while True:
            birth = datetime.date.fromordinal(start_day + rng.randrange(40 * 365))
            idn = make_id_number(rng, area_code=rng.choice(AREAS), birth_date=birth,
                                 sex=rng.choice("MF"))
            if idn not in used:
                used.add(idn)
                break
        if rng.random() < 0.03:
            name = rng.choice(COMPOUND) + rng.choice(GIVEN) + rng.choice(GIVEN)
        else:
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        enrolled = datetime.date(rng.randint(2000, 2024), rng.randint(1, 12), rng.randint(1, 28))
        form = rng.random()
        date_cell: Any
        if form < 0.6:
            date_cell = enrolled  # a real date cell
        elif form < 0.85:
            date_cell = enrolled.isoformat()
        elif form < 0.95:
            date_cell = f"{enrolled.year}.{enrolled.month}.{enrolled.day}"
        else:
            date_cell = f"{enrolled.year}年{enrolled.month}月{enrolled.day}日"
        phone: Any = ""
        roll = rng.random()
        if roll < 0.75:
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        elif roll < 0.85:
            phone = float(f"1{rng.choice('3578')}{rng.randrange(10**9):09d}")  # a number cell
        roll = rng.random()
        if roll < 0.4:
            employer = ""
        elif roll < 0.8:
            employer = rng.choice(employers)
        else:
            employer = f"莱西市{rng.choice(GIVEN)}{rng.choice(GIVEN)}商店"
        row: list[Any] = [
            name, idn, phone, rng.choice(codes), date_cell, rng.choice(ETHNIC),
            rng.choice(EDUCATION), rng.choice(POLITICAL), employer,
            "是" if rng.random() < 0.3 else "否",
            f"LX{i:08d}" if rng.random() < 0.7 else "",
            "" if rng.random() < 0.9 else "否",
        ]
        if rng.random() < bad_rate:
            kind = BAD_KINDS[next_kind % len(BAD_KINDS)]
            if kind == "duplicate_in_file" and not earlier:
                kind = "bad_check_char"
            else:
                next_kind += 1
            counts[kind] += 1
            spoil(row, kind, rng, earlier, today)
        elif len(earlier) < 10_000:
            earlier.append((name, idn))
        write_row(sheets[0], i, row, date_format)
        if slice_path and i <= slice_rows:
            write_row(sheets[1], i, row, slice_date_format)
        if i % every == 0 and n >= 200_000:
            log(f"  generated {i:,} / {n:,} rows")
    for book in books:
        book.close()
    return {"total": sum(counts.values()), **counts}


def spoil(row: list[Any], kind: str, rng: random.Random, earlier: list[tuple[str, str]],
          today: datetime.date) -> None:
    idn = row[1]
    if kind == "bad_check_char":
        row[1] = idn[:17] + ("0" if idn[17] != "0" else "1")
    elif kind == "wrong_length":
        row[1] = idn[:17] if rng.random() < 0.5 else idn[:-3]
    elif kind == "excel_number_id":
        row[1] = float(idn[:17] + "1")  # what Excel keeps of an 18-digit number
    elif kind == "bad_date":
        row[4] = rng.choice(["2018-02-30", "2019/13/01", "去年三月", "2018-1/5"])
    elif kind == "future_date":
        row[4] = (today + datetime.timedelta(days=rng.randint(30, 900))).isoformat()
    elif kind == "unknown_union":
        row[3] = "LX99-999"
    elif kind == "duplicate_in_file":
        row[0], row[1] = rng.choice(earlier)
    elif kind == "unknown_ethnicity":
        row[5] = "火星族"
    elif kind == "bad_yes_no":
        row[9] = "也许"
    elif kind == "missing_required":
        row[rng.choice((0, 1, 3, 4))] = ""


def write_row(sheet: Any, index: int, row: list[Any], date_format: Any) -> None:
    for col, value in enumerate(row):
        if value == "":
            continue
        if isinstance(value, datetime.date):
            sheet.write_datetime(index, col, value, date_format)
        elif isinstance(value, float):
            sheet.write_number(index, col, value)
        else:
            sheet.write_string(index, col, value)


# --- the children: one measured step each -----------------------------------------------------


def step_setup(options: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from gonghui.demo.federation import build_demo
    from gonghui.orgs.models import UNION_KINDS, Enterprise, Organization

    call_command("migrate", verbosity=0)
    import inspect

    extra = {}
    if "members_per_union" in inspect.signature(build_demo).parameters:
        extra["members_per_union"] = 0  # an empty roll: every row of the file is a newcomer
    build_demo(seed=options["seed"], unions_per_town=15, **extra)
    codes = sorted(Organization.objects.filter(kind__in=UNION_KINDS).values_list("code", flat=True))
    employers = sorted(Enterprise.objects.values_list("name", flat=True))
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return {"unions": len(codes), "codes": codes, "employers": employers}


def fast_check_char(number: str) -> str:
    """The check character of an 18-character number's first 17 digits, in one C call
    (the weights are 2**k mod 11, and 13 ≡ 2 mod 11; see identifiers.id_check_char)."""
    return "10X98765432"[2 * int(number[:17], 13) % 11]


def text_of(cell: Any) -> str:
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def step_raw(options: dict[str, Any]) -> dict[str, Any]:
    """The floor: read the cells, verify each ID's check character, insert them as they are."""
    from python_calamine import CalamineWorkbook

    parts: dict[str, float] = {}
    started = time.perf_counter()
    t = time.perf_counter()
    with CalamineWorkbook.from_path(options["file"]) as book:
        sheet = book.get_sheet_by_index(0)
    rows = sheet.iter_rows()
    next(rows)  # the header
    out = []
    valid = 0
    for cells in rows:
        idn = cells[1]
        if type(idn) is str:
            if len(idn) == 18 and idn[:17].isdigit():
                valid += idn[17] == fast_check_char(idn)
        else:
            cells[1] = text_of(idn)
        # Every column of the bare table is text. Only these three columns ever hold a
        # number or a date in this workbook (an ID or a phone typed as a number, a date cell).
        if type(cells[2]) is not str:
            cells[2] = text_of(cells[2])
        if type(cells[4]) is not str:
            cells[4] = text_of(cells[4])
        out.append(cells)
    parts["read + check characters"] = time.perf_counter() - t
    t = time.perf_counter()
    columns = ("name", "id_number", "mobile", "union_code", "enrolled_on", "ethnicity",
               "education", "political_status", "employer", "is_migrant", "card_number",
               "transfer")
    key = ("integer PRIMARY KEY" if options["database"] == "sqlite"
           else "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
    create = "CREATE TABLE raw_members (id {}, {})".format(
        key, ", ".join(f"{c} text" for c in columns))
    insert = "INSERT INTO raw_members ({}) VALUES ({})"
    if options["database"] == "sqlite":
        import sqlite3

        conn = sqlite3.connect(os.environ["GONGHUI_SQLITE_PATH"], isolation_level=None)
        # The same durability as Gonghui's database (settings.py): WAL, synchronous=FULL.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(create)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(insert.format(", ".join(columns), ", ".join("?" * len(columns))), out)
        conn.execute("COMMIT")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
            conn.execute(create)
            conn.commit()
            with conn.cursor() as cursor:
                cursor.executemany(
                    insert.format(", ".join(columns), ", ".join(["%s"] * len(columns))), out
                )
            conn.commit()
    parts["executemany, one transaction"] = time.perf_counter() - t
    return {"seconds": time.perf_counter() - started, "parts": parts, "valid_ids": valid,
            "rss_mb": peak_rss_mb()}


def step_gonghui(options: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from gonghui.accounts.models import User
    from gonghui.core.imports.engine import run_import
    from gonghui.people.imports import MemberImport
    from gonghui.people.models import Membership, Person

    user = User.objects.get(username="admin")  # the city federation's administrator
    path = Path(options["file"])
    spec = MemberImport()
    rss_before = peak_rss_mb()
    if options.get("profile"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        result = run_import(spec, path, user=user)
        profiler.disable()
        seconds = time.perf_counter() - started
        out = Path(options["workdir"]) / "gonghui.prof"
        profiler.dump_stats(out)
        stats = pstats.Stats(str(out), stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(35)
    else:
        started = time.perf_counter()
        result = run_import(spec, path, user=user)
        seconds = time.perf_counter() - started
    rss = peak_rss_mb()
    return {
        "seconds": seconds, "rss_mb": rss, "rss_before_mb": rss_before,
        "read": result.read, "created": result.created, "updated": result.updated,
        "rejected": result.rejected, "warnings": len(result.warnings),
        "people": Person.objects.count(), "memberships": Membership.objects.count(),
        "error_workbook_mb": (result.error_workbook.stat().st_size / 1e6
                              if result.error_workbook else 0.0),
    }


def import_with_peer(path: Path) -> dict[str, int]:
    """django-import-export as its documentation advises for speed (use_bulk, skip_diff,
    CachedInstanceLoader): one ModelResource for Person, then one for Membership over the rows
    the first accepted. Every cell is validated with Gonghui's own parsers, so the peer checks
    what Gonghui checks; a bad row becomes an import-export validation error (the row is
    skipped, the rest is written). Both resources run in one transaction."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from import_export import fields, resources, widgets
    from import_export.formats.base_formats import XLSX
    from import_export.instance_loaders import CachedInstanceLoader

    from gonghui.core.imports.spec import CellError
    from gonghui.core.text.identifiers import IdNumberInfo
    from gonghui.core.text.pinyin import initials
    from gonghui.orgs.models import UNION_KINDS, Enterprise, Organization
    from gonghui.people.imports import MemberImport
    from gonghui.people.models import Membership, Person

    parsers = {c.header: c for c in MemberImport.columns}

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        id_number = fields.Field(attribute="id_number", column_name="身份证号")
        mobile = fields.Field(attribute="mobile", column_name="手机号")
        org = fields.Field(attribute="org", column_name="所属工会编码",
                           widget=widgets.ForeignKeyWidget(Organization, "code"))
        ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
        education = fields.Field(attribute="education", column_name="学历")
        political_status = fields.Field(attribute="political_status", column_name="政治面貌")
        employer = fields.Field(attribute="employer", column_name="工作单位",
                                widget=widgets.ForeignKeyWidget(Enterprise, "name"))
        is_migrant = fields.Field(attribute="is_migrant", column_name="是否农民工",
                                  widget=widgets.BooleanWidget())

        class Meta:
            model = Person
            fields = ("name", "id_number", "mobile", "org", "ethnicity", "education",
                      "political_status", "employer", "is_migrant")
            import_id_fields = ("id_number",)
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            instance_loader_class = CachedInstanceLoader

        def before_import(self, dataset: Any, **kwargs: Any) -> None:
            self.unions = set(Organization.objects.filter(kind__in=UNION_KINDS)
                              .values_list("code", flat=True))
            self.employers = set(Enterprise.objects.values_list("name", flat=True))
            self.seen: set[str] = set()
            self.accepted: list[dict[str, Any]] = []
            self.today = datetime.date.today()

        def before_import_row(self, row: Any, **kwargs: Any) -> None:
            errors: dict[str, str] = {}
            for header, column in parsers.items():
                value = row.get(header)
                if value is None or (isinstance(value, str) and not value.strip()):
                    if column.required:
                        errors[header] = "必填"
                    row[header] = None
                    continue
                try:
                    row[header] = column.parse(value)
                except CellError as exc:
                    errors[header] = exc.message
            info = row.get("身份证号")
            if isinstance(info, IdNumberInfo):
                if info.number in self.seen:
                    errors["身份证号"] = "重复"
                self.seen.add(info.number)
                row["_info"] = info
                row["身份证号"] = info.number
            if row.get("所属工会编码") and row["所属工会编码"] not in self.unions:
                errors["所属工会编码"] = "不存在"
            enrolled = row.get("入会日期")
            if isinstance(enrolled, datetime.date) and enrolled > self.today:
                errors["入会日期"] = "晚于今天"
            employer = row.get("工作单位")
            row["_employer_name"] = ""
            if employer and employer not in self.employers:
                row["_employer_name"], row["工作单位"] = employer, None
            for header in ("手机号", "民族", "学历", "政治面貌"):
                if row.get(header) is None:
                    row[header] = ""
            if errors:
                raise ValidationError(errors)

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            info = row["_info"]
            instance.sex, instance.birth_date = info.sex, info.birth_date
            instance.name_initials = initials(instance.name)[:50]
            instance.id_tail = instance.id_number[-4:]
            instance.employer_name = row["_employer_name"]
            instance.org_path = instance.org.path

        def after_import_row(self, row: Any, row_result: Any, **kwargs: Any) -> None:
            if row_result.import_type in ("new", "update"):
                self.accepted.append(row)

    class MembershipResource(resources.ModelResource):
        person = fields.Field(attribute="person", column_name="身份证号",
                              widget=widgets.ForeignKeyWidget(Person, "id_number"))
        org = fields.Field(attribute="org", column_name="所属工会编码",
                           widget=widgets.ForeignKeyWidget(Organization, "code"))
        enrolled_on = fields.Field(attribute="enrolled_on", column_name="入会日期",
                                   widget=widgets.DateWidget())
        card_number = fields.Field(attribute="card_number", column_name="会员卡号")

        class Meta:
            model = Membership
            fields = ("person", "org", "enrolled_on", "card_number")
            use_bulk = True
            batch_size = 1000
            skip_diff = True

        def get_instance(self, instance_loader: Any, row: Any) -> None:
            return None  # every accepted row starts a membership

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            instance.org_path = instance.org.path
            instance.card_number = instance.card_number or ""

    import tablib

    dataset = XLSX().create_dataset(path.read_bytes())
    with transaction.atomic():
        people = PersonResource()
        person_result = people.import_data(dataset, dry_run=False, use_transactions=True)
        if person_result.has_errors():
            raise SystemExit(f"peer: person import failed: {peer_errors(person_result)}")
        members = tablib.Dataset(headers=HEADERS)
        for row in people.accepted:
            members.append([row[h] for h in HEADERS])
        member_result = MembershipResource().import_data(members, dry_run=False,
                                                         use_transactions=True)
        if member_result.has_errors():
            raise SystemExit(f"peer: membership import failed: {peer_errors(member_result)}")
    totals = person_result.totals
    return {"rows": len(dataset), "people_new": totals["new"],
            "people_invalid": totals["invalid"],
            "memberships_new": member_result.totals["new"],
            "people_in_db": Person.objects.count(),
            "memberships_in_db": Membership.objects.count()}


def peer_errors(result: Any) -> str:
    errors = [e.error for e in result.base_errors]
    for number, row_errors in result.row_errors()[:3]:
        errors += [f"row {number}: {e.error!r}" for e in row_errors]
    return "; ".join(map(str, errors))


def step_peer(options: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()

    rss_before = peak_rss_mb()
    started = time.perf_counter()
    counts = import_with_peer(Path(options["file"]))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": counts["rows"], "counts": counts,
            "rss_mb": peak_rss_mb(), "rss_before_mb": rss_before}


STEPS = {"setup": step_setup, "raw": step_raw, "gonghui": step_gonghui, "peer": step_peer}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    parser.add_argument("--peer-rows", type=int, default=10_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--memory-check", action="store_true",
                        help="Gonghui alone on 1,000,000 rows (or N if given), peak RSS")
    parser.add_argument("--bad-rate", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--profile", action="store_true",
                        help="run Gonghui's step under cProfile (slower) and print the top")
    parser.add_argument("--workdir")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        options = json.loads(args.step)
        result = STEPS[options["step"]](options)
        print(json.dumps(result, ensure_ascii=False))
        return
    Bench(args).run()


if __name__ == "__main__":
    main()
