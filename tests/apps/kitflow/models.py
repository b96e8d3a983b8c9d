from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.tenancy.models import OrgOwned
from tests.apps.kitflow.workflows import RELIEF


class ReliefClaim(OrgOwned):
    """A hardship relief claim, entered by a union and approved up the chain."""

    title = models.CharField(_("申请标题"), max_length=100)
    applicant = models.CharField(_("申请人"), max_length=50)
    amount = models.DecimalField(
        _("申请金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField(_("困难情况"), blank=True)
    state = RELIEF.state_field()

    class Meta:
        verbose_name = _("帮扶申请")
        verbose_name_plural = _("帮扶申请")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gt=0),
                name="kitflow_claim_amount_positive",
                violation_error_message=_("申请金额必须大于零"),
            )
        ]

    def __str__(self) -> str:
        return self.title
