from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
from gonghui.core.ops.backup import BackupError, check, restore

CONSOLE = "(命令行)"


class Command(BaseCommand):
    help = "Restore the whole database from a backup made by `gonghui backup` (asks first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a backup file written by `gonghui backup`")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (for scripts)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            info = check(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        database = settings.DATABASES["default"]["NAME"]
        if not options["yes"]:
            question = (
                f"将用备份 {info.path} 替换数据库 {database} 中的全部数据，"
                "此后录入的内容都会丢失。\n请先停止服务。确定恢复吗？输入 yes 继续："
            )
            self.stdout.write(question, ending="")
            self.stdout.flush()
            answer = sys.stdin.readline().strip().lower() if sys.stdin else ""
            if answer not in {"yes", "y", "是"}:
                raise CommandError("已取消，数据库未改动。")
        try:
            restore(info.path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        # Written after the restore, into the restored database: a row written before it would
        # have been replaced with everything else.
        audit.record(
            AuditAction.RESTORE,
            username=CONSOLE,
            object_type="database",
            changes={"path": str(info.path), "engine": info.engine, "size": info.size,
                     "sha256": info.sha256},
        )
        self.stdout.write(f"已从 {info.path} 恢复数据库 {database}。")
