"""The compiled review as Word (.docx), Excel (.xlsx), JSON and the HTML page's chart data.

- .docx: docxtpl fills `reports/docx/review.docx` (GB/T 9704 styles, built and committed by
  `scripts/make_review_template.py`): the title, level-1 headings, body paragraphs with their
  run-in level-2 lead in 楷体.
- .xlsx: indicators (columns) × the organisation's direct children (rows), then the 本级 row
  (records owned by the organisation itself) and 合计. For an additive indicator 合计 is the sum
  of the rows, which is also the whole subtree's figure; a non-additive one gets no sum and the
  说明 column says why.
- JSON: `{"org": CODE, "period": "2018H1", "indicators": {KEY: VALUE}}`; counts are numbers,
  Decimal amounts strings ("775300.50"), so that no figure passes through a float.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from docxtpl import DocxTemplate, RichText

from gonghui.core.records.exports import safe_text
from gonghui.reports import indicators
from gonghui.reports.review import CompiledReview, as_json
from gonghui.reports.sections import charts

DOCX_TEMPLATE = Path(__file__).resolve().parent / "docx" / "review.docx"
LEAD_STYLE = "ReviewHeading2"  # the character style of the template's （一） leads

FORMATS = {
    "html": ("text/html; charset=utf-8", "html"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json": ("application/json", "json"),
}


def filename(review: CompiledReview, fmt: str) -> str:
    return f"{review.title}.{FORMATS[fmt][1]}"


def to_docx(review: CompiledReview) -> bytes:
    template = DocxTemplate(str(DOCX_TEMPLATE))
    blocks = []
    for block in review.blocks:
        rich = RichText()
        if block.lead:
            rich.add(block.lead, style=LEAD_STYLE)
        if block.text:
            rich.add(block.text)
        blocks.append({"kind": block.kind, "text": block.text, "rich": rich})
    template.render({"title": review.title, "blocks": blocks}, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def to_json(review: CompiledReview) -> str:
    return json.dumps(as_json(review), ensure_ascii=False, indent=2)


NON_ADDITIVE_NOTE = "不可相加，合计栏不填：{labels}"
MONEY_UNIT = "元"
MONEY_FORMAT = "#,##0.00"
OWN_NOTE = "直属于本级组织的记录，不含下级"


def to_xlsx(review: CompiledReview) -> bytes:
    items = indicators.registered()
    rows, _total = review.table()
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    sheet = book.add_worksheet("指标汇总")
    title = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    header = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center",
                              "valign": "vcenter", "text_wrap": True})
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    # Money (元) shows its fen and thousands separators: 775,380.00.
    money = book.add_format({"num_format": MONEY_FORMAT})
    money_bold = book.add_format({"num_format": MONEY_FORMAT, "bold": True})
    formats = [money if item.unit == MONEY_UNIT else None for item in items]

    heads = ["序号", "组织编码", "组织名称", *[f"{i.label}（{i.unit}）" for i in items], "说明"]
    note_col = len(heads) - 1
    sheet.merge_range(0, 0, 0, note_col, safe_text(f"{review.title}·指标汇总表"), title)
    sheet.write_row(1, 0, heads, header)
    sheet.freeze_panes(2, 3)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 28)
    sheet.set_column(3, note_col - 1, 14)
    sheet.set_column(note_col, note_col, 36)
    sheet.set_row(1, 32)

    line = 2
    for number, row in enumerate(rows, start=1):
        sheet.write_number(line, 0, number)
        sheet.write_string(line, 1, safe_text(row.code), text)
        sheet.write_string(line, 2, safe_text(row.name), text)
        for col, item in enumerate(items, start=3):
            sheet.write_number(line, col, _number(row.values[item.key]), formats[col - 3])
        if row is rows[-1]:
            sheet.write_string(line, note_col, OWN_NOTE)
        line += 1

    sheet.write_string(line, 0, "合计", bold)
    not_additive = []
    for col, item in enumerate(items, start=3):
        if item.additive:
            summed = sum((r.values[item.key] for r in rows), start=0)
            sheet.write_number(line, col, _number(summed),
                               money_bold if formats[col - 3] else bold)
        else:
            not_additive.append(item.label)
    if not_additive:
        sheet.write_string(line, note_col, NON_ADDITIVE_NOTE.format(labels="、".join(not_additive)))

    about = book.add_worksheet("指标说明")
    # Each figure in words: what it counts, in Chinese. The key comes last, for whoever
    # matches the sheet against the JSON download.
    about.write_row(0, 0, ["指标", "分类", "单位", "统计口径", "可否相加", "JSON字段名"], header)
    about.set_column(0, 0, 18)
    about.set_column(1, 1, 10)
    about.set_column(2, 2, 6)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    about.set_column(3, 3, 60, wrap)
    about.set_column(5, 5, 28)
    for n, item in enumerate(items, start=1):
        about.write_row(n, 0, [item.label, item.group, item.unit, item.description,
                               "是" if item.additive else "否", item.key])
    book.close()
    return out.getvalue()


def _number(value: Any) -> float | int:
    # XlsxWriter stores numbers as doubles either way; an int stays an int on the way.
    return float(value) if isinstance(value, Decimal) else int(value)


def chart_data(review: CompiledReview) -> list[dict[str, Any]]:
    """Per chart: the children's names and one series per indicator (for ECharts).

    The organisation's own records (本级) get a bar of their own on a chart they show on: a
    town's relief batches and the city's own deliveries belong to no child, and a chart of the
    children alone left them out (a town's relief chart was all empty). A chart with nothing to
    show in the period is marked `empty`: the page says so instead of drawing bare axes."""
    rows, _total = review.table()
    children, own = rows[:-1], rows[-1]
    known = {i.key for i in indicators.registered()}
    data = []
    for chart in charts():
        keys = [key for key in chart.keys if key in known]
        shown = [*children, own] if any(own.values[key] for key in keys) else children
        values = {key: [_number(row.values[key]) for row in shown] for key in keys}
        series = [
            {
                "name": f"{indicators.get(key).label}（{indicators.get(key).unit}）",
                "data": values[key],
                # Whether the page may sum the smaller units into one 其他 bar.
                "additive": indicators.get(key).additive,
            }
            for key in keys
        ]
        data.append({
            "title": chart.title,
            "categories": [row.name for row in shown],
            "series": series,
            "empty": not any(any(column) for column in values.values()),
        })
    return data


def to_html(review: CompiledReview) -> str:
    """A self-contained page (ECharts inlined from static/vendor), for the command line."""
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string

    def static_text(name: str) -> str:
        found = finders.find(name)
        if not found:
            raise FileNotFoundError(name)
        return Path(found if isinstance(found, str) else found[0]).read_text(encoding="utf-8")

    return render_to_string(
        "reports/review_standalone.html",
        {
            "review": review,
            "charts": chart_data(review),
            "echarts_js": static_text("vendor/echarts/echarts.min.js"),
            "review_js": static_text("gonghui/review.js"),
        },
    )


def render(review: CompiledReview, fmt: str) -> bytes:
    if fmt == "docx":
        return to_docx(review)
    if fmt == "xlsx":
        return to_xlsx(review)
    if fmt == "json":
        return to_json(review).encode()
    if fmt == "html":
        return to_html(review).encode()
    raise ValueError(f"unknown format {fmt!r}")
