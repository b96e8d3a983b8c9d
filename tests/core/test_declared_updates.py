"""Declared imports update the record a row's natural key matches (core.imports.declared):
within the importer's subtree only, with a Chinese reason for a match outside it, and not at
all for a type declared create-only."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gonghui.core.imports.declared import Field, RecordImport
from gonghui.core.imports.engine import run_import
from gonghui.core.records.registry import registry
from gonghui.orgs.models import Election, WorkersHome
from gonghui.people.models import BenefitCard
from tests.conftest import Federation
from tests.orgs.test_election_records import ELECTION_HEADERS, rejected
from tests.people.test_member_import import write_book

pytestmark = pytest.mark.django_db


def headers(slug: str) -> list[str]:
    return [column.header for column in registry[slug].import_spec.columns]  # type: ignore[union-attr]


def test_a_workers_home_row_updates_the_home_of_that_union_level_and_year(
    federation: Federation, make_persona: Callable[[str], Any], tmp_path: Path,
) -> None:
    home = federation.planted["a"]["homes"]  # county level, 2017, has a venue
    cadre = make_persona("town_a_cadre")
    names = headers("homes")
    row: dict[str, Any] = {names[0]: home.union.code, names[1]: "县级模范职工之家",
                           names[2]: "2017", names[3]: "2018-03-20"}
    row[names[names.index(str(WorkersHome._meta.get_field("has_venue").verbose_name))]] = "否"
    path = write_book(tmp_path / "职工之家.xlsx", [row], headers=names)
    result = run_import(registry["homes"].import_spec, path, user=cadre)
    assert (result.created, result.updated, result.rejected) == (0, 1, 0), rejected(result)
    home.refresh_from_db()
    assert (home.awarded_on, home.has_venue) == (datetime.date(2018, 3, 20), False)
    assert WorkersHome.objects.filter(union=home.union).count() == 1


def test_a_match_outside_the_subtree_is_refused_and_left_alone(
    federation: Federation, make_persona: Callable[[str], Any], tmp_path: Path,
) -> None:
    theirs = federation.planted["b"]["cards"]
    mine = federation.planted["a"]["people"]
    # The cards' own import is create-only (a card is not reassigned by a spreadsheet); the
    # same declaration allowing updates matches by card number, which no subtree bounds.
    assert registry["cards"].import_spec.updates is False  # type: ignore[union-attr]
    spec = RecordImport("number", "person", "issued_on", Field("org", header="发卡组织编码"))
    spec.bind(registry["cards"])
    path = write_book(tmp_path / "惠工卡.xlsx", [
        [theirs.number, mine.id_number, "2018-05-01", federation.union_a1.code],
    ], headers=headers("cards"))
    result = run_import(spec, path, user=make_persona("town_a_cadre"))
    assert (result.created, result.updated, result.rejected) == (0, 0, 1)
    assert "已有记录，但不在您的管辖范围内，不能更新" in rejected(result)[1]
    theirs.refresh_from_db()
    assert theirs.person_id != mine.pk and theirs.issued_on != datetime.date(2018, 5, 1)
    assert BenefitCard.objects.filter(number=theirs.number).count() == 1


def test_a_type_declared_create_only_refuses_a_match_as_a_duplicate(
    federation: Federation, make_persona: Callable[[str], Any], tmp_path: Path,
) -> None:
    spec = RecordImport("union", "held_on", "term_years", "guided_by", updates=False)
    spec.bind(registry["elections"])
    path = write_book(tmp_path / "换届.xlsx", [["A-1", "2016-05-10", "3", ""]],
                      headers=ELECTION_HEADERS)
    result = run_import(spec, path, user=make_persona("town_a_cadre"))
    assert (result.created, result.updated, result.rejected) == (0, 0, 1)
    assert "该工会在这一天已有换届记录" in rejected(result)[1]
    assert Election.objects.get(union=federation.union_a1,
                                held_on=datetime.date(2016, 5, 10)).term_years == 5
