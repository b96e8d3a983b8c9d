"""Child rows over the API (`/api/<parent>/<pk>/<child>/…`): the same form and model rules as
the pages, the parent's sums, audit rows naming the parent, masking, and another town's rows
out of reach. Every URL is also swept by the leak matrix (tests/core/test_leak_matrix.py)."""

from __future__ import annotations

import datetime
import json
import random
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.accounts.actions import issue_token
from gonghui.activities.models import ActivityUnit, Participant
from gonghui.care.models.hardship import HardshipFile, ReliefBatch, ReliefPayment
from gonghui.care.samples.hardship import documents
from gonghui.core.audit.models import AuditEntry
from gonghui.core.text.identifiers import make_id_number
from gonghui.core.workflow.actions import record_created, take
from tests.conftest import SENTINEL_A, Federation, make_member

pytestmark = pytest.mark.django_db

CARD = "6222021234567890123"


def rows_url(parent: str, pk: int, child: str) -> str:
    return reverse(f"api-{parent}-{child}-rows", kwargs={"pk": pk})


def row_url(parent: str, pk: int, child: str, row: int) -> str:
    return reverse(f"api-{parent}-{child}-row", kwargs={"pk": pk, "child_pk": row})


def send(client: Client, verb: str, url: str, data: dict[str, Any] | None = None) -> Any:
    if verb in {"get", "delete"}:
        return getattr(client, verb)(url)
    return getattr(client, verb)(url, json.dumps(data or {}), content_type="application/json")


def worker(fed: Federation, name: str, seed: int) -> Any:
    return make_member(f"{SENTINEL_A}{name}", fed.union_a1, random.Random(seed)).person


def approved_file(fed: Federation, person: Any, make_persona: Any) -> HardshipFile:
    """A file in 档 for `person`, through its three different hands (chair, town, city)."""
    chair, town = make_persona("chair_a1"), make_persona("town_a_cadre")
    city = make_persona("city_admin")
    file = HardshipFile(person=person, org=fed.union_a1, year=2018,
                        opened_on=datetime.date(2018, 1, 10), household_size=3,
                        annual_income=Decimal("24000"), rigid_costs=Decimal("6000"),
                        main_cause="illness", address="幸福路8号", bank_card=CARD)
    file.full_clean()
    file.save()
    record_created(file, actor=chair)
    documents(file, person.name)
    take(file, "submit", actor=chair)
    take(file, "review", actor=town)
    return take(file, "approve", actor=city)  # type: ignore[no-any-return]


def new_batch(fed: Federation, maker: Any) -> ReliefBatch:
    batch = ReliefBatch(org=fed.union_a1, number="A-2018-09", title="春节送温暖", kind="spring",
                        fund_source="city", planned_on=datetime.date(2018, 2, 1))
    batch.save()
    record_created(batch, actor=maker)
    return batch


def test_a_line_created_through_the_api_counts_in_the_batch_sum(
    federation: Federation, make_persona: Any, login: Any
) -> None:
    poor, other = worker(federation, "褚十", 13), worker(federation, "卫十一", 14)
    approved_file(federation, poor, make_persona)
    approved_file(federation, other, make_persona)
    batch = new_batch(federation, make_persona("chair_a1"))
    token = issue_token(username="chair_a1")
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    url = rows_url("relief-batches", batch.pk, "lines")

    created = send(client, "post", url, {"person": poor.pk, "kind": "spring", "amount": "1500",
                                         "paid_on": "2018-02-01"})
    assert created.status_code == 201, created.content
    row = created.json()
    line = ReliefPayment.objects.get(pk=row["id"])
    assert line.batch_id == batch.pk and line.amount == Decimal("1500.00")
    # The model rule filled the line's card from the file; the chair reads it masked.
    assert line.bank_card == CARD
    assert row["bank_card"] != CARD and row["bank_card"].startswith("622202")
    assert CARD not in created.content.decode()
    # Form-encoded posts are read the same way.
    second = client.post(url, {"person": other.pk, "kind": "spring", "amount": "300.50",
                               "paid_on": "2018-02-01"})
    assert second.status_code == 201, second.content

    listing = client.get(url)
    assert listing.status_code == 200
    body = listing.json()
    assert body["count"] == 2 and {r["id"] for r in body["results"]} == {row["id"],
                                                                       second.json()["id"]}
    assert body["totals"] == {"people": 2, "amount": "1800.50"}
    assert Decimal(body["totals"]["amount"]) == registry_totals(batch)["amount"]
    # The audit row names the parent batch, as a line entered on the page does.
    entry = AuditEntry.objects.get(object_type="care.reliefpayment", object_id=str(line.pk),
                                   action="create")
    assert entry.username == "chair_a1"
    assert entry.changes["parent"] == {"type": "care.reliefbatch", "id": batch.pk,
                                       "name": str(batch)}

    # PATCH changes what is sent and keeps the rest; the sum follows.
    patched = send(client, "patch", row_url("relief-batches", batch.pk, "lines", line.pk),
                   {"amount": "1000"})
    assert patched.status_code == 200, patched.content
    line.refresh_from_db()
    assert (line.amount, line.kind, line.person_id) == (Decimal("1000.00"), "spring", poor.pk)
    assert client.get(url).json()["totals"]["amount"] == "1300.50"
    # DELETE removes the line from the sum.
    deleted = client.delete(row_url("relief-batches", batch.pk, "lines", line.pk))
    assert deleted.status_code == 204
    assert client.get(url).json()["totals"] == {"people": 1, "amount": "300.50"}
    assert AuditEntry.objects.filter(object_id=str(line.pk), action="delete").exists()


