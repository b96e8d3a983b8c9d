"""The `gonghui` command as an operator uses it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gonghui.accounts.models import User
from gonghui.activities.models import Activity
from gonghui.care.models.hardship import CareStandard, HardshipFile, ReliefBatch
from gonghui.care.models.insurance import InsuranceClaim, InsuranceEnrolment
from gonghui.care.models.welfare import EntrepreneurBase, EntrepreneurLeader, NursingRoom
from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.demo.federation import BuildingPlan, build_demo
from gonghui.orgs.models import Election, Enterprise, Organization, OrgKind, WorkersHome
from gonghui.people.models import BenefitCard, Membership, Person

# The seed's 2018H1 at a tenth of its size: the demo's shape is tested in tests/orgs/test_demo.py.
SMALL_PLAN = BuildingPlan(founded=3, enrolled=60, elections=5, homes=2, overdue=2)

ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gonghui.cli", *args],
        cwd=ROOT,
        input=stdin,
        text=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("demo", "serve", "user", "manage"):
        assert f"  {command}" in result.stdout


def test_unknown_command_is_an_error():
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "未知命令" in result.stderr


def test_each_command_has_help():
    for command in ("demo", "serve", "user"):
        result = run_cli(command, "--help")
        assert result.returncode == 0, result.stderr
        assert "usage" in result.stdout.lower()


@pytest.mark.django_db
def test_user_create_with_password_from_stdin(federation, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Strong-Pass-2026\n"))
    out = io.StringIO()
    call_command(
        "user",
        "create",
        "li.na",
        "--org",
        "A",
        "--role",
        "town_cadre",
        "--password-stdin",
        stdout=out,
    )
    user = User.objects.get(username="li.na")
    assert user.org == federation.town_a
    assert user.check_password("Strong-Pass-2026")
    assert user.role_codes == {"town_cadre"}
    assert "已创建用户" in out.getvalue()
    assert AuditEntry.objects.filter(
        action=AuditAction.ROLE_CHANGE, object_id=str(user.pk)
    ).exists()


@pytest.mark.django_db
def test_user_create_refuses_a_weak_password_and_an_unknown_org(federation, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError, match="密码不符合要求"):
        call_command(
            "user", "create", "weak", "--org", "A", "--role", "town_cadre", "--password-stdin"
        )
    with pytest.raises(CommandError, match="不存在"):
        call_command("user", "create", "lost", "--org", "NOPE", "--role", "town_cadre")
    assert not User.objects.filter(username__in=["weak", "lost"]).exists()


@pytest.mark.django_db
def test_demo_federation_is_shaped_like_the_seed_and_deterministic():
    result = build_demo(seed=5, unions_per_town=6, members_per_union=8, plan=SMALL_PLAN)
    towns = Organization.objects.filter(kind=OrgKind.TOWN)
    assert towns.count() == 13  # 12 towns and streets, and the development zone
    assert Organization.objects.filter(kind=OrgKind.CITY).count() == 1
    unions = Organization.objects.filter(kind__in=[OrgKind.GRASSROOTS, OrgKind.JOINT])
    assert unions.count() == result.organizations - 14
    assert Enterprise.objects.filter(is_key=True).filter(name__contains="北汽新能源").exists()
    assert Enterprise.objects.filter(union__isnull=True).exists()  # ground for founding unions
    assert {a.role for a in result.accounts} == {
        "city_admin",
        "auditor",
        "town_cadre",
        "grassroots_chair",
    }
    # The roll came through the import engine, every generated row valid: one active
    # membership per person, in a union.
    assert result.members > 0
    assert Membership.objects.filter(status="active").count() == result.members
    assert Person.objects.count() == result.members
    assert not Membership.objects.exclude(org__kind__in=["grassroots", "joint"]).exists()
    cards = BenefitCard.objects.select_related("org", "person")
    assert cards.count() == result.cards > 0
    assert all(c.org.kind == "town" and c.person.org_path.startswith(c.org.path) for c in cards)
    first = sorted(Organization.objects.values_list("code", "name"))
    second_names = sorted(Person.objects.values_list("id_number", flat=True))
    # Records that name people, unions or enterprises first (they protect them).
    for model in (Activity, NursingRoom, EntrepreneurLeader, EntrepreneurBase, InsuranceClaim,
                  InsuranceEnrolment, ReliefBatch, HardshipFile, CareStandard):
        model.objects.all().delete()
    BenefitCard.objects.all().delete()
    Election.objects.all().delete()
    WorkersHome.objects.all().delete()
    Membership.objects.all().delete()
    Person.objects.all().delete()
    Enterprise.objects.all().delete()
    # The accounts have acted (the care demo's clerks and approvers), and deleting them would
    # update their audit rows, which PostgreSQL's append-only trigger refuses: lifted for the
    # emptying only (inside the test's transaction, which rolls it all back).
    from django.db import connection

    pg = connection.vendor == "postgresql"
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    User.objects.all().delete()
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    Organization.objects.all().delete()
    build_demo(seed=5, unions_per_town=6, members_per_union=8, plan=SMALL_PLAN)
    assert sorted(Organization.objects.values_list("code", "name")) == first
    assert sorted(Person.objects.values_list("id_number", flat=True)) == second_names


def test_demo_refuses_a_production_configuration(tmp_path):
    result = run_cli(
        "demo",
        env={
            "GONGHUI_ENV": "production",
            "GONGHUI_SECRET_KEY": "x" * 50,
            "GONGHUI_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode != 0
    assert "生产配置" in result.stderr


def test_production_without_a_secret_key_fails_loudly(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "GONGHUI_SECRET_KEY"}
    env.update({"GONGHUI_ENV": "production", "GONGHUI_VAR_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-m", "gonghui.cli", "manage", "check"],
        cwd=ROOT,
        text=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert result.returncode != 0
    assert "GONGHUI_SECRET_KEY" in result.stderr


def test_database_url_option_is_read_before_settings(monkeypatch):
    from gonghui.cli import _database_url_first

    # Set before deleting, so that monkeypatch records them and teardown removes what the
    # calls below write into os.environ (a later subprocess would inherit it).
    for name in ("DATABASE_URL", "GONGHUI_SQLITE_PATH"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    _database_url_first(["gen-data", "--members", "5", "--database-url",
                         "sqlite:////tmp/x/bench.sqlite3"])
    assert os.environ["GONGHUI_SQLITE_PATH"] == "/tmp/x/bench.sqlite3"
    assert "DATABASE_URL" not in os.environ
    _database_url_first(["gen-data", "--database-url=postgresql://u@h:5432/db"])
    assert os.environ["DATABASE_URL"] == "postgresql://u@h:5432/db"


def test_gen_data_is_listed_and_refuses_a_bad_size():
    result = run_cli("--help")
    assert "gen-data" in result.stdout
    result = run_cli("gen-data", "--members", "0", env={"GONGHUI_ENV": "test"})
    assert result.returncode != 0
    assert "--members 至少为 1" in result.stderr
