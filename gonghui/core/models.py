"""The ladder of abstract base models, the scoping choke point and the audit log.

Every record that belongs to the org tree inherits `OrgOwned` and so gets
`objects.visible_to(user)`: the one place where "rows whose organisation lies in the user's
subtree" is written down. Request code never starts a query anywhere else
(tests/core/test_choke_point.py enforces it).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core import lookups  # noqa: F401  (registers `__prefix`, used by the scope below)

if TYPE_CHECKING:
    from gonghui.accounts.models import User


class SensitiveKind(models.TextChoices):
    """What a sensitive field holds; decides how it is masked and that audit rows never copy it."""

    PHONE = "phone", _("电话")
    ID_NUMBER = "id_number", _("身份证号")


class PhoneField(models.CharField):
    """A phone number: masked unless the user may see it, never copied into an audit row."""

    sensitive = SensitiveKind.PHONE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)


class IdNumberField(models.CharField):
    """A 居民身份证号: masked unless the user may see it, never copied into an audit row."""

    sensitive = SensitiveKind.ID_NUMBER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)


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


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which column holds the owning organisation's tree path."""

    def visible_to(self, user: User | Any) -> ScopedQuerySet:
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
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属组织"),
    )
    org_path = models.CharField(_("组织路径"), max_length=255, editable=False, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field: ClassVar[str] = "org_path"

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
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("审计日志只能追加，不能删除")


class SiteMarker(models.Model):
    """A fact about this database as a whole, one row per key.

    `demo`: the database was built by `gonghui demo` (its value lists the demo accounts), and
    `gonghui serve` refuses to serve it under a production configuration.
    """

    DEMO = "demo"

    key = models.CharField(_("标记"), max_length=50, unique=True)
    value = models.JSONField(_("内容"), default=dict, blank=True)
    set_at = models.DateTimeField(_("设置时间"), auto_now=True)

    class Meta:
        verbose_name = _("数据库标记")
        verbose_name_plural = _("数据库标记")

    def __str__(self) -> str:
        return self.key


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """One uploaded file being imported in the background; seen only by whoever uploaded it.

    Live progress is kept in the cache, not here: the import holds its own transaction open
    while it writes, and the row is updated only before and after it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    record_slug = models.CharField(_("记录类型"), max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("导入人"),
    )
    filename = models.CharField(_("文件名"), max_length=255)
    path = models.CharField(_("存放位置"), max_length=500)
    all_or_nothing = models.BooleanField(_("全部正确才导入"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    read = models.PositiveIntegerField(_("读取行数"), default=0)
    created = models.PositiveIntegerField(_("新增行数"), default=0)
    updated = models.PositiveIntegerField(_("更新行数"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝行数"), default=0)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    error_workbook = models.CharField(_("错误明细文件"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def progress_key(self) -> str:
        return f"gonghui:import-progress:{self.pk}"
