"""Identifier rules, checked without Django or a database."""

from __future__ import annotations

import random
from dataclasses import FrozenInstanceError
from datetime import date

import pytest
from stdnum.cn import ric, uscc

from gonghui.core.text.identifiers import (
    USCC_ALPHABET,
    IdentifierError,
    check_id_number,
    check_mobile,
    check_uscc,
    id_check_char,
    make_id_number,
    make_uscc,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    uscc_check_char,
)

# --- 居民身份证号 -------------------------------------------------------------------

# Worked by hand with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 and check chars
# "10X98765432"[sum % 11]; the first two are the examples printed in GB 11643-1999.
#   11010519491231002: 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167, 167 % 11 = 2 -> X
#   44052418800101001: 28+36+0+25+16+16+2+8+48+0+0+9+0+5+0+0+2 = 195, 195 % 11 = 8 -> 4
#   36042619910101007: 21+54+0+20+16+24+2+9+54+3+0+9+0+5+0+0+14 = 231, 231 % 11 = 0 -> 1
KNOWN_VALID = [
    ("11010519491231002X", date(1949, 12, 31), "F", "110105"),
    ("440524188001010014", date(1880, 1, 1), "M", "440524"),
    ("360426199101010071", date(1991, 1, 1), "M", "360426"),
]


@pytest.mark.parametrize(("number", "birth_date", "sex", "area_code"), KNOWN_VALID)
def test_known_valid_id_numbers(number: str, birth_date: date, sex: str, area_code: str) -> None:
    info = check_id_number(number)
    assert info.number == number
    assert info.birth_date == birth_date
    assert info.sex == sex
    assert info.area_code == area_code
    assert info.area_known is True


@pytest.mark.parametrize(
    ("first17", "check"),
    [("11010519491231002", "X"), ("44052418800101001", "4"), ("36042619910101007", "1")],
)
def test_check_char_matches_hand_computation(first17: str, check: str) -> None:
    assert id_check_char(first17) == check


GENERATED_CASES = [
    ("370285", date(1990, 1, 1), "M"),
    ("370285", date(1990, 1, 1), "F"),
    ("110105", date(2000, 2, 29), "F"),
    ("440305", date(1965, 12, 31), "M"),
    ("370215", date(2018, 7, 15), "F"),
    ("650102", date(1975, 6, 30), "M"),
]


@pytest.mark.parametrize(("area_code", "birth_date", "sex"), GENERATED_CASES)
@pytest.mark.parametrize("seed", range(5))
def test_generated_id_numbers_validate(
    area_code: str, birth_date: date, sex: str, seed: int
) -> None:
    number = make_id_number(
        random.Random(seed), area_code=area_code, birth_date=birth_date, sex=sex
    )
    # An independent implementation of MOD 11-2 agrees on the check character.
    assert number[-1] == ric.calc_check_digit(number)
    info = check_id_number(number)
    assert (info.number, info.birth_date, info.sex, info.area_code) == (
        number,
        birth_date,
        sex,
        area_code,
    )
    assert info.warnings == []


def test_make_id_number_is_deterministic() -> None:
    kwargs = {"area_code": "370285", "birth_date": date(1990, 1, 1), "sex": "M"}
    first = [make_id_number(random.Random(42), **kwargs) for _ in range(3)]  # type: ignore[arg-type]
    assert len(set(first)) == 1
    rng = random.Random(7)
    assert len({make_id_number(rng, **kwargs) for _ in range(50)}) > 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"area_code": "37028", "birth_date": date(1990, 1, 1), "sex": "M"}, "area_code"),
        ({"area_code": "37028A", "birth_date": date(1990, 1, 1), "sex": "M"}, "area_code"),
        ({"area_code": "370285", "birth_date": date(1990, 1, 1), "sex": "male"}, "sex"),
    ],
)
def test_make_id_number_rejects_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make_id_number(random.Random(0), **kwargs)  # type: ignore[arg-type]


def test_sex_follows_seventeenth_digit() -> None:
    base = "370285199001010"
    for digit in "0123456789":
        first17 = base + "1" + digit
        info = check_id_number(first17 + id_check_char(first17))
        assert info.sex == ("M" if int(digit) % 2 else "F")


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 11010519491231002X ",
        "110105 19491231 002X",
        "110105\u300019491231\u3000002x",  # ideographic space
        "\ufeff11010519491231002X\u200b",  # BOM and zero-width space from copy-paste
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and letter
        "１１０１０５１９４９１２３１００２ｘ",
    ],
)
def test_id_number_normalisation(raw: str) -> None:
    assert normalize_id_number(raw) == "11010519491231002X"
    assert check_id_number(raw).number == "11010519491231002X"


def test_wrong_check_char_names_the_expected_one() -> None:
    with pytest.raises(IdentifierError, match="校验码错误，应为X") as excinfo:
        check_id_number("110105194912310021")
    assert excinfo.value.code == "checksum"
    with pytest.raises(IdentifierError, match="校验码错误，应为4"):
        check_id_number("44052418800101001X")