def registry_totals(batch: ReliefBatch) -> dict[str, Any]:
    from gonghui.core.records.registry import registry

    return registry["relief-batches"].child("lines").totals(batch)


def test_a_rule_refusal_comes_back_as_400_with_chinese_field_errors(
    federation: Federation, make_persona: Any, login: Any
) -> None:
    stranger = worker(federation, "蒋十二", 15)
    batch = new_batch(federation, make_persona("chair_a1"))
    client = login("chair_a1")
    url = rows_url("relief-batches", batch.pk, "lines")
    # 先建档、后帮扶: the model's rule, in its words, on the field it names.
    refused = send(client, "post", url, {"person": stranger.pk, "kind": "spring",
                                         "amount": "500", "paid_on": "2018-02-01"})
    assert refused.status_code == 400
    assert refused.json()["person"] == ["该职工没有在档的困难职工档案（先建档、后帮扶）"]
    # The form's own checks: required fields and the amount's shape, in Chinese.
    empty = send(client, "post", url, {"person": stranger.pk, "amount": "abc"})
    assert empty.status_code == 400
    errors = empty.json()
    assert errors["kind"] == ["该字段是必填项。"]
    assert errors["amount"] == ["输入一个数字。"]
    # A whole-row rule: a participant needs an ID number or a count.
    activity = federation.activity_a
    whole = send(client, "post", rows_url("activities", activity.pk, "participants"),
                 {"unit_name": "机械厂"})
    assert whole.status_code == 400
    assert whole.json()["non_field_errors"] == [
        "请填写身份证号（具名参与人）或人数（不具名的人数）"]
    assert not ReliefPayment.objects.filter(batch=batch).exists()


def test_a_submitted_batchs_lines_are_refused_with_the_states_reason(
    federation: Federation, make_persona: Any, login: Any
) -> None:
    poor = worker(federation, "褚十", 13)
    approved_file(federation, poor, make_persona)
    chair = make_persona("chair_a1")
    batch = new_batch(federation, chair)
    client = login("chair_a1")
    url = rows_url("relief-batches", batch.pk, "lines")
    created = send(client, "post", url, {"person": poor.pk, "kind": "spring", "amount": "800",
                                         "paid_on": "2018-02-01"})
    assert created.status_code == 201
    take(batch, "submit", actor=chair)
    one = row_url("relief-batches", batch.pk, "lines", created.json()["id"])
    reason = "当前状态为「已提交」，不能添加、修改或删除救助发放明细"
    changed = send(client, "patch", one, {"amount": "900"})
    assert changed.status_code == 409
    assert reason in changed.json()["detail"]
    added = send(client, "post", url, {"person": poor.pk, "kind": "spring", "amount": "5"})
    assert added.status_code == 409 and reason in added.json()["detail"]
    removed = client.delete(one)
    assert removed.status_code == 409
    assert reason in removed.json()["detail"]
    assert ReliefPayment.objects.get(pk=created.json()["id"]).amount == Decimal("800.00")


