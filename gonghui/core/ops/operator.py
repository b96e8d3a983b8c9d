"""Who a command-line action runs as: a named account, or the server's operator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.management.base import CommandError


@dataclass
class Operator:
    """The person at the server's console: the whole tree, every right, audited by this name.

    It is not an account: nobody can log in as it, and it exists only inside one command.
    """

    org: Any
    username: str = "(命令行)"
    is_authenticated: bool = True
    is_active: bool = True
    is_auditor: bool = False
    sees_records: bool = True
    pk: None = None

    def has_perm(self, perm: str) -> bool:
        return True

    def get_username(self) -> str:
        return self.username


def acting_user(
    username: str | None, perm: str, *, denied: str = "没有导入此类记录的权限"
) -> Any:
    from django.contrib.auth import get_user_model

    from gonghui.core.tenancy.models import org_model

    User = get_user_model()
    if username is None:
        root = org_model().objects.get_first_root_node()
        if root is None:
            raise CommandError(
                "还没有任何组织：请先导入组织（gonghui import orgs …）或建立演示数据"
            )
        return Operator(org=root)
    try:
        user = User.objects.get(username=username, is_active=True)
    except User.DoesNotExist as exc:
        raise CommandError(f"用户 {username} 不存在或已停用") from exc
    if not user.has_perm(perm):
        raise CommandError(f"用户 {username} {denied}")
    return user
