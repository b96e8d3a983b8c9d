"""The name's character pairs (`PersonNameGram`) are kept by the database itself: whatever
writes a person (the ORM, a bulk INSERT as the importers and the demo generator do, an update,
a delete), the pairs follow, so a middle-of-the-name search never misses or finds a stale name."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from gonghui.people.models import Person, PersonNameGram
from gonghui.people.records import name_search
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def grams_of(person: Person) -> set[str]:
    return set(PersonNameGram.objects.filter(person_id=person.pk).values_list("gram", flat=True))


def test_pairs_follow_every_write(federation) -> None:
    member = make_member("张杰国", federation.union_a1, random.Random(1))
    person = member.person
    assert grams_of(person) == {"张杰", "杰国"}
    Person.objects.filter(pk=person.pk).update(name="李国强")  # no save(): SQL alone
    assert grams_of(person) == {"李国", "国强"}
    Person.objects.filter(pk=person.pk).update(mobile="13800000000")  # name untouched
    assert grams_of(person) == {"李国", "国强"}


def test_a_raw_insert_gets_its_pairs_and_a_delete_takes_them(federation) -> None:
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (created_at, updated_at, org_id, org_path, id_number, name, "
            "name_initials, id_tail, sex, birth_date, mobile, ethnicity, education, "
            "political_status, employer_name, is_migrant) VALUES "
            "(%s, %s, %s, %s, %s, %s, '', '0012', 'M', '1990-01-01', '', '', '', '', '', %s)",
            ["2024-01-01 00:00:00", "2024-01-01 00:00:00", federation.union_a1.pk,
             federation.union_a1.path, "11010119900101001X", "欧阳娜娜", False],
        )
    person = Person.objects.get(id_number="11010119900101001X")
    assert grams_of(person) == {"欧阳", "阳娜", "娜娜"}
    assert list(Person.objects.filter(name_search("", "阳娜"))) == [person]
    pk = person.pk
    person.delete()
    assert not PersonNameGram.objects.filter(person_id=pk).exists()


def test_the_search_reads_the_pairs_index_not_every_name(federation) -> None:
    """At a million names the query must start from the pairs' index (EXPLAIN says how)."""
    make_member("张杰国", federation.union_a1, random.Random(2))
    sql, params = Person.objects.filter(name_search("", "杰国")).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # a tiny table: plan as for a large one
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "person_name_gram" in plan, plan
