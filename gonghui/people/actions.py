"""Membership workflows: enrol, transfer (会籍转接), leave, and transfer requests across
subtrees (转会申请) — atomic and audited."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
from gonghui.core.tenancy.models import user_scope_path
from gonghui.orgs.models import UNION_KINDS, Organization
from gonghui.people.models import (
    JoinedBy,
    Membership,
    MembershipStatus,
    Person,
    Sex,
    TransferRequest,
    TransferState,
)

# What a user outside the person's subtree is told about an ID number: nothing but this.
TRANSFER_NEEDED = "该身份证号的人员不在您的管辖范围内，如需转入本工会，请提交转会申请"


def _require_union(union: Organization) -> None:
    if union.kind not in UNION_KINDS:
        raise ValidationError("会员只能加入基层工会或联合工会")


def _claim_active(person: Person) -> Membership | None:
    # Lock the active membership so two concurrent transfers cannot both end it.
    return (
        Membership.objects.select_for_update()
        .filter(person=person, status=MembershipStatus.ACTIVE)
        .first()
    )


# A page shows one membership; by the time it is posted another cadre may have ended it.
ENDED_MEANWHILE = "该会籍已被他人办理转会或退会，请刷新页面查看最新状态后再办理"


def _claim_to_end(person: Person, shown: Membership | None, on: datetime.date,
                  what: str) -> Membership:
    """The active membership, locked, that a transfer or leave dated `on` may end.

    Refused unless it is still the one the cadre was shown (`shown`, when a page named one),
    and unless `on` is after its start: a membership ending the day it began is the trace of
    two conflicting transfers (issue 12, finding 7), and the database refuses it too.
    """
    current = _claim_active(person)
    if shown is not None and (current is None or current.pk != shown.pk):
        raise ValidationError(ENDED_MEANWHILE)
    if current is None:
        raise ValidationError("该人员没有有效会籍，无法转会；请办理入会" if what == "转会"
                              else "该人员没有有效会籍")
    if on <= current.enrolled_on:
        raise ValidationError(
            f"{what}日期须晚于当前会籍的入会日期（{current.enrolled_on:%Y-%m-%d}）"
        )
    return current


def find_person(id_number: str) -> Person | None:
    """The one person with this ID number, wherever they are on record.

    The person index is global on purpose: whoever enters a human who is already on record
    links to that row instead of making a second copy. Callers show nothing of the row to a
    user outside its subtree beyond "already on record".
    """
    return Person.objects.filter(id_number=id_number).first()


@transaction.atomic
def enrol(
    *,
    person: Person,
    union: Organization,
    enrolled_on: datetime.date,
    card_number: str = "",
    user: Any = None,
    request: HttpRequest | None = None,
) -> Membership:
    """Start a membership; refused while the person is an active member anywhere."""
    _require_union(union)
    if _claim_active(person) is not None:
        raise ValidationError("该人员已有有效会籍；如需转到本工会，请办理转会")
    membership = Membership.objects.create(
        person=person, org=union, enrolled_on=enrolled_on, card_number=card_number
    )
    person.org = union
    person.save(update_fields=["org", "updated_at"])
    audit.record(AuditAction.CREATE, request=request, user=user, obj=membership,
                 changes={"action": "enrol", "union": union.code})
    return membership


@transaction.atomic
def transfer(
    *,
    person: Person,
    to_union: Organization,
    on: datetime.date,
    card_number: str = "",
    reason: str = "",
    user: Any = None,
    request: HttpRequest | None = None,
    membership: Membership | None = None,
) -> Membership:
    """End the active membership and start one in `to_union`, both or neither.

    `membership`: the one the cadre's page showed, when it showed one (a row action).
    """
    _require_union(to_union)
    current = _claim_to_end(person, membership, on, "转会")
    if current.org_id == to_union.pk:
        raise ValidationError("该人员已是本工会会员")
    if on > timezone.localdate():
        raise ValidationError("转会日期不能晚于今天")
    current.status = MembershipStatus.TRANSFERRED
    current.ended_on = on
    current.end_reason = reason
    current.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    new = Membership.objects.create(
        person=person, org=to_union, enrolled_on=on, joined_by=JoinedBy.TRANSFER,
        card_number=card_number or current.card_number,
    )
    person.org = to_union
    person.save(update_fields=["org", "updated_at"])
    audit.record(AuditAction.UPDATE, request=request, user=user, obj=new,
                 changes={"action": "transfer", "from": current.pk, "to_union": to_union.code,
                          **({"reason": reason} if reason else {})})
    return new


@transaction.atomic
def leave(
    *,
    person: Person,
    on: datetime.date,
    reason: str = "",
    user: Any = None,
    request: HttpRequest | None = None,
    membership: Membership | None = None,
) -> Membership:
    """End the active membership (退会); `membership` as for `transfer`."""
    current = _claim_to_end(person, membership, on, "退会")
    if on > timezone.localdate():
        raise ValidationError("退会日期不能晚于今天")
    current.status = MembershipStatus.LEFT
    current.ended_on = on
    current.end_reason = reason
    current.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    audit.record(AuditAction.UPDATE, request=request, user=user, obj=current,
                 changes={"action": "leave", "ended_on": str(on),
                          **({"reason": reason} if reason else {})})
    return current


class PersonFromIdNumber:
    """The person picker's offer: an 18-digit ID number not on record becomes a new person.

    Declared on the people record type (`picker_create`); sex and birth date come from the
    number, whose check character is verified; the cadre gives the name. The new person is
    owned by the cadre's own organisation until a membership moves them.
    """

    def offer(self, query: str, user: Any) -> dict[str, str] | None:
        from gonghui.core.text.identifiers import IdentifierError, check_id_number

        query = query.strip()
        if len(query) != 18:
            return None
        try:
            info = check_id_number(query)
        except IdentifierError:
            return None
        if find_person(info.number) is not None:
            return None  # on record (perhaps in another branch): nothing more is said
        sex = Sex(info.sex).label
        return {
            "id_number": info.number,
            "sex": str(sex),
            "birth_date": f"{info.birth_date:%Y-%m-%d}",
            "label": f"新建人员：身份证号 {info.number}（{sex}，{info.birth_date:%Y-%m-%d}出生）",
        }

    @transaction.atomic
    def create(self, data: Any, user: Any) -> Person:
        from gonghui.core.text.identifiers import IdentifierError, check_id_number
        from gonghui.core.text.names import validate_person_name

        name = str(data.get("name", "")).strip()
        if not name:
            raise ValidationError("请填写姓名")
        name = validate_person_name(name)  # the import's rule
        try:
            info = check_id_number(str(data.get("id_number", "")))
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from exc
        org = getattr(user, "org", None)
        if org is None or not getattr(user, "sees_records", False):
            raise ValidationError("您的账号没有所属组织，不能新建人员")
        if find_person(info.number) is not None:
            raise ValidationError("该身份证号已在系统中登记")
        person = Person(id_number=info.number, name=name, sex=info.sex,
                        birth_date=info.birth_date, org=org)
        person.save()
        audit.record(AuditAction.CREATE, user=user, obj=person,
                     changes={"action": "picker", "name": name})
        return person


def within(user: Any, path: str) -> bool:
    """Whether a tree path lies in the user's subtree (the scoping rule, for one path)."""
    scope = user_scope_path(user)
    return scope is not None and path.startswith(scope)


