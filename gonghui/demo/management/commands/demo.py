"""`gonghui demo`: build the demo federation once, and on every run say how to get in.

While it builds, one line per step goes to stderr (what the step made, and how long it took);
on every run, the first and every later one alike, the accounts and the working link are printed
to stdout, so that `make demo` always ends with what a user needs to sign in.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from gonghui.accounts.actions import create_user
from gonghui.accounts.models import User
from gonghui.accounts.roles import Role, role_label
from gonghui.core.ops.models import SiteMarker
from gonghui.core.ops.production import mark_demo
from gonghui.orgs.models import Organization
from gonghui.reports.periods import Period

# The half-year the demo's records are shaped after (the seed review's).
DEMO_PERIOD = "2018H1"
# Where `make demo` serves the demo (Makefile: gonghui serve --host 127.0.0.1 --port 8000).
DEMO_URL = "http://127.0.0.1:8000/"
# The page the printed link opens: the half-year's review, which every printed account that sees
# records may open (no organisation in it: it opens on the account's own).
DEMO_LINK = f"{DEMO_URL}reviews/?period={DEMO_PERIOD}"


def demo_accounts() -> list[User]:
    """The demo's accounts, in the order printed: those that sign in with the password alone
    first (a town cadre, then the chair of a union in that town, town by town), then those that
    must first enrol a second factor (the city administrator, the security administrator) and
    the auditor, who reads no records."""
    marker = SiteMarker.objects.filter(key=SiteMarker.DEMO).first()
    names = marker.value.get("accounts", []) if marker is not None else []
    users = list(User.objects.filter(username__in=names).select_related("org"))

    def order(user: User) -> tuple[bool, bool, str, str]:
        return (user.requires_second_factor, not user.sees_records,
                user.org.path if user.org else "", user.username)

    return sorted(users, key=order)


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
        from gonghui.demo.federation import DEMO_PASSWORD

        if settings.IS_PRODUCTION:
            raise CommandError("演示数据不能建在生产配置上（GONGHUI_ENV=production）。")
        if options["reset"]:
            self._reset()
        call_command("migrate", interactive=False, verbosity=0)
        if Organization.objects.exists():
            self.stdout.write("演示数据库已存在，不再重建（用 --reset 重建）。")
            self._compile_review(only_missing=True)
        else:
            self._build(options["seed"])
            self._compile_review(only_missing=False)
        self._print_accounts(DEMO_PASSWORD)

    def _progress(self, line: str) -> None:
        # stderr, unstyled: the lines are progress, not errors; flushed at once so that a
        # terminal shows each step as it ends.
        self.stderr.write(line, style_func=lambda text: text)
        self.stderr.flush()

    def _build(self, seed: int) -> None:
        from gonghui.demo.federation import DEMO_PASSWORD, build_demo

        began = time.monotonic()
        self._progress("正在生成演示联合会（每步一行）……")
        result = build_demo(seed=seed, progress=self._progress)
        # The security administrator of the three duties (the demo's city admin is the system
        # administrator and `auditor` the auditor); made here beside the roll's accounts.
        root = Organization.objects.get_first_root_node()
        create_user(
            username="security", org=root, roles=[Role.SECURITY_ADMIN], password=DEMO_PASSWORD
        )
        mark_demo([account.username for account in result.accounts] + ["security"])
        self._progress(f"完成，共用 {time.monotonic() - began:.1f} 秒。")
        self.stdout.write(
            f"已生成：组织 {result.organizations} 个，企业 {result.enterprises} 家，"
            f"会员 {result.members} 名（经导入引擎载入），惠工卡 {result.cards} 张；"
            f"其中2018年上半年新建工会 {result.founded} 个；"
            f"换届记录 {result.elections} 条（经导入引擎载入），职工之家 {result.homes} 个。"
        )

    def _print_accounts(self, password: str) -> None:
        accounts = demo_accounts()
        self.stdout.write(f"\n演示账号（密码均为 {password}）：")
        for user in accounts:
            roles = "、".join(role_label(code) for code in sorted(user.role_codes))
            org = user.org.code if user.org else ""
            self.stdout.write(f"  {user.username:<10} {org:<10} {roles}")
        self.stdout.write(
            "\n市总管理员（admin）和安全管理员（security）首次登录时须绑定身份验证器（双因素认证）。"
        )
        if accounts:
            self.stdout.write(
                f"\n打开 {DEMO_URL} ，用 {accounts[0].username} / {password} 登录，"
                f"再打开 {DEMO_LINK}"
            )

    def _compile_review(self, *, only_missing: bool) -> None:
        """The demo's main job: the city federation's review of the first half of 2018,
        compiled from the records just built, in every format, under var/reviews/
        (on a later run, only the formats whose file is missing)."""
        root = Organization.objects.get_first_root_node()
        if root is None:
            return
        folder = Path(settings.VAR_DIR) / "reviews"
        folder.mkdir(parents=True, exist_ok=True)
        targets = [folder / f"{root.code}-{DEMO_PERIOD}.{fmt}"
                   for fmt in ("html", "docx", "xlsx", "json")]
        if only_missing:
            targets = [target for target in targets if not target.exists()]
            if not targets:
                self.stdout.write(f"工作回顾已在 {folder}。")
                return
        self.stdout.write(f"\n{Period.parse(DEMO_PERIOD).label}工作回顾（由记录汇编）：")
        for target in targets:
            began = time.monotonic()
            call_command("report", org=root.code, period=DEMO_PERIOD, fmt=target.suffix[1:],
                         output=target, stderr=self.stdout)
            self._progress(f"工作回顾 {target.suffix[1:]}（{time.monotonic() - began:.1f} 秒）")

    def _reset(self) -> None:
        db = settings.DATABASES["default"]
        if str(db["ENGINE"]).endswith("sqlite3"):
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db['NAME']}{suffix}").unlink(missing_ok=True)
        else:
            call_command("flush", interactive=False, verbosity=0)

