"""Exports that go back in, for every record type whose import updates records (issue 13).

Per type, a town cadre (no reveal right) exports their subtree in the import template's layout,
changes one cell with openpyxl, and imports the file back: that record is updated and nothing
else changed, no record added. Types whose imports only add records (benefit cards, the welfare
registers) or have no natural key to match by (insurance enrolments, hardship files, relief
lines, claims) are not offered the layout: asserted too, so a type gaining an update path is
noticed here.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import models
from django.urls import reverse

from gonghui.core.imports.engine import run_import
from gonghui.core.imports.workbooks import ORG_SHEET, TEMPLATE_HEADER_ROW
from gonghui.core.records.registry import registry
from gonghui.orgs.models import Election, Organization, WorkersHome
from gonghui.people.models import Membership, Person
from tests.conftest import SENTINEL_B, Federation, make_member

pytestmark = pytest.mark.django_db

# Fields a save refreshes whatever changed.
STAMPS = {"updated_at", "created_at"}


def snapshot(model: type[models.Model]) -> dict[int, dict[str, Any]]:
    return {
        row["id"]: {k: v for k, v in row.items() if k not in STAMPS}
        for row in model._default_manager.order_by("pk").values()
    }


def changed(before: dict[int, dict[str, Any]], after: dict[int, dict[str, Any]]) -> dict[
        int, dict[str, tuple[Any, Any]]]:
    """{pk: {field: (before, after)}} of the rows that differ; added or removed rows too."""
    out: dict[int, dict[str, tuple[Any, Any]]] = {}
    for pk in before.keys() | after.keys():
        old, new = before.get(pk, {}), after.get(pk, {})
        diff = {k: (old.get(k), new.get(k)) for k in old.keys() | new.keys()
                if old.get(k) != new.get(k)}
        if diff:
            out[pk] = diff
    return out


def export_and_edit(
    client: Any, slug: str, tmp_path: Path, pick: Callable[[dict[str, Any]], bool],
    header: str, value: Any,
) -> tuple[Path, list[str]]:
    """The export in the import layout with one cell changed in the row `pick` chooses."""
    response = client.get(reverse(f"{slug}-export"), {"layout": "import"})
    assert response.status_code == 200, response.status_code
    path = tmp_path / f"{slug}.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    book = openpyxl.load_workbook(path)
    assert ORG_SHEET in book.sheetnames  # the user's organisations and codes come along
    assert SENTINEL_B not in repr([[c.value for c in r] for r in book[ORG_SHEET].iter_rows()])
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[TEMPLATE_HEADER_ROW + 1]]
    hits = 0
    for row in sheet.iter_rows(min_row=TEMPLATE_HEADER_ROW + 2):
        cells = {h: c.value for h, c in zip(headers, row, strict=False)}
        if pick(cells):
            row[headers.index(header)].value = value
            hits += 1
    assert hits == 1, f"{hits} rows picked"
    book.save(path)
    return path, headers


def reimport(slug: str, path: Path, user: Any) -> Any:
    spec = registry[slug].import_spec
    assert spec is not None
    result = run_import(spec, path, user=user, filename=path.name)
    assert result.rejected == 0, result.summary()
    assert result.created == 0
    return result


def test_orgs_round_trip(
    federation: Federation, login: Any, make_persona: Any, tmp_path: Path
) -> None:
    before = snapshot(Organization)
    path, headers = export_and_edit(
        login("town_a_cadre"), "orgs", tmp_path,
        lambda r: r["组织编码"] == federation.union_a2.code, "组织名称", "工业园联合工会（更名）",
    )
    assert headers[:4] == ["组织编码", "组织名称", "组织类型", "上级组织编码"]
    result = reimport("orgs", path, make_persona("town_a_cadre"))
    assert result.updated == 4  # town A and its three unions, nothing of town B
    assert changed(before, snapshot(Organization)) == {
        federation.union_a2.pk: {"name": (federation.union_a2.name, "工业园联合工会（更名）")}
    }


def test_orgs_export_names_no_parent_outside_the_subtree(
    federation: Federation, login: Any, tmp_path: Path
) -> None:
    path, headers = export_and_edit(
        login("town_a_cadre"), "orgs", tmp_path,
        lambda r: r["组织编码"] == federation.union_a1a.code, "组织名称",
        federation.union_a1a.name,
    )
    rows = {r[0]: r for r in openpyxl.load_workbook(path).worksheets[0].iter_rows(
        min_row=TEMPLATE_HEADER_ROW + 2, values_only=True)}
    parent = headers.index("上级组织编码")
    assert rows[federation.union_a1a.code][parent] == federation.union_a1.code
    assert rows[federation.town_a.code][parent] in (None, "")  # the city's code stays home


def test_elections_round_trip(
    federation: Federation, login: Any, make_persona: Any, tmp_path: Path
) -> None:
    election = federation.election_a
    before = snapshot(Election)
    path, _headers = export_and_edit(
        login("town_a_cadre"), "elections", tmp_path,
        lambda r: r["工会编码"] == election.union.code and r["换届日期"].date() == election.held_on,
        "届期(年)", "5年" if election.term_years == 3 else "3年",
    )
    result = reimport("elections", path, make_persona("town_a_cadre"))
    assert result.updated == Election.objects.filter(
        org_path__startswith=federation.town_a.path).count()
    diff = changed(before, snapshot(Election))
    new_term = 5 if election.term_years == 3 else 3
    assert set(diff) == {election.pk}
    # The next election falls due by the new term: the model's own rule ran.
    assert diff[election.pk]["term_years"] == (election.term_years, new_term)
    assert set(diff[election.pk]) <= {"term_years", "next_due"}


def test_homes_round_trip(
    federation: Federation, login: Any, make_persona: Any, tmp_path: Path
) -> None:
    home = federation.home_a
    new_day = datetime.date(home.year, 12, 1)
    before = snapshot(WorkersHome)
    path, _headers = export_and_edit(
        login("town_a_cadre"), "homes", tmp_path,
        lambda r: r["工会编码"] == home.union.code and r["评定年度"] == home.year,
        "命名日期", new_day,
    )
    reimport("homes", path, make_persona("town_a_cadre"))
    diff = changed(before, snapshot(WorkersHome))
    assert diff == {home.pk: {"awarded_on": (home.awarded_on, new_day)}}


def test_members_round_trip_masked_for_a_town_cadre(
    federation: Federation, login: Any, make_persona: Any, tmp_path: Path
) -> None:
    """No reveal right: 身份证号 and 手机号 leave masked and come back as "unchanged"."""
    rng = random.Random(13)
    zhang = make_member("张杰国", federation.union_a1, rng, mobile="13911110000")
    wang = make_member("王芳", federation.union_a2, rng, mobile="13922220000")
    client = login("town_a_cadre")
    page = client.get(reverse("members-list")).content.decode()
    assert 'data-testid="export-import"' in page
    people, members = snapshot(Person), snapshot(Membership)
    path, headers = export_and_edit(
        client, "members", tmp_path, lambda r: r["姓名"] == "王芳", "学历", "大学本科",
    )
    rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(
        min_row=TEMPLATE_HEADER_ROW + 2, values_only=True))
    for person in (zhang.person, wang.person):  # no whole number left the system
        assert person.id_number not in repr(rows) and person.mobile not in repr(rows)
    assert any(r[headers.index("身份证号")] and "*" in r[headers.index("身份证号")]
               for r in rows)
    result = reimport("members", path, make_persona("town_a_cadre"))
    assert result.updated == len(rows)
    assert changed(members, snapshot(Membership)) == {}
    diff = changed(people, snapshot(Person))
    assert list(diff) == [wang.person.pk]
    assert set(diff[wang.person.pk]) == {"education"}
    wang.person.refresh_from_db()
    assert wang.person.get_education_display() == "大学本科"
    assert wang.person.mobile == "13922220000"  # the masked phone kept the number


def test_a_masked_id_number_never_makes_or_finds_a_stranger(
    federation: Federation, make_persona: Any, tmp_path: Path
) -> None:
    """A masked number names only someone of that name in the importer's subtree."""
    from gonghui.people.imports import MASKED_ID_UNKNOWN, MemberImport

    other = federation.person_b  # town B's person: the same visible digits, not theirs
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([c.header for c in MemberImport.columns])
    masked = other.id_number[:6] + "*" * 10 + other.id_number[-2:]
    sheet.append([other.name, masked, "", federation.union_a1.code, "2020-01-01"])
    path = tmp_path / "stranger.xlsx"
    book.save(path)
    people = snapshot(Person)
    result = run_import(MemberImport(), path, user=make_persona("town_a_cadre"),
                        filename=path.name)
    assert (result.created, result.updated, result.rejected) == (0, 0, 1)
    assert changed(people, snapshot(Person)) == {}
    errors = openpyxl.load_workbook(result.error_workbook).worksheets[0]
    assert MASKED_ID_UNKNOWN in repr([[c.value for c in r] for r in errors.iter_rows()])


@pytest.mark.parametrize("slug", ["cards", "nursing-rooms", "entrepreneurs",
                                  "entrepreneur-bases", "insurance-enrolment", "hardship",
                                  "relief", "insurance-claim"])
def test_types_whose_imports_only_add_are_not_offered_the_layout(
    federation: Federation, login: Any, slug: str
) -> None:
    client = login("town_a_cadre")
    assert client.get(reverse(f"{slug}-export"), {"layout": "import"}).status_code == 403
