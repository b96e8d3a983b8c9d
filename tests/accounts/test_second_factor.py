"""security.md row 4: TOTP second factor (django-otp) with recovery codes.

Required for the administrator and security roles (sent to enrol or verify before anything
else), optional for the others; disabling needs the password and a current code again;
enrolment, disabling and recovery-code use are audited.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts.models import RecoveryCode, RecoveryCodeDevice, User
from gonghui.accounts.secondfactor import RECOVERY_CODE_COUNT
from gonghui.core.audit.models import AuditAction, AuditEntry, AuditOutcome
from tests.conftest import PASSWORD, current_totp

pytestmark = pytest.mark.django_db


def password_login(username: str, client: Client | None = None) -> Client:
    """Sign in through the login form, as a person would (no second factor yet)."""
    client = client or Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]
    return client


def actions_of(user: User) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def code_for(device: TOTPDevice) -> str:
    """What the authenticator app shows for a device (the key is what the QR code carries)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def enrol(client: Client) -> list[str]:
    """Scan the QR code and confirm with a code from the app."""
    page = client.get(reverse("otp-setup"))
    assert page.status_code == 200
    user = User.objects.get(pk=client.session["_auth_user_id"])
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.context["secret"].replace(" ", "") == base64.b32encode(device.bin_key).decode(
    ).rstrip("=")
    # A wrong code just before slows the device down (django-otp's throttle): the person
    # reading the app again takes longer than that.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    response = client.post(reverse("otp-setup"), {"token": code_for(device)})
    assert response.status_code == 200
    codes: list[str] = response.context["codes"]
    return codes


# --- required for administrators --------------------------------------------------------------


@pytest.mark.parametrize("persona", ["city_admin", "security_admin"])
def test_an_administrator_without_a_device_must_enrol_before_anything_else(
    make_persona: Callable[[str], User], persona: str
) -> None:
    user = make_persona(persona)
    TOTPDevice.objects.filter(user=user).delete()
    client = password_login(user.username)
    for url in ("/", reverse("orgs-list"), reverse("password_change"), reverse("account-list")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("otp-setup")), url
    # A form post is refused the same way, and the API answers 403 (no redirect for a program).
    assert client.post(reverse("orgs-create"), {"name": "x"})["Location"].startswith(
        reverse("otp-setup")
    )
    api = client.get("/api/orgs/")
    assert api.status_code == 403 and "双因素认证" in api.json()["detail"]


