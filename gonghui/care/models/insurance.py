"""职工互助保障 (mutual insurance): a unit's enrolment in a plan for a period, its roster, and
the claims of its members.

An enrolment (参保) is one unit (an enterprise on record) in one plan for one period, owned by
the union that enrolled it, with the number of persons enrolled (参保人数, the figure the
federation reports as 人次) and the premium. Its roster (参保名单) names the people, from the
person index. A claim (理赔) is a person's, against a unit: it is only accepted for someone on
the roster of an enrolment of that unit whose period covers the claim's date (出险日期, else the
paid date, else the day it was received), and goes 受理 → 审核 → 赔付 or 拒赔
(gonghui.care.records.insurance).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.tenancy.models import OrgOwned, ScopedQuerySet, TimeStamped
from gonghui.core.workflow.spec import CREATE, State, Transition, Workflow

ZERO = Decimal("0.00")


class Plan(models.TextChoices):
    """保障计划: the federation's product families."""

    INPATIENT = "inpatient", _("在职职工住院医疗互助保障")
    CRITICAL = "critical", _("在职职工重大疾病互助保障")
    ACCIDENT = "accident", _("职工意外伤害互助保障")
    FEMALE = "female", _("女职工特殊疾病互助保障")
    NEW_FORM = "new_form", _("新就业形态劳动者互助保障")


class ClaimKind(models.TextChoices):
    """理赔类别: one benefit category per claim."""

    INPATIENT = "inpatient", _("住院")
    CRITICAL = "critical", _("重疾")
    ACCIDENT = "accident", _("意外")
    DEATH = "death", _("身故")
    OTHER = "other", _("其他")


class InsuranceEnrolment(OrgOwned):
    """One unit enrolled in one plan for one period by the union that owns the record."""

    enterprise = models.ForeignKey(
        "orgs.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name=_("参保单位")
    )
    # Copied from the enterprise when saved: the import checks the name typed against it, and
    # the row still reads the same after the enterprise is renamed.
    unit_name = models.CharField(_("单位名称"), max_length=100, blank=True)
    plan = models.CharField(_("保障计划"), max_length=16, choices=Plan.choices)
    persons_enrolled = models.PositiveIntegerField(
        _("参保人数"), validators=[MinValueValidator(1)]
    )
    premium = models.DecimalField(
        _("保费（元）"), max_digits=14, decimal_places=2, default=ZERO, blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    starts_on = models.DateField(_("保障期起"), db_index=True)
    ends_on = models.DateField(_("保障期止"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("互助保障参保")
        verbose_name_plural = _("互助保障参保")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="insurance_enrolment_period_ordered",
                violation_error_message=_("保障期止不能早于保障期起"),
            ),
            models.CheckConstraint(
                condition=Q(premium__gte=0) & Q(persons_enrolled__gte=1),
                name="insurance_enrolment_amounts_valid",
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "starts_on"], name="ins_enrol_unit_start")]

    def __str__(self) -> str:
        return f"{self.unit_name or self.enterprise}（{self.get_plan_display()}）"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "保障期止不能早于保障期起"
        enterprise = self.enterprise if self.enterprise_id else None
        if enterprise is not None:
            if self.unit_name and self.unit_name.strip() != enterprise.name:
                errors["unit_name"] = (
                    f"单位名称与统一社会信用代码对应的单位“{enterprise.name}”不一致"
                )
            org = self.org if self.org_id else None
            # The enrolling union covers the unit (or is above it: a town enrols for a unit
            # whose union has none of its own cadres on the platform).
            if org is not None and not enterprise.org_path.startswith(org.path):
                errors["org"] = f"单位“{enterprise.name}”不属于{org.name}"
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.enterprise_id and not self.unit_name:
            self.unit_name = self.enterprise.name
        super().save(*args, **kwargs)

    def covers(self, day: datetime.date) -> bool:
        return self.starts_on <= day <= self.ends_on


class RosterEntry(TimeStamped):
    """A person on an enrolment's roster (参保名单); scoped through the enrolment."""

    objects = ScopedQuerySet.as_manager()
    scope_path_field: ClassVar[str] = "enrolment__org_path"

    enrolment = models.ForeignKey(
        InsuranceEnrolment, on_delete=models.CASCADE, related_name="roster",
        verbose_name=_("参保记录"),
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("参保人")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("参保人员")
        verbose_name_plural = _("参保名单")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "person"], name="insurance_roster_once",
                violation_error_message=_("此人已在本次参保名单中"),
            ),
        ]
        indexes = [models.Index(fields=["person", "enrolment"], name="ins_roster_person")]

    def __str__(self) -> str:
        return str(self.person)


def required_documents(obj: Any) -> str | None:
    """Before review: a 诊断证明 (or death / accident certificate), and for a hospital stay the
    invoices too."""
    from gonghui.core.attachments.rules import required_attachment

    missing = [reason for reason in (
        required_attachment("diagnosis")(obj),
        required_attachment("invoice")(obj) if obj.kind == ClaimKind.INPATIENT else None,
    ) if reason]
    return "；".join(missing) or None


def paid_within_claimed(obj: Any, actor: Any) -> str | None:
    """At review and payment: still enrolled (the roster may have changed since the claim was
    received), and a paid amount, not above the claim."""
    if (reason := obj.enrolment_refusal()) is not None:
        return reason
    if obj.amount_paid is None:
        return "请先填写赔付金额"
    if obj.amount_paid > obj.amount_claimed:
        return "赔付金额不能大于申请金额"
    return None


def stamp_paid_on(obj: Any, actor: Any) -> None:
    """Paid in the platform: the day of the payment transition."""
    obj.paid_on = timezone.localdate()
    obj.save(update_fields=["paid_on"])


