"""Audit rows (security.md rows 13-15): who did what, from where, to which object — never the data.

Every create/update/delete through the generic views, every login, failed login and logout, and
every export writes exactly one row; rows hold object ids and a before/after diff with phones
and ID numbers hidden; the table is append-only; only the auditor reads it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from gonghui.core.audit.models import AppendOnlyError, AuditAction, AuditEntry, AuditOutcome
from gonghui.orgs.models import Enterprise, Industry, Organization, Ownership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS = "10.20.30.40"


def enterprise_form(enterprise: Enterprise | None = None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if enterprise is not None:
        data = model_to_dict(
            enterprise,
            fields=[
                "name",
                "uscc",
                "industry",
                "ownership",
                "employee_count",
                "is_key",
                "town",
                "union",
            ],
        )
    data.update(overrides)
    if not data.pop("is_key", False):
        data.pop("is_key", None)
    else:
        data["is_key"] = "on"
    return {k: ("" if v is None else v) for k, v in data.items()}


def org_form(org: Organization, **overrides: Any) -> dict[str, Any]:
    data = model_to_dict(
        org,
        fields=[
            "code",
            "name",
            "kind",
            "founded_on",
            "uscc",
            "address",
            "chair",
            "phone",
        ],
    )
    parent = Organization.objects.get_parent(org)
    if parent is not None:
        data["parent"] = parent.pk
    data.update(overrides)
    return {k: ("" if v is None else v) for k, v in data.items()}


def new_entries(since: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(pk__gt=since).order_by("pk"))


def last_pk() -> int:
    entry = AuditEntry.objects.order_by("-pk").first()
    return entry.pk if entry else 0


def row_text(entry: AuditEntry) -> str:
    """Everything an audit row holds, as one string to search for data that must not be there."""
    return " ".join(
        [
            entry.username,
            str(entry.address or ""),
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.outcome,
            str(entry),
            json.dumps(entry.changes, ensure_ascii=False),
        ]
    )


# --- create / update / delete through the generic views ------------------------------------------


def test_create_update_delete_each_write_one_row_with_a_diff(federation, make_persona, login):
    cadre = make_persona("town_a_cadre")
    client = login("town_a_cadre")
    start = last_pk()

    response = client.post(
        reverse("enterprises-create"),
        enterprise_form(
            name="审计测试有限公司",
            uscc="",
            industry=Industry.C,
            ownership=Ownership.PRIVATE,
            employee_count=42,
            town=federation.town_a.pk,
            union=federation.union_a1.pk,
        ),
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302, response.content.decode()
    created = Enterprise.objects.get(name="审计测试有限公司")
    [entry] = new_entries(start)
    assert entry.action == AuditAction.CREATE
    assert entry.outcome == AuditOutcome.SUCCESS
    assert entry.user == cadre and entry.username == "town_a_cadre"
    assert entry.address == ADDRESS
    assert entry.object_type == "orgs.enterprise"
    assert entry.object_id == str(created.pk)
    assert entry.at is not None and entry.at.tzinfo is not None
    assert entry.changes["name"] == {"before": None, "after": "审计测试有限公司"}
    assert entry.changes["employee_count"] == {"before": None, "after": 42}
    assert entry.changes["union_id"] == {"before": None, "after": federation.union_a1.pk}

    start = last_pk()
    response = client.post(
        reverse("enterprises-update", args=[created.pk]),
        enterprise_form(created, employee_count=50),
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302, response.content.decode()
    [entry] = new_entries(start)
    assert entry.action == AuditAction.UPDATE
    assert entry.user == cadre and entry.address == ADDRESS
    assert entry.object_type == "orgs.enterprise" and entry.object_id == str(created.pk)
    assert entry.changes["employee_count"] == {"before": 42, "after": 50}
    # Only what changed: the unchanged name, town and union are not in the diff.
    assert not {"name", "town_id", "union_id", "uscc"} & set(entry.changes)

    start = last_pk()
    response = client.post(reverse("enterprises-delete", args=[created.pk]), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    assert not Enterprise.objects.filter(pk=created.pk).exists()
    [entry] = new_entries(start)
    assert entry.action == AuditAction.DELETE
    assert entry.user == cadre and entry.address == ADDRESS
    assert entry.object_type == "orgs.enterprise" and entry.object_id == str(created.pk)
    assert entry.changes["name"] == {"before": "审计测试有限公司", "after": None}
    assert entry.changes["employee_count"] == {"before": 50, "after": None}


def test_a_refused_form_writes_no_row(federation, login):
    client = login("town_a_cadre")
    start = last_pk()
    response = client.post(
        reverse("enterprises-update", args=[federation.enterprise_a.pk]),
        enterprise_form(federation.enterprise_a, employee_count="很多"),
    )
    assert response.status_code == 400
    assert new_entries(start) == []


def test_a_phone_change_is_recorded_but_its_digits_never_are(federation, login):
    org = federation.union_a1
    old_phone, new_phone = org.phone, "13912345678"
    assert old_phone
    client = login("town_a_cadre")
    start = last_pk()

    response = client.post(reverse("orgs-update", args=[org.pk]), org_form(org, phone=new_phone))
    assert response.status_code == 302, response.content.decode()
    org.refresh_from_db()
    assert org.phone == new_phone

    [entry] = new_entries(start)
    assert entry.action == AuditAction.UPDATE
    assert entry.object_type == "orgs.organization" and entry.object_id == str(org.pk)
    assert "phone" in entry.changes, "a changed phone must show up as changed"
    # Both sides are a bare placeholder: no digits, no digest or hash a list of numbers could
    # be matched against.
    hidden = entry.changes["phone"]
    assert hidden["before"] == hidden["after"]
    assert hidden["before"] and not re.search(r"[0-9a-f]{6}|\d", hidden["before"])
    text = row_text(entry)
    for digits in (
        old_phone,
        new_phone,
        old_phone[-8:],
        new_phone[-8:],
        old_phone[3:7],
        new_phone[3:7],
    ):
        assert digits not in text
    # Also nothing digit-like long enough to be a phone, whatever the formatting.
    assert not re.search(r"1[3-9]\d{9}", text)


def test_an_unchanged_phone_is_not_reported_as_changed(federation, login):
    org = federation.union_a1
    client = login("town_a_cadre")
    start = last_pk()
    response = client.post(reverse("orgs-update", args=[org.pk]), org_form(org, chair="王五"))
    assert response.status_code == 302, response.content.decode()
    [entry] = new_entries(start)
    assert entry.changes["chair"]["after"] == "王五"
    assert "phone" not in entry.changes


def test_deleting_an_org_never_copies_its_phone(federation, login):
    client = login("town_a_cadre")
    org = federation.union_a1a
    phone = org.phone
    start = last_pk()
    response = client.post(reverse("orgs-delete", args=[org.pk]))
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=org.pk).exists()
    [entry] = new_entries(start)
    assert entry.action == AuditAction.DELETE
    assert entry.object_id == str(org.pk)
    assert phone not in row_text(entry)


# --- login, failed login, logout -----------------------------------------------------------------


def test_login_success_writes_a_row(federation, make_persona):
    user = make_persona("town_a_cadre")
    start = last_pk()
    client = Client()
    response = client.post(
        reverse("login"), {"username": "town_a_cadre", "password": PASSWORD}, REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 302
    [entry] = new_entries(start)
    assert entry.action == AuditAction.LOGIN
    assert entry.outcome == AuditOutcome.SUCCESS
    assert entry.user == user and entry.username == "town_a_cadre"
    assert entry.address == ADDRESS
    assert PASSWORD not in row_text(entry)


@pytest.mark.parametrize("username", ["town_a_cadre", "nobody_here"])
def test_failed_login_writes_a_row_without_the_password(federation, make_persona, username):
    make_persona("town_a_cadre")
    typed = "Wrong-Pass-秘密-9876"
    start = last_pk()
    response = Client().post(
        reverse("login"), {"username": username, "password": typed}, REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    [entry] = new_entries(start)
    assert entry.action == AuditAction.LOGIN_FAILED
    assert entry.outcome == AuditOutcome.FAILURE
    assert entry.user is None
    assert entry.username == username
    assert entry.address == ADDRESS
    text = row_text(entry)
    assert typed not in text and "9876" not in text and "秘密" not in text


def test_wrong_password_and_unknown_user_get_the_same_page(federation, make_persona):
    make_persona("town_a_cadre")

    def message(username: str) -> str:
        html = (
            Client()
            .post(reverse("login"), {"username": username, "password": "Wrong-Pass-9876"})
            .content.decode()
        )
        return re.search(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S).group(1)

    assert message("town_a_cadre") == message("nobody_here")


def test_logout_writes_a_row(federation, make_persona, login):
    user = make_persona("town_a_cadre")
    client = login("town_a_cadre")
    start = last_pk()
    response = client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    [entry] = new_entries(start)
    assert entry.action == AuditAction.LOGOUT
    assert entry.user == user and entry.address == ADDRESS


# --- append-only ---------------------------------------------------------------------------------


def test_audit_rows_cannot_be_changed_or_removed(federation, make_persona):
    make_persona("town_a_cadre")  # writes create and role-change rows
    entries = list(AuditEntry.objects.order_by("pk"))
    assert entries
    before = [(e.pk, e.action, e.username, e.changes) for e in entries]
    entry = entries[0]

    entry.username = "someone_else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.save(update_fields=["username"])
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(username="someone_else")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().update(action=AuditAction.LOGIN)
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    # bulk_update runs in atomic(savepoint=False): give it a savepoint of its own to spoil.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["username"])

    after = [(e.pk, e.action, e.username, e.changes) for e in AuditEntry.objects.order_by("pk")]
    assert after == before


# --- the audit-log page --------------------------------------------------------------------------


def test_auditor_reads_the_log_and_filters_by_action(federation, make_persona, login):
    make_persona("town_a_cadre")
    Client().post(reverse("login"), {"username": "town_a_cadre", "password": PASSWORD})
    Client().post(reverse("login"), {"username": "town_a_cadre", "password": "nope-nope-1"})
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN).exists()
    assert AuditEntry.objects.exclude(action=AuditAction.LOGIN).exists()

    client = login("auditor")
    response = client.get(reverse("audit-log"))
    assert response.status_code == 200
    shown = list(response.context["page"])
    assert len(shown) == AuditEntry.objects.count()

    response = client.get(reverse("audit-log"), {"action": AuditAction.LOGIN})
    assert response.status_code == 200
    shown = list(response.context["page"])
    assert shown
    assert {e.action for e in shown} == {AuditAction.LOGIN}
    assert len(shown) == AuditEntry.objects.filter(action=AuditAction.LOGIN).count()

    response = client.get(reverse("audit-log"), {"action": AuditAction.LOGIN_FAILED})
    assert {e.action for e in response.context["page"]} == {AuditAction.LOGIN_FAILED}


@pytest.mark.parametrize("persona", ["town_a_cadre", "town_b_cadre", "city_admin", "chair_a1"])
def test_only_the_auditor_reads_the_log(federation, login, persona):
    response = login(persona).get(reverse("audit-log"))
    assert response.status_code == 403


def test_anonymous_users_do_not_read_the_log(federation):
    response = Client().get(reverse("audit-log"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- exports -------------------------------------------------------------------------------------


def test_an_export_writes_a_row_with_its_filter_and_row_count(federation, make_persona, login):
    cadre = make_persona("town_a_cadre")
    client = login("town_a_cadre")
    start = last_pk()
    response = client.get(reverse("enterprises-export"), {"q": "机械"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    [entry] = new_entries(start)
    assert entry.action == AuditAction.EXPORT
    assert entry.user == cadre and entry.address == ADDRESS
    assert entry.object_type == "orgs.enterprise"
    assert entry.changes == {"filter": {"q": "机械"}, "rows": 1}

    start = last_pk()
    response = client.get(reverse("enterprises-export"))
    b"".join(response.streaming_content)
    [entry] = new_entries(start)
    assert entry.changes == {"filter": {}, "rows": 2}


def test_an_export_filter_never_holds_the_numbers_searched_for(federation, login):
    """Issue 12, finding 5: the export's filter was copied raw, ID numbers included."""
    client = login("town_a_cadre")
    number = federation.person_a.id_number
    start = last_pk()
    for q in (number, number[:10], number[-4:], federation.person_a.mobile or "13812345678"):
        response = client.get(reverse("members-export"), {"q": q, "smuggled": number})
        b"".join(response.streaming_content)
    # Each number search also writes its own sensitive_search row (finding 4), without digits.
    entries = [e for e in new_entries(start) if e.action == AuditAction.EXPORT]
    assert len(entries) == 4
    for entry in entries:
        assert set(entry.changes["filter"]) == {"q"}, "unknown parameters are not copied"
        assert not re.search(r"\d", json.dumps(entry.changes["filter"])), entry.changes
        text = row_text(entry)
        assert number[-4:] not in text and number[:10] not in text


