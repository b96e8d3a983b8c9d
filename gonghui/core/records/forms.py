"""The base form of every record type: foreign-key choices scoped to the user's subtree."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from gonghui.core.records.days import day_box
from gonghui.core.text.dates import DateParseError, check_date_range


def validate_date_range(value: Any) -> None:
    """The one date rule (gonghui.core.text.dates) for a form or filter field; a range filter's
    value is a slice of two dates."""
    ends = [value.start, value.stop] if isinstance(value, slice) else [value]
    for end in ends:
        if end is None:
            continue
        try:
            check_date_range(end)
        except DateParseError as exc:
            raise ValidationError(exc.message, code="date_range") from exc


class RecordForm(forms.ModelForm):
    """A model form that knows its user and offers only organisations (and records) they see.

    Because choices come from `visible_to`, a posted id outside the subtree fails validation as
    "not one of the available choices": forms cannot attach a record to another branch. A
    foreign key to a table that grows is a picker, never a <select> (`pickers.use_pickers`).
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
                day_box(field)  # a text box reading 年-月-日 (gonghui.core.records.days)
                widget = field.widget
            if isinstance(field, forms.DateField):
                field.validators.append(validate_date_range)
            widget.attrs.setdefault("class", css)
        from gonghui.core.records.pickers import use_pickers

        # After the querysets are scoped: a picker reads its chosen label through them.
        use_pickers(self.fields, create=True)

    def _update_errors(self, errors: Any) -> None:
        # A model's clean() may speak of a field this form does not show (a unit name derived
        # from the unit, a person set by the page): Django would raise on such a key and the
        # page would answer 500. Said above the form instead, in the model's own words.
        from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

        if hasattr(errors, "error_dict"):
            shown, moved = {}, []
            for name, messages in errors.error_dict.items():
                if name == NON_FIELD_ERRORS or name in self.fields:
                    shown[name] = messages
                else:
                    moved.extend(messages)
            if moved:
                shown.setdefault(NON_FIELD_ERRORS, []).extend(moved)
                errors = ValidationError(shown)
        super()._update_errors(errors)  # type: ignore[misc]

    def validate_unique(self) -> None:
        """Django's unique checks, with messages that say nothing about other branches.

        The check itself has to look at every row (the index is global), but the answer only
        confirms a duplicate the user can see; a value held outside their subtree gets a
        message that neither says it exists nor where (issue 12, finding 10).
        """
        super().validate_unique()
        for name, errors in list(self.errors.items()):
            data = errors.as_data()
            if name not in self.fields or not any(e.code == "unique" for e in data):
                continue
            kept = [e for e in data if e.code != "unique"]
            self.errors[name] = self.error_class(
                [*kept, ValidationError(self._unique_message(name), code="unique")]
            )

    def _unique_message(self, name: str) -> str:
        model = self._meta.model
        field = model._meta.get_field(name)
        label = str(field.verbose_name)
        value = getattr(self.instance, field.attname, None)
        rows = model._default_manager
        visible = rows.visible_to(self.user) if hasattr(rows, "visible_to") else rows.all()
        if visible.filter(**{field.attname: value}).exclude(pk=self.instance.pk).exists():
            return f"该{label}已登记，请勿重复录入"
        return f"该{label}无法使用，请核对后重新填写；如确认无误，请联系上级工会"
