"""Issue 12, finding 1: a town cannot take over another town's member (security.md row 29).

Creating a member (form or import) with the ID number of a person on record in another subtree
used to end their membership there, move them and overwrite their phone. Now it makes a
transfer *request*; the releasing side approves or refuses; until then nothing of the person
changes, the requester sees only what it typed, and the answers reveal nothing but "a transfer
request is needed".
"""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from gonghui.accounts.actions import create_user
from gonghui.accounts.models import User
from gonghui.accounts.roles import Role
from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.orgs.actions import move_organization
from gonghui.orgs.models import Organization, OrgKind
from gonghui.people import actions
from gonghui.people.models import (
    Membership,
    MembershipStatus,
    Person,
    TransferRequest,
    TransferState,
)
from tests.conftest import PASSWORD
from tests.people.test_member_pages import new_member_form

pytestmark = pytest.mark.django_db

D = datetime.date


def person_state(person: Person) -> tuple[Any, ...]:
    person = Person.objects.get(pk=person.pk)
    memberships = list(
        Membership.objects.filter(person=person).order_by("pk").values_list(
            "org_id", "status", "ended_on"
        )
    )
    return (person.name, person.mobile, person.org_id, person.org_path, memberships)


def ask_for_person_b(client: Any, federation: Any, **fields: Any) -> Any:
    person = federation.person_b
    data = new_member_form(federation, name=person.name, id_number=person.id_number,
                           mobile="13600009999", enrolled_on="2024-05-01", **fields)
    return client.post(reverse("members-create"), data)


def test_the_form_no_longer_takes_another_towns_member(federation, login):
    before = person_state(federation.person_b)
    response = ask_for_person_b(login("town_a_cadre"), federation, transfer="on")
    assert response.status_code == 302
    assert response["Location"] == reverse("transfer-list")
    # Nothing of the person changed: membership, owner, phone.
    assert person_state(federation.person_b) == before
    [request] = TransferRequest.objects.all()
    assert request.state == TransferState.PENDING
    assert request.org == federation.union_a2 and request.release_org == federation.union_b1
    # and town B still sees its member
    client_b = login("town_b_cadre")
    assert client_b.get(reverse("people-detail", args=[federation.person_b.pk])).status_code == 200


def test_without_the_flag_the_answer_reveals_nothing(federation, login):
    client = login("town_a_cadre")
    before = person_state(federation.person_b)
    right = ask_for_person_b(client, federation)
    wrong_name = client.post(reverse("members-create"), new_member_form(
        federation, name="冒名者", id_number=federation.person_b.id_number))
    for response in (right, wrong_name):
        assert response.status_code == 400
        text = response.content.decode()
        assert actions.TRANSFER_NEEDED in text
        assert "姓名与系统中" not in text and "有效会籍" not in text
    # The wrong name and the right name get the same answer.
    assert right.context["form"].errors == wrong_name.context["form"].errors
    assert person_state(federation.person_b) == before
    assert not TransferRequest.objects.exists()


def test_a_person_without_membership_is_not_pulled_across(federation, login):
    person = federation.person_b
    actions.leave(person=person, on=D(2023, 1, 1))
    before = person_state(person)
    response = ask_for_person_b(login("town_a_cadre"), federation)
    assert response.status_code == 400
    assert person_state(person) == before


def test_the_requester_sees_only_what_it_typed(federation, login):
    client = login("town_a_cadre")
    ask_for_person_b(client, federation, transfer="on")
    page = client.get(reverse("transfer-list")).content.decode()
    assert federation.person_b.name in page  # typed, identical here
    assert federation.union_b1.name not in page  # where the person is stays unknown
    assert federation.person_b.mobile not in page


def test_the_releasing_side_finds_the_request_from_its_menu(federation, login):
    ask_for_person_b(login("town_a_cadre"), federation, transfer="on")
    client_b = login("town_b_cadre")
    home = client_b.get(reverse("home")).content.decode()
    link = f'href="{reverse("transfer-list")}"'
    assert link in home and "转会申请" in home
    page = client_b.get(reverse("transfer-list")).content.decode()
    assert federation.person_b.name in page and "同意" in page
    # Not offered to those who hold no member roll.
    assert link not in login("auditor").get(reverse("home")).content.decode()


