"""Issue 12, finding 7: integrity races end in a clean Chinese answer, never a 500.

- Eight cadres post the same new ID number at once: one member is made, the others are told in
  Chinese (the person is fetched again after losing the insert race; any other unique clash the
  edit view turns into a message).
- Two imports moving the same members: the second is retried from a fresh read, so its rows
  end as "already a member here", not as a whole failed file with a generic message.
- A transfer or end dated on (or before) the current membership's start is refused, in the
  actions and by a database check: conflicting transfers cannot leave zero-length memberships.
- Edit forms carry the record's version (updated_at): a save over someone else's change is
  refused with 「该记录已被他人修改…」, nothing overwritten, the cadre's input kept.

The threaded tests need real concurrent connections: the PostgreSQL lane.
"""

from __future__ import annotations

import datetime
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.urls import reverse

from gonghui.core.imports import engine
from gonghui.core.imports.spec import ImportRejected
from gonghui.core.records.registry import registry
from gonghui.people import actions
from gonghui.people.imports import MemberImport
from gonghui.people.models import Membership, MembershipStatus, Person
from tests.people.test_member_import import member, new_id, write_book
from tests.people.test_member_pages import new_member_form

pytestmark = pytest.mark.django_db

D = datetime.date


def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections: the PostgreSQL lane")


def chinese_error(response: Any) -> str:
    """The form's error text (the page must say why in Chinese)."""
    html = response.content.decode()
    found = re.findall(r'class="[^"]*(?:invalid-feedback|alert-danger|errorlist)[^"]*"[^>]*>(.*?)<',
                       html, flags=re.S)
    text = " ".join(t.strip() for t in found if t.strip())
    assert re.search(r"[\u4e00-\u9fff]", text), html[:2000]
    return text


# --- new member posts racing on one new ID number ---------------------------------------------


def test_losing_the_race_to_create_the_person_is_a_chinese_message(federation, login,
                                                                   monkeypatch):
    """The form read "no such person", another post then made them: no 500."""
    client = login("town_a_cadre")
    data = new_member_form(federation)
    assert client.post(reverse("members-create"), data).status_code == 302
    real = actions.find_person
    calls: list[str] = []

    def stale_once(number: str) -> Person | None:
        # The first look-up answers as it would have a moment before the other post committed.
        calls.append(number)
        return None if len(calls) == 1 else real(number)

    monkeypatch.setattr(actions, "find_person", stale_once)
    response = client.post(reverse("members-create"), data)
    assert response.status_code == 400
    assert "已有有效会籍" in chinese_error(response)
    assert Person.objects.filter(id_number=data["id_number"]).count() == 1
    assert Membership.objects.filter(person__id_number=data["id_number"]).count() == 1


def test_a_unique_clash_the_form_did_not_foresee_is_a_chinese_message(federation, login,
                                                                      monkeypatch):
    """The edit view's safety net: whatever unique index refuses the save, no 500."""
    client = login("town_a_cadre")

    def clash(**kwargs: Any) -> Any:
        raise IntegrityError('duplicate key value violates unique constraint "x"')

    monkeypatch.setattr(actions, "enrol", clash)
    response = client.post(reverse("members-create"), new_member_form(federation))
    assert response.status_code == 400
    assert "同时" in chinese_error(response)
    assert not Person.objects.filter(name="孙七").exists()