def test_every_audit_payload_masks_long_digit_runs(federation):
    from gonghui.core.audit import log as audit

    entry = audit.record(
        AuditAction.IMPORT,
        object_type="members",
        changes={"file": "会员370285198501011234名单13812345678.xlsx", "n": [{"x": "1234567"}]},
    )
    text = json.dumps(entry.changes, ensure_ascii=False)
    assert "370285198501011234" not in text and "13812345678" not in text
    assert "1234567" not in text
    assert "370285**********34" in text and "138****5678" in text


def test_a_person_row_holds_neither_birth_date_nor_id_tail(federation, login):
    """A created person's row copied `id_tail` and `birth_date`: most of the ID number."""
    from gonghui.people.models import Person

    client = login("town_a_cadre")
    start = last_pk()
    number = "370285198501016372"
    data = {"name": "新人", "id_number": number, "mobile": "", "org": federation.union_a1.pk}
    response = client.post(reverse("people-create"), data)
    assert response.status_code == 302, response.content.decode()[:800]
    person = Person.objects.get(id_number=number)
    [entry] = new_entries(start)
    assert entry.action == AuditAction.CREATE
    text = row_text(entry)
    assert "6372" not in text and "1985-01-01" not in text and "19850101" not in text
    for field in ("id_tail", "birth_date", "id_number"):
        assert entry.changes[field]["after"] == audit_hidden(), "changed, value hidden"
    assert person.birth_date.isoformat() == "1985-01-01"


def audit_hidden() -> str:
    from gonghui.core.audit.log import HIDDEN

    return HIDDEN
