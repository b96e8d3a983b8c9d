"""Roles a cadre account can hold, and how they become Django permissions.

Which actions a role may take on each record type is declared with the record type
(`RecordType.grants`); `sync_roles` turns the declarations into one group per role.
"""

from __future__ import annotations

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


def role_conflict(codes: set[str] | frozenset[str]) -> str | None:
    """Why a set of roles may not be held by one account, in Chinese; None when it may."""
    duties = [code for code in DUTY_ROLES if code in codes]
    if len(duties) > 1:
        labels = "、".join(str(Role(code).label) for code in duties)
        return (
            f"职责分离：系统管理员、安全管理员和审计员不能由同一账号兼任（所选角色：{labels}）"
        )
    isolated = [code for code in NO_RECORD_ROLES if code in codes]
    if isolated and len(codes) > 1:
        label = str(Role(isolated[0]).label)
        return f"职责分离：{label}不能兼任其他角色（{label}不查看会员等业务记录）"
    return None


def role_permissions() -> dict[str, set[str]]:
    """`{role: {"app_label.codename", ...}}` from the registry's declarations."""
    from gonghui.core.records.registry import ACTIONS, registry

    grants: dict[str, set[str]] = {role: set(EXTRA_PERMISSIONS.get(role, [])) for role in Role}
    for record in registry:
        for role, actions in record.declared_grants().items():
            grants[role].update(record.perm(action) for action in actions)
        # The city administrator holds every action on every type.
        grants[Role.CITY_ADMIN].update(record.perm(action) for action in ACTIONS)
    return grants


def sync_roles() -> None:
    """Create or refresh one group per role with exactly the declared permissions."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in sorted(perms):
            app_label, codename = perm.split(".", 1)
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
