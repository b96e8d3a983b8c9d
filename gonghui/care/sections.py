"""The care app's part of the review: 立足普惠 主动服务 为职工排忧解难 (it also carries the member
service cards' sentence, which the people app declared under the same heading before)."""

from __future__ import annotations

from gonghui.reports.sections import Paragraph, Section, Sentence, register_section

register_section(Section(
    key="care", order=60, heading="立足普惠 主动服务 为职工排忧解难",
    paragraphs=[
        Paragraph(
            lead="扎实做好困难职工帮扶救助、夏送清凉、疗休养及职工互助保障等工作。",
            sentences=[Sentence("{when}", ["救助各类困难职工、困难劳模〔care.relief_people〕",
                                           "发放救助金〔care.relief_amount〕"])],
        ),
        Paragraph(
            lead="推进会员普惠服务。",
            sentences=[Sentence("{when}", ["发放会员服务卡〔people.benefit_cards_issued〕"])],
        ),
    ],
))
