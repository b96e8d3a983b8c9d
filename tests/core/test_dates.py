"""Date parsing and Chinese date formatting, checked without Django or a database."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from gonghui.core.text.dates import DateParseError, excel_serial_to_date, format_date_zh, parse_date

NEW_YEAR_1990 = date(1990, 1, 1)


@pytest.mark.parametrize(
    "value",
    [
        "1990-01-01",
        "1990-1-1",
        "1990.1.1",
        "1990.01.01",
        "1990/1/1",
        "1990/01/01",
        "1990年1月1日",
        "1990年01月01日",
        "1990 年 1 月 1 日",
        "1990年1月1号",
        "1990年1月1",
        "19900101",
        " 1990-01-01 ",
        "1990-01-01 00:00:00",  # str(datetime)
        "1990-01-01T08:30",
        "1990/1/1 8:30:15",
        "１９９０年１月１日",  # full-width digits
        "１９９０－０１－０１",
        "１９９０／１／１",
        "１９９００１０１",
        NEW_YEAR_1990,
        datetime(1990, 1, 1, 23, 59),
        32874,  # Excel serial
        32874.0,
        32874.99,  # the fraction is a time of day
        19900101,  # a number cell typed as yyyymmdd
        19900101.0,
    ],
)
def test_every_accepted_form(value: str | int | float | date) -> None:
    result = parse_date(value)
    assert result == NEW_YEAR_1990
    assert type(result) is date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-7-15", date(2018, 7, 15)),
        ("2000.2.29", date(2000, 2, 29)),
        ("2024年12月31日", date(2024, 12, 31)),
        ("20180715", date(2018, 7, 15)),
        (43296, date(2018, 7, 15)),
    ],
)
def test_other_dates(value: str | int, expected: date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1990-02-30", "日期不存在：1990-02-30"),
        ("1990-2-30", "日期不存在：1990-02-30"),
        ("1990年2月30日", "日期不存在：1990-02-30"),
        ("19900230", "日期不存在：1990-02-30"),
        ("1990.2.30", "日期不存在：1990-02-30"),
        ("1900-02-29", "日期不存在：1900-02-29"),
        ("2023-02-29", "日期不存在：2023-02-29"),
        ("1990-13-01", "日期不存在：1990-13-01"),
        ("1990-04-31", "日期不存在：1990-04-31"),
        ("1990-00-10", "日期不存在：1990-00-10"),
        (19900230, "日期不存在：1990-02-30"),
    ],
)
def test_dates_that_do_not_exist(value: str | int, message: str) -> None:
    with pytest.raises(DateParseError) as excinfo:
        parse_date(value)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "1990-1/1",  # mixed separators
        "90-1-1",  # two-digit year
        "1990-1",
        "1990年1月",
        "1990",
        "1990 1 1",
        "199011",
        "1990-01-01abc",
        "一九九〇年一月一日",
        "1/1/1990",  # day-first and month-first are indistinguishable
    ],
)
def test_unrecognised_strings(value: str) -> None:
    with pytest.raises(DateParseError, match=f"^日期格式无法识别：{re.escape(value)}$"):
        parse_date(value)


@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty(value: str | None) -> None:
    with pytest.raises(DateParseError, match="日期不能为空"):
        parse_date(value)  # type: ignore[arg-type]


def test_long_garbage_is_truncated_in_the_message() -> None:
    with pytest.raises(DateParseError) as excinfo:
        parse_date("x" * 200)
    assert len(str(excinfo.value)) < 60


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),  # serial 60 is Lotus's 29 Feb 1900
        (367, date(1901, 1, 1)),
        (25569, date(1970, 1, 1)),
        (36526, date(2000, 1, 1)),
        (45292, date(2024, 1, 1)),
        (73415, date(2100, 12, 31)),
    ],
)
def test_excel_serials(serial: int, expected: date) -> None:
    assert excel_serial_to_date(serial) == expected
    assert parse_date(serial) == expected


def test_excel_serials_are_consecutive_after_the_leap_bug() -> None:
    start = date(1900, 3, 1)
    for serial in range(61, 73416, 97):
        assert excel_serial_to_date(serial) == start + timedelta(days=serial - 61)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (0, "超出1900–2100年的范围"),
        (-1, "超出1900–2100年的范围"),
        (0.5, "超出1900–2100年的范围"),
        (73416, "超出1900–2100年的范围"),
        (999999, "超出1900–2100年的范围"),
        (60, "日期不存在：1900-02-29"),
        (1990, "只有年份"),  # as a serial it would silently be 1905-06-12
        (2024.0, "只有年份"),
        (float("nan"), "日期格式无法识别"),
        (float("inf"), "日期格式无法识别"),
        (True, "日期格式无法识别"),
    ],
)
def test_rejected_numbers(value: int | float, fragment: str) -> None:
    with pytest.raises(DateParseError, match=fragment):
        parse_date(value)


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        parse_date("not a date")


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (date(2018, 7, 15), "2018年7月15日"),
        (date(1990, 1, 1), "1990年1月1日"),
        (date(2024, 12, 31), "2024年12月31日"),
        (datetime(2018, 7, 5, 12, 0), "2018年7月5日"),
    ],
)
def test_format_date_zh(d: date, text: str) -> None:
    assert format_date_zh(d) == text


def test_format_and_parse_round_trip() -> None:
    day = date(1900, 1, 1)  # the date rule's range (issue 12, finding 6)
    while day <= date(2100, 12, 31):
        assert parse_date(format_date_zh(day)) == day
        assert parse_date(day.isoformat()) == day
        day += timedelta(days=13)
