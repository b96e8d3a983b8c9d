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
from gonghui.reports.sections import (
    HOUSE_STYLE,
    PLACEHOLDER,
    STYLE,
    FigureStyle,
    placeholder_keys,
    sections,
)

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
                f"〔{name}〕" for name in indicator_names().values()
            )
        )


# A figure as the cadre reads and types it: 〔在会会员〕, 〔在会会员:精确〕 or
# 〔在会会员:3位有效数字〕 (a full-width colon too). A bracket of digits alone is a document number
# (莱工发〔2018〕5号), not a figure.
NAMED = re.compile(rf"〔(?P<name>[^〔〕\n]+?)(?:[:：](?P<style>{STYLE}))?〕")
DOCUMENT_NUMBER = re.compile(r"\d+")


def indicator_names() -> dict[str, str]:
    """Each indicator's name in the editable text, by key: its label, or where two indicators
    share a label, the label and the group it is listed under (发展会员（会员）)."""
    items = indicators.registered()
    count: dict[str, int] = {}
    for item in items:
        count[item.label] = count.get(item.label, 0) + 1
    return {
        item.key: item.label if count[item.label] == 1 else f"{item.label}（{item.group}）"
        for item in items
    }


def to_names(text: str) -> str:
    """The stored text (figures by key) as the cadre edits it (figures by name)."""
    names = indicator_names()

    def name(found: re.Match[str]) -> str:
        key = found["key"]
        if key not in names:
            return found[0]  # a key no indicator has any more: check_narrative says so
        return f"〔{names[key]}{FigureStyle.of(found).suffix}〕"

    return PLACEHOLDER.sub(name, text)


def to_keys(text: str) -> str:
    """The text as the cadre typed it (figures by name) as stored (figures by key).

    Raises NarrativeError naming every bracket that is no indicator's name, or the name of
    more than one; the caller keeps the typed text so that nothing is lost."""
    keys = {name: key for key, name in indicator_names().items()}
    shared: dict[str, list[str]] = {}
    for key, name in indicator_names().items():
        label = indicators.get(key).label
        if name != label:
            shared.setdefault(label, []).append(name)
    unknown: list[str] = []
    ambiguous: list[str] = []
    styled: list[str] = []  # a name with a style that is none of the allowed ones

    def key_of(found: re.Match[str]) -> str:
        name = found["name"].strip()
        style = FigureStyle.of(found).suffix
        if name in keys:
            return f"〔{keys[name]}{style}〕"
        if PLACEHOLDER.fullmatch(f"〔{name}〕"):
            return f"〔{name}{style}〕"  # a key typed as such: check_narrative checks it
        if DOCUMENT_NUMBER.fullmatch(name):
            return found[0]
        if name in shared:
            ambiguous.append(name)
        elif re.split("[:：]", name)[0].strip() in keys:
            styled.append(name)
        elif name not in unknown:
            unknown.append(name)
        return found[0]

    converted = NAMED.sub(key_of, text)
    problems = []
    for name in dict.fromkeys(ambiguous):
        choices = "、".join(f"〔{n}〕" for n in shared[name])
        problems.append(f"〔{name}〕对应多个指标，请写明是哪一个：{choices}")
    for name in dict.fromkeys(styled):
        problems.append(
            f"〔{name}〕的写法不对：指标名称后只能写“:精确”（按记录原数，不取整）"
            f"或“:1位有效数字”至“:9位有效数字”（保留几位有效数字）"
        )
    if unknown:
        listed = "、".join(f"〔{name}〕" for name in unknown)
        problems.append(
            f"正文中的{listed}不是指标名称，请从“插入指标”中选择（可用的指标："
            + "、".join(f"〔{name}〕" for name in indicator_names().values())
            + "）；如需书写方括号本身，请改用［］"
        )
    if problems:
        raise NarrativeError("；".join(problems) + "。")
    return converted


