"""The member roll through the web pages, as a cadre uses it.

One search box finds a member by name, pinyin initials (`zs` → 张三), the last four characters
of the ID number or the full phone; filters narrow by status and 入会日期; ID numbers and phones
are masked for town cadres on the page and in the export and shown in full to the city
administrator; a person's page shows their whole membership history; the 新增 form enrols a
new member and refuses, writing nothing, someone who is an active member elsewhere.
"""

from __future__ import annotations

import datetime
import io
import random
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.core.text.identifiers import make_id_number
from gonghui.people import actions
from gonghui.people.models import JoinedBy, Membership, MembershipStatus, Person
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def roll(federation: Any) -> dict[str, Membership]:
    """Three more members in town A besides the federation's 哨兵甲张三 (enrolled 2018-03-01)."""
    rng = random.Random(2026)
    zhang_san = make_member("张三", federation.union_a1, rng, mobile="13955556666",
                            enrolled_on=D(2019, 6, 1), birth=D(1985, 5, 20))
    zhang_wei = make_member("张伟", federation.union_a2, rng, mobile="13700007777",
                            enrolled_on=D(2021, 1, 15), birth=D(1992, 11, 2))
    li_si = make_member("李四", federation.union_a1, rng, mobile="15000001234",
                        enrolled_on=D(2017, 2, 1), birth=D(1979, 1, 9))
    actions.leave(person=li_si.person, on=D(2023, 12, 31))
    li_si.refresh_from_db()
    return {"张三": zhang_san, "张伟": zhang_wei, "李四": li_si}


def member_names(client: Client, **params: Any) -> set[str]:
    response = client.get(reverse("members-list"), {**params, "per_page": 200})
    assert response.status_code == 200
    names = [obj.person.name for obj, _cells in response.context["rows"]]
    assert len(names) == len(set(names))
    return set(names)


def masked_id(number: str) -> str:
    return number[:6] + "*" * 10 + number[-2:]


