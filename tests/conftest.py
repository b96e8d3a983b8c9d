"""Persona fixtures over a small federation with sentinel names planted in every branch.

The federation: city C; towns A and B; in A a grassroots union A1 (with sub-union A1a) and a joint
union A2; in B a grassroots union B1. Every record whose name contains a branch's sentinel
(`SENTINEL_A`, `SENTINEL_B`) must never reach a user of the other branch, by any path.
"""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from gonghui.accounts.actions import create_user
from gonghui.accounts.models import User
from gonghui.accounts.roles import Role
from gonghui.core.attachments import actions as attachment_actions
from gonghui.core.attachments.models import Attachment
from gonghui.core.imports.models import ImportJob
from gonghui.core.records.registry import registry
from gonghui.core.text.identifiers import make_id_number, make_uscc
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
from gonghui.people import actions as people_actions
from gonghui.people.models import BenefitCard, Membership, Person

SENTINEL_A = "哨兵甲"
SENTINEL_B = "哨兵乙"
PASSWORD = "Test-Pass-2026"


@dataclass
class Federation:
    city: Organization
    town_a: Organization
    town_b: Organization
    union_a1: Organization
    union_a1a: Organization
    union_a2: Organization
    union_b1: Organization
    enterprise_a: Enterprise
    enterprise_a_town: Enterprise
    enterprise_b: Enterprise
    person_a: Person
    person_b: Person
    member_a: Membership
    member_b: Membership
    card_a: BenefitCard
    card_b: BenefitCard
    import_job_a: ImportJob
    import_job_b: ImportJob
    election_a: Election
    election_b: Election
    home_a: WorkersHome
    home_b: WorkersHome
    # {branch: {record slug: a sentinel attachment}} for every record type declaring attachments
    attachments: dict[str, dict[str, Attachment]] = field(default_factory=dict)

    def branch_objects(self, branch: str) -> dict[str, Any]:
        """The sentinel record of each registered record type in a branch ('a' or 'b')."""
        if branch == "a":
            return {"orgs": self.union_a1, "enterprises": self.enterprise_a,
                    "people": self.person_a, "members": self.member_a, "cards": self.card_a,
                    "elections": self.election_a, "homes": self.home_a}
        return {"orgs": self.union_b1, "enterprises": self.enterprise_b,
                "people": self.person_b, "members": self.member_b, "cards": self.card_b,
                "elections": self.election_b, "homes": self.home_b}

    def branch_attachments(self, branch: str) -> dict[str, Attachment]:
        """The sentinel attachment of each record type that declares attachments, per branch."""
        return self.attachments[branch]


def _org(
    parent: Organization | None,
    code: str,
    name: str,
    kind: str,
    rng: random.Random,
    phone: str = "13800138000",
) -> Organization:
    node = Organization(
        code=code, name=name, kind=kind, phone=phone, uscc=make_uscc(rng, prefix="81")
    )
    if parent is None:
        return Organization.objects.add_root(instance=node)
    return Organization.objects.add_child(parent, instance=node)


def _enterprise(
    name: str, town: Organization, union: Organization | None, rng: random.Random, staff: int
) -> Enterprise:
    enterprise = Enterprise(
        name=name,
        uscc=make_uscc(rng),
        industry=Industry.C,
        ownership=Ownership.PRIVATE,
        employee_count=staff,
        town=town,
        union=union,
    )
    enterprise.save()
    return enterprise


def make_member(name: str, union: Organization, rng: random.Random, *,
                mobile: str = "13912345678", enrolled_on: datetime.date | None = None,
                birth: datetime.date = datetime.date(1990, 3, 7)) -> Membership:
    """A person enrolled in a union through the enrolment action, as a cadre would."""
    person = Person(
        id_number=make_id_number(rng, area_code="370285", birth_date=birth, sex="M"),
        name=name, sex="M", birth_date=birth, mobile=mobile, org=union,
    )
    person.save()
    return people_actions.enrol(person=person, union=union,
                                enrolled_on=enrolled_on or datetime.date(2018, 3, 1))


