"""The attachments panel of a detail page (`{% attachments_panel %}`) and its URLs."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from gonghui.core.attachments.views import PANEL_TEMPLATE, panel_context
from gonghui.core.records.registry import RecordType

register = template.Library()


@register.simple_tag
def attachment_url(record: RecordType, view: str, pk: Any, attachment: Any) -> str:
    return reverse(record.url_name(view), kwargs={"pk": pk, "attachment": attachment})


@register.inclusion_tag(PANEL_TEMPLATE, takes_context=True)
def attachments_panel(context: Any) -> dict[str, Any]:
    """Shown by core/record_detail.html for a record type that declares attachments."""
    panel = panel_context(context["request"], context["record"], context["object"])
    return {**panel, "csrf_token": context.get("csrf_token")}