def test_put_validates_the_whole_row_and_patch_keeps_the_rest(
    federation: Federation, login: Any
) -> None:
    client = login("town_a_cadre")
    activity, unit = federation.activity_a, federation.activity_unit_a
    one = row_url("activities", activity.pk, "units", unit.pk)
    before = client.get(one)
    assert before.status_code == 200 and before.json()["unit_name"] == unit.unit_name
    patched = send(client, "patch", one, {"note": "送达慰问品"})
    assert patched.status_code == 200, patched.content
    unit.refresh_from_db()
    assert unit.note == "送达慰问品" and unit.unit_name == before.json()["unit_name"]
    put = send(client, "put", one, {"note": "只填备注"})
    assert put.status_code == 400 and "unit" in put.json()
    # The parent field is not the form's: a row cannot be moved to another activity.
    moved = send(client, "patch", one, {"activity": federation.activity_b.pk, "amount": "5"})
    assert moved.status_code == 200
    unit.refresh_from_db()
    assert unit.activity_id == activity.pk and unit.amount == Decimal("5")


def test_a_cadre_of_another_town_gets_404_on_every_verb(
    federation: Federation, login: Any
) -> None:
    client = login("town_b_cadre")
    activity, row = federation.activity_a, federation.participant_a
    state = list(Participant.objects.values_list("pk", "person", "headcount", "activity", "note"))
    units = list(ActivityUnit.objects.values_list("pk", "unit_name", "amount", "note"))
    urls = [rows_url("activities", activity.pk, "participants"),
            row_url("activities", activity.pk, "participants", row.pk),
            rows_url("activities", activity.pk, "units")]
    for url in urls:
        for verb in ("get", "post", "put", "patch", "delete"):
            response = send(client, verb, url, {"headcount": 3, "unit": "越权单位"})
            assert response.status_code == 404, (verb, url, response.status_code)
            assert SENTINEL_A not in response.content.decode()
    # Town B's own activity, with town A's row id: the row is reached only through its parent.
    own = federation.activity_b
    wrong = row_url("activities", own.pk, "participants", row.pk)
    assert client.get(wrong).status_code == 404
    assert client.delete(wrong).status_code == 404
    assert list(Participant.objects.values_list("pk", "person", "headcount", "activity",
                                                "note")) == state
    assert list(ActivityUnit.objects.values_list("pk", "unit_name", "amount", "note")) == units
    # The control: town B reads its own activity's rows, and OPTIONS describes them.
    mine = client.get(rows_url("activities", own.pk, "participants"))
    assert mine.status_code == 200 and mine.json()["count"] >= 1
    own_row = mine.json()["results"][0]["id"]
    for url in (rows_url("activities", own.pk, "participants"),
                row_url("activities", own.pk, "participants", own_row)):
        assert client.options(url).status_code == 200, url


def test_id_numbers_are_masked_unless_the_reader_may_reveal_them(
    federation: Federation, login: Any
) -> None:
    file = federation.branch_objects_with_children("a")["hardship"]
    member = federation.branch_objects_with_children("a")["hardship/members"]
    number = make_id_number(random.Random(7), area_code="370285",
                            birth_date=datetime.date(1986, 3, 1), sex="F")
    type(member).objects.filter(pk=member.pk).update(id_number=number)
    url = rows_url("hardship", file.pk, "members")
    full = [number]
    masked = login("town_a_cadre").get(url)
    assert masked.status_code == 200
    assert not any(number in masked.content.decode() for number in full)
    assert all("*" in r["id_number"] for r in masked.json()["results"] if r["id_number"])
    shown = login("city_admin").get(url).json()["results"]
    assert {r["id_number"] for r in shown if r["id_number"]} == set(full)


def test_reading_needs_the_view_permission_and_writing_the_change_permission(
    federation: Federation, login: Any
) -> None:
    from django.contrib.auth.models import Permission

    from gonghui.accounts.actions import create_user

    # The auditor reads no records: the record type's view permission comes first (403).
    activity, unit = federation.activity_a, federation.activity_unit_a
    rows = rows_url("activities", activity.pk, "units")
    assert login("auditor").get(rows).status_code == 403
    assert Client().get(rows).status_code in {401, 403}
    # An account that may view activities but not change them reads the rows, writes none.
    user = create_user(username="reader_a", org=federation.town_a, roles=[], password=None)
    user.user_permissions.add(Permission.objects.get(codename="view_activity"))
    client = Client()
    client.force_login(user)
    assert client.get(rows).status_code == 200
    before = list(ActivityUnit.objects.values_list("pk", "unit_name", "amount", "note"))
    one = row_url("activities", activity.pk, "units", unit.pk)
    for verb, url in (("post", rows), ("patch", one), ("put", one), ("delete", one)):
        response = send(client, verb, url, {"unit": "新单位", "amount": "1", "note": "x"})
        assert response.status_code == 403, (verb, url)
        assert "没有修改" in response.json()["detail"]
    assert list(ActivityUnit.objects.values_list("pk", "unit_name", "amount", "note")) == before
