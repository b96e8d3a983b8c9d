"""`gonghui report --org CODE --period PERIOD --format html|docx|xlsx|json [--output] [--as]`."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.reports import indicators
from gonghui.reports.periods import Period
from gonghui.reports.review import json_value

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_goes_to_stdout_with_every_indicator(federation: Any, make_persona: Any) -> None:
    out, _err = run("--org", "C", "--period", "2018H1", "--format", "json")
    data = json.loads(out)
    admin = make_persona("city_admin")
    assert data == {
        "org": "C",
        "period": "2018H1",
        "indicators": {key: json_value(value) for key, value in
                       indicators.compute(federation.city, Period.parse("2018H1"), admin).items()},
    }
    assert data["indicators"]["members.enrolled"] == 2
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT,
                                     object_type="reports.review").exists()


def test_docx_default_file_name_and_output(federation: Any, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _out, err = run("--org", "C", "--period", "2018H1", "--format", "docx")
    path = tmp_path / "C-2018H1.docx"
    assert "已生成" in err and path.is_file()
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert text.startswith("测试市总工会2018年上半年工作回顾")
    assert "发展会员2名" in text
    target = tmp_path / "out" / "review.xlsx"
    target.parent.mkdir()
    run("--org", "A", "--period", "2018", "--format", "xlsx", "--output", str(target))
    assert target.read_bytes()[:2] == b"PK"
    html = tmp_path / "r.html"
    run("--org", "C", "--period", "2018H1", "--format", "html", "--output", str(html))
    assert "测试市总工会2018年上半年工作回顾" in html.read_text(encoding="utf-8")


def test_clear_chinese_errors(federation: Any, make_persona: Any) -> None:
    with pytest.raises(CommandError, match="无法识别的期间“2018H3”"):
        run("--org", "C", "--period", "2018H3")
    with pytest.raises(CommandError, match="找不到组织编码为“X-9”的组织"):
        run("--org", "X-9", "--period", "2018H1")
    with pytest.raises(CommandError, match="用户 nobody 不存在或已停用"):
        run("--org", "C", "--period", "2018H1", "--as", "nobody")
    make_persona("auditor")
    with pytest.raises(CommandError, match="没有查看工作回顾的权限"):
        run("--org", "C", "--period", "2018H1", "--as", "auditor")


def test_as_a_town_cadre_only_their_town(federation: Any, make_persona: Any) -> None:
    make_persona("town_a_cadre")
    with pytest.raises(CommandError, match="找不到组织编码为“B”的组织"):
        run("--org", "B", "--period", "2018H1", "--as", "town_a_cadre")
    with pytest.raises(CommandError, match="找不到组织编码为“C”的组织"):
        run("--org", "C", "--period", "2018H1", "--as", "town_a_cadre")
    out, _err = run("--org", "A", "--period", "2018H1", "--as", "town_a_cadre")
    assert json.loads(out)["indicators"]["members.enrolled"] == 1
