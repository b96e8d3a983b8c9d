"""Account workflows: creating cadre accounts and API tokens, audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from gonghui.accounts.models import User
from gonghui.accounts.roles import Role
from gonghui.core import audit
from gonghui.core.models import AuditAction
from gonghui.orgs.models import Organization


@transaction.atomic
def create_user(
    *,
    username: str,
    org: Organization | None,
    roles: Iterable[str],
    password: str | None,
    name: str = "",
    actor: User | None = None,
) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationError(f"用户名 {username} 已存在")
    user = User(username=username, org=org, first_name=name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    codes = sorted(set(roles))
    unknown = set(codes) - set(Role.values)
    if unknown:
        raise ValidationError(f"未知角色：{'、'.join(sorted(unknown))}")
    user.groups.set(Group.objects.filter(name__in=codes))
    audit.record(
        AuditAction.CREATE,
        user=actor,
        obj=user,
        changes={"roles": codes, "org": org.code if org else None},
    )
    audit.record(AuditAction.ROLE_CHANGE, user=actor, obj=user, changes={"roles": codes})
    return user


def issue_token(*, username: str) -> str:
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=User.objects.get(username=username))
    return token.key
