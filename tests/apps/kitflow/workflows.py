"""The relief chain the workstreams will use: 草稿 → 已提交 → 镇街已审核 → 市总已审批 → 已发放,
with 退回修改 (back to 草稿, every field kept) and 不予通过."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gonghui.core.workflow.spec import CREATE, State, Transition, Workflow, required_fields

LIMIT = Decimal("50000")


def within_limit(obj: Any, actor: Any) -> str | None:
    """A domain rule the generic layer knows nothing of: one claim pays at most 5万元."""
    if obj.amount is not None and obj.amount > LIMIT:
        return "单笔帮扶金额不能超过5万元"
    return None


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
        Transition(
            "submit", "提交", ["draft"], "submitted",
            requires=[required_fields("amount", "reason")], guard=within_limit,
        ),
        Transition(
            "review", "审核通过", ["submitted"], "reviewed", levels=["town"],
            not_by=[CREATE, "submit"], opinion=True,
        ),
        Transition(
            "approve", "审批通过", ["reviewed"], "approved", levels=["city"],
            not_by=[CREATE, "submit"], opinion=True, tone="success",
        ),
        # The approver may not also pay (security.md row 21).
        Transition("pay", "发放", ["approved"], "paid", levels=["city"], not_by=["approve"]),
        Transition(
            "send_back", "退回修改", ["submitted", "reviewed"], "draft", levels=["town", "city"],
            opinion=True, opinion_required=True, tone="warning",
        ),
        Transition(
            "reject", "不予通过", ["submitted", "reviewed"], "rejected",
            levels=["town", "city"], opinion=True, opinion_required=True, tone="danger",
        ),
    ],
)
