"""Build gonghui/reports/docx/review.docx, the docxtpl template of the Word review (GB/T 9704).

Run it after changing the layout, and commit the .docx: the server never builds it.

    .venv/bin/python scripts/make_review_template.py

GB/T 9704-2012 as conventions.md states it: A4; top margin 37 mm, left 28 mm, type area
156 × 225 mm (so right 26 mm, bottom 35 mm); body 3号仿宋 (16 pt) at 22 lines a page; title 2号
小标宋 (22 pt) centred; `一、` headings 黑体, `（一）` headings 楷体; page numbers `— 1 —` in 4号
宋体 (14 pt), odd pages right and even pages left, one character in from the edge. The Chinese
fonts are named in the east-Asian slot (w:eastAsia), where Word looks for them for Chinese text.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

OUT = Path(__file__).resolve().parent.parent / "gonghui" / "reports" / "docx" / "review.docx"

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_1_FONT = "黑体"
HEADING_2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(16)  # 3号
TITLE_SIZE = Pt(22)  # 2号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
# 22 lines in the 225 mm type area.
LINE = Mm(225 / 22)


def set_fonts(rpr_owner, east_asian: str, size: Pt, *, bold: bool = False) -> None:
    """Name the Chinese font in w:eastAsia (and a Latin font for figures and letters)."""
    font = rpr_owner.font
    font.name = LATIN_FONT
    font.size = size
    font.bold = bold
    rpr = rpr_owner.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def paragraph_style(doc, name: str, east_asian: str, size: Pt, *, centre: bool = False,
                    indent: bool = True):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    set_fonts(style, east_asian, size)
    fmt = style.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if centre else WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Pt(32) if indent else Pt(0)
    return style


def page_number(footer, align, indent_side: str) -> None:
    paragraph = footer.paragraphs[0]
    paragraph.alignment = align
    if indent_side == "right":
        paragraph.paragraph_format.right_indent = PAGE_NUMBER_SIZE
    else:
        paragraph.paragraph_format.left_indent = PAGE_NUMBER_SIZE
    paragraph.paragraph_format.first_line_indent = Pt(0)

    def run(text: str = ""):
        r = paragraph.add_run(text)
        set_fonts(r, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        r = run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            r._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
    run(" —")


def build(out: Path = OUT) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.left_margin = Mm(37), Mm(28)
    section.right_margin, section.bottom_margin = Mm(210 - 28 - 156), Mm(297 - 37 - 225)
    section.footer_distance = Mm(28 - 7)

    normal = doc.styles["Normal"]
    set_fonts(normal, BODY_FONT, BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(32)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    title = paragraph_style(doc, "Review Title", TITLE_FONT, TITLE_SIZE, centre=True, indent=False)
    title.paragraph_format.line_spacing = Pt(35)
    body = paragraph_style(doc, "Review Body", BODY_FONT, BODY_SIZE)
    heading_1 = paragraph_style(doc, "Review Heading 1", HEADING_1_FONT, BODY_SIZE)
    lead = doc.styles.add_style("Review Heading 2", WD_STYLE_TYPE.CHARACTER)
    set_fonts(lead, HEADING_2_FONT, BODY_SIZE)

    doc.add_paragraph("{{ title }}", style=title)
    doc.add_paragraph("", style=body)
    doc.add_paragraph("{%p for block in blocks %}", style=body)
    doc.add_paragraph('{%p if block.kind == "h1" %}', style=body)
    doc.add_paragraph("{{ block.text }}", style=heading_1)
    doc.add_paragraph("{%p else %}", style=body)
    doc.add_paragraph("{{r block.rich }}", style=body)
    doc.add_paragraph("{%p endif %}", style=body)
    doc.add_paragraph("{%p endfor %}", style=body)

    doc.settings.odd_and_even_pages_header_footer = True
    page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right")
    page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")

    props = doc.core_properties
    props.title, props.author, props.comments = "工作回顾", "工会工作平台", ""
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
