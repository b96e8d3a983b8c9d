"""security.md rows 3 and 5: idle and absolute session limits, key rotation at login, logout and
deactivation end sessions for good."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from gonghui.accounts.actions import deactivate_user, issue_token
from gonghui.accounts.middleware import LAST_SEEN, LOGIN_AT
from gonghui.accounts.models import User
from gonghui.core.audit.models import AuditAction, AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def shift(client: Client, **seconds_ago: int) -> None:
    """Pretend the session's login / last request happened that many seconds ago."""
    session = client.session
    now = int(time.time())
    if "login" in seconds_ago:
        session[LOGIN_AT] = now - seconds_ago["login"]
    if "seen" in seconds_ago:
        session[LAST_SEEN] = now - seconds_ago["seen"]
    session.save()


def sent_to_login(response: object) -> bool:
    return (
        getattr(response, "status_code", None) == 302
        and response["Location"].startswith("/login/")  # type: ignore[index]
    )


def test_the_limits_are_thirty_minutes_idle_and_twelve_hours() -> None:
    assert settings.GONGHUI_SESSION_IDLE_SECONDS == 30 * 60
    assert settings.GONGHUI_SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60


def test_thirty_minutes_idle_sends_the_next_request_to_login(
    login: Callable[[str], Client],
) -> None:
    client = login("town_a_cadre")
    assert client.get("/").status_code == 200
    shift(client, seen=30 * 60 + 1)
    assert sent_to_login(client.get("/"))
    # And the session is over, not just this request.
    assert client.get("/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_activity_within_thirty_minutes_keeps_the_session(login: Callable[[str], Client]) -> None:
    client = login("town_a_cadre")
    shift(client, seen=29 * 60)
    assert client.get("/").status_code == 200
    assert int(time.time()) - client.session[LAST_SEEN] < 5  # refreshed
    shift(client, seen=29 * 60)
    assert client.get("/").status_code == 200


def test_activity_does_not_extend_the_absolute_life(login: Callable[[str], Client]) -> None:
    client = login("town_a_cadre")
    shift(client, login=12 * 60 * 60 - 60, seen=0)
    assert client.get("/").status_code == 200
    assert int(time.time()) - client.session[LOGIN_AT] >= 12 * 60 * 60 - 60  # not refreshed
    shift(client, login=12 * 60 * 60 + 1, seen=0)
    assert sent_to_login(client.get("/"))


def test_an_idle_api_session_is_refused(login: Callable[[str], Client]) -> None:
    client = login("town_a_cadre")
    assert client.get("/api/orgs/").status_code == 200
    shift(client, seen=31 * 60)
    assert client.get("/api/orgs/").status_code in {401, 403}


def test_the_session_key_rotates_at_login(make_persona: Callable[[str], User]) -> None:
    make_persona("town_a_cadre")
    client = Client()
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    planted_key = session.session_key
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == planted_key
    response = client.post("/login/", {"username": "town_a_cadre", "password": PASSWORD})
    assert response.status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted_key
    assert not Session.objects.filter(session_key=planted_key).exists()
    # The fixated key does not carry the login.
    fixated = Client()
    fixated.cookies[settings.SESSION_COOKIE_NAME] = planted_key
    assert sent_to_login(fixated.get("/"))


def test_a_cookie_replayed_after_logout_is_refused(login: Callable[[str], Client]) -> None:
    client = login("town_a_cadre")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert sent_to_login(replay.get("/"))
    assert not Session.objects.filter(session_key=cookie).exists()


def test_deactivating_a_user_ends_all_their_sessions(
    make_persona: Callable[[str], User], login: Callable[[str], Client]
) -> None:
    user = make_persona("town_a_cadre")
    admin = make_persona("city_admin")
    phone, desk = login("town_a_cadre"), login("town_a_cadre")
    other = login("town_b_cadre")
    token = issue_token(username="town_a_cadre")
    cookies = [c.cookies[settings.SESSION_COOKIE_NAME].value for c in (phone, desk)]
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/orgs/").status_code == 200
    assert deactivate_user(user=user, actor=admin) == 2
    assert not Session.objects.filter(session_key__in=cookies).exists()
    for client in (phone, desk):
        assert sent_to_login(client.get("/"))
    assert other.get("/").status_code == 200  # nobody else's session
    # Enabling the account again does not bring the old sessions or token back.
    User.objects.filter(pk=user.pk).update(is_active=True)
    for cookie in cookies:
        replay = Client()
        replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
        assert sent_to_login(replay.get("/"))
    assert api.get("/api/orgs/").status_code in {401, 403}
    row = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type=user._meta.label_lower,
                                    object_id=str(user.pk)).last()
    assert row is not None and row.user == admin
    assert row.changes["is_active"] == {"before": True, "after": False}
    assert row.changes["sessions_ended"] == 2
