"""Code tables for 民族, 学历 and 政治面貌, checked without Django or a database."""

from __future__ import annotations

import pytest

from gonghui.people.codes import (
    EDUCATION,
    ETHNICITY,
    POLITICAL_STATUS,
    CodeTable,
    UnknownCode,
)

# --- shape of every table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "size"),
    [(ETHNICITY, 56 + 2), (EDUCATION, 11), (POLITICAL_STATUS, 13)],
)
def test_table_size(table: CodeTable, size: int) -> None:
    assert len(table) == size
    assert len(table.choices) == size
    assert len(set(table.codes)) == size
    assert len(set(table.labels)) == size


@pytest.mark.parametrize("table", [ETHNICITY, EDUCATION, POLITICAL_STATUS])
def test_every_code_and_label_round_trips(table: CodeTable) -> None:
    for code, label in table.choices:
        assert len(code) == 2 and code.isdigit()
        assert table.label(code) == label
        assert table.lookup(label) == code
        assert table.lookup(code) == code
        assert table.lookup(int(code)) == code
        assert table.lookup(float(int(code))) == code


def test_choices_is_a_fresh_list_of_pairs() -> None:
    choices = ETHNICITY.choices
    assert isinstance(choices, list)
    choices.clear()
    assert len(ETHNICITY.choices) == 58


# --- 民族 (GB/T 3304-1991) -------------------------------------------------------------------


def test_ethnicity_official_order() -> None:
    codes = ETHNICITY.codes
    assert codes[:56] == tuple(f"{n:02d}" for n in range(1, 57))
    assert codes[56:] == ("97", "98")
    # Spot checks spread across the standard, where a shifted row would show.
    expected = {
        "01": "汉族",
        "02": "蒙古族",
        "05": "维吾尔族",
        "10": "朝鲜族",
        "11": "满族",
        "15": "土家族",
        "22": "畲族",
        "29": "柯尔克孜族",
        "30": "土族",
        "36": "毛南族",
        "37": "仡佬族",
        "43": "乌孜别克族",
        "46": "德昂族",
        "49": "京族",
        "50": "塔塔尔族",
        "55": "珞巴族",
        "56": "基诺族",
        "97": "其他",
        "98": "外国血统中国籍人士",
    }
    assert {code: ETHNICITY.label(code) for code in expected} == expected
    assert all(label.endswith("族") for label in ETHNICITY.labels[:56])


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("汉族", "01"),
        ("汉", "01"),
        (" 汉族 ", "01"),
        ("汉　族", "01"),  # ideographic space
        ("汉族\u200b", "01"),  # zero-width space from copy-paste
        ("01", "01"),
        ("1", "01"),
        (1, "01"),
        (1.0, "01"),
        ("1.0", "01"),
        ("０１", "01"),  # full-width digits from an IME
        ("土家", "15"),
        ("土", "30"),
        ("维吾尔", "05"),
        ("维族", "05"),
        ("蒙族", "02"),
        ("蒙古", "02"),
        ("崩龙族", "46"),
        ("其它", "97"),
        (98, "98"),
    ],
)
def test_ethnicity_lookup(typed: object, code: str) -> None:
    assert ETHNICITY.lookup(typed) == code


# --- 学历 (GB/T 4658-2006) ---------------------------------------------------------------------


def test_education_codes_follow_the_standard() -> None:
    assert EDUCATION.choices == [
        ("11", "博士研究生"),
        ("14", "硕士研究生"),
        ("21", "大学本科"),
        ("31", "大学专科"),
        ("41", "中等专科"),
        ("44", "职业高中"),
        ("47", "技工学校"),
        ("61", "普通高中"),
        ("71", "初中"),
        ("81", "小学"),
        ("90", "其他"),
    ]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("本科", "21"),
        ("大学本科毕业", "21"),
        ("大专", "31"),
        ("专科", "31"),
        ("中专", "41"),
        ("职高", "44"),
        ("技校", "47"),
        ("高中", "61"),
        ("初中", "71"),
        ("小学", "81"),
        ("博士", "11"),
        ("硕士", "14"),
        (21, "21"),
        ("21.0", "21"),
    ],
)
def test_education_lookup(typed: object, code: str) -> None:
    assert EDUCATION.lookup(typed) == code


@pytest.mark.parametrize("typed", ["研究生", "大学", "高职"])
def test_education_refuses_ambiguous_forms(typed: str) -> None:
    with pytest.raises(UnknownCode) as excinfo:
        EDUCATION.lookup(typed)
    assert "不明确" in str(excinfo.value)
    assert excinfo.value.code == "ambiguous"


def test_education_hint_for_graduate_names_both_degrees() -> None:
    with pytest.raises(UnknownCode, match=r"博士研究生.*硕士研究生"):
        EDUCATION.lookup("研究生")


# --- 政治面貌 (GB/T 4762-1984) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("中共党员", "01"),
        ("中国共产党党员", "01"),
        ("党员", "01"),
        ("预备党员", "02"),
        ("中国共产党预备党员", "02"),
        ("共青团员", "03"),
        ("中国共产主义青年团团员", "03"),
        ("团员", "03"),
        ("民革", "04"),
        ("中国民主同盟盟员", "05"),
        ("九三学社", "10"),
        ("无党派", "12"),
        ("群众", "13"),
        (13, "13"),
        ("3", "03"),
    ],
)
def test_political_status_lookup(typed: object, code: str) -> None:
    assert POLITICAL_STATUS.lookup(typed) == code


# --- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "typed"),
    [
        (ETHNICITY, "火星族"),
        (ETHNICITY, "57"),
        (ETHNICITY, 0),
        (ETHNICITY, 1.5),
        (ETHNICITY, True),  # bool is an int; must not become 01
        (EDUCATION, 1),  # 学历 codes are not one-digit; "1" is not "11"
        (EDUCATION, "本科生物"),
        (POLITICAL_STATUS, "党"),
    ],
)
def test_unknown_value_raises_with_chinese_message(table: CodeTable, typed: object) -> None:
    with pytest.raises(UnknownCode) as excinfo:
        table.lookup(typed)
    message = str(excinfo.value)
    assert message.startswith(f"无法识别的{table.name}")
    # The message shows what would have been accepted: labels and codes.
    assert table.labels[0] in message
    assert table.codes[0] in message
    assert excinfo.value.code == "invalid_choice"
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_blank_value_says_it_is_missing(blank: object) -> None:
    with pytest.raises(UnknownCode, match="未填写民族"):
        ETHNICITY.lookup(blank)


def test_label_of_unknown_code_raises() -> None:
    with pytest.raises(UnknownCode):
        ETHNICITY.label("99")


def test_label_accepts_a_code_in_excel_form() -> None:
    assert ETHNICITY.label(1) == "汉族"


def test_contains_is_by_code() -> None:
    assert "01" in ETHNICITY
    assert "汉族" not in ETHNICITY


# --- table construction guards ----------------------------------------------------------------


def test_conflicting_alias_is_refused_at_definition() -> None:
    with pytest.raises(ValueError, match="maps to both"):
        CodeTable("测试", [("1", "甲"), ("2", "乙")], aliases={"甲": "2"})


def test_alias_to_missing_code_is_refused_at_definition() -> None:
    with pytest.raises(ValueError, match="unknown code"):
        CodeTable("测试", [("1", "甲")], aliases={"丙": "3"})


def test_accepted_and_ambiguous_at_once_is_refused_at_definition() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        CodeTable("测试", [("1", "甲")], ambiguous={"甲": "?"})
