"""Backup and restore (security.md row 25): the restore drill, run through the real commands.

The drill makes records, backs up with `gonghui backup`, wrecks the database, restores with
`gonghui restore --yes` and compares every table row for row. It runs the CLI in subprocesses
against a database of its own: an SQLite file on every lane, and on the PostgreSQL lane a scratch
database as well, created and dropped here.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gonghui.core.audit.models import AuditAction, AuditEntry, AuditOutcome
from gonghui.core.ops import backup as backup_module

ROOT = Path(__file__).resolve().parent.parent.parent

# Run inside the drill's database: `make` plants records, `wreck` damages them, `snapshot`
# prints every row of every table (the audit log apart) as JSON.
DRILL_SCRIPT = r'''
import datetime, json, random, sys
import django
django.setup()
from gonghui.core.text.identifiers import make_id_number, make_uscc
from gonghui.core.audit.models import AuditEntry
from gonghui.orgs.models import Enterprise, Industry, Organization, OrgKind, Ownership
from gonghui.people import actions
from gonghui.people.models import BenefitCard, Person

command = sys.argv[1]
if command == "make":
    rng = random.Random(25)
    city = Organization.objects.add_root(instance=Organization(
        code="C", name="演练市总工会", kind=OrgKind.CITY, uscc=make_uscc(rng, prefix="81")))
    for t in range(3):
        town = Organization.objects.add_child(city, instance=Organization(
            code=f"T{t}", name=f"演练{t}镇总工会", kind=OrgKind.TOWN,
            uscc=make_uscc(rng, prefix="81")))
        union = Organization.objects.add_child(town, instance=Organization(
            code=f"T{t}-1", name=f"演练{t}机械厂工会", kind=OrgKind.GRASSROOTS,
            uscc=make_uscc(rng, prefix="81")))
        Enterprise(name=f"演练{t}机械有限公司", uscc=make_uscc(rng), industry=Industry.C,
                   ownership=Ownership.PRIVATE, employee_count=100 + t, town=town,
                   union=union).save()
        for p in range(4):
            birth = datetime.date(1980 + p, 1 + t, 10)
            person = Person(id_number=make_id_number(rng, area_code="370285", birth_date=birth,
                                                     sex="F"),
                            name=f"演练{t}-{p}", sex="F", birth_date=birth,
                            mobile=f"1391234{t}{p}00", org=union)
            person.save()
            member = actions.enrol(person=person, union=union,
                                   enrolled_on=datetime.date(2020, 1, 1))
            BenefitCard(number=f"DRILL{t}{p}", person=member.person, org=union,
                        issued_on=datetime.date(2020, 2, 1)).save()
elif command == "wreck":
    BenefitCard.objects.all().delete()
    Organization.objects.filter(kind=OrgKind.TOWN).update(name="已被改坏")
    Enterprise.objects.filter(employee_count__gt=100).delete()
    Organization.objects.add_child(Organization.objects.get(code="T0"), instance=Organization(
        code="X-1", name="冒出来的工会", kind=OrgKind.GRASSROOTS))
elif command == "snapshot":
    from django.db import connection
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            if table == AuditEntry._meta.db_table:
                continue
            cursor.execute(f'SELECT * FROM "{table}"')
            rows = [json.dumps(list(row), default=str, ensure_ascii=False)
                    for row in cursor.fetchall()]
            tables[table] = sorted(rows)
    audit = list(AuditEntry.objects.order_by("pk").values_list("action", "outcome", "username"))
    print(json.dumps({"tables": tables, "audit": audit}, default=str, ensure_ascii=False))
'''


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, cwd=ROOT, env=env, input=stdin, text=True, capture_output=True, timeout=300
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "gonghui.cli", *args], env, stdin)


def snapshot(env: dict[str, str], script: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(run([sys.executable, str(script), "snapshot"], env).stdout)
    return result


def drill(env: dict[str, str], tmp_path: Path, backup_name: str) -> Path:
    """Make, back up, wreck, restore, compare: the whole drill. Returns the backup file."""
    script = tmp_path / "drill.py"
    script.write_text(DRILL_SCRIPT, encoding="utf-8")
    env = {**env, "DJANGO_SETTINGS_MODULE": "gonghui.settings", "PYTHONPATH": str(ROOT)}
    cli(env, "manage", "migrate", "--no-input", "-v", "0")
    run([sys.executable, str(script), "make"], env)
    before = snapshot(env, script)
    assert len(before["tables"]["people_person"]) == 12
    assert len(before["tables"]["people_benefitcard"]) == 12

    target = tmp_path / backup_name
    out = cli(env, "backup", str(target)).stdout
    assert "已备份" in out
    assert target.exists()
    meta = json.loads((tmp_path / f"{backup_name}.json").read_text(encoding="utf-8"))

    run([sys.executable, str(script), "wreck"], env)
    wrecked = snapshot(env, script)
    assert wrecked["tables"] != before["tables"]  # the wreck did wreck something
    assert wrecked["tables"]["people_benefitcard"] == []

    # Without --yes it asks; anything but yes leaves the database alone.
    refused = subprocess.run(
        [sys.executable, "-m", "gonghui.cli", "restore", str(target)],
        cwd=ROOT, env=env, input="no\n", text=True, capture_output=True, timeout=300,
    )
    assert refused.returncode != 0
    assert "确定恢复吗" in refused.stdout and "已取消" in refused.stderr
    assert snapshot(env, script)["tables"] == wrecked["tables"]

    cli(env, "restore", str(target), "--yes")
    after = snapshot(env, script)
    assert after["tables"] == before["tables"]  # row for row, every table
    # The audit log is as it was at the backup, plus the backup row and the restore row... the
    # backup row is written after the copy is taken, so the restored log holds the rows before
    # it, then the restore.
    assert after["audit"][:-1] == before["audit"]
    assert after["audit"][-1] == [AuditAction.RESTORE, AuditOutcome.SUCCESS, "(命令行)"]
    assert meta["engine"] in {"sqlite", "postgresql"}
    return target


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["GONGHUI_ENV"] = "test"
    return env


def test_sqlite_restore_drill(tmp_path: Path) -> None:
    env = {
        **base_env(),
        "GONGHUI_VAR_DIR": str(tmp_path / "var"),
        "GONGHUI_SQLITE_PATH": str(tmp_path / "live.sqlite3"),
    }
    target = drill(env, tmp_path, "drill.sqlite3")
    assert target.read_bytes().startswith(b"SQLite format 3\x00")


@pytest.fixture
def scratch_postgres() -> Iterator[str]:
    """A scratch PostgreSQL database beside the test database; its URL. Dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL drill runs on the PostgreSQL lane")
    import psycopg

    params = connection.settings_dict
    name = f"gonghui_drill_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conninfo = {
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
        "user": params["USER"] or None,
        "password": params["PASSWORD"] or None,
        "dbname": "postgres",
    }
    kwargs = {k: v for k, v in conninfo.items() if v}
    with psycopg.connect(autocommit=True, **kwargs) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = params["USER"] or ""
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    host = params["HOST"] or "127.0.0.1"
    port = f":{params['PORT']}" if params["PORT"] else ""
    try:
        yield f"postgresql://{user}{password}@{host}{port}/{name}"
    finally:
        with psycopg.connect(autocommit=True, **kwargs) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_restore_drill(scratch_postgres: str, tmp_path: Path) -> None:
    env = {**base_env(), "GONGHUI_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": scratch_postgres}
    target = drill(env, tmp_path, "drill.pgdump")
    assert target.read_bytes().startswith(b"PGDMP")


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_pg_tools_get_the_password_from_the_environment(settings: Any, monkeypatch: Any) -> None:
    settings.DATABASES = {  # only read by the code under test: nothing connects
        "default": {
            "ENGINE": "django.db.backends.postgresql", "NAME": "gonghui", "USER": "gh",
            "PASSWORD": "s3cret-pass", "HOST": "db.internal", "PORT": "5433", "OPTIONS": {},
        }
    }
    calls: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(args: list[str], env: dict[str, str], **kwargs: Any) -> Any:
        calls.append((args, env))
        Path(args[-1].removeprefix("--file=")).write_bytes(b"PGDMP fake")
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(backup_module.subprocess, "run", fake_run)
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: f"/usr/bin/{name}")
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"gh-{uuid.uuid4().hex}.pgdump"
    try:
        backup_module.backup(tmp)
    finally:
        tmp.unlink(missing_ok=True)
        backup_module.sidecar(tmp).unlink(missing_ok=True)
    args, env = calls[0]
    assert "--format=custom" in args
    assert not any("s3cret-pass" in arg or "db.internal" in arg for arg in args)
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"], env["PGDATABASE"]) == (
        "db.internal", "5433", "gh", "s3cret-pass", "gonghui"
    )


