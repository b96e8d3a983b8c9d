"""Session limits and password expiry (security.md rows 2, 3).

`SessionLimitsMiddleware` ends a session after `GONGHUI_SESSION_IDLE_SECONDS` without a request,
and after `GONGHUI_SESSION_ABSOLUTE_SECONDS` from the login whatever the activity: the login time
is written into the session once, at login, and never refreshed, so saving the session (which
renews its cookie and database expiry) cannot stretch its life. The ended request goes on as an
anonymous one, so LoginRequiredMiddleware sends a page to the login form and the API answers 403.

`PasswordExpiryMiddleware` sends a user whose password is older than
`GONGHUI_PASSWORD_MAX_AGE_DAYS` to the change-password page and lets them reach nothing else but
that page, logout and static files until they change it.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout, user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

LOGIN_AT = "gonghui_login_at"
LAST_SEEN = "gonghui_last_seen"
# Writing the session on every request would be one database write per page view; a minute's
# resolution is plenty for a 30-minute idle limit.
TOUCH_EVERY = 60


@receiver(user_logged_in, dispatch_uid="gonghui-session-login-time")
def _stamp_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[LAST_SEEN] = now


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self.check(request)
        return self.get_response(request)

    @staticmethod
    def check(request: HttpRequest) -> None:
        session = request.session
        now = int(time.time())
        login_at = session.get(LOGIN_AT)
        last_seen = session.get(LAST_SEEN)
        if login_at is None or last_seen is None:
            # A session from before these limits: its limits start now.
            session[LOGIN_AT] = login_at if login_at is not None else now
            session[LAST_SEEN] = now
            return
        expired = (
            now - int(login_at) >= settings.GONGHUI_SESSION_ABSOLUTE_SECONDS
            or now - int(last_seen) >= settings.GONGHUI_SESSION_IDLE_SECONDS
        )
        if expired:
            logout(request)  # flushes the session (new key, old row deleted) and audits
            return
        if now - int(last_seen) >= TOUCH_EVERY:
            session[LAST_SEEN] = now


def password_expired(user: Any) -> bool:
    changed = getattr(user, "password_changed_at", None)
    if changed is None:
        return False
    max_age = datetime.timedelta(days=settings.GONGHUI_PASSWORD_MAX_AGE_DAYS)
    return bool(timezone.now() - changed > max_age)


class PasswordExpiryMiddleware:
    # The second-factor pages come first (SecondFactorMiddleware): they stay reachable.
    ALLOWED = ("password_change", "password_change_done", "logout", "otp-verify", "otp-setup")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and password_expired(request.user):
            allowed = {reverse(name) for name in self.ALLOWED}
            static = "/" + settings.STATIC_URL.lstrip("/")
            if request.path not in allowed and not request.path.startswith(static):
                return redirect("password_change")
        return self.get_response(request)
