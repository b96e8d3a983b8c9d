"""The write-behind writer (`core.bulk.WriteBehind`): bulk inserts on a second thread, in the
caller's transaction. Run on both databases: on PostgreSQL the class writes with COPY (the
engine itself writes there at once, see `write_behind`)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from gonghui.core.imports.bulk import WriteBehind, write_behind
from gonghui.core.text.identifiers import id_check_char
from gonghui.orgs.models import Organization
from gonghui.people.models import Person

FIELDS = ["id", "id_number", "name", "name_initials", "id_tail", "sex", "birth_date", "mobile",
          "ethnicity", "education", "political_status", "employer_id", "employer_name",
          "is_migrant", "org", "org_path"]


def number(n: int) -> str:
    first17 = f"37028519900101{n % 1000:03d}"
    return first17 + id_check_char(first17)


def person_row(key: int, n: int, union: Organization) -> tuple[Any, ...]:
    id_number = number(n)
    return (key, id_number, f"测试{n}", "cs", id_number[-4:], "M", f"1990-01-{1 + n % 28:02d}",
            "", "", "", "", None, "", False, union.pk, union.path)


def writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "gonghui-write-behind"]


@pytest.fixture
def union(federation: Any) -> Organization:
    return federation.union_a1


def test_batches_land_in_the_callers_transaction_and_keys_run_on(union):
    before = Person.objects.count()
    with transaction.atomic():
        writer = WriteBehind()
        try:
            first = writer.allocate_ids(Person, 3)
            writer.insert(Person, FIELDS, [person_row(k, 100 + i, union)
                                           for i, k in enumerate(first)], dates_adapted=True)
            # Still queued, perhaps: the next keys continue from the reserved ones.
            second = writer.allocate_ids(Person, 2)
            assert min(second) > max(first)
            writer.insert(Person, FIELDS, [person_row(k, 200 + i, union)
                                           for i, k in enumerate(second)], dates_adapted=True)
            writer.flush()
            assert Person.objects.count() == before + 5
            stored = set(Person.objects.filter(pk__in=first + second)
                         .values_list("id_number", flat=True))
            assert stored == {number(n) for n in (100, 101, 102, 200, 201)}
            # Time stamps are filled in as `auto_now` would.
            assert not Person.objects.filter(pk__in=first, created_at__isnull=True).exists()
        finally:
            writer.close()
    assert Person.objects.count() == before + 5
    assert not writer_threads()


def test_a_refused_batch_raises_in_the_caller_and_the_transaction_keeps_nothing(union):
    before = Person.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic(), write_behind() as writer:
        keys = writer.allocate_ids(Person, 2)
        writer.insert(Person, FIELDS, [person_row(keys[0], 300, union)], dates_adapted=True)
        # The same ID number again: the unique index refuses it on the writer's side.
        writer.insert(Person, FIELDS, [person_row(keys[1], 300, union)], dates_adapted=True)
    assert Person.objects.count() == before
    assert not Person.objects.filter(id_number=number(300)).exists()
    assert not writer_threads()


def test_an_error_in_the_caller_drops_what_is_queued(union):
    before = Person.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic(), write_behind() as writer:
        keys = writer.allocate_ids(Person, 50)
        writer.insert(Person, FIELDS, [person_row(k, 400 + i, union)
                                       for i, k in enumerate(keys)], dates_adapted=True)
        raise RuntimeError("进程被终止")
    assert Person.objects.count() == before
    assert not writer_threads()


def test_a_large_batch_is_split_into_statements_and_all_of_it_lands(union, monkeypatch):
    from gonghui.core.imports import bulk

    monkeypatch.setattr(bulk, "ROWS_PER_STATEMENT", 7)  # 50 rows: 7 full statements and 1
    before = Person.objects.count()
    with transaction.atomic(), write_behind() as writer:
        keys = writer.allocate_ids(Person, 50)
        writer.insert(Person, FIELDS, [person_row(k, 500 + i, union)
                                       for i, k in enumerate(keys)], dates_adapted=True)
    assert Person.objects.count() == before + 50
    assert set(Person.objects.filter(pk__in=keys).values_list("name", flat=True)) == {
        f"测试{500 + i}" for i in range(50)
    }
