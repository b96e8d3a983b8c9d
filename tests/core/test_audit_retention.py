"""security.md row 15: the audit table is append-only (at the ORM, and on PostgreSQL at the
database itself) and kept at least 180 days; `gonghui audit-prune` is the only way rows leave."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.management import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from gonghui import cli
from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.core.management.commands.audit_prune import prune

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


def old_row(days: int, note: str) -> int:
    """An audit row written `days` ago (straight SQL: `at` is set on insert by the ORM)."""
    at = timezone.now() - datetime.timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditentry (at, username, action, object_type, object_id, "
            "outcome, changes) VALUES (%s, %s, %s, '', '', 'success', %s)",
            [at, note, AuditAction.LOGIN, "{}"],
        )
    return AuditEntry.objects.get(username=note).pk


def test_prune_refuses_fewer_than_180_days() -> None:
    keep = old_row(400, "ancient")
    for days in (0, 30, 179):
        with pytest.raises(CommandError, match="至少保留 180 天"):
            prune(days)
    assert AuditEntry.objects.filter(pk=keep).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.AUDIT_PRUNE).exists()


def test_prune_deletes_only_rows_older_than_asked_and_audits_itself() -> None:
    ancient, old, recent = old_row(400, "ancient"), old_row(200, "old"), old_row(179, "recent")
    AuditEntry.objects.create(action=AuditAction.LOGIN, username="today")
    assert prune(365) == 1
    assert not AuditEntry.objects.filter(pk=ancient).exists()
    assert AuditEntry.objects.filter(pk__in=[old, recent]).count() == 2
    assert prune(180) == 1
    assert not AuditEntry.objects.filter(pk=old).exists()
    assert AuditEntry.objects.filter(pk=recent).exists()
    assert AuditEntry.objects.filter(username="today").exists()
    rows = AuditEntry.objects.filter(action=AuditAction.AUDIT_PRUNE).order_by("id")
    assert [r.changes["deleted"] for r in rows] == [1, 1]
    assert [r.changes["older_than_days"] for r in rows] == [365, 180]


def test_the_command_through_the_gonghui_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    old_row(500, "ancient")
    # A command run from the command line closes the connections when it ends; here that
    # connection holds the test's transaction, so it is kept open.
    keep_open = mock.patch.object(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as refused, keep_open:
        cli.main(["audit-prune", "--older-than", "90"])
    assert refused.value.code == 1
    assert "180" in capsys.readouterr().err
    with keep_open:
        cli.main(["audit-prune", "--older-than", "180"])
    assert "已删除 1 条" in capsys.readouterr().out
    assert "audit-prune" in cli._usage()


def run(*statements: tuple[str, list[object]]) -> None:
    """Execute statements in one savepoint (rolled back if the database refuses one)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


RETENTION_ON = ("SET LOCAL gonghui.retention = 'on'", [])
RETENTION_OFF = ("SET LOCAL gonghui.retention = 'off'", [])


def delete(pk: int) -> tuple[str, list[object]]:
    return ("DELETE FROM core_auditentry WHERE id = %s", [pk])


def rename(pk: int) -> tuple[str, list[object]]:
    return ("UPDATE core_auditentry SET username = 'mallory' WHERE id = %s", [pk])


@on_postgresql
def test_the_database_refuses_updates_and_deletes_of_audit_rows() -> None:
    entry = AuditEntry.objects.create(action=AuditAction.LOGIN, username="alice")
    ancient = old_row(400, "ancient")
    # An old row still needs the retention command's setting to be deleted.
    for statement in (rename(entry.pk), rename(ancient), delete(entry.pk), delete(ancient)):
        with pytest.raises(DatabaseError, match="审计日志只能追加"):
            run(statement)
    assert AuditEntry.objects.get(pk=entry.pk).username == "alice"
    assert AuditEntry.objects.filter(pk=ancient).exists()


@on_postgresql
def test_the_retention_setting_lets_only_old_rows_go() -> None:
    young, ancient = old_row(100, "young"), old_row(400, "ancient")
    with pytest.raises(DatabaseError, match="审计日志只能追加"):
        run(RETENTION_ON, delete(young))
    with pytest.raises(DatabaseError, match="审计日志只能追加"):
        run(RETENTION_ON, rename(ancient))
    run(RETENTION_ON, delete(ancient), RETENTION_OFF)
    assert not AuditEntry.objects.filter(pk=ancient).exists()
    assert AuditEntry.objects.filter(pk=young).exists()
    # With the setting off again, an old row is refused again; and the prune command, which
    # runs inside this test's transaction here, leaves it off behind it too.
    with pytest.raises(DatabaseError):
        run(delete(old_row(400, "other")))
    assert prune(180) == 1
    with pytest.raises(DatabaseError):
        run(delete(old_row(400, "last")))
