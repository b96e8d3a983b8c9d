"""Review sections: each workstream declares its part of the review; the compiler writes it.

A section is a heading and paragraphs; a paragraph is a run-in lead (`夯实工会组建工作基础。`,
printed as a level-2 heading) and sentences; a sentence is clauses, and a clause carries the
figures it speaks of as placeholders naming indicators:

    Sentence("{when}", ["新建工会〔orgs.unions_founded〕", "发展会员〔members.enrolled〕"])

compiles to `上半年新建工会23个，发展会员2500余名。` A clause whose figures are all zero is left
out; a sentence with no clause left is left out; a paragraph with no sentence of figures left
is left out, and so is a section with no paragraph left. So a review never says `新建工会0个`.

Each app declares its sections in its own `sections.py` (found at start-up by
`ReportsConfig.ready`, like `indicators.py`); `order` places them (organisation building is 10,
the first). Words that depend on the period or the organisation are `str.format` fields:
`{when}` (上半年, 全年, 第三季度, 5月 …), `{end}` (2018年6月30日), `{org}` (the organisation's
name). Figures are never typed here: every number comes from the indicator registry.

How a figure is printed is said in its placeholder, so that a saved or edited narrative keeps
it: `〔members.enrolled〕` in house style (numbers.approx: two significant digits, 2500余名);
`〔insurance.claims_paid_amount:3位有效数字〕` in house style to three significant digits (the
seed's 77.5万余元; 1 to 9 digits); `〔insurance.person_times:精确〕` as recorded (32046人次).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

EXACT = "精确"
DIGITS_WORD = "位有效数字"
# The style after the key's colon: 精确, or 1 to 9 significant digits (3位有效数字).
STYLE = rf"{EXACT}|(?P<digits>[1-9]){DIGITS_WORD}"

# `〔members.enrolled〕`, `〔members.enrolled:精确〕` or `〔members.enrolled:3位有效数字〕`.
# A key has a dot and lower-case ASCII, so a document number like 〔2018〕5号 is not one.
PLACEHOLDER = re.compile(
    rf"〔(?P<key>[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)(?::(?P<style>{STYLE}))?〕"
)


@dataclass(frozen=True)
class FigureStyle:
    """How a placeholder's figure is printed: house style to `digits` significant digits
    (None: numbers.approx's default, two), or `exact`, as recorded."""

    exact: bool = False
    digits: int | None = None

    def __post_init__(self) -> None:
        if self.exact and self.digits is not None:
            raise ValueError("a figure is printed either as recorded or to some digits, not both")
        if self.digits is not None and not 1 <= self.digits <= 9:
            raise ValueError(f"significant digits must be 1 to 9, got {self.digits}")

    @classmethod
    def of(cls, found: re.Match[str]) -> FigureStyle:
        """The style of a PLACEHOLDER match (or of any match with `style`/`digits` groups)."""
        if found["digits"]:
            return cls(digits=int(found["digits"]))
        return cls(exact=bool(found["style"]))

    @property
    def suffix(self) -> str:
        """What follows the key (or the name) in the placeholder: "", ":精确", ":3位有效数字"."""
        if self.exact:
            return f":{EXACT}"
        return f":{self.digits}{DIGITS_WORD}" if self.digits is not None else ""

    def options(self) -> dict[str, Any]:
        """Keyword arguments for numbers.approx."""
        if self.exact:
            return {"exact": True}
        return {"digits": self.digits} if self.digits is not None else {}


HOUSE_STYLE = FigureStyle()  # a placeholder without a style: numbers.approx's defaults


def placeholder(key: str, style: FigureStyle = HOUSE_STYLE) -> str:
    """The placeholder text for a figure: placeholder("a.b", FigureStyle(digits=3)) →
    〔a.b:3位有效数字〕."""
    return f"〔{key}{style.suffix}〕"


def placeholder_keys(text: str) -> list[str]:
    """The indicator keys a text names, in order of first appearance."""
    seen: dict[str, None] = {}
    for found in PLACEHOLDER.finditer(text):
        seen.setdefault(found["key"], None)
    return list(seen)


@dataclass(frozen=True)
class Sentence:
    """Clauses joined by `，` after `prefix`, ending in `。`; zero clauses are left out."""

    prefix: str
    clauses: list[str]

    @property
    def keys(self) -> list[str]:
        return placeholder_keys("".join(self.clauses))

    def __post_init__(self) -> None:
        for clause in self.clauses:
            if not PLACEHOLDER.search(clause):
                raise ValueError(f"clause without a figure: {clause!r}")


@dataclass(frozen=True)
class Paragraph:
    """A run-in lead (a level-2 heading), sentences of figures and figure-free context.

    `context` sentences (no figures) are printed after the lead only when at least one
    sentence of figures is left; a paragraph of words alone says nothing the records back.
    """

    lead: str
    sentences: list[Sentence]
    context: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    order: int
    heading: str
    paragraphs: list[Paragraph]

    @property
    def keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for paragraph in self.paragraphs:
            for sentence in paragraph.sentences:
                for key in sentence.keys:
                    seen.setdefault(key, None)
        return list(seen)


@dataclass(frozen=True)
class Chart:
    """A bar chart of the review page: indicators per direct child organisation."""

    title: str
    keys: list[str] = field(default_factory=list)
    order: int = 100


_SECTIONS: dict[str, Section] = {}
_CHARTS: dict[str, Chart] = {}


def register_section(section: Section) -> Section:
    if section.key in _SECTIONS and _SECTIONS[section.key] != section:
        raise ValueError(f"section {section.key!r} is registered twice")
    _SECTIONS[section.key] = section
    return section


def register_chart(chart: Chart) -> Chart:
    _CHARTS[chart.title] = chart
    return chart


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def charts() -> list[Chart]:
    return sorted(_CHARTS.values(), key=lambda c: (c.order, c.title))


def section_keys(chosen: Iterable[Section] | None = None) -> list[str]:
    seen: dict[str, None] = {}
    for section in chosen if chosen is not None else sections():
        for key in section.keys:
            seen.setdefault(key, None)
    return list(seen)
