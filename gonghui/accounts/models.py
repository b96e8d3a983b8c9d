"""Cadre accounts: each belongs to one organisation node and holds roles.

A role is a Django group whose permissions are declared in `gonghui.accounts.roles`; the subtree a
user sees comes from `org`, what they may do in it from their roles.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.roles import Role


class User(AbstractUser):
    """A cadre's account."""

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("所属组织"),
    )
    # When the password was last set; the expiry middleware (gonghui.accounts.middleware) sends
    # the user to change it once it is older than GONGHUI_PASSWORD_MAX_AGE_DAYS. Empty for an
    # account that has never had a usable password.
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [("view_sensitive", _("查看完整的身份证号和电话"))]

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now() if raw_password is not None else None

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self.password_changed_at = None

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    @property
    def is_auditor(self) -> bool:
        return Role.AUDITOR in self.role_codes

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(code).label) for code in sorted(self.role_codes) if code in Role.values]

    @property
    def display_name(self) -> str:
        return self.first_name or self.username
