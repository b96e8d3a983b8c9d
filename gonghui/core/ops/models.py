"""Facts about the database as a whole."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
