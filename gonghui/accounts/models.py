"""Cadre accounts: each belongs to one organisation node and holds roles.

A role is a Django group whose permissions are declared in `gonghui.accounts.roles`; the subtree a
user sees comes from `org`, what they may do in it from their roles.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from gonghui.accounts.roles import (
    NO_RECORD_ROLES,
    Role,
    needs_second_factor,
    role_codes,
    role_conflict,
    role_label,
)


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp's Device FK
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
        permissions = [
            ("view_sensitive", _("查看完整的身份证号和电话")),
            ("manage_accounts", _("管理账号（新建、停用、解锁、重置双因素认证）")),
        ]

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
    def is_security_admin(self) -> bool:
        return Role.SECURITY_ADMIN in self.role_codes

    @property
    def sees_records(self) -> bool:
        """False for the auditor and the security administrator: they read no records at all."""
        return not (self.role_codes & NO_RECORD_ROLES)

    @property
    def requires_second_factor(self) -> bool:
        return needs_second_factor(self.role_codes)

    @property
    def role_labels(self) -> list[str]:
        known = set(role_codes())  # a stored group of a role no app declares any more: no label
        return [role_label(code) for code in sorted(self.role_codes) if code in known]

    @property
    def display_name(self) -> str:
        return self.first_name or self.username


class RecoveryCodeDevice(Device):
    """The ten single-use recovery codes of an account, as one django-otp device.

    Only a digest of each code is stored: the codes are shown once, at enrolment. They are long
    random strings (about 50 bits each), so a keyed digest per device is enough; a slow password
    hash would make every verification try all ten codes at its full cost.
    """

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")

    @staticmethod
    def normalise(token: str) -> str:
        return "".join(ch for ch in str(token).upper() if ch.isalnum())

    def digest(self, token: str) -> str:
        salted = f"gonghui-recovery:{self.pk}:{self.normalise(token)}"
        return hashlib.sha256(salted.encode()).hexdigest()

    def verify_token(self, token: Any) -> bool:
        if not self.confirmed:
            return False
        # One UPDATE: a code spent by two requests at once is accepted by only one of them.
        spent = RecoveryCode.objects.filter(
            device=self, digest=self.digest(str(token)), used_at__isnull=True
        ).update(used_at=timezone.now())
        return spent == 1

    @property
    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class RecoveryCode(models.Model):
    device = models.ForeignKey(
        RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes"
    )
    digest = models.CharField(_("摘要"), max_length=64)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")
        constraints = [
            models.UniqueConstraint(fields=["device", "digest"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"恢复码 #{self.pk}"


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="gonghui-separate-duties")
def _separate_duties(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """Separation of duties at the model: whatever path adds a role to an account (the
    account actions, a shell, a data migration), no account ends up holding two duties."""
    if action != "pre_add" or not pk_set:
        return
    from django.contrib.auth.models import Group

    if reverse:  # group.user_set.add(users)
        accounts = list(User.objects.filter(pk__in=pk_set))
        adding = {instance.name}
    else:  # user.groups.add(groups)
        accounts = [instance]
        adding = set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    for account in accounts:
        held = set(account.groups.values_list("name", flat=True))
        conflict = role_conflict(held | adding)
        if conflict:
            raise ValidationError(f"账号 {account.get_username()}：{conflict}")
