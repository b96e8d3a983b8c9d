"""Background import jobs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
