"""security.md row 1: lockout after 5 failures, for 30 minutes; the same answer for an unknown
user; audited; a per-address throttle so one address cannot lock out many accounts."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from gonghui.accounts.models import User
from gonghui.core.audit.models import AuditAction, AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "登录失败次数过多"
ADDRESS = "10.1.1.1"


def post_login(username: str, password: str, address: str = ADDRESS) -> Any:
    return Client(REMOTE_ADDR=address).post(
        "/login/", {"username": username, "password": password}
    )


def fail(username: str, times: int, address: str = ADDRESS) -> list[Any]:
    return [post_login(username, "Wrong-Pass-0000", address) for _ in range(times)]


def age_attempts(minutes: int) -> None:
    """Move every recorded failure `minutes` into the past (as if that time had gone by)."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= datetime.timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


def logged_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def normalised(response: Any, username: str) -> str:
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    text = re.sub(r'"X-CSRFToken": "[^"]*"', "", text)
    return text.replace(username, "USERNAME")


def test_axes_is_configured_as_its_docs_say() -> None:
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert "django.contrib.auth.backends.ModelBackend" in settings.AUTHENTICATION_BACKENDS
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_FAILURE_LIMIT == 5


def test_five_failures_lock_the_account_even_against_the_right_password(
    make_persona: Callable[[str], User],
) -> None:
    make_persona("town_a_cadre")
    responses = fail("town_a_cadre", 4)
    assert all(r.status_code == 200 and LOCKED_TEXT not in r.content.decode() for r in responses)
    fifth = fail("town_a_cadre", 1)[0]
    assert fifth.status_code == 429
    assert LOCKED_TEXT in fifth.content.decode()
    assert not logged_in(locked := post_login("town_a_cadre", PASSWORD))
    assert locked.status_code == 429
    # Locked by account, not only by address: another address is refused too.
    assert post_login("town_a_cadre", PASSWORD, address="10.9.9.9").status_code == 429


def test_four_failures_do_not_lock(make_persona: Callable[[str], User]) -> None:
    make_persona("town_a_cadre")
    fail("town_a_cadre", 4)
    assert logged_in(post_login("town_a_cadre", PASSWORD))


def test_the_lock_lasts_thirty_minutes(make_persona: Callable[[str], User]) -> None:
    make_persona("town_a_cadre")
    fail("town_a_cadre", 5)
    age_attempts(29)
    assert post_login("town_a_cadre", PASSWORD).status_code == 429
    # Attempts during the lock do not extend it.
    age_attempts(2)
    assert logged_in(post_login("town_a_cadre", PASSWORD))


def test_failures_spread_beyond_the_window_do_not_lock(
    make_persona: Callable[[str], User],
) -> None:
    make_persona("town_a_cadre")
    fail("town_a_cadre", 4)
    age_attempts(31)
    fail("town_a_cadre", 1)
    assert logged_in(post_login("town_a_cadre", PASSWORD))


def test_an_unknown_user_is_answered_exactly_like_a_real_one(
    make_persona: Callable[[str], User],
) -> None:
    make_persona("town_a_cadre")
    real = fail("town_a_cadre", 6, address="10.1.1.1")
    ghost = fail("nobody_here", 6, address="10.2.2.2")
    for r, g in zip(real, ghost, strict=True):
        assert r.status_code == g.status_code
        assert normalised(r, "town_a_cadre") == normalised(g, "nobody_here")
    assert [r.status_code for r in real] == [200] * 4 + [429] * 2


def test_a_lockout_is_audited_once(make_persona: Callable[[str], User]) -> None:
    make_persona("town_a_cadre")
    fail("town_a_cadre", 4)
    assert not AuditEntry.objects.filter(action=AuditAction.LOCKOUT).exists()
    fail("town_a_cadre", 3)
    rows = list(AuditEntry.objects.filter(action=AuditAction.LOCKOUT))
    assert len(rows) == 1
    assert rows[0].username == "town_a_cadre"
    assert rows[0].address == ADDRESS
    assert rows[0].outcome == "failure"
    assert "Wrong-Pass" not in str(rows[0].changes)


