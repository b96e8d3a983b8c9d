"""The care and insurance figures in each output of the review: the charts per direct child, the
xlsx (a row per child, 本级 and 合计, money in 元 to the fen), the docx text and the JSON (figures
with their Chinese names and units). The test federation's sentinels give every branch records of
each kind, so no figure here is a trivial zero."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from docx import Document

from gonghui.care.models.hardship import ReliefPayment
from gonghui.care.models.insurance import InsuranceClaim
from gonghui.orgs.models import Organization
from gonghui.reports import indicators, outputs
from gonghui.reports.periods import Period
from gonghui.reports.review import compile_review
from tests.conftest import Federation

pytestmark = pytest.mark.django_db

H1 = Period.parse("2018H1")
CARE = [item for item in indicators.registered()
        if item.key.startswith(("care.", "insurance."))]


def name(item: indicators.Indicator) -> str:
    return f"{item.label}（{item.unit}）"


def claims_paid(org: Organization) -> Decimal:
    """The yuan paid on the claims of `org`'s subtree in 2018H1, added up here, record by
    record."""
    paid = InsuranceClaim.objects.filter(state="paid", org_path__startswith=org.path,
                                         paid_on__range=(H1.start, H1.end))
    return sum((claim.amount_paid or Decimal(0) for claim in paid), Decimal(0))


def relief_paid(org: Organization) -> Decimal:
    lines = ReliefPayment.objects.filter(batch__state="paid", rejected=False,
                                         org_path__startswith=org.path,
                                         paid_on__range=(H1.start, H1.end))
    return sum((line.amount for line in lines), Decimal(0))


@pytest.fixture
def review_of_city(federation: Federation, make_persona: Callable[[str], Any]) -> Any:
    return compile_review(federation.city, H1, make_persona("city_admin"))


def test_the_care_figures_are_in_the_test_federation(federation: Federation) -> None:
    assert len(CARE) == 14
    for town in (federation.town_a, federation.town_b):
        assert claims_paid(town) > 0 and relief_paid(town) > 0


def test_every_care_figure_is_charted_per_direct_child(
    federation: Federation, review_of_city: Any, make_persona: Callable[[str], Any]
) -> None:
    admin = make_persona("city_admin")
    data = outputs.chart_data(review_of_city)
    series = {s["name"]: (chart["categories"], s["data"]) for chart in data
              for s in chart["series"]}
    towns = [federation.town_a, federation.town_b]
    for item in CARE:
        categories, values = series[name(item)]
        assert categories == [town.name for town in towns], item.key
        per_town = [indicators.compute(town, H1, admin, [item.key])[item.key] for town in towns]
        assert values == [float(v) if isinstance(v, Decimal) else v for v in per_town], item.key
        assert all(values), item.key  # each branch's records show on its bar
    # The money, against the records themselves.
    assert series["互助保障理赔金额（元）"][1] == [float(claims_paid(t)) for t in towns]
    assert series["发放救助金（元）"][1] == [float(relief_paid(t)) for t in towns]
    # Yuan never share a chart with heads or units.
    for chart in data:
        in_yuan = {s["name"].endswith("（元）") for s in chart["series"]}
        assert len(in_yuan) == 1, chart["title"]


def test_the_xlsx_has_the_care_figures_per_child_and_money_to_the_fen(
    federation: Federation, review_of_city: Any, make_persona: Callable[[str], Any]
) -> None:
    admin = make_persona("city_admin")
    sheet = openpyxl.load_workbook(io.BytesIO(outputs.to_xlsx(review_of_city)))["指标汇总"]
    rows = list(sheet.iter_rows(min_row=2))
    header = [cell.value for cell in rows[0]]
    body, total = rows[1:-1], rows[-1]
    assert [row[1].value for row in body] == ["A", "B", "C"]  # the towns, then 本级
    assert body[-1][2].value == "测试市总工会（本级）" and total[0].value == "合计"
    for item in CARE:
        col = header.index(name(item))
        for row, town in zip(body, (federation.town_a, federation.town_b), strict=False):
            want = indicators.compute(town, H1, admin, [item.key])[item.key]
            assert row[col].value == want, (item.key, town.code)
        if item.additive:
            assert total[col].value == review_of_city.values[item.key], item.key
        else:
            assert total[col].value is None, item.key  # distinct people do not add up
        cells = [row[col] for row in [*body, total] if row[col].value is not None]
        if item.unit == "元":
            assert {cell.number_format for cell in cells} == {outputs.MONEY_FORMAT}, item.key
        else:
            assert outputs.MONEY_FORMAT not in {cell.number_format for cell in cells}, item.key
    paid = header.index("互助保障理赔金额（元）")
    assert [Decimal(str(row[paid].value)) for row in body[:2]] == [
        claims_paid(federation.town_a), claims_paid(federation.town_b)]


def test_the_docx_says_the_care_paragraph_with_its_figures(review_of_city: Any) -> None:
    document = Document(io.BytesIO(outputs.to_docx(review_of_city)))
    text = "\n".join(p.text for p in document.paragraphs)
    lead = "扎实做好帮扶救助和普惠服务工作。"
    care = next(b for b in review_of_city.blocks if b.lead.endswith(lead))
    assert care.lead + care.text in text
    said = {piece.key for piece in care.pieces if piece.key}
    assert {item.key for item in CARE} <= said  # every care figure is in the paragraph
    # The claims paid from records, in the text: 4200.50 yuan → 4200余元.
    assert review_of_city.values["insurance.claims_paid_amount"] == claims_paid(
        review_of_city.org) == Decimal("4200.50")
    assert "理赔金额达到4200余元。" in text


def test_the_json_carries_each_care_figure_counts_as_numbers_money_to_the_fen(
    federation: Federation, review_of_city: Any
) -> None:
    data = json.loads(outputs.to_json(review_of_city))
    for item in CARE:
        value = data["indicators"][item.key]
        if item.unit == "元":
            assert isinstance(value, str) and Decimal(value) == review_of_city.values[item.key]
            assert value.partition(".")[2] and len(value.partition(".")[2]) == 2, value
        else:
            assert isinstance(value, int), item.key
    assert Decimal(data["indicators"]["insurance.claims_paid_amount"]) == claims_paid(
        federation.city)
    assert Decimal(data["indicators"]["care.relief_amount"]) == relief_paid(federation.city)