def _other_engine_file(path: Path) -> Path:
    """A backup of the engine the test database is not."""
    if connection.vendor == "postgresql":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE t (x)")
        db.close()
    else:
        path.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    return path


def _own_engine_file(path: Path) -> Path:
    if connection.vendor == "postgresql":
        path.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    else:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE t (x)")
        db.close()
    return path


@pytest.mark.django_db
def test_restore_refuses_a_backup_of_the_other_engine(tmp_path: Path, monkeypatch: Any) -> None:
    called: list[Path] = []
    monkeypatch.setattr(backup_module, "restore", lambda path: called.append(path))
    path = _other_engine_file(tmp_path / "other.bak")
    with pytest.raises(CommandError, match="不同数据库引擎的备份不能互相恢复"):
        call_command("restore", str(path), "--yes")
    assert called == []


@pytest.mark.django_db
def test_restore_refuses_what_is_no_backup_or_was_altered(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a backup at all")
    with pytest.raises(CommandError, match="不是 Gonghui 的备份文件"):
        call_command("restore", str(junk), "--yes")
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "missing.bak"), "--yes")
    altered = _own_engine_file(tmp_path / "altered.bak")
    backup_module.sidecar(altered).write_text(
        json.dumps({"engine": backup_module.current_engine(), "sha256": "0" * 64})
    )
    with pytest.raises(CommandError, match="校验值"):
        call_command("restore", str(altered), "--yes")


