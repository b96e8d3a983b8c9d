"""One activity record for event-like work, with the units it reached and its participants.

Participants are either named people from the person index (one row per person per sign-in) or
a count row where names are not kept. Hence two figures: persons (distinct people, plus the
count rows) and person-times (人次: every named row once, plus the count rows).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from gonghui.activities.kinds import kind_choices
from gonghui.core.tenancy.models import OrgOwned, ScopedQuerySet, TimeStamped

ZERO = Decimal("0.00")


def money_field(label: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        label, max_digits=14, decimal_places=2, default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )


class Activity(OrgOwned):
    """A meeting, visit, performance, contest, training, study trip, symposium or delivery."""

    kind = models.CharField(_("活动类型"), max_length=40, choices=kind_choices)
    title = models.CharField(_("活动名称"), max_length=200)
    start_date = models.DateField(_("开始日期"), db_index=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    places = models.CharField(_("活动地点"), max_length=200, blank=True)
    money = money_field(_("经费（元）"))
    goods_value = money_field(_("物资价值（元）"))
    leaders = models.CharField(_("出席领导"), max_length=200, blank=True)
    summary = models.TextField(_("活动概况"), blank=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="activity_end_on_or_after_start",
            ),
            models.CheckConstraint(
                condition=Q(money__gte=0) & Q(goods_value__gte=0),
                name="activity_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("结束日期不能早于开始日期")})

    @property
    def last_day(self) -> Any:
        return self.end_date or self.start_date


class ActivityChild(TimeStamped):
    """A row of an activity (its `activity` foreign key): scoped through the activity's
    organisation, never an organisation of its own."""

    objects = ScopedQuerySet.as_manager()
    scope_path_field: ClassVar[str] = "activity__org_path"

    class Meta:
        abstract = True


class ActivityUnit(ActivityChild):
    """A unit or enterprise the activity reached: an enterprise on record, or a name."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="units", verbose_name=_("活动")
    )
    enterprise = models.ForeignKey(
        "orgs.Enterprise", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("企业"),
    )
    # Always filled (from the enterprise when there is one): the row still reads after the
    # enterprise is deleted.
    unit_name = models.CharField(_("单位名称"), max_length=200)
    amount = money_field(_("送达金额（元）"))
    goods_value = money_field(_("送达物资价值（元）"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("走访（送达）单位")
        verbose_name_plural = _("走访（送达）单位")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(goods_value__gte=0),
                name="activityunit_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.unit_name


class Participant(ActivityChild):
    """Who took part: a named person (one row per sign-in), or a count of unnamed people."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="participants", verbose_name=_("活动")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("参与人"),
    )
    headcount = models.PositiveIntegerField(
        _("人数（不具名）"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    unit_name = models.CharField(_("单位"), max_length=200, blank=True)
    signed_on = models.DateField(_("签到日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("参与人员")
        verbose_name_plural = _("参与人员")
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(headcount__isnull=True))
                | (Q(person__isnull=True) & Q(headcount__gte=1)),
                name="participant_person_or_headcount",
            ),
        ]
        indexes = [models.Index(fields=["activity", "person"], name="participant_activity_person")]

    def __str__(self) -> str:
        if self.person_id is not None:
            return self.person.name  # type: ignore[union-attr]
        return f"{self.headcount}人（{self.unit_name or '未具名'}）"


# The figures of participants, as database expressions over Participant rows (of one activity,
# or of every activity of a scope and period): a count row cannot be told apart into people,
# so its headcount counts as persons and as person-times alike.
PERSONS = Count("person", distinct=True) + Coalesce(Sum("headcount"), Value(0))
PERSON_TIMES = Count("person") + Coalesce(Sum("headcount"), Value(0))
