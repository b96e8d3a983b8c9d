"""Member-roll indicators (see gonghui.reports.indicators)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gonghui.people.models import BenefitCard, JoinedBy, Membership
from gonghui.reports.indicators import Scope, indicator


@indicator("members.enrolled", "发展会员", "名", slug="members",
           query=lambda scope: f"joined_by={JoinedBy.ENROLMENT.value}&{scope.dates}",
           description="期间内以“发展入会”方式新入会的会员人数（按入会日期）；转入的会员不计。")
def enrolled(scope: Scope) -> QuerySet[Membership]:
    """Memberships started in the period by enrolment; transfers in are not new members."""
    return scope.records(Membership).filter(
        joined_by=JoinedBy.ENROLMENT, enrolled_on__range=scope.range
    )


def active_on(memberships: QuerySet[Membership], day: object) -> QuerySet[Membership]:
    """Memberships running on `day`: begun by then and not ended by then (the members list's
    `active_on` filter and the indicator below share it)."""
    return memberships.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day), enrolled_on__lte=day)


@indicator("members.active", "在会会员", "名", slug="members",
           query=lambda scope: f"active_on={scope.end}",
           description="期末最后一天仍在会的会员人数：当天以前入会且当天尚未退会或转出。"
           "按日期判断，期后退会、转出的会员仍计入当期。")
def active(scope: Scope) -> QuerySet[Membership]:
    """Memberships running on the period's last day: begun by then and not ended by then.

    Judged by dates, not by today's status, so that a past period's figure stays what it was
    after members leave or transfer later.
    """
    return active_on(scope.records(Membership), scope.period.end)


@indicator("people.benefit_cards_issued", "发放会员服务卡", "张", slug="cards",
           query=lambda scope: scope.dates,
           description="期间内发放的会员服务卡张数（按发卡日期）。")
def benefit_cards_issued(scope: Scope) -> QuerySet[BenefitCard]:
    """Benefit cards issued in the period."""
    return scope.records(BenefitCard).filter(issued_on__range=scope.range)
