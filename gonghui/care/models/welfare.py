"""Welfare (普惠服务): what the activity record lacks for consolation visits, and three registries.

Consolation visits (走访慰问), summer cooling (夏送清凉) and sanatorium stays (疗休养) are
activities of kinds the care app declares (gonghui/care/records/welfare.py): the activity record
already carries their dates, places, cash and goods value, the leaders who went, the units
reached, the participants and the photos. It lacks one thing: the hardship households a visit
called on, counted apart from the frontline workers consoled on the same trip. Those are
`VisitedHousehold` rows, a child row type of the activity.

The registries (爱心妈妈小屋, 创业带头人, 创业基地) are records of their own, each with the day
it was built or named, by which the review counts them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.activities.models import Activity, ActivityChild
from gonghui.core.tenancy.models import OrgOwned

# The activity kinds of this part (declared in gonghui/care/records/welfare.py; codes prefixed
# with the app label, gonghui.activities.kinds). One kind for consolation visits: a Spring
# Festival trip calls on hardship households and consoles workers on duty in one go, and the
# review reports their cash and goods together.
CONSOLATION = "care.consolation"
COOLING = "care.cooling"
SANATORIUM = "care.sanatorium"


class VisitedHousehold(ActivityChild):
    """A hardship household a consolation visit called on: the worker, from the person index."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="care_households",
        verbose_name=_("活动"),
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("困难职工"),
    )
    situation = models.CharField(
        _("家庭困难情况"), max_length=200, blank=True,
        help_text=_("如：因病致困，家庭人口3人"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("走访困难职工户")
        verbose_name_plural = _("走访困难职工户")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "person"], name="care_visited_household_once",
                violation_error_message=_("该户已登记在本次走访慰问中"),
            ),
        ]

    def __str__(self) -> str:
        return self.person.name


class NursingRoom(OrgOwned):
    """爱心妈妈小屋: a nursing room for working mothers, counted by the day it was built."""

    name = models.CharField(_("小屋名称"), max_length=100)
    enterprise = models.ForeignKey(
        "orgs.Enterprise", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("所在企业"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    built_on = models.DateField(_("建成日期"), db_index=True)
    area = models.PositiveIntegerField(_("面积（平方米）"), null=True, blank=True)
    facilities = models.CharField(
        _("配套设施"), max_length=200, blank=True, help_text=_("如：冰箱、哺乳椅、消毒柜")
    )

    class Meta:
        verbose_name = _("爱心妈妈小屋")
        verbose_name_plural = _("爱心妈妈小屋")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "name"], name="care_nursing_room_name_unique",
                violation_error_message=_("该组织已有同名的爱心妈妈小屋"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EntrepreneurLeader(OrgOwned):
    """创业带头人: a person from the person index, named a leader on a day."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("创业带头人"),
    )
    venture = models.CharField(_("创业项目"), max_length=200)
    enterprise = models.ForeignKey(
        "orgs.Enterprise", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("创办企业"),
    )
    jobs = models.PositiveIntegerField(_("带动就业人数"), null=True, blank=True)
    named_on = models.DateField(_("选树日期"), db_index=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("创业带头人")
        verbose_name_plural = _("创业带头人")
        constraints = [
            # Named once: a second row for the same person would count them twice.
            models.UniqueConstraint(
                fields=["person"], name="care_entrepreneur_leader_once",
                violation_error_message=_("该人员已选树为创业带头人"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.venture}）"


class EntrepreneurBase(OrgOwned):
    """创业基地: a base for start-ups, counted by the day it was named."""

    name = models.CharField(_("基地名称"), max_length=100)
    enterprise = models.ForeignKey(
        "orgs.Enterprise", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("依托企业"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    named_on = models.DateField(_("命名日期"), db_index=True)
    ventures = models.PositiveIntegerField(_("入驻创业项目数"), null=True, blank=True)
    jobs = models.PositiveIntegerField(_("带动就业人数"), null=True, blank=True)

    class Meta:
        verbose_name = _("创业基地")
        verbose_name_plural = _("创业基地")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "name"], name="care_entrepreneur_base_name_unique",
                violation_error_message=_("该组织已有同名的创业基地"),
            ),
        ]

    def __str__(self) -> str:
        return self.name
