"""Exports that go back in (issue 13): the member export in the import template's layout has
the template's headers; corrected in Excel it imports back as updates, nothing duplicated.
Templates and such exports carry the 组织编码 sheet of the user's organisations only. Whole ID
numbers leave only with the reveal right, and the audit row says they did."""

from __future__ import annotations

import datetime
import io
import random
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.core.imports.engine import run_import
from gonghui.core.imports.workbooks import ORG_SHEET, TEMPLATE_HEADER_ROW
from gonghui.people.actions import leave
from gonghui.people.imports import MemberImport
from gonghui.people.models import Membership, Person
from tests.conftest import SENTINEL_B, Federation, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(federation: Federation) -> list[Membership]:
    rng = random.Random(13)
    members = [make_member("张杰国", federation.union_a1, rng, mobile="13911110000"),
               make_member("王芳", federation.union_a2, rng, mobile="13922220000")]
    gone = make_member("赵退", federation.union_a1, rng)
    leave(person=gone.person, on=gone.enrolled_on + datetime.timedelta(days=1), reason="退休")
    return members


def body(response: Any) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def sheet_rows(data: bytes, index: int = 0) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(index).to_python()


def test_members_export_reimports_as_updates(
    federation: Federation, roll: list[Membership], login: Any, make_persona: Any,
    tmp_path: Path,
) -> None:
    client = login("city_admin")
    page = client.get(reverse("members-list")).content.decode()
    assert 'data-testid="export-import"' in page
    data = body(client.get(reverse("members-export"),
                           {"layout": "import", "org": federation.town_a.pk}))
    rows = sheet_rows(data)
    headers = [c.header for c in MemberImport.columns]
    # The same headers as `gonghui template members`, where the template has them.
    template = sheet_rows(body(client.get(reverse("members-import-template"))))
    assert rows[TEMPLATE_HEADER_ROW] == template[TEMPLATE_HEADER_ROW] == headers
    records = rows[TEMPLATE_HEADER_ROW + 1:]
    names = {r[0] for r in records}
    # Town A's members in good standing (the one who left would be enrolled again).
    assert names == {"张杰国", "王芳", federation.person_a.name}
    zhang = next(r for r in records if r[0] == "张杰国")
    assert zhang[headers.index("身份证号")] == roll[0].person.id_number  # whole: reveal right
    assert zhang[headers.index("所属工会编码")] == federation.union_a1.code

    # A cadre corrects a phone in Excel and imports the file back.
    path = tmp_path / "members.xlsx"
    path.write_bytes(data)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    phone_col = headers.index("手机号") + 1
    for row in sheet.iter_rows(min_row=TEMPLATE_HEADER_ROW + 2):
        if row[0].value == "张杰国":
            row[phone_col - 1].value = "13800001111"
    book.save(path)
    people, members = Person.objects.count(), Membership.objects.count()
    result = run_import(MemberImport(), path, user=make_persona("city_admin"),
                        filename="members.xlsx")
    assert result.rejected == 0, result
    assert (result.created, result.updated) == (0, 3)
    assert (Person.objects.count(), Membership.objects.count()) == (people, members)
    roll[0].person.refresh_from_db()
    assert roll[0].person.mobile == "13800001111"
    assert roll[1].person.mobile == "13922220000"  # untouched rows stay as they were

    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("pk")
    assert entry.changes["unmasked"] is True and entry.changes["rows"] == 3


def test_the_template_lists_the_users_organisations_and_codes(
    federation: Federation, login: Any
) -> None:
    data = body(login("town_a_cadre").get(reverse("members-import-template")))
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert ORG_SHEET in book.sheet_names
    orgs = book.get_sheet_by_name(ORG_SHEET).to_python()
    assert orgs[0] == ["组织编码", "组织名称", "组织类型", "上级组织"]
    listed = {row[0]: row[1] for row in orgs[1:]}
    assert listed == {
        federation.town_a.code: federation.town_a.name,
        federation.union_a1.code: federation.union_a1.name,
        federation.union_a1a.code: federation.union_a1a.name,
        federation.union_a2.code: federation.union_a2.name,
    }
    assert SENTINEL_B not in repr(orgs)
    parents = {row[1]: row[3] for row in orgs[1:]}
    assert parents[federation.union_a1a.name] == federation.union_a1.name


def test_without_the_reveal_right_no_whole_numbers_leave(
    federation: Federation, roll: list[Membership], login: Any
) -> None:
    client = login("town_a_cadre")
    page = client.get(reverse("members-list")).content.decode()
    # The template layout is theirs too, masked: a masked cell imports back as "unchanged".
    assert 'data-testid="export-import"' in page
    rows = sheet_rows(body(client.get(reverse("members-export"), {"layout": "import"})))
    assert roll[0].person.id_number not in repr(rows)
    assert roll[0].person.mobile not in repr(rows)
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("pk")
    assert entry.changes["unmasked"] is False
    # The usual export stays theirs, masked.
    rows = sheet_rows(body(client.get(reverse("members-export"))))
    assert roll[0].person.id_number not in repr(rows)


def test_a_layout_that_cannot_take_masked_cells_says_why_in_chinese(
    federation: Federation, roll: list[Membership], login: Any, monkeypatch: Any
) -> None:
    """Were masked cells not read back as "unchanged", the layout would need the reveal right,
    and the page says so instead of offering a file that cannot go back in."""
    monkeypatch.setattr(MemberImport, "masked_cells_kept", False)
    client = login("town_a_cadre")
    page = client.get(reverse("members-list")).content.decode()
    assert 'data-testid="export-import"' not in page
    assert "导出为导入模板需要“查看完整的身份证号和电话”权限" in page
    assert client.get(reverse("members-export"), {"layout": "import"}).status_code == 403
