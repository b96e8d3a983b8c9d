"""Each indicator against records built here, with the period's boundary days."""

import datetime
import random
from collections.abc import Callable
from typing import Any

import pytest

from gonghui.orgs.models import Organization
from gonghui.people import actions
from gonghui.people.models import BenefitCard
from gonghui.reports import indicators
from gonghui.reports.periods import Period
from tests.conftest import Federation, make_member

H1 = Period.parse("2018H1")
H2 = Period.parse("2018H2")
JUNE_30 = datetime.date(2018, 6, 30)
JULY_1 = datetime.date(2018, 7, 1)


def values(org: Organization, period: Period, user: Any, *keys: str) -> dict[str, Any]:
    return indicators.compute(org, period, user, keys)


def test_the_first_indicators_are_registered() -> None:
    keys = {item.key for item in indicators.registered()}
    assert {"orgs.unions_founded", "members.enrolled", "members.active",
            "people.benefit_cards_issued"} <= keys
    for item in indicators.registered():
        assert item.label and item.unit and item.description


def test_unknown_key_is_named() -> None:
    with pytest.raises(KeyError, match=r"members\.bogus"):
        indicators.get("members.bogus")


def test_unions_founded_counts_unions_in_the_period(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    admin = make_persona("city_admin")
    Organization.objects.filter(pk__in=[federation.union_a1.pk, federation.union_a2.pk,
                                        federation.union_b1.pk]).update(founded_on=None)
    federation.union_a1.founded_on = JUNE_30  # last day of H1: in
    federation.union_a1.save()
    federation.union_a2.founded_on = JULY_1  # first day of H2: out
    federation.union_a2.save()
    federation.union_b1.founded_on = datetime.date(2018, 1, 1)
    federation.union_b1.save()
    # A town federation founded in the period is not a union founded.
    federation.town_a.founded_on = datetime.date(2018, 3, 1)
    federation.town_a.save()
    key = "orgs.unions_founded"
    assert values(federation.city, H1, admin, key)[key] == 2
    assert values(federation.town_a, H1, admin, key)[key] == 1
    assert values(federation.city, H2, admin, key)[key] == 1
    # A town cadre never counts the other town's unions, whatever org is asked about.
    cadre = make_persona("town_a_cadre")
    assert values(federation.city, H1, cadre, key)[key] == 1
    assert values(federation.town_b, H1, cadre, key)[key] == 0


def test_members_enrolled_excludes_transfers_and_respects_boundaries(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    admin = make_persona("city_admin")
    rng = random.Random(3)
    key = "members.enrolled"
    before = values(federation.city, H1, admin, key)[key]  # the fixture's two, enrolled 1 March
    make_member("六月", federation.union_a1, rng, enrolled_on=JUNE_30)
    make_member("七月", federation.union_a2, rng, enrolled_on=JULY_1)
    mover = make_member("转会", federation.union_b1, rng, enrolled_on=datetime.date(2017, 5, 1))
    actions.transfer(person=mover.person, to_union=federation.union_a1,
                     on=datetime.date(2018, 4, 2))
    assert values(federation.city, H1, admin, key)[key] == before + 1
    assert values(federation.city, H2, admin, key)[key] == 1
    assert values(federation.town_a, H1, admin, key)[key] == 2  # fixture's 张三 + 六月
    assert values(federation.city, Period.parse("2017"), admin, key)[key] == 1


def test_members_active_at_the_period_end(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    admin = make_persona("city_admin")
    rng = random.Random(4)
    key = "members.active"
    base = values(federation.city, H1, admin, key)[key]
    leaver = make_member("退会", federation.union_a1, rng, enrolled_on=datetime.date(2018, 2, 1))
    actions.leave(person=leaver.person, on=JUNE_30)  # ended on the last day: not active at its end
    stayer = make_member("七月退", federation.union_a1, rng, enrolled_on=datetime.date(2018, 2, 1))
    actions.leave(person=stayer.person, on=JULY_1)  # still a member on 30 June
    make_member("七月入", federation.union_a2, rng, enrolled_on=JULY_1)
    mover = make_member("转会", federation.union_b1, rng, enrolled_on=datetime.date(2018, 1, 5))
    actions.transfer(person=mover.person, to_union=federation.union_a1,
                     on=datetime.date(2018, 5, 1))
    # A transfer keeps one active membership, now in town A.
    assert values(federation.city, H1, admin, key)[key] == base + 2
    assert values(federation.town_a, H1, admin, key)[key] == 1 + 2  # 张三, 七月退, the mover
    assert values(federation.town_b, H1, admin, key)[key] == 1  # 李四 only
    assert values(federation.city, H2, admin, key)[key] == base + 2  # 七月入 in, 七月退 out


def test_benefit_cards_issued(federation: Federation, make_persona: Callable[[str], Any]) -> None:
    admin = make_persona("city_admin")
    key = "people.benefit_cards_issued"
    BenefitCard(number="C-0630", person=federation.person_a, org=federation.union_a1,
                issued_on=JUNE_30).save()
    BenefitCard(number="C-0701", person=federation.person_a, org=federation.union_a1,
                issued_on=JULY_1).save()
    # The fixture's two cards (1 April) and the one of 30 June.
    assert values(federation.city, H1, admin, key)[key] == 3
    assert values(federation.town_b, H1, admin, key)[key] == 1
    assert values(federation.city, H2, admin, key)[key] == 1
    chair = make_persona("chair_a1")
    assert values(federation.city, H1, chair, key)[key] == 2


def test_an_org_outside_scope_gives_nothing(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    cadre = make_persona("town_b_cadre")
    got = indicators.compute(federation.town_a, H1, cadre)
    assert got and all(value == 0 for value in got.values())


def test_no_org_user_sees_zero(federation: Federation, make_persona: Callable[[str], Any]) -> None:
    assert set(indicators.compute(federation.city, H1, make_persona("no_org")).values()) == {0}




def test_money_sums_are_exact_decimals_on_every_database(
    federation: Federation, make_persona: Callable[[str], Any]
) -> None:
    from decimal import Context, Decimal

    from gonghui.activities.models import Activity
    from gonghui.care.models.welfare import CONSOLATION
    from gonghui.core.records.registry import registry

    # 160 amounts whose sum through doubles, read back with 15 digits as Django reads SQLite's
    # sum(), is 649932.879999999 yuan; the records add up to 649932.88.
    rng = random.Random(2019)
    amounts = [Decimal(rng.randrange(200000, 600000)) / 100 for _ in range(160)]
    through_doubles = 0.0
    for amount in amounts:
        through_doubles += float(amount)
    exact = sum(amounts, Decimal(0))
    assert Context(prec=15).create_decimal_from_float(through_doubles) != exact
    union = federation.union_a2  # no sentinel activities: the sum is this test's records
    for n, amount in enumerate(amounts):
        Activity(org=union, kind=CONSOLATION, title=f"走访慰问{n}",
                 start_date=datetime.date(2018, 2, 1), money=amount).save()
    admin = make_persona("city_admin")
    got = values(union, H1, admin, "activities.spent", "care.consolation_amount")
    assert got == {"activities.spent": exact, "care.consolation_amount": exact}
    assert str(got["activities.spent"]) == "649932.88"
    # The exported list's 合计 row says the same sum.
    rows = Activity.objects.filter(org=union)
    assert registry["activities"].table.totals(rows)["money"] == exact