def _with_check(first17: str) -> str:
    return first17 + id_check_char(first17)


@pytest.mark.parametrize(
    ("raw", "fragment", "code"),
    [
        ("", "长度应为18位", "length"),
        ("   ", "长度应为18位", "length"),
        ("1101051949123100", "长度应为18位，实际为16位", "length"),
        ("11010519491231002X1", "长度应为18位，实际为19位", "length"),
        ("110105491231002", "15位", "length"),
        ("11010519491231002Y", "含非法字符：Y", "charset"),
        ("110105-19491231-002X", "含非法字符：-", "charset"),
        ("1101051949123100X2", "X只能出现在最后一位", "charset"),
        (_with_check("11010519900230002"), "出生日期无效", "birth_date"),
        (_with_check("11010519901301002"), "出生日期无效", "birth_date"),
        (_with_check("11010500000101002"), "出生日期无效", "birth_date"),
        (_with_check("11010529990101002"), "出生日期无效", "birth_date"),
    ],
)
def test_invalid_id_numbers(raw: str, fragment: str, code: str) -> None:
    with pytest.raises(IdentifierError, match=fragment) as excinfo:
        check_id_number(raw)
    assert excinfo.value.code == code
    assert isinstance(excinfo.value, ValueError)


def test_feb_30_message_shows_the_date() -> None:
    with pytest.raises(IdentifierError, match="出生日期无效：1990-02-30不存在"):
        check_id_number(_with_check("11010519900230002"))


def test_area_code_newer_than_stdnum_window_is_accepted() -> None:
    # 370215 即墨区 dates from 2017. stdnum's table knows it only "[2017-]" and so its
    # validate() rejects a 1990 birth year; a late-registered member can hold exactly
    # such a number, so it must pass here.
    number = _with_check("37021519900101123")
    with pytest.raises(ric.InvalidComponent):
        ric.validate(number)
    info = check_id_number(number)
    assert info.area_code == "370215"
    assert info.area_known is True
    assert info.warnings == []


@pytest.mark.parametrize("area_code", ["379999", "370299", "830000", "990000"])
def test_unknown_area_code_is_a_warning_not_an_error(area_code: str) -> None:
    info = check_id_number(_with_check(area_code + "19900101123"))
    assert info.area_known is False
    assert info.warnings == [f"地区码{area_code}不在行政区划表中"]


def test_birth_before_1900_is_a_warning() -> None:
    info = check_id_number("440524188001010014")
    assert info.warnings == ["出生日期1880-01-01早于1900年，请核对"]


def test_info_is_frozen() -> None:
    info = check_id_number("11010519491231002X")
    with pytest.raises(FrozenInstanceError):
        info.sex = "M"  # type: ignore[misc]


# Excel keeps 15 significant digits, so an ID typed into a General cell arrives as a
# float (or its int/scientific rendering) with the tail gone.
@pytest.mark.parametrize(
    "raw",
    [
        3.70285199001011234e17,
        370285199001011234.0,
        1.1010519491231002e17,
        float("nan"),
        370285199001011,  # int that lost its last three digits
        37028519900101123,
        -370285199001011234,
        "3.70285199001011E+17",
        "3.70285199001011e17",
    ],
)
def test_excel_mangled_id_numbers_raise(raw: str | int | float) -> None:
    with pytest.raises(IdentifierError) as excinfo:
        normalize_id_number(raw)
    assert excinfo.value.code == "excel_number"
    assert "文本" in str(excinfo.value)
    with pytest.raises(IdentifierError):
        check_id_number(raw)


def test_int_with_all_18_digits_is_accepted() -> None:
    assert normalize_id_number(440524188001010014) == "440524188001010014"
    assert check_id_number(440524188001010014).birth_date == date(1880, 1, 1)


def test_bool_is_not_an_id_number() -> None:
    with pytest.raises(IdentifierError):
        normalize_id_number(True)


# --- 统一社会信用代码 -------------------------------------------------------------

# Worked by hand with weights 3**i mod 31 and check = alphabet[(31 - sum % 31) % 31]:
#   91110000600037341: 9+3+9+27+0+0+0+0+120+0+0+0+24+168+30+120+28 = 538,
#                      538 % 31 = 11, 31 - 11 = 20 -> "L"
#   91440300192203821 (华为技术有限公司): 9+3+36+108+0+78+0+0+20+261+50+26+0+72+80+60+28
#                      = 831, 831 % 31 = 25, 31 - 25 = 6 -> "6"
KNOWN_USCC = ["91110000600037341L", "914403001922038216"]


def test_uscc_weights_are_those_of_gb_32100() -> None:
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    assert [pow(3, i, 31) for i in range(17)] == weights
    assert len(USCC_ALPHABET) == 31
    assert not set("IOZSV") & set(USCC_ALPHABET)


