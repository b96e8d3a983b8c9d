"""Roles a cadre account can hold, and how they become Django permissions.

The platform's own roles are `Role` below. A workstream app declares its own (律师, 心理咨询师,
审批人, 经办人 …) in its `roles.py`, found at start-up (`AccountsConfig.ready`):

    declare_role("lawyer", "律师", permissions=["reports.view_review"])

Which actions a role may take on each record type is declared with the record type
(`RecordType.grants`, keyed by the role's code); `sync_roles` turns the declarations into one
group per role, named by its code, so groups stored before a role was declared keep working.
Separation of duties holds for every role: a declared role is an ordinary business role, and may
not be combined with the security administrator or the auditor (NO_RECORD_ROLES).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # The city administrator is the system administrator of the three duties below: it runs
    # the federation's records (every action on every record type) but manages no accounts and
    # reads no audit log.
    CITY_ADMIN = "city_admin", _("市总管理员（系统管理员）")
    TOWN_CADRE = "town_cadre", _("镇街工会干部")
    GRASSROOTS_CHAIR = "grassroots_chair", _("基层工会主席")
    # Manages accounts (create, deactivate, unlock, reset the second factor) and sees no records.
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDITOR = "auditor", _("审计员")


# Separation of duties (security.md row 10, MLPS 三员分立): no account holds two of these.
DUTY_ROLES: tuple[str, ...] = (Role.CITY_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)
# Roles that see no member records at all; they may not be combined with a role that does,
# or the account would read records through the other role.
NO_RECORD_ROLES: frozenset[str] = frozenset({Role.SECURITY_ADMIN, Role.AUDITOR})
# Roles that must sign in with a second factor (security.md row 4); optional for the others.
SECOND_FACTOR_ROLES: frozenset[str] = frozenset({Role.CITY_ADMIN, Role.SECURITY_ADMIN})

# Permissions a role holds outside any record type.
_REVIEW_PERMISSIONS = ["reports.view_review", "reports.add_review", "reports.change_review"]
EXTRA_PERMISSIONS: dict[str, list[str]] = {
    Role.CITY_ADMIN: ["accounts.view_sensitive", *_REVIEW_PERMISSIONS],
    Role.SECURITY_ADMIN: ["accounts.view_user", "accounts.manage_accounts"],
    # Every level compiles and writes the review of its own subtree (gonghui.reports).
    Role.TOWN_CADRE: _REVIEW_PERMISSIONS,
    Role.GRASSROOTS_CHAIR: _REVIEW_PERMISSIONS,
    Role.AUDITOR: ["core.view_auditentry"],
}


@dataclass(frozen=True)
class DeclaredRole:
    code: str
    label: str
    # Permissions outside any record type ("reports.view_review"); record types grant the rest.
    permissions: tuple[str, ...] = ()
    second_factor: bool = False  # must sign in with a second factor


_DECLARED: dict[str, DeclaredRole] = {}


def declare_role(
    code: str, label: str, *, permissions: Iterable[str] = (), second_factor: bool = False
) -> DeclaredRole:
    """Declare a role an app brings; its code names its permission group (keep it stable)."""
    if code in Role.values:
        raise ValueError(f"role {code!r} is one of the platform's own roles")
    role = DeclaredRole(code, label, tuple(permissions), second_factor)
    known = _DECLARED.get(code)
    if known is not None and known != role:
        raise ValueError(f"role {code!r} declared twice, differently")
    _DECLARED[code] = role
    return role


def role_codes() -> list[str]:
    """Every role an account may hold: the platform's, then the apps' in declaration order."""
    return [*Role.values, *_DECLARED]


def role_label(code: str) -> str:
    if code in Role.values:
        return str(Role(code).label)
    declared = _DECLARED.get(code)
    return declared.label if declared is not None else code


def role_choices() -> list[tuple[str, str]]:
    return [(code, role_label(code)) for code in role_codes()]


def needs_second_factor(codes: Iterable[str]) -> bool:
    return any(
        code in SECOND_FACTOR_ROLES or (code in _DECLARED and _DECLARED[code].second_factor)
        for code in codes
    )


def role_conflict(codes: set[str] | frozenset[str]) -> str | None:
    """Why a set of roles may not be held by one account, in Chinese; None when it may."""
    duties = [code for code in DUTY_ROLES if code in codes]
    if len(duties) > 1:
        labels = "、".join(role_label(code) for code in duties)
        return (
            f"职责分离：系统管理员、安全管理员和审计员不能由同一账号兼任（所选角色：{labels}）"
        )
    isolated = [code for code in NO_RECORD_ROLES if code in codes]
    if isolated and len(codes) > 1:
        label = role_label(isolated[0])
        return f"职责分离：{label}不能兼任其他角色（{label}不查看会员等业务记录）"
    return None


def role_permissions() -> dict[str, set[str]]:
    """`{role: {"app_label.codename", ...}}` from the registry's declarations."""
    from gonghui.core.records.registry import registry

    grants: dict[str, set[str]] = {role: set(EXTRA_PERMISSIONS.get(role, [])) for role in Role}
    for declared in _DECLARED.values():
        grants[declared.code] = set(declared.permissions)
    for record in registry:
        for role, actions in record.declared_grants().items():
            if role not in grants:
                raise ValueError(f"{record.slug}: grants to role {role!r}, which nobody declared")
            grants[role].update(record.perm(action) for action in actions)
        # The city administrator holds every action, and every transition, on every type (the
        # workflow's level and maker-checker rules still apply to it).
        grants[Role.CITY_ADMIN].update(record.perm(action) for action in record.grantable_actions)
    return grants


def sync_roles() -> None:
    """Create or refresh one group per role with exactly the declared permissions."""
    from django.contrib.auth.models import Group, Permission

    from gonghui.core.workflow.permissions import ensure_transition_permissions

    ensure_transition_permissions()
    for role, perms in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in sorted(perms):
            app_label, codename = perm.split(".", 1)
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
