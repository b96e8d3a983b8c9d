from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction, AuditEntry

# security.md row 15: the audit log is kept at least this long. The PostgreSQL trigger
# (core migration 0008) enforces the same floor whatever this command is asked.
MIN_RETENTION_DAYS = 180


def prune(older_than_days: int) -> int:
    """Delete audit rows older than the given number of days (never fewer than 180)."""
    if older_than_days < MIN_RETENTION_DAYS:
        raise CommandError(
            f"审计日志至少保留 {MIN_RETENTION_DAYS} 天，--older-than 不能小于 "
            f"{MIN_RETENTION_DAYS}（收到 {older_than_days}）"
        )
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The trigger lets a DELETE through only with this set, for this transaction.
                cursor.execute("SET LOCAL gonghui.retention = 'on'")
            # Raw SQL on purpose: the ORM refuses every delete of an audit row.
            cursor.execute(f"DELETE FROM {table} WHERE at < %s", [cutoff])
            deleted = cursor.rowcount
            if connection.vendor == "postgresql":
                # SET LOCAL outlives a released savepoint: when called inside a larger
                # transaction, switch it off again at once.
                cursor.execute("SET LOCAL gonghui.retention = 'off'")
        audit.record(
            AuditAction.AUDIT_PRUNE,
            username="(命令行)",
            object_type=AuditEntry._meta.label_lower,
            changes={"older_than_days": older_than_days, "before": cutoff.isoformat(),
                     "deleted": deleted},
        )
    return int(deleted)


class Command(BaseCommand):
    help = "Delete audit rows older than DAYS, never fewer than 180: audit-prune --older-than DAYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than", type=int, required=True, metavar="DAYS",
            help=f"delete rows older than this many days (at least {MIN_RETENTION_DAYS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = prune(options["older_than"])
        self.stdout.write(f"已删除 {deleted} 条超过 {options['older_than']} 天的审计日志。")
