"""The care part of the review (立足普惠 主动服务 为职工排忧解难).

See gonghui.reports.sections for how a section is declared and compiled. The seed reads
"今年以来参加职工互助保障计划单位99个32046人次，理赔金额达到77.5万余元": the person-times are
printed as recorded (:精确), as the seed does.
"""

from __future__ import annotations

from gonghui.reports.sections import Paragraph, Section, Sentence, register_section

register_section(
    Section(
        key="care",
        order=60,
        heading="立足普惠 主动服务 为职工排忧解难",
        paragraphs=[
            Paragraph(
                lead="扎实做好困难职工帮扶救助、夏送清凉、疗休养及职工互助保障等工作。",
                sentences=[
                    Sentence(
                        "今年以来",
                        [
                            "参加职工互助保障计划单位〔insurance.units_enrolled〕"
                            "〔insurance.person_times:精确〕",
                            "理赔金额达到〔insurance.claims_paid_amount〕",
                        ],
                    )
                ],
            )
        ],
    )
)