def figure(key: str, value: Value, style: FigureStyle = HOUSE_STYLE) -> str:
    """A figure with its unit in house style (2500余名, 23个, 17万余元), or as the
    placeholder's style says (77.5万余元 to three digits, 32046人次 as recorded)."""
    return approx(value, unit=indicators.get(key).unit, **style.options())


def fill(text: str, values: dict[str, Value]) -> str:
    """The text with every placeholder replaced by its figure."""
    check_narrative(text)
    return PLACEHOLDER.sub(
        lambda m: figure(m["key"], values[m["key"]], FigureStyle.of(m)), text
    )


@dataclass(frozen=True)
class Piece:
    """A run of a paragraph: plain text, or a figure linked to the list of its records."""

    text: str
    url: str = ""
    key: str = ""


@dataclass(frozen=True)
class Block:
    """One paragraph of the rendered text: a level-1 heading, or body with a run-in lead.

    `text` and `lead` are the filled-in words (Word, the CLI); `pieces` and `lead_pieces` are
    the same words with each figure apart, so the page can link it to its records.
    """

    kind: str  # "h1" or "p"
    text: str
    lead: str = ""  # the run-in level-2 heading of a body paragraph, if any
    pieces: tuple[Piece, ...] = field(default=(), compare=False)
    lead_pieces: tuple[Piece, ...] = field(default=(), compare=False)


def _pieces(raw: str, values: dict[str, Value] | None, urls: dict[str, str]) -> tuple[Piece, ...]:
    if values is None:
        return (Piece(raw),) if raw else ()
    out: list[Piece] = []
    at = 0
    for found in PLACEHOLDER.finditer(raw):
        if found.start() > at:
            out.append(Piece(raw[at:found.start()]))
        key = found["key"]
        out.append(Piece(figure(key, values[key], FigureStyle.of(found)),
                         urls.get(key, ""), key))
        at = found.end()
    if at < len(raw):
        out.append(Piece(raw[at:]))
    return tuple(out)


def blocks(
    text: str, values: dict[str, Value] | None = None, urls: dict[str, str] | None = None
) -> list[Block]:
    """The paragraphs of a text; with `values` the text still holds its placeholders and each
    figure becomes a piece of its own (linked to `urls[key]` when given)."""
    links = urls or {}
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if HEADING_1.match(line):
            pieces = _pieces(line, values, links)
            out.append(Block("h1", _joined(pieces), pieces=pieces))
        elif HEADING_2.match(line) and "。" in line:
            lead, stop, rest = line.partition("。")
            lead_pieces = _pieces(lead + stop, values, links)
            pieces = _pieces(rest, values, links)
            out.append(Block("p", _joined(pieces), _joined(lead_pieces), pieces, lead_pieces))
        else:
            pieces = _pieces(line, values, links)
            out.append(Block("p", _joined(pieces), pieces=pieces))
    return out


def _joined(pieces: tuple[Piece, ...]) -> str:
    return "".join(piece.text for piece in pieces)


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
    check_narrative(narrative)
    # Each figure in the text links to the list of exactly the records it counts (as the
    # figure table does): the same filter, so the list's count is the figure.
    scope = Scope(org, period, user)
    urls = {key: indicators.get(key).list_url(scope) for key in placeholder_keys(narrative)}
    return CompiledReview(
        org=org,
        period=period,
        title=title or default_title(org, period),
        narrative=narrative,
        values=values,
        blocks=blocks(narrative, values, urls),
        user=user,
    )


def json_value(value: Value) -> int | str:
    """JSON form of a figure: counts as numbers, Decimal amounts as strings (exact)."""
    return format(value, "f") if isinstance(value, Decimal) else value


def as_json(review: CompiledReview) -> dict[str, Any]:
    """The figures by key, exactly `{org, period, indicators}`: other tools read this shape
    (the keys' Chinese names and units are the xlsx's 指标说明 sheet)."""
    return {
        "org": review.org.code,
        "period": review.period.code,
        "indicators": {key: json_value(value) for key, value in review.values.items()},
    }
