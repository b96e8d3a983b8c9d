"""Tenancy: the ladder of abstract base models and the scoping choke point.

Every record that belongs to the org tree inherits `OrgOwned` and so gets
`objects.visible_to(user)`: the one place where "rows whose organisation lies in the user's
subtree" is written down. Request code never starts a query anywhere else
(tests/core/test_choke_point.py enforces it).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.tenancy import lookups  # noqa: F401  (registers `__prefix`, used by the scope below)


def user_scope_path(user: Any) -> str | None:
    """The tree path of the subtree a user may see, or None when they may see no records.

    Auditors and security administrators are deliberately given no subtree: the one reads
    the audit log and the other manages accounts, and neither reads any record.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    # Cached on the user object: a page asks once per query it scopes.
    if "_gonghui_scope_path" not in user.__dict__:
        org = getattr(user, "org", None)
        user.__dict__["_gonghui_scope_path"] = (
            org.path if org is not None and getattr(user, "sees_records", False) else None
        )
    path: str | None = user.__dict__["_gonghui_scope_path"]
    return path


def org_model() -> Any:
    """The organisation tree's model (`settings.GONGHUI_ORG_MODEL`): the framework scopes records
    by it without importing the app that defines it."""
    return apps.get_model(settings.GONGHUI_ORG_MODEL)


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which column holds the owning organisation's tree path."""

    def visible_to(self, user: Any) -> ScopedQuerySet:
        path = user_scope_path(user)
        if path is None:
            return self.none()
        field: str = self.model.scope_path_field  # type: ignore[attr-defined]
        # `prefix`, not `startswith`: the same match, but one an index serves on SQLite too.
        return self.filter(**{f"{field}__prefix": path})

    def within(self, org_path: str) -> ScopedQuerySet:
        """Narrow to a subtree (the org filter of list pages); never widens a scoped queryset."""
        field: str = self.model.scope_path_field  # type: ignore[attr-defined]
        return self.filter(**{f"{field}__prefix": org_path})


class TimeStamped(models.Model):
    """When a row was made and last changed."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class OrgOwned(TimeStamped):
    """A record owned by one organisation; visible to users whose subtree contains it.

    `org_path` copies the owner's tree path so that scoping is one indexed prefix match, with no
    join; `gonghui.orgs.actions.move_organization` keeps it true when a branch moves.
    """

    org = models.ForeignKey(
        settings.GONGHUI_ORG_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属组织"),
    )
    org_path = models.CharField(_("组织路径"), max_length=255, editable=False, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field: ClassVar[str] = "org_path"
    # Other tree paths a row copies, which scoping also reads (a transfer request's releasing
    # side): a branch's move rewrites them as it rewrites `org_path`.
    copied_paths: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sync_org_path()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "org" in update_fields:
            kwargs["update_fields"] = {*update_fields, "org_path"}
        super().save(*args, **kwargs)

    def owning_org_changed(self) -> None:
        """Hook for records that derive `org` from other fields before saving."""

    def sync_org_path(self) -> None:
        """Derive the owner and copy its path; `save` does this, bulk writers call it."""
        self.owning_org_changed()
        self.org_path = self.org.path