def test_enrolment_shows_an_inline_qr_code_and_confirms_with_a_code(
    make_persona: Callable[[str], User],
) -> None:
    user = make_persona("city_admin")
    TOTPDevice.objects.filter(user=user).delete()
    client = password_login(user.username)
    page = client.get(reverse("otp-setup"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    # Reloading keeps the same secret, so a slow scan is not invalidated.
    assert client.get(reverse("otp-setup")).context["secret"] == page.context["secret"]
    # A wrong code confirms nothing and lets the user nowhere.
    wrong = client.post(reverse("otp-setup"), {"token": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(pk=pending.pk, confirmed=True).exists()
    assert client.get("/").status_code == 302

    codes = enrol(client)
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert len(codes) == RECOVERY_CODE_COUNT == 10 and len(set(codes)) == 10
    # The session is verified by the enrolment itself.
    assert client.get("/").status_code == 200
    assert AuditAction.OTP_ENROL in actions_of(user)


def test_recovery_codes_are_stored_hashed_and_shown_once(
    make_persona: Callable[[str], User],
) -> None:
    user = make_persona("town_a_cadre")
    client = password_login(user.username)
    codes = enrol(client)
    stored = list(RecoveryCode.objects.filter(device__user=user).values_list("digest", flat=True))
    assert len(stored) == 10
    plain = {c.replace("-", "") for c in codes} | set(codes)
    assert not plain & set(stored)
    assert all(len(d) == 64 for d in stored)
    # The status page afterwards shows how many are left, never the codes.
    status = client.get(reverse("otp-setup")).content.decode()
    assert "10" in status and not any(code in status for code in codes)


# --- verification after the password ----------------------------------------------------------


def test_login_with_a_device_asks_for_the_code_and_audits_a_wrong_one(
    make_persona: Callable[[str], User],
) -> None:
    user = make_persona("city_admin")  # enrolled by the fixture
    client = password_login(user.username)
    home = client.get(reverse("orgs-list"))
    assert home["Location"].startswith(reverse("otp-verify"))
    assert home["Location"].endswith("?next=%2Forgs%2F")
    page = client.get(home["Location"])
    assert page.status_code == 200 and "动态码" in page.content.decode()
    wrong = client.post(reverse("otp-verify"), {"token": "123456", "next": "/orgs/"})
    assert wrong.status_code == 200 and "不正确" in wrong.content.decode()
    assert AuditEntry.objects.filter(
        action=AuditAction.OTP_FAILED, user=user, outcome=AuditOutcome.FAILURE
    ).exists()
    assert client.get("/").status_code == 302
    key_before = client.session.session_key
    right = client.post(reverse("otp-verify"), {"token": current_totp(user), "next": "/orgs/"})
    assert right.status_code == 302 and right["Location"] == "/orgs/"
    # The verified session has a new key: the one from before the second step is worthless.
    assert client.session.session_key != key_before
    stale = Client()
    stale.cookies["sessionid"] = key_before
    assert stale.get("/orgs/")["Location"].startswith("/login/")
    assert client.get("/orgs/").status_code == 200
    # A foreign `next` is not followed.
    other = password_login(user.username)
    away = other.post(
        reverse("otp-verify"), {"token": current_totp(user), "next": "https://evil.example/"}
    )
    assert away["Location"] == reverse("home")


def test_a_code_is_accepted_once(make_persona: Callable[[str], User]) -> None:
    user = make_persona("city_admin")
    code = current_totp(user)
    first = password_login(user.username)
    assert first.post(reverse("otp-verify"), {"token": code}).status_code == 302
    second = password_login(user.username)
    assert second.post(reverse("otp-verify"), {"token": code}).status_code == 200
    assert second.get("/").status_code == 302


def test_a_throttled_device_says_to_wait_instead_of_calling_the_code_wrong(
    make_persona: Callable[[str], User],
) -> None:
    user = make_persona("city_admin")
    client = password_login(user.username)
    # Eight wrong codes in a row: django-otp now refuses every code for 2**7 = 128 seconds.
    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_count=8, throttling_failure_timestamp=timezone.now()
    )
    device = TOTPDevice.objects.get(user=user)
    right = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    refused = client.post(reverse("otp-verify"), {"token": right})
    html = refused.content.decode()
    # Even the right code is refused unread, and the person is told to wait, not that it was wrong.
    assert refused.status_code == 200
    assert "尝试次数过多，请3分钟后再试" in html
    assert "不正确" not in html
    assert client.get("/").status_code == 302
    # Once the wait is over the same code opens the platform.
    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=3)
    )
    assert client.post(reverse("otp-verify"), {"token": right}).status_code == 302


def test_one_mistyped_code_is_called_wrong_and_a_run_of_them_says_to_wait(
    make_persona: Callable[[str], User],
) -> None:
    user = make_persona("city_admin")
    client = password_login(user.username)
    first = client.post(reverse("otp-verify"), {"token": "000000"}).content.decode()
    assert "验证码不正确" in first and "尝试次数过多" not in first
    # The fifth failure in a row sets a wait of 16 seconds: the page says how long.
    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_count=4,
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=5),
    )
    fifth = client.post(reverse("otp-verify"), {"token": "000000"}).content.decode()
    assert "尝试次数过多，请16秒后再试" in fifth


def test_wait_messages_read_in_seconds_then_minutes() -> None:
    from gonghui.accounts.secondfactor import wait_message

    assert wait_message(16) == "尝试次数过多，请16秒后再试。"
    assert wait_message(60) == "尝试次数过多，请1分钟后再试。"
    assert wait_message(61) == "尝试次数过多，请2分钟后再试。"


