"""Hardship files, the yearly standards, relief batches and their payment lines, declared to the
generic layer (list, detail, forms, export, API, workflow, child rows, attachments, imports)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.roles import Role
from gonghui.care.hardship_imports import HardshipImport, ReliefImport
from gonghui.care.hardship_rules import reject_line, review_due_before
from gonghui.care.models.hardship import (
    HARDSHIP,
    RELIEF,
    CareStandard,
    HardshipFile,
    HouseholdMember,
    ReliefBatch,
    ReliefPayment,
)
from gonghui.core.attachments.kinds import DOCUMENTS, AttachmentKind
from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
from gonghui.core.records.children import Aggregate, ChildRows
from gonghui.core.records.filters import RecordFilterSet
from gonghui.core.records.forms import RecordForm
from gonghui.core.records.registry import RecordType, register
from gonghui.core.records.rowaction import ActionForm, RecordAction
from gonghui.core.records.sums import exact_sums
from gonghui.core.records.tables import Column

GROUP = "帮扶救助"
PUBLISHED = ("approved", "paid")  # a batch's 公示名单 and bank workbook exist from approval on


def mask_name(name: str) -> str:
    """张* / 张*明 / 欧**明: the public list shows the first and last characters only."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def batch_extra(batch: ReliefBatch, user: Any) -> dict[str, Any]:
    """The batch page's 公示名单 (masked names and amounts) and the bank workbook link, once
    the batch is approved; the lines rejected at review are left out of both."""
    if batch.state not in PUBLISHED:
        return {"published": False}
    paid = lines.rows_of(batch).filter(rejected=False)
    public = [(mask_name(name), amount) for name, amount in
              paid.order_by("pk").values_list("person__name", "amount")]
    total = exact_sums(paid, {"total": "amount"})["total"]
    query = f"batch={batch.pk}&batch__state={batch.state}&rejected=false"
    return {"published": True, "public_list": public, "public_total": total,
            "bank_query": query, "can_export": user.has_perm(payments.perm("view"))}


class ReviewForm(ActionForm):
    reviewed_on = forms.DateField(label=_("复核日期"), widget=forms.DateInput(
        attrs={"type": "date"}))
    note = forms.CharField(label=_("复核情况"), max_length=200)


def annual_review(obj: HardshipFile, *, data: dict[str, Any], user: Any,
                  request: Any = None) -> None:
    """动态管理: the yearly re-verification of a file in 档, which restarts its clock."""
    if obj.state != "approved":
        raise ValidationError("只有在档的档案需要年度复核")
    if data["reviewed_on"] > timezone.localdate():
        raise ValidationError("复核日期不能晚于今天")
    before = audit.snapshot(obj)
    obj.reviewed_on = data["reviewed_on"]
    obj.save(update_fields=["reviewed_on"])
    audit.record(AuditAction.UPDATE, request=request, obj=obj,
                 changes={**audit.diff(before, audit.snapshot(obj)),
                          "action": "annual_review", "note": data["note"]})


class RejectLineForm(ActionForm):
    reason = forms.CharField(label=_("剔除原因"), max_length=200)


# Who may reject a line at each step: the level and the right of that step's approval.
REJECTING = {"submitted": ("town", "review"), "reviewed": ("city", "approve")}


def reject_payment(obj: ReliefPayment, *, data: dict[str, Any], user: Any,
                   request: Any = None) -> None:
    """Per-line rejection at review or approval: the line stays, is paid nothing, and the rest
    of the batch goes on."""
    batch = obj.batch
    step = REJECTING.get(batch.state)
    if step is None:
        raise ValidationError(f"批次当前状态为「{RELIEF.state_label(batch)}」，不能剔除明细")
    level, transition = step
    if getattr(getattr(user, "org", None), "kind", None) != level or not user.has_perm(
            batches.perm(transition)):
        raise ValidationError("剔除明细须由本环节的审核人办理")
    reject_line(obj, data["reason"])
    audit.record(AuditAction.UPDATE, request=request, obj=obj,
                 changes={"rejected": [False, True], "reason": data["reason"],
                          "parent": {"type": "care.reliefbatch", "id": batch.pk,
                                     "name": str(batch)}})