@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_new_member_posts_make_one_member_and_no_500(federation,
                                                                        make_persona):
    postgresql_only()
    user = make_persona("town_a_cadre")
    data = new_member_form(federation)
    clients = []
    for _ in range(8):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, str]] = []

    def post(client: Client) -> None:
        try:
            barrier.wait()
            response = client.post(reverse("members-create"), data)
            answers.append((response.status_code, response.content.decode()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(status for status, _ in answers)
    assert len(statuses) == 8
    assert 500 not in statuses, statuses
    assert statuses.count(302) == 1, statuses
    for status, html in answers:
        if status != 302:
            assert status == 400
            assert "已有有效会籍" in html or "同时" in html, html[:2000]
    assert Person.objects.filter(id_number=data["id_number"]).count() == 1
    assert Membership.objects.filter(person__id_number=data["id_number"]).count() == 1


# --- two imports moving the same members ------------------------------------------------------


def moving_book(tmp_path: Path, name: str, people: list[Person]) -> Path:
    return write_book(tmp_path / name, [
        member(n, {"姓名": p.name, "身份证号": p.id_number, "所属工会编码": "A-2",
                   "入会日期": "2024-06-01", "转会": "是"})
        for n, p in enumerate(people, start=1)
    ])


def members_in_a1(federation: Any, count: int) -> list[Person]:
    people = []
    for n in range(count):
        number = new_id(500 + n)
        person = Person.objects.create(id_number=number, name=f"李{'一二三四五六'[n]}",
                                       sex="M", birth_date=D(1980, 1, 1), org=federation.union_a1)
        actions.enrol(person=person, union=federation.union_a1, enrolled_on=D(2019, 1, 1))
        people.append(person)
    return people


def one_active_each_in_a2(people: list[Person], federation: Any) -> None:
    for person in people:
        rows = Membership.objects.filter(person=person).order_by("enrolled_on")
        assert [(m.org_id, m.status) for m in rows] == [
            (federation.union_a1.pk, MembershipStatus.TRANSFERRED),
            (federation.union_a2.pk, MembershipStatus.ACTIVE),
        ]
        assert all(m.ended_on is None or m.ended_on > m.enrolled_on for m in rows)


@pytest.mark.django_db(transaction=True)
def test_two_imports_moving_the_same_members_both_end_cleanly(federation, make_persona,
                                                              tmp_path, monkeypatch):
    """Both read the members in A-1, then both write: the loser is retried from a fresh read."""
    postgresql_only()
    cadre = make_persona("town_a_cadre")
    people = members_in_a1(federation, 5)
    books = [moving_book(tmp_path, f"roll{i}.xlsx", people) for i in (1, 2)]
    barrier = threading.Barrier(2)
    real_write = MemberImport.write
    first_write = threading.local()

    def write_after_both_checked(self: Any, rows: Any, context: Any) -> Any:
        if not getattr(first_write, "done", False):
            first_write.done = True
            barrier.wait(timeout=30)  # both imports have read the members in A-1
        return real_write(self, rows, context)

    monkeypatch.setattr(MemberImport, "write", write_after_both_checked)
    outcomes: list[Any] = []

    def run(book: Path) -> None:
        try:
            outcomes.append(engine.run_import(MemberImport(), book, user=cadre))
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(b,)) for b in books]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(o.updated for o in outcomes) == [5, 5]
    assert all(o.rejected == 0 for o in outcomes)
    one_active_each_in_a2(people, federation)


def test_an_import_that_keeps_clashing_fails_with_a_chinese_reason(federation, make_persona,
                                                                   tmp_path, monkeypatch):
    cadre = make_persona("town_a_cadre")
    calls = []

    def clash(self: Any, rows: Any, context: Any) -> Any:
        calls.append(1)
        raise IntegrityError('duplicate key value violates unique constraint "x"')

    monkeypatch.setattr(MemberImport, "write", clash)
    book = write_book(tmp_path / "roll.xlsx", [member(1)])
    with pytest.raises(ImportRejected) as caught:
        engine.run_import(MemberImport(), book, user=cadre)
    assert "同时" in caught.value.message and "未写入任何数据" in caught.value.message
    assert len(calls) == engine.CONFLICT_ATTEMPTS
    assert not Person.objects.filter(id_number=new_id(1)).exists()


def test_a_fault_that_is_no_race_is_not_retried(federation, make_persona, tmp_path,
                                                monkeypatch):
    calls = []

    def fault(self: Any, rows: Any, context: Any) -> Any:
        calls.append(1)
        raise IntegrityError("NOT NULL constraint failed: people_person.name")

    monkeypatch.setattr(MemberImport, "write", fault)
    with pytest.raises(IntegrityError):
        engine.run_import(MemberImport(), write_book(tmp_path / "r.xlsx", [member(1)]),
                          user=make_persona("town_a_cadre"))
    assert len(calls) == 1


