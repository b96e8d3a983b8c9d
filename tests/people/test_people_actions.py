"""Membership workflows: enrol, transfer (会籍转接) and leave.

Each one is atomic and audited, leaves the person with at most one active membership (and the
database refuses a second one whoever writes it), and refuses what a cadre must not do: a second
active membership, a transfer to the union the member is already in, leaving without a
membership, dates that run backwards.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.core.text.identifiers import make_id_number
from gonghui.people import actions
from gonghui.people.models import JoinedBy, Membership, MembershipStatus, Person

pytestmark = pytest.mark.django_db

D = datetime.date


def new_person(federation: Any, name: str = "周八", *, n: int = 1) -> Person:
    birth = D(1988, 8, 8)
    p = Person(
        id_number=make_id_number(random.Random(n), area_code="370285", birth_date=birth,
                                 sex="F"),
        name=name, sex="F", birth_date=birth, org=federation.union_a1,
    )
    p.save()
    return p


def messages_of(caught: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return list(caught.value.messages)


def entries_for(membership: Membership) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="people.membership",
                                          object_id=str(membership.pk)).order_by("id"))


# --- enrol -------------------------------------------------------------------------------------


def test_enrol_starts_an_active_membership_audited(federation, make_persona):
    cadre = make_persona("town_a_cadre")
    p = new_person(federation)
    membership = actions.enrol(person=p, union=federation.union_a2, enrolled_on=D(2021, 4, 1),
                               card_number="C-1", user=cadre)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.joined_by == JoinedBy.ENROLMENT
    assert membership.enrolled_on == D(2021, 4, 1)
    assert membership.ended_on is None
    assert membership.card_number == "C-1"
    assert membership.org == federation.union_a2
    assert membership.org_path == federation.union_a2.path
    p.refresh_from_db()
    assert p.org == federation.union_a2
    assert p.org_path == federation.union_a2.path
    [entry] = entries_for(membership)
    assert entry.action == AuditAction.CREATE
    assert entry.user == cadre
    assert entry.changes == {"action": "enrol", "union": "A-2"}
    assert p.id_number not in str(entry.changes)


def test_enrol_refuses_a_second_active_membership(federation):
    p = federation.person_a
    with pytest.raises(ValidationError) as caught:
        actions.enrol(person=p, union=federation.union_a2, enrolled_on=D(2022, 1, 1))
    assert messages_of(caught) == ["该人员已有有效会籍；如需转到本工会，请办理转会"]
    assert Membership.objects.filter(person=p).count() == 1
    p.refresh_from_db()
    assert p.org == federation.union_a1


def test_enrol_only_into_a_union(federation):
    p = new_person(federation)
    for org in (federation.town_a, federation.city):
        with pytest.raises(ValidationError) as caught:
            actions.enrol(person=p, union=org, enrolled_on=D(2022, 1, 1))
        assert messages_of(caught) == ["会员只能加入基层工会或联合工会"]
    assert not Membership.objects.filter(person=p).exists()


def test_database_refuses_a_second_active_membership(federation):
    p = federation.person_a
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=p, org=federation.union_a2, enrolled_on=D(2022, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create([
            Membership(person=p, org=federation.union_b1, enrolled_on=D(2022, 1, 1),
                       org_path=federation.union_b1.path),
        ])
    assert Membership.objects.filter(person=p, status=MembershipStatus.ACTIVE).count() == 1
    # Ended memberships are history: any number of them sit beside the active one.
    for union in (federation.union_a2, federation.union_b1):
        Membership.objects.create(person=p, org=union, enrolled_on=D(2010, 1, 1),
                                  ended_on=D(2011, 1, 1), status=MembershipStatus.LEFT)
    assert Membership.objects.filter(person=p).count() == 3


def test_database_refuses_a_membership_ending_before_it_starts(federation):
    p = new_person(federation)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=p, org=federation.union_a1, enrolled_on=D(2020, 1, 1),
                                  ended_on=D(2019, 1, 1), status=MembershipStatus.LEFT)


# --- transfer ----------------------------------------------------------------------------------


def test_transfer_ends_the_old_membership_and_starts_the_new(federation, make_persona):
    cadre = make_persona("city_admin")
    p, old = federation.person_a, federation.member_a
    old.card_number = "OLD-1"
    old.save()
    new = actions.transfer(person=p, to_union=federation.union_b1, on=D(2024, 9, 1), user=cadre)

    old.refresh_from_db()
    assert old.status == MembershipStatus.TRANSFERRED
    assert old.ended_on == D(2024, 9, 1)
    assert old.org == federation.union_a1
    new.refresh_from_db()
    assert new.status == MembershipStatus.ACTIVE
    assert new.joined_by == JoinedBy.TRANSFER
    assert new.enrolled_on == D(2024, 9, 1)
    assert new.org == federation.union_b1
    assert new.org_path == federation.union_b1.path
    assert new.card_number == "OLD-1"  # the card goes with the member unless a new one is given
    p.refresh_from_db()
    assert p.org == federation.union_b1
    assert p.org_path == federation.union_b1.path
    assert Membership.objects.filter(person=p, status=MembershipStatus.ACTIVE).get() == new
    [entry] = entries_for(new)
    assert entry.action == AuditAction.UPDATE
    assert entry.user == cadre
    assert entry.changes == {"action": "transfer", "from": old.pk, "to_union": "B-1"}


def test_transfer_with_a_new_card_number(federation):
    new = actions.transfer(person=federation.person_a, to_union=federation.union_a2,
                           on=D(2024, 9, 1), card_number="NEW-9")
    assert new.card_number == "NEW-9"


def test_transfer_to_the_same_union_is_refused(federation):
    p = federation.person_a
    with pytest.raises(ValidationError) as caught:
        actions.transfer(person=p, to_union=federation.union_a1, on=D(2024, 9, 1))
    assert messages_of(caught) == ["该人员已是本工会会员"]
    federation.member_a.refresh_from_db()
    assert federation.member_a.status == MembershipStatus.ACTIVE
    assert Membership.objects.filter(person=p).count() == 1


def test_transfer_without_a_membership_is_refused(federation):
    p = new_person(federation)
    with pytest.raises(ValidationError) as caught:
        actions.transfer(person=p, to_union=federation.union_a2, on=D(2024, 9, 1))
    assert messages_of(caught) == ["该人员没有有效会籍，无法转会；请办理入会"]
    assert not Membership.objects.filter(person=p).exists()


def test_transfer_dated_before_enrolment_is_refused(federation):
    with pytest.raises(ValidationError) as caught:
        actions.transfer(person=federation.person_a, to_union=federation.union_a2,
                         on=D(2018, 2, 28))
    assert messages_of(caught) == ["转会日期须晚于当前会籍的入会日期（2018-03-01）"]
    federation.member_a.refresh_from_db()
    assert federation.member_a.status == MembershipStatus.ACTIVE


def test_transfer_into_a_town_is_refused(federation):
    with pytest.raises(ValidationError):
        actions.transfer(person=federation.person_a, to_union=federation.town_b,
                         on=D(2024, 9, 1))
    federation.member_a.refresh_from_db()
    assert federation.member_a.status == MembershipStatus.ACTIVE


def test_transfer_is_all_or_nothing(federation, monkeypatch):
    """A failure after the old membership was ended (here: the audit row) undoes the transfer."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    p = federation.person_a
    with pytest.raises(RuntimeError):
        actions.transfer(person=p, to_union=federation.union_a2, on=D(2024, 9, 1))
    federation.member_a.refresh_from_db()
    assert federation.member_a.status == MembershipStatus.ACTIVE
    assert federation.member_a.ended_on is None
    assert Membership.objects.filter(person=p).count() == 1
    assert Person.objects.get(pk=p.pk).org == federation.union_a1