class LineForm(RecordForm):
    """A payment line: the batch's kind and day are offered; the rules run in the model's
    clean (gonghui.care.hardship_rules.check_lines), the same as at approval."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        line = self.instance
        if line.pk is None and line.batch_id is not None and not self.is_bound:
            # The instance's empty values would win over a field's initial: set the form's.
            self.initial["kind"] = line.kind or line.batch.kind
            self.initial["paid_on"] = line.paid_on or line.batch.planned_on


class RecipientFilterSet(RecordFilterSet):
    """The payment lines, and `?recipients=1`: one line per person (their first), so that the
    list's row count is the number of distinct people the figure counts."""

    recipients = django_filters.BooleanFilter(label=_("每人只列一条"), method="keep")

    def keep(self, qs: Any, name: str, value: Any) -> Any:
        return qs  # applied last, over every other filter, in filter_queryset

    def filter_queryset(self, queryset: Any) -> Any:
        filtered = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("recipients"):
            first = filtered.order_by().values("person_id").annotate(first=Min("pk"))
            filtered = filtered.filter(pk__in=first.values("first"))
        return filtered


class HardshipFilterSet(RecordFilterSet):
    """`?review_due=true&on=DATE`: the 动态管理 list, files in 档 not reviewed for twelve months
    on that day (today without one): the home panel links here with its day."""

    review_due = django_filters.BooleanFilter(label=_("超过12个月未复核"), method="due")
    on = django_filters.DateFilter(label=_("判断日期"), method="keep")

    def keep(self, qs: Any, name: str, value: Any) -> Any:
        return qs  # read by `due`

    def due(self, qs: Any, name: str, value: Any) -> Any:
        if not value:
            return qs
        return due_for_review(qs, self.form.cleaned_data.get("on") or timezone.localdate())


def due_for_review(files: Any, as_of: Any) -> Any:
    before = review_due_before(as_of)
    return files.filter(state="approved").filter(
        Q(reviewed_on__lt=before) | Q(reviewed_on__isnull=True, opened_on__lt=before))


standards = register(
    RecordType(
        model=CareStandard,
        slug="care-standards",
        columns=[Column("year", link=True), "dibao_monthly", "relative_multiple",
                 "accident_share", "cap_spring", "cap_medical", "cap_living", "cap_school",
                 "cap_model_worker", "cap_other", "org", "note"],
        search_fields=["note"],
        form_fields=["org", "year", "dibao_monthly", "relative_multiple", "accident_share",
                     "cap_spring", "cap_medical", "cap_living", "cap_school",
                     "cap_model_worker", "cap_other", "note"],
        menu_group=GROUP,
        menu_order=69,
        icon="bi-sliders",
        in_search=False,
        default_ordering=["-year"],
        # Published by the city (a town may publish its local rate); everyone reads them.
        grants={Role.TOWN_CADRE: "view", Role.GRASSROOTS_CHAIR: "view"},
    )
)

members = ChildRows(
    model=HouseholdMember,
    slug="members",
    parent_field="file",
    columns=["name", "relation", "id_number", "monthly_income", "health",
             "school_or_employer"],
    form_fields=["name", "relation", "id_number", "monthly_income", "health",
                 "school_or_employer"],
    aggregates=[Aggregate("count", "家庭成员", Count("pk"), "人"),
                Aggregate("income", "成员月收入合计", Sum("monthly_income"), "元")],
)