def export_rows(client: Client, **params: Any) -> list[dict[str, Any]]:
    response: Any = client.get(reverse("members-export"), params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
    header = [str(cell) for cell in rows[1]]
    return [dict(zip(header, r, strict=False)) for r in rows[2:] if r and r[0] != "合计"]


# --- search ------------------------------------------------------------------------------------


def test_search_by_name_prefix(federation, roll, login):
    client = login("town_a_cadre")
    assert member_names(client, q="张") == {"张伟", "张三"}
    assert member_names(client, q="三") == set()  # one character: a surname, not anywhere


def test_search_by_the_middle_of_a_name(federation, roll, login):
    client = login("town_a_cadre")
    sentinel = federation.person_a.name  # 哨兵甲张三
    assert member_names(client, q="张三") == {"张三", sentinel}
    assert member_names(client, q="甲张") == {sentinel}
    assert member_names(client, q="兵甲张三") == {sentinel}
    assert member_names(client, q="甲三") == set()  # both characters, but not side by side
    assert member_names(client, q="乙李") == set()  # town B's 哨兵乙李四 stays out of view
    # A renamed person is found by the new name's characters and no longer by the old's.
    person = roll["张伟"].person
    person.name = "欧阳伟杰"
    person.save()
    assert member_names(client, q="伟杰") == {"欧阳伟杰"}
    assert member_names(client, q="张伟") == set()


def test_search_by_pinyin_initials(federation, roll, login):
    client = login("town_a_cadre")
    assert member_names(client, q="zs") == {"张三"}
    assert member_names(client, q="ZS") == {"张三"}
    assert member_names(client, q="zw") == {"张伟"}
    assert member_names(client, q="sbjzs") == {federation.person_a.name}


def test_search_by_last_four_of_the_id(federation, roll, login):
    client = login("town_a_cadre")
    number = roll["张伟"].person.id_number
    others = [m.person.id_number[-4:] for name, m in roll.items() if name != "张伟"]
    assert number[-4:] not in others
    assert member_names(client, q=number[-4:]) == {"张伟"}
    assert member_names(client, q=number) == {"张伟"}


def test_search_by_full_phone(federation, roll, login):
    client = login("town_a_cadre")
    assert member_names(client, q="13955556666") == {"张三"}
    assert member_names(client, q="13955556667") == set()


def test_search_stays_inside_the_subtree(federation, roll, login):
    client = login("town_a_cadre")
    assert member_names(client, q=federation.person_b.mobile) == set()
    assert member_names(client, q=federation.person_b.id_number[-4:]) == set()


def test_filter_by_status(federation, roll, login):
    client = login("town_a_cadre")
    assert member_names(client, status=MembershipStatus.LEFT) == {"李四"}
    assert member_names(client, status=MembershipStatus.ACTIVE) == {
        federation.person_a.name, "张三", "张伟"
    }


def test_filter_by_enrolment_date_range(federation, roll, login):
    client = login("town_a_cadre")
    assert member_names(client, date_after="2019-01-01", date_before="2021-12-31") == {
        "张伟", "张三"
    }
    assert member_names(client, date_after="2019-06-02") == {"张伟"}
    assert member_names(client, date_before="2017-02-01") == {"李四"}
    assert member_names(client, q="张", date_before="2020-01-01") == {"张三"}


# --- masking -----------------------------------------------------------------------------------


def test_town_cadre_sees_ids_and_phones_masked_on_the_page(federation, roll, login):
    client = login("town_a_cadre")
    person = roll["张三"].person
    response = client.get(reverse("members-list"), {"q": "张三"})
    html = response.content.decode()
    assert masked_id(person.id_number) in html
    assert "139****6666" in html
    assert person.id_number not in html
    assert "13955556666" not in html

    detail = client.get(reverse("people-detail", args=[person.pk])).content.decode()
    assert masked_id(person.id_number) in detail
    assert person.id_number not in detail
    assert "13955556666" not in detail


def test_town_cadre_export_is_masked(federation, roll, login):
    client = login("town_a_cadre")
    [row] = export_rows(client, q="zs")
    person = roll["张三"].person
    assert row["身份证号"] == masked_id(person.id_number)
    assert row["手机号"] == "139****6666"
    everything = str(export_rows(client))
    for member in roll.values():
        assert member.person.id_number not in everything
        assert member.person.mobile not in everything


def test_city_admin_sees_them_in_full(federation, roll, login):
    client = login("city_admin")
    person = roll["张三"].person
    html = client.get(reverse("members-list"), {"q": "张三"}).content.decode()
    assert person.id_number in html
    assert "13955556666" in html
    [row] = export_rows(client, q="zs")
    assert row["身份证号"] == person.id_number
    assert row["手机号"] == "13955556666"


# --- a person's history ------------------------------------------------------------------------


def test_person_page_shows_the_whole_membership_history(federation, roll, login):
    person = roll["张三"].person
    actions.transfer(person=person, to_union=federation.union_a2, on=D(2024, 3, 1))
    client = login("town_a_cadre")
    response = client.get(reverse("people-detail", args=[person.pk]))
    assert response.status_code == 200
    [block] = [block for panel, block in response.context["related"] if panel.label == "会籍记录"]
    assert block.total == 2
    history = sorted((item.org_id, item.status, item.joined_by, item.enrolled_on, item.ended_on)
                     for item, _cells in block.rows)
    assert history == sorted([
        (federation.union_a1.pk, MembershipStatus.TRANSFERRED, JoinedBy.ENROLMENT,
         D(2019, 6, 1), D(2024, 3, 1)),
        (federation.union_a2.pk, MembershipStatus.ACTIVE, JoinedBy.TRANSFER, D(2024, 3, 1), None),
    ])
    html = response.content.decode()
    assert "已转出" in html and "在会" in html and "转入" in html
    assert federation.union_a1.name in html and federation.union_a2.name in html


# --- the 新增 form -----------------------------------------------------------------------------


def new_member_form(federation: Any, **fields: Any) -> dict[str, Any]:
    data = {
        "name": "孙七",
        "id_number": make_id_number(random.Random(77), area_code="370285",
                                    birth_date=D(1993, 7, 15), sex="F"),
        "mobile": "13811112222",
        "org": federation.union_a2.pk,
        "enrolled_on": "2022-03-01",
        "card_number": "K-77",
    }
    data.update(fields)
    return data


def test_creating_a_member_enrols_them(federation, make_persona, login):
    cadre = make_persona("town_a_cadre")
    client = login("town_a_cadre")
    data = new_member_form(federation)
    response = client.post(reverse("members-create"), data)
    assert response.status_code == 302, response.content.decode()

    person = Person.objects.get(id_number=data["id_number"])
    assert person.name == "孙七"
    assert person.name_initials == "sq"
    assert person.sex == "F"
    assert person.birth_date == D(1993, 7, 15)
    assert person.mobile == "13811112222"
    assert person.org == federation.union_a2
    membership = Membership.objects.get(person=person)
    assert response["Location"] == reverse("members-detail", args=[membership.pk])
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.joined_by == JoinedBy.ENROLMENT
    assert membership.org == federation.union_a2
    assert membership.enrolled_on == D(2022, 3, 1)
    assert membership.card_number == "K-77"
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="people.membership", object_id=str(membership.pk),
        user=cadre,
    ).exists()


