"""A mutual insurance claim in a real browser, as two cadres would handle it: one receives it
(pickers for the member and the unit) and uploads the diagnosis and the invoice; the review and
payment buttons are not offered to them; a second cadre reviews and pays it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gonghui.accounts.actions import create_user
from gonghui.accounts.roles import Role
from gonghui.care.models.insurance import InsuranceClaim
from tests.browser.signin import sign_in
from tests.conftest import PASSWORD, Federation, sample_pdf


@pytest.fixture
def cadres(make_persona: Callable[[str], Any], federation: Federation) -> tuple[Any, Any]:
    # Before `page`: see tests/browser/conftest.py.
    maker = make_persona("town_a_cadre")
    checker = create_user(username="town_a_checker", org=federation.town_a,
                          roles=[Role.TOWN_CADRE], password=PASSWORD)
    return maker, checker


def upload(page: Any, kind: str, name: str) -> None:
    from playwright.sync_api import expect

    form = page.get_by_test_id("attachment-upload")
    form.get_by_label("类别").select_option(kind)
    form.get_by_label("文件").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": sample_pdf(name)}
    )
    form.get_by_role("button", name="上传").click()
    expect(page.get_by_test_id(f"attachment-kind-{kind}")).to_contain_text(name)


@pytest.mark.browser
def test_a_claim_is_received_reviewed_and_paid_by_two_cadres(
    transactional_db: Any,
    federation: Federation,
    cadres: tuple[Any, Any],
    live_server: Any,
    page: Any,
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    person = federation.planted["a"]["people"]
    unit = federation.planted["a"]["enterprises"]

    sign_in(page, base, "town_a_cadre")
    page.goto(f"{base}/insurance-claim/new/")
    page.get_by_label("理赔人").fill(person.name)
    page.get_by_role("button", name=f"{person.name}（身份证号尾号{person.id_tail}）").click()
    page.get_by_label("参保单位").fill(unit.name)
    page.get_by_role("button", name=unit.name).click()
    page.get_by_label("理赔类别").select_option(label="住院")
    page.get_by_label("受理日期").fill("2018-05-03")
    page.get_by_label("申请金额（元）").fill("5600.00")
    page.get_by_label("赔付金额（元）").fill("4200.50")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("workflow-state")).to_have_text("已受理")
    claim = InsuranceClaim.objects.get(amount_claimed="5600.00")
    upload(page, "diagnosis", "诊断证明.pdf")
    upload(page, "invoice", "住院发票.pdf")
    # The maker is offered neither review nor payment of their own claim.
    page.reload()
    expect(page.get_by_test_id("transition-review")).to_have_count(0)
    expect(page.get_by_test_id("no-transitions")).to_be_visible()
    page.get_by_role("button", name="退出").click()

    sign_in(page, base, "town_a_checker")
    page.goto(f"{base}/insurance-claim/{claim.pk}/")
    review = page.get_by_test_id("transition-review")
    review.get_by_label("审核通过意见").fill("材料齐全，同意赔付")
    review.get_by_role("button", name="审核通过").click()
    expect(page.get_by_test_id("workflow-state")).to_have_text("已审核")
    page.get_by_test_id("transition-pay").get_by_role("button", name="赔付").click()
    expect(page.get_by_test_id("workflow-state")).to_have_text("已赔付")
    expect(page.get_by_test_id("timeline")).to_contain_text("材料齐全，同意赔付")
    page.screenshot(path="/tmp/browser-insurance.png", full_page=True)
    claim.refresh_from_db()
    assert (claim.state, str(claim.amount_paid)) == ("paid", "4200.50")
    assert claim.paid_on is not None
