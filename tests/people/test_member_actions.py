"""退会 and 转出 from the member page and from the ticked rows of the member list.

Date and reason are asked and kept; each row is done in its own transaction, so a refused row
(already left) leaves the others done and is named with its reason; ids of another branch are
dropped like ids that do not exist; a form error keeps what was typed.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.urls import reverse

from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.people import actions
from gonghui.people.models import JoinedBy, Membership, MembershipStatus
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

D = datetime.date
LEAVE = reverse("members-action", kwargs={"action": "leave"})
TRANSFER = reverse("members-action", kwargs={"action": "transfer"})


@pytest.fixture
def three(federation: Any) -> list[Membership]:
    rng = random.Random(13)
    return [make_member(name, federation.union_a1, rng, enrolled_on=D(2019, 1, 1))
            for name in ("王一", "王二", "王三")]


def test_member_page_shows_the_person_and_offers_leave_and_transfer(federation, login, three):
    member = three[0]
    response = login("town_a_cadre").get(reverse("members-detail", args=[member.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for label in ("身份证号", "性别", "出生日期", "手机号", "民族", "学历", "政治面貌", "工作单位",
                  "会籍记录"):
        assert label in body, label
    # Masked on the page; derived search helpers are not shown.
    assert member.person.id_number not in body
    assert member.person.id_number[:6] + "*" * 10 in body
    assert "拼音首字母" not in body and "身份证号后四位" not in body
    assert 'data-testid="action-leave"' in body and 'data-testid="action-transfer"' in body


def test_leave_one_member_with_date_and_reason(federation, login, three):
    member = three[0]
    client = login("town_a_cadre")
    detail = reverse("members-detail", args=[member.pk])
    form = client.get(LEAVE, {"ids": member.pk, "next": detail})
    assert form.status_code == 200 and "王一" in form.content.decode()
    response = client.post(LEAVE, {"ids": member.pk, "next": detail, "on": "2024-06-30",
                                   "reason": "退休", "note": ""})
    assert response.status_code == 302 and response["Location"] == detail
    member.refresh_from_db()
    assert (member.status, member.ended_on, member.end_reason) == (
        MembershipStatus.LEFT, D(2024, 6, 30), "退休")
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE).latest("pk")
    assert entry.changes["reason"] == "退休"
    # Left: the page no longer offers it.
    assert 'data-testid="action-leave"' not in client.get(detail).content.decode()


def test_bulk_leave_does_each_row_and_names_the_refused(federation, login, three):
    actions.leave(person=three[2].person, on=D(2020, 1, 1))
    client = login("town_a_cadre")
    ids = [m.pk for m in three]
    page = client.get(LEAVE, {"ids": ids})
    assert "以下 1 条不适用" in page.content.decode()
    response = client.post(LEAVE, {"ids": ids, "on": "2024-01-31", "reason": "其他",
                                   "note": "企业关停"}, follow=True)
    assert "已办理退会：2 条" in response.content.decode()
    statuses = {m.person.name: m.status for m in Membership.objects.filter(pk__in=ids)}
    assert statuses == {"王一": "left", "王二": "left", "王三": "left"}
    assert Membership.objects.get(pk=ids[0]).end_reason == "其他：企业关停"


def test_a_refused_row_is_named_and_the_others_are_done(federation, login, three):
    client = login("town_a_cadre")
    # 王一 enrolled 2019-01-01; a leave dated before it is refused for that row alone.
    late = make_member("王四", federation.union_a1, random.Random(3), enrolled_on=D(2023, 5, 1))
    response = client.post(LEAVE, {"ids": [three[0].pk, late.pk], "on": "2022-01-01",
                                   "reason": "退休"}, follow=True)
    body = response.content.decode()
    assert "已办理退会：1 条" in body
    assert "未能办理退会 1 条：王四" in body and "退会日期须晚于当前会籍的入会日期" in body
    late.refresh_from_db()
    assert late.status == MembershipStatus.ACTIVE


def test_form_errors_keep_what_was_typed(federation, login, three):
    client = login("town_a_cadre")
    response = client.post(LEAVE, {"ids": three[0].pk, "on": "2999-01-01", "reason": "其他",
                                   "note": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "日期不能晚于今天" in body and "原因为“其他”时请写明" in body
    assert 'value="2999-01-01"' in body
    three[0].refresh_from_db()
    assert three[0].status == MembershipStatus.ACTIVE


def test_transfer_out_to_another_union(federation, login, three):
    member = three[0]
    client = login("town_a_cadre")
    response = client.post(TRANSFER, {"ids": member.pk, "to_union": federation.union_a2.pk,
                                      "on": "2024-03-01", "reason": "调动工作"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MembershipStatus.TRANSFERRED and member.end_reason == "调动工作"
    new = Membership.objects.get(person=member.person, status=MembershipStatus.ACTIVE)
    assert (new.org, new.joined_by, new.enrolled_on) == (
        federation.union_a2, JoinedBy.TRANSFER, D(2024, 3, 1))
    # The new page shows both memberships.
    body = client.get(reverse("members-detail", args=[new.pk])).content.decode()
    assert body.count("调动工作") == 1 and "已转出" in body


def test_transfer_offers_only_unions_the_user_sees(federation, login, three):
    client = login("town_a_cadre")
    body = client.get(TRANSFER, {"ids": three[0].pk}).content.decode()
    # The receiving union is typed into the organisations' picker, which finds only what the
    # cadre sees; no list of unions is rendered into the page.
    assert 'name="to_union"' in body and federation.union_b1.name not in body
    found = client.get(reverse("orgs-autocomplete"), {"q": "哨兵"}).json()["results"]
    assert federation.union_a2.pk in [item["id"] for item in found]
    assert federation.union_b1.pk not in [item["id"] for item in found]
    response = client.post(TRANSFER, {"ids": three[0].pk, "to_union": federation.union_b1.pk,
                                      "on": "2024-03-01", "reason": "调动工作"})
    assert response.status_code == 400
    three[0].refresh_from_db()
    assert three[0].status == MembershipStatus.ACTIVE


def test_other_branchs_ids_are_dropped_and_untouched(federation, login):
    client = login("town_a_cadre")
    page = client.get(LEAVE, {"ids": federation.member_b.pk})
    assert federation.member_b.person.name not in page.content.decode()
    response = client.post(LEAVE, {"ids": federation.member_b.pk, "on": "2024-01-01",
                                   "reason": "退休"})
    assert response.status_code == 400
    assert "没有可办理的记录" in response.content.decode()
    federation.member_b.refresh_from_db()
    assert federation.member_b.status == MembershipStatus.ACTIVE


def test_without_the_change_right_there_is_no_action(federation, login):
    for persona in ("auditor", "security_admin"):
        client = login(persona)
        assert client.get(LEAVE, {"ids": federation.member_a.pk}).status_code == 403
        assert client.post(LEAVE, {"ids": federation.member_a.pk, "on": "2024-01-01",
                                   "reason": "退休"}).status_code == 403
    assert login("town_a_cadre").get(
        reverse("members-action", kwargs={"action": "frobnicate"})).status_code == 404


def test_the_list_offers_row_selection_and_bulk_actions(federation, login, three):
    body = login("town_a_cadre").get(reverse("members-list")).content.decode()
    assert 'data-testid="check-all"' in body and 'name="ids"' in body
    assert 'data-testid="bulk-leave"' in body and 'data-testid="bulk-transfer"' in body
    # A type without actions shows no boxes.
    assert 'name="ids"' not in login("town_a_cadre").get(reverse("orgs-list")).content.decode()


def test_cadres_have_one_member_list_and_the_admin_the_person_index(federation, login):
    town = login("town_a_cadre").get(reverse("members-list")).content.decode()
    assert reverse("people-list") + '"' not in town
    admin = login("city_admin").get(reverse("members-list")).content.decode()
    assert reverse("people-list") + '"' in admin
    # The person page hides the derived search helpers.
    body = login("city_admin").get(
        reverse("people-detail", args=[federation.person_a.pk])).content.decode()
    assert "拼音首字母" not in body and "身份证号后四位" not in body and "民族" in body
