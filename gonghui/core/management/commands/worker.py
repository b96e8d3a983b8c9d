from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run background work (Excel imports) from the database queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true",
                            help="process what is queued, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        extra = ["--batch", "--no-startup-delay"] if options["batch"] else []
        call_command("db_worker", *extra, interval=1.0)
