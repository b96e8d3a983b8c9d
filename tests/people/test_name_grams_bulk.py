"""Middle-of-name search stays true when the name grams are written set-based (issue 13).

An import's batches write their people's grams in one statement per batch (SQLite: the row
trigger stands aside meanwhile; PostgreSQL: a statement-level trigger); single-row writes,
renames and deletes keep theirs by trigger. After each kind of write the gram table holds
exactly the pairs of every name on record, and the search box finds the middle of a name.
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from gonghui.core.imports.bulk import insert_rows
from gonghui.core.imports.engine import run_import
from gonghui.core.text.identifiers import make_id_number
from gonghui.people.imports import MemberImport
from gonghui.people.models import Membership, Person, PersonNameGram
from tests.conftest import Federation

pytestmark = pytest.mark.django_db

NAMES = ["欧阳杰国", "张杰国", "李小明", "司马相如", "王芳"]


def expected_grams() -> set[tuple[int, str]]:
    return {
        (pk, name[i:i + 2].lower())
        for pk, name in Person.objects.values_list("pk", "name")
        for i in range(len(name) - 1)
    }


def stored_grams() -> set[tuple[int, str]]:
    rows = list(PersonNameGram.objects.values_list("person_id", "gram"))
    assert len(rows) == len(set(rows)), "a pair stored twice"
    return set(rows)


def found(client: Any, query: str) -> set[str]:
    page = client.get(reverse("people-list"), {"q": query})
    assert page.status_code == 200
    return {name for name in [*NAMES, "张建国", "欧阳建国"] if name in page.content.decode()}


def no_deferral_left() -> bool:
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM people_namegramdeferral")
        return cursor.fetchone()[0] == 0


def import_roll(federation: Federation, user: Any, tmp_path: Path) -> Any:
    rng = random.Random(31)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([c.header for c in MemberImport.columns])
    for n, name in enumerate(NAMES):
        number = make_id_number(rng, area_code="370285",
                                birth_date=datetime.date(1980, 1, 1 + n), sex="M")
        sheet.append([name, number, "", federation.union_a1.code, "2020-01-01"])
    path = tmp_path / "roll.xlsx"
    book.save(path)
    result = run_import(MemberImport(), path, user=user, filename=path.name)
    assert (result.created, result.rejected) == (len(NAMES), 0), result.summary()
    return result


def test_after_a_bulk_import_a_rename_and_a_delete_the_middle_of_a_name_is_found(
    federation: Federation, make_persona: Any, login: Any, tmp_path: Path
) -> None:
    import_roll(federation, make_persona("town_a_cadre"), tmp_path)
    assert stored_grams() == expected_grams()
    assert no_deferral_left()
    client = login("city_admin")
    assert found(client, "杰国") == {"欧阳杰国", "张杰国"}
    assert found(client, "马相") == {"司马相如"}

    zhang = Person.objects.get(name="张杰国")
    zhang.name = "张建国"
    zhang.save()
    assert stored_grams() == expected_grams()
    assert found(client, "杰国") == {"欧阳杰国"}
    assert "张建国" in found(client, "建国")

    Membership.objects.filter(person__name="欧阳杰国").delete()
    Person.objects.filter(name="欧阳杰国").delete()
    assert stored_grams() == expected_grams()
    assert found(client, "杰国") == set()
    # A single row written by the ORM still gets its pairs from the trigger.
    Person.objects.create(name="欧阳建国", id_number=make_id_number(
        random.Random(2), area_code="370285", birth_date=datetime.date(1970, 1, 1), sex="M"),
        sex="M", birth_date=datetime.date(1970, 1, 1), org=federation.union_a1)
    assert stored_grams() == expected_grams()
    assert found(client, "阳建") == {"欧阳建国"}


def test_a_bulk_insert_with_and_without_keys_and_a_failed_one(federation: Federation) -> None:
    """The direct bulk path: rows with their keys (set-based upkeep), rows without (the
    triggers' own work), and a batch that fails leaves no deferral behind."""
    from django.db import IntegrityError, transaction

    from gonghui.core.imports.bulk import allocate_ids

    rng = random.Random(5)
    union = federation.union_a2

    fields = ["id_number", "name", "sex", "birth_date", "org", "org_path", "id_tail",
              "name_initials", "mobile", "ethnicity", "education", "political_status",
              "employer_name", "is_migrant"]

    def row(name: str, day: int, number: str = "") -> list[Any]:
        number = number or make_id_number(rng, area_code="370285",
                                          birth_date=datetime.date(1985, 2, day), sex="F")
        return [number, name, "F", datetime.date(1985, 2, day), union.pk, union.path,
                number[-4:], "", "", "", "", "", "", False]

    keys = allocate_ids(Person, 2)
    insert_rows(Person, ["id", *fields],
                [[keys[0], *row("上官婉儿", 1)], [keys[1], *row("诸葛孔明", 2)]])
    insert_rows(Person, fields, [row("东方不败", 3)])
    assert stored_grams() == expected_grams()
    assert {"婉儿", "葛孔", "方不"} <= {gram for _pk, gram in stored_grams()}
    assert no_deferral_left()

    taken = Person.objects.first()
    assert taken is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        # The same ID number twice: the batch fails and is rolled back.
        insert_rows(Person, ["id", *fields],
                    [[allocate_ids(Person, 1)[0], *row("重复的人", 4, taken.id_number)]])
    assert no_deferral_left()
    assert stored_grams() == expected_grams()
