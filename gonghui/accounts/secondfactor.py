"""The second factor (security.md row 4): TOTP through django-otp, and recovery codes.

After the password, an account that has a confirmed TOTP device must enter a code from it (or
one of its recovery codes) before it may reach anything else; an account whose role requires a
second factor (`roles.SECOND_FACTOR_ROLES`) and has none is sent to enrol one first.
`SecondFactorMiddleware` does the sending; it runs before the password-expiry check, so a
verified second factor comes before anything else an account is asked to do.

A session is "verified" in django-otp's sense: `django_otp.login` writes the device that
verified it into the session, and `OTPMiddleware` reads it back on every request.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts.models import RecoveryCode, RecoveryCodeDevice, User
from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction, AuditOutcome

RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: the codes are copied by hand from paper.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TOTP_DEVICE_NAME = "身份验证器"

VERIFY, SETUP = "verify", "setup"


def totp_device(user: Any, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def recovery_device(user: Any) -> RecoveryCodeDevice | None:
    return RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needed_step(user: Any) -> str | None:
    """What an authenticated but unverified user must do first: VERIFY, SETUP or nothing."""
    if has_second_factor(user):
        return VERIFY
    if isinstance(user, User) and user.requires_second_factor:
        return SETUP
    return None


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def issue_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with ten new ones; the plain codes are returned
    once, to be shown once, and only their digests are kept."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=device.digest(code)) for code in codes
    )
    return codes


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG (made here: no image service is ever asked)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, border=2))


def base32_key(device: TOTPDevice) -> str:
    import base64

    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device an enrolment page shows, made on first visit and kept until
    confirmed, so that reloading the page does not change the QR code under the user."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def clean_token(token: str) -> str:
    return "".join(str(token).split())


@transaction.atomic
def confirm_enrolment(request: HttpRequest, user: User, token: str) -> list[str] | None:
    """Confirm the pending device with a code from it; the new recovery codes, or None."""
    device = totp_device(user, confirmed=False)
    if device is None or not device.verify_token(clean_token(token)):
        return None
    # One device per account: a new enrolment replaces whatever was there.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = issue_recovery_codes(user)
    mark_verified(request, device)
    audit.record(AuditAction.OTP_ENROL, request=request, user=user, obj=user)
    return codes


# Below this wait a refused code is just a mistyped one: django-otp's wait doubles from one
# second after each failure, and the person reading the app again takes longer than that.
THROTTLE_NOTICE_SECONDS = 10


def throttle_wait(user: User) -> int:
    """Seconds before the account's authenticator codes are checked again (0: now).

    django-otp refuses every code, the right one included, while a device is throttled; the
    person must be told to wait rather than that their code is wrong.
    """
    device = totp_device(user)
    if device is None:
        return 0
    allowed, detail = device.verify_is_allowed()
    if allowed or not detail or detail.get("locked_until") is None:
        return 0
    remaining = (detail["locked_until"] - timezone.now()).total_seconds()
    return max(0, math.ceil(remaining))


def wait_message(seconds: int) -> str:
    """尝试次数过多，请N分钟后再试 (or N秒 under a minute)."""
    span = f"{seconds}秒" if seconds < 60 else f"{math.ceil(seconds / 60)}分钟"
    return f"尝试次数过多，请{span}后再试。"


def verify(request: HttpRequest, user: User, token: str) -> bool:
    """Check a TOTP code, or else a recovery code (spent on use); mark the session verified."""
    token = clean_token(token)
    totp = totp_device(user)
    # Six digits are an authenticator code; a recovery code is ten characters (rarely digits only).
    looks_like_totp = token.isdigit() and len(token) <= 8
    if totp is not None and looks_like_totp:
        with transaction.atomic():
            # django-otp throttles a device after failures (and refuses a code used before).
            device = TOTPDevice.objects.select_for_update().get(pk=totp.pk)
            if device.verify_token(token):
                mark_verified(request, device)
                return True
    recovery = recovery_device(user)
    if recovery is not None and not looks_like_totp and recovery.verify_token(token):
        mark_verified(request, recovery)
        audit.record(
            AuditAction.RECOVERY_CODE_USED,
            request=request,
            user=user,
            obj=user,
            changes={"remaining": recovery.remaining},
        )
        return True
    audit.record(
        AuditAction.OTP_FAILED, request=request, user=user, obj=user,
        outcome=AuditOutcome.FAILURE,
    )
    return False


@transaction.atomic
def disable(request: HttpRequest, user: User, password: str, token: str) -> str | None:
    """Remove the account's second factor after the password and a current code are given
    again; returns the reason it was refused (Chinese), or None when it was removed."""
    if authenticate(request, username=user.get_username(), password=password) is None:
        return "密码不正确"
    device = totp_device(user)
    if device is None:
        return "该账号尚未启用双因素认证"
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(clean_token(token)):
        audit.record(
            AuditAction.OTP_FAILED, request=request, user=user, obj=user,
            outcome=AuditOutcome.FAILURE,
        )
        return "动态验证码不正确或已过期"
    remove_devices(user)
    audit.record(AuditAction.OTP_DISABLE, request=request, user=user, obj=user)
    return None


def remove_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()


def mark_verified(request: HttpRequest, device: Any) -> None:
    """The session now holds more rights than before: give it a new key (as at login), so a
    key seen before this step is worth nothing after it."""
    request.session.cycle_key()
    otp_login(request, device)


def safe_next(request: HttpRequest, fallback: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


class SecondFactorMiddleware:
    """Send an authenticated, unverified account to verify (or enrol) before anything else."""

    ALLOWED = ("otp-verify", "otp-setup", "logout")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified():  # type: ignore[union-attr,attr-defined]
            step = needed_step(user)
            if step is not None and not self._allowed(request.path):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "请先完成双因素认证。"}, status=403)
                url = reverse("otp-verify" if step == VERIFY else "otp-setup")
                if request.method == "GET":
                    url += "?" + urlencode({"next": request.get_full_path()})
                return redirect(url)
        return self.get_response(request)

    def _allowed(self, path: str) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        return path.startswith(static) or path in {reverse(name) for name in self.ALLOWED}
