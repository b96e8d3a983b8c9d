"""Dates as people type them into forms and spreadsheets, and as Chinese documents print them.

No Django here: importers and benchmarks use it without settings.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

__all__ = [
    "MAX_DATE",
    "MIN_DATE",
    "DateParseError",
    "check_date_range",
    "excel_serial_to_date",
    "format_date_zh",
    "parse_date",
]

# The one date rule of forms, imports and filters: nothing a union records lies outside it, and
# every computation on a date (a term's end, a period, 90 days ahead) stays inside datetime's
# years 1–9999.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)
RANGE_MESSAGE = "日期应在1900年1月1日至2100年12月31日之间"


class DateParseError(ValueError):
    """A value is not a date; `str(exc)` is the Chinese message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# A trailing time is tolerated because str(datetime) and Excel's text export add one.
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
# The separator is captured and reused so that "1990-1/1" is not taken for a date.
_SEPARATED = re.compile(r"(\d{4})([-./])(\d{1,2})\2(\d{1,2})" + _TIME)
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")

# Excel's 1900 date system counts 1900-01-01 as day 1 and, copying Lotus 1-2-3, also
# counts a 29 February 1900 that never was (serial 60). From day 61 on, serial n is
# therefore n days after 1899-12-30; before it, n days after 1899-12-31.
_EXCEL_LEAP_BUG_SERIAL = 60
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_FIRST = 1  # 1900-01-01
_EXCEL_LAST = (date(2100, 12, 31) - _EXCEL_EPOCH).days

_MAX_ECHO = 40  # long junk in an error message helps nobody


def _echo(value: object) -> str:
    text = str(value)
    return text if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "…"


def check_date_range(value: date) -> date:
    """`value` if it lies within MIN_DATE–MAX_DATE, else DateParseError (Chinese)."""
    day = value.date() if isinstance(value, datetime) else value
    if not MIN_DATE <= day <= MAX_DATE:
        raise DateParseError(f"{RANGE_MESSAGE}：{day.isoformat()}")
    return value


def _make_date(y: int, m: int, d: int) -> date:
    try:
        made = date(y, m, d)
    except ValueError:
        if not MIN_DATE.year <= y <= MAX_DATE.year:
            raise DateParseError(RANGE_MESSAGE) from None
        raise DateParseError(f"日期不存在：{y:04d}-{m:02d}-{d:02d}") from None
    return check_date_range(made)


def excel_serial_to_date(serial: float) -> date:
    """The calendar date of an Excel serial number (1900 date system); time is dropped."""
    if not math.isfinite(serial):
        raise DateParseError(f"日期格式无法识别：{serial}")
    day = math.floor(serial)
    if day == _EXCEL_LEAP_BUG_SERIAL:
        raise DateParseError("日期不存在：1900-02-29（Excel日期序号60）")
    if not _EXCEL_FIRST <= day <= _EXCEL_LAST:
        raise DateParseError(f"Excel日期序号{_echo(serial)}超出1900–2100年的范围")
    if day < _EXCEL_LEAP_BUG_SERIAL:
        return _EXCEL_EPOCH + timedelta(days=day + 1)
    return _EXCEL_EPOCH + timedelta(days=day)


def _parse_number(value: float) -> date:
    if math.isfinite(value) and float(value).is_integer():
        whole = int(value)
        # A number cell typed as 19900101: far beyond any serial up to 2100 (73415).
        if 19000101 <= whole <= 21001231:
            year, month_day = divmod(whole, 10000)
            return _make_date(year, *divmod(month_day, 100))
        # As a serial 1990 would be 1905-06-12, but in a date column it is a bare year.
        if 1900 <= whole <= 2100:
            raise DateParseError(f"日期格式无法识别：{whole}（只有年份，缺少月、日）")
    return excel_serial_to_date(value)


def parse_date(value: str | int | float | date) -> date:
    """Read a date from a form field or a spreadsheet cell.

    Accepts 1990-01-01, 1990-1-1, 1990.1.1, 1990/1/1, 1990年1月1日, 19900101 (full-width
    digits too), date and datetime objects, and Excel serial numbers. Raises
    DateParseError with a Chinese message.
    """
    # datetime first: it is a subclass of date and must lose its time.
    if isinstance(value, datetime):
        return check_date_range(value.date())
    if isinstance(value, date):
        return check_date_range(value)
    if isinstance(value, bool):
        raise DateParseError(f"日期格式无法识别：{value}")
    if isinstance(value, int | float):
        return _parse_number(value)
    if value is None:
        raise DateParseError("日期不能为空")
    if not isinstance(value, str):
        raise DateParseError(f"日期格式无法识别：{_echo(value)}")

    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise DateParseError("日期不能为空")
    for pattern in (_SEPARATED, _CHINESE, _COMPACT):
        match = pattern.fullmatch(text)
        if match:
            numbers = [int(g) for g in match.groups() if g.isdigit()]  # drops the separator
            return _make_date(*numbers)
    raise DateParseError(f"日期格式无法识别：{_echo(value.strip())}")


def format_date_zh(d: date) -> str:
    """`2018年7月15日`, the unpadded form used in Chinese documents."""
    return f"{d.year}年{d.month}月{d.day}日"
