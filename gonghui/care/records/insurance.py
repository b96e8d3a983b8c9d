"""职工互助保障: the enrolment and claim record types, the roster as child rows, their imports
(`gonghui template insurance-enrolment`, `gonghui import insurance-claim FILE`) and the claim
workflow 受理 → 审核 → 赔付 / 拒赔 with maker-checker (gonghui.care.models.insurance)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.roles import Role
from gonghui.care.insurance_actions import add_unit_members
from gonghui.care.insurance_imports import ClaimImport, RosterImport
from gonghui.care.models.insurance import (
    CLAIM_FLOW,
    InsuranceClaim,
    InsuranceEnrolment,
    RosterEntry,
    first_per_unit,
)
from gonghui.core.attachments.kinds import AttachmentKind
from gonghui.core.imports.declared import Field, RecordImport
from gonghui.core.records.children import Aggregate, ChildRows
from gonghui.core.records.filters import RecordFilterSet, date_range_filter
from gonghui.core.records.menus import menu_entry, menu_group
from gonghui.core.records.registry import RecordType, register
from gonghui.core.records.rowaction import RecordAction
from gonghui.core.records.tables import Column

GROUP = menu_group("职工互助保障", order=65, icon="bi-shield-check")


class EnrolmentFilterSet(RecordFilterSet):
    unit_first = django_filters.BooleanFilter(
        label=_("每单位只计一次"), method="by_unit_first",
    )

    def by_unit_first(self, qs: Any, name: str, value: Any) -> Any:
        if not value:
            return qs
        span = self.form.cleaned_data.get("date")
        return first_per_unit(qs, getattr(span, "start", None))


class ClaimFilterSet(RecordFilterSet):
    paid = date_range_filter("paid_on", "赔付日期")


roster = ChildRows(
    model=RosterEntry,
    slug="roster",
    parent_field="enrolment",
    columns=["person", "person__id_number", "note"],
    form_fields=["person", "note"],
    aggregates=[Aggregate("persons", "名单人数", Count("person", distinct=True), "人")],
    import_spec=RosterImport(),
    inline_limit=30,
)


def _add_members(obj: InsuranceEnrolment, *, data: dict[str, Any], user: Any,
                 request: Any = None) -> Any:
    return add_unit_members(enrolment=obj, user=user, request=request)


ENROLMENT_INSTRUCTIONS = (
    "填表说明：1. 红色列为必填；2. 统一社会信用代码、所属工会编码请按文本填写；"
    "3. 单位须已登记且在您的管辖范围内，单位名称须与登记一致；4. 单位须属于所属工会；"
    "5. 参保人数为整数；6. 日期格式如 2018-01-01，保障期止不能早于保障期起。"
)

enrolments = register(
    RecordType(
        model=InsuranceEnrolment,
        slug="insurance-enrolment",
        columns=[Column("unit_name", link=True), "enterprise__uscc", "plan", "persons_enrolled",
                 "premium", "starts_on", "ends_on", "org"],
        search_fields=["unit_name", "enterprise__uscc"],
        filters=["plan"],
        form_fields=["enterprise", "org", "plan", "persons_enrolled", "premium", "starts_on",
                     "ends_on", "note"],
        filterset_base=EnrolmentFilterSet,
        menu_group=GROUP,
        menu_order=10,
        icon="bi-shield-check",
        activity_date="starts_on",
        default_ordering=["-starts_on", "-pk"],
        in_search=False,
        grows=True,
        grants={
            Role.TOWN_CADRE: "view add change delete",
            Role.GRASSROOTS_CHAIR: "view add change",
        },
        children=[roster],
        attachments=[AttachmentKind("agreement", "参保协议及缴费凭证", max_count=10)],
        import_spec=RecordImport(
            Field("unit_name", header="单位名称", required=True),
            Field("enterprise", header="统一社会信用代码"),
            Field("org", header="所属工会编码"),
            "plan", "persons_enrolled", "starts_on", "ends_on",
            title="互助保障参保导入模板", instructions=ENROLMENT_INSTRUCTIONS,
        ),
        actions=[
            RecordAction(
                "add_members", "添加本单位在会会员", _add_members, icon="bi-people",
                help_text="把该单位在会会员中尚未列入本次参保名单的人员加入名单。",
            ),
        ],
    )
)

claims = register(
    RecordType(
        model=InsuranceClaim,
        slug="insurance-claim",
        columns=[Column("person__name", label="理赔人", link=True),
                 Column("enterprise__name", label="参保单位"), "kind", "amount_claimed",
                 "amount_paid", "received_on", "paid_on", "org", "state"],
        search_fields=["person__name", "enterprise__name"],
        filters=["kind"],
        form_fields=["person", "enterprise", "kind", "occurred_on", "received_on",
                     "amount_claimed", "amount_paid", "note"],
        filterset_base=ClaimFilterSet,
        menu_group=GROUP,
        menu_order=20,
        icon="bi-cash-coin",
        activity_date="received_on",
        default_ordering=["-received_on", "-pk"],
        in_search=False,
        workflow=CLAIM_FLOW,
        grants={
            Role.TOWN_CADRE: "view add change delete review pay send_back refuse",
            Role.GRASSROOTS_CHAIR: "view add change",
        },
        attachments=[
            AttachmentKind("diagnosis", "诊断证明", max_count=10,
                           hint="诊断证明、出院记录；意外或身故须附事故证明或死亡证明"),
            AttachmentKind("invoice", "发票及费用清单", max_count=30),
            AttachmentKind("other", "其他材料", max_count=10),
        ],
        import_spec=ClaimImport(),
    )
)

menu_entry("参保核对", "insurance-check", group=GROUP, perm=enrolments.perm("view"),
           icon="bi-person-check", order=30)
