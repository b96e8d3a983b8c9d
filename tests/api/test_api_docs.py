"""`/api/`: the API's documentation page in Chinese, and Swagger UI from vendored files."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from gonghui.core.records.registry import registry

pytestmark = pytest.mark.django_db


def test_the_index_lists_every_record_types_endpoints_in_chinese(federation, login) -> None:
    response = login("town_a_cadre").get("/api/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "数据接口（API）说明" in body and "Authorization: Token" in body
    types = response.context["types"]
    assert [t.slug for t in types] == [r.slug for r in registry]
    members = next(t for t in types if t.slug == "members")
    assert members.name == "会员" and members.allowed
    assert ("GET", "/api/members/") in {(e.method, e.url) for e in members.endpoints}
    # The list's query parameters by their Chinese labels, the date range as two parameters.
    parameters = dict(members.parameters)
    assert parameters["status"] == "会籍状态"
    assert "date_after" in parameters and "date_before" in parameters
    # A workflow's transitions are POST endpoints with their Chinese names.
    claims = next((t for t in types if any(e.method == "POST" for e in t.endpoints)), None)
    if claims is not None:
        assert all(re.search(r"[\u4e00-\u9fff]", e.summary) for e in claims.endpoints)
    # Every documented list URL answers.
    client = login("town_a_cadre")
    for api_type in types:
        if api_type.allowed:
            assert client.get(api_type.endpoints[0].url).status_code == 200, api_type.slug


def test_the_index_says_what_the_account_may_not_read(federation, login) -> None:
    types = login("auditor").get("/api/").context["types"]
    assert types and not any(t.allowed for t in types)
    assert "您的账号无权读取" in login("auditor").get("/api/").content.decode()


def test_swagger_ui_is_served_from_vendored_files_with_no_inline_script(federation, login) -> None:
    client = login("town_a_cadre")
    page = client.get(reverse("api-docs"))
    html = page.content.decode()
    assert page.status_code == 200
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert len(sources) == 3 and not re.search(r"<script>\s*\S", html)  # no inline script
    for src in sources:
        assert not src.startswith(("http:", "https:", "//")), src  # no CDN
    static = [s for s in sources if s.startswith("/static/")]
    assert len(static) == 2
    for src in static:
        assert finders.find(src.removeprefix("/static/")), src
    # The start-up script is a file of its own, pointing at the schema.
    script = client.get(sources[-1].replace("&amp;", "&"))
    assert script.status_code == 200 and "javascript" in script["Content-Type"]
    assert reverse("api-schema") in script.content.decode()


def test_the_documentation_needs_a_login(federation) -> None:
    for url in ("/api/", reverse("api-docs")):
        response = Client().get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url


def test_the_menu_leads_to_the_api_for_whoever_may_use_it(federation, login) -> None:
    page = login("town_a_cadre").get(reverse("members-list")).content.decode()
    assert 'href="/api/"' in page and "数据接口（API）" in page
    # The security administrator reads no records: the API answers them nothing, no entry.
    page = login("security_admin").get("/").content.decode()
    assert 'href="/api/"' not in page


def test_the_schema_swagger_ui_shows_is_in_chinese(federation, login) -> None:
    schema = login("town_a_cadre").get(reverse("api-schema"), {"format": "json"}).json()
    assert re.search(r"[\u4e00-\u9fff]", schema["info"]["description"])
    tags = {tag["name"]: tag["description"] for tag in schema["tags"]}
    assert "会员" in tags and re.search(r"[\u4e00-\u9fff]", tags["会员"])
    operations = [op for item in schema["paths"].values() for op in item.values()]
    assert operations
    for operation in operations:
        for text in (*operation["tags"], operation["summary"], operation["description"]):
            assert re.search(r"[\u4e00-\u9fff]", text), (operation["operationId"], text)
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "header":
                assert re.search(r"[\u4e00-\u9fff]", parameter.get("description", "")), (
                    operation["operationId"], parameter["name"])
    members = schema["paths"]["/api/members/"]["get"]
    assert (members["tags"], members["summary"]) == (["会员"], "会员列表")
    # Record types in the menu's order, each followed by its child rows and attachments.
    names = [tag["name"] for tag in schema["tags"]]
    assert names[:2] == ["组织", "企业"] and names.index("会员") < names.index("困难职工档案")
    activity = names.index("活动")
    assert names[activity + 1].startswith("活动：") and "活动：参与人员" in tags
    assert {tag for op in operations for tag in op["tags"]} <= set(names)
    for scheme in schema["components"]["securitySchemes"].values():
        assert re.search(r"[\u4e00-\u9fff]", scheme["description"])
