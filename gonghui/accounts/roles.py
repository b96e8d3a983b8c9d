"""Roles a cadre account can hold, and how they become Django permissions.

Which actions a role may take on each record type is declared with the record type
(`RecordType.grants`); `sync_roles` turns the declarations into one group per role.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市总管理员")
    TOWN_CADRE = "town_cadre", _("镇街工会干部")
    GRASSROOTS_CHAIR = "grassroots_chair", _("基层工会主席")
    AUDITOR = "auditor", _("审计员")


# Permissions a role holds outside any record type.
_REVIEW_PERMISSIONS = ["reports.view_review", "reports.add_review", "reports.change_review"]
EXTRA_PERMISSIONS: dict[str, list[str]] = {
    Role.CITY_ADMIN: ["accounts.view_sensitive", *_REVIEW_PERMISSIONS],
    # Every level compiles and writes the review of its own subtree (gonghui.reports).
    Role.TOWN_CADRE: _REVIEW_PERMISSIONS,
    Role.GRASSROOTS_CHAIR: _REVIEW_PERMISSIONS,
    Role.AUDITOR: ["core.view_auditentry"],
}


def role_permissions() -> dict[str, set[str]]:
    """`{role: {"app_label.codename", ...}}` from the registry's declarations."""
    from gonghui.core.registry import registry

    grants: dict[str, set[str]] = {role: set(EXTRA_PERMISSIONS.get(role, [])) for role in Role}
    for record in registry:
        for role, actions in record.effective_grants().items():
            grants[role].update(record.perm(action) for action in actions)
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
