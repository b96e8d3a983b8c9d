"""Child rows under the same two guards as records (issue 12, finding 7, and the workflow kit):
an edit or delete carries the version of the row the cadre saw and is refused, input kept, once
someone else changed it; and rows change only in the parent states the kit declares, on the
pages (no links) and in the kit's `save_row` / `delete_row` (refused), whoever calls them.

Examples: activity participants (no workflow, `updated_at`), household members (no
`updated_at`: the version is a digest), relief batch lines (a workflow parent)."""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.urls import reverse

from gonghui.activities.models import Participant
from gonghui.care.models.hardship import RELIEF, HouseholdMember, ReliefBatch, ReliefPayment
from gonghui.core.audit.models import AuditEntry
from gonghui.core.records.children import (
    ChildRows,
    RowRefused,
    delete_row,
    row_version,
    save_row,
)
from gonghui.core.records.registry import RecordType, registry
from gonghui.core.workflow.actions import take
from tests.conftest import SENTINEL_A, Federation

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
VERSION = "record_version"


def version_on(html: str) -> str:
    found = re.search(rf'name="{VERSION}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{VERSION}"', html)
    assert found, "the form carries no version"
    return found.group(1)


def form_data(response: Any) -> dict[str, str]:
    """What the browser posts back from a child form as it stands."""
    form = response.context["form"]
    data: dict[str, str] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else str(value)
    return data


def child_url(parent_slug: str, child: str, view: str, parent: Any, row: Any = None) -> str:
    args = [parent.pk] + ([row.pk] if row is not None else [])
    return reverse(f"{parent_slug}-{child}-{view}", args=args)


def paid_batch() -> ReliefBatch:
    return ReliefBatch.objects.get(number=f"{SENTINEL_A}-2018-001")


# --- the version the cadre saw ---------------------------------------------------------------


def test_a_stale_participant_edit_is_refused_and_the_input_kept(federation: Federation,
                                                                login: Any) -> None:
    client = login("town_a_cadre")
    activity, row = federation.activity_a, federation.participant_a
    url = child_url("activities", "participants", "update", activity, row)
    page = client.get(url, **HTMX)
    seen = version_on(page.content.decode())
    data = form_data(page)
    # Someone else saves the row meanwhile.
    other = Participant.objects.get(pk=row.pk)
    other.note = "他人改过的备注"
    other.save()
    data.update({"note": "我填写的备注", VERSION: seen})
    refused = client.post(url, data, **HTMX)
    assert refused.status_code == 200 and "HX-Retarget" not in refused  # the form, again
    html = refused.content.decode()
    assert "该行已被他人修改" in html
    assert "我填写的备注" in html  # nothing the cadre typed is lost
    assert Participant.objects.get(pk=row.pk).note == "他人改过的备注"
    # The form now carries the current version: 保存 again is a deliberate overwrite.
    assert version_on(html) not in ("", seen)
    data[VERSION] = version_on(html)
    saved = client.post(url, data, **HTMX)
    assert saved.status_code == 200 and saved["HX-Retarget"] == "#children-participants"
    assert Participant.objects.get(pk=row.pk).note == "我填写的备注"


def test_without_javascript_a_stale_edit_answers_409(federation: Federation,
                                                     login: Any) -> None:
    client = login("town_a_cadre")
    activity, row = federation.activity_a, federation.participant_a
    url = child_url("activities", "participants", "update", activity, row)
    page = client.get(url)
    data = form_data(page)
    # A write that names its column (updated_at left as it was) still changes the version.
    Participant.objects.filter(pk=row.pk).update(unit_name="他人填的单位")
    data["note"] = "无脚本填写"
    refused = client.post(url, data)
    assert refused.status_code == 409
    assert "该行已被他人修改" in refused.content.decode()
    assert "无脚本填写" in refused.content.decode()
    assert Participant.objects.get(pk=row.pk).unit_name == "他人填的单位"


def test_a_household_members_version_is_a_digest_of_its_values(federation: Federation,
                                                              login: Any) -> None:
    # HouseholdMember has no updated_at: no migration, the version is read from its values.
    member = federation.planted["a"]["hardship/members"]
    file = member.file
    client = login("town_a_cadre")
    url = child_url("hardship", "members", "update", file, member)
    page = client.get(url, **HTMX)
    seen = version_on(page.content.decode())
    assert seen == row_version(HouseholdMember.objects.get(pk=member.pk))
    assert member.name not in seen and "800" not in seen
    data = form_data(page)
    HouseholdMember.objects.filter(pk=member.pk).update(monthly_income=Decimal("900"))
    data.update({"health": "我填写的健康状况", VERSION: seen})
    refused = client.post(url, data, **HTMX)
    assert "该行已被他人修改" in refused.content.decode()
    assert "我填写的健康状况" in refused.content.decode()
    assert HouseholdMember.objects.get(pk=member.pk).monthly_income == Decimal("900")