def test_creating_a_member_active_elsewhere_is_refused_and_writes_nothing(federation, login):
    client = login("town_a_cadre")
    person = federation.person_a
    persons, memberships = Person.objects.count(), Membership.objects.count()
    audits = AuditEntry.objects.count()
    data = new_member_form(federation, name=person.name, id_number=person.id_number,
                           mobile="13600009999")
    response = client.post(reverse("members-create"), data)

    assert response.status_code == 400
    assert "该人员已有有效会籍；如需转到本工会，请办理转会" in response.content.decode()
    assert Person.objects.count() == persons
    assert Membership.objects.count() == memberships
    assert AuditEntry.objects.count() == audits
    person.refresh_from_db()
    assert person.mobile == "13912345678"  # the typed phone was not saved either
    assert person.org == federation.union_a1
    assert Membership.objects.get(person=person, status=MembershipStatus.ACTIVE).org == (
        federation.union_a1
    )


def test_creating_with_transfer_ticked_moves_the_member(federation, login):
    client = login("town_a_cadre")
    person = federation.person_a
    data = new_member_form(federation, name=person.name, id_number=person.id_number,
                           transfer="on", enrolled_on="2024-05-01")
    response = client.post(reverse("members-create"), data)
    assert response.status_code == 302, response.content.decode()
    history = dict(Membership.objects.filter(person=person).values_list("org_id", "status"))
    assert history == {federation.union_a1.pk: MembershipStatus.TRANSFERRED,
                       federation.union_a2.pk: MembershipStatus.ACTIVE}


def test_creating_with_a_name_that_differs_from_the_record_is_refused(federation, login):
    client = login("town_a_cadre")
    memberships = Membership.objects.count()
    data = new_member_form(federation, name="冒名者", id_number=federation.person_a.id_number,
                           transfer="on")
    response = client.post(reverse("members-create"), data)
    assert response.status_code == 400
    assert "姓名与系统中该身份证号登记的姓名不一致" in response.content.decode()
    assert Membership.objects.count() == memberships


def test_creating_with_a_bad_id_shows_the_rule(federation, login):
    client = login("town_a_cadre")
    good = new_member_form(federation)["id_number"]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post(reverse("members-create"), new_member_form(federation, id_number=wrong))
    assert response.status_code == 400
    assert f"身份证号校验码错误，应为{good[17]}" in response.content.decode()
    assert not Person.objects.filter(id_number__startswith=good[:17]).exists()


# --- issue 12, finding 4: masked numbers cannot be rebuilt by searching or sorting ------------


def test_a_masked_user_matches_only_whole_numbers_or_the_last_four(federation, roll, login):
    client = login("town_a_cadre")
    person = roll["张三"].person
    number, mobile = person.id_number, person.mobile
    assert member_names(client, q=number) == {"张三"}
    assert member_names(client, q=mobile) == {"张三"}
    assert "张三" in member_names(client, q=number[-4:])
    # Every other length would let digits be added one at a time: nothing matches.
    for length in (3, 5, 6, 8, 10, 12, 17):
        assert member_names(client, q=number[-length:]) == set(), length
    for length in (3, 5, 6, 7, 8, 10):
        assert member_names(client, q=mobile[-length:]) == set(), length


def test_a_user_who_sees_numbers_still_searches_by_any_tail(federation, roll, login):
    client = login("city_admin")
    number = roll["张三"].person.id_number
    assert "张三" in member_names(client, q=number[-6:])


def test_a_masked_column_cannot_be_sorted_by_a_masked_user(federation, roll, login):
    client = login("town_a_cadre")
    for column in ("person__id_number", "-person__id_number", "person__mobile"):
        response = client.get(reverse("members-list"), {"sort": column})
        assert response.status_code == 200
        assert response.context["sort"] == "", column
    assert login("city_admin").get(
        reverse("members-list"), {"sort": "person__mobile"}).context["sort"] == "person__mobile"


def test_number_searches_are_audited_and_limited(federation, roll, login, settings):
    from gonghui.people import records

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "sensitive-search-test"}}
    client = login("town_a_cadre")
    number = roll["张三"].person.id_number
    for _ in range(records.SENSITIVE_SEARCH_LIMIT):
        assert "张三" in member_names(client, q=number[-4:])
    # past the limit the number finds nothing for a while
    assert member_names(client, q=number) == set()
    # names still work
    assert "张三" in member_names(client, q="张三")
    rows = AuditEntry.objects.filter(action=AuditAction.SENSITIVE_SEARCH)
    assert rows.count() == records.SENSITIVE_SEARCH_LIMIT + 1
    assert rows.filter(outcome="failure").count() == 1
    assert not any(number[-4:] in str(r.changes) for r in rows)
