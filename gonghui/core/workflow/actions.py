"""Taking a transition: the claim, the rules, the ledger row, the audit row, the side effects.

`take` is the one way a record's state changes. In one transaction it
1. locks the record's row, read through the actor's scope (`RecordType.base_queryset`), so a
   record outside the actor's subtree is "not found" exactly like a missing one;
2. checks the rules on the row as it now stands: the state is a source of the transition, the
   actor holds the transition's permission and belongs to a permitted org level, did not make
   the record (maker-checker, read from the ledger), the requirements are met and the guard
   passes;
3. claims the state with `UPDATE … WHERE pk = … AND state = old` and insists on one row: two
   approvers who both got this far (the lock makes that impossible, the claim makes it
   impossible twice over) cannot both succeed;
4. runs the transition's effect, appends the ledger row and the audit row, and defers the
   transition's side effects to `transaction.on_commit`.
Any refusal raises `TransitionRefused` with a Chinese reason and rolls everything back.

The ledger is read here by record (content type and id) for records the caller fetched scoped;
like every `actions.py`, this module is called with objects already in the actor's subtree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
from gonghui.core.records.registry import RecordType, registry
from gonghui.core.records.rowaction import ActionForm, RecordAction
from gonghui.core.workflow.models import Decision
from gonghui.core.workflow.spec import CREATE, Transition, TransitionRefused, Workflow

MISSING = "记录不存在或不在您的管辖范围内"


def record_type_of(obj: Any) -> RecordType:
    record = registry.for_model(type(obj))
    if record is None or record.workflow is None:
        raise TypeError(f"{type(obj).__name__} declares no workflow")
    return record


def workflow_of(record: RecordType) -> Workflow:
    if record.workflow is None:
        raise TypeError(f"{record.slug} declares no workflow")
    return record.workflow


def _actor_filter(actor: Any) -> dict[str, Any]:
    # The console operator is no account: it is known by name in the ledger.
    if getattr(actor, "pk", None) is not None:
        return {"actor_id": actor.pk}
    return {"actor__isnull": True, "actor_name": actor.get_username()}


def decisions(obj: Any) -> Any:
    """The ledger of one record the caller already holds, oldest first."""
    content_type = ContentType.objects.get_for_model(type(obj))
    return Decision.objects.filter(content_type=content_type, object_id=obj.pk).order_by(
        "at", "id"
    )


def refusal(record: RecordType, obj: Any, transition: Transition, actor: Any) -> str | None:
    """Why `actor` may not take `transition` on `obj` now, in Chinese; None when they may."""
    refused = _refusal(record, obj, transition, actor)
    return refused.message if refused else None


def _refusal(
    record: RecordType, obj: Any, transition: Transition, actor: Any
) -> TransitionRefused | None:
    flow = workflow_of(record)
    state = flow.current(obj)
    if state not in transition.sources:
        return TransitionRefused(
            f"当前状态为「{flow.state(state).label}」，不能{transition.label}", code="state"
        )
    if not actor.has_perm(record.perm(transition.name)):
        return TransitionRefused(f"您没有「{transition.label}」的权限", code="permission")
    if transition.levels:
        kind = getattr(getattr(actor, "org", None), "kind", None)
        if kind not in transition.levels:
            return TransitionRefused(
                f"「{transition.label}」须由{_levels(transition.levels)}办理", code="permission"
            )
    if transition.not_by:
        made = decisions(obj).filter(transition__in=transition.not_by, **_actor_filter(actor))
        if made.exists():
            names = "、".join(_step_label(flow, name) for name in transition.not_by)
            return TransitionRefused(
                f"{names}人不能{transition.label}同一记录（经办与审批须分离）", code="permission"
            )
    reasons = transition.check_requirements(obj)
    if reasons:
        return TransitionRefused(
            f"不能{transition.label}：{'；'.join(reasons)}", code="requirement"
        )
    if transition.guard is not None and (reason := transition.guard(obj, actor)):
        return TransitionRefused(reason, code="requirement")
    return None


def _step_label(flow: Workflow, name: str) -> str:
    if name == CREATE:
        return "创建"
    step = flow.transition(name)
    return step.label if step else name


def _levels(kinds: Sequence[str]) -> str:
    from gonghui.core.tenancy.models import org_model

    field = org_model()._meta.get_field("kind")
    labels = dict(field.choices or ())
    return "或".join(str(labels.get(kind, kind)) for kind in kinds)


def available(record: RecordType, obj: Any, actor: Any) -> list[Transition]:
    """The transitions `actor` may take on `obj` now: the detail page's buttons."""
    flow = workflow_of(record)
    return [t for t in flow.transitions if refusal(record, obj, t, actor) is None]


