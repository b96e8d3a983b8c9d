"""Pinyin initials of Chinese names, for the search box (`zs` finds 张三).

`initials()` runs once per member on every import, so a 1,000,000-row roll calls it a million
times. pypinyin's `lazy_pinyin(name, style=Style.FIRST_LETTER)` segments phrases, applies tone
rules and builds lists per call, which costs tens of microseconds per name. Here each character
is looked up once in pypinyin's single-character dictionary, its initial is memoised in a
`str.translate` table, and a name costs one C-level `translate` call plus two dict probes for
the surname override.

Heteronyms take the dictionary's first (most common) reading, except that a surname is read as
a surname: 曾国藩 is Zēng Guófān, not Céng. That only applies to the leading character(s),
because 单 in a given name is still dān.

Nothing here imports Django.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

__all__ = ["COMPOUND_SURNAMES", "SURNAMES", "initials", "matches"]

# Surnames whose reading differs from the character's everyday (first-listed) reading, or where
# the dictionary's first reading would give a different initial. Entries whose initial happens
# to agree with the dictionary (黑, 华, 洗, 过, 员, 盖, 朴, 缪) are kept anyway so the table is the
# one place that documents surname readings.
_SURNAMES: dict[str, str] = {
    "曾": "z",  # zēng, not céng
    "单": "s",  # shàn, not dān
    "解": "x",  # xiè, not jiě
    "仇": "q",  # qiú, not chóu
    "区": "o",  # ōu, not qū
    "朴": "p",  # piáo
    "查": "z",  # zhā, not chá
    "盖": "g",  # gě
    "乐": "y",  # yuè, not lè
    "覃": "q",  # qín, not tán
    "尉": "y",  # yù, not wèi
    "缪": "m",  # miào
    "繁": "p",  # pó, not fán
    "员": "y",  # yùn
    "召": "s",  # shào, not zhào
    "翟": "z",  # zhái, not dí
    "黑": "h",  # hēi (the surname, also pronounced hè, keeps h)
    "重": "c",  # chóng, not zhòng
    "种": "c",  # chóng, not zhǒng
    "秘": "b",  # bì, not mì
    "那": "n",  # nā
    "折": "s",  # shé, not zhé
    "祭": "z",  # zhài, not jì
    "眭": "s",  # suī
    "洗": "x",  # xiǎn
    "过": "g",  # guō
    "句": "g",  # gōu, not jù
    "阚": "k",  # kàn; the dictionary lists hǎn first
    "华": "h",  # huà
    # Rarer surnames where the dictionary's first reading gives the wrong initial as well.
    "长": "c",  # cháng, not zhǎng (the compound 长孙 is zhǎng, below)
    "乜": "n",  # niè, not miē
    "粘": "n",  # nián, not zhān
    "佴": "n",  # nài, not èr
}

# Two-character surnames, matched before SURNAMES so that 单于 is chányú and 尉迟 is yùchí. Only
# used when a given name follows (see `initials`). The plain-reading ones (欧阳, 司马, …) give the
# same letters as the per-character path; they are listed so searches never depend on that.
_COMPOUND_SURNAMES: dict[str, str] = {
    "欧阳": "oy",
    "司马": "sm",
    "诸葛": "zg",
    "上官": "sg",
    "尉迟": "yc",  # yùchí
    "万俟": "mq",  # mòqí
    "长孙": "zs",  # zhǎngsūn
    "单于": "cy",  # chányú
    "澹台": "tt",  # tántái; 澹 is dàn elsewhere
    "乐正": "yz",  # yuèzhèng
}

# Read-only views for callers; the hot path uses the plain dicts, whose .get is cheaper.
SURNAMES: Mapping[str, str] = MappingProxyType(_SURNAMES)
COMPOUND_SURNAMES: Mapping[str, str] = MappingProxyType(_COMPOUND_SURNAMES)

# A lone character is only worth caching if the cache stays bounded: the Basic Multilingual
# Plane holds every common hanzi, and pinyin_dict bounds the rest. Random astral-plane input
# (emoji pasted from WeChat) is computed each time rather than growing the table without end.
_CACHE_LIMIT_CODEPOINT = 0x10000

_PINYIN_QUERY = re.compile(r"[A-Za-z]{2,8}")


def _load_pinyin_dict() -> Mapping[int, str]:
    """pypinyin's single-character dictionary, without importing the pypinyin package.

    `import pypinyin.pinyin_dict` first runs the package's __init__, which loads its phrase
    dictionaries too: 0.15-0.25 s, paid by every import process. The module is one literal
    dict, so it is loaded from its file alone (0.04 s). Should a pypinyin release move it,
    the normal import still works.
    """
    spec = importlib.util.find_spec("pypinyin")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / "pinyin_dict.py"
        if path.is_file():
            module_spec = importlib.util.spec_from_file_location("_gonghui_pinyin_dict", path)
            if module_spec is not None and module_spec.loader is not None:
                module = importlib.util.module_from_spec(module_spec)
                module_spec.loader.exec_module(module)
                readings: Mapping[int, str] = module.pinyin_dict
                return readings
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict  # type: ignore[no-any-return]


class _InitialTable(dict[int, str | None]):
    """`str.translate` table: code point -> initial letter, or None to drop the character.

    Filled on demand: `str.translate` calls `__getitem__`, which falls through to
    `__missing__` for a character not seen before. pinyin_dict (a 0.2 s import) is only
    loaded on the first Chinese character, so importing this module stays cheap.
    """

    def __init__(self) -> None:
        super().__init__()
        self._readings: Mapping[int, str] | None = None

    def _dictionary(self) -> Mapping[int, str]:
        if self._readings is None:
            self._readings = _load_pinyin_dict()
        return self._readings

    def __missing__(self, codepoint: int) -> str | None:
        letter = self._compute(codepoint)
        if codepoint < _CACHE_LIMIT_CODEPOINT or letter is not None:
            self[codepoint] = letter
        return letter

    def _compute(self, codepoint: int) -> str | None:
        char = chr(codepoint)
        if char.isascii():
            return char.lower() if char.isalnum() else None
        readings = self._dictionary().get(codepoint)
        if readings is not None:
            # The first listed reading is pypinyin's own default, the most common one. Strip its
            # tone mark (ǎ -> a, ḿ -> m) by decomposing and keeping the base letter.
            return unicodedata.normalize("NFD", readings[0])[0]
        # Full-width letters and digits (ＺＳ, １２) come from Chinese IMEs; fold them to ASCII.
        folded = unicodedata.normalize("NFKC", char)
        if len(folded) == 1 and folded.isascii() and folded.isalnum():
            return folded.lower()
        return None


_TABLE = _InitialTable()


def initials(name: str) -> str:
    """Lower-case pinyin initials of `name`: 张三 -> "zs", 欧阳娜娜 -> "oynn", 曾国藩 -> "zgf".

    ASCII letters and digits are kept (lower-cased); other characters without a reading
    (punctuation, the middle dot in 买买提·艾力, spaces) are dropped.
    """
    # Leading blanks would hide the surname from the override tables; strip() returns the
    # same object when there is nothing to strip, so clean names pay almost nothing.
    name = name.strip()
    # A compound surname needs a given name after it: a two-character 单于 is surname 单 with
    # given name 于, read shàn yú.
    if len(name) > 2:
        head = _COMPOUND_SURNAMES.get(name[:2])
        if head is not None:
            return head + name[2:].translate(_TABLE)
    # name[:1] rather than name[0] so the empty string needs no separate branch.
    head = _SURNAMES.get(name[:1])
    if head is not None:
        return head + name[1:].translate(_TABLE)
    return name.translate(_TABLE)


def matches(query: str) -> bool:
    """Whether a search query looks like pinyin initials (2-8 ASCII letters, e.g. "zs").

    The member list sends such queries to the initials column instead of the name column.
    A single letter is too unselective to be worth the index; names run to at most a few
    characters, and 8 letters still covers long transliterated minority names.
    """
    return _PINYIN_QUERY.fullmatch(query.strip()) is not None
