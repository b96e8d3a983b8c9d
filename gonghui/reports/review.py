"""The compiled review: title, narrative with placeholders, figures, and the per-child table.

The narrative is plain text, one paragraph a line, written the way an official document is:

    2018年上半年，……现将主要工作回顾如下。
    一、夯实规范 筑牢工会工作的组织基础
    （一）夯实工会组建工作基础。上半年新建工会〔orgs.unions_founded〕，发展会员〔members.enrolled〕。

A line opening with `一、` is a level-1 heading; a line opening with `（一）` starts with a run-in
level-2 heading up to its first `。`; every other line is a body paragraph. Figures stay
placeholders in the text (`〔members.enrolled〕`) and are filled in from the indicator registry
each time the review is rendered, so an edited and saved review still shows what the records say
today. The default narrative is compiled from the declared sections (gonghui.reports.sections).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gonghui.orgs.models import Organization
from gonghui.reports import indicators
from gonghui.reports.indicators import Scope, Value
from gonghui.reports.numbers import approx, date_zh
from gonghui.reports.periods import Period
from gonghui.reports.sections import PLACEHOLDER, placeholder_keys, sections

_CN_DIGITS = "零一二三四五六七八九"
HEADING_1 = re.compile(r"^[一二三四五六七八九十]+、")
HEADING_2 = re.compile(r"^（[一二三四五六七八九十]+）")


class NarrativeError(ValueError):
    """A narrative the cadre typed that cannot be rendered; the message is for them."""


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 23 → 二十三 (heading numbers, up to 99)."""
    if not 0 < n < 100:
        raise ValueError(f"heading number out of range: {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


def when_word(period: Period) -> str:
    """How a sentence opens on the period: 上半年, 下半年, 全年, 第三季度, 5月, or 期间内."""
    label = period.label
    year = f"{period.start.year}年"
    if period.start.year == period.end.year and label.startswith(year):
        rest = label[len(year) :]
        if "至" not in rest:
            return rest or "全年"
    return "期间内"


def default_title(org: Organization, period: Period) -> str:
    return f"{org.name}{period.label}工作回顾"


def _fields(org: Organization, period: Period) -> dict[str, str]:
    return {"when": when_word(period), "end": date_zh(period.end), "org": org.name}


def _nonzero(text: str, values: dict[str, Value]) -> bool:
    return any(values[key] != 0 for key in placeholder_keys(text))


def default_narrative(org: Organization, period: Period, values: dict[str, Value]) -> str:
    """The narrative compiled from the declared sections, figures as placeholders."""
    words = _fields(org, period)
    lines = [
        f"{period.label}，{org.name}坚持以职工为中心，围绕中心、服务大局，"
        "扎实推进各项重点工作，各项工作取得新的进展。现将主要工作回顾如下。"
    ]
    number = 0
    # Sections of several apps may share a heading (立足普惠 …: the member cards' paragraph and
    # the care app's): printed as one heading, their paragraphs numbered on.
    heading, count = "", 0
    for section in sections():
        paragraphs = []
        for paragraph in section.paragraphs:
            said = []
            for sentence in paragraph.sentences:
                kept = [c for c in sentence.clauses if _nonzero(c, values)]
                if kept:
                    said.append(sentence.prefix.format_map(words) + "，".join(kept) + "。")
            if said:
                context = paragraph.context.format_map(words)
                paragraphs.append(paragraph.lead + context + "".join(said))
        if paragraphs:
            if section.heading != heading:
                number, heading, count = number + 1, section.heading, 0
                lines.append(f"{cn_number(number)}、{section.heading}")
            lines += [f"（{cn_number(i)}）{text}"
                      for i, text in enumerate(paragraphs, start=count + 1)]
            count += len(paragraphs)
    return "\n".join(lines)


def unknown_keys(text: str) -> list[str]:
    known = {item.key for item in indicators.registered()}
    return [key for key in placeholder_keys(text) if key not in known]


def check_narrative(text: str) -> None:
    """Raise NarrativeError (in Chinese) for a placeholder that names no indicator."""
    unknown = unknown_keys(text)
    if unknown:
        names = "、".join(f"〔{key}〕" for key in unknown)
        raise NarrativeError(
            f"正文中的占位符{names}不是已登记的指标。可用的指标：" + "、".join(
                f"〔{item.key}〕{item.label}" for item in indicators.registered()
            )
        )


def figure(key: str, value: Value, *, exact: bool = False) -> str:
    """A figure in house style with its unit: 2500余名, 23个, 17万余元."""
    return approx(value, unit=indicators.get(key).unit, exact=exact)


def fill(text: str, values: dict[str, Value]) -> str:
    """The text with every placeholder replaced by its figure."""
    check_narrative(text)
    return PLACEHOLDER.sub(
        lambda m: figure(m["key"], values[m["key"]], exact=bool(m["exact"])), text
    )


@dataclass(frozen=True)
class Block:
    """One paragraph of the rendered text: a level-1 heading, or body with a run-in lead."""

    kind: str  # "h1" or "p"
    text: str
    lead: str = ""  # the run-in level-2 heading of a body paragraph, if any


def blocks(text: str) -> list[Block]:
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if HEADING_1.match(line):
            out.append(Block("h1", line))
        elif HEADING_2.match(line):
            lead, stop, rest = line.partition("。")
            out.append(Block("p", rest, lead + stop) if stop else Block("p", line))
        else:
            out.append(Block("p", line))
    return out


@dataclass(frozen=True)
class _OwnScope(Scope):
    """The organisation's own records, none of its descendants' (the table's 本级 row)."""

    def records(self, model: type[Any]) -> Any:
        field_name: str = model.scope_path_field
        return model.objects.visible_to(self.user).filter(**{field_name: self.org.path})


@dataclass
class Row:
    code: str
    name: str
    values: dict[str, Value]


@dataclass
class CompiledReview:
    org: Organization
    period: Period
    title: str
    narrative: str
    values: dict[str, Value]
    blocks: list[Block]
    user: Any = field(repr=False, default=None)

    @property
    def text(self) -> str:
        return "\n".join([self.title, *(b.lead + b.text for b in self.blocks)])

    def children(self) -> list[Organization]:
        """The organisation's direct children, as the user sees them."""
        return list(
            Organization.objects.visible_to(self.user)
            .filter(path__startswith=self.org.path, depth=self.org.depth + 1)
            .order_by("path")
        )

    def table(self) -> tuple[list[Row], Row]:
        """Indicators per direct child plus the 本级 row (the organisation's own records), and
        the whole subtree's figures: for an additive indicator the rows add up to it."""
        rows = [
            Row(child.code, child.name, indicators.compute(child, self.period, self.user))
            for child in self.children()
        ]
        own_scope = _OwnScope(self.org, self.period, self.user)
        own = {item.key: item.compute(own_scope) for item in indicators.registered()}
        rows.append(Row(self.org.code, f"{self.org.name}（本级）", own))
        return rows, Row(self.org.code, "合计", self.values)


def compile_review(
    org: Organization,
    period: Period,
    user: Any,
    *,
    title: str | None = None,
    narrative: str | None = None,
) -> CompiledReview:
    """Compute every indicator for `org`'s subtree over `period` and render the narrative.

    `org` must have been fetched through `visible_to(user)`. Without a narrative the default one
    is compiled from the sections; with one (a saved review) it is checked and filled in.
    """
    values = indicators.compute(org, period, user)
    if narrative is None:
        narrative = default_narrative(org, period, values)
    return CompiledReview(
        org=org,
        period=period,
        title=title or default_title(org, period),
        narrative=narrative,
        values=values,
        blocks=blocks(fill(narrative, values)),
        user=user,
    )


def json_value(value: Value) -> int | str:
    """JSON form of a figure: counts as numbers, Decimal amounts as strings (exact)."""
    return format(value, "f") if isinstance(value, Decimal) else value


def as_json(review: CompiledReview) -> dict[str, Any]:
    return {
        "org": review.org.code,
        "period": review.period.code,
        "indicators": {key: json_value(value) for key, value in review.values.items()},
    }
