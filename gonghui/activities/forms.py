"""Forms of activity rows: a participant by ID number from the person index, a unit by name or
credit code of an enterprise on record."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.activities.models import ActivityUnit, Participant
from gonghui.core.records.forms import RecordForm
from gonghui.core.text.identifiers import IdentifierError, check_id_number
from gonghui.core.text.names import validate_person_name
from gonghui.orgs.models import Enterprise
from gonghui.people.actions import find_person
from gonghui.people.models import Person


class ParticipantForm(RecordForm):
    """A named participant (姓名 + 身份证号, matched in the person index, entered there when new)
    or a count row (人数) where names are not kept."""

    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    id_number = forms.CharField(
        label=_("身份证号"), max_length=18, required=False,
        help_text=_("具名参与人填写；按身份证号在人员库中查找，未在库的将录入人员库"),
    )

    class Meta:
        model = Participant
        fields = ["name", "id_number", "headcount", "unit_name", "signed_on", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person: Person | None = self.instance.person
        if self.person is not None:
            # The full ID number is not shown again: left empty, the row keeps its person.
            self.fields["name"].initial = self.person.name
            self.fields["id_number"].help_text = _("留空则保持原参与人不变")

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        raw_id = (data.get("id_number") or "").strip()
        name = "".join((data.get("name") or "").split())
        if name:
            try:
                name = validate_person_name(name)  # the import's rule (gonghui.core.text.names)
            except ValidationError as exc:
                self.add_error("name", exc)
                return data
        headcount = data.get("headcount")
        if raw_id:
            try:
                info = check_id_number(raw_id)
            except IdentifierError as exc:
                self.add_error("id_number", str(exc))
                return data
            person = find_person(info.number)
            if person is None:
                if not name:
                    self.add_error("name", _("新录入人员请填写姓名"))
                    return data
                person = Person(
                    id_number=info.number, name=name, sex=info.sex,
                    birth_date=info.birth_date, org=self.instance.activity.org,
                )
            elif name and name != person.name:
                self.add_error("name", _("姓名与人员库中该身份证号的记录不一致"))
                return data
            self.person = person
        elif self.instance.pk is None or self.instance.person is None:
            self.person = None
        if self.person is not None and headcount:
            self.add_error("headcount", _("具名参与人不填人数；不具名的请另起一行只填人数"))
        if self.person is None and not headcount:
            self.add_error(None, _("请填写身份证号（具名参与人）或人数（不具名的人数）"))
        # A person new to the index is written by `save`, with the row.
        self.instance.person = self.person if self.person and self.person.pk else None
        return data

    def save(self, commit: bool = True) -> Any:
        # Runs inside the view's transaction: a new person and the row are written together.
        if self.person is not None and self.person.pk is None:
            self.person.save()
        self.instance.person = self.person
        return super().save(commit)


class ActivityUnitForm(RecordForm):
    """A unit reached: the name or credit code of an enterprise the user sees links it;
    anything else is kept as the unit's name."""

    unit = forms.CharField(
        label=_("单位"), max_length=200,
        help_text=_("填写企业名称或统一社会信用代码；库中有该企业的自动关联"),
    )

    class Meta:
        model = ActivityUnit
        fields = ["unit", "amount", "goods_value", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["unit"].initial = self.instance.unit_name

    def clean_unit(self) -> str:
        unit = " ".join(self.cleaned_data["unit"].split())
        enterprise = (
            Enterprise.objects.visible_to(self.user)
            .filter(Q(name=unit) | Q(uscc=unit.upper()))
            .order_by("pk")
            .first()
        )
        self.instance.enterprise = enterprise
        self.instance.unit_name = enterprise.name if enterprise is not None else unit
        return unit
