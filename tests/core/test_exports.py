"""Excel exports (conventions.md "Excel", security.md row 17): what a cadre downloads.

A title row naming the scope and the date, 序号 and the list page's headers, numbered rows, a
合计 row, exactly the rows the list page shows for the same filter, formula-safe text and
masked phones unless the user may see them.
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from gonghui.core.records.registry import registry
from gonghui.orgs.models import Enterprise, Industry, Organization, Ownership

pytestmark = pytest.mark.django_db


def download(client: Client, slug: str, params: dict[str, Any] | None = None) -> tuple[Any, list]:
    response = client.get(reverse(f"{slug}-export"), params or {})
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    body = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
    return response, rows


def data_rows(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows between the header and the 合计 row (or the end)."""
    body = rows[2:]
    if body and body[-1][0] == "合计":
        body = body[:-1]
    return body


def list_names(client: Client, slug: str, params: dict[str, Any] | None = None) -> list[str]:
    """The names the list page shows, in its order, across all its pages."""
    names: list[str] = []
    page = 1
    while True:
        response = client.get(
            reverse(f"{slug}-list"), {**(params or {}), "per_page": 200, "page": page}
        )
        assert response.status_code == 200
        names += [obj.name for obj, _cells in response.context["rows"]]
        if not response.context["page"].has_next():
            return names
        page += 1


def make_enterprise(
    town: Organization,
    name: str,
    staff: int = 10,
    *,
    is_key: bool = False,
    union: Organization | None = None,
    industry: str = Industry.C,
) -> Enterprise:
    enterprise = Enterprise(
        name=name,
        industry=industry,
        ownership=Ownership.PRIVATE,
        employee_count=staff,
        is_key=is_key,
        town=town,
        union=union,
    )
    enterprise.save()
    return enterprise


def name_column(rows: list[list[Any]]) -> int:
    return rows[1].index(str(Enterprise._meta.get_field("name").verbose_name))


def test_enterprise_export_layout(federation, login):
    make_enterprise(federation.town_a, "甲镇新增企业", 30)
    _response, rows = download(login("town_a_cadre"), "enterprises")
    today = timezone.localdate()

    title = rows[0][0]
    assert federation.town_a.name in title
    assert "企业" in title
    assert "截至" in title and f"{today.year}年{today.month}月" in title

    columns = registry["enterprises"].table.columns
    assert rows[1] == ["序号", *[c.label for c in columns]]

    body = data_rows(rows)
    assert [r[0] for r in body] == list(range(1, len(body) + 1))
    in_town = Enterprise.objects.filter(org_path__startswith=federation.town_a.path)
    expected = {e.name for e in in_town}
    names = [r[name_column(rows)] for r in body]
    assert len(names) == len(expected) == 3
    assert set(names) == expected

    total = rows[-1]
    assert total[0] == "合计"
    staff_col = rows[1].index("职工人数")
    assert total[staff_col] == sum(r[staff_col] for r in body) == 120 + 8 + 30


def test_export_holds_only_the_users_subtree(federation, login):
    _response, rows = download(login("town_b_cadre"), "enterprises")
    text = repr(rows)
    assert federation.town_b.name in rows[0][0]
    assert "哨兵甲" not in text
    assert [r[name_column(rows)] for r in data_rows(rows)] == [federation.enterprise_b.name]

    _response, rows = download(login("chair_a1"), "enterprises")
    assert federation.union_a1.name in rows[0][0]
    assert [r[name_column(rows)] for r in data_rows(rows)] == [federation.enterprise_a.name]


def test_export_cells_are_what_the_list_page_shows(federation, login):
    client = login("town_a_cadre")
    _response, rows = download(client, "enterprises")
    page = client.get(reverse("enterprises-list"))
    shown = [[cell for _column, cell in cells] for _obj, cells in page.context["rows"]]
    exported = [row[1:] for row in data_rows(rows)]
    assert len(shown) == len(exported)
    for list_row, export_row in zip(shown, exported, strict=True):
        assert [str(v) for v in export_row] == [
            str(float(v)) if isinstance(v, int) and not isinstance(v, bool) else str(v)
            for v in list_row
        ]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "机械"},
        {"q": "有限公司"},
        {"is_key": "true"},
        {"is_key": "false"},
        {"industry": Industry.C},
        {"sort": "employee_count"},
        {"sort": "-name"},
    ],
)
def test_export_applies_the_list_filter(federation, login, params):
    make_enterprise(federation.town_a, "甲镇重点企业有限公司", 500, is_key=True)
    make_enterprise(
        federation.town_a,
        "甲镇第二重点企业",
        70,
        is_key=True,
        union=federation.union_a2,
        industry=Industry.F,
    )
    make_enterprise(federation.town_b, "乙镇重点机械有限公司", 900, is_key=True)
    client = login("town_a_cadre")
    _response, rows = download(client, "enterprises", params)
    exported = [r[name_column(rows)] for r in data_rows(rows)]
    assert exported == list_names(client, "enterprises", params)
    assert "乙镇重点机械有限公司" not in exported
    if "sort" not in params:
        everything = list_names(client, "enterprises")
        assert len(exported) < len(everything), "the filter must narrow this data"
    if rows[-1][0] == "合计":
        staff_col = rows[1].index("职工人数")
        assert rows[-1][staff_col] == sum(r[staff_col] for r in data_rows(rows))


