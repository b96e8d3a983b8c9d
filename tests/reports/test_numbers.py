"""House-style figures, RMB upper-case and Chinese dates (conventions.md, "Numbers in reports").

The first table is the seed review's own phrasings (莱西市总工会2018年半年重点工作回顾), each with
a raw figure that would produce it; the rest pins the edges of every rule in
gonghui/reports/numbers.py. Every row states its expected text, so any change of rule fails here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from gonghui.reports.numbers import approx, date_zh, period_zh, rmb_upper

# (raw figure, keyword arguments, the seed's phrasing). The unit is part of the phrasing so that
# the table reads like the seed.
SEED_PHRASINGS: list[tuple[int | Decimal, dict[str, Any], str]] = [
    # 46家企业4000多名职工 — the seed's one 多
    (4012, {"unit": "名", "more": "多"}, "4000多名"),
    # 共发放调查问卷4000余份
    (4012, {"unit": "份"}, "4000余份"),
    # 共为企业解决困难20余项 — a count under 100 is exact unless one digit is asked for
    (23, {"unit": "项", "digits": 1}, "20余项"),
    # 累计投入20余万元 — one digit kept, whole 万 cut, so 余 before 万
    (236000, {"unit": "元", "digits": 1}, "20余万元"),
    # 1000余名职工观看现代戏《初心》
    (1012, {"unit": "名"}, "1000余名"),
    # 劳动模范200余名进行免费查体
    (204, {"unit": "名"}, "200余名"),
    # 新建工会23个，发展会员2500余名，指导基层工会换届40个
    (23, {"unit": "个"}, "23个"),
    (2537, {"unit": "名"}, "2500余名"),
    (40, {"unit": "个"}, "40个"),
    # 工会干部40余人到黄岛干部职工学校学习培训
    (43, {"unit": "人", "digits": 1}, "40余人"),
    # 开展了9期精准培训，共培训2000余人
    (2030, {"unit": "人"}, "2000余人"),
    # 组织外出培训学习3期100余人
    (108, {"unit": "人"}, "100余人"),
    # 建立职工志愿者队伍近万人
    (9820, {"unit": "人"}, "近万人"),
    # 慰问……一线的工人600余名
    (601, {"unit": "名"}, "600余名"),
    # 生活用品和慰问金17万余元 — less than one 万 cut, so 余 after 万
    (173200, {"unit": "元"}, "17万余元"),
    # 困难职工、困难劳模350余名
    (352, {"unit": "名"}, "350余名"),
    # 发放救助金110余万元 — 26,000 cut: at least one whole 万, so 余 before 万
    (1126000, {"unit": "元"}, "110余万元"),
    # 价值25万余元的西瓜、矿泉水……
    (252000, {"unit": "元"}, "25万余元"),
    # 一线职工40余人次到青岛疗养
    (46, {"unit": "人次", "digits": 1}, "40余人次"),
    # 发放“惠工卡”6000张 — nothing cut, so exact
    (6000, {"unit": "张"}, "6000张"),
    # 参加职工互助保障计划单位99个32046人次
    (99, {"unit": "个"}, "99个"),
    (32046, {"unit": "人次", "exact": True}, "32046人次"),
    # 理赔金额达到77.5万余元 — the writer kept three digits here
    (Decimal("775300.00"), {"unit": "元", "digits": 3}, "77.5万余元"),
    (775300, {"unit": "元", "digits": 3}, "77.5万余元"),
]


@pytest.mark.parametrize(("raw", "kwargs", "expected"), SEED_PHRASINGS)
def test_seed_phrasings(raw: int | Decimal, kwargs: dict[str, Any], expected: str) -> None:
    assert approx(raw, **kwargs) == expected


def test_seed_organisation_sentence() -> None:
    sentence = (
        f"上半年新建工会{approx(23, unit='个')}，发展会员{approx(2537, unit='名')}，"
        f"指导基层工会换届{approx(40, unit='个')}。"
    )
    assert sentence == "上半年新建工会23个，发展会员2500余名，指导基层工会换届40个。"


APPROX_EDGES: list[tuple[int | Decimal, dict[str, Any], str]] = [
    # The issue's own examples.
    (2537, {}, "2500余"),
    (173200, {"unit": "元"}, "17万余元"),
    (1103000, {}, "110万余"),
    (9820, {}, "近万"),
    (23, {}, "23"),
    # Small and exact.
    (0, {}, "0"),
    (0, {"unit": "人"}, "0人"),
    (1, {}, "1"),
    (12, {}, "12"),
    (99, {}, "99"),
    (100, {}, "100"),
    (101, {}, "100余"),
    (350, {}, "350"),
    (949, {}, "940余"),
    # 近: at least 95% of the next power of ten, and only when something would be cut.
    (950, {}, "950"),
    (951, {}, "近1000"),
    (999, {}, "近1000"),
    (1000, {}, "1000"),
    (1001, {}, "1000余"),
    (9499, {}, "9400余"),
    (9500, {}, "9500"),
    (9501, {}, "近万"),
    (9999, {}, "近万"),
    (9999, {"near": False}, "9900余"),
    (9820, {"unit": "人", "near": False}, "9800余人"),
    (96400, {}, "近10万"),
    (999_999, {}, "近100万"),
    (99_999_999, {}, "近亿"),
    (97, {"digits": 1}, "近100"),
    # 万 from one 万 up.
    (10000, {}, "1万"),
    (10001, {}, "1万余"),
    (12000, {}, "1.2万"),
    (12999, {}, "1.2万余"),
    (32046, {}, "3.2万余"),
    (32046, {"digits": 1}, "3万余"),
    (100000, {}, "10万"),
    (775300, {}, "77万余"),
    (1100000, {}, "110万"),
    (1109999, {}, "110万余"),
    (1110000, {}, "110余万"),
    (9_400_000, {}, "940万"),
    (20_000_000, {}, "2000万"),
    # 亿 and 万亿.
    (10**8, {}, "1亿"),
    (10**8, {"unit": "元"}, "1亿元"),
    (110_000_000, {}, "1.1亿"),
    (115_000_000, {}, "1.1亿余"),
    (123_456_789, {"unit": "元"}, "1.2亿余元"),
    (1_250_000_000, {}, "12亿余"),
    (2 * 10**12, {}, "2万亿"),
    # 余 or 多.
    (2537, {"more": "多"}, "2500多"),
    (1126000, {"more": "多", "unit": "元"}, "110多万元"),
    # exact=True: as recorded.
    (2537, {"exact": True}, "2537"),
    (10000, {"exact": True, "unit": "人"}, "10000人"),
    (Decimal("775300.50"), {"exact": True, "unit": "元"}, "775300.50元"),
    # Decimal money, fen and all.
    (Decimal("173200.50"), {"unit": "元"}, "17万余元"),
    (Decimal("1100000.00"), {}, "110万"),
    (Decimal("1103000.00"), {}, "110万余"),
    (Decimal("9820.75"), {"unit": "元"}, "近万元"),
    (Decimal("23.00"), {"unit": "元"}, "23元"),
    (Decimal("23.50"), {"unit": "元"}, "23余元"),
    (Decimal("23.50"), {"unit": "元", "digits": 3}, "23.5元"),
    (Decimal("0.05"), {"unit": "元"}, "0.05元"),
    (Decimal("0.00"), {}, "0"),
    (Decimal("1E+5"), {}, "10万"),
    # Wider and narrower precision.
    (2537, {"digits": 1}, "2000余"),
    (2537, {"digits": 3}, "2530余"),
    (2537, {"digits": 4}, "2537"),
]


@pytest.mark.parametrize(("raw", "kwargs", "expected"), APPROX_EDGES)
def test_approx_edges(raw: int | Decimal, kwargs: dict[str, Any], expected: str) -> None:
    assert approx(raw, **kwargs) == expected


@pytest.mark.parametrize("raw", [2537.0, 0.5, float("nan"), True, "2537", None])
def test_approx_refuses_non_figures(raw: Any) -> None:
    with pytest.raises(TypeError):
        approx(raw)


@pytest.mark.parametrize("raw", [-1, Decimal("-0.01"), Decimal("NaN"), Decimal("Infinity")])
def test_approx_refuses_negative_and_non_finite(raw: int | Decimal) -> None:
    with pytest.raises(ValueError):
        approx(raw)


@pytest.mark.parametrize("kwargs", [{"digits": 0}, {"more": "来"}])
def test_approx_refuses_bad_options(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        approx(2537, **kwargs)


def test_approx_never_rounds_up() -> None:
    # Whatever the figure, the printed coefficient (when no 近) is not above the record.
    for raw in range(1, 20000, 7):
        text = approx(raw, near=False)
        number = text.removesuffix("余")
        value = Decimal(number.removesuffix("万")) * (10000 if number.endswith("万") else 1)
        assert value <= raw, (raw, text)
        assert text.endswith("余") == (value != raw), (raw, text)


RMB: list[tuple[Decimal | int, str]] = [
    # The brief's table.
    (Decimal("1023.5"), "壹仟零贰拾叁元伍角"),
    (Decimal("100"), "壹佰元整"),
    (Decimal("0.05"), "伍分"),
    (Decimal("10000"), "壹万元整"),
    (Decimal("100010"), "壹拾万零壹拾元整"),
    (Decimal("1.01"), "壹元零壹分"),
    # The examples of 《正确填写票据和结算凭证的基本规定》 (with 零 written where optional).
    (Decimal("1680.32"), "壹仟陆佰捌拾元零叁角贰分"),
    (Decimal("107000.53"), "壹拾万零柒仟元零伍角叁分"),
    (Decimal("16409.02"), "壹万陆仟肆佰零玖元零贰分"),
    (Decimal("325.04"), "叁佰贰拾伍元零肆分"),
    (Decimal("16.00"), "壹拾陆元整"),
    # Edges.
    (Decimal("0"), "零元整"),
    (Decimal("0.00"), "零元整"),
    (Decimal("0.5"), "伍角"),
    (Decimal("0.55"), "伍角伍分"),
    (Decimal("1"), "壹元整"),
    (Decimal("10"), "壹拾元整"),
    (Decimal("10.50"), "壹拾元零伍角"),
    (Decimal("1.50"), "壹元伍角"),
    (Decimal("1.10"), "壹元壹角"),
    (Decimal("1000.01"), "壹仟元零壹分"),
    (Decimal("1001"), "壹仟零壹元整"),
    (Decimal("1E+4"), "壹万元整"),
    (Decimal("1100000"), "壹佰壹拾万元整"),
    (Decimal("1010000"), "壹佰零壹万元整"),
    (Decimal("100000000"), "壹亿元整"),
    (Decimal("100000001"), "壹亿零壹元整"),
    (Decimal("100010000.01"), "壹亿零壹万元零壹分"),
    (Decimal("110000000"), "壹亿壹仟万元整"),
    (Decimal("1000000000"), "壹拾亿元整"),
    (Decimal("999999999999.99"), "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    (1023, "壹仟零贰拾叁元整"),
]


@pytest.mark.parametrize(("amount", "expected"), RMB)
def test_rmb_upper(amount: Decimal | int, expected: str) -> None:
    assert rmb_upper(amount) == expected


@pytest.mark.parametrize("amount", [1023.5, 0.0, True, "1023.5"])
def test_rmb_upper_refuses_non_money(amount: Any) -> None:
    with pytest.raises(TypeError, match="Decimal"):
        rmb_upper(amount)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("-1"), "negative"),
        (-1, "negative"),
        (Decimal("1.005"), "分"),
        (Decimal("NaN"), "finite"),
        (Decimal("1E+12"), "below"),
    ],
)
def test_rmb_upper_refuses_bad_amounts(amount: Decimal | int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rmb_upper(amount)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2018, 7, 15), "2018年7月15日"),
        (date(2018, 1, 5), "2018年1月5日"),
        (date(2018, 12, 31), "2018年12月31日"),
    ],
)
def test_date_zh(d: date, expected: str) -> None:
    assert date_zh(d) == expected


def test_date_zh_refuses_datetime() -> None:
    with pytest.raises(TypeError):
        date_zh(datetime(2018, 7, 15, 23, 30))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2018, 1, 1), date(2018, 6, 30), "2018年上半年"),
        (date(2018, 7, 1), date(2018, 12, 31), "2018年下半年"),
        (date(2018, 1, 1), date(2018, 12, 31), "2018年"),
        (date(2018, 1, 1), date(2018, 3, 31), "2018年第一季度"),
        (date(2018, 4, 1), date(2018, 6, 30), "2018年第二季度"),
        (date(2018, 7, 1), date(2018, 9, 30), "2018年第三季度"),
        (date(2018, 10, 1), date(2018, 12, 31), "2018年第四季度"),
        (date(2018, 5, 1), date(2018, 5, 31), "2018年5月"),
        (date(2018, 2, 1), date(2018, 2, 28), "2018年2月"),
        (date(2020, 2, 1), date(2020, 2, 29), "2020年2月"),
        (date(2018, 7, 15), date(2018, 7, 15), "2018年7月15日"),
        # Almost, but not quite, a named period.
        (date(2018, 3, 1), date(2018, 5, 20), "2018年3月1日至2018年5月20日"),
        (date(2018, 1, 1), date(2018, 6, 29), "2018年1月1日至2018年6月29日"),
        (date(2018, 1, 2), date(2018, 6, 30), "2018年1月2日至2018年6月30日"),
        (date(2018, 2, 1), date(2018, 4, 30), "2018年2月1日至2018年4月30日"),
        (date(2020, 2, 1), date(2020, 2, 28), "2020年2月1日至2020年2月28日"),
        (date(2017, 1, 1), date(2018, 12, 31), "2017年1月1日至2018年12月31日"),
        (date(2017, 7, 1), date(2018, 6, 30), "2017年7月1日至2018年6月30日"),
    ],
)
def test_period_zh(start: date, end: date, expected: str) -> None:
    assert period_zh(start, end) == expected


def test_period_zh_refuses_reversed_period() -> None:
    with pytest.raises(ValueError):
        period_zh(date(2018, 7, 1), date(2018, 6, 30))
