"""转会申请 pages: the requests a user's subtree sent or must decide, and the decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from gonghui.people import actions
from gonghui.people.models import TransferRequest, TransferState


def _row(user: Any, item: TransferRequest) -> dict[str, Any]:
    receiving = actions.within(user, item.org_path)
    releasing = actions.within(user, item.release_path)
    pending = item.state == TransferState.PENDING
    return {
        "item": item,
        # The requesting side sees what it typed; the person on file only from the releasing
        # side, which holds them.
        "name": item.person.name if releasing else item.name,
        "release_org": item.release_org.name if releasing else "",
        "receiving": receiving,
        "releasing": releasing,
        "can_decide": pending and actions.may_decide(user, item),
        "can_cancel": pending and receiving and user.has_perm("people.add_membership"),
    }


def transfer_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("people.view_membership"):
        raise PermissionDenied
    items = (
        TransferRequest.objects.visible_to(request.user)
        .select_related("org", "release_org", "person")
        .order_by("-pk")[:200]
    )
    rows = [_row(request.user, item) for item in items]
    return render(request, "people/transfers.html", {"rows": rows})


def transfer_decide(request: HttpRequest, pk: int) -> HttpResponse:
    # Scope before method: another subtree's request is a 404 on every verb, like a missing id.
    item = get_object_or_404(TransferRequest.objects.visible_to(request.user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    decision = request.POST.get("decision", "")
    try:
        if decision in {"approve", "refuse"}:
            actions.decide_transfer(
                transfer_request=item, approve=decision == "approve", user=request.user,
                reason=request.POST.get("reason", ""), request=request,
            )
            messages.success(request, "已同意转会" if decision == "approve" else "已拒绝转会申请")
        elif decision == "cancel":
            actions.cancel_transfer(transfer_request=item, user=request.user, request=request)
            messages.success(request, "已撤回转会申请")
        else:
            messages.error(request, "未知的操作")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("transfer-list")