# --- leave -------------------------------------------------------------------------------------


def test_leave_ends_the_membership_audited(federation, make_persona):
    cadre = make_persona("town_a_cadre")
    p, membership = federation.person_a, federation.member_a
    left = actions.leave(person=p, on=D(2025, 1, 31), user=cadre)
    assert left.pk == membership.pk
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.LEFT
    assert membership.ended_on == D(2025, 1, 31)
    assert not Membership.objects.filter(person=p, status=MembershipStatus.ACTIVE).exists()
    entry = entries_for(membership)[-1]
    assert entry.action == AuditAction.UPDATE
    assert entry.user == cadre
    assert entry.changes == {"action": "leave", "ended_on": "2025-01-31"}


def test_leave_without_a_membership_is_refused(federation):
    p = new_person(federation)
    with pytest.raises(ValidationError) as caught:
        actions.leave(person=p, on=D(2025, 1, 31))
    assert messages_of(caught) == ["该人员没有有效会籍"]


def test_leave_twice_is_refused(federation):
    p = federation.person_a
    actions.leave(person=p, on=D(2025, 1, 31))
    with pytest.raises(ValidationError) as caught:
        actions.leave(person=p, on=D(2025, 2, 1))
    assert messages_of(caught) == ["该人员没有有效会籍"]
    federation.member_a.refresh_from_db()
    assert federation.member_a.ended_on == D(2025, 1, 31)


def test_leave_dated_before_enrolment_is_refused(federation):
    with pytest.raises(ValidationError) as caught:
        actions.leave(person=federation.person_a, on=D(2018, 2, 1))
    assert messages_of(caught) == ["退会日期须晚于当前会籍的入会日期（2018-03-01）"]
    federation.member_a.refresh_from_db()
    assert federation.member_a.status == MembershipStatus.ACTIVE


def test_after_leaving_a_person_may_enrol_again(federation):
    p = federation.person_a
    actions.leave(person=p, on=D(2020, 1, 1))
    again = actions.enrol(person=p, union=federation.union_a2, enrolled_on=D(2023, 1, 1))
    assert again.status == MembershipStatus.ACTIVE
    history = list(Membership.objects.filter(person=p).order_by("enrolled_on")
                   .values_list("status", "ended_on"))
    assert history == [(MembershipStatus.LEFT, D(2020, 1, 1)), (MembershipStatus.ACTIVE, None)]


def test_find_person_is_by_normalised_id(federation):
    p = federation.person_a
    assert actions.find_person(p.id_number) == p
    assert actions.find_person("370285199003079999") is None
