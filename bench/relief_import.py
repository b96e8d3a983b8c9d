"""Benchmark of the relief roll import (救助发放明细) against the member roll, in one run.

    .venv/bin/python bench/relief_import.py [N]          # default 10,000 rows, SQLite

A scratch SQLite database in a temporary directory: one city, town and union, the year's
standard, then N members imported through the member roll (timed), then an N-line relief roll
for those members into one batch in 草稿 (timed). Both go through `run_import`, the engine of the
CLI and the web page. Prints rows per second of each and their ratio (see docs/performance.md).
Nothing here is a test: run it on a quiet machine and compare figures from one run.
"""

from __future__ import annotations

import datetime
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def workbook(path: Path, headers: list[str], rows: list[list[str]]) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, headers)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, row)
    book.close()
    return path


def timed(spec: Any, path: Path, user: Any) -> tuple[float, Any]:
    from gonghui.core.imports.engine import run_import

    start = time.perf_counter()
    result = run_import(spec, path, user=user)
    return time.perf_counter() - start, result


def main(n: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="gonghui-bench-relief-"))
    os.environ.pop("DATABASE_URL", None)
    os.environ["GONGHUI_SQLITE_PATH"] = str(folder / "bench.sqlite3")
    os.environ.setdefault("GONGHUI_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from gonghui.care.models.hardship import CareStandard, ReliefBatch
    from gonghui.core.ops.operator import Operator
    from gonghui.core.records.registry import registry
    from gonghui.core.text.identifiers import make_id_number
    from gonghui.orgs.models import Organization, OrgKind

    city = Organization.objects.add_root(instance=Organization(
        code="C", name="基准市总工会", kind=OrgKind.CITY))
    town = Organization.objects.add_child(city, instance=Organization(
        code="T", name="基准镇总工会", kind=OrgKind.TOWN))
    Organization.objects.add_child(town, instance=Organization(
        code="U", name="基准厂工会", kind=OrgKind.GRASSROOTS))
    CareStandard(org=city, year=2018, dibao_monthly=Decimal("560")).save()
    operator = Operator(org=Organization.objects.get(pk=city.pk))

    rng = random.Random(2018)
    people: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(people) < n:
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(40 * 365))
        number = make_id_number(rng, area_code="370285", birth_date=birth, sex=rng.choice("MF"))
        if number not in seen:
            seen.add(number)
            name = "王" + rng.choice("伟芳娜敏静丽强磊军洋") + rng.choice("明华国")
            people.append((name, number))
    members = workbook(folder / "members.xlsx", ["姓名", "身份证号", "所属工会编码", "入会日期"],
                       [[name, number, "U", "2017-03-01"] for name, number in people])
    member_seconds, member_result = timed(registry["members"].import_spec, members, operator)
    assert member_result.created == n, member_result.summary()

    batch = ReliefBatch(org=Organization.objects.get(code="U"), number="BENCH-1",
                        title="劳模帮扶", kind="model_worker", fund_source="city",
                        planned_on=datetime.date(2018, 5, 1))
    batch.save()
    roll = workbook(folder / "relief.xlsx",
                    ["发放批次编号", "姓名", "身份证号", "救助类别", "金额（元）", "发放日期"],
                    [["BENCH-1", name, number, "劳模帮扶", f"{rng.randrange(100, 3000)}.50",
                      "2018-05-01"] for name, number in people])
    relief_seconds, relief_result = timed(registry["relief"].import_spec, roll, operator)
    assert relief_result.created == n, relief_result.summary()

    member_rate, relief_rate = n / member_seconds, n / relief_seconds
    print(f"member roll: {n} rows in {member_seconds:.2f} s, {member_rate:,.0f} rows/s")
    print(f"relief roll: {n} rows in {relief_seconds:.2f} s, {relief_rate:,.0f} rows/s")
    print(f"relief / member rows per second: {relief_rate / member_rate:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
