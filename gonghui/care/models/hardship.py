"""Hardship files (困难职工档案) and relief payments (救助发放).

- `CareStandard`: the year's local 低保 rate and the rules read from it (the multiple for 相对困难,
  the share of income for 意外致困) and the yearly cap per relief kind — data a city
  administrator edits, one row per year, never constants in code.
- `HardshipFile`: one household's file, owned by the worker's union, with its household members
  (`HouseholdMember`, child rows), income, 刚性支出, causes, bank card and the category computed
  from the year's standard (gonghui.care.hardship_rules); approved up the chain, later closed
  (解困 / 脱困 / 撤档) or reopened (返困).
- `ReliefBatch`: a batch of relief payments (春节送温暖, 医疗救助 …) with its fund source and
  number; its lines (`ReliefPayment`) are child rows, one per person, Decimal yuan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.attachments.rules import required_attachment
from gonghui.core.records.fields import IdNumberField, SensitiveKind
from gonghui.core.tenancy.models import OrgOwned, ScopedQuerySet
from gonghui.core.workflow.spec import CREATE, State, Transition, Workflow


def _rules() -> Any:
    # The rules read these models: imported when a transition runs, not at import time.
    from gonghui.care import hardship_rules

    return hardship_rules


class BankCardField(models.CharField):
    """A bank card number: masked exactly like an ID number (first six and last two characters
    shown) on lists, exports, the API and the public list, unless the user may see it in full;
    never copied into an audit row."""

    sensitive = SensitiveKind.ID_NUMBER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)


class Cause(models.TextChoices):
    """The national list of ten causes of hardship (全总困难职工档案)."""

    UNABLE = "unable", _("无劳动能力")
    UNEMPLOYED = "unemployed", _("有劳动能力未就业")
    LAID_OFF = "laid_off", _("下岗失业")
    NO_INSURANCE = "no_insurance", _("未参加社保")
    INSURANCE_UNPAID = "insurance_unpaid", _("社保待遇落实不到位")
    ILLNESS = "illness", _("患重特大疾病")
    DISASTER = "disaster", _("自然灾害")
    ACCIDENT = "accident", _("意外事故")
    SCHOOLING = "schooling", _("子女上学")
    OTHER = "other", _("其他")


class Category(models.TextChoices):
    DEEP = "deep", _("深度困难")
    RELATIVE = "relative", _("相对困难")
    ACCIDENT = "accident", _("意外致困")
    NONE = "none", _("不符合建档标准")


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    OTHER = "other", _("其他")


class ReliefKind(models.TextChoices):
    SPRING = "spring", _("春节送温暖")
    MEDICAL = "medical", _("医疗救助")
    LIVING = "living", _("生活救助")
    SCHOOL = "school", _("金秋助学")
    MODEL_WORKER = "model_worker", _("劳模帮扶")
    OTHER = "other", _("其他救助")


# Relief to hardship workers: 先建档、后帮扶, a line of these kinds needs an approved file.
HARDSHIP_KINDS = frozenset({ReliefKind.SPRING, ReliefKind.MEDICAL, ReliefKind.LIVING,
                            ReliefKind.SCHOOL})


class FundSource(models.TextChoices):
    CITY = "city", _("市总工会帮扶资金")
    UPPER = "upper", _("上级工会补助")
    FISCAL = "fiscal", _("财政专项资金")
    DONATION = "donation", _("社会捐助")
    OTHER = "other", _("其他")


class CareStandard(OrgOwned):
    """One year's 低保 rate and relief caps, as the federation publishes them.

    A file or a payment reads the standard of its year published by the nearest organisation
    above it (usually the city federation; a town may publish its own local rate)."""

    # Named from the organisation, so a rule reads "the standards its ancestors published".
    org = models.ForeignKey(settings.GONGHUI_ORG_MODEL, on_delete=models.PROTECT,
                            related_name="care_standards", verbose_name=_("发布组织"))
    year = models.PositiveSmallIntegerField(_("年度"))
    dibao_monthly = models.DecimalField(_("低保标准（元/人·月）"), max_digits=12, decimal_places=2)
    relative_multiple = models.DecimalField(
        _("相对困难倍数"), max_digits=4, decimal_places=2, default=Decimal("2"),
        help_text=_("家庭月人均可支配收入低于低保标准的该倍数为相对困难"),
    )
    accident_share = models.DecimalField(
        _("意外致困支出占比"), max_digits=4, decimal_places=2, default=Decimal("0.80"),
        help_text=_("刚性支出超过家庭年收入的该比例为意外致困"),
    )
    cap_spring = models.DecimalField(
        _("春节送温暖年度上限（元/人）"), max_digits=12, decimal_places=2, default=Decimal("2000"))
    cap_medical = models.DecimalField(
        _("医疗救助年度上限（元/人）"), max_digits=12, decimal_places=2, default=Decimal("10000"))
    cap_living = models.DecimalField(
        _("生活救助年度上限（元/人）"), max_digits=12, decimal_places=2, default=Decimal("5000"))
    cap_school = models.DecimalField(
        _("金秋助学年度上限（元/人）"), max_digits=12, decimal_places=2, default=Decimal("5000"))
    cap_model_worker = models.DecimalField(
        _("劳模帮扶年度上限（元/人）"), max_digits=12, decimal_places=2, default=Decimal("5000"))
    cap_other = models.DecimalField(
        _("其他救助年度上限（元/人）"), max_digits=12, decimal_places=2, default=Decimal("3000"))
    note = models.CharField(_("依据文件"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("帮扶救助标准")
        verbose_name_plural = _("帮扶救助标准")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "year"], name="care_standard_one_per_year",
                violation_error_message=_("该组织该年度的帮扶救助标准已存在，请修改原记录"),
            ),
            models.CheckConstraint(
                condition=Q(dibao_monthly__gt=0), name="care_standard_dibao_positive",
                violation_error_message=_("低保标准必须大于零"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org.name}{self.year}年帮扶救助标准"

    def cap(self, kind: str) -> Decimal:
        return getattr(self, f"cap_{kind}")  # type: ignore[no-any-return]


HARDSHIP = Workflow(
    states=[
        State("draft", "草稿", editable=True),
        State("submitted", "已提交", tone="info"),
        State("reviewed", "镇街已审核", tone="primary"),
        State("approved", "在档", tone="success"),
        State("relieved", "已解困", tone="secondary"),
        State("lifted", "已脱困", tone="secondary"),
        State("revoked", "已撤档", tone="dark"),
        State("rejected", "不予建档", tone="danger"),
    ],
    transitions=[
        # 收入证明 and 户口本 before the file goes up; the household must meet a category of the
        # year's standard, and the person may have no other open file.
        Transition("submit", "提交", ["draft"], "submitted",
                   requires=[required_attachment("income_proof"), required_attachment("hukou")],
                   guard=lambda obj, actor: _rules().file_refusal(obj)),
        Transition("review", "镇街审核通过", ["submitted"], "reviewed", levels=["town"],
                   not_by=[CREATE, "submit"], opinion=True),
        Transition("approve", "市总审批通过", ["reviewed"], "approved", levels=["city"],
                   not_by=[CREATE, "submit", "review"], opinion=True, tone="success",
                   guard=lambda obj, actor: _rules().file_refusal(obj),
                   effect=lambda obj, actor: _rules().stamp_review(obj)),
        Transition("send_back", "退回修改", ["submitted", "reviewed"], "draft",
                   levels=["town", "city"], opinion=True, opinion_required=True, tone="warning"),
        Transition("reject", "不予建档", ["submitted", "reviewed"], "rejected",
                   levels=["town", "city"], opinion=True, opinion_required=True, tone="danger"),
        Transition("relieve", "解困", ["approved"], "relieved", levels=["town", "city"],
                   opinion=True, opinion_required=True, tone="secondary"),
        Transition("lift", "脱困", ["approved"], "lifted", levels=["town", "city"],
                   opinion=True, opinion_required=True, tone="secondary"),
        Transition("relapse", "返困", ["relieved", "lifted"], "approved", levels=["town", "city"],
                   opinion=True, opinion_required=True, tone="warning",
                   guard=lambda obj, actor: _rules().open_file_refusal(obj),
                   effect=lambda obj, actor: _rules().stamp_review(obj)),
        Transition("revoke", "撤档", ["approved"], "revoked", levels=["city"],
                   opinion=True, opinion_required=True, tone="danger"),
    ],
)
# A file is open from its draft until it is closed or refused: a person has at most one.
OPEN_STATES = ("draft", "submitted", "reviewed", "approved")
CLOSED_STATES = ("relieved", "lifted", "revoked")


def _editable_or_refuse(flow: Workflow, parent: Any, what: str, deleting: bool = False) -> None:
    """Child rows change only while their parent may be edited: an approved batch's lines and
    an approved file's household are what was approved. The kit refuses first (its child-row
    pages and `save_row` / `delete_row` follow the parent's editable states); the rows refuse
    themselves too, for every other writer (an import, the shell)."""
    state = type(parent)._default_manager.filter(pk=parent.pk).values_list(
        flow.field, flat=True).first()
    if state is None or flow.state(state).editable:
        return
    message = f"当前状态为「{flow.state(state).label}」，不能修改{what}"
    if deleting:
        raise models.ProtectedError(message, set())
    raise ValidationError(message)


class HardshipFile(OrgOwned):
    """One household's hardship file, owned by the worker's union (属地建档)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT,
                               related_name="hardship_files", verbose_name=_("困难职工"))
    year = models.PositiveSmallIntegerField(_("收支年度"))
    opened_on = models.DateField(_("建档日期"))
    household_size = models.PositiveSmallIntegerField(_("家庭人口"))
    annual_income = models.DecimalField(_("家庭年收入（元）"), max_digits=12, decimal_places=2)
    rigid_costs = models.DecimalField(_("刚性支出（元）"),
        max_digits=12, decimal_places=2, default=Decimal("0"))
    main_cause = models.CharField(_("主要致困原因"), max_length=20, choices=Cause.choices)
    minor_cause_1 = models.CharField(_("次要致困原因一"), max_length=20, choices=Cause.choices,
                                     blank=True)
    minor_cause_2 = models.CharField(_("次要致困原因二"), max_length=20, choices=Cause.choices,
                                     blank=True)
    minor_cause_3 = models.CharField(_("次要致困原因三"), max_length=20, choices=Cause.choices,
                                     blank=True)
    category = models.CharField(_("困难类别"), max_length=10, choices=Category.choices,
                                default=Category.NONE, editable=False)
    monthly_per_capita = models.DecimalField(_("月人均可支配收入（元）"),
        max_digits=12, decimal_places=2, null=True,
                                             editable=False)
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    # The address without spaces and punctuation, for the near-duplicate check.
    address_key = models.CharField(max_length=200, editable=False, db_index=True, default="")
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_card = BankCardField(_("银行卡号"), blank=True)
    reviewed_on = models.DateField(_("最近复核日期"), null=True, blank=True, editable=False)
    # Near-duplicate names at the same address, found when the file is saved (a flag for the
    # reviewer, not a refusal: two households may share a building).
    duplicate_note = models.CharField(_("疑似重复"), max_length=200, blank=True, editable=False)
    note = models.TextField(_("困难情况说明"), blank=True)
    state = HARDSHIP.state_field()

    class Meta:
        verbose_name = _("困难职工档案")
        verbose_name_plural = _("困难职工档案")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(state__in=OPEN_STATES),
                name="care_one_open_hardship_file",
                violation_error_message=_("该职工已有未办结的困难职工档案，不能重复建档"),
            ),
            models.CheckConstraint(
                condition=Q(household_size__gte=1), name="care_household_size_positive",
                violation_error_message=_("家庭人口至少为1人"),
            ),
            models.CheckConstraint(
                condition=Q(annual_income__gte=0) & Q(rigid_costs__gte=0),
                name="care_hardship_money_not_negative",
                violation_error_message=_("家庭年收入和刚性支出不能为负数"),
            ),
        ]
        indexes = [models.Index(fields=["state", "reviewed_on"], name="care_hardship_due")]

    def __str__(self) -> str:
        return f"{self.person.name}的困难职工档案"

    # Whole-federation lookups the rules need, like a unique constraint needs the whole table:
    # one household, one open file wherever it was opened; a person's relief in a year
    # wherever it was paid. Only a refusal's reason reaches the user, never the rows.
    @classmethod
    def files_of(cls, person_ids: Any) -> models.QuerySet[HardshipFile]:
        return cls._default_manager.filter(person_id__in=person_ids)

    def near_duplicates(self, address_key: str) -> models.QuerySet[HardshipFile]:
        return (type(self)._default_manager.filter(address_key=address_key,
                                                   state__in=OPEN_STATES)
                .exclude(pk=self.pk).exclude(person_id=self.person_id)
                .select_related("person"))

    @property
    def minor_causes(self) -> list[str]:
        return [c for c in (self.minor_cause_1, self.minor_cause_2, self.minor_cause_3) if c]

    def clean(self) -> None:
        from gonghui.care.hardship_rules import file_errors

        file_errors(self)

    def save(self, *args: Any, **kwargs: Any) -> None:
        from gonghui.care.hardship_rules import classify, flag_duplicates

        classify(self)
        self.duplicate_note = flag_duplicates(self)
        super().save(*args, **kwargs)


