"""National code tables for member records: 民族, 学历, 政治面貌.

The tables ship as Python data rather than being downloaded or loaded into the database: the
standards have not changed in decades, imports need them without a query, and the code is what
gets stored (so a relabelling never rewrites member rows).

Each table is a `CodeTable`:

- `.choices` for a Django field's `choices=`;
- `.label(code)` for display and exports;
- `.lookup(value)` for what cadres type into Excel: the label, the code as text or as the
  number Excel turns it into (`"01"`, `"1"`, `1`, `1.0`), the short forms everybody uses
  (汉, 本科, 大专, 党员, 团员), with stray spaces, full-width digits and invisible characters
  from copy-paste tolerated. Anything else raises `UnknownCode` with a Chinese message that
  can go straight into the 错误原因 column.

Nothing here imports Django.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping

__all__ = ["EDUCATION", "ETHNICITY", "POLITICAL_STATUS", "CodeTable", "UnknownCode"]


class UnknownCode(ValueError):
    """A value matched no entry of a code table; `str(exc)` is the Chinese message for the user.

    `code` names the failure the way `gonghui.core.text.identifiers.IdentifierError` does, so
    callers can pass it on as a Django ValidationError code.
    """

    def __init__(self, message: str, *, code: str = "invalid_choice") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# Copy-paste from Word, WeChat and web pages brings these along; they are not whitespace to
# str.split(), so "汉族\u200b" would otherwise be unknown for no visible reason.
_INVISIBLES = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

# A number cell read back as text ("1.0") or a float that went through str().
_INTEGRAL_DECIMAL = re.compile(r"(\d+)\.0*")

# How many labels and codes an error message quotes: enough to show the expected shape
# without turning one cell's 错误原因 into the whole standard.
_EXAMPLES = 3


def _normalize(text: str) -> str:
    # NFKC folds full-width digits (０１) and the ideographic space to ASCII; removing every
    # whitespace also catches "汉 族", which Excel users produce when aligning text by hand.
    folded = unicodedata.normalize("NFKC", text).translate(_INVISIBLES)
    return "".join(folded.split())


class CodeTable:
    """One code table: ordered (code, label) entries plus the forms `lookup` accepts."""

    def __init__(
        self,
        name: str,
        entries: Iterable[tuple[str, str]],
        *,
        aliases: Mapping[str, str] | None = None,
        ambiguous: Mapping[str, str] | None = None,
    ) -> None:
        """Build the table.

        `name` is the field's Chinese name, used in messages. `aliases` maps extra accepted
        spellings to codes. `ambiguous` maps spellings that must be refused to the hint shown
        instead (e.g. 研究生, which could be 博士 or 硕士).
        """
        self.name = name
        self._entries: tuple[tuple[str, str], ...] = tuple(entries)
        self._labels: dict[str, str] = dict(self._entries)
        self._ambiguous: dict[str, str] = {_normalize(k): v for k, v in (ambiguous or {}).items()}
        if len(self._labels) != len(self._entries):
            raise ValueError(f"{name}: duplicate code")

        self._index: dict[str, str] = {}
        for code, label in self._entries:
            self._add(code, code)
            self._add(label, code)
            if code.isdigit():
                # Excel drops leading zeros from a number cell: 01 arrives as 1.
                self._add(str(int(code)), code)
        for text, code in (aliases or {}).items():
            if code not in self._labels:
                raise ValueError(f"{name}: alias {text!r} points to unknown code {code!r}")
            self._add(text, code)
        clash = self._ambiguous.keys() & self._index.keys()
        if clash:
            raise ValueError(f"{name}: {sorted(clash)} both accepted and refused as ambiguous")

    def _add(self, text: str, code: str) -> None:
        key = _normalize(text)
        existing = self._index.setdefault(key, code)
        if existing != code:
            # Two codes claiming one spelling is a data error in this module, not user input.
            raise ValueError(f"{self.name}: {text!r} maps to both {existing} and {code}")

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(code, label) pairs in the standard's order, for a Django field's `choices=`."""
        return list(self._entries)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self._entries)

    @property
    def labels(self) -> tuple[str, ...]:
        """Labels in order, e.g. for the dropdown list on an Excel template's hidden sheet."""
        return tuple(label for _, label in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._entries)

    def __contains__(self, code: object) -> bool:
        return code in self._labels

    def __repr__(self) -> str:
        return f"<CodeTable {self.name}: {len(self)} codes>"

    def label(self, code: str | int) -> str:
        """The label for a stored code; a code in any form `lookup` accepts also works."""
        if isinstance(code, str):
            found = self._labels.get(code)
            if found is not None:
                return found
        return self._labels[self.lookup(code)]

    def lookup(self, value: object) -> str:
        """The code for what a cadre typed, or `UnknownCode` with a message saying what fits."""
        # Fast path: an import of 100,000 rows mostly sees the same few clean labels.
        if isinstance(value, str):
            found = self._index.get(value)
            if found is not None:
                return found
        text = self._as_text(value)
        found = self._index.get(text)
        if found is not None:
            return found
        hint = self._ambiguous.get(text)
        if hint is not None:
            raise UnknownCode(f"{self.name}“{text}”不明确，{hint}", code="ambiguous")
        if not text:
            raise UnknownCode(f"未填写{self.name}", code="required")
        raise UnknownCode(f"无法识别的{self.name}“{text}”，{self._examples()}")

    def _as_text(self, value: object) -> str:
        # bool is an int subclass; True must not quietly become code 01.
        if value is None or isinstance(value, bool):
            return "" if value is None else str(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            # Excel and calamine hand numbers over as floats: code 1 arrives as 1.0.
            return str(int(value)) if value.is_integer() else str(value)
        text = _normalize(str(value))
        decimal = _INTEGRAL_DECIMAL.fullmatch(text)
        return str(int(decimal.group(1))) if decimal else text

    def _examples(self) -> str:
        labels = "、".join(label for _, label in self._entries[:_EXAMPLES])
        codes = "、".join(code for code, _ in self._entries[:_EXAMPLES])
        return f"请填写如{labels}等，或填写代码（如{codes}）"


# --- 民族 (GB/T 3304-1991 中国各民族名称的罗马字母拼写法和代码) --------------------------------
# The order is the standard's, which is also the order on 居民身份证 application forms.

_ETHNIC_GROUPS: tuple[tuple[str, str], ...] = (
    ("01", "汉族"),
    ("02", "蒙古族"),
    ("03", "回族"),
    ("04", "藏族"),
    ("05", "维吾尔族"),
    ("06", "苗族"),
    ("07", "彝族"),
    ("08", "壮族"),
    ("09", "布依族"),
    ("10", "朝鲜族"),
    ("11", "满族"),
    ("12", "侗族"),
    ("13", "瑶族"),
    ("14", "白族"),
    ("15", "土家族"),
    ("16", "哈尼族"),
    ("17", "哈萨克族"),
    ("18", "傣族"),
    ("19", "黎族"),
    ("20", "傈僳族"),
    ("21", "佤族"),
    ("22", "畲族"),
    ("23", "高山族"),
    ("24", "拉祜族"),
    ("25", "水族"),
    ("26", "东乡族"),
    ("27", "纳西族"),
    ("28", "景颇族"),
    ("29", "柯尔克孜族"),
    ("30", "土族"),
    ("31", "达斡尔族"),
    ("32", "仫佬族"),
    ("33", "羌族"),
    ("34", "布朗族"),
    ("35", "撒拉族"),
    ("36", "毛南族"),
    ("37", "仡佬族"),
    ("38", "锡伯族"),
    ("39", "阿昌族"),
    ("40", "普米族"),
    ("41", "塔吉克族"),
    ("42", "怒族"),
    ("43", "乌孜别克族"),
    ("44", "俄罗斯族"),
    ("45", "鄂温克族"),
    ("46", "德昂族"),
    ("47", "保安族"),
    ("48", "裕固族"),
    ("49", "京族"),
    ("50", "塔塔尔族"),
    ("51", "独龙族"),
    ("52", "鄂伦春族"),
    ("53", "赫哲族"),
    ("54", "门巴族"),
    ("55", "珞巴族"),
    ("56", "基诺族"),
)

_ETHNICITY_OTHER: tuple[tuple[str, str], ...] = (
    ("97", "其他"),
    ("98", "外国血统中国籍人士"),
)


def _ethnic_short_forms() -> dict[str, str]:
    # 汉 for 汉族, 土家 for 土家族 …: the name without 族. Every stripped name is unique among
    # the 56 and none equals another group's full name, so none is ambiguous; CodeTable._add
    # would refuse the table at import if a future edit made one so.
    return {label.removesuffix("族"): code for code, label in _ETHNIC_GROUPS}


ETHNICITY = CodeTable(
    "民族",
    _ETHNIC_GROUPS + _ETHNICITY_OTHER,
    aliases={
        **_ethnic_short_forms(),
        # Colloquial two-character forms seen on old rolls.
        "蒙族": "02",
        "维族": "05",
        # Names in use before the 1985/1986 renamings; old ID copies still carry them.
        "毛难族": "36",
        "崩龙族": "46",
        "其它": "97",
        "外国血统": "98",
        "外国血统中国籍": "98",
    },
)


# --- 学历 (GB/T 4658-2006 学历代码) -------------------------------------------------------------
# The standard codes 毕业/结业/肄业 separately (21 本科毕业, 22 本科结业, 23 本科肄业 …); union
# rolls record the level reached, so only the 毕业 codes are offered, with the labels cadres use
# rather than the standard's "大学本科毕业".

EDUCATION = CodeTable(
    "学历",
    (
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
    ),
    aliases={
        "博士": "11",
        "博士研究生毕业": "11",
        "硕士": "14",
        "硕士研究生毕业": "14",
        "本科": "21",
        "大本": "21",
        "本科毕业": "21",
        "大学本科毕业": "21",
        "大专": "31",
        "专科": "31",
        "大专毕业": "31",
        "大学专科毕业": "31",
        "中专": "41",
        "中专毕业": "41",
        "中等专科毕业": "41",
        "职高": "44",
        "职业高中毕业": "44",
        "技校": "47",
        "技工学校毕业": "47",
        "高中": "61",
        "高中毕业": "61",
        "普通高中毕业": "61",
        "初中毕业": "71",
        "初级中学": "71",
        "小学毕业": "81",
        "其它": "90",
    },
    # Refused rather than guessed: a wrong 学历 silently skews every statistic built on it,
    # while a refused cell costs the cadre one edit.
    ambiguous={
        "研究生": "请填写“博士研究生”或“硕士研究生”",
        "研究生毕业": "请填写“博士研究生”或“硕士研究生”",
        "大学": "请填写“大学本科”或“大学专科”",
        "大学毕业": "请填写“大学本科”或“大学专科”",
        # 高职 (higher vocational college) is 专科 level, but is easily confused with 职高.
        "高职": "高职院校请填写“大学专科”，职业高中请填写“职业高中”",
    },
)


# --- 政治面貌 (GB/T 4762-1984 政治面貌代码) ----------------------------------------------------
# Labels are the short forms printed on personnel forms; the standard's full names are
# accepted as aliases.

POLITICAL_STATUS = CodeTable(
    "政治面貌",
    (
        ("01", "中共党员"),
        ("02", "中共预备党员"),
        ("03", "共青团员"),
        ("04", "民革党员"),
        ("05", "民盟盟员"),
        ("06", "民建会员"),
        ("07", "民进会员"),
        ("08", "农工党党员"),
        ("09", "致公党党员"),
        ("10", "九三学社社员"),
        ("11", "台盟盟员"),
        ("12", "无党派人士"),
        ("13", "群众"),
    ),
    aliases={
        "中国共产党党员": "01",
        "中国共产党员": "01",
        "共产党员": "01",
        "党员": "01",
        "中国共产党预备党员": "02",
        "预备党员": "02",
        "中国共产主义青年团团员": "03",
        "团员": "03",
        "共青团": "03",
        "中国国民党革命委员会会员": "04",
        "民革会员": "04",
        "民革": "04",
        "中国民主同盟盟员": "05",
        "民盟": "05",
        "中国民主建国会会员": "06",
        "民建": "06",
        "中国民主促进会会员": "07",
        "民进": "07",
        "中国农工民主党党员": "08",
        "农工民主党党员": "08",
        "农工党": "08",
        "中国致公党党员": "09",
        "致公党": "09",
        "九三学社": "10",
        "台湾民主自治同盟盟员": "11",
        "台盟": "11",
        "无党派民主人士": "12",
        "无党派": "12",
    },
)
