"""Chinese identifiers: 居民身份证号, 统一社会信用代码 and mobile numbers.

Validators take whatever a form or an Excel cell hands over, normalise it and either
return the canonical value or raise `IdentifierError` with a message that can be shown
to the person who typed it. Nothing here imports Django, so importers and benchmarks
can use it without settings.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from stdnum import numdb

__all__ = [
    "USCC_ALPHABET",
    "IdNumberInfo",
    "IdentifierError",
    "check_id_number",
    "check_mobile",
    "check_uscc",
    "id_check_char",
    "make_id_number",
    "make_uscc",
    "mask_id_number",
    "mask_phone",
    "normalize_id_number",
    "uscc_check_char",
]


class IdentifierError(ValueError):
    """An identifier failed a rule; `str(exc)` is the Chinese message for the user.

    `code` names the rule so callers can pass it on as a Django ValidationError code.
    """

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- 居民身份证号 (GB 11643-1999) ------------------------------------------------

# ISO 7064 MOD 11-2: weight of position i (from the left) is 2**(17 - i) mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11)

# Copy-paste from Word, WeChat and web pages brings these along; none is whitespace to
# str.split(), so they would otherwise surface as a baffling "illegal character".
_INVISIBLES = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

# What Excel writes when an 18-digit number is shown in a General-format cell.
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$")

_EXCEL_NUMBER_HINT = "请把Excel中该列设置为“文本”格式后重新填写"


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    birth_date: date
    sex: str  # "M" or "F"
    area_code: str
    area_known: bool
    warnings: list[str] = field(default_factory=list)


def _clean_text(raw: str) -> str:
    # NFKC folds full-width digits and letters (１２３Ｘ) to ASCII, which IMEs produce.
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLES)
    return "".join(text.split())


def normalize_id_number(raw: str | int | float) -> str:
    """Return the ID number as an upper-case ASCII string without spaces.

    Only the form is normalised; `check_id_number` applies the rules. Numbers are
    accepted only when they can still hold all 18 digits, because Excel keeps 15
    significant digits and silently zeroes the rest.
    """
    if isinstance(raw, bool):
        raise IdentifierError("身份证号含非法字符：不是号码", code="charset")
    if isinstance(raw, int):
        digits = str(raw)
        if raw < 0 or len(digits) != 18:
            raise IdentifierError(
                f"身份证号长度应为18位：收到的是数字{raw}，只有{len(digits.lstrip('-'))}位；"
                + _EXCEL_NUMBER_HINT,
                code="excel_number",
            )
        return digits
    if isinstance(raw, float):
        # A double carries ~16 significant digits, so no float can be a trustworthy
        # 18-digit number even when it happens to print as one.
        shown = f"{raw:.15g}" if math.isfinite(raw) else str(raw)
        raise IdentifierError(
            f"身份证号被存成了数字（{shown}），后几位已丢失，长度应为18位；" + _EXCEL_NUMBER_HINT,
            code="excel_number",
        )
    if not isinstance(raw, str):
        raise IdentifierError("身份证号含非法字符：不是文本", code="charset")
    text = _clean_text(raw).upper()
    if _SCIENTIFIC.match(text):
        raise IdentifierError(
            f"身份证号被存成了数字（{text}），后几位已丢失，长度应为18位；" + _EXCEL_NUMBER_HINT,
            code="excel_number",
        )
    return text


def id_check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # An import checks this once per row, so it is done in one C call. The weights are
        # 2**(17 - i) mod 11, and 13 ≡ 2 (mod 11): read as a base-13 numeral, the 17 digits
        # are congruent to half the weighted sum. Same result as the loop below.
        return _ID_CHECK_CHARS[2 * int(first17, 13) % 11]
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


@lru_cache(maxsize=4096)
def _area_known(area_code: str) -> bool:
    # The table (python-stdnum's cn/loc) also records when each code was in use, and
    # stdnum.cn.ric rejects a code outside its years. But a number keeps the code of
    # where it was first issued, so late registration and 撤县设区 reforms produce
    # genuine numbers "outside" those years: only existence is checked here.
    parts = numdb.get("cn/loc").info(area_code)
    return len(parts) == 2 and "county" in parts[1][1]


_ID_LAST_CHARS = frozenset("0123456789Xx")
_LOADED_ON = date.today()
# Birth dates by their eight digits: a roll of 100,000 people has only some 15,000 birthdays.
_BIRTH_DATES: dict[str, date] = {}
_BIRTH_DATES_LIMIT = 50_000


def _id_number_form(raw: str | int | float) -> str:
    """The normalised number, or IdentifierError for its form: charset, length, X's place."""
    number = normalize_id_number(raw)
    if not number:
        raise IdentifierError("身份证号不能为空，长度应为18位", code="length")
    illegal = sorted({c for c in number if not (c.isascii() and (c.isdigit() or c == "X"))})
    if illegal:
        raise IdentifierError(f"身份证号含非法字符：{'、'.join(illegal)}", code="charset")
    if len(number) != 18:
        hint = "（15位的一代证号码已停用，请填写18位号码）" if len(number) == 15 else ""
        raise IdentifierError(f"身份证号长度应为18位，实际为{len(number)}位{hint}", code="length")
    if "X" in number[:17]:
        raise IdentifierError("身份证号含非法字符：X只能出现在最后一位", code="charset")
    return number


