"""Template helpers for the generic record pages."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.urls import reverse

from gonghui.core.records.registry import RecordType

register = template.Library()


@register.simple_tag
def record_url(record: RecordType, view: str, pk: Any = None) -> str:
    return reverse(record.url_name(view), args=[pk] if pk is not None else None)


@register.filter
def cell(value: Any) -> Any:
    """How a table cell reads: dates without zero padding of time, empty as a dash."""
    if value in ("", None):
        return "—"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
