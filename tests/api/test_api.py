"""The read-only API: the same subtree, filters and masking as the pages, for token and session.

Anonymous callers get 401/403 (never a login redirect), lists are paginated and scoped, an
out-of-subtree id is a 404, and the OpenAPI schema names every record endpoint.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from gonghui.accounts.actions import issue_token
from gonghui.core.records.registry import registry
from gonghui.orgs.models import Enterprise, Industry, Organization, OrgKind, Ownership

pytestmark = pytest.mark.django_db


def get(client: Client, url: str, params: dict[str, Any] | None = None, **extra: Any) -> Any:
    response = client.get(url, params or {}, HTTP_ACCEPT="application/json", **extra)
    return response


def names(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def all_rows(client: Client, url: str, **extra: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while url:
        response = get(client, url, **extra)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        url = body["next"]
    return rows


# --- authentication -------------------------------------------------------------------------------


def test_token_authentication(federation, make_persona):
    make_persona("town_a_cadre")
    token = issue_token(username="town_a_cadre")
    assert issue_token(username="town_a_cadre") == token  # one token per user, stable
    response = get(Client(), "/api/enterprises/", HTTP_AUTHORIZATION=f"Token {token}")
    assert names(response) == {federation.enterprise_a.name, federation.enterprise_a_town.name}


def test_a_wrong_token_is_refused(federation, make_persona):
    make_persona("town_a_cadre")
    response = get(Client(), "/api/enterprises/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert response.status_code in (401, 403)
    assert "哨兵" not in response.content.decode()


def test_session_authentication(federation, login):
    response = get(login("town_a_cadre"), "/api/enterprises/")
    assert names(response) == {federation.enterprise_a.name, federation.enterprise_a_town.name}


@pytest.mark.parametrize("url", ["/api/enterprises/", "/api/orgs/", "/api/schema/"])
def test_anonymous_callers_are_refused_without_a_redirect(federation, url):
    response = get(Client(), url)
    assert response.status_code in (401, 403)
    assert "哨兵" not in response.content.decode()


def test_anonymous_detail_is_refused(federation):
    response = get(Client(), f"/api/enterprises/{federation.enterprise_a.pk}/")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("persona", ["auditor"])
def test_roles_without_record_permissions_are_refused(federation, login, persona):
    response = get(login(persona), "/api/enterprises/")
    assert response.status_code == 403


def test_the_api_is_read_only(federation, login):
    client = login("city_admin")
    response = client.post(
        "/api/enterprises/", {"name": "接口新增企业", "town": federation.town_a.pk}
    )
    assert response.status_code == 405
    response = client.delete(f"/api/enterprises/{federation.enterprise_a.pk}/")
    assert response.status_code == 405
    assert Enterprise.objects.filter(pk=federation.enterprise_a.pk).exists()
    assert not Enterprise.objects.filter(name="接口新增企业").exists()


# --- scope and pagination -------------------------------------------------------------------------


def test_lists_are_scoped_to_the_subtree(federation, login):
    client = login("town_b_cadre")
    assert names(get(client, "/api/enterprises/")) == {federation.enterprise_b.name}
    assert names(get(client, "/api/orgs/")) == {federation.town_b.name, federation.union_b1.name}
    assert "哨兵甲" not in get(client, "/api/enterprises/").content.decode()
    assert "哨兵甲" not in get(client, "/api/orgs/").content.decode()

    assert names(get(login("city_admin"), "/api/orgs/")) == set(
        Organization.objects.values_list("name", flat=True)
    )


def test_lists_are_paginated(federation, login):
    town = federation.town_a
    Enterprise.objects.bulk_create(
        [
            Enterprise(
                name=f"分页企业{i:03d}",
                town=town,
                org=town,
                org_path=town.path,
                industry=Industry.C,
                ownership=Ownership.PRIVATE,
                employee_count=i,
            )
            for i in range(60)
        ]
    )
    client = login("town_a_cadre")
    first = get(client, "/api/enterprises/")
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 62
    assert len(body["results"]) == 50
    assert body["next"] and body["previous"] is None

    second = get(client, "/api/enterprises/", {"page": 2}).json()
    assert len(second["results"]) == 12 and second["next"] is None
    ids = [r["id"] for r in body["results"] + second["results"]]
    assert len(set(ids)) == 62
    assert set(ids) == set(
        Enterprise.objects.filter(org_path__startswith=town.path).values_list("pk", flat=True)
    )
    # town B still sees only its own one, however many pages town A has
    assert get(login("town_b_cadre"), "/api/enterprises/").json()["count"] == 1


def test_out_of_scope_detail_is_404(federation, login):
    client = login("town_b_cadre")
    for url in (
        f"/api/enterprises/{federation.enterprise_a.pk}/",
        f"/api/orgs/{federation.union_a1.pk}/",
        f"/api/orgs/{federation.town_a.pk}/",
        f"/api/orgs/{federation.city.pk}/",
    ):
        response = get(client, url)
        assert response.status_code == 404, url
        assert "哨兵甲" not in response.content.decode()
    response = get(client, f"/api/enterprises/{federation.enterprise_b.pk}/")
    assert response.status_code == 200
    assert response.json()["name"] == federation.enterprise_b.name


def test_a_missing_id_and_a_hidden_id_look_the_same(federation, login):
    client = login("town_b_cadre")
    hidden = get(client, f"/api/enterprises/{federation.enterprise_a.pk}/")
    missing = get(client, "/api/enterprises/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


# --- filters --------------------------------------------------------------------------------------


def test_q_filter(federation, login):
    client = login("town_a_cadre")
    assert names(get(client, "/api/enterprises/", {"q": "机械"})) == {federation.enterprise_a.name}
    assert names(get(client, "/api/enterprises/", {"q": "作坊"})) == {
        federation.enterprise_a_town.name
    }
    # the other town's enterprise matches the word but stays out of scope
    assert names(get(client, "/api/enterprises/", {"q": "纺织"})) == set()
    assert names(get(client, "/api/orgs/", {"q": "机械厂"})) == {
        federation.union_a1.name,
        federation.union_a1a.name,
    }


def test_kind_filter(federation, login):
    client = login("town_a_cadre")
    assert names(get(client, "/api/orgs/", {"kind": OrgKind.JOINT})) == {federation.union_a2.name}
    assert names(get(client, "/api/orgs/", {"kind": OrgKind.GRASSROOTS})) == {
        federation.union_a1.name,
        federation.union_a1a.name,
    }
    assert names(get(login("city_admin"), "/api/orgs/", {"kind": OrgKind.TOWN})) == {
        federation.town_a.name,
        federation.town_b.name,
    }


def test_org_filter_cannot_widen_the_scope(federation, login):
    client = login("town_b_cadre")
    response = get(client, "/api/enterprises/", {"org": federation.town_a.pk})
    if response.status_code == 200:
        assert names(response) == set()
    else:
        assert response.status_code == 400
    assert "哨兵甲" not in response.content.decode()


def test_is_key_filter(federation, login):
    Enterprise.objects.filter(pk=federation.enterprise_a.pk).update(is_key=True)
    client = login("town_a_cadre")
    assert names(get(client, "/api/enterprises/", {"is_key": "true"})) == {
        federation.enterprise_a.name
    }
    assert names(get(client, "/api/enterprises/", {"is_key": "false"})) == {
        federation.enterprise_a_town.name
    }


# --- masking --------------------------------------------------------------------------------------


def phones(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.content
    return {row["name"]: row["phone"] for row in response.json()["results"]}


@pytest.mark.parametrize("persona", ["town_a_cadre", "chair_a1"])
def test_phones_are_masked_for_cadres(federation, login, persona):
    client = login(persona)
    shown = phones(get(client, "/api/orgs/"))
    assert shown
    assert all(p == "138****8000" or p == "139****2222" for p in shown.values())
    text = get(client, "/api/orgs/").content.decode()
    assert "13800138000" not in text and "13911112222" not in text
    detail = get(client, f"/api/orgs/{federation.union_a1.pk}/").json()
    assert detail["phone"] == "138****8000"


def test_phones_are_masked_with_token_auth_too(federation, make_persona):
    make_persona("town_a_cadre")
    token = issue_token(username="town_a_cadre")
    response = get(Client(), "/api/orgs/", HTTP_AUTHORIZATION=f"Token {token}")
    assert phones(response)[federation.town_a.name] == "139****2222"


def test_phones_are_shown_to_the_city_admin(federation, login):
    shown = phones(get(login("city_admin"), "/api/orgs/"))
    assert shown[federation.town_a.name] == "13911112222"
    assert shown[federation.town_b.name] == "13933334444"
    assert shown[federation.union_a1.name] == "13800138000"


# --- schema ---------------------------------------------------------------------------------------


def test_schema_lists_every_record_endpoint(federation, login):
    response = login("town_a_cadre").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for record in registry:
        assert f"/api/{record.slug}/" in paths
        assert f"/api/{record.slug}/{{id}}/" in paths
        assert "get" in paths[f"/api/{record.slug}/"]
    parameters = {p["name"] for p in paths["/api/orgs/"]["get"]["parameters"]}
    assert {"q", "kind", "page"} <= parameters


def test_schema_with_token(federation, make_persona):
    make_persona("town_a_cadre")
    token = issue_token(username="town_a_cadre")
    response = Client().get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert b"/api/enterprises/" in response.content