def update_person(
    *, person: Person, changes: dict[str, Any], user: Any, request: HttpRequest | None = None
) -> None:
    """Write a person's fields, refused outside the writer's subtree, audited field by field."""
    if not within(user, person.org_path):
        raise PermissionDenied
    before = audit.snapshot(person)
    for key, value in changes.items():
        setattr(person, key, value)
    person.save()
    diff = audit.diff(before, audit.snapshot(person))
    if diff:
        audit.record(AuditAction.UPDATE, request=request, user=user, obj=person, changes=diff)


def release_side(person: Person) -> Organization:
    """Where a person is released from: the union of their active membership, or their owner."""
    current = (
        Membership.objects.filter(person=person, status=MembershipStatus.ACTIVE)
        .select_related("org").first()
    )
    return current.org if current is not None else person.org


@transaction.atomic
def request_transfer(
    *,
    person: Person,
    to_union: Organization,
    on: datetime.date,
    name: str,
    mobile: str = "",
    card_number: str = "",
    user: Any,
    request: HttpRequest | None = None,
) -> TransferRequest:
    """Ask the releasing side to let `person` move to `to_union`; nothing of the person changes.

    The caller has already checked that `to_union` is in the user's subtree (the form's and the
    import's scoped choices); the person is outside it, which is why this is a request.
    """
    _require_union(to_union)
    if not within(user, to_union.path):
        raise PermissionDenied
    try:
        with transaction.atomic():
            transfer_request = TransferRequest.objects.create(
                person=person, org=to_union, release_org=release_side(person), name=name,
                mobile=mobile, transfer_on=on, card_number=card_number, requested_by=user,
            )
    except IntegrityError as exc:
        # The partial unique index: another request for this person awaits a decision.
        raise ValidationError("该人员已有待审批的转会申请，请等待转出方审批") from exc
    audit.record(AuditAction.CREATE, request=request, user=user, obj=transfer_request,
                 changes={"action": "transfer_request", "to_union": to_union.code})
    return transfer_request


