"""Account management in the browser, for the security administrator of a subtree."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.accounts.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "Another-long-pass-2026"


def test_create_an_account_with_org_and_roles(federation, login):
    client = login("security_admin")
    page = client.get(reverse("account-create"))
    assert page.status_code == 200 and federation.town_a.name in page.content.decode()
    response = client.post(reverse("account-create"), {
        "username": "li.town", "name": "李明", "org": federation.town_a.pk,
        "roles": [Role.TOWN_CADRE], "password": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(username="li.town")
    assert (user.first_name, user.org, user.role_codes) == ("李明", federation.town_a,
                                                          {Role.TOWN_CADRE})
    assert user.check_password(PASSWORD)
    listing = client.get(reverse("account-list")).content.decode()
    assert "李明" in listing


def test_separation_of_duties_is_refused_and_what_was_typed_kept(federation, login):
    client = login("security_admin")
    response = client.post(reverse("account-create"), {
        "username": "both", "name": "两职", "org": federation.city.pk,
        "roles": [Role.SECURITY_ADMIN, Role.AUDITOR], "password": PASSWORD})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="both"' in body and 'value="两职"' in body
    assert not User.objects.filter(username="both").exists()


def test_edit_org_and_roles_and_reset_the_password(federation, login, make_persona):
    target = make_persona("town_b_cadre")
    client = login("security_admin")
    edit = reverse("account-edit", args=[target.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"name": "赵六", "org": federation.town_a.pk,
                                  "roles": [Role.TOWN_CADRE]})
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.first_name, target.org) == ("赵六", federation.town_a)
    reset = client.post(reverse("account-reset-password", args=[target.pk]))
    temporary = reset.context["temporary"]
    target.refresh_from_db()
    assert target.check_password(temporary)
    assert reset["Cache-Control"] == "no-store"


def test_unlock_is_offered_only_on_a_locked_account(federation, login, make_persona):
    target = make_persona("town_b_cadre")
    client = login("security_admin")
    assert f"unlock-{target.username}" not in client.get(reverse("account-list")).content.decode()
    AccessAttempt.objects.create(username=target.username, ip_address="10.0.0.1",
                                 user_agent="x", failures_since_start=5,
                                 attempt_time=timezone.now())
    body = client.get(reverse("account-list")).content.decode()
    assert f"unlock-{target.username}" in body and "已锁定" in body


def test_a_cadre_may_not_manage_accounts(federation, login, make_persona):
    client = login("town_a_cadre")
    target = make_persona("town_b_cadre")
    assert client.get(reverse("account-create")).status_code == 403
    assert client.get(reverse("account-edit", args=[target.pk])).status_code == 404
    assert client.post(reverse("account-reset-password", args=[target.pk])).status_code == 404
