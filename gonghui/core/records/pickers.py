"""Pickers: a foreign key to a table that grows is chosen by typing, never from a <select>.

A `<select>` over the people, organisations or enterprises a cadre sees is a page of a million
options at worst and a leak of names at best. A record type marked `grows=True` is picked with
`PickerWidget`: a hidden input holding the id, a search box, and a list filled from the target
type's autocomplete URL (`static/gonghui/picker.js`; no inline script, the CSP forbids them).
The posted id is still validated by the field against its scoped queryset, so an id typed by
hand from another branch fails exactly as before (docs/architecture.md, "Pickers").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

if TYPE_CHECKING:
    from gonghui.core.records.registry import RecordType


def growing_type(model: Any) -> RecordType | None:
    """The record type of `model` when it is declared to grow, else None."""
    from gonghui.core.records.registry import registry

    if not isinstance(model, type) or not issubclass(model, models.Model):
        return None
    record = registry.for_model(model)
    return record if record is not None and record.grows else None


def picker_label(record: RecordType, obj: Any) -> str:
    return record.picker_label(obj) if record.picker_label is not None else str(obj)


class PickerWidget(forms.Widget):
    """The id in a hidden input, the chosen record's label in a search box beside it.

    The target record type is read from the field's queryset (`choices.queryset`, set by the
    model choice field), so the same widget serves forms and filter sets; `create` lets the
    target's `picker_create` offer a new record (only in forms that post).
    """

    # A list page gives a picker filter a wider cell, so its hint is read whole
    # (templates/core/_filter_field.html); the hint is also the box's tooltip.
    is_picker = True

    def __init__(self, attrs: Any = None, *, create: bool = False) -> None:
        super().__init__(attrs)
        self.create = create
        self.choices: Any = ()

    @property
    def queryset(self) -> models.QuerySet[Any] | None:
        return getattr(self.choices, "queryset", None)

    def chosen_label(self, value: Any) -> str:
        queryset = self.queryset
        if queryset is None or value in (None, "") or not str(value).isdigit():
            return ""
        record = growing_type(queryset.model)
        # Through the field's scoped queryset: a forged id of another branch shows nothing.
        obj = queryset.filter(pk=value).first()
        if obj is None:
            return ""
        return picker_label(record, obj) if record is not None else str(obj)

    def render(  # type: ignore[override]
        self, name: str, value: Any, attrs: Any = None, renderer: Any = None
    ) -> str:
        final = self.build_attrs(self.attrs, attrs or {})
        queryset = self.queryset
        record = growing_type(queryset.model) if queryset is not None else None
        if record is None:
            raise LookupError(f"picker for {name!r}: its queryset's model does not grow")
        field_id = final.get("id", f"id_{name}")
        value = "" if value in (None, "") else str(value)
        create_url = ""
        if self.create and record.picker_create is not None:
            create_url = reverse(record.url_name("picker-create"))
        return format_html(
            '<div class="picker position-relative" data-picker data-url="{}" '
            'data-create-url="{}">'
            '<input type="hidden" name="{}" value="{}" data-picker-value>'
            '<input type="search" id="{}" class="{}" value="{}" autocomplete="off" '
            'placeholder="{}" title="{}" aria-autocomplete="list" data-picker-input>'
            '<div class="picker-results list-group position-absolute w-100 shadow-sm" '
            'role="listbox" hidden data-picker-results></div></div>',
            reverse(record.url_name("autocomplete")),
            create_url,
            name,
            value,
            field_id,
            final.get("class", "form-control").replace("form-select", "form-control"),
            self.chosen_label(value),
            record.picker_hint,
            record.picker_help or record.picker_hint,
        )


def use_pickers(fields: Any, *, create: bool) -> None:
    """Give every model choice field over a growing table a picker (forms and filter forms)."""
    for field in fields.values():
        if not isinstance(field, forms.ModelChoiceField) or isinstance(
            field, forms.ModelMultipleChoiceField
        ):
            continue
        queryset = field.queryset
        if queryset is None or growing_type(queryset.model) is None:
            continue
        if not isinstance(field.widget, PickerWidget):
            css = field.widget.attrs.get("class", "form-control")
            field.widget = PickerWidget({"class": css}, create=create)
        field.widget.choices = field.choices  # the queryset it reads labels through
