"""The care part of the review (立足普惠 主动服务): consolation, relief, summer cooling,
sanatorium stays, the benefit cards and registries, mutual insurance. See
gonghui.reports.sections for how a section is declared and compiled.

One paragraph, shaped like the seed's (扎实做好困难职工帮扶救助、夏送清凉 …): each sentence is
left out when its figures are all zero, so every sentence stands on its own. The benefit cards
(people.benefit_cards_issued) are said here, beside the registries, and nowhere else.
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
        key="care",
        order=60,
        heading="立足普惠 主动服务 为职工排忧解难",
        paragraphs=[
            Paragraph(
                lead="扎实做好帮扶救助和普惠服务工作。",
                context="坚持把困难职工帮扶、夏送清凉、一线职工疗休养和职工互助保障作为服务"
                        "职工的实事来办，及时把党和政府的关怀送到职工心坎上。",
                sentences=[
                    Sentence("{when}", [
                        "走访困难职工〔care.households_visited〕",
                        "慰问坚守一线的职工〔care.frontline_workers_consoled〕",
                        "送去生活用品和慰问金〔care.consolation_amount〕",
                    ]),
                    Sentence("通过节日救助、集中帮扶、走访慰问相结合的方式，", [
                        "共救助各类困难职工、困难劳模〔care.relief_people〕",
                        "发放救助金〔care.relief_amount〕",
                    ]),
                    Sentence("开展“夏送清凉”活动，", [
                        "为〔care.cooling_units〕单位的高温一线职工送去价值〔care.cooling_value〕"
                        "的防暑降温物品",
                    ]),
                    # A headcount of people sent on trips is said to one digit, as the seed
                    # says its trips' and trainings' headcounts (40余人次, 40余人, 100余人);
                    # counts of units, households and registries stay exact (32个, 26户, 8个).
                    Sentence("分批", [
                        "组织一线职工〔care.sanatorium_person_times:1位有效数字〕参加疗休养",
                    ]),
                    Sentence("", [
                        "发放“惠工卡”〔people.benefit_cards_issued〕",
                        "建成“爱心妈妈小屋”〔care.nursing_rooms_built〕",
                        "选树创业带头人〔care.entrepreneur_leaders〕",
                        "命名创业基地〔care.entrepreneur_bases〕",
                    ]),
                    # The person-times are printed as recorded (:精确) and the claims paid to
                    # three digits (77.5万余元), as the seed does.
                    Sentence("今年以来", [
                        "参加职工互助保障计划单位〔insurance.units_enrolled〕"
                        "〔insurance.person_times:精确〕",
                        "理赔金额达到〔insurance.claims_paid_amount:3位有效数字〕",
                    ]),
                ],
            ),
        ],
    )
)

# The care figures per direct child, on four charts by scale: people (tens to hundreds per
# town), yuan (tens of thousands), units and registries (a few each), insurance person-times
# (thousands). Money has a chart of its own so that yuan never share an axis with heads.
register_chart(Chart("帮扶救助、慰问与疗休养人数", [
    "care.relief_people", "care.households_visited", "care.frontline_workers_consoled",
    "care.sanatorium_person_times",
], order=60))
register_chart(Chart("救助金、慰问金、夏送清凉与互助保障理赔金额（元）", [
    "care.relief_amount", "care.consolation_amount", "care.cooling_value",
    "insurance.claims_paid_amount",
], order=61))
register_chart(Chart("参保单位、夏送清凉单位与普惠阵地", [
    "insurance.units_enrolled", "care.cooling_units", "care.nursing_rooms_built",
    "care.entrepreneur_leaders", "care.entrepreneur_bases",
], order=62))
register_chart(Chart("职工互助保障参保人次", ["insurance.person_times"], order=63))
