"""Actions on records: one record from its page, or the rows a cadre ticks on the list page.

A record type declares its actions (`RecordType.actions`); the generic layer gives each a form
page at `/<slug>/actions/<action>/?ids=…`, a button on the detail page and a button in the list
page's toolbar that applies it to the ticked rows. Each record is done in its own transaction,
so one refused row (a member who already left) does not undo the others, and the page says
which rows were refused and why.

The selected ids are read through the record type's scoped queryset (`visible_to`): an id from
another branch is dropped exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms

from gonghui.core.records.days import day_box


class ActionForm(forms.Form):
    """Base of an action's form; it is given the acting user (choices are scoped data)."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            day_box(field)  # a date reads 年-月-日 (gonghui.core.records.days)
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                continue
            widget.attrs.setdefault(
                "class", "form-select" if hasattr(widget, "choices") else "form-control"
            )


@dataclass(eq=False)
class RecordAction:
    """Something a cadre does to a record beyond editing it (退会, 转出, 审批 …)."""

    slug: str
    label: str
    # run(obj, data=form.cleaned_data, user=…, request=…); raises ValidationError to refuse.
    run: Callable[..., Any]
    form: type[ActionForm] = ActionForm
    # The record type's action whose permission it needs.
    permission: str = "change"
    # Whether it applies to this record (a member who has left cannot leave again).
    applies: Callable[[Any], bool] = lambda obj: True
    icon: str = "bi-lightning"
    style: str = "outline-primary"
    help_text: str = ""