class HouseholdMember(models.Model):
    """A member of the household living with the worker, under their file."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="members",
                             verbose_name=_("困难职工档案"))
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("与户主关系"), max_length=10, choices=Relation.choices)
    id_number = IdNumberField(_("身份证号"), blank=True)
    monthly_income = models.DecimalField(_("月收入（元）"),
        max_digits=12, decimal_places=2, default=Decimal("0"))
    health = models.CharField(_("健康状况"), max_length=50, blank=True)
    school_or_employer = models.CharField(_("单位或学校"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field: ClassVar[str] = "file__org_path"

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        _editable_or_refuse(HARDSHIP, self.file, "家庭成员")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _editable_or_refuse(HARDSHIP, self.file, "家庭成员", deleting=True)
        return super().delete(*args, **kwargs)


RELIEF = Workflow(
    states=[
        State("draft", "草稿", editable=True),
        State("submitted", "已提交", tone="info"),
        State("reviewed", "镇街已审核", tone="primary"),
        State("approved", "市总已审批", tone="success"),
        State("paid", "已发放", tone="success"),
        State("rejected", "不予通过", tone="danger"),
    ],
    transitions=[
        # Every line's rules are checked when it is entered and again at each step up.
        Transition("submit", "提交", ["draft"], "submitted",
                   guard=lambda obj, actor: _rules().batch_refusal(obj)),
        Transition("review", "镇街审核通过", ["submitted"], "reviewed", levels=["town"],
                   not_by=[CREATE, "submit"], opinion=True,
                   guard=lambda obj, actor: _rules().batch_refusal(obj)),
        Transition("approve", "市总审批通过", ["reviewed"], "approved", levels=["city"],
                   not_by=[CREATE, "submit", "review"], opinion=True, tone="success",
                   guard=lambda obj, actor: _rules().batch_refusal(obj)),
        # The approver may not also pay (maker-checker at every step, security.md row 21).
        Transition("pay", "确认发放", ["approved"], "paid", levels=["city"],
                   not_by=[CREATE, "submit", "approve"], tone="success",
                   effect=lambda obj, actor: _rules().stamp_paid(obj)),
        Transition("send_back", "退回修改", ["submitted", "reviewed", "approved"], "draft",
                   levels=["town", "city"], opinion=True, opinion_required=True, tone="warning"),
        Transition("reject", "不予通过", ["submitted", "reviewed"], "rejected",
                   levels=["town", "city"], opinion=True, opinion_required=True, tone="danger"),
    ],
)
# The batch states by name, for the API schema: the lines' list filters by their batch's state
# too, and one choice set should carry one name there (SPECTACULAR_SETTINGS).
RELIEF_STATES = RELIEF.choices


class ReliefBatch(OrgOwned):
    """A batch of relief payments, entered by a union or town and approved up the chain."""

    number = models.CharField(_("发放批次编号"), max_length=40, unique=True, error_messages={
        "unique": _("发放批次编号已存在")})
    title = models.CharField(_("批次名称"), max_length=100)
    kind = models.CharField(_("救助类别"), max_length=20, choices=ReliefKind.choices)
    fund_source = models.CharField(_("资金来源"), max_length=20, choices=FundSource.choices)
    planned_on = models.DateField(_("发放日期"))
    paid_at = models.DateTimeField(_("确认发放时间"), null=True, editable=False)
    note = models.TextField(_("备注"), blank=True)
    state = RELIEF.state_field()

    class Meta:
        verbose_name = _("救助发放批次")
        verbose_name_plural = _("救助发放批次")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        # The lines are owned with their batch (a draft batch may be given to another union).
        self.lines.exclude(org_path=self.org_path).update(org=self.org, org_path=self.org_path)


class ReliefPayment(OrgOwned):
    """One payment line of a batch: a person, the kind, the amount in yuan.

    Owned by its batch's organisation (copied on save, and by the batch when its owner
    changes): the lines are a record type of their own too (the 救助发放明细 list the figures
    link to), scoped like every record."""

    batch = models.ForeignKey(ReliefBatch, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("发放批次"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT,
                               related_name="relief_payments", verbose_name=_("救助对象"))
    file = models.ForeignKey(HardshipFile, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="payments", verbose_name=_("困难职工档案"),
                             editable=False)
    kind = models.CharField(_("救助类别"), max_length=20, choices=ReliefKind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("发放日期"))
    bank_card = BankCardField(_("银行卡号"), blank=True)
    # Per-line rejection at review or approval: the line stays for the record, paid nothing.
    rejected = models.BooleanField(_("已剔除"), default=False, editable=False)
    reject_reason = models.CharField(_("剔除原因"), max_length=200, blank=True, editable=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("救助发放明细")
        verbose_name_plural = _("救助发放明细")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "person"], name="care_one_line_per_person_per_batch",
                violation_error_message=_("同一批次中每人只能有一条发放明细"),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="care_relief_amount_positive",
                violation_error_message=_("救助金额必须大于零"),
            ),
        ]
        indexes = [models.Index(fields=["paid_on"], name="care_relief_paid_on")]

    def __str__(self) -> str:
        return f"{self.person.name} {self.amount}元"

    def owning_org_changed(self) -> None:
        self.org = self.batch.org

    def clean_fields(self, exclude: Any = None) -> None:
        if self.batch_id is not None:
            self.owning_org_changed()  # the owner is the batch's, never typed
        super().clean_fields(exclude=exclude)

    # Whole-federation lookups for the yearly cap and the one-line-per-batch rule (see
    # HardshipFile.files_of): sums and ids only, never rows shown to the user.
    def save(self, *args: Any, **kwargs: Any) -> None:
        # Rejecting a line at review or approval writes only these two columns.
        if not set(kwargs.get("update_fields") or ()) <= {"rejected", "reject_reason"} or \
                not kwargs.get("update_fields"):
            _editable_or_refuse(RELIEF, self.batch, "发放明细")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _editable_or_refuse(RELIEF, self.batch, "发放明细", deleting=True)
        return super().delete(*args, **kwargs)

    @classmethod
    def lines_of(cls, person_ids: Any) -> models.QuerySet[ReliefPayment]:
        return cls._default_manager.filter(person_id__in=person_ids)

    def clean(self) -> None:
        from gonghui.care.hardship_rules import line_errors

        line_errors(self)
