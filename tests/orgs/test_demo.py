"""The demo's first half of 2018 has the seed's shape, computed from its records by the
indicators: 新建工会23个，发展会员2500余名，指导基层工会换届40个; with workers' homes named and
some unions overdue, and history before it."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F

from gonghui.accounts.models import User
from gonghui.demo.federation import SEED_PLAN, build_demo
from gonghui.orgs.models import Election, Organization, OrgKind, WorkersHome
from gonghui.people.models import BenefitCard, JoinedBy, Membership
from gonghui.reports import indicators
from gonghui.reports.periods import Period

pytestmark = pytest.mark.django_db

H1 = Period.parse("2018H1")


def test_the_demo_2018h1_has_the_seeds_shape() -> None:
    # A small tree (5 unions a town instead of 46, few members each) with the seed's plan.
    result = build_demo(seed=2018, unions_per_town=5, members_per_union=2)
    admin = User.objects.get(username="admin")
    city = Organization.objects.get(kind=OrgKind.CITY)
    got = indicators.compute(city, H1, admin)
    assert got["orgs.unions_founded"] == 23
    assert 2500 <= got["members.enrolled"] < 2600  # 2500余名
    assert got["orgs.elections_held"] == 40
    assert got["orgs.workers_homes_awarded"] >= 1
    assert got["orgs.elections_overdue"] >= 5
    # 惠工卡 of the half-year: as many as the small roll allows, none before its holder enrolled.
    assert got["people.benefit_cards_issued"] > 1000
    assert not BenefitCard.objects.filter(
        issued_on__lt=F("person__memberships__enrolled_on"),
        person__memberships__status="active").exists()
    assert (result.founded, result.elections > 40, result.homes > 0) == (23, True, True)

    # History: elections and homes before 2018; nothing after the half-year.
    before = Period.parse("2010-01-01..2017-12-31")
    assert indicators.compute(city, before, admin, ["orgs.elections_held"])[
        "orgs.elections_held"] > 40
    assert not Election.objects.filter(held_on__gt=H1.end).exists()
    assert not WorkersHome.objects.filter(awarded_on__gt=H1.end).exists()

    # The new unions were founded under towns, guided by them, each covering an employer, and
    # their members enrolled on or after the founding day.
    new = Organization.objects.filter(founded_on__range=(H1.start, H1.end))
    assert new.count() == 23
    for union in new:
        parent = Organization.objects.get_parent(union)
        assert parent.kind == OrgKind.TOWN and union.guided_by == parent
        assert union.enterprises_covered.exists()
    assert not Membership.objects.filter(
        org__in=new, enrolled_on__lt=datetime.date(2018, 1, 1)).exists()
    assert Membership.objects.filter(org__in=new, joined_by=JoinedBy.ENROLMENT).exists()

    # A town cadre's half-year is a part of the city's.
    cadre = User.objects.get(username="town01")
    town = indicators.compute(cadre.org, H1, cadre)
    for key in ("orgs.unions_founded", "members.enrolled", "orgs.elections_held"):
        assert 0 < town[key] < got[key], key


def test_the_plan_is_the_seeds_phrasing() -> None:
    # 上半年新建工会23个，发展会员2500余名，指导基层工会换届40个
    assert (SEED_PLAN.founded, SEED_PLAN.elections) == (23, 40)
    assert 2500 <= SEED_PLAN.enrolled < 2600
    assert SEED_PLAN.cards == 6000  # the seed's 惠工卡 figure
