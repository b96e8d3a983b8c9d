"""Issue 12, finding 8 (security.md row 34): API tokens expire, and stop with an expired
password or a deactivated account; the security administrator lists and revokes them."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from gonghui.accounts.actions import deactivate_user, issue_token
from gonghui.core.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def call(token: str) -> int:
    response = Client().get("/api/enterprises/", HTTP_ACCEPT="application/json",
                            HTTP_AUTHORIZATION=f"Token {token}")
    return response.status_code


@pytest.fixture
def token(federation, make_persona) -> str:
    make_persona("town_a_cadre")
    cache.clear()
    return issue_token(username="town_a_cadre")


def test_a_fresh_token_works(token):
    assert call(token) == 200


def test_a_token_ends_after_its_absolute_life(token, settings):
    Token.objects.filter(key=token).update(
        created=timezone.now() - datetime.timedelta(days=settings.GONGHUI_API_TOKEN_MAX_AGE_DAYS)
    )
    cache.clear()
    assert call(token) in (401, 403)


def test_a_token_used_daily_still_ends_at_its_absolute_life(token, settings):
    created = timezone.now() - datetime.timedelta(days=settings.GONGHUI_API_TOKEN_MAX_AGE_DAYS - 1)
    Token.objects.filter(key=token).update(created=created)
    from gonghui.api.authentication import _last_use_key

    cache.set(_last_use_key(token), timezone.now() - datetime.timedelta(days=1))  # used daily
    assert call(token) == 200
    Token.objects.filter(key=token).update(created=created - datetime.timedelta(days=2))
    assert call(token) in (401, 403)


def test_an_idle_token_ends(token, settings):
    Token.objects.filter(key=token).update(
        created=timezone.now() - datetime.timedelta(days=settings.GONGHUI_API_TOKEN_IDLE_DAYS)
    )
    cache.clear()
    assert call(token) in (401, 403)


def test_an_expired_password_stops_the_token(token, settings):
    from gonghui.accounts.models import User

    User.objects.filter(username="town_a_cadre").update(
        password_changed_at=timezone.now()
        - datetime.timedelta(days=settings.GONGHUI_PASSWORD_MAX_AGE_DAYS + 1)
    )
    assert call(token) in (401, 403)


def test_a_deactivated_account_stops_the_token(token):
    from gonghui.accounts.models import User

    user = User.objects.get(username="town_a_cadre")
    User.objects.filter(pk=user.pk).update(is_active=False)  # any path, not only the action
    assert call(token) in (401, 403)
    User.objects.filter(pk=user.pk).update(is_active=True)
    deactivate_user(user=user, actor=None)
    assert not Token.objects.filter(key=token).exists()


def test_the_security_administrator_lists_and_revokes_tokens(token, login):
    client = login("security_admin")
    page = client.get(reverse("account-list")).content.decode()
    assert "有效期至" in page and token not in page
    from gonghui.accounts.models import User

    target = User.objects.get(username="town_a_cadre")
    response = client.post(reverse("account-revoke-token", args=[target.pk]))
    assert response.status_code == 302
    assert not Token.objects.filter(user=target).exists()
    assert call(token) in (401, 403)
    entry = AuditEntry.objects.filter(object_id=str(target.pk)).latest("pk")
    assert entry.changes.get("api_token") == "已吊销" and token not in str(entry.changes)
