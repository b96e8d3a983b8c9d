"""Pinyin initials for name search, checked without Django or a database."""

from __future__ import annotations

import time

import pytest
from pypinyin import Style, lazy_pinyin

from gonghui.core.text.pinyin import COMPOUND_SURNAMES, SURNAMES, initials, matches

# --- ordinary names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", "zs"),
        ("李四", "ls"),
        ("王小明", "wxm"),
        ("刘德华", "ldh"),
        ("陈", "c"),
        ("黄晓燕", "hxy"),
        ("〇", "l"),  # líng, used in names and dates
        ("買買提", "mmt"),  # traditional characters are in the dictionary too
    ],
)
def test_ordinary_names(name: str, expected: str) -> None:
    assert initials(name) == expected


# Characters with a single reading: the per-character table must agree with pypinyin itself.
_UNAMBIGUOUS = "王李刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓肖田董潘蒋蔡杜叶程苏魏吕丁"


def test_agrees_with_pypinyin_on_single_reading_characters() -> None:
    for char in _UNAMBIGUOUS:
        assert initials("张" + char) == "z" + lazy_pinyin(char, style=Style.FIRST_LETTER)[0]


# --- compound surnames -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("欧阳娜娜", "oynn"),
        ("欧阳修", "oyx"),
        ("司马光", "smg"),
        ("诸葛亮", "zgl"),
        ("上官婉儿", "sgwe"),
        ("尉迟恭", "ycg"),  # yùchí, not wèi
        ("万俟卨", "mqx"),  # mòqí, not wàn
        ("长孙无忌", "zswj"),  # zhǎngsūn: the compound overrides single-surname 长 (cháng)
        ("单于飞", "cyf"),  # chányú, not shàn
        ("澹台灭明", "ttmm"),
        ("乐正子春", "yzzc"),
    ],
)
def test_compound_surnames(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_compound_surname_needs_a_given_name() -> None:
    # Two characters are surname + given name: 单 (shàn) 于, not the compound 单于 (chányú).
    assert initials("单于") == "sy"


def test_every_compound_surname_entry_is_two_characters_and_two_letters() -> None:
    for surname, letters in COMPOUND_SURNAMES.items():
        assert len(surname) == 2
        assert len(letters) == 2 and letters.isascii() and letters.islower()


# --- surname readings --------------------------------------------------------------------------


_SURNAME_CASES = [
    ("曾国藩", "zgf"),  # zēng, not céng
    ("单雄信", "sxx"),  # shàn, not dān
    ("解缙", "xj"),  # xiè, not jiě
    ("仇英", "qy"),  # qiú, not chóu
    ("区志明", "ozm"),  # ōu, not qū
    ("朴槿惠", "pjh"),  # piáo
    ("查良镛", "zly"),  # zhā, not chá
    ("盖叫天", "gjt"),  # gě
    ("乐嘉", "yj"),  # yuè, not lè
    ("覃海", "qh"),  # qín, not tán
    ("尉缭", "yl"),  # yù, not wèi
    ("缪昌期", "mcq"),  # miào
    ("繁钦", "pq"),  # pó, not fán
    ("员半千", "ybq"),  # yùn
    ("召忽", "sh"),  # shào, not zhào
    ("翟志刚", "zzg"),  # zhái, not dí
    ("黑小明", "hxm"),
    ("重小平", "cxp"),  # chóng, not zhòng
    ("种师道", "csd"),  # chóng, not zhǒng
    ("秘小红", "bxh"),  # bì, not mì
    ("那英", "ny"),  # nā
    ("折从阮", "scr"),  # shé, not zhé
    ("祭遵", "zz"),  # zhài, not jì
    ("眭弘", "sh"),  # suī
    ("洗星海", "xxh"),  # xiǎn
    ("过小明", "gxm"),  # guō
    ("句龙", "gl"),  # gōu, not jù
    ("阚泽", "kz"),  # kàn; the dictionary lists hǎn first
    ("华佗", "ht"),  # huà
    ("长小华", "cxh"),  # cháng, not zhǎng
    ("乜小燕", "nxy"),  # niè, not miē
    ("粘小兰", "nxl"),  # nián, not zhān
    ("佴小明", "nxm"),  # nài, not èr
]


@pytest.mark.parametrize(("name", "expected"), _SURNAME_CASES)
def test_surname_override(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_every_override_surname_is_tested() -> None:
    assert set(SURNAMES) == {name[0] for name, _ in _SURNAME_CASES}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("李单", "ld"),  # 单 in a given name keeps its everyday reading dān
        ("何曾", "hc"),  # and 曾 is céng
        ("王解放", "wjf"),
        ("张重阳", "zzy"),  # zhòng: the override only touches the surname
    ],
)
def test_override_applies_only_to_the_surname(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_override_table_covers_the_conventions() -> None:
    # The surnames the house conventions (Identifiers: names) call out by name.
    assert [SURNAMES[s] for s in "曾单解仇区朴"] == ["z", "s", "x", "q", "o", "p"]


# --- other characters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", ""),
        ("   ", ""),
        (" 曾国藩 ", "zgf"),  # leading blank must not hide the surname
        ("张三A", "zsa"),
        ("Tom李", "toml"),
        ("王2", "w2"),
        ("ＺＨＡＮＧ", "zhang"),  # full-width letters from an IME
        ("买买提·艾力", "mmtal"),  # middle dot dropped
        ("张-三", "zs"),
        ("张😀三", "zs"),  # emoji dropped
        ("ㄅ张", "z"),  # bopomofo has no reading: dropped
        ("Zhang San", "zhangsan"),
    ],
)
def test_non_chinese_characters(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_result_is_lowercase_ascii() -> None:
    for name in ["欧阳娜娜", "Tom李", "ＺＨＡＮＧ", "曾国藩", "ǎ"]:
        result = initials(name)
        assert result == result.lower()
        assert result.isascii()


def test_speed_on_repeated_common_names() -> None:
    # Measured ~0.35 µs/name; lazy_pinyin is ~15-20 µs. The bound is 10 µs so a loaded CI
    # machine does not flake, while a regression to per-name pypinyin calls still fails.
    names = [s + g for s in "王李张刘陈杨曾单" for g in ("伟", "芳", "小明", "建国", "秀英")] * 2500
    initials("张三")  # load the dictionary outside the timing
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for name in names:
            initials(name)
        best = min(best, time.perf_counter() - start)
    assert best / len(names) < 10e-6


# --- search routing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zs", True),
        ("ZS", True),
        (" oynn ", True),
        ("abcdefgh", True),
        ("z", False),
        ("abcdefghi", False),
        ("张三", False),
        ("z1", False),
        ("1234", False),
        ("z s", False),
        ("", False),
        ("ｚｓ", False),  # full-width: not ASCII, the name column handles it
    ],
)
def test_matches(query: str, expected: bool) -> None:
    assert matches(query) is expected
