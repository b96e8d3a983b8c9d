from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gonghui.core.imports.engine import run_import
from gonghui.core.imports.spec import ImportRejected
from gonghui.core.ops.operator import acting_user
from gonghui.core.records.registry import registry


def importable() -> list[str]:
    return [r.slug for r in registry if r.import_spec is not None]


class Command(BaseCommand):
    help = "Import an Excel (.xlsx/.xls) or CSV file: gonghui import TYPE FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("type", help="record type: " + ", ".join(importable()))
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username",
                            help="import with this account's subtree and rights "
                                 "(default: the whole tree, as the server's operator)")
        parser.add_argument("--all-or-nothing", action="store_true",
                            help="write nothing unless every row is valid")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["type"]
        if slug not in importable():
            raise CommandError(f"不能导入“{slug}”；可导入：{', '.join(importable())}")
        record = registry[slug]
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        user = acting_user(options["username"], record.perm("add"))

        def progress(phase: str, done: int, total: int) -> None:
            if phase == "import" and total:
                self.stderr.write(f"\r已处理 {done}/{total} 行", ending="")

        try:
            result = run_import(
                record.import_spec, path, user=user,  # type: ignore[arg-type]
                all_or_nothing=options["all_or_nothing"], progress=progress,
            )
        except ImportRejected as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write("")
        for warning in result.warnings[:50]:
            self.stdout.write(f"提示：{warning}")
        if len(result.warnings) > 50:
            self.stdout.write(f"提示：另有 {len(result.warnings) - 50} 条提示未显示")
        self.stdout.write(f"{result.summary()}（用时 {result.seconds:.1f} 秒）")
        if result.error_workbook is not None:
            self.stdout.write(f"错误明细已写入：{result.error_workbook}")
        if result.rejected:
            sys.exit(1)
