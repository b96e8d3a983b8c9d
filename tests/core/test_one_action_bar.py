"""A record type with row actions and a workflow (the sample kitclaims: 标记加急 beside 提交,
审核通过 …) shows one tick-box column and one action bar on its list: the transitions are record
actions (RecordType.record_actions), taken on the ticked rows through the action page, each row
in its own transaction with its own refusal."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from gonghui.accounts.models import User
from gonghui.core.records.registry import registry
from gonghui.core.workflow.models import Decision
from tests.apps.kitflow import actions
from tests.apps.kitflow.records import URGENT
from tests.conftest import SENTINEL_B, Federation
from tests.core.test_workflow import claim

pytestmark = pytest.mark.django_db


def test_the_list_has_one_tick_box_column_and_one_action_bar(
    federation: Federation, login: Callable[[str], Client],
) -> None:
    record = registry["kitclaims"]
    assert [a.slug for a in record.actions] == ["urgent"]
    assert [a.slug for a in record.record_actions] == [
        "urgent", "submit", "review", "approve", "pay", "send_back", "reject"]
    page = login("town_a_cadre").get(reverse("kitclaims-list")).content.decode()
    table = page[page.index('data-testid="record-table"'):]
    rows = table.count("<tr>") - 1  # the header row
    assert rows >= 1
    # One tick box a row (and one 全选), all in the one form of the action bar.
    assert table.count('type="checkbox"') == rows + 1
    assert len(re.findall(r'name="ids" value="\d+" form="gh-rows"', table)) == rows
    assert 'name="pk"' not in page and 'data-testid="bulk-form"' not in page
    # The bar offers the row action and the transitions the town cadre's role holds.
    bar = page[page.index('data-testid="selected-count"'):page.index('data-testid="row-count"')]
    for slug in ("urgent", "review", "send_back", "reject", "submit"):
        assert f'data-testid="bulk-{slug}"' in bar, slug
    assert 'data-testid="bulk-approve"' not in bar  # a city transition: no grant to the town
    assert 'form="gh-rows"' in bar


def test_ticked_rows_take_a_transition_through_the_action_page_each_with_its_result(
    federation: Federation, login: Callable[[str], Client], make_persona: Callable[[str], User],
) -> None:
    chair = make_persona("chair_a1")
    ready = claim(federation, title="齐全的申请")
    incomplete = claim(federation, title="缺材料的申请", reason="")
    submitted = claim(federation, title="已提交的申请")
    actions.submit(obj=submitted, actor=chair)
    client = login("chair_a1")
    url = reverse("kitclaims-action", kwargs={"action": "submit"})
    ids = [ready.pk, incomplete.pk, submitted.pk, federation.claim_b.pk]
    form = client.get(url, {"ids": ids})
    assert form.status_code == 200
    # Offered to the drafts the chair sees; the submitted one is named as not applying; the
    # other branch's is not there at all.
    assert [o.pk for o in form.context["objects"]] == [ready.pk, incomplete.pk]
    assert [o.pk for o in form.context["skipped"]] == [submitted.pk]
    assert SENTINEL_B not in form.content.decode()

    done = client.post(url, {"ids": ids, "next": reverse("kitclaims-list")})
    assert done.status_code == 302
    said = [str(m) for m in get_messages(done.wsgi_request)]
    assert "已办理提交：1 条（齐全的申请）" in said
    assert any("缺材料的申请：不能提交：请先填写：困难情况" in m for m in said)
    for obj in (ready, incomplete, federation.claim_b):
        obj.refresh_from_db()
    assert (ready.state, incomplete.state, federation.claim_b.state) == (
        "submitted", "draft", "draft")
    # The ledger has the decision, as a transition from the detail page would write it.
    assert Decision.objects.filter(object_id=ready.pk, transition="submit",
                                   actor=chair).exists()


def test_a_transition_action_asks_its_opinion_and_needs_its_permission(
    federation: Federation, login: Callable[[str], Client], make_persona: Callable[[str], User],
) -> None:
    obj = claim(federation)
    actions.submit(obj=obj, actor=make_persona("chair_a1"))
    # The chair holds no 退回修改: the action page is refused like the transition.
    chair = login("chair_a1")
    send_back = reverse("kitclaims-action", kwargs={"action": "send_back"})
    assert chair.get(send_back, {"ids": obj.pk}).status_code == 403
    town = login("town_a_cadre")
    # 退回修改 requires an opinion: without one nothing moves, and the form says so.
    refused = town.post(send_back, {"ids": obj.pk, "opinion": ""})
    assert refused.status_code == 400 and "opinion" in refused.context["form"].errors
    obj.refresh_from_db()
    assert obj.state == "submitted"
    town.post(send_back, {"ids": obj.pk, "opinion": "请补充诊断证明"})
    obj.refresh_from_db()
    assert obj.state == "draft"
    decision = Decision.objects.get(object_id=obj.pk, transition="send_back")
    assert decision.opinion == "请补充诊断证明"
    # The declared row action goes through the same page and bar.
    town.post(reverse("kitclaims-action", kwargs={"action": "urgent"}), {"ids": obj.pk})
    obj.refresh_from_db()
    assert obj.title.startswith(URGENT)
