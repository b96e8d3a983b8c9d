"""security.md row 10: separate system administrator, security administrator and auditor roles;
the auditor reads the audit log and nothing else; no account holds two. And the security
administrator's account management page (create is `gonghui user create`; deactivate, unlock and
reset the second factor here), which sees no member records."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts.actions import create_user, set_roles
from gonghui.accounts.models import User
from gonghui.accounts.roles import DUTY_ROLES, Role, role_permissions
from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.core.records.registry import registry
from tests.conftest import PASSWORD, SENTINEL_A, SENTINEL_B, Federation

pytestmark = pytest.mark.django_db

DUTY_PAIRS = [
    (Role.CITY_ADMIN, Role.SECURITY_ADMIN),
    (Role.CITY_ADMIN, Role.AUDITOR),
    (Role.SECURITY_ADMIN, Role.AUDITOR),
]


def test_the_three_duties_are_the_three_roles() -> None:
    assert set(DUTY_ROLES) == {Role.CITY_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR}
    perms = role_permissions()
    # Only the auditor reads the audit log; only the security administrator manages accounts.
    assert [r for r in Role if "core.view_auditentry" in perms[r]] == [Role.AUDITOR]
    assert [r for r in Role if "accounts.manage_accounts" in perms[r]] == [Role.SECURITY_ADMIN]
    # The auditor and the security administrator hold no record permission at all.
    record_perms = {record.perm(a) for record in registry for a in ("view", "add", "change")}
    assert not perms[Role.AUDITOR] & record_perms
    assert not perms[Role.SECURITY_ADMIN] & record_perms


@pytest.mark.parametrize(("first", "second"), DUTY_PAIRS)
def test_create_user_refuses_two_duties(federation: Federation, first: str, second: str) -> None:
    with pytest.raises(ValidationError, match="职责分离"):
        create_user(username="both", org=federation.city, roles=[first, second], password=None)
    assert not User.objects.filter(username="both").exists()


@pytest.mark.parametrize(("first", "second"), DUTY_PAIRS)
def test_role_assignment_refuses_a_second_duty(
    federation: Federation, first: str, second: str
) -> None:
    user = create_user(username="one", org=federation.city, roles=[first], password=None)
    with pytest.raises(ValidationError, match="职责分离"):
        set_roles(user=user, roles=[first, second], actor=None)
    assert set(user.groups.values_list("name", flat=True)) == {first}
    # Swapping one duty for another is allowed, and audited.
    set_roles(user=user, roles=[second], actor=None)
    assert set(user.groups.values_list("name", flat=True)) == {second}
    entry = AuditEntry.objects.filter(action=AuditAction.ROLE_CHANGE, object_id=str(user.pk))
    assert entry.order_by("id").last().changes == {"roles": {"before": [first], "after": [second]}}


@pytest.mark.parametrize(("first", "second"), DUTY_PAIRS)
def test_the_model_refuses_a_second_duty_on_any_path(
    federation: Federation, first: str, second: str
) -> None:
    user = create_user(username="one", org=federation.city, roles=[first], password=None)
    # (Each inside its own transaction: m2m writes are atomic, and the refusal rolls it back.)
    with pytest.raises(ValidationError, match="职责分离"), transaction.atomic():
        user.groups.add(Group.objects.get(name=second))
    with pytest.raises(ValidationError, match="职责分离"), transaction.atomic():
        Group.objects.get(name=second).user_set.add(user)
    assert set(user.groups.values_list("name", flat=True)) == {first}


@pytest.mark.parametrize("isolated", [Role.AUDITOR, Role.SECURITY_ADMIN])
def test_auditor_and_security_admin_hold_no_record_role(
    federation: Federation, isolated: str
) -> None:
    with pytest.raises(ValidationError, match="不能兼任"):
        create_user(
            username="x", org=federation.town_a, roles=[isolated, Role.TOWN_CADRE], password=None
        )


def test_the_cli_reports_the_conflict_in_chinese(federation: Federation) -> None:
    with pytest.raises(CommandError, match="职责分离"):
        call_command(
            "user", "create", "both", "--org", "C", "--role", "city_admin", "--role", "auditor"
        )


def test_a_cadre_role_may_still_be_combined(federation: Federation) -> None:
    user = create_user(
        username="two", org=federation.union_a1,
        roles=[Role.TOWN_CADRE, Role.GRASSROOTS_CHAIR], password=None,
    )
    assert user.role_codes == {Role.TOWN_CADRE, Role.GRASSROOTS_CHAIR}


# --- the security administrator sees accounts, never records ----------------------------------


def test_security_admin_reads_no_records_and_no_audit_log(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("security_admin")
    for record in registry:
        assert client.get(reverse(record.url_name("list"))).status_code == 403
        obj = federation.branch_objects("a")[record.slug]
        assert client.get(reverse(record.url_name("detail"), args=[obj.pk])).status_code == 404
        api = client.get(reverse(f"api-{record.slug}-list"))
        assert api.status_code == 403 or api.json()["count"] == 0
    assert client.get(reverse("audit-log")).status_code == 403
    search = client.get(reverse("search"), {"q": "哨兵"}).content.decode()
    assert SENTINEL_A + "张三" not in search and SENTINEL_B + "李四" not in search


def test_auditor_reads_the_audit_log_only(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("auditor")
    assert client.get(reverse("audit-log")).status_code == 200
    assert client.get(reverse("account-list")).status_code == 403
    assert client.get(reverse("members-list")).status_code == 403


def test_account_list_shows_the_subtree_accounts(
    federation: Federation, login: Callable[[str], Client], make_persona: Callable[[str], User]
) -> None:
    make_persona("town_a_cadre")
    make_persona("town_b_cadre")
    client = login("security_admin")
    page = client.get(reverse("account-list"))
    assert page.status_code == 200
    names = {a.username for a in page.context["page"]}
    assert {"town_a_cadre", "town_b_cadre", "clerk_a", "clerk_b", "security_admin"} <= names
    # No member data on the page: no person's name, ID number or phone.
    html = page.content.decode()
    assert federation.person_a.name not in html and federation.person_a.id_number not in html
    for persona in ("town_a_cadre", "city_admin", "auditor"):
        assert login(persona).get(reverse("account-list")).status_code == 403


def test_security_admin_scoped_to_a_town_manages_only_that_town(
    federation: Federation, make_persona: Callable[[str], User]
) -> None:
    admin = create_user(
        username="sec_a", org=federation.town_a, roles=[Role.SECURITY_ADMIN], password=PASSWORD
    )
    TOTPDevice.objects.create(user=admin, name="t", confirmed=True)
    from tests.conftest import verify_second_factor

    client = Client()
    client.force_login(admin)
    verify_second_factor(client, admin)
    names = {a.username for a in client.get(reverse("account-list")).context["page"]}
    assert "clerk_a" in names and "clerk_b" not in names
    clerk_b = User.objects.get(username="clerk_b")
    response = client.post(reverse("account-deactivate", args=[clerk_b.pk]))
    assert response.status_code == 404
    assert User.objects.get(pk=clerk_b.pk).is_active


def test_deactivate_is_a_post_that_ends_sessions_and_is_audited(
    federation: Federation, login: Callable[[str], Client], make_persona: Callable[[str], User]
) -> None:
    cadre_client = login("town_a_cadre")
    cadre = make_persona("town_a_cadre")
    assert cadre_client.get("/").status_code == 200
    client = login("security_admin")
    url = reverse("account-deactivate", args=[cadre.pk])
    assert client.get(url).status_code == 405
    assert User.objects.get(pk=cadre.pk).is_active
    response = client.post(url)
    assert response.status_code == 302
    assert not User.objects.get(pk=cadre.pk).is_active
    assert cadre_client.get("/").status_code == 302  # back to the login page
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(cadre.pk)
    ]
    entry = AuditEntry.objects.filter(
        action=AuditAction.UPDATE, object_type="accounts.user", object_id=str(cadre.pk)
    ).order_by("id").last()
    admin = make_persona("security_admin")
    assert entry.user == admin and entry.address == "127.0.0.1"
    assert entry.changes["is_active"] == {"before": True, "after": False}
    # The page offers the button with a confirmation, as a form post.
    page = client.get(reverse("account-list")).content.decode()
    assert 'data-confirm="确定停用账号' in page


def test_unlock_and_reset_second_factor(
    federation: Federation, login: Callable[[str], Client], make_persona: Callable[[str], User]
) -> None:
    target = make_persona("city_admin")  # enrolled
    for _ in range(5):
        Client().post(reverse("login"), {"username": "city_admin", "password": "wrong"})
    assert AccessAttempt.objects.filter(username="city_admin").exists()
    client = login("security_admin")
    assert client.post(reverse("account-unlock", args=[target.pk])).status_code == 302
    assert not AccessAttempt.objects.filter(username="city_admin").exists()
    assert Client().post(
        reverse("login"), {"username": "city_admin", "password": PASSWORD}
    ).status_code == 302
    assert client.post(reverse("account-reset-otp", args=[target.pk])).status_code == 302
    assert not TOTPDevice.objects.filter(user=target).exists()
    actions = set(
        AuditEntry.objects.filter(object_id=str(target.pk), user__username="security_admin")
        .values_list("action", flat=True)
    )
    assert {AuditAction.UNLOCK, AuditAction.OTP_RESET} <= actions
    # The administrator must enrol again at the next login.
    again = Client()
    again.post(reverse("login"), {"username": "city_admin", "password": PASSWORD})
    assert again.get("/")["Location"].startswith(reverse("otp-setup"))


def test_a_security_admin_cannot_deactivate_themselves(
    federation: Federation, login: Callable[[str], Client], make_persona: Callable[[str], User]
) -> None:
    client = login("security_admin")
    me = make_persona("security_admin")
    client.post(reverse("account-deactivate", args=[me.pk]))
    assert User.objects.get(pk=me.pk).is_active