hardship = register(
    RecordType(
        model=HardshipFile,
        slug="hardship",
        columns=[Column("person", link=True), "person__id_number", "org", "address", "category",
                 "main_cause", "household_size", "annual_income", "rigid_costs",
                 "monthly_per_capita", "bank_card", "opened_on", "reviewed_on",
                 "duplicate_note", "state"],
        search_fields=["person__name", "address"],
        filters=["category", "main_cause"],
        form_fields=["person", "org", "year", "opened_on", "household_size", "annual_income",
                     "rigid_costs", "main_cause", "minor_cause_1", "minor_cause_2",
                     "minor_cause_3", "address", "bank_name", "bank_card", "note"],
        menu_group=GROUP,
        menu_order=61,
        icon="bi-house-heart",
        activity_date="opened_on",
        default_ordering=["-opened_on", "-pk"],
        in_search=False,
        import_spec=HardshipImport(),
        filterset_base=HardshipFilterSet,
        workflow=HARDSHIP,
        children=[members],
        attachments=[
            AttachmentKind("income_proof", "收入证明", accept=DOCUMENTS, max_count=10),
            AttachmentKind("hukou", "户口本", accept=DOCUMENTS, max_count=10),
            AttachmentKind("other", "其他证明材料", accept=DOCUMENTS, max_count=20),
        ],
        actions=[RecordAction("annual_review", "年度复核", annual_review, form=ReviewForm,
                              applies=lambda obj: obj.state == "approved",
                              icon="bi-calendar-check",
                              help_text="入户核实家庭收支后登记复核日期；超过12个月未复核的档案列入动态管理待办。")],
        grants={
            Role.TOWN_CADRE: "view add change delete submit review send_back reject relieve "
                             "lift relapse",
            Role.GRASSROOTS_CHAIR: "view add change submit",
        },
    )
)

lines = ChildRows(
    model=ReliefPayment,
    slug="lines",
    parent_field="batch",
    columns=["person", "person__id_number", "kind", "amount", "paid_on", "bank_card",
             "rejected", "reject_reason", "note"],
    form_fields=["person", "kind", "amount", "paid_on", "bank_card", "note"],
    form_base=LineForm,
    aggregates=[Aggregate("people", "救助人数", Count("person", distinct=True), "人"),
                Aggregate("amount", "救助金额", Sum("amount"), "元")],
    inline_limit=30,
)

batches = register(
    RecordType(
        model=ReliefBatch,
        slug="relief-batches",
        columns=[Column("number", link=True), "title", "kind", "fund_source", "planned_on",
                 "org", "state"],
        search_fields=["number", "title"],
        filters=["kind", "fund_source"],
        form_fields=["org", "number", "title", "kind", "fund_source", "planned_on", "note"],
        menu_group=GROUP,
        menu_order=62,
        icon="bi-cash-coin",
        activity_date="planned_on",
        default_ordering=["-planned_on", "-pk"],
        in_search=False,
        workflow=RELIEF,
        children=[lines],
        detail_template="care/hardship_batch_detail.html",
        detail_extra=batch_extra,
        grants={
            Role.TOWN_CADRE: "view add change delete submit review send_back reject",
            Role.GRASSROOTS_CHAIR: "view add change submit",
        },
    )
)


class PaymentForm(LineForm):
    """A line entered from the lines' own list (the city administrator): the batch is chosen."""

    batch = forms.ModelChoiceField(queryset=ReliefBatch.objects.none(), label=_("发放批次"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["batch"]
        field.queryset = ReliefBatch.objects.visible_to(self.user).filter(state="draft")


payments = register(
    RecordType(
        model=ReliefPayment,
        slug="relief",
        columns=["batch__number", "person", "person__id_number", "kind", "amount", "paid_on",
                 "bank_card", "rejected", "batch__state"],
        search_fields=["person__name", "batch__number"],
        filters=["batch", "kind", "batch__state", "rejected"],
        form_fields=["batch", "person", "kind", "amount", "paid_on", "bank_card", "note"],
        form_base=PaymentForm,
        filterset_base=RecipientFilterSet,
        menu_group=GROUP,
        menu_order=63,
        icon="bi-list-check",
        activity_date="paid_on",
        default_ordering=["-paid_on", "-pk"],
        in_search=False,
        import_spec=ReliefImport(),
        # Lines are entered under their batch or imported into it; this list reads and counts
        # them, and its export of one approved batch is the bank transfer workbook.
        actions=[RecordAction("reject", "剔除明细", reject_payment, form=RejectLineForm,
                              applies=lambda obj: not obj.rejected
                              and obj.batch.state in REJECTING,
                              icon="bi-x-circle", style="outline-danger",
                              help_text="剔除的明细保留在批次中，不予发放；批次其余明细继续审批。")],
        grants={Role.TOWN_CADRE: "view add change", Role.GRASSROOTS_CHAIR: "view add"},
    )
)