def test_one_address_cannot_lock_out_many_accounts(make_persona: Callable[[str], User]) -> None:
    make_persona("town_a_cadre")
    limit = settings.GONGHUI_LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    # A spray: a few guesses at each of many names from one address.
    names = [f"victim{i}" for i in range(limit)]
    for name in names[: limit // 2]:
        fail(name, 2)
    # The address has reached its limit: it is refused whatever account it names ...
    assert post_login("town_a_cadre", PASSWORD).status_code == 429
    # ... but the accounts themselves are not locked: from elsewhere they log in.
    assert logged_in(post_login("town_a_cadre", PASSWORD, address="10.3.3.3"))
    assert not AccessAttempt.objects.filter(failures_since_start__gte=3).exists()


def test_an_office_behind_one_address_is_not_locked_out_by_a_few_typos(
    make_persona: Callable[[str], User],
) -> None:
    """More failures from one address than one account may have: below the address limit."""
    make_persona("town_a_cadre")
    for name in ("colleague1", "colleague2", "colleague3"):
        fail(name, 2)
    assert logged_in(post_login("town_a_cadre", PASSWORD))


def test_a_success_before_the_limit_resets_the_count(make_persona: Callable[[str], User]) -> None:
    make_persona("town_a_cadre")
    fail("town_a_cadre", 4)
    assert logged_in(post_login("town_a_cadre", PASSWORD))
    fail("town_a_cadre", 4)
    assert logged_in(post_login("town_a_cadre", PASSWORD))


def test_client_login_works_in_tests_with_a_request(
    make_persona: Callable[[str], User],
) -> None:
    """Axes needs a request; tests that use Client.login pass one (axes' documented way)."""
    from django.http import HttpRequest

    make_persona("town_a_cadre")
    client = Client()
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    assert client.login(request=request, username="town_a_cadre", password=PASSWORD)
    assert client.get("/").status_code == 200


# Issue 12, finding 3: behind the documented nginx every request comes from 127.0.0.1.
PROXY = "127.0.0.1"


def post_via_proxy(username: str, password: str, forwarded_for: str) -> Any:
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for).post(
        "/login/", {"username": username, "password": password}
    )


def spray_from_one_client(forwarded_for: str) -> None:
    limit = settings.GONGHUI_LOGIN_ADDRESS_FAILURE_LIMIT
    for i in range(limit // 2):
        for _ in range(2):
            post_via_proxy(f"victim{i}", "Wrong-Pass-0000", forwarded_for)


def test_behind_a_trusted_proxy_one_client_cannot_lock_out_everyone(
    make_persona: Callable[[str], User], settings: Any
) -> None:
    settings.GONGHUI_TRUSTED_PROXIES = ["127.0.0.1"]
    make_persona("town_a_cadre")
    spray_from_one_client("203.0.113.7")
    # The sprayer is refused ...
    assert post_via_proxy("town_a_cadre", PASSWORD, "203.0.113.7").status_code == 429
    # ... and a colleague behind the same proxy still logs in.
    assert logged_in(post_via_proxy("town_a_cadre", PASSWORD, "198.51.100.9"))
    # The audit log names the client, not the proxy.
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert set(failed.values_list("address", flat=True)) == {"203.0.113.7"}


def test_the_right_most_untrusted_hop_is_the_client(
    make_persona: Callable[[str], User], settings: Any
) -> None:
    """A client that writes its own X-Forwarded-For cannot pick the address it is counted as."""
    settings.GONGHUI_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    make_persona("town_a_cadre")
    # nginx appends the real peer (203.0.113.7); an inner proxy (10.0.0.5) appends nginx's.
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3", "not-an-address"):
        post_via_proxy("town_a_cadre", "Wrong-Pass-0000", f"{forged}, 203.0.113.7, 10.0.0.5")
    addresses = set(
        AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).values_list(
            "address", flat=True
        )
    )
    assert addresses == {"203.0.113.7"}


def test_without_trusted_proxies_the_header_is_ignored(
    make_persona: Callable[[str], User], settings: Any
) -> None:
    """The direct deployment: X-Forwarded-For is whatever the client wrote, never trusted."""
    settings.GONGHUI_TRUSTED_PROXIES = []
    make_persona("town_a_cadre")
    post_login_headers = Client(REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR="198.51.100.1")
    post_login_headers.post("/login/", {"username": "x", "password": "Wrong-Pass-0000"})
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.address == ADDRESS
    # and a request from an untrusted address that names a trusted-looking hop gains nothing
    settings.GONGHUI_TRUSTED_PROXIES = ["127.0.0.1"]
    Client(REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR="127.0.0.1").post(
        "/login/", {"username": "y", "password": "Wrong-Pass-0000"}
    )
    assert set(
        AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).values_list(
            "address", flat=True
        )
    ) == {ADDRESS}
