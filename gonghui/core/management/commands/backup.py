from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction, AuditOutcome
from gonghui.core.ops.backup import BackupError, backup, current_engine

CONSOLE = "(命令行)"


class Command(BaseCommand):
    help = "Back up the whole database to PATH (SQLite online backup, or pg_dump on PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the backup file to write (never overwritten)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            info = backup(path)
        except BackupError as error:
            audit.record(
                AuditAction.BACKUP,
                username=CONSOLE,
                object_type="database",
                outcome=AuditOutcome.FAILURE,
                changes={"path": str(path), "engine": _engine()},
            )
            raise CommandError(str(error)) from error
        audit.record(
            AuditAction.BACKUP,
            username=CONSOLE,
            object_type="database",
            changes={"path": str(info.path), "engine": info.engine, "size": info.size,
                     "sha256": info.sha256},
        )
        self.stdout.write(
            f"已备份到 {info.path}（{info.size} 字节，SHA-256 {info.sha256[:16]}…）；"
            f"说明文件 {info.path.name}.json 在同一目录。"
            "请把两个文件一起复制到另一台机器或介质上保存。"
        )


def _engine() -> str:
    try:
        return current_engine()
    except BackupError:
        return ""
