"""Member-roll indicators (see gonghui.reports.indicators)."""

from __future__ import annotations

from django.db.models import Q

from gonghui.people.models import BenefitCard, JoinedBy, Membership
from gonghui.reports.indicators import Scope, indicator


@indicator("members.enrolled", "发展会员", "名")
def enrolled(scope: Scope) -> int:
    """Memberships started in the period by enrolment; transfers in are not new members."""
    return (
        scope.records(Membership)
        .filter(joined_by=JoinedBy.ENROLMENT, enrolled_on__range=scope.range)
        .count()
    )


@indicator("members.active", "在会会员", "名")
def active(scope: Scope) -> int:
    """Memberships running on the period's last day: begun by then and not ended by then.

    Judged by dates, not by today's status, so that a past period's figure stays what it was
    after members leave or transfer later.
    """
    end = scope.period.end
    return (
        scope.records(Membership)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=end), enrolled_on__lte=end)
        .count()
    )


@indicator("people.benefit_cards_issued", "发放会员服务卡", "张")
def benefit_cards_issued(scope: Scope) -> int:
    """Benefit cards issued in the period."""
    return scope.records(BenefitCard).filter(issued_on__range=scope.range).count()
