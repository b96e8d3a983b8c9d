from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gonghui.core.records.registry import registry


class Command(BaseCommand):
    help = "Write the Excel import template of a record type: gonghui template TYPE OUT.xlsx."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("type")
        parser.add_argument("output", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        from gonghui.core.imports.workbooks import write_template

        slugs = [r.slug for r in registry if r.import_spec is not None]
        if options["type"] not in slugs:
            raise CommandError(f"没有“{options['type']}”的导入模板；可选：{', '.join(slugs)}")
        write_template(options["output"], registry[options["type"]].import_spec)  # type: ignore[arg-type]
        self.stdout.write(f"模板已写入：{options['output']}")
