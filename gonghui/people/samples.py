"""The people app's sample records (gonghui.core.records.samples)."""

from __future__ import annotations

import datetime
import random
from typing import Any

from gonghui.core.records.samples import Branch
from gonghui.core.text.identifiers import make_id_number
from gonghui.orgs.models import Organization
from gonghui.people import actions
from gonghui.people.models import BenefitCard, Membership, Person


def make_member(name: str, union: Organization, rng: random.Random, *,
                mobile: str = "13912345678", enrolled_on: datetime.date | None = None,
                birth: datetime.date = datetime.date(1990, 3, 7)) -> Membership:
    """A person enrolled in a union through the enrolment action, as a cadre would."""
    person = Person(
        id_number=make_id_number(rng, area_code="370285", birth_date=birth, sex="M"),
        name=name, sex="M", birth_date=birth, mobile=mobile, org=union,
    )
    person.save()
    return actions.enrol(person=person, union=union,
                         enrolled_on=enrolled_on or datetime.date(2018, 3, 1))


def sentinels(branch: Branch) -> dict[str, Any]:
    """A member of the branch's union (person and membership) and a benefit card issued there
    (through the union, so that every record of branch A is in its chair's subtree too)."""
    member = make_member(
        f"{branch.sentinel}{'张三' if branch.key == 'a' else '李四'}", branch.union, branch.rng,
        mobile="13912345678" if branch.key == "a" else "13787654321",
    )
    card = BenefitCard(number=f"{branch.sentinel}卡0001", person=member.person, org=branch.union,
                       issued_on=datetime.date(2018, 4, 1))
    card.save()
    return {"people": member.person, "members": member, "cards": card}
