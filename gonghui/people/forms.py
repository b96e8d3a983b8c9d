"""Forms for people and members: the ID number decides sex and birth date; members are enrolled
or transferred through the named actions, never by writing a membership row directly."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.records.forms import RecordForm
from gonghui.core.records.pickers import use_pickers
from gonghui.core.records.rowaction import ActionForm
from gonghui.core.text.identifiers import IdentifierError, check_id_number, check_mobile
from gonghui.core.text.names import validate_person_name
from gonghui.orgs.models import UNION_KINDS, Organization
from gonghui.people import actions
from gonghui.people.models import Membership, Person, TransferRequest


def clean_id(value: str) -> Any:
    try:
        return check_id_number(value)
    except IdentifierError as exc:
        raise ValidationError(str(exc)) from exc


def clean_phone(value: str) -> str:
    if not value:
        return ""
    try:
        return check_mobile(value)
    except IdentifierError as exc:
        raise ValidationError(str(exc)) from exc


class PersonForm(RecordForm):
    def clean_name(self) -> str:
        return validate_person_name(self.cleaned_data["name"])

    def clean_id_number(self) -> str:
        info = clean_id(self.cleaned_data["id_number"])
        self.instance.sex = info.sex
        self.instance.birth_date = info.birth_date
        return str(info.number)

    def clean_mobile(self) -> str:
        return clean_phone(self.cleaned_data.get("mobile", ""))


class MemberForm(RecordForm):
    """New member: who (found by ID number, or created) and which union; edit: the card only."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=18)
    mobile = forms.CharField(label=_("手机号"), max_length=20, required=False)
    transfer = forms.BooleanField(label=_("从其他工会转入（转会）"), required=False)

    field_order = ["name", "id_number", "mobile", "org", "enrolled_on", "card_number", "transfer"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        org = self.fields["org"]
        assert isinstance(org, forms.ModelChoiceField)
        org.queryset = org.queryset.filter(kind__in=UNION_KINDS)  # type: ignore[union-attr]
        org.label = _("所属工会")
        if self.instance.pk is not None:
            for name in ("name", "id_number", "mobile", "transfer", "org"):
                del self.fields[name]

    def clean_name(self) -> str:
        # The import's rule: no markup, no formula, only what an ID card can carry.
        return validate_person_name(self.cleaned_data["name"])

    def clean_id_number(self) -> Any:
        return clean_id(self.cleaned_data["id_number"])

    def clean_mobile(self) -> str:
        return clean_phone(self.cleaned_data.get("mobile", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        info = data.get("id_number")
        data["request_transfer"] = False
        if self.instance.pk is None and info is not None:
            person = actions.find_person(info.number)
            data["person"] = person
            if person is not None and not actions.within(self.user, person.org_path):
                # A person on record in another subtree: no name check, no membership state,
                # nothing the answer could teach about them beyond "ask for a transfer".
                if data.get("transfer"):
                    data["request_transfer"] = True
                else:
                    self.add_error("id_number", actions.TRANSFER_NEEDED)
            elif person is not None and person.name != data.get("name"):
                self.add_error("name", _("姓名与系统中该身份证号登记的姓名不一致"))
        return data

    @transaction.atomic
    def save(self, commit: bool = True) -> Membership | TransferRequest:
        if self.instance.pk is not None:
            return super().save(commit)  # type: ignore[no-any-return]
        data = self.cleaned_data
        info = data["id_number"]
        if data["request_transfer"]:
            # Read by RecordEditView: the page to go to and what to say there.
            self.success_url = reverse("transfer-list")
            self.success_message = _("已提交转会申请，待转出方审批")
            return actions.request_transfer(
                person=data["person"], to_union=data["org"], on=data["enrolled_on"],
                name=data["name"], mobile=data.get("mobile") or "",
                card_number=data["card_number"], user=self.user,
            )
        person = data["person"]
        if person is None:
            person = self._create_person(data, info)
        elif data.get("mobile") and data["mobile"] != person.mobile:
            # Inside the writer's subtree (clean made sure): written and audited field by field.
            actions.update_person(person=person, changes={"mobile": data["mobile"]},
                                  user=self.user)
        if data.get("transfer"):
            return actions.transfer(person=person, to_union=data["org"], on=data["enrolled_on"],
                                    card_number=data["card_number"], user=self.user)
        return actions.enrol(person=person, union=data["org"], enrolled_on=data["enrolled_on"],
                             card_number=data["card_number"], user=self.user)


    def _create_person(self, data: dict[str, Any], info: Any) -> Person:
        """Insert the new person; if another post inserted the same ID number a moment ago
        (eight cadres, one number, one second: issue 12, finding 7), take the one now on
        record and check it as `clean` would have, instead of failing on the unique index."""
        person = Person(
            id_number=info.number, name=data["name"], sex=info.sex,
            birth_date=info.birth_date, org=data["org"], mobile=data.get("mobile") or "",
        )
        try:
            with transaction.atomic():  # a savepoint: the transaction survives the refusal
                person.save()
            return person
        except IntegrityError:
            # The other insert has committed (the unique index waited for it): read it.
            found = Person.objects.filter(id_number=info.number).first()
            if found is None:
                raise
        if not actions.within(self.user, found.org_path):
            raise ValidationError(actions.TRANSFER_NEEDED)
        if found.name != data["name"]:
            raise ValidationError(_("姓名与系统中该身份证号登记的姓名不一致"))
        return found


# The usual reasons a membership ends; the form offers them and takes any other in words.
LEAVE_REASONS = ["退休", "调离本单位", "解除或终止劳动合同", "本人申请退会", "去世", "其他"]
TRANSFER_REASONS = ["调动工作", "单位合并或改制", "其他"]


class MembershipEndForm(ActionForm):
    """The date and reason every end of a membership is recorded with."""

    reasons: list[str] = []

    # ISO format: a date input shows nothing for a value written the zh-hans way (2026年12月5日).
    on = forms.DateField(label=_("日期"),
                         widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    reason = forms.ChoiceField(label=_("原因"))
    note = forms.CharField(label=_("说明（选填）"), max_length=150, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        reason = self.fields["reason"]
        assert isinstance(reason, forms.ChoiceField)
        reason.choices = [("", "请选择"), *((r, r) for r in self.reasons)]

    def clean_on(self) -> Any:
        day = self.cleaned_data["on"]
        if day > timezone.localdate():
            raise ValidationError(_("日期不能晚于今天"))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == "其他" and not data.get("note"):
            self.add_error("note", _("原因为“其他”时请写明"))
        reason = data.get("reason", "")
        data["reason_text"] = f"{reason}：{data['note']}" if data.get("note") else reason
        return data


class LeaveForm(MembershipEndForm):
    reasons = LEAVE_REASONS
    field_order = ["on", "reason", "note"]


class TransferForm(MembershipEndForm):
    """转出: to a union the user sees (a transfer across towns is the receiving town's work)."""

    reasons = TRANSFER_REASONS
    to_union = forms.ModelChoiceField(label=_("转入工会"), queryset=Organization.objects.none())
    field_order = ["to_union", "on", "reason", "note"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        union = self.fields["to_union"]
        assert isinstance(union, forms.ModelChoiceField)
        union.queryset = Organization.objects.visible_to(user).filter(kind__in=UNION_KINDS)
        use_pickers(self.fields, create=False)  # typed into, never a <select> of every union


def leave_member(membership: Membership, *, data: dict[str, Any], user: Any,
                 request: Any) -> Membership:
    return actions.leave(person=membership.person, on=data["on"], reason=data["reason_text"],
                         user=user, request=request, membership=membership)


def transfer_member(membership: Membership, *, data: dict[str, Any], user: Any,
                    request: Any) -> Membership:
    return actions.transfer(person=membership.person, to_union=data["to_union"], on=data["on"],
                            reason=data["reason_text"], user=user, request=request,
                            membership=membership)
