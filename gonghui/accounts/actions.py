"""Account workflows: creating cadre accounts and API tokens, audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from gonghui.accounts.models import User
from gonghui.accounts.roles import role_codes, role_conflict
from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
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
    check_roles(roles)
    user = User(username=username, org=org, first_name=name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    codes = sorted(set(roles))
    user.groups.set(Group.objects.filter(name__in=codes))
    audit.record(
        AuditAction.CREATE,
        user=actor,
        obj=user,
        changes={"roles": codes, "org": org.code if org else None},
    )
    audit.record(AuditAction.ROLE_CHANGE, user=actor, obj=user, changes={"roles": codes})
    return user


def check_roles(roles: Iterable[str]) -> list[str]:
    """The sorted role codes, or a ValidationError naming what is wrong with them."""
    codes = sorted(set(roles))
    unknown = set(codes) - set(role_codes())
    if unknown:
        raise ValidationError(f"未知角色：{'、'.join(sorted(unknown))}")
    conflict = role_conflict(set(codes))
    if conflict:
        raise ValidationError(conflict)
    return codes


@transaction.atomic
def set_roles(*, user: User, roles: Iterable[str], actor: User | None) -> list[str]:
    """Give an account exactly these roles (separation of duties checked), audited."""
    codes = check_roles(roles)
    before = sorted(user.groups.values_list("name", flat=True))
    user.groups.set(Group.objects.filter(name__in=codes))
    user.__dict__.pop("role_codes", None)
    if user.requires_second_factor:
        # A token issued under the old roles would skip the second factor the new ones need.
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=user).delete()
    audit.record(
        AuditAction.ROLE_CHANGE,
        user=actor,
        obj=user,
        changes={"roles": {"before": before, "after": codes}},
    )
    return codes


@transaction.atomic
def unlock_user(*, user: User, actor: User | None, request: HttpRequest | None = None) -> int:
    """End a login lockout on the account (its failure count starts again); audited."""
    from axes.utils import reset

    removed = int(reset(username=user.get_username()))
    audit.record(
        AuditAction.UNLOCK, request=request, user=actor, obj=user, changes={"attempts": removed}
    )
    return removed


@transaction.atomic
def reset_second_factor(
    *, user: User, actor: User | None, request: HttpRequest | None = None
) -> None:
    """Remove the account's second factor (a lost phone): it enrols again at its next login,
    and its sessions end, since they were verified with the device now gone."""
    from gonghui.accounts.secondfactor import remove_devices

    remove_devices(user)
    end_sessions(user)
    audit.record(AuditAction.OTP_RESET, request=request, user=actor, obj=user)


@transaction.atomic
def revoke_token(*, user: User, actor: User | None, request: HttpRequest | None = None) -> int:
    """Delete the account's API token; audited (the token itself never is)."""
    from rest_framework.authtoken.models import Token

    removed, _ = Token.objects.filter(user=user).delete()
    audit.record(AuditAction.UPDATE, request=request, user=actor, obj=user,
                 changes={"api_token": "已吊销", "removed": removed})
    return int(removed)


@transaction.atomic
def deactivate_user(
    *, user: User, actor: User | None, request: HttpRequest | None = None
) -> int:
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
        request=request,
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
    """An API token for the account. An API token is a password without a second factor, so
    accounts whose role requires one (administrators) get none."""
    from rest_framework.authtoken.models import Token

    user = User.objects.get(username=username)
    if user.requires_second_factor:
        raise ValidationError(f"{username} 的角色须使用双因素认证登录，不能签发 API 令牌")
    token, _created = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def change_account(
    *, user: User, name: str, org: Organization, roles: Iterable[str], actor: User | None,
    request: HttpRequest | None = None,
) -> None:
    """Name, organisation and roles of an account, as its manager sets them; audited."""
    codes = check_roles(roles)
    before = {"name": user.first_name, "org": user.org.code if user.org else None}
    user.first_name = name
    user.org = org
    user.save(update_fields=["first_name", "org"])
    after = {"name": name, "org": org.code}
    if before != after:
        audit.record(AuditAction.UPDATE, request=request, user=actor, obj=user,
                     changes={k: {"before": before[k], "after": after[k]}
                              for k in after if before[k] != after[k]})
    if codes != sorted(user.groups.values_list("name", flat=True)):
        set_roles(user=user, roles=codes, actor=actor)
    if before["org"] != after["org"]:
        # Another subtree: sessions opened under the old one must not go on seeing it.
        end_sessions(user)


@transaction.atomic
def reset_password(*, user: User, actor: User | None, request: HttpRequest | None = None) -> str:
    """A temporary password, shown once to the manager; the account must change it at login."""
    import datetime
    import secrets

    from django.conf import settings
    from django.utils import timezone

    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    temporary = "".join(secrets.choice(alphabet) for _ in range(12)) + "@" + str(
        secrets.randbelow(90) + 10)
    user.set_password(temporary)
    # Already expired: the password-expiry middleware sends them to change it first.
    user.password_changed_at = timezone.now() - datetime.timedelta(
        days=settings.GONGHUI_PASSWORD_MAX_AGE_DAYS + 1)
    user.save(update_fields=["password", "password_changed_at"])
    end_sessions(user)
    audit.record(AuditAction.UPDATE, request=request, user=actor, obj=user,
                 changes={"password": "已重置"})
    return temporary
