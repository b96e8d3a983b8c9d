"""The organisation-building part of the review (建会 建制 建家): the first section.

See gonghui.reports.sections for how a section is declared and compiled.
"""

from __future__ import annotations

from gonghui.reports.sections import (
    Chart,
    Paragraph,
    Section,
    Sentence,
    register_chart,
    register_section,
)

register_section(
    Section(
        key="orgs",
        order=10,
        heading="夯实规范 筑牢工会工作的组织基础",
        paragraphs=[
            Paragraph(
                lead="夯实工会组建工作基础。",
                context="坚持强基固本、重心下移，持续推进“建会、建制、建家”三位一体的职工之家规范化建设。",
                sentences=[
                    Sentence(
                        "{when}",
                        [
                            "新建工会〔orgs.unions_founded〕",
                            "发展会员〔members.enrolled〕",
                            "指导基层工会换届〔orgs.elections_held〕",
                        ],
                    ),
                    Sentence("截至{end}，", ["共有在会会员〔members.active〕"]),
                ],
            ),
            Paragraph(
                lead="提升基层工会组织规范化建设水平。",
                sentences=[
                    Sentence("{when}", ["命名职工之家〔orgs.workers_homes_awarded〕"]),
                    Sentence(
                        "截至{end}，",
                        ["尚有〔orgs.elections_overdue〕工会任期届满未换届，已列入督查清单"],
                    ),
                ],
            ),
        ],
    )
)

# Unions and members on separate charts: tens beside thousands would flatten the unions' bars.
register_chart(
    Chart("新建工会与指导换届", ["orgs.unions_founded", "orgs.elections_held"], order=10)
)
register_chart(Chart("发展会员", ["members.enrolled"], order=20))