@pytest.mark.parametrize("code", KNOWN_USCC)
def test_known_valid_uscc(code: str) -> None:
    assert check_uscc(code) == code
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91110000600037341l", "91110000600037341L"),
        (" 9144 0300 1922 0382 16 ", "914403001922038216"),
        ("9144-0300-1922-0382-16", "914403001922038216"),
        ("９１１１００００６０００３７３４１Ｌ", "91110000600037341L"),
    ],
)
def test_uscc_normalisation(raw: str, expected: str) -> None:
    assert check_uscc(raw) == expected


def test_uscc_with_letter_authority_code_is_accepted() -> None:
    # 村级集体经济组织 (登记管理部门 N = 农业): stdnum insists on eight leading digits.
    code = "N2370285MF0000000" + uscc_check_char("N2370285MF0000000")
    assert check_uscc(code) == code
    assert not uscc.is_valid(code)


@pytest.mark.parametrize("prefix", ["91", "81", "51", "12", "Y1", "N2"])
@pytest.mark.parametrize("seed", range(5))
def test_generated_uscc_validate(prefix: str, seed: int) -> None:
    code = make_uscc(random.Random(seed), prefix=prefix, region="370285")
    assert code.startswith(prefix + "370285")
    assert check_uscc(code) == code
    assert code[-1] == uscc.calc_check_digit(code)


def test_make_uscc_defaults_and_determinism() -> None:
    code = make_uscc(random.Random(3))
    assert code.startswith("91370285")
    assert make_uscc(random.Random(3)) == code
    assert make_uscc(random.Random(4)) != code


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"prefix": "9"}, "prefix"),
        ({"prefix": "9I"}, "prefix"),
        ({"region": "37028"}, "region"),
        ({"region": "3702A5"}, "region"),
    ],
)
def test_make_uscc_rejects_bad_arguments(kwargs: dict[str, str], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make_uscc(random.Random(0), **kwargs)


@pytest.mark.parametrize(
    ("raw", "fragment", "code"),
    [
        ("", "长度应为18位", "length"),
        ("91110000600037341", "长度应为18位，实际为17位", "length"),
        ("91110000600037341L0", "长度应为18位，实际为19位", "length"),
        ("91110000600037341K", "校验码错误，应为L", "checksum"),
        ("914403001922038215", "校验码错误，应为6", "checksum"),
        ("91110000600O37341L", "含非法字符：O", "charset"),
        ("9111000060003734IL", "含非法字符：I", "charset"),
        ("91110000600037S41L", "含非法字符：S", "charset"),
        ("91110000600037V41L", "含非法字符：V", "charset"),
        ("91110000600037Z41L", "含非法字符：Z", "charset"),
        ("91110000/60003734", "含非法字符：/", "charset"),
        ("91A10000600037341L", "行政区划码", "region"),
    ],
)
def test_invalid_uscc(raw: str, fragment: str, code: str) -> None:
    with pytest.raises(IdentifierError, match=fragment) as excinfo:
        check_uscc(raw)
    assert excinfo.value.code == code


# --- 手机号 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        " 138 1234 5678 ",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "8613812345678",
        "86-138-1234-5678",
        "008613812345678",
        "１３８１２３４５６７８",
        13812345678,
        13812345678.0,
    ],
)
def test_valid_mobile(raw: str | int | float) -> None:
    assert check_mobile(raw) == "13812345678"


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_every_mobile_prefix(prefix: str) -> None:
    assert check_mobile(prefix + "012345678") == prefix + "012345678"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "不能为空"),
        ("1381234567", "长度应为11位，实际为10位"),
        ("138123456789", "长度应为11位，实际为12位"),
        ("12812345678", "应以13–19开头"),
        ("10012345678", "应以13–19开头"),
        ("23812345678", "应以13–19开头"),
        ("138abcd5678", "含非法字符"),
        ("0532-88886666", "长度应为11位，实际为12位"),
        ("05328888666", "应以13–19开头"),
        ("+85291234567", "含非法字符"),
        (13812345678.5, "含非法字符"),
        (True, "含非法字符"),
    ],
)
def test_invalid_mobile(raw: str | int | float, fragment: str) -> None:
    with pytest.raises(IdentifierError, match=fragment):
        check_mobile(raw)


# --- 脱敏 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("37028519900101123X", "370285**********3X"),
        ("11010519491231002X", "110105**********2X"),
        (" 11010519491231002X ", "110105**********2X"),
        ("110105491231002", "110105*******02"),  # old 15-digit number
        ("", ""),
        ("1", "*"),
        ("12345678", "********"),
        ("11010519491231", "**************"),
    ],
)
def test_mask_id_number(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0532-88886666", "053******6666"),
        ("", ""),
        ("5", "*"),
        ("88886666", "********"),
        ("1381234567", "**********"),
    ],
)
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize("length", range(25))
def test_masks_never_show_more_than_the_pattern(length: int) -> None:
    value = "".join(str(i % 10) for i in range(length))
    assert sum(c != "*" for c in mask_id_number(value)) <= 8
    assert sum(c != "*" for c in mask_phone(value)) <= 7
    assert len(mask_id_number(value)) == length
