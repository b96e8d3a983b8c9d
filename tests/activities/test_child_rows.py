"""Child rows through the activity's participants and units: scoped through the parent, never
re-parented, edited with htmx or plain pages, audited with the parent, counted by the database,
exported with the parent."""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from gonghui.activities.models import Activity, ActivityUnit, Participant
from gonghui.core.audit.models import AuditEntry
from gonghui.core.records.registry import registry
from gonghui.core.text.identifiers import make_id_number
from gonghui.people.models import Person
from tests.conftest import SENTINEL_A, SENTINEL_B

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(view: str, activity: Activity, row: Any = None, child: str = "participants") -> str:
    args = [activity.pk] + ([row.pk] if row is not None else [])
    return reverse(f"activities-{child}-{view}", args=args)


def new_id(seed: int, birth: datetime.date = datetime.date(1985, 6, 1)) -> str:
    return make_id_number(random.Random(seed), area_code="370285", birth_date=birth, sex="F")


def test_a_child_of_another_branch_is_404_on_every_verb(federation, login):
    client = login("town_b_cadre")
    activity, row = federation.activity_a, federation.participant_a
    before = list(Participant.objects.values_list("pk", "person", "headcount", "activity"))
    for target in (url("rows", activity), url("create", activity), url("import", activity),
                   url("import-template", activity), url("update", activity, row),
                   url("delete", activity, row)):
        for verb in ("get", "post", "put", "patch", "delete"):
            response = getattr(client, verb)(target, **HTMX)
            assert response.status_code == 404, (verb, target, response.status_code)
            assert SENTINEL_A not in response.content.decode()
    assert list(Participant.objects.values_list("pk", "person", "headcount", "activity")) == before


def test_a_row_is_reached_only_through_its_own_parent(federation, login):
    # The city administrator sees both activities; a row of B addressed under A is still 404.
    client = login("city_admin")
    wrong = url("update", federation.activity_a, federation.participant_b)
    assert client.get(wrong).status_code == 404
    assert client.post(wrong, {"headcount": "3"}).status_code == 404
    wrong_delete = url("delete", federation.activity_a, federation.participant_b)
    assert client.post(wrong_delete).status_code == 404
    assert Participant.objects.filter(pk=federation.participant_b.pk).exists()