def check_id_number(raw: str | int | float) -> IdNumberInfo:
    """Validate an 18-digit 居民身份证号 and decode it.

    Raises IdentifierError for anything that cannot be a valid number. An area code
    missing from the bundled table is only a warning: the table lags behind the
    frequent 撤县设区 reforms, and turning a real member away is worse than letting a
    typo in the first six digits through (the check character still catches most).
    """
    if (
        type(raw) is str
        and len(raw) == 18
        and raw.isascii()
        and raw[:17].isdigit()
        and raw[17] in _ID_LAST_CHARS
    ):
        # The form nearly every cell has: 18 ASCII characters, nothing to normalise, every
        # form rule met. The slow path below would return the same string.
        number = raw if raw[17] != "x" else raw[:17] + "X"
    else:
        number = _id_number_form(raw)

    birth_date = _BIRTH_DATES.get(number[6:14])
    if birth_date is None:
        try:
            birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            raise IdentifierError(
                f"身份证号出生日期无效：{number[6:10]}-{number[10:12]}-{number[12:14]}不存在",
                code="birth_date",
            ) from None
        if len(_BIRTH_DATES) < _BIRTH_DATES_LIMIT:
            _BIRTH_DATES[number[6:14]] = birth_date
    # Any day before the day this module was loaded is in the past for good: only a birth
    # date from then on needs today's date (a system call) to be compared with.
    if birth_date >= _LOADED_ON and birth_date > date.today():
        raise IdentifierError(
            f"身份证号出生日期无效：{birth_date.isoformat()}晚于今天", code="birth_date"
        )

    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise IdentifierError(f"身份证号校验码错误，应为{expected}", code="checksum")

    warnings: list[str] = []
    area_code = number[:6]
    area_known = _area_known(area_code)
    if not area_known:
        warnings.append(f"地区码{area_code}不在行政区划表中")
    if birth_date.year < 1900:
        warnings.append(f"出生日期{birth_date.isoformat()}早于1900年，请核对")
    # number, birth_date, sex, area_code, area_known, warnings (positional: once per row)
    return IdNumberInfo(
        number, birth_date, "M" if number[16] in "13579" else "F", area_code, area_known, warnings
    )


# --- 统一社会信用代码 (GB 32100-2015) ----------------------------------------------

