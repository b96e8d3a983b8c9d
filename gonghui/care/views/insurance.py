"""Insurance pages beyond the generic record pages: the roster check of one unit (参保核对)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from gonghui.care.insurance_actions import check_unit
from gonghui.core.records.pickers import use_pickers
from gonghui.core.records.registry import registry
from gonghui.core.text.identifiers import mask_id_number


def _day(value: str | None) -> datetime.date:
    """The day checked: ?on=YYYY-MM-DD, today when absent or not a sensible date."""
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        return datetime.date.today()
    return day if datetime.date(1950, 1, 1) <= day <= datetime.date(2100, 12, 31) else (
        datetime.date.today()
    )


class UnitForm(forms.Form):
    """The unit, typed into the enterprises' picker (any unit the user sees)."""

    unit: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="参保单位", queryset=None, required=False)

    def __init__(self, *args: object, units: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        use_pickers(self.fields, create=False)


def check(request: HttpRequest) -> HttpResponse:
    """参保核对: pick a unit and a day; list its members not enrolled, enrolled people who
    have left, and people enrolled twice."""
    user = request.user
    if not (user.has_perm(registry["insurance-enrolment"].perm("view"))
            and user.has_perm(registry["members"].perm("view"))):
        raise PermissionDenied
    day = _day(request.GET.get("on"))
    units = registry["enterprises"].base_queryset(user)
    unit_id = request.GET.get("unit", "")
    result = None
    if unit_id:
        if not unit_id.isdigit():
            raise Http404
        # Another branch's unit reads exactly like a missing one.
        unit = units.filter(pk=int(unit_id)).first()
        if unit is None:
            raise Http404
        result = check_unit(unit=unit, day=day, user=user)
    reveal = user.has_perm("accounts.view_sensitive")

    def shown(number: str) -> str:
        return number if reveal else mask_id_number(number)

    return render(request, "care/insurance_check.html", {
        "form": UnitForm(request.GET or None, units=units),
        "day": day,
        "result": result,
        "not_enrolled": [(m, shown(m.person.id_number)) for m in result.not_enrolled]
        if result else [],
        "left": [(e, why, shown(e.person.id_number)) for e, why in result.left] if result else [],
        "twice": [(a, b, shown(a.person.id_number)) for a, b in result.twice] if result else [],
    })


urlpatterns: list[URLPattern] = [
    path("insurance-check/", check, name="insurance-check"),
]