def test_a_row_cannot_be_moved_to_another_parent(federation, login):
    client = login("town_a_cadre")
    row = federation.activity_unit_a
    response = client.post(
        url("update", federation.activity_a, row, child="units"),
        {"unit": "改名单位", "amount": "1", "goods_value": "0", "note": "",
         "activity": federation.activity_b.pk},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.unit_name == "改名单位"
    assert row.activity_id == federation.activity_a.pk


def test_add_edit_delete_with_htmx_answer_the_inline_table(federation, login):
    client = login("town_a_cadre")
    activity = federation.activity_a
    form = client.get(url("create", activity, child="units"), **HTMX)
    assert form.status_code == 200
    assert "<html" not in form.content.decode() and 'name="unit"' in form.content.decode()

    added = client.post(url("create", activity, child="units"),
                        {"unit": "港区物流公司", "amount": "200.50", "goods_value": "99.50",
                         "note": ""}, **HTMX)
    assert added.status_code == 200
    assert added["HX-Retarget"] == "#children-units"
    page = added.content.decode()
    assert "港区物流公司" in page and 'id="children-units"' in page and "<html" not in page
    row = ActivityUnit.objects.get(unit_name="港区物流公司")

    refused = client.post(url("update", activity, row, child="units"),
                          {"unit": "", "amount": "-1", "goods_value": "0"}, **HTMX)
    assert refused.status_code == 200 and "HX-Retarget" not in refused  # the form, again
    assert "text-danger" in refused.content.decode()

    deleted = client.post(url("delete", activity, row, child="units"), **HTMX)
    assert deleted.status_code == 200 and deleted["HX-Retarget"] == "#children-units"
    assert not ActivityUnit.objects.filter(pk=row.pk).exists()


def test_without_javascript_the_same_urls_are_whole_pages(federation, login):
    client = login("town_a_cadre")
    activity = federation.activity_a
    detail = reverse("activities-detail", args=[activity.pk])
    page = client.get(detail).content.decode()
    # The inline table's links are real links (htmx only takes them over).
    assert f'href="{url("create", activity, child="units")}"' in page
    assert "<html" in client.get(url("create", activity, child="units")).content.decode()
    response = client.post(url("create", activity, child="units"),
                           {"unit": "无脚本单位", "amount": "0", "goods_value": "0", "note": ""})
    assert response.status_code == 302 and response["Location"].startswith(detail)
    row = ActivityUnit.objects.get(unit_name="无脚本单位")
    confirm = client.get(url("delete", activity, row, child="units"))
    assert confirm.status_code == 200 and "确认删除" in confirm.content.decode()
    assert client.post(url("delete", activity, row, child="units")).status_code == 302
    assert not ActivityUnit.objects.filter(pk=row.pk).exists()
    assert client.get(url("rows", activity)).status_code == 200


def test_audit_rows_name_the_parent(federation, login):
    client = login("town_a_cadre")
    activity = federation.activity_a
    client.post(url("create", activity, child="units"),
                {"unit": "审计单位", "amount": "0", "goods_value": "0", "note": ""})
    row = ActivityUnit.objects.get(unit_name="审计单位")
    client.post(url("update", activity, row, child="units"),
                {"unit": "审计单位二", "amount": "5", "goods_value": "0", "note": ""})
    client.post(url("delete", activity, row, child="units"))
    entries = AuditEntry.objects.filter(object_type="activities.activityunit",
                                        object_id=str(row.pk)).order_by("pk")
    assert [e.action for e in entries] == ["create", "update", "delete"]
    for entry in entries:
        assert entry.changes["parent"] == {
            "type": "activities.activity", "id": activity.pk, "name": str(activity)}


def test_the_chair_of_another_union_and_the_auditor_cannot_edit(federation, login):
    # Adding a row is changing the parent: the chair of A1 may (their union's activity)…
    chair = login("chair_a1")
    assert chair.get(url("create", federation.activity_a)).status_code == 200
    # … the auditor sees no records at all.
    assert login("auditor").get(url("create", federation.activity_a)).status_code == 404


def test_persons_and_person_times_with_a_repeated_person(federation, login):
    activity = federation.activity_a  # already: member A, one sign-in
    repeat = federation.person_a
    Participant.objects.create(activity=activity, person=repeat,
                               signed_on=datetime.date(2018, 4, 21))
    other = Person.objects.create(id_number=new_id(3), name="钱七", sex="F",
                                  birth_date=datetime.date(1985, 6, 1), org=federation.union_a1)
    Participant.objects.create(activity=activity, person=other)
    Participant.objects.create(activity=activity, headcount=10, unit_name="一车间")
    child = registry["activities"].child("participants")
    assert child.totals(activity) == {"persons": 2 + 10, "person_times": 3 + 10}
    empty = Activity.objects.create(org=federation.union_a1, kind="meeting", title="无人活动",
                                    start_date=datetime.date(2018, 5, 1))
    assert child.totals(empty) == {"persons": 0, "person_times": 0}
    page = login("town_a_cadre").get(reverse("activities-detail", args=[activity.pk]))
    text = page.content.decode()
    assert "参与人数 12人" in text and "参与人次 13人次" in text


def test_money_sums_are_exact_decimals(federation):
    activity = federation.activity_a
    for amount, goods in (("0.10", "1.01"), ("0.20", "2.02"), ("1234567.35", "0")):
        ActivityUnit.objects.create(activity=activity, unit_name=f"单位{amount}",
                                    amount=Decimal(amount), goods_value=Decimal(goods))
    totals = registry["activities"].child("units").totals(activity)
    assert totals["amount"] == Decimal("1234567.65")
    assert isinstance(totals["amount"], Decimal)
    assert totals["goods_value"] == Decimal("3.03")
    assert totals["units"] == 4  # the sentinel unit too
    # SQLite sums decimals as doubles: 160 payments of 4846.13 came back as 775380.800000001.
    ActivityUnit.objects.bulk_create(
        ActivityUnit(activity=activity, unit_name=f"慰问单位{n}", amount=Decimal("4846.13"),
                     goods_value=Decimal("0.10"))
        for n in range(160)
    )
    totals = registry["activities"].child("units").totals(activity)
    assert str(totals["amount"]) == str(Decimal("1234567.65") + 160 * Decimal("4846.13"))
    assert str(totals["goods_value"]) == "19.03"


def test_the_export_carries_the_children_of_the_filter(federation, login):
    Participant.objects.create(activity=federation.activity_a, headcount=7, unit_name="装配车间")
    # Filtered to the sentinel symposium (other apps plant activities with participants too).
    response = login("town_a_cadre").get(reverse("activities-export"), {"q": "职工座谈会"})
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    # The activity's own child types first; apps add theirs after (the care app's households).
    assert book.sheet_names[:3] == ["活动", "走访（送达）单位", "参与人员"]
    rows = book.get_sheet_by_name("参与人员").to_python()
    assert rows[0][:3] == ["序号", "活动", "参与人"]
    body = [row for row in rows[1:]]
    assert {row[1] for row in body} == {f"{SENTINEL_A}职工座谈会"}
    assert any(row[3] == 7 for row in body)
    assert not any(SENTINEL_B in str(cell) for row in rows for cell in row)
    # A filter that matches nothing exports no child rows either.
    empty = login("town_a_cadre").get(reverse("activities-export"), {"q": "没有这个活动"})
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(empty.streaming_content)))
    assert book.get_sheet_by_name("参与人员").to_python()[1:] == []


def test_a_unit_links_only_an_enterprise_the_user_sees(federation, login):
    client = login("town_a_cadre")
    activity = federation.activity_a
    create = url("create", activity, child="units")
    own, other = federation.enterprise_a, federation.enterprise_b
    for typed in (own.uscc, other.name):
        response = client.post(create, {"unit": typed, "amount": "0", "goods_value": "0"})
        assert response.status_code == 302
    linked = ActivityUnit.objects.get(activity=activity, enterprise=own)
    assert linked.unit_name == own.name
    # Another town's enterprise is not linked: what was typed is kept as a name, nothing more.
    free = ActivityUnit.objects.get(activity=activity, unit_name=other.name)
    assert free.enterprise_id is None
