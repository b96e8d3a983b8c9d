"""A town cadre edits the review in a real browser: figures are named, never coded; a figure
is inserted from the picker; a figure in the text opens the records it counts.

Screenshots land in /tmp/browser-review-editor-*.png for a human to look at; not committed.
"""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable
from typing import Any

import pytest

from gonghui.reports.models import Review
from tests.browser.signin import sign_in
from tests.conftest import Federation, make_member

KEY = re.compile(r"\b(?:members|orgs|people|activities)\.[a-z_]+\b")


@pytest.mark.browser
def test_cadre_inserts_a_named_figure_and_follows_a_figure_to_its_records(
    transactional_db: Any, federation: Federation, make_persona: Callable[[str], Any],
    live_server: Any, page: Any,
) -> None:
    from playwright.sync_api import expect

    make_persona("town_a_cadre")
    rng = random.Random(4)
    for n in range(2):
        make_member(f"新会员{n}", federation.union_a2, rng, enrolled_on=datetime.date(2018, 5, 2),
                    birth=datetime.date(1992, 3, 1 + n))
    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/reviews/?org=A&period=2018H1")

    text = page.get_by_test_id("review-text")
    expect(text).to_contain_text("发展会员3名")
    editor = page.get_by_label("正文")
    assert "〔发展会员〕" in editor.input_value()
    # Nothing on the page is an indicator code: not the text, the editor or the figure table.
    assert not KEY.search(page.locator("main").inner_text())
    assert not KEY.search(editor.input_value())

    # Add a sentence, its figure chosen from the picker (grouped by app, in Chinese).
    editor.press("End")
    editor.press("Control+End")
    editor.type("\n（三）本镇补充。截至期末在会会员")
    page.get_by_label("插入指标").select_option(label="在会会员（名）")
    page.get_by_role("button", name="插入到光标处").click()
    editor.type("。")
    assert editor.input_value().endswith("截至期末在会会员〔在会会员〕。")
    page.get_by_label("标题").fill("上半年工作回顾")
    page.get_by_test_id("review-form").get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    saved = Review.objects.get()
    assert "〔members.active〕" in saved.narrative  # stored by key, shown by name
    expect(page.get_by_test_id("review-text")).to_contain_text("截至期末在会会员")
    assert editor.input_value().endswith("截至期末在会会员〔在会会员〕。")
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(200)
        page.screenshot(path=f"/tmp/browser-review-editor-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})

    # A typo'd name is refused in Chinese and the typed text stays in the box.
    editor.fill(editor.input_value() + "另有〔在册会员〕。")
    page.get_by_test_id("review-form").get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("〔在册会员〕不是指标名称")
    assert editor.input_value().endswith("另有〔在册会员〕。")

    # The figure in the text opens the list of exactly the members it counts.
    page.get_by_test_id("review-text").locator('a[data-indicator="members.enrolled"]').first.click()
    expect(page.get_by_test_id("row-count")).to_have_text("共 3 条")