def test_export_of_an_org_filter_is_titled_with_that_org(federation, login):
    client = login("town_a_cadre")
    _response, rows = download(client, "enterprises", {"org": federation.union_a1.pk})
    assert rows[0][0].startswith(federation.union_a1.name)
    assert [r[name_column(rows)] for r in data_rows(rows)] == [federation.enterprise_a.name]


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://x","点我")',
        "+86-公司",
        "-1+2 有限公司",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_formula_like_text_is_neutralised(federation, login, name):
    make_enterprise(federation.town_a, name)
    _response, rows = download(login("town_a_cadre"), "enterprises", {"q": name.strip()})
    cells = [r[name_column(rows)] for r in data_rows(rows)]
    assert cells == ["'" + name]


def test_ordinary_text_is_left_alone(federation, login):
    make_enterprise(federation.town_a, "普通企业=好企业")
    _response, rows = download(login("town_a_cadre"), "enterprises", {"q": "普通企业"})
    assert [r[name_column(rows)] for r in data_rows(rows)] == ["普通企业=好企业"]


def test_the_xlsx_contains_no_formula_cells(federation, login):
    make_enterprise(federation.town_a, '=HYPERLINK("http://x","点我")')
    response = login("town_a_cadre").get(reverse("enterprises-export"))
    body = b"".join(response.streaming_content)
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet


def phone_cells(rows: list[list[Any]]) -> list[str]:
    col = rows[1].index("联系电话")
    return [r[col] for r in data_rows(rows) if r[col]]


def test_org_phones_are_masked_for_a_town_cadre(federation, login):
    _response, rows = download(login("town_a_cadre"), "orgs")
    phones = phone_cells(rows)
    assert len(phones) == 4
    assert "139****2222" in phones and "138****8000" in phones
    assert all(re.fullmatch(r"1\d\d\*{4}\d{4}", p) for p in phones)
    text = repr(rows)
    assert "13911112222" not in text and "13800138000" not in text


def test_org_phones_are_shown_to_the_city_admin(federation, make_persona, login):
    assert make_persona("city_admin").has_perm("accounts.view_sensitive")
    _response, rows = download(login("city_admin"), "orgs")
    phones = phone_cells(rows)
    assert len(phones) == Organization.objects.count()
    assert "13911112222" in phones and "13933334444" in phones and "13800138000" in phones
    assert not any("*" in p for p in phones)


def test_filename_is_the_chinese_title(federation, login):
    response, rows = download(login("town_a_cadre"), "enterprises")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    match = re.search(r"filename\*=utf-8''([^;]+)", disposition, re.I)
    assert match, disposition
    filename = unquote(match.group(1))
    assert filename == f"{rows[0][0]}.xlsx"
    assert filename.startswith(federation.town_a.name) and "企业" in filename


@pytest.mark.parametrize("persona", ["auditor", "no_org"])
def test_users_without_records_export_nothing(federation, login, persona):
    response = login(persona).get(reverse("enterprises-export"))
    if response.status_code == 200:
        body = b"".join(response.streaming_content)
        rows = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
        assert data_rows(rows) == [] or all(r[0] == "" for r in data_rows(rows))
        assert "哨兵" not in repr(rows)
    else:
        assert response.status_code in (403, 404)


def test_the_title_cell_is_neutralised_too(federation, login):
    """Issue 12, finding 9: an organisation's name lands in A1 of the title row."""
    town = federation.town_a
    town.name = '=HYPERLINK("http://x","点我")'
    town.save(update_fields=["name"])
    _response, rows = download(login("town_a_cadre"), "enterprises")
    assert rows[0][0].startswith("'=HYPERLINK(")
    for row in rows:
        for cell in row:
            assert not (isinstance(cell, str) and cell.startswith(("=", "+", "-", "@")))
