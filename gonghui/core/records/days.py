"""The one date box of every form and filter: a text box reading 年-月-日 (2018-03-04).

Why not <input type="date">: the browser, not the page, decides how that box writes a date.
Chromium follows the language of its own menus (neither the page's `lang="zh-CN"` nor the
Accept-Language a Chinese user sends changes it), so the same page showed 03/04/2018 to a
cadre whose browser or office PC came in English and 2018/03/04 to the next one, and a
browser without its Chinese language pack (Debian's chromium, as the tests run it) always
shows mm/dd/yyyy. A text box shows what the server wrote, year first, everywhere; it takes
every form the one date parser reads (2018-3-4, 2018/3/4, 2018.3.4, 2018年3月4日,
20180304, full-width digits), so a date typed the way a cadre writes it is accepted, and
what cannot be read stays in the box beside its error. A calendar button beside the box opens
the browser's own date picker for those who would rather click a day.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString

from gonghui.core.text.dates import DateParseError, parse_date

DAY_FORMAT = "%Y-%m-%d"


class DayInput(forms.DateInput):
    """A date as text, year first; typed forms are normalised to 2018-03-04 on the way in."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        attrs = {k: v for k, v in (attrs or {}).items() if k != "type"}
        attrs.setdefault("placeholder", "年-月-日")
        attrs.setdefault("autocomplete", "off")
        attrs.setdefault("maxlength", "20")
        attrs["data-day"] = ""
        super().__init__(attrs=attrs, format=DAY_FORMAT)

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        """The box, and a button opening the browser's own calendar on a hidden date input
        (static/gonghui/app.js writes the day it gives back into the box, year first). The
        button is named 打开日历, without 日期, so looking a date field up by its label finds
        only its box."""
        box = super().render(name, value, attrs, renderer)
        every = {**self.attrs, **(attrs or {})}
        if every.get("disabled") or every.get("readonly"):
            return box
        return format_html(
            '<span class="gh-day">{}<button type="button" class="gh-day-pick" title="从日历选择"'
            ' aria-label="打开日历"><i class="bi bi-calendar3" aria-hidden="true"></i>'
            '</button><input type="date" class="gh-day-native" tabindex="-1" aria-hidden="true">'
            "</span>",
            box,
        )

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = super().value_from_datadict(data, files, name)
        if not isinstance(value, str) or not value.strip():
            return value
        try:
            return parse_date(value).isoformat()
        except DateParseError:
            return value  # the field refuses it, and the box keeps what was typed


def day_box(field: Any) -> None:
    """Give a form field holding a date the year-first text box (keeping its attributes)."""
    widget = field.widget
    if isinstance(widget, forms.DateInput) and not isinstance(widget, DayInput):
        field.widget = DayInput(attrs=widget.attrs)
