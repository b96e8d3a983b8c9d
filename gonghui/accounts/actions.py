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


@transaction.atomic
def deactivate_user(*, user: User, actor: User | None) -> int:
    """Disable an account and end every session it holds; returns how many were ended.

    Django already refuses an inactive user's session, but a session left behind would come
    back to life if the account were enabled again: it is deleted instead.
    """
    was_active = user.is_active
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = end_sessions(user)
    audit.record(
        AuditAction.UPDATE,
        user=actor,
        obj=user,
        changes={
            "is_active": {"before": was_active, "after": False},
            "sessions_ended": ended,
        },
    )
    return ended


def end_sessions(user: User) -> int:
    """Delete every stored session logged in as `user`."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    wanted = str(user.pk)
    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == wanted
    ]
    Session.objects.filter(session_key__in=keys).delete()
    # An API token is a standing session too.
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    return len(keys)


def issue_token(*, username: str) -> str:
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=User.objects.get(username=username))
    return token.key