CLAIM_FLOW = Workflow(
    states=[
        State("received", "已受理", editable=True),
        State("reviewed", "已审核", tone="primary"),
        State("paid", "已赔付", tone="success"),
        State("refused", "拒赔", tone="danger"),
    ],
    transitions=[
        Transition(
            "review", "审核通过", ["received"], "reviewed", not_by=[CREATE], opinion=True,
            requires=[required_documents], guard=paid_within_claimed, tone="success",
        ),
        Transition(
            "pay", "赔付", ["reviewed"], "paid", not_by=[CREATE], guard=paid_within_claimed,
            effect=stamp_paid_on, tone="success",
        ),
        Transition(
            "send_back", "退回修改", ["reviewed"], "received", opinion=True,
            opinion_required=True, tone="warning",
        ),
        Transition(
            "refuse", "拒赔", ["received", "reviewed"], "refused", not_by=[CREATE], opinion=True,
            opinion_required=True, tone="danger",
        ),
        # A unit's historic claim, paid before it reached the platform, entered by the city
        # federation from the unit's records (the claim import): audited and in the ledger like
        # any payment, never for a claim of someone not enrolled, but without documents.
        Transition(
            "record_paid", "登记历史赔付", ["received"], "paid", levels=["city"],
            guard=paid_within_claimed, tone="secondary",
        ),
    ],
)


class InsuranceClaim(OrgOwned):
    """A member's claim against their unit's enrolment; owned by the enrolling union."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("理赔人")
    )
    enterprise = models.ForeignKey(
        "orgs.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name=_("参保单位")
    )
    # Found from the roster when the claim is received (and checked again at each step).
    enrolment = models.ForeignKey(
        InsuranceEnrolment, on_delete=models.PROTECT, related_name="claims",
        verbose_name=_("参保记录"), editable=False,
    )
    kind = models.CharField(_("理赔类别"), max_length=16, choices=ClaimKind.choices)
    occurred_on = models.DateField(_("出险日期"), null=True, blank=True)
    received_on = models.DateField(_("受理日期"), default=timezone.localdate)
    amount_claimed = models.DecimalField(
        _("申请金额（元）"), max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    amount_paid = models.DecimalField(
        _("赔付金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    paid_on = models.DateField(_("赔付日期"), null=True, blank=True, editable=False,
                               db_index=True)
    note = models.CharField(_("情况说明"), max_length=200, blank=True)
    state = CLAIM_FLOW.state_field()

    class Meta:
        verbose_name = _("互助保障理赔")
        verbose_name_plural = _("互助保障理赔")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_claimed__gte=0)
                & (Q(amount_paid__isnull=True) | Q(amount_paid__lte=models.F("amount_claimed"))),
                name="insurance_claim_amounts_valid",
                violation_error_message=_("赔付金额不能大于申请金额"),
            ),
            # Counted as paid only with its amount (the figures sum paid claims); the paid date
            # is stamped by the payment's effect, inside the same transaction.
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(amount_paid__isnull=False),
                name="insurance_claim_paid_has_amount",
            ),
        ]

    def __str__(self) -> str:
        name = self.person.name if self.person_id else ""
        return f"{name}{self.get_kind_display()}理赔"

    def owning_org_changed(self) -> None:
        if self.enrolment_id:
            self.org = self.enrolment.org

    @property
    def cover_date(self) -> datetime.date:
        """The day the person must have been enrolled on."""
        return self.occurred_on or self.paid_on or self.received_on or timezone.localdate()

    def find_enrolment(self) -> InsuranceEnrolment | None:
        """An enrolment of the claim's unit covering its date with the person on its roster;
        one whose plan matches the claim's kind first."""
        day = self.cover_date
        found = list(
            InsuranceEnrolment.objects.filter(
                enterprise_id=self.enterprise_id, starts_on__lte=day, ends_on__gte=day,
                roster__person_id=self.person_id,
            ).order_by("-starts_on", "pk")
        )
        matching = [e for e in found if e.plan == self.kind]
        return next(iter(matching or found), None)

    def enrolment_refusal(self) -> str | None:
        if not (self.person_id and self.enterprise_id):
            return None
        enrolment = self.find_enrolment()
        if enrolment is None:
            return (
                f"{self.person.name}在{self.cover_date:%Y年%m月%d日}未参加"
                f"{self.enterprise.name}的职工互助保障，不能理赔"
            )
        return None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.amount_paid is not None and self.amount_claimed is not None and (
            self.amount_paid > self.amount_claimed
        ):
            errors["amount_paid"] = "赔付金额不能大于申请金额"
        if self.person_id and self.enterprise_id:
            enrolment = self.find_enrolment()
            if enrolment is None:
                errors["person"] = self.enrolment_refusal() or ""
            else:
                self.enrolment = enrolment
                self.org = enrolment.org
        if errors:
            raise ValidationError(errors)


def first_per_unit(enrolments: QuerySet[Any], since: Any) -> QuerySet[Any]:
    """Each unit's first enrolment (by start, then id) since `since`, per enrolling union: what
    `insurance.units_enrolled` counts, so that a unit in two plans is one unit. Judged within
    one owner, so that the figures of disjoint subtrees add up."""
    earlier = InsuranceEnrolment.objects.filter(
        enterprise=OuterRef("enterprise"), org=OuterRef("org")
    ).filter(
        Q(starts_on__lt=OuterRef("starts_on"))
        | Q(starts_on=OuterRef("starts_on"), pk__lt=OuterRef("pk"))
    )
    if since is not None:
        earlier = earlier.filter(starts_on__gte=since)
    return enrolments.filter(~Exists(earlier))
