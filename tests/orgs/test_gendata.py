"""`gonghui gen-data`: a deterministic synthetic province, valid to the last check character."""

from __future__ import annotations

import datetime
import io
import itertools
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command

from gonghui.accounts.models import User
from gonghui.core.text.identifiers import check_id_number, check_uscc
from gonghui.core.text.pinyin import initials
from gonghui.demo.gendata import NotEmptyError, generate
from gonghui.orgs.models import (
    HOME_CHECKLIST,
    UNION_KINDS,
    Election,
    Enterprise,
    Organization,
    OrgKind,
    WorkersHome,
    add_years,
)
from gonghui.people.models import BenefitCard, JoinedBy, Membership, MembershipStatus, Person

pytestmark = pytest.mark.django_db

N = 600


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Everything generated, minus the timestamps of when it was written."""
    return {
        "orgs": list(Organization.objects.order_by("pk").values_list(
            "pk", "path", "code", "name", "kind", "founded_on", "uscc")),
        "enterprises": list(Enterprise.objects.order_by("pk").values_list(
            "pk", "name", "uscc", "union_id", "town_id", "org_path")),
        "people": list(Person.objects.order_by("pk").values_list(
            "pk", "id_number", "name", "mobile", "employer_id", "org_id")),
        "memberships": list(Membership.objects.order_by("pk").values_list(
            "pk", "person_id", "org_id", "enrolled_on", "ended_on", "status", "joined_by")),
        "cards": list(BenefitCard.objects.order_by("number").values_list(
            "number", "person_id", "issued_on", "org_id")),
        "users": list(User.objects.order_by("username").values_list("username", "org_id")),
        "elections": list(Election.objects.order_by("pk").values_list(
            "union_id", "held_on", "term_years", "next_due", "guided_by_id")),
        "homes": list(WorkersHome.objects.order_by("pk").values_list(
            "union_id", "level", "year", "awarded_on", "checklist_met")),
    }


def wipe() -> None:
    Election.objects.all().delete()
    WorkersHome.objects.all().delete()
    BenefitCard.objects.all().delete()
    Membership.objects.all().delete()
    Person.objects.all().delete()
    Enterprise.objects.all().delete()
    User.objects.all().delete()
    Organization.objects.all().delete()


def test_same_seed_same_province_and_another_seed_another():
    result = generate(N, seed=11)
    first = snapshot()
    assert result.people == N
    wipe()
    generate(N, seed=11)
    assert snapshot() == first
    wipe()
    generate(N, seed=12)
    other = snapshot()
    assert other["people"] != first["people"]


def test_counts_as_asked_and_a_valid_tree():
    result = generate(N, seed=3)
    assert Person.objects.count() == N == result.people
    assert Membership.objects.count() == result.memberships > N  # transfers add a second one
    assert BenefitCard.objects.count() == result.cards > 0
    assert Organization.objects.count() == result.organizations
    root = Organization.objects.get_first_root_node()
    assert root.kind == OrgKind.PROVINCE
    assert Organization.objects.filter(kind=OrgKind.CITY, depth=2).count() == result.cities
    assert Organization.objects.filter(kind=OrgKind.TOWN, depth=3).count() == result.towns
    assert Organization.objects.filter(kind__in=UNION_KINDS, depth=4).count() == result.unions
    # treebeard's own consistency check finds nothing, and its repair changes nothing.
    assert all(not problems for problems in Organization.objects.find_problems())
    before = list(Organization.objects.order_by("pk").values_list("path", "depth", "numchild"))
    Organization.objects.fix_tree()
    assert list(
        Organization.objects.order_by("pk").values_list("path", "depth", "numchild")
    ) == before
    for org in Organization.objects.exclude(pk=root.pk)[:50]:
        assert Organization.objects.get_parent(org).path == org.path[: -Organization.steplen]
    for value in Organization.objects.values_list("uscc", flat=True):
        check_uscc(value)
    # Every owned record copies its owner's path, as OrgOwned.save would.
    paths = dict(Organization.objects.values_list("pk", "path"))
    for model in (Enterprise, Person, Membership, BenefitCard):
        for org_id, org_path in model.objects.values_list("org_id", "org_path"):
            assert paths[org_id] == org_path
    # The accounts the benchmarks log in as.
    admin = User.objects.get(username="admin")
    assert admin.org_id == root.pk
    assert User.objects.filter(username__startswith="town").exists()


def test_people_have_valid_id_numbers_and_consistent_derived_fields():
    generate(N, seed=5)
    numbers = set()
    for person in Person.objects.all():
        info = check_id_number(person.id_number)  # raises on a wrong check character
        assert info.sex == person.sex
        assert info.birth_date == person.birth_date
        assert person.id_tail == person.id_number[-4:]
        assert person.name_initials == initials(person.name)
        numbers.add(person.id_number)
    assert len(numbers) == N


def test_memberships_tell_a_consistent_history():
    generate(N, seed=9)
    by_person = defaultdict(list)
    for m in Membership.objects.order_by("enrolled_on", "pk"):
        by_person[m.person_id].append(m)
    statuses = {m.status for history in by_person.values() for m in history}
    assert statuses == {MembershipStatus.ACTIVE, MembershipStatus.LEFT,
                        MembershipStatus.TRANSFERRED}
    for person_id, history in by_person.items():
        # The one-active constraint, read back: at most one running membership per person.
        assert sum(m.status == MembershipStatus.ACTIVE for m in history) <= 1
        assert history[0].joined_by == JoinedBy.ENROLMENT
        for earlier, later in itertools.pairwise(history):
            # A transfer ends one membership the day the next begins, in another union.
            assert earlier.status == MembershipStatus.TRANSFERRED
            assert earlier.ended_on == later.enrolled_on
            assert later.joined_by == JoinedBy.TRANSFER
            assert earlier.org_id != later.org_id
        for m in history:
            assert (m.ended_on is None) == (m.status == MembershipStatus.ACTIVE)
            assert m.ended_on is None or m.ended_on >= m.enrolled_on
        person = Person.objects.get(pk=person_id)
        assert person.org_id == history[-1].org_id  # owned by the union of the latest one
    # The review years have figures: enrolments in every half-year of 2014–2018.
    for year in range(2014, 2019):
        for start, end in ((1, 6), (7, 12)):
            assert Membership.objects.filter(
                enrolled_on__gte=datetime.date(year, start, 1),
                enrolled_on__lte=datetime.date(year, end, 28),
                joined_by=JoinedBy.ENROLMENT,
            ).exists()


def test_elections_and_workers_homes_over_the_review_years():
    result = generate(2000, seed=4)
    assert Election.objects.count() == result.elections > 0
    assert WorkersHome.objects.count() == result.workers_homes > 0
    for election in Election.objects.select_related("union"):
        assert election.union.kind in UNION_KINDS
        assert election.next_due == add_years(election.held_on, election.term_years)
        assert election.org_path == election.union.path
        assert election.held_on >= election.union.founded_on
    for home in WorkersHome.objects.all():
        assert home.checklist_met == sum(getattr(home, name) for name, _ in HOME_CHECKLIST)
        assert home.year <= home.awarded_on.year
    from gonghui.accounts.models import User
    from gonghui.reports.indicators import compute
    from gonghui.reports.periods import Period

    admin = User.objects.get(username="admin")
    root = Organization.objects.get_first_root_node()
    values = compute(root, Period.parse("2014-01-01..2018-12-31"), admin)
    # Every indicator of the records gen-data writes has something to count over the review
    # years (it writes organisations, members, elections, homes and cards; no activities or
    # care records yet).
    made = {key: value for key, value in values.items()
            if key.split(".")[0] in {"orgs", "members", "people"}}
    assert all(value > 0 for value in made.values()), made


def test_refuses_a_database_that_is_not_empty(federation):
    with pytest.raises(NotEmptyError, match="目标数据库不是空的"):
        generate(10, seed=1)
    with pytest.raises(CommandError, match="gen-data 只写入刚迁移好的空数据库"):
        call_command("gen_data", members=10, stdout=io.StringIO())
    assert Person.objects.count() == 2  # the fixture's two, nothing added


def test_command_reports_what_it_wrote():
    out = io.StringIO()
    call_command("gen_data", members=50, seed=2, stdout=out)
    assert "人员 50" in out.getvalue()
    assert Person.objects.count() == 50
