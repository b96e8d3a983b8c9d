"""Login lockout (security.md row 1) on top of django-axes.

Axes counts failed logins per lockout parameter — here `["username", "ip_address"]`, each on its
own — and locks when the largest count reaches `AXES_FAILURE_LIMIT`. It has one limit for all
parameters, but an address needs a higher one than an account: an office behind one NAT address
mistypes more than one person does, and a limit of 5 per address would let one address lock the
whole office out. So this handler reports, as the failure count axes compares with its limit:

- the account's failures within the cool-off window (lock after `AXES_FAILURE_LIMIT`), and
- the limit itself once the address has failed `GONGHUI_LOGIN_ADDRESS_FAILURE_LIMIT` times, on
  any usernames — so one address can lock at most limit / 5 accounts per window, after which it
  is itself refused, whatever account it names.

The username is counted whether or not an account by that name exists, so an unknown username
locks and answers exactly like a real one. A lockout writes one audit row, when it begins.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction, AuditOutcome


class GonghuiAxesHandler(AxesDatabaseHandler):  # type: ignore[misc]
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_parameter = dict(
            zip(
                ["username", "ip_address"],
                (
                    attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
                    for attempts in self.get_user_attempts(request, credentials)
                ),
                strict=True,
            )
        )
        account_failures = by_parameter["username"]
        if by_parameter["ip_address"] >= settings.GONGHUI_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(account_failures, settings.AXES_FAILURE_LIMIT)
        return int(account_failures)

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is not None:
            # AxesStandaloneBackend sets the flag before the failure is signalled when the
            # account or address was locked already: only a new lockout is audited.
            request.gonghui_was_locked_out = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)


if settings.AXES_LOCKOUT_PARAMETERS != ["username", "ip_address"]:  # pragma: no cover
    raise RuntimeError("GonghuiAxesHandler expects AXES_LOCKOUT_PARAMETERS = username, ip_address")


@receiver(user_locked_out, dispatch_uid="gonghui-audit-lockout")
def _on_lockout(
    sender: Any, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any
) -> None:
    if request is not None and getattr(request, "gonghui_was_locked_out", False):
        return
    audit.record(
        AuditAction.LOCKOUT,
        request=request,
        user=None,
        username=str(username or "")[:150],
        outcome=AuditOutcome.FAILURE,
    )