# Digits and capitals minus I, O, Z, S, V, which read like 1, 0, 2, 5, U.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
# Weight of position i is 3**i mod 31.
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def uscc_check_char(first17: str) -> str:
    """The mod-31 check character for the first 17 characters of a USCC."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[-total % 31]


def check_uscc(raw: str) -> str:
    """Validate a 统一社会信用代码 and return it upper-case without separators.

    stdnum.cn.uscc computes the same check character but insists the first eight
    characters are digits, which rejects codes whose 登记管理部门 is a letter (the
    农业 "N2…" codes of 村级集体经济组织, "Y1…" for 其他); GB 32100 only requires the
    region code (positions 3–8) to be digits.
    """
    if not isinstance(raw, str):
        raise IdentifierError("统一社会信用代码含非法字符：不是文本", code="charset")
    code = _clean_text(raw).replace("-", "").upper()
    if not code:
        raise IdentifierError("统一社会信用代码不能为空，长度应为18位", code="length")
    illegal = sorted({c for c in code if c not in _USCC_VALUE})
    if illegal:
        raise IdentifierError(
            f"统一社会信用代码含非法字符：{'、'.join(illegal)}（不使用I、O、Z、S、V）",
            code="charset",
        )
    if len(code) != 18:
        raise IdentifierError(f"统一社会信用代码长度应为18位，实际为{len(code)}位", code="length")
    if not code[2:8].isdigit():
        raise IdentifierError(
            f"统一社会信用代码第3–8位应为行政区划码（6位数字），实际为{code[2:8]}",
            code="region",
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError(f"统一社会信用代码校验码错误，应为{expected}", code="checksum")
    return code


# --- 手机号 -------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")


def check_mobile(raw: str | int | float) -> str:
    """Validate a mainland mobile number and return its 11 bare digits.

    Excel hands over phone columns as numbers, so integral numbers are accepted; an
    11-digit number is well within what a float stores exactly.
    """
    if isinstance(raw, bool):
        raise IdentifierError("手机号含非法字符：不是号码", code="charset")
    if isinstance(raw, float):
        if not (math.isfinite(raw) and raw.is_integer()):
            raise IdentifierError(f"手机号含非法字符：{raw}", code="charset")
        raw = int(raw)
    text = str(raw) if isinstance(raw, int) else raw
    if not isinstance(text, str):
        raise IdentifierError("手机号含非法字符：不是文本", code="charset")
    if len(text) == 11 and text[0] == "1" and text.isascii() and text.isdigit():
        # Eleven bare digits: nothing to clean or strip; only the prefix rule is left.
        if text[1] in "3456789":
            return text
        raise IdentifierError("手机号应以13–19开头", code="prefix")
    number = _clean_text(text).replace("-", "")
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    if not number:
        raise IdentifierError("手机号不能为空", code="length")
    illegal = sorted({c for c in number if not (c.isascii() and c.isdigit())})
    if illegal:
        raise IdentifierError(f"手机号含非法字符：{'、'.join(illegal)}", code="charset")
    if len(number) != 11:
        raise IdentifierError(f"手机号长度应为11位，实际为{len(number)}位", code="length")
    if not _MOBILE.fullmatch(number):
        raise IdentifierError("手机号应以13–19开头", code="prefix")
    return number


# --- 脱敏 ---------------------------------------------------------------------------


def _mask(s: str, head: int, tail: int, min_len: int) -> str:
    # Below the length the pattern was designed for, showing head and tail would reveal
    # a larger share of the value than intended, so everything is hidden.
    if len(s) < min_len:
        return "*" * len(s)
    return s[:head] + "*" * (len(s) - head - tail) + s[len(s) - tail :]


def mask_id_number(s: str) -> str:
    """`370285**********1X`: area code and last two characters stay visible."""
    s = (s or "").strip()
    return _mask(s, 6, 2, 15)  # 15 admits the old first-generation numbers


def mask_phone(s: str) -> str:
    """`138****5678`; landlines keep the same three-and-four shape."""
    s = (s or "").strip()
    with contextlib.suppress(IdentifierError):
        s = check_mobile(s)  # "+86 138 1234 5678" should mask like the bare number
    return _mask(s, 3, 4, 11)


# --- Generators for demo data and benchmarks ----------------------------------------


def make_id_number(rng: random.Random, *, area_code: str, birth_date: date, sex: str) -> str:
    """A valid ID number; only the sequence code is drawn from `rng`."""
    if not (len(area_code) == 6 and area_code.isascii() and area_code.isdigit()):
        raise ValueError(f"area_code must be 6 digits, got {area_code!r}")
    if sex not in ("M", "F"):
        raise ValueError(f"sex must be 'M' or 'F', got {sex!r}")
    # Sequence 000 is never issued; odd sequences belong to men.
    sequence = rng.randrange(1 if sex == "M" else 2, 1000, 2)
    first17 = f"{area_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def make_uscc(rng: random.Random, *, prefix: str = "91", region: str = "370285") -> str:
    """A valid USCC (`prefix` "91" for enterprises, "81" for 基层工会).

    The organisation-code part carries its own GB 11714 check character, as real
    codes do, so the result also survives stricter validators.
    """
    if not (len(prefix) == 2 and all(c in _USCC_VALUE for c in prefix)):
        raise ValueError(f"prefix must be two USCC characters, got {prefix!r}")
    if not (len(region) == 6 and region.isascii() and region.isdigit()):
        raise ValueError(f"region must be 6 digits, got {region!r}")
    body = "".join(rng.choice("0123456789") for _ in range(8))
    org_code = body + _org_code_check_char(body)
    first17 = prefix + region + org_code
    return first17 + uscc_check_char(first17)


def _org_code_check_char(body: str) -> str:
    # GB 11714-1997: weights 3 7 9 10 5 8 4 2, check = 11 - (sum mod 11); 10 is X.
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)
