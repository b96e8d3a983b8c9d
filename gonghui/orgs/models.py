"""The org tree (city → town federations → grassroots and joint unions) and enterprises."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from gonghui.core.records.fields import PhoneField
from gonghui.core.tenancy.models import OrgOwned, ScopedQuerySet, TimeStamped
from gonghui.core.text.identifiers import IdentifierError, check_uscc


def validate_uscc(value: str) -> None:
    try:
        check_uscc(value)
    except IdentifierError as exc:
        raise ValidationError(str(exc), code="uscc") from exc


class OrgKind(models.TextChoices):
    PROVINCE = "province", _("省总工会")
    CITY = "city", _("市总工会")
    TOWN = "town", _("镇街总工会")
    GRASSROOTS = "grassroots", _("基层工会")
    JOINT = "joint", _("联合工会")


UNION_KINDS = (OrgKind.GRASSROOTS, OrgKind.JOINT)


class OrganizationQuerySet(MP_NodeQuerySet, ScopedQuerySet):
    pass


class OrganizationManager(MP_NodeManager):
    def get_queryset(self) -> OrganizationQuerySet:
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")

    def visible_to(self, user: Any) -> ScopedQuerySet:
        return self.get_queryset().visible_to(user)


class Organization(MP_Node, TimeStamped):
    """A node of the org tree: a federation or a union.

    Children are appended, never sorted in: a sorted insert would renumber its siblings' paths,
    and every record's `org_path` copies its owner's path. Paths change only through
    `gonghui.orgs.actions.move_organization`, which carries the records along.
    """

    code = models.CharField(_("组织编码"), max_length=32, unique=True)
    name = models.CharField(_("组织名称"), max_length=100)
    kind = models.CharField(_("组织类型"), max_length=16, choices=OrgKind.choices)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_uscc]
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    chair = models.CharField(_("工会主席"), max_length=50, blank=True)
    phone = PhoneField(_("联系电话"), blank=True)
    # The organisation whose cadres helped found this one (建会指导), usually its town federation.
    guided_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guided_foundings",
        verbose_name=_("指导单位"),
    )

    objects = OrganizationManager()
    scope_path_field: ClassVar[str] = "path"

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=~Q(uscc=""),
                name="org_uscc_unique",
                violation_error_message=_("该统一社会信用代码已被其他组织使用"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_union(self) -> bool:
        return self.kind in UNION_KINDS

    def delete_blocker(self) -> str | None:
        """Why this node cannot be deleted, if it cannot.

        treebeard deletes a node's whole subtree with it; a cadre removing one union must never
        take a branch of the federation along by accident.
        """
        if self.numchild:
            return str(_("它还有%(n)d个下级组织，请先删除或移走下级组织") % {"n": self.numchild})
        return None


class Industry(models.TextChoices):
    """国民经济行业分类 (GB/T 4754-2017) sections."""

    A = "A", _("农、林、牧、渔业")
    B = "B", _("采矿业")
    C = "C", _("制造业")
    D = "D", _("电力、热力、燃气及水生产和供应业")
    E = "E", _("建筑业")
    F = "F", _("批发和零售业")
    G = "G", _("交通运输、仓储和邮政业")
    H = "H", _("住宿和餐饮业")
    I = "I", _("信息传输、软件和信息技术服务业")  # noqa: E741
    J = "J", _("金融业")
    K = "K", _("房地产业")
    L = "L", _("租赁和商务服务业")
    M = "M", _("科学研究和技术服务业")
    N = "N", _("水利、环境和公共设施管理业")
    O = "O", _("居民服务、修理和其他服务业")  # noqa: E741
    P = "P", _("教育")
    Q = "Q", _("卫生和社会工作")
    R = "R", _("文化、体育和娱乐业")
    S = "S", _("公共管理、社会保障和社会组织")


class Ownership(models.TextChoices):
    STATE = "state", _("国有企业")
    COLLECTIVE = "collective", _("集体企业")
    PRIVATE = "private", _("私营企业")
    JOINT_STOCK = "joint_stock", _("股份制企业")
    FOREIGN = "foreign", _("外商投资企业")
    HMT = "hmt", _("港澳台投资企业")
    INSTITUTION = "institution", _("机关事业单位")
    OTHER = "other", _("其他")


class Enterprise(OrgOwned):
    """An employer. Owned by the union that covers it, or by its town while it has none."""

    name = models.CharField(_("企业名称"), max_length=100)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_uscc]
    )
    industry = models.CharField(_("行业"), max_length=1, choices=Industry.choices, blank=True)
    ownership = models.CharField(
        _("经济类型"), max_length=16, choices=Ownership.choices, blank=True
    )
    employee_count = models.PositiveIntegerField(_("职工人数"), default=0)
    is_key = models.BooleanField(_("重点企业"), default=False)
    town = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="enterprises_located",
        limit_choices_to={"kind": OrgKind.TOWN},
        verbose_name=_("所在镇街"),
    )
    union = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="enterprises_covered",
        null=True,
        blank=True,
        limit_choices_to={"kind__in": UNION_KINDS},
        verbose_name=_("所属工会"),
    )

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=~Q(uscc=""),
                name="enterprise_uscc_unique",
                violation_error_message=_("该统一社会信用代码已被其他企业使用"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def owning_org_changed(self) -> None:
        self.org = self.union or self.town

    def clean(self) -> None:
        union = self.union if self.union_id else None
        town = self.town if self.town_id else None
        if union is not None and town is not None and not union.path.startswith(town.path):
            raise ValidationError({"union": _("所属工会须在企业所在镇街之内")})


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class TermYears(models.IntegerChoices):
    """届期: a grassroots union committee serves three or five years (基层工会组织选举工作条例)."""

    THREE = 3, _("3年")
    FIVE = 5, _("5年")


# A union with no election on record is taken to have begun its first term on its founding date,
# and that first term to be the shorter statutory one, so that no union is missed by the overdue
# list (docs/architecture.md, "Term elections").
FIRST_TERM_YEARS = TermYears.THREE
DUE_SOON_DAYS = 90


class Election(OrgOwned):
    """换届: a union elects its committee for a term of three or five years.

    `next_due` (election date + term) is stored, not computed per query, so that lists filter
    and sort on an index: "whose term runs out before 1 October".
    """

    union = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="elections",
        limit_choices_to={"kind__in": UNION_KINDS},
        verbose_name=_("工会"),
    )
    held_on = models.DateField(_("换届日期"))
    term_years = models.PositiveSmallIntegerField(
        _("届期(年)"), choices=TermYears.choices, default=TermYears.FIVE
    )
    guided_by = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guided_elections",
        verbose_name=_("指导单位"),
    )
    next_due = models.DateField(_("下次换届日期"), editable=False, db_index=True)

    class Meta:
        verbose_name = _("换届记录")
        verbose_name_plural = _("换届记录")
        constraints = [
            models.UniqueConstraint(
                fields=["union", "held_on"],
                name="election_union_day_unique",
                violation_error_message=_("该工会在这一天已有换届记录"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.union} {self.held_on:%Y-%m-%d}换届"

    def owning_org_changed(self) -> None:
        self.org = self.union
        if self.held_on and self.term_years:
            self.next_due = add_years(self.held_on, int(self.term_years))

    def clean(self) -> None:
        union = self.union if self.union_id else None
        if union is not None and not union.is_union:
            raise ValidationError({"union": _("只有基层工会和联合工会进行换届")})
        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": _("换届日期不能晚于今天")})


class HomeLevel(models.TextChoices):
    """The level at which a union's workers' home was named (职工之家命名层级)."""

    GRASSROOTS = "grassroots", _("合格职工之家")
    COUNTY = "county", _("县级模范职工之家")
    PREFECTURE = "prefecture", _("地市级模范职工之家")
    PROVINCE = "province", _("省级模范职工之家")
    NATIONAL = "national", _("全国模范职工之家")


# The standardisation checklist (建家标准): field name and the item as cadres know it. The seed
# names no items; these are the usual 建会、建制、建家 standards.
HOME_CHECKLIST: tuple[tuple[str, str], ...] = (
    ("has_organisation", "组织健全"),
    ("has_rules", "制度完善"),
    ("has_democracy", "民主管理"),
    ("has_bargaining", "集体协商"),
    ("has_venue", "活动阵地"),
    ("has_funds", "经费保障"),
    ("has_services", "服务职工"),
    ("has_member_rating", "会员评家"),
)


class WorkersHome(OrgOwned):
    """职工之家: a union named a workers' home at some level, with its standardisation checklist.

    The award is counted in the period that contains `awarded_on` (the day it was named); `year`
    is the assessment year the title is for (a 2017 title is often named in spring 2018).
    """

    union = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="workers_homes",
        limit_choices_to={"kind__in": UNION_KINDS},
        verbose_name=_("工会"),
    )
    level = models.CharField(_("命名层级"), max_length=16, choices=HomeLevel.choices)
    year = models.PositiveSmallIntegerField(_("评定年度"))
    awarded_on = models.DateField(_("命名日期"))
    has_organisation = models.BooleanField(_("组织健全"), default=False)
    has_rules = models.BooleanField(_("制度完善"), default=False)
    has_democracy = models.BooleanField(_("民主管理"), default=False)
    has_bargaining = models.BooleanField(_("集体协商"), default=False)
    has_venue = models.BooleanField(_("活动阵地"), default=False)
    has_funds = models.BooleanField(_("经费保障"), default=False)
    has_services = models.BooleanField(_("服务职工"), default=False)
    has_member_rating = models.BooleanField(_("会员评家"), default=False)
    checklist_met = models.PositiveSmallIntegerField(_("达标项数"), default=0, editable=False)

    class Meta:
        verbose_name = _("职工之家")
        verbose_name_plural = _("职工之家")
        constraints = [
            models.UniqueConstraint(
                fields=["union", "level", "year"],
                name="workers_home_union_level_year_unique",
                violation_error_message=_("该工会同一年度同一层级已有命名记录"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.union} {self.year}年度{self.get_level_display()}"

    def owning_org_changed(self) -> None:
        self.org = self.union
        self.checklist_met = sum(bool(getattr(self, name)) for name, _label in HOME_CHECKLIST)

    def clean(self) -> None:
        union = self.union if self.union_id else None
        if union is not None and not union.is_union:
            raise ValidationError({"union": _("职工之家须命名给基层工会或联合工会")})
        if self.year and self.awarded_on and self.year > self.awarded_on.year:
            raise ValidationError({"year": _("评定年度不能晚于命名日期所在年份")})