def test_a_recovery_code_works_once_and_is_audited(make_persona: Callable[[str], User]) -> None:
    user = make_persona("town_a_cadre")
    codes = enrol(password_login(user.username))
    client = password_login(user.username)
    assert client.get("/")["Location"].startswith(reverse("otp-verify"))
    used = client.post(reverse("otp-verify"), {"token": codes[3].lower()})
    assert used.status_code == 302
    assert client.get("/").status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.RECOVERY_CODE_USED, user=user).get()
    assert entry.changes == {"remaining": 9}
    assert codes[3] not in str(entry.changes)
    again = password_login(user.username)
    assert again.post(reverse("otp-verify"), {"token": codes[3]}).status_code == 200
    assert again.get("/").status_code == 302
    assert RecoveryCodeDevice.objects.get(user=user).remaining == 9


def test_second_factor_comes_before_the_password_expiry_page(
    make_persona: Callable[[str], User],
) -> None:
    user = make_persona("city_admin")
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=365)
    )
    client = password_login(user.username)
    assert client.get("/")["Location"].startswith(reverse("otp-verify"))
    client.post(reverse("otp-verify"), {"token": current_totp(user)})
    assert client.get("/")["Location"] == reverse("password_change")


# --- optional for the others ------------------------------------------------------------------


def test_a_cadre_without_a_device_goes_straight_in(make_persona: Callable[[str], User]) -> None:
    user = make_persona("town_a_cadre")
    client = password_login(user.username)
    assert client.get("/").status_code == 200
    assert client.get(reverse("otp-verify"))["Location"] == reverse("home")


def test_a_cadre_who_enrolled_is_asked_for_the_code_next_time(
    make_persona: Callable[[str], User],
) -> None:
    user = make_persona("chair_a1")
    enrol(password_login(user.username))
    client = password_login(user.username)
    assert client.get("/")["Location"].startswith(reverse("otp-verify"))


# --- disabling --------------------------------------------------------------------------------


def test_disabling_needs_the_password_and_a_current_code(
    make_persona: Callable[[str], User], login: Callable[[str], Client]
) -> None:
    user = make_persona("town_a_cadre")
    enrol(password_login(user.username))
    client = password_login(user.username)
    client.post(reverse("otp-verify"), {"token": current_totp(user)})
    url = reverse("otp-disable")
    assert client.get(url).status_code == 200
    wrong_password = client.post(url, {"password": "Wrong-Pass-2026", "token": current_totp(user)})
    assert "密码不正确" in wrong_password.content.decode()
    wrong_code = client.post(url, {"password": PASSWORD, "token": "000000"})
    assert "动态验证码不正确" in wrong_code.content.decode()
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert AuditAction.OTP_DISABLE not in actions_of(user)
    done = client.post(url, {"password": PASSWORD, "token": current_totp(user)})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not RecoveryCodeDevice.objects.filter(user=user).exists()
    assert AuditAction.OTP_DISABLE in actions_of(user)
    # Optional for a cadre: the next login goes straight in.
    assert password_login(user.username).get("/").status_code == 200


def test_an_administrator_who_disables_must_enrol_again(
    login: Callable[[str], Client], make_persona: Callable[[str], User]
) -> None:
    client = login("city_admin")
    user = make_persona("city_admin")
    response = client.post(
        reverse("otp-disable"), {"password": PASSWORD, "token": current_totp(user)}
    )
    assert response.status_code == 302
    assert client.get("/")["Location"].startswith(reverse("otp-setup"))


# --- no way around it -------------------------------------------------------------------------


def test_administrators_get_no_api_token(make_persona: Callable[[str], User]) -> None:
    """An API token is a password without a second factor: none for the roles that need one."""
    from django.core.exceptions import ValidationError

    from gonghui.accounts.actions import issue_token, set_roles
    from gonghui.accounts.roles import Role

    make_persona("city_admin")
    with pytest.raises(ValidationError, match="双因素认证"):
        issue_token(username="city_admin")
    cadre = make_persona("town_a_cadre")
    token = issue_token(username="town_a_cadre")
    assert Client().get("/api/orgs/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    # Promoted to administrator, the cadre's old token stops working.
    set_roles(user=cadre, roles=[Role.CITY_ADMIN], actor=None)
    assert Client().get("/api/orgs/", HTTP_AUTHORIZATION=f"Token {token}").status_code in {
        401, 403,
    }
