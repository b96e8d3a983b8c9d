"""A summer-cooling delivery in a real browser: a town cadre records it as an activity of the
care app's kind, adds the units it reached and a photo, then finds the figure on the review and
follows it to the records it counts."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from gonghui.activities.models import Activity, ActivityUnit
from gonghui.care.models.welfare import COOLING
from gonghui.core.attachments.models import Attachment
from tests.browser.signin import sign_in
from tests.conftest import Federation


@pytest.fixture
def town_a_cadre(make_persona: Callable[[str], Any]) -> Any:
    return make_persona("town_a_cadre")  # before `page`: see tests/browser/conftest.py


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 60, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.browser
def test_a_cadre_records_a_cooling_delivery_and_follows_its_figure(
    transactional_db: Any, federation: Federation, town_a_cadre: Any, live_server: Any,
    page: Any,
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base)

    # The delivery: an activity of the kind 夏送清凉, its organisation chosen in the picker.
    page.goto(f"{base}/activities/new/")
    page.get_by_label("活动类型").select_option(label="夏送清凉")
    page.get_by_label("活动名称").fill("高温一线送清凉")
    union = federation.union_a1
    page.get_by_label("所属组织").fill(union.code)
    page.get_by_role("button", name=f"{union.name}（{union.code}）").click()
    page.get_by_label("开始日期").fill("2018-06-26")
    page.get_by_label("物资价值（元）").fill("8600.50")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("高温一线送清凉")
    delivery = Activity.objects.get(title="高温一线送清凉")
    assert delivery.kind == COOLING
    expect(page).to_have_url(f"{base}/activities/{delivery.pk}/")

    # The units reached, added inside the page: one an enterprise on record, one by name.
    for unit in (federation.enterprise_a.name, "城区环卫所"):
        page.get_by_test_id("children-units").get_by_role("link", name="添加").click()
        page.locator("#child-form-units #id_unit").fill(unit)
        page.get_by_test_id("children-units").get_by_role(
            "button", name="保存", exact=True).click()
        expect(page.get_by_test_id("children-units")).to_contain_text(unit)
    expect(page.get_by_test_id("children-units").get_by_test_id("aggregate-units")
           ).to_contain_text("2")
    assert ActivityUnit.objects.get(activity=delivery, unit_name=federation.enterprise_a.name
                                    ).enterprise == federation.enterprise_a

    # A photo of the delivery, with its caption.
    form = page.get_by_test_id("attachments").get_by_test_id("attachment-upload")
    form.get_by_label("类别").select_option("photo")
    form.get_by_label("文件").set_input_files(
        {"name": "送清凉.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    form.get_by_label("说明").fill("为环卫工人送去西瓜和矿泉水")
    form.get_by_role("button", name="上传").click()
    expect(page.get_by_test_id("gallery").locator("figure", has_text="为环卫工人送去西瓜和矿泉水")
           ).to_have_count(1)
    assert Attachment.objects.filter(object_id=delivery.pk, kind="photo").exists()
    page.screenshot(path="/tmp/browser-welfare-cooling.png", full_page=True)

    # The review of town A for 2018H1: the units figure counts the branch's sentinel delivery
    # (one unit) and this one (two), and links to exactly those deliveries.
    page.goto(f"{base}/reviews/?org={federation.town_a.code}&period=2018H1")
    expect(page.get_by_test_id("review-text")).to_contain_text("开展“夏送清凉”活动，为3个单位")
    # The figure table's link (the narrative links the same records as 〔3个〕, class gh-figure).
    figure = page.locator('a[data-indicator="care.cooling_units"]:not(.gh-figure)')
    expect(figure).to_have_text("3")
    figure.click()
    expect(page).to_have_url(re.compile(r"/activities/\?.*kind=care\.cooling"))
    table = page.get_by_test_id("record-table")
    expect(table).to_contain_text("高温一线送清凉")
    expect(table).to_contain_text("夏送清凉")
    expect(page.get_by_test_id("row-count")).to_have_text("共 2 条")
    page.screenshot(path="/tmp/browser-welfare-figure.png", full_page=True)
    assert not errors, errors
