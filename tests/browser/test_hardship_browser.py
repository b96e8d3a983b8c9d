"""A household's hardship file and its relief in a real browser, as new users would do it: the
chair registers the household and uploads its documents, the town reviews, the city approves;
the chair pays it in a batch, which goes up the same chain and is paid by a second city
account; the batch's page then shows the public list with the name masked."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts.actions import create_user
from gonghui.accounts.roles import Role
from tests.browser.signin import sign_in
from tests.conftest import PASSWORD, SENTINEL_A, Federation, make_member

PDF = b"%PDF-1.4\n% household\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture
def cast(federation: Federation, make_persona: Callable[[str], Any]) -> dict[str, Any]:
    """Everyone, made before `page` (tests/browser/conftest.py)."""
    city = {}
    for name in ("city_approver", "city_cashier"):
        city[name] = create_user(username=name, org=federation.city, roles=[Role.CITY_ADMIN],
                                 password=PASSWORD)
        TOTPDevice.objects.create(user=city[name], name="测试验证器", confirmed=True)
    worker = make_member(f"{SENTINEL_A}新户", federation.union_a1, random.Random(99)).person
    return {"chair": make_persona("chair_a1"), "town": make_persona("town_a_cadre"),
            **city, "worker": worker}


@pytest.mark.browser
def test_a_household_from_registration_to_the_public_list(
    transactional_db: Any, federation: Federation, cast: dict[str, Any], live_server: Any,
    page: Any,
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    worker = cast["worker"]
    union = federation.union_a1

    def take(url: str, step: str, label: str, opinion: str = "") -> None:
        page.goto(url)
        form = page.get_by_test_id(f"transition-{step}")
        if opinion:
            form.locator("textarea").fill(opinion)
        form.get_by_role("button", name=label).click()
        expect(page.locator(".alert-danger")).to_have_count(0)

    def pick(label: str, typed: str, choice: str, within: Any = None) -> None:
        scope = within or page
        scope.get_by_label(label).fill(typed)
        scope.get_by_role("button", name=choice).click()

    # The chair registers the household.
    sign_in(page, base, "chair_a1")
    page.goto(f"{base}/hardship/new/")
    pick("困难职工", worker.name, f"{worker.name}（身份证号尾号{worker.id_number[-4:]}）")
    pick("所属组织", union.code, f"{union.name}（{union.code}）")
    page.get_by_label("收支年度").fill("2018")
    page.get_by_label("建档日期").fill("2018-03-01")
    page.get_by_label("家庭人口").fill("3")
    page.get_by_label("家庭年收入（元）").fill("24000")
    page.get_by_label("刚性支出（元）").fill("6000")
    page.get_by_label("主要致困原因").select_option(label="患重特大疾病")
    page.get_by_label("家庭住址").fill("幸福路9号")
    page.get_by_label("银行卡号").fill("6222021234567890123")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/hardship/\d+/$"))
    file_url = page.url
    expect(page.get_by_test_id("workflow-state")).to_have_text("草稿")
    for kind, label in (("income_proof", "收入证明"), ("hukou", "户口本")):
        form = page.get_by_test_id("attachment-upload")
        form.get_by_label("类别").select_option(kind)
        form.get_by_label("文件").set_input_files(
            {"name": f"{label}.pdf", "mimeType": "application/pdf", "buffer": PDF})
        form.get_by_role("button", name="上传").click()
        expect(page.get_by_test_id("attachments")).to_contain_text(f"{label}.pdf")
    take(file_url, "submit", "提交")
    expect(page.get_by_test_id("workflow-state")).to_have_text("已提交")
    # The chair sees no review button on their own file; the town reviews, the city approves.
    expect(page.get_by_test_id("transition-review")).to_have_count(0)
    sign_in(page, base, "town_a_cadre")
    take(file_url, "review", "镇街审核通过", "入户核实，情况属实")
    sign_in(page, base, "city_approver")
    take(file_url, "approve", "市总审批通过", "同意建档")
    expect(page.get_by_test_id("workflow-state")).to_have_text("在档")

    # The chair pays the household in a batch.
    sign_in(page, base, "chair_a1")
    page.goto(f"{base}/relief-batches/new/")
    pick("所属组织", union.code, f"{union.name}（{union.code}）")
    page.get_by_label("发放批次编号").fill("A-2018-CJ")
    page.get_by_label("批次名称").fill("2018年春节送温暖")
    page.get_by_label("救助类别").select_option(label="春节送温暖")
    page.get_by_label("资金来源").select_option(label="市总工会帮扶资金")
    page.get_by_label("发放日期").fill("2018-02-01")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/relief-batches/\d+/$"))
    batch_url = page.url
    card = page.get_by_test_id("children-lines")
    card.get_by_role("link", name="添加").click()
    line_form = page.locator("#child-form-lines")
    pick("救助对象", worker.name, f"{worker.name}（身份证号尾号{worker.id_number[-4:]}）",
         within=line_form)
    line_form.get_by_label("金额（元）").fill("1500")
    page.get_by_test_id("children-lines").get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_test_id("children-lines")).to_contain_text("1500")
    take(batch_url, "submit", "提交")
    sign_in(page, base, "town_a_cadre")
    take(batch_url, "review", "镇街审核通过")
    sign_in(page, base, "city_approver")
    take(batch_url, "approve", "市总审批通过", "同意发放")
    # The approver may not also pay: no button for them; the cashier pays.
    expect(page.get_by_test_id("transition-pay")).to_have_count(0)
    sign_in(page, base, "city_cashier")
    take(batch_url, "pay", "确认发放")
    expect(page.get_by_test_id("workflow-state")).to_have_text("已发放")

    public = page.get_by_test_id("public-list")
    masked = worker.name[0] + "*" * (len(worker.name) - 2) + worker.name[-1]
    expect(public).to_contain_text(masked)
    expect(public).not_to_contain_text(worker.name)
    expect(public.get_by_test_id("public-total")).to_have_text("1500.00")
    page.screenshot(path="/tmp/browser-hardship.png", full_page=True)