def test_the_releasing_side_approves_and_the_person_moves(federation, make_persona, login):
    requester = make_persona("town_a_cadre")
    ask_for_person_b(login("town_a_cadre"), federation, transfer="on")
    request = TransferRequest.objects.get()
    # The requester cannot approve its own request; the releasing side can.
    with pytest.raises(PermissionDenied):
        actions.decide_transfer(transfer_request=request, approve=True, user=requester)
    client_b = login("town_b_cadre")
    response = client_b.post(reverse("transfer-decide", args=[request.pk]),
                              {"decision": "approve"})
    assert response.status_code == 302
    person = Person.objects.get(pk=federation.person_b.pk)
    assert person.org == federation.union_a2
    assert person.mobile == "13600009999"
    history = dict(Membership.objects.filter(person=person).values_list("org_id", "status"))
    assert history == {federation.union_b1.pk: MembershipStatus.TRANSFERRED,
                       federation.union_a2.pk: MembershipStatus.ACTIVE}
    # The phone change is audited field by field, its digits hidden.
    row = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="people.person",
                                    object_id=str(person.pk)).get()
    assert set(row.changes) >= {"mobile"} and "13600009999" not in str(row.changes)
    # Decided once: a second decision is refused with a Chinese message.
    request.refresh_from_db()
    assert request.state == TransferState.APPROVED
    with pytest.raises(ValidationError, match="已被处理"):
        actions.decide_transfer(transfer_request=request, approve=False,
                                user=make_persona("town_b_cadre"))


def test_a_refusal_changes_nothing(federation, login):
    before = person_state(federation.person_b)
    ask_for_person_b(login("town_a_cadre"), federation, transfer="on")
    request = TransferRequest.objects.get()
    login("town_b_cadre").post(reverse("transfer-decide", args=[request.pk]),
                               {"decision": "refuse"})
    request.refresh_from_db()
    assert request.state == TransferState.REFUSED
    assert person_state(federation.person_b) == before


def test_a_third_town_cannot_see_or_decide(federation, login):
    """Town A's chair of union A1 asks for a member of union A2: the chair cannot decide."""
    ask_for_person_b(login("town_a_cadre"), federation, transfer="on")
    request = TransferRequest.objects.get()
    chair = login("chair_a1")
    assert chair.post(reverse("transfer-decide", args=[request.pk]),
                      {"decision": "approve"}).status_code == 404
    assert TransferRequest.objects.get().state == TransferState.PENDING


def test_a_request_follows_its_releasing_union_when_the_union_moves(federation, login):
    ask_for_person_b(login("town_a_cadre"), federation, transfer="on")
    request = TransferRequest.objects.get()
    town_c = Organization.objects.add_child(federation.city, instance=Organization(
        code="C-3", name="丙镇总工会", kind=OrgKind.TOWN))
    move_organization(org=federation.union_b1, new_parent=town_c)
    create_user(username="town_c_cadre", org=town_c, roles=[Role.TOWN_CADRE],
                password=PASSWORD)
    request.refresh_from_db()
    assert request.release_path == Organization.objects.get(pk=federation.union_b1.pk).path
    # The union's new town decides it; its old town no longer sees it.
    town_c_client = Client()
    town_c_client.force_login(User.objects.get(username="town_c_cadre"))
    assert federation.person_b.name in town_c_client.get(reverse("transfer-list")).content.decode()
    assert login("town_b_cadre").post(reverse("transfer-decide", args=[request.pk]),
                                      {"decision": "approve"}).status_code == 404
    response = town_c_client.post(reverse("transfer-decide", args=[request.pk]),
                                  {"decision": "approve"})
    assert response.status_code == 302
    assert TransferRequest.objects.get().state == TransferState.APPROVED


def test_one_pending_request_per_person(federation, make_persona):
    user = make_persona("town_a_cadre")
    kwargs = dict(person=federation.person_b, to_union=federation.union_a2, on=D(2024, 5, 1),
                  name=federation.person_b.name, user=user)
    actions.request_transfer(**kwargs)
    with pytest.raises(ValidationError, match="待审批"):
        actions.request_transfer(**kwargs)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_move_the_person_once(federation, make_persona):
    """Two releasing-side cadres approve at the same moment: one wins, one is told, no 500."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections: the PostgreSQL lane")
    requester = make_persona("town_a_cadre")
    request = actions.request_transfer(
        person=federation.person_b, to_union=federation.union_a2, on=D(2024, 5, 1),
        name=federation.person_b.name, user=requester)
    decider = make_persona("town_b_cadre")
    from gonghui.accounts.actions import create_user
    from gonghui.accounts.roles import Role
    from tests.conftest import PASSWORD

    second = create_user(username="town_b_second", org=federation.town_b,
                         roles=[Role.TOWN_CADRE], password=PASSWORD)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user: Any) -> None:
        try:
            barrier.wait()
            item = TransferRequest.objects.get(pk=request.pk)
            actions.decide_transfer(transfer_request=item, approve=True, user=user)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (decider, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Membership.objects.filter(person=federation.person_b).count() == 2
