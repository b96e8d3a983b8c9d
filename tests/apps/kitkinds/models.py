from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.activities.models import Activity
from gonghui.core.tenancy.models import ScopedQuerySet, TimeStamped


class TraineeScore(TimeStamped):
    """A trainee's score in a training: a workstream's extra child row of an activity."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="+", verbose_name=_("活动")
    )
    trainee = models.CharField(_("学员"), max_length=50)
    score = models.DecimalField(_("成绩"), max_digits=5, decimal_places=1)

    objects = ScopedQuerySet.as_manager()
    scope_path_field: ClassVar[str] = "activity__org_path"

    class Meta:
        verbose_name = _("学员成绩")
        verbose_name_plural = _("学员成绩")

    def __str__(self) -> str:
        return self.trainee
