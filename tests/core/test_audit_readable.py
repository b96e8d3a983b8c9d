"""The audit log's change column reads as words: field names, choice labels, names of what a
foreign key points at, dates; masked values stay masked; object types by their Chinese names."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.core.audit import log as audit
from gonghui.core.audit import present
from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.people import actions
from gonghui.people.models import Membership

pytestmark = pytest.mark.django_db


def _membership_edit(federation, make_persona) -> AuditEntry:
    """Move a membership to another union and correct its date, as the record page does."""
    cadre = make_persona("town_a_cadre")
    member: Membership = federation.member_a
    before = audit.snapshot(member)
    member.org = federation.union_a2
    member.enrolled_on = datetime.date(2016, 3, 8)
    member.save()
    return audit.record(AuditAction.UPDATE, user=cadre, obj=member,
                        changes=audit.diff(before, audit.snapshot(member)))


def test_a_field_change_reads_by_verbose_name_and_the_named_organisation(
    federation, make_persona
) -> None:
    old_union = federation.member_a.org.name
    entry = _membership_edit(federation, make_persona)
    # Stored exactly (ids and ISO dates), shown as words.
    assert "org_id" in entry.changes
    shown = {line.label: line for line in present.lines([entry])[entry.pk]}
    assert shown["所属组织"].before == old_union
    assert shown["所属组织"].after == federation.union_a2.name
    assert shown["入会日期"].after == "2016-03-08"
    assert present.type_label(entry.object_type) == "会员"


def test_choices_by_label_and_masked_values_stay_masked(federation, make_persona) -> None:
    cadre = make_persona("town_a_cadre")
    person = federation.member_a.person
    actions.update_person(person=person, user=cadre,
                          changes={"mobile": "13700001111", "is_migrant": not person.is_migrant})
    entry = AuditEntry.objects.filter(object_type="people.person").latest("id")
    shown = {line.label: line for line in present.lines([entry])[entry.pk]}
    assert shown["手机号"].after == audit.HIDDEN and shown["手机号"].before == audit.HIDDEN
    assert {shown["农民工"].before, shown["农民工"].after} == {"是", "否"}

    actions.leave(person=person, on=timezone.localdate(), reason="调离本市", user=cadre)
    left = AuditEntry.objects.filter(object_type="people.membership").latest("id")
    words = [(line.label, line.after) for line in present.lines([left])[left.pk]]
    assert ("操作", "退会") in words and ("原因", "调离本市") in words
    assert ("终止日期", timezone.localdate().isoformat()) in words


def test_a_deleted_target_and_an_unknown_payload_still_read() -> None:
    entry = AuditEntry(pk=1, object_type="people.membership", changes={
        "org_id": {"before": 999999, "after": None},
        "rows": 12,
        "filter": {"status": "active", "q": "张**"},
        "roles": ["town_cadre", "auditor"],
    })
    shown = {line.label: line for line in present.lines([entry])[1]}
    assert shown["所属组织"].before == "编号999999（已删除）"
    assert shown["所属组织"].after == "（空）"
    assert shown["行数"].after == "12"
    # A list filter's keys are the model's fields: by name, the status by its label.
    assert shown["筛选条件"].after == "会籍状态：在会；搜索：张**"
    assert shown["角色"].after == "镇街工会干部、审计员"
    assert present.type_label("members") == "会员"  # an import names its record type's slug
    assert present.type_label("database") == "数据库"


def test_the_audit_log_page_shows_no_python_dicts_or_model_labels(
    federation, make_persona, login
) -> None:
    _membership_edit(federation, make_persona)
    page = login("auditor").get(reverse("audit-log"), {"object_type": "会员"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "people.membership" not in body and "org_id" not in body
    assert "{&#x27;" not in body and "&#x27;before&#x27;" not in body
    assert f"{federation.union_a2.name}" in body and "所属组织" in body
    # The type filter takes the Chinese name the column shows.
    rows = list(page.context["page"])
    assert rows and {entry.object_type for entry in rows} <= {"people.membership", "members"}
