"""Sample records come from the apps (gonghui.core.records.samples): the leak matrix's sentinels
from each app's `sentinels(branch)`, and demo records from each app's `demo(build)` step."""

from __future__ import annotations

import pytest

from gonghui.core.records.registry import registry
from gonghui.core.records.samples import sample_modules
from gonghui.demo.federation import BuildingPlan, build_demo
from tests.apps.pieces import samples as pieces_samples
from tests.conftest import SENTINEL_A, SENTINEL_B, Federation

pytestmark = pytest.mark.django_db


def test_every_sentinel_comes_from_the_app_that_declares_the_record_type(
    federation: Federation,
) -> None:
    for key, sentinel in (("a", SENTINEL_A), ("b", SENTINEL_B)):
        planted = federation.planted[key]
        records = {slug: obj for slug, obj in planted.items() if "/" not in slug}
        assert set(records) == {record.slug for record in registry}, key
        # Child rows are planted too, keyed `<parent slug>/<child slug>`, one per declared type.
        assert set(planted) - set(records) == {
            f"{record.slug}/{child.slug}" for record in registry for child in record.children
        }, key
        for slug, obj in records.items():
            record = registry[slug]
            assert isinstance(obj, record.model)
            assert record.base_queryset(None).model is record.model
            # Made by the samples.py of the app the model belongs to.
            app = record.model._meta.app_config
            assert f"{app.name}.samples" in {m.__name__ for m in sample_modules()}, slug
            assert sentinel in str(obj) or sentinel in str(getattr(obj, "person", "")) or (
                sentinel in obj.union.name if hasattr(obj, "union") else False
            ), (slug, str(obj))


def test_an_apps_demo_step_runs_on_the_built_federation() -> None:
    pieces_samples.RAN.clear()
    empty = BuildingPlan(founded=0, enrolled=0, elections=0, homes=0, cards=0, overdue=0)
    result = build_demo(seed=7, unions_per_town=1, members_per_union=0, plan=empty)
    assert [(7, result.organizations)] == pieces_samples.RAN
    assert result.apps["pieces"] == 0
    # The organisations app's step ran before it: no union founded in the half-year, the
    # history of elections and homes only; no roll was asked for, so the people step made none.
    assert result.apps["orgs"] == 0 and "elections" in result.apps and "homes" in result.apps
    assert "members" not in result.apps


def test_the_existing_types_demo_records_are_made_in_their_apps() -> None:
    # The founding, elections, homes, roll and cards are the orgs' and people's steps (their
    # samples.py), run in INSTALLED_APPS order; each says what it made on `progress`.
    lines: list[str] = []
    plan = BuildingPlan(founded=3, enrolled=40, elections=2, homes=1, cards=10, overdue=1)
    result = build_demo(seed=7, unions_per_town=2, members_per_union=2, plan=plan,
                        progress=lines.append)
    assert (result.founded, result.homes) == (3, result.apps["homes"])
    assert result.members == result.apps["members"] > 40
    assert result.cards == result.apps["cards"] > 0
    assert result.elections == result.apps["elections"] > 0
    steps = {m.__name__: m for m in sample_modules()}
    assert hasattr(steps["gonghui.orgs.samples"], "demo")
    assert hasattr(steps["gonghui.people.samples"], "demo")
    text = "\n".join(lines)
    assert text.index("组织：") < text.index("新建工会 3 个") < text.index("会员：")
    assert f"会员 {result.members} 名" in text and f"惠工卡 {result.cards} 张" in text
    assert all(line.endswith("秒）") for line in lines if line.startswith("  "))