def test_a_clash_once_is_retried_from_a_fresh_read(federation, make_persona, tmp_path,
                                                   monkeypatch):
    cadre = make_persona("town_a_cadre")
    real_write = MemberImport.write
    calls = []

    def clash_once(self: Any, rows: Any, context: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError('duplicate key value violates unique constraint "x"')
        return real_write(self, rows, context)

    monkeypatch.setattr(MemberImport, "write", clash_once)
    result = engine.run_import(MemberImport(), write_book(tmp_path / "r.xlsx", [member(1)]),
                               user=cadre)
    assert (result.created, result.rejected, len(calls)) == (1, 0, 2)
    assert Person.objects.filter(id_number=new_id(1)).count() == 1


# --- zero-length memberships ------------------------------------------------------------------


def test_a_transfer_on_the_day_the_membership_began_is_refused(federation):
    person = federation.person_a
    current = Membership.objects.get(person=person, status=MembershipStatus.ACTIVE)
    with pytest.raises(ValidationError, match="须晚于"):
        actions.transfer(person=person, to_union=federation.union_a2, on=current.enrolled_on)
    with pytest.raises(ValidationError, match="须晚于"):
        actions.leave(person=person, on=current.enrolled_on)
    assert Membership.objects.get(pk=current.pk).status == MembershipStatus.ACTIVE


def test_conflicting_transfers_leave_no_zero_length_membership(federation):
    """Two cadres transfer the same member on the same day, one after the other (the second
    from a page read before the first): the second is refused."""
    person = federation.person_a
    day = D(2024, 6, 1)
    actions.transfer(person=person, to_union=federation.union_a2, on=day)
    with pytest.raises(ValidationError, match="须晚于"):
        actions.transfer(person=person, to_union=federation.union_a1a, on=day)
    assert not Membership.objects.filter(ended_on__lte=models_f("enrolled_on")).exists()


def models_f(name: str) -> Any:
    from django.db.models import F

    return F(name)


def test_the_database_refuses_a_membership_ending_the_day_it_began(federation):
    membership = Membership.objects.get(person=federation.person_a,
                                        status=MembershipStatus.ACTIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(
            status=MembershipStatus.LEFT, ended_on=membership.enrolled_on)


def test_an_import_transfer_dated_the_day_the_membership_began_is_rejected(
        federation, make_persona, tmp_path):
    p = federation.person_a
    current = Membership.objects.get(person=p, status=MembershipStatus.ACTIVE)
    book = write_book(tmp_path / "roll.xlsx", [
        member(1, {"姓名": p.name, "身份证号": p.id_number, "所属工会编码": "A-2",
                   "入会日期": f"{current.enrolled_on:%Y-%m-%d}", "转会": "是"}),
    ])
    result = engine.run_import(MemberImport(), book, user=make_persona("town_a_cadre"))
    assert (result.updated, result.rejected) == (0, 1)
    assert Membership.objects.get(pk=current.pk).status == MembershipStatus.ACTIVE


def test_a_row_action_on_a_membership_ended_meanwhile_is_refused(federation):
    """Two cadres act on the same membership row at once: the second action is given the
    membership it was shown, and refuses to end the person's new one in its place."""
    old = Membership.objects.get(person=federation.person_a, status=MembershipStatus.ACTIVE)
    actions.transfer(person=federation.person_a, to_union=federation.union_a2, on=D(2024, 6, 1))
    with pytest.raises(ValidationError, match="已被他人办理"):
        actions.leave(person=federation.person_a, on=D(2025, 1, 2), membership=old)
    with pytest.raises(ValidationError, match="已被他人办理"):
        actions.transfer(person=federation.person_a, to_union=federation.union_a1a,
                         on=D(2025, 1, 2), membership=old)
    current = Membership.objects.get(person=federation.person_a, status=MembershipStatus.ACTIVE)
    assert current.org == federation.union_a2


# --- the version check on every edit form -----------------------------------------------------


VERSION_FIELD = "record_version"


def version_of(html: str) -> str:
    found = re.search(rf'name="{VERSION_FIELD}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{VERSION_FIELD}"', html)
    assert found, "the edit form carries no record version"
    return found.group(1)


def test_every_record_types_edit_form_carries_the_version(federation, login):
    client = login("city_admin")
    checked = []
    for slug, obj in federation.branch_objects("a").items():
        record = registry[slug]
        try:
            url = reverse(record.url_name("update"), args=[obj.pk])
        except Exception:
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue  # locked by its workflow, or no edit right
        assert version_of(response.content.decode()), slug
        checked.append(slug)
    assert len(checked) >= 5, checked


def test_a_save_over_someone_elses_change_is_refused_and_the_input_kept(federation, login):
    client = login("town_a_cadre")
    enterprise = federation.enterprise_a
    record = registry["enterprises"]
    url = reverse(record.url_name("update"), args=[enterprise.pk])
    page = client.get(url).content.decode()
    seen = version_of(page)
    # Someone else saves the enterprise meanwhile.
    other = type(enterprise).objects.get(pk=enterprise.pk)
    other.name = "他人改过的名称"
    other.save()
    data = edit_data(client, url)
    data.update({"name": "我填写的名称", VERSION_FIELD: seen})
    response = client.post(url, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "该记录已被他人修改" in html
    assert "我填写的名称" in html  # the cadre's input is still on the form
    assert type(enterprise).objects.get(pk=enterprise.pk).name == "他人改过的名称"
    # The form now carries the current version: submitting again saves deliberately.
    assert version_of(html) != seen
    data[VERSION_FIELD] = version_of(html)
    assert client.post(url, data).status_code == 302
    assert type(enterprise).objects.get(pk=enterprise.pk).name == "我填写的名称"


def test_a_save_with_the_version_seen_goes_through(federation, login):
    client = login("town_a_cadre")
    enterprise = federation.enterprise_a
    url = reverse(registry["enterprises"].url_name("update"), args=[enterprise.pk])
    data = edit_data(client, url)
    data["name"] = "新名称"
    assert client.post(url, data).status_code == 302
    assert type(enterprise).objects.get(pk=enterprise.pk).name == "新名称"


def edit_data(client: Client, url: str) -> dict[str, Any]:
    """What the browser would post back from the edit page as it stands."""
    response = client.get(url)
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, datetime.date):
            value = f"{value:%Y-%m-%d}"
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = str(value)
    return data
