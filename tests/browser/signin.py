"""Signing in through the login form, as a cadre does, for every browser test."""

from __future__ import annotations

import re
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, current_totp


def sign_in(page: Any, base: str, username: str = "town_a_cadre") -> None:
    """Sign in as `username` (signing out whoever was signed in) and land on the home page; an
    account with an enrolled authenticator also types the code it shows on the second step."""
    from playwright.sync_api import expect

    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is not None:
        expect(page).to_have_url(re.compile(r"/2fa/verify/"))
        page.get_by_label("动态码或恢复码").fill(current_totp(device.user))
        page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(f"{base}/")
