"""Child rows in a real browser: add, edit (over someone else's change) and delete a unit reached
inside the activity's page (htmx), without leaving it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from gonghui.activities.models import ActivityUnit
from tests.browser.signin import sign_in
from tests.conftest import Federation


@pytest.fixture
def town_a_cadre(make_persona: Callable[[str], Any]) -> Any:
    return make_persona("town_a_cadre")  # before `page`: see tests/browser/conftest.py


@pytest.mark.browser
def test_a_cadre_adds_and_deletes_a_unit_inline(
    transactional_db: Any, federation: Federation, town_a_cadre: Any, live_server: Any,
    page: Any,
) -> None:
    from playwright.sync_api import expect

    activity = federation.activity_a
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base)
    detail = f"{base}/activities/{activity.pk}/"
    page.goto(detail)

    card = page.get_by_test_id("children-units")
    card.get_by_role("link", name="添加").click()
    page.locator("#child-form-units #id_unit").fill("港区物流公司")
    page.locator("#child-form-units #id_amount").fill("120.50")
    page.get_by_test_id("children-units").get_by_role("button", name="保存", exact=True).click()
    card = page.get_by_test_id("children-units")
    expect(card).to_contain_text("港区物流公司")
    expect(card.get_by_test_id("aggregate-amount")).to_contain_text("120.50")
    expect(page).to_have_url(detail)  # no page load: the table was swapped in place
    page.screenshot(path="/tmp/browser-child-rows.png", full_page=True)

    # An edit over someone else's change: refused in the form, the typed amount kept; a
    # second 保存 (the form now carries the current version) saves it.
    card.get_by_role("row").filter(has_text="港区物流公司").get_by_role(
        "link", name="编辑").click()
    amount = page.locator("#child-form-units #id_amount")
    amount.fill("99.90")
    ActivityUnit.objects.filter(unit_name="港区物流公司").update(note="他人刚改过")
    save = page.get_by_test_id("children-units").get_by_role("button", name="保存", exact=True)
    save.click()
    expect(page.locator("#child-form-units")).to_contain_text("该行已被他人修改")
    expect(page.locator("#child-form-units #id_amount")).to_have_value("99.90")
    save.click()
    card = page.get_by_test_id("children-units")
    expect(card.get_by_test_id("aggregate-amount")).to_contain_text("99.90")

    page.once("dialog", lambda dialog: dialog.accept())
    row = card.get_by_role("row").filter(has_text="港区物流公司")
    row.get_by_role("link", name="删除").click()
    expect(page.get_by_test_id("children-units")).not_to_contain_text("港区物流公司")
    expect(page).to_have_url(re.compile(rf"/activities/{activity.pk}/$"))
    assert not ActivityUnit.objects.filter(unit_name="港区物流公司").exists()
    assert not errors, errors
