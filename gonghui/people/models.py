"""One person index (one row per human, keyed by ID number), memberships and benefit cards.

Later workstreams — model workers, hardship files, trainees, insurance claimants — point at
`Person`; nobody keeps a second copy of a human.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.records.fields import IdNumberField, PhoneField
from gonghui.core.tenancy.models import OrgOwned, ScopedQuerySet, user_scope_path
from gonghui.people.codes import EDUCATION, ETHNICITY, POLITICAL_STATUS


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Person(OrgOwned):
    """A human, once. Owned by the union of their current membership (or whoever entered them).

    Sex and birth date are derived from the ID number; `name_initials` (pinyin) and `id_tail`
    (last four characters) exist so the member list's search stays an indexed lookup.
    """

    id_number = IdNumberField(_("身份证号"), unique=True)
    # Indexed for the member list's name search (a prefix match, see gonghui.core.tenancy.lookups).
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    name_initials = models.CharField(_("姓名拼音首字母"), max_length=50, db_index=True, blank=True)
    id_tail = models.CharField(_("身份证号后四位"), max_length=4, db_index=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    mobile = PhoneField(_("手机号"), blank=True)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITY.choices, blank=True)
    education = models.CharField(_("学历"), max_length=2, choices=EDUCATION.choices, blank=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=2, choices=POLITICAL_STATUS.choices, blank=True
    )
    employer = models.ForeignKey(
        "orgs.Enterprise",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workers",
        verbose_name=_("工作单位"),
    )
    # What the cadre typed when it matched no enterprise on record: kept, never thrown away.
    employer_name = models.CharField(_("工作单位（填写）"), max_length=100, blank=True)
    is_migrant = models.BooleanField(_("农民工"), default=False)

    # Parts of the ID number (digits 7–14 and the last four): audit rows show them changed,
    # never their values (gonghui.core.audit.snapshot).
    audit_hidden_fields = ("id_tail", "birth_date")

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        from gonghui.core.text.pinyin import initials

        self.name_initials = initials(self.name)[:50]
        self.id_tail = self.id_number[-4:]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class PersonNameGram(models.Model):
    """Each pair of neighbouring characters of a person's name, one row each: 张杰国 gives 张杰
    and 杰国. The search box finds a name by its middle characters (杰国 finds 张杰国) through
    this table's index instead of reading every name: a two-character query is one index
    lookup. PostgreSQL's pg_trgm cannot serve it, it indexes three characters at a time.

    Database triggers fill it (migration 0005), so that every writer keeps it true: the ORM,
    the importers' COPY and the demo generator alike. Nothing in Python writes it.
    """

    person = models.ForeignKey(
        Person, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    gram = models.CharField(max_length=2)

    class Meta:
        indexes = [models.Index(fields=["gram", "person"], name="person_name_gram")]

    def __str__(self) -> str:
        return self.gram


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("在会")
    TRANSFERRED = "transferred", _("已转出")
    LEFT = "left", _("已退会")


class JoinedBy(models.TextChoices):
    ENROLMENT = "enrolment", _("入会")
    TRANSFER = "transfer", _("转入")


class Membership(OrgOwned):
    """A person's membership of one grassroots or joint union, from enrolment to its end."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("人员")
    )
    enrolled_on = models.DateField(_("入会日期"), db_index=True)
    joined_by = models.CharField(
        _("入会方式"), max_length=16, choices=JoinedBy.choices, default=JoinedBy.ENROLMENT
    )
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    # Why it ended (退休, 调离本单位 …), as the cadre gave it when recording the leave or transfer.
    # db_default: the bulk writers insert membership rows with raw SQL that names no such column.
    end_reason = models.CharField(_("终止原因"), max_length=200, blank=True, db_default="")
    status = models.CharField(
        _("会籍状态"),
        max_length=16,
        choices=MembershipStatus.choices,
        default=MembershipStatus.ACTIVE,
        db_index=True,
    )
    card_number = models.CharField(_("会员卡号"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="active"),
                name="membership_one_active_per_person",
                violation_error_message=_("该人员已有有效会籍，同一时间只能在一个工会"),
            ),
            # Strictly after: a membership ending the day it began is the trace of two
            # conflicting transfers (issue 12, finding 7); people.actions refuses it first.
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gt=models.F("enrolled_on")),
                name="membership_ends_after_it_starts",
                violation_error_message=_("终止日期须晚于入会日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.org.name}）"


class BenefitCard(OrgOwned):
    """惠工卡: a benefit card issued to a person by an organisation."""

    number = models.CharField(_("卡号"), max_length=32, unique=True)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="benefit_cards", verbose_name=_("持卡人")
    )
    issued_on = models.DateField(_("发卡日期"), db_index=True)

    class Meta:
        verbose_name = _("惠工卡")
        verbose_name_plural = _("惠工卡")

    def __str__(self) -> str:
        return self.number


class TransferState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("已拒绝")
    CANCELLED = "cancelled", _("已撤回")


class TransferRequestQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> ScopedQuerySet:
        """Both parties see a request: the receiving union (its owner) and the releasing side.

        Still the one choke point, only wider: a request concerns two subtrees at once.
        """
        path = user_scope_path(user)
        if path is None:
            return self.none()
        return self.filter(Q(org_path__prefix=path) | Q(release_path__prefix=path))


class TransferRequest(OrgOwned):
    """转会申请: a union asks to take over a person whose record lies outside its subtree.

    Owned by the receiving union (`org`); `release_org` is where the person was when asked.
    Until the releasing side approves, nothing of the person changes, and the requesting side
    sees only what it typed (`name`, `mobile`), never the record on file.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("人员")
    )
    name = models.CharField(_("姓名（申请填写）"), max_length=50)
    mobile = PhoneField(_("手机号（申请填写）"), blank=True)
    release_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("转出组织"),
    )
    release_path = models.CharField(
        _("转出组织路径"), max_length=255, editable=False, db_index=True
    )
    transfer_on = models.DateField(_("转入日期"))
    card_number = models.CharField(_("会员卡号"), max_length=32, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=TransferState.choices, default=TransferState.PENDING,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("申请人"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reason = models.CharField(_("说明"), max_length=200, blank=True)

    objects = TransferRequestQuerySet.as_manager()  # type: ignore[misc]
    copied_paths = ("release_path",)  # the releasing side decides: its moves carry the request

    class Meta:
        verbose_name = _("转会申请")
        verbose_name_plural = _("转会申请")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state="pending"),
                name="transfer_one_pending_per_person",
                violation_error_message=_("该人员已有待审批的转会申请"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}转入{self.org.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.release_path = self.release_org.path
        super().save(*args, **kwargs)
