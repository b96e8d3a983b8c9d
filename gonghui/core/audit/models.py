"""The audit log's rows: append-only, naming objects by type and id only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    ROLE_CHANGE = "role_change", _("角色变更")
    LOCKOUT = "lockout", _("账号锁定")
    BACKUP = "backup", _("备份")
    RESTORE = "restore", _("恢复")
    REVEAL = "reveal", _("查看完整信息")
    OTP_ENROL = "otp_enrol", _("启用双因素认证")
    OTP_DISABLE = "otp_disable", _("停用双因素认证")
    OTP_RESET = "otp_reset", _("重置双因素认证")
    OTP_FAILED = "otp_failed", _("动态码验证失败")
    RECOVERY_CODE_USED = "recovery_code", _("使用恢复码")
    UNLOCK = "unlock", _("解除锁定")
    AUDIT_PRUNE = "audit_prune", _("清理过期审计日志")
    SENSITIVE_SEARCH = "sensitive_search", _("按证件号码或手机号查询")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")


class AppendOnlyError(Exception):
    """Raised when anything tries to change or remove an audit row."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("审计日志只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("审计日志只能追加，不能删除")


class AuditEntry(models.Model):
    """One audited event. Append-only; names objects by type and id only, and never holds
    ID numbers, phones or secrets (field diffs mask sensitive fields)."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=16, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS
    )
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        at = timezone.localtime(self.at) if self.at else self.at  # read in TIME_ZONE
        return f"{at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("审计日志只能追加，不能删除")