def _decide(
    record: RecordType,
    obj: Any,
    *,
    actor: Any,
    name: str,
    label: str,
    from_state: str,
    to_state: str,
    opinion: str = "",
) -> Decision:
    return Decision.objects.create(
        content_type=ContentType.objects.get_for_model(record.model),
        object_id=obj.pk,
        org_path=getattr(obj, record.model.scope_path_field),  # type: ignore[attr-defined]
        actor=actor if getattr(actor, "pk", None) is not None else None,
        actor_name=actor.get_username(),
        transition=name,
        transition_label=label,
        from_state=from_state,
        to_state=to_state,
        opinion=opinion,
    )


def record_created(obj: Any, *, actor: Any) -> Decision:
    """The ledger's first row: who made the record (maker-checker rules may name `create`)."""
    record = record_type_of(obj)
    flow = workflow_of(record)
    return _decide(
        record, obj, actor=actor, name=CREATE, label="创建", from_state="",
        to_state=flow.current(obj),
    )


def take(
    obj: Any,
    name: str,
    *,
    actor: Any,
    opinion: str = "",
    request: HttpRequest | None = None,
) -> Any:
    """Take transition `name` on `obj` as `actor`; the record in its new state, or
    `TransitionRefused`. `obj` is what the caller saw: its state tells a lost race apart."""
    record = record_type_of(obj)
    flow = workflow_of(record)
    step = flow.transition(name)
    if step is None:
        raise TransitionRefused(f"没有名为 {name} 的办理事项", code="missing")
    opinion = (opinion or "").strip()
    if step.opinion_required and not opinion:
        raise TransitionRefused(f"请填写{step.label}意见", code="requirement")
    seen = flow.current(obj)
    with transaction.atomic():
        # PostgreSQL: the row lock makes a second approver wait here, then read the new state.
        # SQLite: the transaction began IMMEDIATE (settings), which already serialises writers.
        row = record.base_queryset(actor).select_for_update().filter(pk=obj.pk).first()
        if row is None:
            raise TransitionRefused(MISSING, code="missing")
        old = flow.current(row)
        if old != seen and old not in step.sources:
            raise TransitionRefused(
                f"该记录已被他人办理，当前状态为「{flow.state(old).label}」，"
                f"本次{step.label}未生效"
            )
        if refused := _refusal(record, row, step, actor):
            raise refused
        changes: dict[str, Any] = {flow.field: step.target}
        if any(f.name == "updated_at" for f in record.opts.concrete_fields):
            changes["updated_at"] = timezone.now()
        claimed = (
            record.base_queryset(actor).filter(pk=row.pk, **{flow.field: old}).update(**changes)
        )
        if claimed != 1:
            raise TransitionRefused(f"该记录已被他人办理，本次{step.label}未生效")
        for key, value in changes.items():
            setattr(row, key, value)
        if step.effect is not None:
            step.effect(row, actor)
        _decide(
            record, row, actor=actor, name=step.name, label=step.label, from_state=old,
            to_state=step.target, opinion=opinion,
        )
        audit.record(
            AuditAction.UPDATE,
            request=request,
            user=actor,
            obj=row,
            changes={
                flow.field: {"before": old, "after": step.target},
                "transition": step.name,
            },
        )
        if step.on_commit is not None:
            callback = step.on_commit
            transaction.on_commit(lambda: callback(row))
    return row


@dataclass(frozen=True)
class RowOutcome:
    """One selected row of a bulk transition: done, refused (with the reason) or not found."""

    pk: str
    status: str  # "done", "refused" or "missing"
    message: str
    obj: Any = None

    @property
    def ok(self) -> bool:
        return self.status == "done"


