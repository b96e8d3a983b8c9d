"""The member-service part of the review (普惠服务). See gonghui.reports.sections."""

from __future__ import annotations

from gonghui.reports.sections import Paragraph, Section, Sentence, register_section

register_section(
    Section(
        key="people",
        order=60,
        heading="立足普惠 主动服务 为职工排忧解难",
        paragraphs=[
            Paragraph(
                lead="推进会员普惠服务。",
                sentences=[Sentence("{when}", ["发放会员服务卡〔people.benefit_cards_issued〕"])],
            ),
        ],
    )
)
