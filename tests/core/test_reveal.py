"""security.md row 9 (second half): revealing one record's ID number or phone is a separate,
audited POST; a GET never reveals it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.core.text.identifiers import mask_id_number, mask_phone
from tests.browser.conftest import browser, page  # noqa: F401 — for the browser check below
from tests.conftest import PASSWORD, Federation, current_totp

pytestmark = pytest.mark.django_db


def reveal(client: Client, slug: str, pk: int, field: str) -> object:
    return client.post(
        reverse(f"{slug}-reveal", args=[pk]), {"field": field}, HTTP_HX_REQUEST="true"
    )


def test_the_detail_page_masks_even_for_a_user_who_may_reveal(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    person = federation.person_a
    client = login("city_admin")
    assert client.get("/").wsgi_request.user.has_perm("accounts.view_sensitive")
    html = client.get(reverse("people-detail", args=[person.pk])).content.decode()
    assert person.id_number not in html and person.mobile not in html
    assert mask_id_number(person.id_number) in html and mask_phone(person.mobile) in html
    # One reveal button per sensitive field, posting to the record's reveal URL.
    assert 'data-testid="reveal-id_number"' in html and 'data-testid="reveal-mobile"' in html
    assert f'hx-post="{reverse("people-reveal", args=[person.pk])}"' in html
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


def test_a_reveal_shows_one_value_and_audits_which_field_of_which_record(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    person = federation.person_a
    client = login("city_admin")
    response = reveal(client, "people", person.pk, "id_number")
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.content.decode()  # type: ignore[attr-defined]
    assert person.id_number in body and person.mobile not in body
    assert response["Cache-Control"] == "no-store"  # type: ignore[index]
    entry = AuditEntry.objects.get(action=AuditAction.REVEAL)
    assert entry.user is not None and entry.user.username == "city_admin"
    assert (entry.object_type, entry.object_id) == ("people.person", str(person.pk))
    assert entry.changes["field"] == "id_number"
    row = json.dumps(
        [entry.username, entry.object_type, entry.object_id, entry.changes], ensure_ascii=False
    )
    assert person.id_number not in row and person.id_number[-6:] not in row
    # The phone is its own reveal, its own row.
    assert person.mobile in reveal(client, "people", person.pk, "mobile").content.decode()  # type: ignore[attr-defined]
    assert AuditEntry.objects.filter(action=AuditAction.REVEAL).count() == 2


def test_an_org_phone_reveals_the_same_way(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    response = reveal(login("city_admin"), "orgs", federation.town_a.pk, "phone")
    assert "13911112222" in response.content.decode()  # type: ignore[attr-defined]


def test_get_never_reveals(federation: Federation, login: Callable[[str], Client]) -> None:
    url = reverse("people-reveal", args=[federation.person_a.pk])
    response = login("city_admin").get(url, {"field": "id_number"})
    assert response.status_code == 405
    assert federation.person_a.id_number not in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


def test_a_user_without_the_permission_cannot_reveal(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    html = client.get(reverse("people-detail", args=[federation.person_a.pk])).content.decode()
    assert "reveal-id_number" not in html
    response = reveal(client, "people", federation.person_a.pk, "id_number")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert federation.person_a.id_number not in response.content.decode()  # type: ignore[attr-defined]
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


def test_a_record_outside_the_subtree_is_404(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_b_cadre")
    response = reveal(client, "people", federation.person_a.pk, "id_number")
    assert response.status_code == 404  # type: ignore[attr-defined]


def test_only_sensitive_fields_are_revealed(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("city_admin")
    for field in ("name", "org_path", "password", ""):
        response = reveal(client, "people", federation.person_a.pk, field)
        assert response.status_code == 400, field  # type: ignore[attr-defined]
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


@pytest.mark.browser
def test_the_reveal_button_in_a_real_browser(
    transactional_db: Any,
    federation: Federation,
    make_persona: Callable[[str], Any],
    live_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    page: Any,  # noqa: F811 — the fixture imported above
) -> None:
    """Click 查看完整, confirm, and the full number replaces the masked one (htmx, under CSP)."""
    from playwright.sync_api import expect

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # see tests/browser/conftest.py
    admin = make_persona("city_admin")
    person = federation.person_a
    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("city_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_label("动态码或恢复码").fill(current_totp(admin))
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(f"{base}/")
    page.goto(f"{base}/people/{person.pk}/")
    fields = page.get_by_test_id("record-fields")
    expect(fields).to_contain_text(mask_id_number(person.id_number))
    expect(fields).not_to_contain_text(person.id_number)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("reveal-id_number").click()
    expect(page.get_by_test_id("revealed")).to_have_text(person.id_number)
    reveals = AuditEntry.objects.filter(action=AuditAction.REVEAL, object_id=str(person.pk))
    assert reveals.count() == 1
