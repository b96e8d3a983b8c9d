"""Term elections, workers' homes and founding guidance through the pages and imports cadres use."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from gonghui.core.imports.engine import run_import
from gonghui.core.imports.spec import ERROR_COLUMN
from gonghui.core.records.registry import registry
from gonghui.orgs.imports import OrganizationImport
from gonghui.orgs.models import Election, HomeLevel, Organization, WorkersHome
from tests.conftest import SENTINEL_A, SENTINEL_B
from tests.people.test_member_import import read_rows, write_book

pytestmark = pytest.mark.django_db

ELECTION_HEADERS = ["工会编码", "换届日期", "届期(年)", "指导单位编码"]


def fresh(org: Organization) -> Organization:
    return Organization.objects.get(pk=org.pk)


def rejected(result: Any) -> dict[int, str]:
    """{position of the row in the error workbook: 错误原因}."""
    header, *body = read_rows(result.error_workbook)
    reason = header.index(ERROR_COLUMN)
    return {n: row[reason] for n, row in enumerate(body, start=1)}


# --- the election model ---------------------------------------------------------------------------


def test_next_due_is_the_election_date_plus_the_term(federation):
    election = Election(union=federation.union_a2, held_on=datetime.date(2016, 2, 29),
                        term_years=3)
    election.save()
    assert election.next_due == datetime.date(2019, 2, 28)
    assert election.org == federation.union_a2
    assert election.org_path == federation.union_a2.path
    election.term_years = 5
    election.save()
    assert Election.objects.get(pk=election.pk).next_due == datetime.date(2021, 2, 28)


# --- pages ----------------------------------------------------------------------------------------


def test_a_town_cadre_records_an_election(federation, login):
    client = login("town_a_cadre")
    response = client.post(reverse("elections-create"), {
        "union": federation.union_a2.pk, "held_on": "2018-05-20", "term_years": 5,
        "guided_by": federation.town_a.pk,
    })
    assert response.status_code == 302, response.content.decode()
    election = Election.objects.get(union=federation.union_a2)
    assert election.next_due == datetime.date(2023, 5, 20)
    assert election.guided_by == federation.town_a


@pytest.mark.parametrize("field", ["union", "guided_by"])
def test_an_election_cannot_name_another_towns_union(federation, login, field):
    client = login("town_a_cadre")
    data = {"union": federation.union_a2.pk, "held_on": "2018-05-20", "term_years": 5,
            "guided_by": ""}
    data[field] = federation.union_b1.pk
    response = client.post(reverse("elections-create"), data)
    assert response.status_code == 400
    assert not Election.objects.filter(held_on=datetime.date(2018, 5, 20)).exists()


def test_only_unions_hold_elections_and_terms_are_3_or_5(federation, login):
    client = login("town_a_cadre")
    response = client.post(reverse("elections-create"), {
        "union": federation.town_a.pk, "held_on": "2018-05-20", "term_years": 4,
    })
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"union", "term_years"}


def test_the_status_filter_lists_overdue_and_due_soon(federation, login):
    # A1: the fixture's 2016-05-10 election plus a later one (3 years): due 2020-03-01.
    Election(union=federation.union_a1, held_on=datetime.date(2017, 3, 1), term_years=3).save()
    # A2: due 2018-08-01. B1: the fixture's, due 2021-05-10.
    Election(union=federation.union_a2, held_on=datetime.date(2015, 8, 1), term_years=3).save()
    client = login("city_admin")
    url = reverse("elections-list")

    def names(query: dict[str, str]) -> list[str]:
        response = client.get(url, query)
        assert response.status_code == 200
        return sorted(str(item.union) for item in response.context["page"].object_list)

    a1, a2, b1 = (str(u) for u in (federation.union_a1, federation.union_a2,
                                    federation.union_b1))
    # On 2018-06-30 A2 is due in 32 days; the older A1 election is never listed (superseded).
    assert names({"status": "due_soon", "on": "2018-06-30"}) == [a2]
    assert names({"status": "overdue", "on": "2018-06-30"}) == []
    assert names({"status": "overdue", "on": "2018-08-01"}) == []  # due that very day
    assert names({"status": "overdue", "on": "2018-08-02"}) == [a2]
    assert names({"status": "overdue", "on": "2021-05-11"}) == sorted([a1, a2, b1])
    # Today (2019 or later) A2's term has run out.
    assert a2 in names({"status": "overdue"})
    # A town cadre's list is their town's only.
    cadre = login("town_b_cadre")
    response = cadre.get(url, {"status": "overdue", "on": "2021-05-11"})
    assert [str(e.union) for e in response.context["page"].object_list] == [b1]


def test_election_export_and_api_carry_the_union(federation, login):
    client = login("town_a_cadre")
    response = client.get(reverse("api-elections-list"))
    body = response.content.decode()
    assert SENTINEL_A in body and SENTINEL_B not in body
    assert "2021-05-10" in body  # next_due


# --- the elections import -------------------------------------------------------------------------


def test_the_elections_import_accepts_good_rows_and_explains_bad_ones(
    federation, make_persona, tmp_path: Path
):
    cadre = make_persona("town_a_cadre")
    path = write_book(tmp_path / "换届.xlsx", [
        ["A-2", "2018-05-01", "5", "A"],                 # good
        ["A-1-1", datetime.date(2018, 3, 2), 3, ""],     # good; an Excel date and a number
        ["B-1", "2018-05-01", "5", ""],                  # another town's union
        ["ZZZ", "2018-05-01", "5", ""],                  # no such union
        ["A", "2018-05-01", "5", ""],                    # a federation, not a union
        ["A-2", "2018-05-01", "3", ""],                  # the same union and day again
        ["A-1", "2016-05-10", "3", ""],                  # on record (fixture): an update
        ["A-1", "2018-06-01", "4", ""],                  # term not 3 or 5
        ["A-1", "2099-01-01", "5", ""],                  # in the future
        ["A-1", "2018-06-01", "5", "B"],                 # guiding org outside the subtree
        ["", "", "", ""],                                # blank: skipped
        ["A-1", "", "", ""],                             # required cells missing
    ], headers=ELECTION_HEADERS)
    result = run_import(registry["elections"].import_spec, path, user=cadre)
    assert (result.created, result.updated, result.rejected) == (2, 1, 8)
    reasons = rejected(result)
    assert "B-1不存在或不在您的管辖范围内" in reasons[1]
    assert "ZZZ不存在或不在您的管辖范围内" in reasons[2]
    assert "只有基层工会和联合工会进行换届" in reasons[3]
    assert "与第2行重复（工会编码、换届日期）" in reasons[4]
    assert "“届期(年)”应为3年、5年" in reasons[5]
    assert "不能晚于今天" in reasons[6]
    assert "指导单位编码" in reasons[7] and "不在您的管辖范围内" in reasons[7]
    assert "“换届日期”为必填项" in reasons[8] and "“届期(年)”为必填项" in reasons[8]
    # The election on record, matched by union and day, took the new term; the empty
    # guiding-unit cell kept its guiding unit.
    updated = Election.objects.get(union=federation.union_a1, held_on=datetime.date(2016, 5, 10))
    assert (updated.term_years, updated.next_due, updated.guided_by) == (
        3, datetime.date(2019, 5, 10), federation.town_a)
    made = Election.objects.get(union=federation.union_a2)
    assert (made.held_on, made.term_years, made.next_due, made.guided_by) == (
        datetime.date(2018, 5, 1), 5, datetime.date(2023, 5, 1), federation.town_a)
    assert made.org_path == federation.union_a2.path
    assert Election.objects.get(union=federation.union_a1a).next_due == datetime.date(2021, 3, 2)


def test_the_elections_template_downloads(federation, login):
    response = login("town_a_cadre").get(reverse("elections-import-template"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content[:2] == b"PK"


# --- founding guidance ----------------------------------------------------------------------------


def new_union(parent: Organization, **fields: Any) -> dict[str, Any]:
    data = {"parent": parent.pk, "code": "N-1", "name": "新设工会", "kind": "grassroots",
            "founded_on": "2018-04-02", "guided_by": "", "uscc": "", "address": "", "chair": "",
            "phone": ""}
    data.update(fields)
    return data


def test_a_union_is_founded_with_its_guiding_organisation(federation, login):
    client = login("town_a_cadre")
    response = client.post(reverse("orgs-create"),
                           new_union(federation.town_a, guided_by=federation.town_a.pk))
    assert response.status_code == 302, response.content.decode()
    created = Organization.objects.get(code="N-1")
    assert created.guided_by == federation.town_a
    detail = client.get(reverse("orgs-detail", args=[created.pk])).content.decode()
    assert "指导单位" in detail and str(federation.town_a) in detail
    exported = client.get(reverse("api-orgs-detail", args=[created.pk])).json()
    assert exported["guided_by"] == federation.town_a.pk


def test_the_guiding_choices_are_the_editors_subtree(federation, login):
    client = login("town_a_cadre")
    response = client.post(reverse("orgs-create"),
                           new_union(federation.town_a, guided_by=federation.town_b.pk))
    assert response.status_code == 400
    assert "guided_by" in response.context["form"].errors
    page = client.get(reverse("orgs-create")).content.decode()
    assert SENTINEL_B not in page


def test_a_chair_keeps_the_guidance_they_cannot_see(federation, login):
    Organization.objects.filter(pk=federation.union_a1.pk).update(guided_by=federation.town_a)
    client = login("chair_a1")
    page = client.get(reverse("orgs-update", args=[federation.union_a1.pk]))
    assert "guided_by" not in page.context["form"].fields
    data = {"code": "A-1", "name": f"{SENTINEL_A}机械厂工会（更名）", "kind": "grassroots",
            "founded_on": "", "uscc": fresh(federation.union_a1).uscc, "address": "", "chair": "",
            "phone": "13800138000"}
    response = client.post(reverse("orgs-update", args=[federation.union_a1.pk]), data)
    assert response.status_code == 302, response.content.decode()
    assert fresh(federation.union_a1).guided_by == federation.town_a


def test_the_orgs_import_takes_the_guiding_code(federation, make_persona, tmp_path: Path):
    headers = [c.header for c in OrganizationImport.columns]
    assert "指导单位编码" in headers
    path = write_book(tmp_path / "组织.xlsx", [
        {"组织编码": "A-9", "组织名称": "新厂工会", "组织类型": "基层工会", "上级组织编码": "A",
         "成立日期": "2018-03-01", "指导单位编码": "A"},
        {"组织编码": "A-10", "组织名称": "又一厂工会", "组织类型": "基层工会",
         "上级组织编码": "A", "指导单位编码": "B"},
    ], headers=headers)
    result = run_import(OrganizationImport(), path, user=make_persona("town_a_cadre"))
    assert (result.created, result.rejected) == (1, 1)
    assert Organization.objects.get(code="A-9").guided_by == federation.town_a
    assert "“指导单位编码”B不存在、不在您的管辖范围内" in rejected(result)[1]


# --- workers' homes -------------------------------------------------------------------------------


def test_a_workers_home_with_its_checklist(federation, login):
    client = login("town_a_cadre")
    response = client.post(reverse("homes-create"), {
        "union": federation.union_a2.pk, "level": HomeLevel.PREFECTURE, "year": 2018,
        "awarded_on": "2018-06-30", "has_organisation": "on", "has_rules": "on",
        "has_venue": "on",
    })
    assert response.status_code == 302, response.content.decode()
    home = WorkersHome.objects.get(union=federation.union_a2)
    assert home.checklist_met == 3
    assert home.has_venue and not home.has_funds
    detail = client.get(reverse("homes-detail", args=[home.pk])).content.decode()
    assert "地市级模范职工之家" in detail and "活动阵地" in detail


def test_a_workers_home_year_cannot_follow_its_naming(federation, login):
    client = login("town_a_cadre")
    response = client.post(reverse("homes-create"), {
        "union": federation.union_a2.pk, "level": HomeLevel.COUNTY, "year": 2019,
        "awarded_on": "2018-06-30",
    })
    assert response.status_code == 400
    assert "year" in response.context["form"].errors


def test_a_chair_edits_their_election_keeping_the_towns_guidance(federation, login):
    election = federation.election_a  # guided by town A, which the chair does not see
    client = login("chair_a1")
    page = client.get(reverse("elections-update", args=[election.pk]))
    assert "guided_by" not in page.context["form"].fields
    response = client.post(reverse("elections-update", args=[election.pk]), {
        "union": federation.union_a1.pk, "held_on": "2016-05-11", "term_years": 3,
    })
    assert response.status_code == 302, response.content.decode()
    election.refresh_from_db()
    assert (election.held_on, election.next_due, election.guided_by) == (
        datetime.date(2016, 5, 11), datetime.date(2019, 5, 11), federation.town_a)
