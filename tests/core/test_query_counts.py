"""Query-count guards: pages cost the same number of queries with 3 rows as with 30.

Each page is requested once to warm per-process caches (content types, permissions), measured,
then measured again after 25 more organisations and 25 more enterprises are added inside town A.
An N+1 shows up as a difference; the ceiling catches a page that is merely wasteful.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gonghui.activities.models import Activity, ActivityUnit, Participant
from gonghui.care.models.hardship import (
    CareStandard,
    FundSource,
    HardshipFile,
    HouseholdMember,
    ReliefBatch,
    ReliefKind,
    ReliefPayment,
)
from gonghui.care.models.insurance import (
    ClaimKind,
    InsuranceClaim,
    InsuranceEnrolment,
    Plan,
    RosterEntry,
)
from gonghui.care.models.welfare import (
    EntrepreneurBase,
    EntrepreneurLeader,
    NursingRoom,
    VisitedHousehold,
)
from gonghui.core.records import panels
from gonghui.core.records.registry import registry
from gonghui.core.text.identifiers import make_uscc
from gonghui.orgs.models import (
    Election,
    Enterprise,
    HomeLevel,
    Industry,
    Organization,
    OrgKind,
    Ownership,
    WorkersHome,
)
from gonghui.people.models import BenefitCard
from gonghui.reports.home import KEY_INDICATORS
from tests.apps.kitflow.models import ReliefClaim
from tests.conftest import Federation, make_member

pytestmark = pytest.mark.django_db

# 16: the city administrator's session is verified by a second factor, and django-otp reads the
# device that verified it once per request.
CEILING = 16
MORE = 25
# The home page is a dashboard: a count per record type, each key indicator (one query each)
# and the latest records of each dated record type (one each), besides its own 9 (the
# session's, the latest activity day) and each home panel's lists (the election panel's two, one
# each otherwise). Bounded by declarations, not rows: an app that declares a record type or a
# panel adds its queries to the page.
HOME_CEILING = (
    10 + len(panels.registered()) + len(list(registry)) + len(KEY_INDICATORS)
    + sum(1 for r in registry if r.activity_date)
)
# A detail page shows each child row type's block in two queries (rows, and their number with
# the aggregates): an app that adds child rows to another's type adds them to its page.
CHILD_BLOCK = 2


def ceiling(name: str) -> int:
    if name.startswith("home"):
        return HOME_CEILING
    slug, _space, view = name.partition(" ")
    if view == "detail":
        record = registry[slug]
        children = len(record.children)
        # Which buttons a workflow record shows is decided by running its transitions'
        # requirements and guards (documents uploaded, a standard on record): a query each.
        checks = (sum(len(t.requires) + (t.guard is not None) for t in record.workflow.transitions)
                  if record.workflow is not None else 0)
        return max(CEILING, CEILING - 3 * CHILD_BLOCK + CHILD_BLOCK * children) + checks
    return CEILING


def pages(fed: Federation) -> dict[str, str]:
    urls = {
        "org-tree": reverse("org-tree"),
        "org-tree-children(town_a)": reverse("org-tree-children", args=[fed.town_a.pk]),
        "org-tree-children(union_a1)": reverse("org-tree-children", args=[fed.union_a1.pk]),
        "home": reverse("home"),
        "home ?period=2018H1": reverse("home") + "?period=2018H1",
        "elections overdue": reverse("elections-list") + "?status=overdue&on=2022-01-01",
        "elections due soon": reverse("elections-list") + "?status=due_soon&on=2021-03-01",
        "search": reverse("search") + "?q=哨兵",
    }
    for record in registry:
        obj = fed.branch_objects("a")[record.slug]
        urls[f"{record.slug} list"] = reverse(record.url_name("list"))
        urls[f"{record.slug} list ?per_page=100"] = (
            reverse(record.url_name("list")) + "?per_page=100"
        )
        urls[f"{record.slug} export"] = reverse(record.url_name("export"))
        urls[f"{record.slug} autocomplete"] = reverse(record.url_name("autocomplete")) + "?q=哨兵"
        urls[f"{record.slug} detail"] = reverse(record.url_name("detail"), args=[obj.pk])
        urls[f"{record.slug} API list"] = reverse(f"api-{record.slug}-list")
    urls["orgs detail(town_a)"] = reverse("orgs-detail", args=[fed.town_a.pk])
    return urls


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            # Consuming the stream lets the test client close the response (and the file).
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def grow_town_a(fed: Federation) -> None:
    """25 unions and 25 enterprises more in town A, spread over several parents and owners."""
    rng = random.Random(11)
    new_orgs = []
    for i in range(MORE):
        parent = Organization.objects.get(pk=(fed.town_a if i % 2 else fed.union_a1).pk)
        kind = OrgKind.JOINT if i % 5 == 0 and parent.kind == OrgKind.TOWN else OrgKind.GRASSROOTS
        new_orgs.append(
            Organization.objects.add_child(
                parent,
                instance=Organization(
                    code=f"A-N{i}",
                    name=f"新增工会{i}",
                    kind=kind,
                    phone="13800138000",
                    uscc=make_uscc(rng, prefix="81"),
                ),
            )
        )
    for i in range(MORE):
        union = new_orgs[i] if i % 3 else None
        Enterprise(
            name=f"新增企业{i}",
            uscc=make_uscc(rng),
            industry=Industry.C,
            ownership=Ownership.PRIVATE,
            employee_count=10 + i,
            is_key=bool(i % 2),
            town=fed.town_a,
            union=union,
        ).save()
    for i in range(MORE):
        member = make_member(f"新增会员{i}", new_orgs[i], rng, mobile=f"139{i:08d}")
        BenefitCard(number=f"新卡{i}", person=member.person, org=fed.town_a,
                    issued_on=datetime.date(2018, 5, 1)).save()
        # An election and a workers' home per new union, some guided by the town: the
        # election list and the home page's due lists then show many more rows.
        Election(union=new_orgs[i], held_on=datetime.date(2013 + i % 5, 3, 1),
                 term_years=3 + 2 * (i % 2), guided_by=fed.town_a if i % 2 else None).save()
        WorkersHome(union=new_orgs[i], level=HomeLevel.COUNTY, year=2017,
                    awarded_on=datetime.date(2018, 4, 1), has_rules=True).save()
        # An activity per new union, and more child rows on the measured activity's page.
        Activity(org=new_orgs[i], kind="meeting", title=f"新增活动{i}",
                 start_date=datetime.date(2018, 5, 1)).save()
        Participant.objects.create(activity=fed.activity_a, person=member.person)
        ActivityUnit.objects.create(activity=fed.activity_a, unit_name=f"新增单位{i}")
        ReliefClaim(org=new_orgs[i], title=f"新增帮扶申请{i}", applicant="王五",
                    amount="100.00", reason="困难").save()
        # The care app's welfare registries, and households on the measured activity's page.
        NursingRoom(org=new_orgs[i], name=f"新增小屋{i}", built_on=datetime.date(2018, 5, 1)).save()
        EntrepreneurLeader(org=new_orgs[i], person=member.person, venture=f"新增项目{i}",
                           named_on=datetime.date(2018, 5, 1)).save()
        EntrepreneurBase(org=new_orgs[i], name=f"新增基地{i}",
                         named_on=datetime.date(2018, 5, 1)).save()
        VisitedHousehold.objects.create(activity=fed.activity_a, person=member.person)
        # The care app's hardship files, relief batches and insurance, with more rows on the
        # measured file's, batch's and enrolment's pages.
        grow_care(fed, i, new_orgs[i], member.person)


def grow_care(fed: Federation, i: int, union: Organization, person: Any) -> None:
    own = fed.branch_objects("a")
    day = datetime.date(2018, 5, 1)
    CareStandard(org=union, year=2018, dibao_monthly=Decimal("560.00")).save()
    HardshipFile(person=person, org=union, year=2018, opened_on=day, household_size=3,
                 annual_income=Decimal("24000"), rigid_costs=Decimal("6000"),
                 main_cause="illness", address=f"新增路{i}号").save()
    HouseholdMember(file=own["hardship"], name=f"新增家属{i}", relation="child",
                    monthly_income=Decimal("0")).save()
    batch = ReliefBatch(org=union, number=f"新增批次{i}", title=f"新增批次{i}",
                        kind=ReliefKind.MODEL_WORKER, fund_source=FundSource.CITY,
                        planned_on=day)
    batch.save()
    for into in (batch, own["relief-batches"]):
        ReliefPayment(batch=into, person=person, kind=ReliefKind.MODEL_WORKER,
                      amount=Decimal("100.00"), paid_on=day).save()
    unit = Enterprise.objects.get(name=f"新增企业{i}")
    enrolment = InsuranceEnrolment(enterprise=unit, org=union, plan=Plan.INPATIENT,
                                   persons_enrolled=10, premium=Decimal("500.00"),
                                   starts_on=datetime.date(2018, 1, 1),
                                   ends_on=datetime.date(2018, 12, 31))
    enrolment.save()
    RosterEntry(enrolment=enrolment, person=person).save()
    RosterEntry(enrolment=own["insurance-enrolment"], person=person).save()
    InsuranceClaim(person=person, enterprise=unit, enrolment=enrolment, org=union,
                   kind=ClaimKind.INPATIENT, received_on=day,
                   amount_claimed=Decimal("1000.00")).save()


@pytest.mark.parametrize("persona", ["city_admin", "town_a_cadre"])
def test_query_counts_do_not_grow_with_rows(
    federation: Federation, login: Callable[[str], Client], persona: str
) -> None:
    client = login(persona)
    urls = pages(federation)
    for url in urls.values():
        count(client, url)  # warm up
    few = {name: count(client, url) for name, url in urls.items()}
    grow_town_a(federation)
    many = {name: count(client, url) for name, url in urls.items()}

    grew = {name: (few[name], many[name]) for name in urls if few[name] != many[name]}
    assert not grew, f"queries grow with rows (N+1?) — {{page: (few, many)}}: {grew}"
    over = {name: n for name, n in many.items() if n > ceiling(name)}
    assert not over, f"more than {CEILING} queries (home: {HOME_CEILING}): {over}"


def test_the_pages_really_show_more_rows(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    """The guard above is only meaningful if the added rows are on the measured pages."""
    client = login("city_admin")
    grow_town_a(federation)
    for record in registry:
        data: Any = client.get(reverse(f"api-{record.slug}-list")).json()
        assert data["count"] >= MORE
    children = client.get(reverse("org-tree-children", args=[federation.town_a.pk]))
    assert children.content.decode().count("新增工会") > 10