def may_decide(user: Any, transfer_request: TransferRequest) -> bool:
    """The releasing side decides: a user whose subtree holds the releasing organisation and
    who may change memberships; never the requester themself (maker-checker)."""
    return (
        within(user, transfer_request.release_path)
        and bool(user.has_perm("people.change_membership"))
        and transfer_request.requested_by_id != user.pk
    )


def _claim(transfer_request: TransferRequest, state: str, user: Any, reason: str) -> None:
    # Conditional UPDATE … WHERE state = 'pending': of two concurrent decisions exactly one
    # claims the request; the other is told it was decided already.
    claimed = TransferRequest.objects.filter(
        pk=transfer_request.pk, state=TransferState.PENDING
    ).update(state=state, decided_by=user, decided_at=timezone.now(), reason=reason[:200],
             updated_at=timezone.now())
    if claimed != 1:
        raise ValidationError("该申请已被处理，请刷新页面查看最新状态")
    transfer_request.refresh_from_db()


@transaction.atomic
def decide_transfer(
    *,
    transfer_request: TransferRequest,
    approve: bool,
    user: Any,
    reason: str = "",
    request: HttpRequest | None = None,
) -> TransferRequest:
    """Approve (the person moves, both memberships or neither) or refuse a transfer request."""
    if not may_decide(user, transfer_request):
        raise PermissionDenied
    _claim(transfer_request, TransferState.APPROVED if approve else TransferState.REFUSED,
           user, reason)
    if approve:
        person = Person.objects.select_for_update().get(pk=transfer_request.person_id)
        if not person.org_path.startswith(transfer_request.release_path):
            # The person moved elsewhere since the request: what was asked no longer holds.
            raise ValidationError("该人员的会籍在申请后已发生变化，请转入方重新申请")
        union = transfer_request.org
        on = transfer_request.transfer_on
        if _claim_active(person) is None:
            enrol(person=person, union=union, enrolled_on=on,
                  card_number=transfer_request.card_number, user=user, request=request)
        else:
            transfer(person=person, to_union=union, on=on,
                     card_number=transfer_request.card_number, user=user, request=request)
        if transfer_request.mobile:
            # The mobile the requester typed is part of what the releasing side approved; the
            # person now lies in the receiving union, so this write is the request's, audited.
            person.refresh_from_db()
            before = audit.snapshot(person)
            person.mobile = transfer_request.mobile
            person.save(update_fields=["mobile", "updated_at"])
            diff = audit.diff(before, audit.snapshot(person))
            if diff:
                audit.record(AuditAction.UPDATE, request=request, user=user, obj=person,
                             changes=diff)
    audit.record(AuditAction.UPDATE, request=request, user=user, obj=transfer_request,
                 changes={"action": "transfer_approve" if approve else "transfer_refuse"})
    return transfer_request


@transaction.atomic
def cancel_transfer(
    *, transfer_request: TransferRequest, user: Any, request: HttpRequest | None = None
) -> TransferRequest:
    """The requesting side withdraws a pending request."""
    if not within(user, transfer_request.org_path) or not user.has_perm(
        "people.add_membership"
    ):
        raise PermissionDenied
    _claim(transfer_request, TransferState.CANCELLED, user, "")
    audit.record(AuditAction.UPDATE, request=request, user=user, obj=transfer_request,
                 changes={"action": "transfer_cancel"})
    return transfer_request
