"""Figures, money and dates as the compiled review prints them.

The rules of conventions.md ("Numbers in reports") made exact.

No Django here: the indicator registry, the docx/xlsx writers and the tests use it without
settings, and a table of inputs and outputs is the whole specification.

House style for `approx` (every rule below is pinned by tests/reports/test_numbers.py):

1. Truncate, never round up, to `digits` significant digits (default 2). A reader may take
   "2500余" to mean "at least 2500"; rounding 2587 up to 2600 would overstate the record.
2. If anything was cut, say so with 余 (or 多: `more="多"` gives the seed's "4000多名").
   Nothing cut means the figure is exact and printed as such, so every count below 100 and
   every figure like 6000 or 350 stays exact under the default (`23个`, `40个`, `6000张`).
3. Figures from 1万 up are written with 万 (from 1亿 with 亿, from 1万亿 with 万亿), the
   coefficient without trailing zeros: 1.2万, 17万, 110万, 1.1亿.
4. Where 余 goes: `17万余` when less than one 万 was cut (the 万 figure itself is exact),
   `110余万` when at least one whole 万 was cut (the 万 figure itself is approximate).
   So 1,103,000 → 110万余 but 1,126,000 → 110余万; 173,200 → 17万余.
5. 近: when something would be cut and the figure is at least 95% of the next power of ten,
   it is written as 近 + that power: 9,820 → 近万, 96,400 → 近10万, 999 → 近1000.
   A figure that is exact at `digits` is never turned into 近 (9500 stays 9500).
   `near=False` turns this off.
6. `exact=True` prints the figure as recorded (32046, 775300.50) — no 万, no 余.
7. Floats are refused (money is Decimal), and so are negative figures (a review writes a
   decrease as 减少2500余, with the sign in the words) and bools.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, localcontext

from gonghui.core.text.dates import format_date_zh

__all__ = ["approx", "date_zh", "period_zh", "rmb_upper"]

# Largest first: the first unit not larger than the figure is the one it is written in.
_UNITS: tuple[tuple[int, str], ...] = ((10**12, "万亿"), (10**8, "亿"), (10**4, "万"))

# 5% below a power of ten still reads as "nearly" it; 9500..9999 → 近万.
_NEAR_NUMERATOR = 19
_NEAR_DENOMINATOR = 20

_MORE_WORDS = ("余", "多")


def _checked(n: object, what: str) -> Decimal:
    # bool is an int subclass; True in a figure is a bug upstream, not the number 1.
    if isinstance(n, bool) or not isinstance(n, int | Decimal):
        raise TypeError(
            f"{what} must be an int or a Decimal, not {type(n).__name__}"
            " (money is Decimal: a float cannot hold 0.1 yuan exactly)"
        )
    value = Decimal(n)
    if not value.is_finite():
        raise ValueError(f"{what} must be finite, not {n}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {n}")
    return value


def _plain(value: Decimal) -> str:
    # normalize() drops trailing zeros (Decimal('2.5E+3')); "f" writes it out without exponent.
    return format(value.normalize(), "f")


def _in_units(value: Decimal) -> tuple[str, int, str]:
    """The coefficient, the size of the unit and its name: 1.1E+6 → ("110", 10000, "万")."""
    for size, name in _UNITS:
        if value >= size:
            return _plain(value / size), size, name
    return _plain(value), 1, ""


def _round_name(power: Decimal) -> str:
    figure, _, name = _in_units(power)
    # 近万, 近亿 — not 近1万; but 近10万, 近1000.
    if name and figure == "1":
        return name
    return figure + name


def approx(
    n: int | Decimal,
    *,
    unit: str = "",
    exact: bool = False,
    digits: int = 2,
    more: str = "余",
    near: bool = True,
) -> str:
    """A count or amount in house style, `unit` appended: approx(2537, unit="名") → 2500余名.

    `digits` is the number of significant digits kept (the seed's 77.5万余元 is digits=3, its
    20余项 digits=1); `more` is 余 or 多; see the module docstring for the rules.
    """
    value = _checked(n, "figure")
    if digits < 1:
        raise ValueError(f"digits must be at least 1, got {digits}")
    if more not in _MORE_WORDS:
        raise ValueError(f"more must be one of {_MORE_WORDS}, got {more!r}")
    if exact:
        # As recorded: an int as is, a Decimal with the places it was given (775300.50).
        return (str(n) if isinstance(n, int) else format(value, "f")) + unit
    if value == 0:
        return "0" + unit

    with localcontext() as ctx:
        # Enough precision that scaling and subtracting are exact for any figure given.
        ctx.prec = max(ctx.prec, len(value.as_tuple().digits) + digits + 4)
        lead = value.adjusted()  # exponent of the leading digit: 2537 → 3
        step = lead - digits + 1
        kept = value.scaleb(-step).to_integral_value(rounding=ROUND_DOWN).scaleb(step)
        cut = value - kept
        if cut == 0:
            figure, _, name = _in_units(kept)
            return figure + name + unit

        power = Decimal(1).scaleb(lead + 1)
        if near and value * _NEAR_DENOMINATOR >= power * _NEAR_NUMERATOR:
            return "近" + _round_name(power) + unit

        figure, size, name = _in_units(kept)
        if name and cut >= size:
            return figure + more + name + unit
        return figure + name + more + unit


_UPPER_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿")
_RMB_LIMIT = 10**12  # 壹万亿 needs 万 inside the 亿 group; no union handles such sums


def rmb_upper(amount: Decimal | int) -> str:
    """RMB upper-case as on receipts: Decimal("1023.5") → 壹仟零贰拾叁元伍角.

    Written by hand rather than with cn2an: cn2an is not a declared dependency, and it turns
    1.005 into 壹元整 without complaint. Rules (中国人民银行《正确填写票据和结算凭证的基本规定》):
    壹拾 keeps its 壹; one 零 stands for each run of zeros between two non-zero digits, across
    万/亿 and across 元 (壹拾万零壹拾元整, 壹元零壹分, 壹仟陆佰捌拾元零叁角贰分 — the rules allow
    the 零 after a zero 元 or 万 digit, and writing it always keeps the rule to one sentence);
    整 follows 元 when there are no 角 or 分, never 角 or 分; no 零元 before 角 or 分 alone (伍分).
    """
    value = _checked(amount, "amount")
    if value >= _RMB_LIMIT:
        raise ValueError(f"amount must be below {_RMB_LIMIT} yuan, got {amount}")
    # Receipts stop at 分; silently dropping a fraction of a fen would misstate the sum.
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"amount has more places than 分 (0.01 yuan): {amount}")

    yuan, fen_total = divmod(int(value * 100), 100)
    jiao, fen = divmod(fen_total, 10)

    out: list[str] = []
    zero_run = False  # zeros seen after a non-zero digit, owed one 零 before the next one
    text = str(yuan) if yuan else ""
    for i, char in enumerate(text):
        place = len(text) - 1 - i
        digit = int(char)
        if digit:
            if zero_run:
                out.append("零")
                zero_run = False
            out.append(_UPPER_DIGITS[digit] + _PLACES[place % 4])
        else:
            zero_run = True
        # The group's name (万, 亿) once its four digits are done, unless all four are zero.
        if place and place % 4 == 0 and int(text[max(0, i - 3) : i + 1]):
            out.append(_GROUPS[place // 4])
    if yuan:
        out.append("元")

    for digit, name in ((jiao, "角"), (fen, "分")):
        if digit:
            if zero_run:
                out.append("零")
                zero_run = False
            out.append(_UPPER_DIGITS[digit] + name)
        elif out:
            zero_run = True

    if jiao == 0 and fen == 0:
        return "".join(out) + "整" if yuan else "零元整"
    return "".join(out)


def _checked_date(d: object, what: str) -> date:
    # A datetime is refused: a UTC timestamp near midnight is the next day in Asia/Shanghai, so
    # the caller must pick the local date explicitly.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"{what} must be a date, not {type(d).__name__}")
    return d


def date_zh(d: date) -> str:
    """`2018年7月15日`, no zero padding."""
    return format_date_zh(_checked_date(d, "d"))


_QUARTERS = ("一", "二", "三", "四")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_zh(start: date, end: date) -> str:
    """A period, both ends included, as a review names it.

    Whole year → 2018年; 1 Jan–30 Jun → 2018年上半年; 1 Jul–31 Dec → 2018年下半年; a calendar
    quarter → 2018年第三季度; a calendar month → 2018年5月; a single day → 2018年7月15日;
    anything else → 2018年3月1日至2018年5月20日.
    """
    _checked_date(start, "start")
    _checked_date(end, "end")
    if start > end:
        raise ValueError(f"period starts after it ends: {start} > {end}")
    if start == end:
        return date_zh(start)

    year = start.year
    if start.day == 1 and end.year == year:
        if (start.month, end) == (1, date(year, 12, 31)):
            return f"{year}年"
        if (start.month, end) == (1, date(year, 6, 30)):
            return f"{year}年上半年"
        if (start.month, end) == (7, date(year, 12, 31)):
            return f"{year}年下半年"
        if start.month % 3 == 1 and end == _month_end(year, start.month + 2):
            return f"{year}年第{_QUARTERS[start.month // 3]}季度"
        if end == _month_end(year, start.month):
            return f"{year}年{start.month}月"
    return f"{date_zh(start)}至{date_zh(end)}"
