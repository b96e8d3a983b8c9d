"""The demo's 2018H1 holds welfare records shaped like the seed, made through the pages' forms
and the imports, and `gonghui report` prints the seed's figures for them in the care section:
走访困难职工26户，慰问…600余名，…17万余元；32个单位…25万余元；40余人次；爱心妈妈小屋8个，
创业带头人9名，创业基地1个 (the sanatorium's 43 person-times said to one digit, as the care
section declares: 40余人次)."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from gonghui.accounts.models import User
from gonghui.activities.models import Activity, ActivityUnit, Participant
from gonghui.care.models.welfare import (
    CONSOLATION,
    COOLING,
    SANATORIUM,
    NursingRoom,
    VisitedHousehold,
)
from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.demo.federation import build_demo
from gonghui.orgs.models import Enterprise, Organization, OrgKind
from gonghui.reports import indicators
from gonghui.reports.periods import Period
from gonghui.reports.review import compile_review

pytestmark = pytest.mark.django_db

H1 = Period.parse("2018H1")


def test_the_demo_review_prints_the_seeds_welfare_figures_from_records(tmp_path: Path) -> None:
    result = build_demo(seed=2018, unions_per_town=5, members_per_union=2)
    admin = User.objects.get(username="admin")
    city = Organization.objects.get(kind=OrgKind.CITY)
    got = indicators.compute(city, H1, admin)
    assert got["care.households_visited"] == 26
    assert 600 <= got["care.frontline_workers_consoled"] < 700
    assert Decimal("170000") <= got["care.consolation_amount"] < Decimal("180000")
    assert got["care.cooling_units"] == 32
    assert Decimal("250000") <= got["care.cooling_value"] < Decimal("260000")
    assert got["care.sanatorium_person_times"] == 43
    assert (got["care.nursing_rooms_built"], got["care.entrepreneur_leaders"],
            got["care.entrepreneur_bases"]) == (8, 9, 1)
    assert result.apps["nursing-rooms"] == 10  # two of them built in 2017: not the period's
    assert NursingRoom.objects.filter(built_on__year=2017).count() == 2

    # Made as a cadre makes them: units typed by name were linked to the enterprises on record
    # by the unit form, the sanatorium sign-in sheets named people of the index, and each
    # registry came through its import (one audit row per import).
    frontline = Activity.objects.get(kind=CONSOLATION, title__contains="一线")
    units = ActivityUnit.objects.filter(activity__kind__in=[CONSOLATION, COOLING])
    assert units.filter(activity=frontline, enterprise__name__contains="北汽").exists()
    for unit in units:
        on_record = Enterprise.objects.filter(name=unit.unit_name).exists()
        assert (unit.enterprise_id is not None) == on_record, unit.unit_name
    trips = Participant.objects.filter(activity__kind=SANATORIUM)
    assert trips.filter(person__isnull=True).count() == 0
    assert trips.count() == got["care.sanatorium_person_times"]
    assert VisitedHousehold.objects.filter(activity__kind=CONSOLATION).count() == 26
    assert Activity.objects.filter(kind=COOLING, places="").count() == 1
    for slug in ("nursing-rooms", "entrepreneurs", "entrepreneur-bases"):
        assert AuditEntry.objects.filter(action=AuditAction.IMPORT, object_type=slug).exists()

    # The review, as `gonghui report` writes it.
    out = tmp_path / "review.html"
    call_command("report", "--org", city.code, "--period", "2018H1", "--format", "html",
                 "--output", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    page = re.sub(r"<[^>]+>", "", out.read_text(encoding="utf-8"))  # the text, figures unlinked
    assert page.count("立足普惠 主动服务 为职工排忧解难") == 1
    assert ("上半年走访困难职工26户，慰问坚守一线的职工600余名，送去生活用品和慰问金17万余元。"
            in page)
    assert ("开展“夏送清凉”活动，为32个单位的高温一线职工送去价值25万余元的防暑降温物品。"
            in page)
    # 43 person-times, said to one digit as the section declares: the seed's 40余人次.
    assert "分批组织一线职工40余人次参加疗休养。" in page
    assert "建成“爱心妈妈小屋”8个，选树创业带头人9名，命名创业基地1个。" in page
    # The same text as the compiled review's care section.
    text = compile_review(city, H1, admin).text
    assert "上半年走访困难职工26户" in text and "发放“惠工卡”" in text
