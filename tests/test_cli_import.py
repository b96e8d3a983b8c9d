"""`gonghui import TYPE FILE [--as USERNAME] [--all-or-nothing]` and `gonghui template TYPE OUT`.

The import command prints the counts, writes FILE-errors.xlsx beside the file and exits 1 when
any row was rejected; `--as` imports with that account's subtree and rights; the template
command writes the headers the engine matches.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from gonghui.core.imports.spec import ERROR_COLUMN
from gonghui.people.imports import MemberImport
from gonghui.people.models import Membership, MembershipStatus, Person
from tests.people.test_member_import import HEADERS, member, name_for, new_id, write_book

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `gonghui import ...`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    else:
        code = 0
    return code, out.getvalue(), err.getvalue()


def read_rows(path: Path) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_rejected_rows_print_counts_write_errors_beside_the_file_and_exit_1(federation,
                                                                            tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1),
        member(2, {"入会日期": "2018-02-30"}),
        member(3, {"所属工会编码": "B-1"}),
    ])
    code, out, _err = run("members", str(path))

    assert code == 1
    assert "读取 3 行，新增 2 行，更新 0 行，拒绝 1 行" in out
    errors = tmp_path / "roll-errors.xlsx"
    assert f"错误明细已写入：{errors}" in out
    rows = read_rows(errors)
    assert rows[0] == [*HEADERS, ERROR_COLUMN]
    assert [(r[0], r[-1]) for r in rows[1:]] == [(name_for(2), "“入会日期”日期不存在：2018-02-30")]
    # Without --as the operator imports over the whole tree: town B's union is fine.
    assert Membership.objects.get(person__id_number=new_id(3),
                                  status=MembershipStatus.ACTIVE).org == federation.union_b1


def test_all_good_rows_exit_normally_without_an_error_workbook(federation, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [member(1), member(2, {"所属工会编码": "A-2"})])
    code, out, _err = run("members", str(path))
    assert code == 0
    assert "读取 2 行，新增 2 行，更新 0 行，拒绝 0 行" in out
    assert "错误明细" not in out
    assert not (tmp_path / "roll-errors.xlsx").exists()
    assert Person.objects.filter(id_number__in=[new_id(1), new_id(2)]).count() == 2


def test_as_a_town_cadre_restricts_to_their_subtree(federation, make_persona, tmp_path):
    make_persona("town_a_cadre")
    path = write_book(tmp_path / "roll.xlsx", [
        member(1, {"所属工会编码": "A-2"}),
        member(2, {"所属工会编码": "B-1"}),
    ])
    code, out, _err = run("members", str(path), "--as", "town_a_cadre")
    assert code == 1
    assert "新增 1 行" in out and "拒绝 1 行" in out
    rows = read_rows(tmp_path / "roll-errors.xlsx")
    assert [(r[0], r[-1]) for r in rows[1:]] == [
        (name_for(2), "“所属工会编码”B-1不存在，或不是您管辖范围内的基层工会")
    ]
    assert not Person.objects.filter(id_number=new_id(2)).exists()


def test_as_someone_without_the_right_is_refused(federation, make_persona, tmp_path):
    make_persona("auditor")
    path = write_book(tmp_path / "roll.xlsx", [member(1)])
    with pytest.raises(CommandError, match="没有导入此类记录的权限"):
        call_command("import", "members", str(path), "--as", "auditor")
    with pytest.raises(CommandError, match="不存在或已停用"):
        call_command("import", "members", str(path), "--as", "nobody")
    assert not Person.objects.filter(id_number=new_id(1)).exists()


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(federation, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [
        member(1), member(2), member(3, {"身份证号": new_id(3)[:16]}),
    ])
    persons = Person.objects.count()
    code, out, _err = run("members", str(path), "--all-or-nothing")
    assert code == 1
    assert "新增 0 行" in out and "拒绝 1 行" in out
    assert "未写入任何数据" in out
    assert Person.objects.count() == persons
    assert (tmp_path / "roll-errors.xlsx").exists()

    fixed = write_book(tmp_path / "fixed.xlsx", [member(1), member(2), member(3)])
    code, out, _err = run("members", str(fixed), "--all-or-nothing")
    assert code == 0
    assert "新增 3 行" in out
    assert Person.objects.count() == persons + 3


def test_unknown_type_missing_file_and_refused_file(federation, tmp_path):
    path = write_book(tmp_path / "roll.xlsx", [member(1)])
    with pytest.raises(CommandError, match="不能导入“nonsense”"):
        call_command("import", "nonsense", str(path))
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import", "members", str(tmp_path / "missing.xlsx"))
    text = tmp_path / "notes.xlsx"
    text.write_text("这不是Excel", encoding="utf-8")
    with pytest.raises(CommandError, match="文件内容不是有效的Excel文件"):
        call_command("import", "members", str(text))
    assert not Person.objects.filter(id_number=new_id(1)).exists()


def test_template_has_the_import_headers_and_imports_as_it_is(federation, tmp_path):
    out = tmp_path / "members-template.xlsx"
    stdout = io.StringIO()
    call_command("template", "members", str(out), stdout=stdout)
    assert f"模板已写入：{out}" in stdout.getvalue()
    rows = read_rows(out)
    headers = [c.header for c in MemberImport.columns]
    assert list(HEADERS) == headers  # the headers issue 3 fixes
    assert rows[0][0] == "会员花名册导入模板"
    assert str(rows[1][0]).startswith("填表说明")
    assert rows[2] == headers
    # The blank template goes straight back in: headers found, nothing to do, exit 0.
    code, printed, _err = run("members", str(out))
    assert code == 0
    assert "读取 0 行" in printed


def test_template_of_an_unknown_type(tmp_path):
    with pytest.raises(CommandError, match="没有“nonsense”的导入模板"):
        call_command("template", "nonsense", str(tmp_path / "t.xlsx"))
