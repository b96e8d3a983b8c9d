"""Reporting periods: what `2018H1`, `2018`, `2018Q3`, `2018-05` or an explicit range mean.

A period is a pair of dates, both ends included, because that is how a review speaks of it
(“1月1日至6月30日”). Indicators filter `start <= day <= end` for things that happen in the
period and look at the state on `end` for things that are true at its close.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from gonghui.reports.numbers import period_zh

# The years of the date rule (gonghui.core.text.dates: 1900–2100): every stored date has one.
_YEAR = r"(?P<year>(?:19|20)\d\d|2100)"
_FORMS = (
    (re.compile(rf"^{_YEAR}$"), "year"),
    (re.compile(rf"^{_YEAR}\s*[Hh](?P<half>[12])$"), "half"),
    (re.compile(rf"^{_YEAR}\s*[Qq](?P<quarter>[1-4])$"), "quarter"),
    (re.compile(rf"^{_YEAR}-(?P<month>0?[1-9]|1[0-2])$"), "month"),
)
_DAY = r"\d{4}-\d{1,2}-\d{1,2}"
_RANGE = re.compile(rf"^(?P<start>{_DAY})\s*(?:\.\.|~|至|/)\s*(?P<end>{_DAY})$")

PERIOD_HELP = (
    "期间可写作 2018上半年、2018下半年、2018年、2018年第三季度、2018年5月，"
    "或 2018H1、2018Q3、2018-05、2018-01-01..2018-03-31"
)

# The way a cadre writes a period, turned into the codes above before parsing.
_QUARTERS = {"一": "1", "二": "2", "三": "3", "四": "4"}
_CHINESE = (
    (re.compile(rf"^{_YEAR}年?(?P<half>[上下])半年$"),
     lambda m: f"{m['year']}H{1 if m['half'] == '上' else 2}"),
    (re.compile(rf"^{_YEAR}年?第?(?P<q>[一二三四1-4])季度$"),
     lambda m: f"{m['year']}Q{_QUARTERS.get(m['q'], m['q'])}"),
    (re.compile(rf"^{_YEAR}年(?P<month>\d{{1,2}})月$"), lambda m: f"{m['year']}-{m['month']}"),
    (re.compile(rf"^{_YEAR}年(?:度|全年)?$"), lambda m: m["year"]),
)


class PeriodError(ValueError):
    """A period the user typed that does not parse; the message is for the user."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    code: str

    @classmethod
    def parse(cls, text: str) -> Period:
        value = (text or "").strip()
        for chinese, code in _CHINESE:
            spoken = chinese.match(value.replace(" ", ""))
            if spoken is not None:
                value = code(spoken)
                break
        for pattern, form in _FORMS:
            found = pattern.match(value)
            if found is None:
                continue
            year = int(found["year"])
            if form == "year":
                return cls(date(year, 1, 1), date(year, 12, 31), f"{year}")
            if form == "half":
                half = int(found["half"])
                return cls.months(year, 1 + 6 * (half - 1), 6, f"{year}H{half}")
            if form == "quarter":
                quarter = int(found["quarter"])
                return cls.months(year, 1 + 3 * (quarter - 1), 3, f"{year}Q{quarter}")
            month = int(found["month"])
            return cls.months(year, month, 1, f"{year}-{month:02d}")
        found = _RANGE.match(value)
        if found is not None:
            try:
                start = date.fromisoformat(_padded(found["start"]))
                end = date.fromisoformat(_padded(found["end"]))
            except ValueError:
                raise PeriodError(f"“{value}”中的日期不存在。{PERIOD_HELP}") from None
            return cls.between(start, end)
        raise PeriodError(f"无法识别的期间“{value}”。{PERIOD_HELP}")

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        if end < start:
            raise PeriodError(f"期间的结束日期（{end}）早于开始日期（{start}）")
        return cls(start, end, f"{start.isoformat()}..{end.isoformat()}")

    @classmethod
    def months(cls, year: int, first: int, count: int, code: str) -> Period:
        last = first + count - 1
        return cls(date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]), code)

    @classmethod
    def half_year_of(cls, day: date) -> Period:
        return cls.parse(f"{day.year}H{1 if day.month <= 6 else 2}")

    @property
    def label(self) -> str:
        """`2018年上半年`, `2018年第三季度`, `2018年3月1日至2018年5月20日`."""
        return period_zh(self.start, self.end)

    @property
    def day_after(self) -> date:
        """The first day after the period: `date < day_after` is `date <= end`."""
        return self.end + timedelta(days=1)

    def __str__(self) -> str:
        return self.code


def _padded(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"
