"""Template helpers for the generic record pages."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from gonghui.core.records.children import row_version as version_of_row
from gonghui.core.records.registry import RecordType

register = template.Library()


@register.simple_tag
def record_url(record: RecordType, view: str, pk: Any = None) -> str:
    return reverse(record.url_name(view), args=[pk] if pk is not None else None)


@register.simple_tag
def action_url(record: RecordType, action: Any) -> str:
    """The page of a record action (gonghui.core.records.rowaction) of this record type."""
    return reverse(record.url_name("action"), kwargs={"action": action.slug})


@register.filter
def cell(value: Any) -> Any:
    """How a table cell reads: dates without zero padding of time, empty as a dash."""
    if value in ("", None):
        return "—"
    if isinstance(value, datetime.datetime):
        # Stored in UTC; read in the platform's zone (TIME_ZONE, Asia/Shanghai) like the
        # workflow timeline and the exports.
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@register.filter
def child_url_name(child: Any, view: str) -> str:
    """`{% url child|child_url_name:'update' parent.pk row.pk %}`: a child-row page's URL name."""
    return str(child.url_name(view))


@register.filter
def row_version(row: Any) -> str:
    """`{{ row|row_version }}`: the version a child row's delete link sends."""
    return version_of_row(row)


@register.filter(name="page_numbers")
def page_numbers_filter(page: Any) -> list[int | None]:
    """The numbers a pager links around `page` (gonghui.core.records.paging.page_numbers)."""
    from gonghui.core.records.paging import page_numbers

    return page_numbers(page)