@pytest.mark.django_db
def test_restore_asks_first(tmp_path: Path, monkeypatch: Any) -> None:
    import io

    from gonghui.core.management.commands import restore as restore_command

    called: list[Path] = []
    monkeypatch.setattr(restore_command, "restore", lambda path: called.append(path))
    path = _own_engine_file(tmp_path / "own.bak")
    monkeypatch.setattr(sys, "stdin", io.StringIO("no\n"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(path), stdout=out)
    assert "确定恢复吗" in out.getvalue()
    assert called == []
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))
    call_command("restore", str(path), stdout=io.StringIO())
    assert called == [path.resolve()]
    entry = AuditEntry.objects.get(action=AuditAction.RESTORE)
    assert entry.changes["path"] == str(path.resolve())


@pytest.mark.django_db(transaction=True)
def test_backup_is_audited_and_never_overwrites(tmp_path: Path) -> None:
    import io

    target = tmp_path / "b.bak"
    call_command("backup", str(target), stdout=io.StringIO())
    entry = AuditEntry.objects.get(action=AuditAction.BACKUP)
    assert entry.outcome == AuditOutcome.SUCCESS
    assert entry.username == "(命令行)"
    meta = json.loads(backup_module.sidecar(target).read_text(encoding="utf-8"))
    assert meta["engine"] == backup_module.current_engine()
    assert backup_module.file_engine(target) == meta["engine"]
    assert entry.changes["sha256"] == meta["sha256"]
    before = target.read_bytes()
    with pytest.raises(CommandError, match="已存在"):
        call_command("backup", str(target), stdout=io.StringIO())
    assert target.read_bytes() == before
    assert AuditEntry.objects.filter(
        action=AuditAction.BACKUP, outcome=AuditOutcome.FAILURE
    ).count() == 1


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("migrated")
    path = base / "template.sqlite3"
    env = {**base_env(), "GONGHUI_VAR_DIR": str(base / "var"), "GONGHUI_SQLITE_PATH": str(path)}
    cli(env, "manage", "migrate", "--no-input", "-v", "0")
    return path


def test_sqlite_backup_while_the_server_writes_is_consistent(
    migrated_sqlite: Path, tmp_path: Path
) -> None:
    live = tmp_path / "live.sqlite3"
    shutil.copy(migrated_sqlite, live)
    setup = sqlite3.connect(live)
    setup.execute("PRAGMA journal_mode=WAL")
    # No automatic checkpoint: recent commits stay in the -wal file, as on a busy server, so
    # a plain copy of the main file would miss them.
    setup.execute("CREATE TABLE drill_ledger (id INTEGER PRIMARY KEY, batch INTEGER)")
    setup.execute("CREATE TABLE drill_total (n INTEGER)")
    setup.execute("INSERT INTO drill_total VALUES (0)")
    setup.commit()
    setup.close()

    stop = threading.Event()
    commits = [0]

    def writer() -> None:
        db = sqlite3.connect(live, isolation_level=None, timeout=30)
        db.execute("PRAGMA wal_autocheckpoint=0")
        while not stop.is_set():
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO drill_ledger (batch) VALUES (?)", [(commits[0],)] * 50
            )
            db.execute("UPDATE drill_total SET n = n + 50")
            db.execute("COMMIT")
            commits[0] += 1
            time.sleep(0.002)  # a server pauses between requests; SQLite's lock is not fair
        db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while commits[0] < 20:
            time.sleep(0.01)
        committed_before = commits[0]
        env = {**base_env(), "GONGHUI_VAR_DIR": str(tmp_path / "var"),
               "GONGHUI_SQLITE_PATH": str(live)}
        cli(env, "backup", str(tmp_path / "hot.sqlite3"))
        committed_after = commits[0]
    finally:
        stop.set()
        thread.join()
    assert committed_after > committed_before  # the server kept writing during the backup

    copy = sqlite3.connect(tmp_path / "hot.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = copy.execute("SELECT count(*) FROM drill_ledger").fetchone()[0]
    total = copy.execute("SELECT n FROM drill_total").fetchone()[0]
    batches = copy.execute("SELECT count(DISTINCT batch) FROM drill_ledger").fetchone()[0]
    copy.close()
    assert rows == total  # one moment: never half a transaction
    assert rows % 50 == 0
    assert batches >= committed_before  # everything committed before the backup is in it