def test_a_stale_delete_is_refused_and_the_current_one_goes_through(federation: Federation,
                                                                    login: Any) -> None:
    client = login("town_a_cadre")
    activity, row = federation.activity_a, federation.participant_a
    detail = client.get(reverse("activities-detail", args=[activity.pk])).content.decode()
    # The delete link carries the version the table showed.
    seen = row_version(Participant.objects.get(pk=row.pk))
    assert f'"{VERSION}": "{seen}"' in detail
    Participant.objects.filter(pk=row.pk).update(note="他人刚改过")
    url = child_url("activities", "participants", "delete", activity, row)
    refused = client.post(url, {VERSION: seen}, **HTMX)
    assert refused.status_code == 200 and refused["HX-Retarget"] == "#children-participants"
    assert "已被他人修改，未删除" in refused.content.decode()
    assert Participant.objects.filter(pk=row.pk).exists()
    # Without JavaScript: the confirmation page carries the version it showed.
    confirm = client.get(url).content.decode()
    now = version_on(confirm)
    assert now == row_version(Participant.objects.get(pk=row.pk))
    assert client.post(url, {VERSION: now}).status_code == 302
    assert not Participant.objects.filter(pk=row.pk).exists()


def test_the_kit_refuses_a_stale_row_to_any_caller(federation: Federation,
                                                   make_persona: Any) -> None:
    # What an API for child rows calls: the same functions, the same refusals.
    cadre = make_persona("town_a_cadre")
    child = registry["activities"].child("participants")
    activity, row = federation.activity_a, federation.participant_a
    seen = row_version(Participant.objects.get(pk=row.pk))
    Participant.objects.filter(pk=row.pk).update(note="他人刚改过")
    edited = Participant.objects.get(pk=row.pk)
    edited.note = "迟到的修改"
    with pytest.raises(RowRefused) as caught:
        save_row(child, activity, edited, actor=cadre, version=seen)
    assert caught.value.code == "stale" and "已被他人修改" in caught.value.message
    with pytest.raises(RowRefused) as caught:
        delete_row(child, activity, edited, actor=cadre, version=seen)
    assert caught.value.code == "stale"
    assert Participant.objects.get(pk=row.pk).note == "他人刚改过"
    # The current version saves, audited with the parent named.
    save_row(child, activity, edited, actor=cadre, version=caught.value.current)
    assert Participant.objects.get(pk=row.pk).note == "迟到的修改"
    entry = AuditEntry.objects.filter(object_type="activities.participant",
                                      object_id=str(row.pk)).latest("pk")
    assert entry.changes["parent"]["id"] == activity.pk
    assert entry.user == cadre


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_of_one_row_seen_alike_save_once(federation: Federation,
                                                            make_persona: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections: PostgreSQL (SQLite serialises every writer)")
    cadre = make_persona("town_a_cadre")
    child = registry["activities"].child("participants")
    activity, pk = federation.activity_a, federation.participant_a.pk
    seen = row_version(Participant.objects.get(pk=pk))
    barrier = threading.Barrier(6)
    wins: list[str] = []
    losses: list[str] = []

    def edit(n: int) -> None:
        try:
            row = Participant.objects.get(pk=pk)
            row.note = f"第{n}位的修改"
            barrier.wait(timeout=30)
            save_row(child, activity, row, actor=cadre, version=seen)
            wins.append(row.note)
        except RowRefused as refused:
            losses.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(wins) == 1 and losses == ["stale"] * 5, (wins, losses)
    assert Participant.objects.get(pk=pk).note == wins[0]


# --- rows follow the parent's workflow state -------------------------------------------------


def test_a_paid_batch_shows_no_row_links_and_refuses_every_post(federation: Federation,
                                                                login: Any) -> None:
    batch = paid_batch()
    line = batch.lines.get()
    client = login("town_a_cadre")
    page = client.get(reverse("relief-batches-detail", args=[batch.pk])).content.decode()
    create = child_url("relief-batches", "lines", "create", batch)
    update = child_url("relief-batches", "lines", "update", batch, line)
    delete = child_url("relief-batches", "lines", "delete", batch, line)
    for url in (create, update, delete):
        assert url not in page
    assert "当前状态为「已发放」，不能添加、修改或删除救助发放明细" in page
    before = list(ReliefPayment.objects.filter(batch=batch).values())
    data = {"person": line.person_id, "kind": line.kind, "amount": "1", "paid_on": "2018-02-01",
            VERSION: row_version(line)}
    for headers in ({}, HTMX):
        for url in (create, update):
            answer = client.post(url, data, **headers)
            assert answer.status_code in (200, 409), (url, answer.status_code)
            assert "不能添加、修改或删除救助发放明细" in answer.content.decode()
        answer = client.post(delete, {VERSION: row_version(line)}, **headers)
        assert answer.status_code in (200, 302)
        if headers:
            assert "不能添加、修改或删除救助发放明细" in answer.content.decode()
        # The forms are not even offered.
        assert client.get(update, **headers).status_code in (200, 302)
        assert 'name="amount"' not in client.get(update, **headers).content.decode()
    assert list(ReliefPayment.objects.filter(batch=batch).values()) == before
    # Without JavaScript the refusal comes back as a message on the parent's page.
    followed = client.post(delete, {VERSION: row_version(line)}, follow=True).content.decode()
    assert "当前状态为「已发放」" in followed


def test_the_kit_refuses_rows_of_a_paid_batch_to_any_caller(federation: Federation,
                                                             make_persona: Any) -> None:
    city = make_persona("city_admin")
    child = registry["relief-batches"].child("lines")
    batch = paid_batch()
    line = batch.lines.get()
    line.note = "改"
    for call in (lambda: save_row(child, batch, line, actor=city),
                 lambda: delete_row(child, batch, line, actor=city),
                 lambda: save_row(child, batch, child.new_row(batch), actor=city)):
        with pytest.raises(RowRefused) as caught:
            call()
        assert caught.value.code == "state" and "已发放" in caught.value.message
    assert ReliefPayment.objects.get(pk=line.pk).note == ""
    # The parent is read again inside the transaction: a batch object the caller holds that
    # still says 草稿 does not let a row into a batch that has moved on.
    stale_parent = ReliefBatch.objects.get(pk=batch.pk)
    stale_parent.state = "draft"
    with pytest.raises(RowRefused):
        save_row(child, stale_parent, line, actor=city)


def test_rows_change_in_draft_and_again_after_send_back(federation: Federation, login: Any,
                                                        make_persona: Any) -> None:
    batch = federation.planted["a"]["relief-batches"]  # 草稿, one line
    line = batch.lines.get()
    client = login("town_a_cadre")
    detail = reverse("relief-batches-detail", args=[batch.pk])
    update = child_url("relief-batches", "lines", "update", batch, line)

    def edit(note: str) -> Any:
        data = form_data(client.get(update, **HTMX))
        data["note"] = note
        return client.post(update, data, **HTMX)

    assert update in client.get(detail).content.decode()
    assert edit("草稿时改").status_code == 200
    assert ReliefPayment.objects.get(pk=line.pk).note == "草稿时改"
    # A form opened in 草稿, posted after the batch was submitted: refused, the input kept.
    opened = form_data(client.get(update, **HTMX))
    take(batch, "submit", actor=make_persona("chair_a1"))
    assert update not in client.get(detail).content.decode()
    late = client.post(update, {**opened, "note": "提交后改"}, **HTMX).content.decode()
    assert "当前状态为「已提交」，不能添加、修改或删除救助发放明细" in late
    assert "提交后改" in late
    assert ReliefPayment.objects.get(pk=line.pk).note == "草稿时改"
    take(ReliefBatch.objects.get(pk=batch.pk), "send_back", actor=make_persona("town_a_cadre"),
         opinion="请核对金额")
    assert update in client.get(detail).content.decode()  # 退回修改: editable again
    edit("退回后改")
    assert ReliefPayment.objects.get(pk=line.pk).note == "退回后改"


def test_the_declared_parent_states_decide(federation: Federation) -> None:
    lines = registry["relief-batches"].child("lines")
    # Not declared: the states in which the batch itself may be edited.
    assert lines.changeable_states() == ["draft"]
    # Declared: exactly those states.
    wider = ChildRows(model=ReliefPayment, slug="checked-lines", parent_field="batch",
                      columns=["amount"], parent_states=["draft", "submitted"])
    wider.parent = registry["relief-batches"]
    submitted = ReliefBatch(state="submitted")
    assert wider.change_refusal(submitted) is None
    assert lines.change_refusal(submitted) == (
        "救助发放批次当前状态为「已提交」，不能添加、修改或删除救助发放明细")
    # Rows of a parent without a workflow always change.
    assert registry["activities"].child("participants").changeable_states() is None
    # A state the parent's workflow does not have is a declaration error, found at start-up.
    with pytest.raises(ValueError, match="unknown parent states"):
        RecordType(model=ReliefBatch, slug="misdeclared", columns=["number"], workflow=RELIEF,
                   children=[ChildRows(model=ReliefPayment, slug="x", parent_field="batch",
                                       columns=["amount"], parent_states=["archived"])])


def test_no_import_into_a_parent_whose_rows_are_closed(federation: Federation, login: Any,
                                                        make_persona: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # No parent with a workflow takes a child import yet: the participants' rule is replaced.
    from gonghui.core.imports.models import ImportJob
    from gonghui.core.imports.spec import ImportRejected
    from gonghui.core.imports.tasks import job_spec
    from gonghui.core.records.children import import_slug

    child = registry["activities"].child("participants")
    reason = "活动当前状态为「已归档」，不能添加、修改或删除参与人员"
    monkeypatch.setattr(child, "change_refusal", lambda parent: reason)
    activity = federation.activity_a
    client = login("town_a_cadre")
    page = client.get(reverse("activities-detail", args=[activity.pk])).content.decode()
    url = child_url("activities", "participants", "import", activity)
    assert url not in page and reason in page
    for answer in (client.get(url, follow=True), client.post(url, {}, follow=True)):
        assert reason in answer.content.decode()
    assert not ImportJob.objects.filter(record_slug=import_slug(child, activity)).exists()
    # A job queued before the parent moved on writes nothing when the worker runs it.
    job = ImportJob(record_slug=import_slug(child, activity), user=make_persona("town_a_cadre"))
    with pytest.raises(ImportRejected, match="已归档"):
        job_spec(job)
