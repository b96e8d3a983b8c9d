"""The 工作回顾 pages: choose, read, download, edit and save, list per period; scoping."""

from __future__ import annotations

import datetime
import io
import json
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from python_calamine import CalamineWorkbook

from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.reports import indicators
from gonghui.reports.models import Review
from gonghui.reports.periods import Period
from gonghui.reports.review import json_value
from tests.conftest import SENTINEL_A, SENTINEL_B, Federation, make_member

pytestmark = pytest.mark.django_db

INDEX = "review-index"


def page(client: Client, **query: Any) -> Any:
    return client.get(reverse(INDEX), query)


def download(client: Client, **query: Any) -> Any:
    return client.get(reverse("review-export"), query)


def words(html: str) -> str:
    """The page's text without its tags (figures in the review text are links)."""
    return re.sub(r"<[^>]+>", "", html)


def text_of(response: Any) -> str:
    content_type = response["Content-Type"]
    if "wordprocessingml" in content_type:
        return "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    if "spreadsheetml" in content_type:
        book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        return "\n".join(str(c) for row in book.get_sheet_by_index(0).to_python() for c in row)
    return response.content.decode()


def test_town_cadre_reads_and_downloads_their_towns_review_only(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    response = page(client, org="A", period="2018H1")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{SENTINEL_A}镇总工会2018年上半年工作回顾" in body
    assert "上半年发展会员1名。" in words(body)
    assert 'id="gh-review-charts"' in body and "vendor/echarts/echarts.min.js" in body
    for fmt in ("docx", "xlsx"):
        got = download(client, org="A", period="2018H1", format=fmt)
        assert got.status_code == 200
        text = text_of(got)
        assert SENTINEL_A in text and SENTINEL_B not in text
        assert "attachment" in got["Content-Disposition"]
    data = download(client, org="A", period="2018H1", format="json").json()
    assert data["indicators"]["members.enrolled"] == 1
    # The city, town B and B's union are not in the cadre's subtree: 404, as if missing.
    for code in ("C", "B", "B-1", "NOPE"):
        assert page(client, org=code, period="2018H1").status_code == 404
        assert download(client, org=code, period="2018H1", format="json").status_code == 404


def test_a_chart_with_nothing_in_the_period_says_so_instead_of_drawing_bare_axes(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    body = page(login("town_a_cadre"), org="A", period="2030H1").content.decode()
    assert body.count('data-testid="chart-empty"') == body.count("col-lg-6")
    assert "本期没有相关记录" in body and "data-chart-index" not in body
    busy = page(login("town_a_cadre"), org="A", period="2018H1").content.decode()
    assert "data-chart-index" in busy


def test_bad_period_and_format_are_chinese_errors(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    response = page(client, org="A", period="2018H7")
    assert response.status_code == 400
    assert "无法识别的期间“2018H7”" in response.content.decode()
    response = download(client, org="A", period="2018H1", format="pdf")
    assert response.status_code == 400 and "请选择下载格式" in response.content.decode()


def test_menu_entry(federation: Federation, login: Callable[[str], Client]) -> None:
    assert "工作回顾" in login("town_a_cadre").get(reverse("home")).content.decode()
    assert "工作回顾" not in login("auditor").get(reverse("audit-log")).content.decode()
    assert page(login("auditor")).status_code == 403


def save(client: Client, narrative: str, title: str = "上半年回顾", **query: Any) -> Any:
    url = reverse(INDEX) + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(url, {"title": title, "narrative": narrative})


def test_edit_save_list_and_refresh(
    federation: Federation, login: Callable[[str], Client], make_persona: Callable[[str], Any]
) -> None:
    client = login("town_a_cadre")
    form_text = page(client, org="A", period="2018H1").context["form"].initial["narrative"]
    # The editor names figures, never by their code.
    assert "〔发展会员〕" in form_text and "members." not in form_text
    narrative = form_text + "\n（二）我们的补充。本镇新增会员〔发展会员〕，全市一盘棋。"
    response = save(client, narrative, org="A", period="2018H1")
    assert response.status_code == 302
    saved = Review.objects.get()
    assert "本镇新增会员〔members.enrolled〕，" in saved.narrative  # stored by key
    assert (saved.org, saved.period_code, saved.author) == (
        federation.town_a, "2018H1", make_persona("town_a_cadre"))
    assert response["Location"] == reverse("review-detail", args=[saved.pk])
    created = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="reports.review")
    assert created.object_id == str(saved.pk) and "narrative" in created.changes

    detail = client.get(reverse("review-detail", args=[saved.pk])).content.decode()
    assert "本镇新增会员1名，全市一盘棋。" in words(detail)
    # Listed under its period, not under another.
    assert "上半年回顾" in page(client, org="A", period="2018H1").content.decode()
    assert "上半年回顾" not in page(client, org="A", period="2018H2").content.decode()

    # Records change; the saved text shows the new figure without being saved again.
    rng = random.Random(9)
    make_member("新人", federation.union_a2, rng, enrolled_on=datetime.date(2018, 6, 30),
                birth=datetime.date(1991, 1, 1))
    detail = client.get(reverse("review-detail", args=[saved.pk])).content.decode()
    assert "本镇新增会员2名，全市一盘棋。" in words(detail)
    got = download(client, review=saved.pk, format="docx")
    assert "本镇新增会员2名，全市一盘棋。" in text_of(got)
    assert text_of(got).startswith("上半年回顾")

    # Edit and save again: an update audit row with the change.
    response = client.post(reverse("review-detail", args=[saved.pk]),
                           {"title": "上半年回顾（修改）", "narrative": narrative})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.title == "上半年回顾（修改）"
    updated = AuditEntry.objects.get(action=AuditAction.UPDATE, object_type="reports.review")
    assert updated.changes["title"] == {"before": "上半年回顾", "after": "上半年回顾（修改）"}


def test_an_unknown_placeholder_is_refused_with_a_chinese_error(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    response = save(client, "发展会员〔members.enroled〕。", org="A", period="2018H1")
    assert response.status_code == 400
    assert "〔members.enroled〕不是已登记的指标" in response.content.decode()
    assert not Review.objects.exists()


def test_other_branchs_saved_review_is_missing(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    saved = Review.objects.create(org=federation.union_b1, period_code="2018H1",
                                  title=f"{SENTINEL_B}回顾", narrative="〔members.enrolled〕")
    client = login("town_a_cadre")
    assert client.get(reverse("review-detail", args=[saved.pk])).status_code == 404
    post = client.post(reverse("review-detail", args=[saved.pk]), {"title": "x", "narrative": "y"})
    assert post.status_code == 404
    assert download(client, review=saved.pk, format="json").status_code == 404
    assert SENTINEL_B not in page(client, period="2018H1").content.decode()
    saved.refresh_from_db()
    assert saved.title == f"{SENTINEL_B}回顾"
    # The control: town B's cadre opens it.
    assert login("town_b_cadre").get(reverse("review-detail", args=[saved.pk])).status_code == 200


def test_city_json_equals_compute(
    federation: Federation, login: Callable[[str], Client], make_persona: Callable[[str], Any]
) -> None:
    data = json.loads(download(login("city_admin"), org="C", period="2018",
                               format="json").content)
    figures = indicators.compute(federation.city, Period.parse("2018"),
                                 make_persona("city_admin"))
    assert data == {"org": "C", "period": "2018",
                    "indicators": {key: json_value(value) for key, value in figures.items()}}


def test_the_review_opens_on_the_latest_half_year_with_records_and_offers_a_picker(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    """The fixture's records are of 2018: no period asked means 2018年上半年, not today's."""
    for persona in ("town_a_cadre", "chair_a1"):
        response = page(login(persona))
        assert response.status_code == 200, persona
        assert response.context["review"].period.code == "2018H1"
        body = response.content.decode()
        assert 'data-testid="period-fallback"' in body
        assert '<option value="2018H1" selected>2018年上半年</option>' in body
        assert '<option value="2018">2018年</option>' in body


@pytest.mark.parametrize("typed, code", [("2018上半年", "2018H1"), ("2018年下半年", "2018H2"),
                                         ("2018年第三季度", "2018Q3"), ("2018年5月", "2018-05")])
def test_a_period_typed_the_way_a_cadre_writes_it(
    federation: Federation, login: Callable[[str], Client], typed: str, code: str
) -> None:
    response = page(login("town_a_cadre"), period_text=typed)
    assert response.status_code == 200
    assert response.context["review"].period.code == code


def test_the_link_demo_prints_opens_for_town_and_chair_accounts(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    from gonghui.demo.management.commands.demo import DEMO_PERIOD

    for persona in ("city_admin", "town_a_cadre", "chair_a1"):
        response = login(persona).get(f"/reviews/?period={DEMO_PERIOD}")
        assert response.status_code == 200, persona
