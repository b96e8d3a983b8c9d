"""No default accounts in production (security.md row 5).

`gonghui demo` marks its database as a demo (a `SiteMarker` row listing the accounts it made),
and `gonghui serve` under a production configuration refuses to start while the database is
marked, or while any account a demo makes still exists with the demo password: a demo database
copied to a server, with its marker row deleted, is still refused.
"""

from __future__ import annotations

import re

from django.db import DatabaseError

from gonghui.core.ops.models import SiteMarker

# The password of every account `gonghui demo` makes (printed by it; README).
DEMO_PASSWORD = "Gonghui@2018"
# The usernames `gonghui demo` gives its accounts (gonghui/orgs/demo.py and the demo command).
DEMO_USERNAME = re.compile(r"^(admin|auditor|security|town\d{2}|chair\d{2})$")


def mark_demo(usernames: list[str]) -> None:
    SiteMarker.objects.update_or_create(
        key=SiteMarker.DEMO, defaults={"value": {"accounts": sorted(usernames)}}
    )


def demo_problems() -> list[str]:
    """Why this database may not be served in production (Chinese), or nothing."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    problems: list[str] = []
    try:
        marker = SiteMarker.objects.filter(key=SiteMarker.DEMO).first()
    except DatabaseError:  # not migrated yet: then it holds no accounts either
        return problems
    if marker is not None:
        problems.append("该数据库由 gonghui demo 生成（已标记为演示数据库）")
    listed = set(marker.value.get("accounts", [])) if marker is not None else set()
    candidates = User.objects.filter(is_active=True).only("username", "password")
    found = sorted(
        user.username
        for user in candidates.iterator()
        if (user.username in listed or DEMO_USERNAME.match(user.username))
        and user.check_password(DEMO_PASSWORD)
    )
    if found:
        problems.append(f"存在使用演示密码的演示账号：{'、'.join(found)}")
    return problems