def bulk_transition(
    record: RecordType,
    name: str,
    pks: Iterable[Any],
    *,
    actor: Any,
    opinion: str = "",
    request: HttpRequest | None = None,
) -> list[RowOutcome]:
    """Take one transition on each selected row, each in its own transaction, and say per row
    what happened. A row outside the actor's subtree reads exactly like a missing one."""
    flow = workflow_of(record)
    step = flow.transition(name)
    wanted = list(dict.fromkeys(str(pk).strip() for pk in pks if str(pk).strip()))
    ids = [int(pk) for pk in wanted if pk.isdigit()]
    found = {str(o.pk): o for o in record.base_queryset(actor).filter(pk__in=ids)}
    outcomes = []
    for pk in wanted:
        obj = found.get(pk)
        if obj is None:
            outcomes.append(RowOutcome(pk, "missing", MISSING))
            continue
        if step is None:
            outcomes.append(RowOutcome(pk, "refused", f"没有名为 {name} 的办理事项", obj))
            continue
        try:
            obj = take(obj, name, actor=actor, opinion=opinion, request=request)
        except TransitionRefused as refused:
            status = "missing" if refused.missing else "refused"
            shown = None if refused.missing else obj
            outcomes.append(RowOutcome(pk, status, refused.message, shown))
        else:
            outcomes.append(RowOutcome(pk, "done", f"已{step.label}", obj))
    return outcomes


class TransitionAction:
    """A transition as a named, keyword-only function: `approve(obj=claim, actor=user)`.

    Apps bind them in their `actions.py` (`approve = FLOW.action("approve")` is
    `TransitionAction("approve")`); the views, bulk pages and API call `take` the same way.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.__name__ = name

    def __call__(
        self, *, obj: Any, actor: Any, opinion: str = "", request: HttpRequest | None = None
    ) -> Any:
        return take(obj, self.name, actor=actor, opinion=opinion, request=request)

    def __repr__(self) -> str:
        return f"TransitionAction({self.name!r})"


def edit_refusal(record: RecordType, obj: Any) -> str | None:
    """Why a record may not be edited or deleted in its state (a paid record never is)."""
    flow = record.workflow
    if flow is None or flow.is_editable(obj):
        return None
    return f"当前状态为「{flow.state_label(obj)}」，不能修改或删除"


def lock_editable(record: RecordType, obj: Any, *, actor: Any) -> str | None:
    """Inside the edit's transaction: lock the row and check it is still in an editable state.

    A transition waits for the lock, so an edit and a transition are never interleaved: the
    edit either lands before the state moves on or is refused after it has.
    """
    flow = record.workflow
    if flow is None:
        return None
    row = record.base_queryset(actor).select_for_update().filter(pk=obj.pk).first()
    if row is None:
        return MISSING
    return edit_refusal(record, row)


def editable_fields(record: RecordType) -> list[str]:
    """What an edit writes: every column but the state, which only a transition's claim sets."""
    flow = workflow_of(record)
    return [
        f.name for f in record.opts.concrete_fields if not f.primary_key and f.name != flow.field
    ]


def transition_form(step: Transition) -> type[ActionForm]:
    """The form a transition asks on its action page: the opinion, if it takes one."""
    fields: dict[str, Any] = {}
    if step.opinion:
        fields["opinion"] = forms.CharField(
            label="意见", required=step.opinion_required, max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
    return type(f"{step.name.title()}Form", (ActionForm,), fields)


def record_actions(record: RecordType) -> list[RecordAction]:
    """Each transition of the record type's workflow as a record action: ticked rows on the
    list page go through it like through 退会 or 转出, in the same tick-box column and action
    bar, each row in its own transaction with its own refusal (`RecordType.record_actions`)."""
    flow = workflow_of(record)

    def action(step: Transition) -> RecordAction:
        def run(obj: Any, *, data: dict[str, Any], user: Any, request: HttpRequest) -> None:
            try:
                take(obj, step.name, actor=user, opinion=data.get("opinion", ""),
                     request=request)
            except TransitionRefused as refused:
                raise ValidationError(refused.message) from refused

        return RecordAction(
            slug=step.name, label=step.label, run=run, form=transition_form(step),
            permission=step.name,
            # From its source states only; the other rules (level, maker-checker, attachments,
            # guard) refuse the row with their reason when it runs.
            applies=lambda obj: flow.current(obj) in step.sources,
            icon="bi-arrow-right-circle", style=f"outline-{step.tone}",
        )

    return [action(step) for step in flow.transitions]
