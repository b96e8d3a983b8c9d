"""A federation's first day, from an empty database through the command line alone.

No demo, no fixture: migrate, write the org template, fill it with the federation's own tree
(its root row makes the root), import it, create the first administrator, and log in.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command

from gonghui.orgs.models import Organization, OrgKind

ROOT = Path(__file__).resolve().parent.parent
ROWS = [
    ["组织编码", "组织名称", "组织类型", "上级组织编码"],
    ["QD", "青岛市总工会", "市总工会", ""],
    ["QD01", "市南区总工会", "镇街总工会", "QD"],
    ["QD0101", "青岛某某机械有限公司工会", "基层工会", "QD01"],
]
PASSWORD = "a-long-Passphrase-2026"


def write_orgs(path: Path, rows: list[list[str]]) -> Path:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = book.add_worksheet("组织")
    for index, row in enumerate(rows):
        sheet.write_row(index, 0, row)
    book.close()
    return path


def gonghui(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gonghui.cli", *args], cwd=ROOT, input=stdin, text=True,
        capture_output=True, env=env, timeout=180,
    )


def test_an_empty_database_starts_from_its_own_org_workbook_through_the_cli(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"GONGHUI_ENV": "production", "GONGHUI_SECRET_KEY": "s" * 60,
                "GONGHUI_VAR_DIR": str(tmp_path / "var")})
    assert gonghui("manage", "migrate", "-v0", env=env).returncode == 0
    template = tmp_path / "组织模板.xlsx"
    assert gonghui("template", "orgs", str(template), env=env).returncode == 0
    book = write_orgs(tmp_path / "我们的组织.xlsx", ROWS)

    imported = gonghui("import", "orgs", str(book), env=env)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "新增 3 行" in imported.stdout and "拒绝 0 行" in imported.stdout

    created = gonghui("user", "create", "wang.admin", "--org", "QD", "--role", "city_admin",
                      "--name", "王敏", "--password-stdin", env=env, stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    assert "已创建用户 wang.admin：青岛市总工会" in created.stdout

    checked = gonghui("manage", "shell", "-c", (
        "from gonghui.accounts.models import User;"
        "u = User.objects.get(username='wang.admin');"
        f"print(u.org.code, u.org.is_root(), u.check_password('{PASSWORD}'))"
    ), env=env)
    assert checked.stdout.splitlines()[-1].split() == ["QD", "True", "True"], checked.stderr

    # A second root is refused once the federation exists.
    again = gonghui("import", "orgs", str(write_orgs(tmp_path / "second.xlsx", [
        ROWS[0], ["YT", "烟台市总工会", "市总工会", ""]])), env=env)
    assert again.returncode == 1
    assert "拒绝 1 行" in again.stdout


@pytest.mark.django_db
def test_the_first_import_on_this_lanes_database_creates_the_root(tmp_path):
    """The same path in-process, so it runs on SQLite and on PostgreSQL."""
    assert not Organization.objects.exists()
    out = io.StringIO()
    call_command("import", "orgs", str(write_orgs(tmp_path / "orgs.xlsx", ROWS)), stdout=out,
                 stderr=io.StringIO())
    assert "新增 3 行" in out.getvalue()
    root = Organization.objects.get(code="QD")
    assert root.is_root() and root.kind == OrgKind.CITY
    union = Organization.objects.get(code="QD0101")
    assert union.path.startswith(Organization.objects.get(code="QD01").path)
    call_command("user", "create", "wang.admin", "--org", "QD", "--role", "city_admin",
                 stdout=io.StringIO())
    from gonghui.accounts.models import User

    user = User.objects.get(username="wang.admin")
    user.set_password(PASSWORD)
    user.save()
    assert user.check_password(PASSWORD)
    assert user.org == root


@pytest.mark.django_db
def test_without_orgs_other_imports_still_say_to_import_orgs_first(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="请先导入组织"):
        call_command("import", "members", str(write_orgs(tmp_path / "x.xlsx", ROWS)),
                     stdout=io.StringIO())