@pytest.fixture
def federation(db: Any) -> Federation:
    rng = random.Random(7)
    city = _org(None, "C", "测试市总工会", OrgKind.CITY, rng)
    town_a = _org(city, "A", f"{SENTINEL_A}镇总工会", OrgKind.TOWN, rng, "13911112222")
    town_b = _org(city, "B", f"{SENTINEL_B}镇总工会", OrgKind.TOWN, rng, "13933334444")
    union_a1 = _org(town_a, "A-1", f"{SENTINEL_A}机械厂工会", OrgKind.GRASSROOTS, rng)
    union_a1a = _org(union_a1, "A-1-1", f"{SENTINEL_A}机械厂一车间分工会", OrgKind.GRASSROOTS, rng)
    union_a2 = _org(town_a, "A-2", f"{SENTINEL_A}工业园联合工会", OrgKind.JOINT, rng)
    union_b1 = _org(town_b, "B-1", f"{SENTINEL_B}纺织厂工会", OrgKind.GRASSROOTS, rng)
    member_a = make_member(f"{SENTINEL_A}张三", union_a1, rng)
    member_b = make_member(f"{SENTINEL_B}李四", union_b1, rng, mobile="13787654321")
    # Issued through union A1, so that every branch-A record is in the chair's subtree too.
    card_a = BenefitCard(number=f"{SENTINEL_A}卡0001", person=member_a.person, org=union_a1,
                         issued_on=datetime.date(2018, 4, 1))
    card_a.save()
    card_b = BenefitCard(number=f"{SENTINEL_B}卡0001", person=member_b.person, org=town_b,
                         issued_on=datetime.date(2018, 4, 1))
    card_b.save()
    # An import each town's own clerk uploaded (no persona is that clerk).
    jobs = {
        branch: ImportJob.objects.create(
            record_slug="members", filename=f"{sentinel}会员名单.xlsx", path="/nonexistent",
            message=f"{sentinel}导入完成", error_workbook="/nonexistent-errors.xlsx",
            user=create_user(username=f"clerk_{branch}", org=town, roles=[Role.TOWN_CADRE],
                             password=PASSWORD),
        )
        for branch, sentinel, town in (("a", SENTINEL_A, town_a), ("b", SENTINEL_B, town_b))
    }
    # One term election and one workers' home per branch, each guided or named in its own town.
    elections = {}
    homes = {}
    for branch, union, town in (("a", union_a1, town_a), ("b", union_b1, town_b)):
        elections[branch] = Election(union=union, held_on=datetime.date(2016, 5, 10),
                                     term_years=5, guided_by=town)
        elections[branch].save()
        homes[branch] = WorkersHome(union=union, level=HomeLevel.COUNTY, year=2017,
                                    awarded_on=datetime.date(2018, 3, 5), has_venue=True)
        homes[branch].save()
    fed = Federation(
        city=city,
        town_a=town_a,
        town_b=town_b,
        union_a1=union_a1,
        union_a1a=union_a1a,
        union_a2=union_a2,
        union_b1=union_b1,
        enterprise_a=_enterprise(f"{SENTINEL_A}机械有限公司", town_a, union_a1, rng, 120),
        enterprise_a_town=_enterprise(f"{SENTINEL_A}小作坊", town_a, None, rng, 8),
        enterprise_b=_enterprise(f"{SENTINEL_B}纺织有限公司", town_b, union_b1, rng, 300),
        person_a=member_a.person, person_b=member_b.person, member_a=member_a,
        member_b=member_b, card_a=card_a, card_b=card_b,
        import_job_a=jobs["a"], import_job_b=jobs["b"],
        election_a=elections["a"], election_b=elections["b"],
        home_a=homes["a"], home_b=homes["b"],
    )
    fed.attachments = {branch: plant_attachments(fed, branch) for branch in ("a", "b")}
    return fed


@pytest.fixture(autouse=True)
def attachment_root(settings: Any, tmp_path: Path) -> Path:
    """Every test keeps its attachment files in its own folder."""
    root = tmp_path / "attachments"
    settings.GONGHUI_ATTACHMENT_ROOT = root
    return root


def sample_jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def sample_pdf(text: str) -> bytes:
    """A tiny PDF whose bytes carry `text` (in a comment), so a served copy can be recognised."""
    return b"%PDF-1.4\n% " + text.encode() + b"\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def plant_attachments(fed: Federation, branch: str) -> dict[str, Attachment]:
    """One attachment on each branch record whose type declares attachments: named and
    captioned with the branch's sentinel, a PDF carrying it in its bytes unless only images
    are accepted."""
    sentinel = SENTINEL_A if branch == "a" else SENTINEL_B
    planted = {}
    for slug, obj in fed.branch_objects(branch).items():
        record = registry[slug]
        if not record.attachments:
            continue
        kind = record.attachments[0]
        pdf = "pdf" in kind.accept and not kind.photo
        planted[slug] = attachment_actions.attach(
            parent=obj, kind=kind,
            name=f"{sentinel}{kind.label}.{'pdf' if pdf else 'jpg'}",
            chunks=[sample_pdf(f"{sentinel}{kind.label}") if pdf else sample_jpeg()],
            caption=f"{sentinel}{kind.label}说明",
        )
    return planted


PERSONAS: dict[str, tuple[str, str | None]] = {
    # persona: (role, organisation attribute of the federation)
    "city_admin": (Role.CITY_ADMIN, "city"),
    "town_a_cadre": (Role.TOWN_CADRE, "town_a"),
    "town_b_cadre": (Role.TOWN_CADRE, "town_b"),
    "chair_a1": (Role.GRASSROOTS_CHAIR, "union_a1"),
    "security_admin": (Role.SECURITY_ADMIN, "city"),
    "auditor": (Role.AUDITOR, "city"),
    "no_org": (Role.TOWN_CADRE, None),
}


@pytest.fixture
def make_persona(federation: Federation) -> Callable[[str], User]:
    made: dict[str, User] = {}

    def make(name: str) -> User:
        if name not in made:
            role, org_attr = PERSONAS[name]
            org = getattr(federation, org_attr) if org_attr else None
            user = create_user(username=name, org=org, roles=[role], password=PASSWORD)
            if user.requires_second_factor:
                # Administrators must sign in with a second factor: give them an enrolled
                # authenticator, as `/2fa/` would after the QR code was scanned.
                TOTPDevice.objects.create(user=user, name="测试验证器", confirmed=True)
            made[name] = user
        return made[name]

    return make


def current_totp(user: User) -> str:
    """The code the user's authenticator shows now. A code is accepted once per 30 s step, so
    the device forgets the step it last accepted: the next sign-in in the same test may reuse
    the code, as a person signing in again a minute later would type a new one."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    device.last_t = -1
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


def verify_second_factor(client: Client, user: User) -> None:
    """Pass the second-factor step through the real verification page."""
    response = client.post(reverse("otp-verify"), {"token": current_totp(user)})
    assert response.status_code == 302, response.content.decode()[:500]
    assert not response["Location"].startswith(reverse("otp-verify"))


@pytest.fixture
def login(make_persona: Callable[[str], User]) -> Callable[[str], Client]:
    """A logged-in test client for a persona; administrators pass the second factor too."""

    def client_for(name: str) -> Client:
        client = Client()
        user = make_persona(name)
        client.force_login(user)
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            verify_second_factor(client, user)
        return client

    return client_for
