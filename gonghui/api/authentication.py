"""API tokens that end (security.md row 34; issue 12, finding 8).

DRF's tokens live forever. Here a token stops working
- `GONGHUI_API_TOKEN_MAX_AGE_DAYS` after it was issued (absolute life),
- `GONGHUI_API_TOKEN_IDLE_DAYS` after its last use (idle life; the last use is kept in the
  shared cache, and a token whose last use is unknown counts from its issue),
- as soon as its account's password has expired or the account is deactivated.
A token is a password without the second factor: it must not outlive the rules a password has.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from gonghui.accounts.middleware import password_expired

# Writing the last use on every request is a cache write per call; an hour is precise enough
# for a limit counted in days.
TOUCH_EVERY = datetime.timedelta(hours=1)


def _last_use_key(key: str) -> str:
    return "gonghui:token-used:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def token_expires_at(token: Any) -> datetime.datetime:
    """When the token ends at the latest, whatever its use."""
    days = int(getattr(settings, "GONGHUI_API_TOKEN_MAX_AGE_DAYS", 30))
    created: datetime.datetime = token.created
    return created + datetime.timedelta(days=days)


def token_last_used(token: Any) -> datetime.datetime | None:
    value = cache.get(_last_use_key(token.key))
    return value if isinstance(value, datetime.datetime) else None


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from rest_framework.authtoken.models import Token

        try:
            token = Token.objects.select_related("user").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed("令牌无效") from None
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed("账号已停用")
        now = timezone.now()
        if now >= token_expires_at(token):
            raise exceptions.AuthenticationFailed("令牌已过期，请重新申请")
        idle = datetime.timedelta(days=int(getattr(settings, "GONGHUI_API_TOKEN_IDLE_DAYS", 7)))
        last = token_last_used(token) or token.created
        if now - last >= idle:
            raise exceptions.AuthenticationFailed("令牌长时间未使用已失效，请重新申请")
        if password_expired(user):
            raise exceptions.AuthenticationFailed("密码已过期，请登录网页修改密码后再使用令牌")
        if now - last >= TOUCH_EVERY:
            cache.set(_last_use_key(token.key), now, idle.total_seconds())
        return user, token
