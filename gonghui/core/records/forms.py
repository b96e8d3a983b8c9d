"""The base form of every record type: foreign-key choices scoped to the user's subtree."""

from __future__ import annotations

from typing import Any

from django import forms


class RecordForm(forms.ModelForm):
    """A model form that knows its user and offers only organisations (and records) they see.

    Because choices come from `visible_to`, a posted id outside the subtree fails validation as
    "not one of the available choices": forms cannot attach a record to another branch.
    """

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            choices = getattr(field, "queryset", None)
            if isinstance(field, forms.ModelChoiceField) and hasattr(choices, "visible_to"):
                field.queryset = choices.visible_to(user)  # type: ignore[union-attr]
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"
            widget.attrs.setdefault("class", css)
