"""Account pages beyond Django's stock login and logout."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts import actions, secondfactor
from gonghui.accounts.middleware import password_expired
from gonghui.accounts.models import User
from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["password_expired"] = password_expired(self.request.user)
        return context


# --- the second factor -------------------------------------------------------------------------


def _bare(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    # Before the second factor is verified the page shows no menu: nothing behind it is open yet.
    return render(request, template, {"bare_page": True, **context})


def otp_verify(request: HttpRequest) -> HttpResponse:
    """The step after the password: a code from the authenticator, or a recovery code."""
    user = request.user
    assert isinstance(user, User)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(secondfactor.safe_next(request))
    step = secondfactor.needed_step(user)
    if step == secondfactor.SETUP:
        return redirect("otp-setup")
    if step is None:  # no second factor to verify
        return redirect(secondfactor.safe_next(request))
    error = ""
    if request.method == "POST":
        throttled = secondfactor.throttle_wait(user) > 0
        if secondfactor.verify(request, user, request.POST.get("token", "")):
            return redirect(secondfactor.safe_next(request))
        wait = secondfactor.throttle_wait(user)
        if wait and (throttled or wait >= secondfactor.THROTTLE_NOTICE_SECONDS):
            # Refused unread (django-otp's throttle), or the next try is a while off: say so.
            error = secondfactor.wait_message(wait)
        else:
            error = "验证码不正确或已使用过，请重新输入。"
    return _bare(
        request,
        "accounts/otp_verify.html",
        {"error": error, "next": secondfactor.safe_next(request)},
    )


def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator (QR code), or, once enrolled, see the state and manage it."""
    user = request.user
    assert isinstance(user, User)
    verified = user.is_verified()  # type: ignore[attr-defined]
    if secondfactor.has_second_factor(user):
        if not verified:
            return redirect("otp-verify")
        if request.method == "POST" and request.POST.get("action") == "new-codes":
            codes = secondfactor.issue_recovery_codes(user)
            audit.record(
                AuditAction.UPDATE, request=request, obj=user,
                changes={"recovery_codes": "重新生成"},
            )
            return render(request, "accounts/otp_codes.html", {"codes": codes})
        recovery = secondfactor.recovery_device(user)
        return render(
            request,
            "accounts/otp_status.html",
            {"remaining": recovery.remaining if recovery else 0},
        )
    error = ""
    if request.method == "POST":
        issued = secondfactor.confirm_enrolment(request, user, request.POST.get("token", ""))
        if issued is not None:
            return render(
                request,
                "accounts/otp_codes.html",
                {"codes": issued, "next": secondfactor.safe_next(request)},
            )
        error = "验证码不正确，请核对手机时间后重新输入。"
    device = secondfactor.pending_device(user)
    return (render if verified else _bare)(
        request,
        "accounts/otp_setup.html",
        {
            "qr_svg": secondfactor.qr_svg(device),
            "secret": secondfactor.base32_key(device),
            "error": error,
            "required": user.requires_second_factor,
            "next": secondfactor.safe_next(request),
        },
    )


def otp_disable(request: HttpRequest) -> HttpResponse:
    """Turn the second factor off: the password and a current code, both given again."""
    user = request.user
    assert isinstance(user, User)
    if not secondfactor.has_second_factor(user):
        return redirect("otp-setup")
    error = ""
    if request.method == "POST":
        refused = secondfactor.disable(
            request, user, request.POST.get("password", ""), request.POST.get("token", "")
        )
        if refused is None:
            messages.success(request, "已停用双因素认证。")
            return redirect("otp-setup")
        error = refused
    return render(
        request,
        "accounts/otp_disable.html",
        {"error": error, "required": user.requires_second_factor},
    )


# --- account management (the security administrator) ------------------------------------------


def managed_accounts(user: Any) -> QuerySet[User]:
    """The accounts a security administrator manages: those of their organisation's subtree."""
    org = getattr(user, "org", None)
    if org is None or not user.has_perm("accounts.manage_accounts"):
        return User.objects.none()
    return User.objects.filter(org__path__startswith=org.path)


@permission_required("accounts.manage_accounts", raise_exception=True)
def account_list(request: HttpRequest) -> HttpResponse:
    accounts = (
        managed_accounts(request.user)
        .select_related("org")
        .prefetch_related("groups")
        .order_by("org__path", "username")
    )
    query = request.GET.get("q", "").strip()
    if query:
        accounts = accounts.filter(username__icontains=query) | accounts.filter(
            first_name__icontains=query
        )
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    enrolled = set(
        TOTPDevice.objects.filter(user__in=[a.pk for a in page.object_list], confirmed=True)
        .values_list("user_id", flat=True)
    )
    from rest_framework.authtoken.models import Token

    from gonghui.api.authentication import token_expires_at

    # Which accounts hold an API token and until when: never the token itself.
    tokens = {
        token.user_id: token_expires_at(token)
        for token in Token.objects.filter(user__in=[a.pk for a in page.object_list])
    }
    for account in page.object_list:
        account.token_expires = tokens.get(account.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/account_list.html",
        {"page": page, "query": query, "enrolled": enrolled, "tokens": tokens,
         "locked": locked_usernames([a.username for a in page.object_list])},
    )


def locked_usernames(usernames: list[str]) -> set[str]:
    """Which of these accounts are locked out now (the 解除锁定 button is shown only there)."""
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Sum
    from django.utils import timezone

    since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    rows = (
        AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
    )
    return {r["username"] for r in rows if r["failures"] >= settings.AXES_FAILURE_LIMIT}


ACCOUNT_ACTIONS = {
    "deactivate": "已停用账号 {name}，结束会话 {ended} 个。",
    "unlock": "已解除账号 {name} 的登录锁定。",
    "reset-otp": "已重置账号 {name} 的双因素认证，下次登录时需重新绑定。",
    "revoke-token": "已吊销账号 {name} 的API令牌。",
}


def account_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return account_action(request, pk, "deactivate")


def account_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    return account_action(request, pk, "unlock")


def account_reset_otp(request: HttpRequest, pk: int) -> HttpResponse:
    return account_action(request, pk, "reset-otp")


def account_revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    return account_action(request, pk, "revoke-token")


def account_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    # Scope first, as for records: an account outside the manager's subtree (or any account,
    # for a user who manages none) is a 404 on every verb, like one that does not exist.
    target = get_object_or_404(managed_accounts(request.user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actor = request.user
    assert isinstance(actor, User)
    if action not in ACCOUNT_ACTIONS:
        raise Http404
    if target.pk == actor.pk:
        messages.error(request, "不能对自己的账号执行此操作。")
        return redirect("account-list")
    ended = 0
    if action == "deactivate":
        ended = actions.deactivate_user(user=target, actor=actor, request=request)
    elif action == "unlock":
        actions.unlock_user(user=target, actor=actor, request=request)
    elif action == "revoke-token":
        actions.revoke_token(user=target, actor=actor, request=request)
    else:
        actions.reset_second_factor(user=target, actor=actor, request=request)
    messages.success(request, ACCOUNT_ACTIONS[action].format(name=target.username, ended=ended))
    return redirect("account-list")
