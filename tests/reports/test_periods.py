from datetime import date

import pytest

from gonghui.reports.periods import Period, PeriodError


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2018H1", date(2018, 1, 1), date(2018, 6, 30), "2018年上半年"),
        ("2018h2", date(2018, 7, 1), date(2018, 12, 31), "2018年下半年"),
        ("2018", date(2018, 1, 1), date(2018, 12, 31), "2018年"),
        ("2018Q3", date(2018, 7, 1), date(2018, 9, 30), "2018年第三季度"),
        ("2018-05", date(2018, 5, 1), date(2018, 5, 31), "2018年5月"),
        ("2020-2", date(2020, 2, 1), date(2020, 2, 29), "2020年2月"),
        ("2018-03-01..2018-05-20", date(2018, 3, 1), date(2018, 5, 20),
         "2018年3月1日至2018年5月20日"),
        (" 2018-3-1 至 2018-3-31 ", date(2018, 3, 1), date(2018, 3, 31), "2018年3月"),
    ],
)
def test_periods_parse_as_a_review_names_them(
    text: str, start: date, end: date, label: str
) -> None:
    period = Period.parse(text)
    assert (period.start, period.end, period.label) == (start, end, label)


@pytest.mark.parametrize("text", ["", "2018H3", "2018Q5", "2018-13", "18H1", "上半年",
                                  "2018-02-30..2018-03-01", "2018-05-01..2018-04-01"])
def test_bad_periods_are_refused_in_chinese(text: str) -> None:
    with pytest.raises(PeriodError) as caught:
        Period.parse(text)
    assert "期间" in str(caught.value) or "日期" in str(caught.value)


def test_codes_round_trip() -> None:
    for text in ("2018H1", "2018", "2018Q3", "2018-05", "2018-03-01..2018-05-20"):
        assert Period.parse(str(Period.parse(text))) == Period.parse(text)


def test_half_year_of_a_day() -> None:
    assert Period.half_year_of(date(2018, 6, 30)).code == "2018H1"
    assert Period.half_year_of(date(2018, 7, 1)).code == "2018H2"
