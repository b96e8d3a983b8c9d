from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from gonghui.accounts.actions import create_user
from gonghui.accounts.roles import Role
from gonghui.core.ops.production import mark_demo
from gonghui.orgs.models import Organization
from gonghui.reports.periods import Period

# The half-year the demo's records are shaped after (the seed review's).
DEMO_PERIOD = "2018H1"


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
        from gonghui.demo.federation import DEMO_PASSWORD, build_demo

        if settings.IS_PRODUCTION:
            raise CommandError("演示数据不能建在生产配置上（GONGHUI_ENV=production）。")
        if options["reset"]:
            self._reset()
        call_command("migrate", interactive=False, verbosity=0)
        if Organization.objects.exists():
            self.stdout.write("演示数据库已存在（用 --reset 重建）。")
            self._compile_review()
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
        # The security administrator of the three duties (the demo's city admin is the system
        # administrator and `auditor` the auditor); made here beside the roll's accounts.
        root = Organization.objects.get_first_root_node()
        security = create_user(
            username="security", org=root, roles=[Role.SECURITY_ADMIN], password=DEMO_PASSWORD
        )
        accounts = [(a.username, a.role, a.org) for a in result.accounts]
        accounts.append((security.username, Role.SECURITY_ADMIN.value, root.code if root else ""))
        mark_demo([username for username, _role, _org in accounts])
        for username, role, org in accounts:
            self.stdout.write(f"  {username:<10} {role:<18} {org}")
        self.stdout.write(
            "\n市总管理员（admin）和安全管理员（security）首次登录时须绑定身份验证器（双因素认证）。"
        )
        self._compile_review()

    def _compile_review(self) -> None:
        """The demo's main job: the city federation's review of the first half of 2018,
        compiled from the records just built, in every format, under var/reviews/."""
        root = Organization.objects.get_first_root_node()
        if root is None:
            return
        folder = Path(settings.VAR_DIR) / "reviews"
        folder.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"\n{Period.parse(DEMO_PERIOD).label}工作回顾（由记录汇编）：")
        for fmt in ("html", "docx", "xlsx", "json"):
            target = folder / f"{root.code}-{DEMO_PERIOD}.{fmt}"
            call_command("report", org=root.code, period=DEMO_PERIOD, fmt=fmt, output=target,
                         stderr=self.stdout)
        self.stdout.write(
            f"网页版：登录后打开 /reviews/?org={root.code}&period={DEMO_PERIOD}"
        )

    def _reset(self) -> None:
        db = settings.DATABASES["default"]
        if str(db["ENGINE"]).endswith("sqlite3"):
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db['NAME']}{suffix}").unlink(missing_ok=True)
        else:
            call_command("flush", interactive=False, verbosity=0)
