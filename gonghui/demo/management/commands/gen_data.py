from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection


class Command(BaseCommand):
    help = (
        "Generate a synthetic province (cities, towns, unions, enterprises, N members) into an "
        "empty database, for benchmarks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--members", type=int, required=True, help="how many people (members) to generate"
        )
        parser.add_argument("--seed", type=int, default=2018, help="random seed (default 2018)")
        parser.add_argument(
            "--database-url",
            default="",
            help="write there instead of the configured database "
            "(postgresql://… or sqlite:////absolute/path.sqlite3); read before start-up",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gonghui.demo.gendata import PASSWORD, NotEmptyError, ensure_empty, generate

        if options["members"] < 1:
            raise CommandError("--members 至少为 1")
        call_command("migrate", interactive=False, verbosity=0)
        try:
            ensure_empty()
        except NotEmptyError as exc:
            raise CommandError(str(exc)) from None
        started = time.perf_counter()
        self.stdout.write(
            f"生成 {options['members']} 名会员的示范省数据（种子 {options['seed']}）→ "
            f"{connection.vendor} {connection.settings_dict['NAME']}"
        )
        result = generate(
            options["members"], seed=options["seed"], report=lambda m: self.stdout.write(m)
        )
        self.stdout.write(
            f"完成，用时 {time.perf_counter() - started:.1f} 秒：组织 {result.organizations}，"
            f"企业 {result.enterprises}，人员 {result.people}，会籍 {result.memberships}，"
            f"惠工卡 {result.cards}"
        )
        self.stdout.write(f"账号（密码 {PASSWORD}）：" + "、".join(a[0] for a in result.accounts))
