from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from gonghui.orgs.models import Organization


class Command(BaseCommand):
    help = "Build the demo federation (a city federation shaped like Laixi's) and exit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="throw the existing database away and build it anew",
        )
        parser.add_argument("--seed", type=int, default=2018, help="random seed (default 2018)")

    def handle(self, *args: Any, **options: Any) -> None:
        from gonghui.orgs.demo import DEMO_PASSWORD, build_demo

        if settings.IS_PRODUCTION:
            raise CommandError("演示数据不能建在生产配置上（GONGHUI_ENV=production）。")
        if options["reset"]:
            self._reset()
        call_command("migrate", interactive=False, verbosity=0)
        if Organization.objects.exists():
            self.stdout.write("演示数据库已存在（用 --reset 重建）。")
            return
        self.stdout.write("正在生成演示联合会……")
        result = build_demo(seed=options["seed"])
        self.stdout.write(
            f"已生成：组织 {result.organizations} 个，企业 {result.enterprises} 家，"
            f"会员 {result.members} 名（经导入引擎载入），惠工卡 {result.cards} 张；"
            f"其中2018年上半年新建工会 {result.founded} 个；"
            f"换届记录 {result.elections} 条（经导入引擎载入），职工之家 {result.homes} 个。\n\n"
            f"演示账号（密码均为 {DEMO_PASSWORD}）："
        )
        for account in result.accounts:
            self.stdout.write(f"  {account.username:<10} {account.role:<18} {account.org}")

    def _reset(self) -> None:
        db = settings.DATABASES["default"]
        if str(db["ENGINE"]).endswith("sqlite3"):
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db['NAME']}{suffix}").unlink(missing_ok=True)
        else:
            call_command("flush", interactive=False, verbosity=0)
