"""A saved review: the cadre's edited title and narrative for one organisation and period.

Figures are not stored: the narrative keeps its placeholders (〔members.enrolled〕), filled in
from the indicator registry each time the review is shown or downloaded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.tenancy.models import OrgOwned


class Review(OrgOwned):
    period_code = models.CharField(_("期间"), max_length=32, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    narrative = models.TextField(_("正文"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撰写人"),
    )

    class Meta:
        verbose_name = _("工作回顾")
        verbose_name_plural = _("工作回顾")
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.title
