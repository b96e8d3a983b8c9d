"""The decision ledger: who took which transition of which record, when, and with what opinion.

Insert-only like the audit log: the ORM refuses updates and deletes, and on PostgreSQL a trigger
refuses them too (migration 0009). The one change allowed is the copied tree path, when a branch
of the org tree moves (`gonghui.orgs.actions.move_organization`), so that scoping stays true.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit.models import AppendOnlyError
from gonghui.core.tenancy.models import ScopedQuerySet


class DecisionQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        if set(kwargs) != {"org_path"}:
            raise AppendOnlyError("流程记录只能追加，不能修改")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("流程记录只能追加，不能删除")


class Decision(models.Model):
    """One step of a record's workflow (or its creation), as the timeline shows it.

    `org_path` is the record's tree path when the step was taken: the ledger can be listed by
    subtree without joining every record table.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录类型")
    )
    object_id = models.PositiveBigIntegerField(_("记录编号"))
    org_path = models.CharField(_("组织路径"), max_length=255, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办理人"),
    )
    actor_name = models.CharField(_("办理人用户名"), max_length=150)
    at = models.DateTimeField(_("办理时间"), auto_now_add=True)
    transition = models.CharField(_("办理事项"), max_length=64)
    transition_label = models.CharField(_("办理事项名称"), max_length=64)
    from_state = models.CharField(_("原状态"), max_length=32, blank=True)
    to_state = models.CharField(_("新状态"), max_length=32)
    opinion = models.TextField(_("意见"), blank=True)

    objects = DecisionQuerySet.as_manager()
    scope_path_field: ClassVar[str] = "org_path"

    class Meta:
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="core_decision_record"),
        ]

    def __str__(self) -> str:
        at = timezone.localtime(self.at) if self.at else self.at  # read in TIME_ZONE
        return f"{at:%Y-%m-%d %H:%M} {self.actor_name} {self.transition_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("流程记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("流程记录只能追加，不能删除")
