"""Issue 12, finding 10: hardening.

- The CSP allows no inline script (and no inline style): the header says so, and no page the
  platform renders carries an inline <script>, an on*= handler, a javascript: URL, a style
  attribute or a <style> element (every GET endpoint of the leak matrix, as the personas who
  may see it).
- `Cache-Control: no-store` on every authenticated page, export, attachment and API answer.
- Web forms refuse the names the import refuses (one rule, gonghui.core.text.names).
- A unique-field error never confirms that the value exists outside the writer's subtree.
- Upload refusals are Chinese only: no English exception text reaches the cadre.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.core.imports.spec import ImportRejected
from gonghui.core.imports.uploads import check_upload, open_sheet
from gonghui.people.models import BenefitCard, Person
from tests.core.test_leak_matrix import endpoints, targets, url_for
from tests.people.test_member_pages import new_member_form

pytestmark = pytest.mark.django_db


# --- CSP ---------------------------------------------------------------------------------------


def directives(response: Any) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    found = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


def test_the_policy_allows_no_inline_script_or_style():
    found = directives(Client().get("/accounts/login/", follow=True))
    for name in ("script-src", "style-src"):
        assert found[name] == ["'self'"], found[name]
    assert "'unsafe-inline'" not in " ".join(w for words in found.values() for w in words)


class InlineFinder(HTMLParser):
    """What a strict CSP would block in a page: inline scripts, handlers, inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value or "" for name, value in attrs}
        if tag == "script":
            kind = names.get("type", "text/javascript").lower()
            self._script_without_src = "src" not in names and kind in {
                "text/javascript", "module", "application/javascript", ""}
        if tag == "style":
            self.found.append("<style>")
        for name, value in names.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            if name in {"href", "src", "action", "formaction"} and value.strip().lower(
            ).startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")

    def handle_data(self, data: str) -> None:
        if self._script_without_src and data.strip():
            self.found.append(f"inline <script>{data.strip()[:40]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_without_src = False


def inline_content(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


PERSONAS = ("city_admin", "town_a_cadre", "security_admin", "auditor")


def sweep(federation: Any, login: Any) -> list[tuple[str, str, Any]]:
    """(persona, url, response) of every GET endpoint the persona may request, with the
    branch-A sentinel objects; 200 answers only."""
    answers = []
    clients = {persona: login(persona) for persona in PERSONAS}
    for endpoint in endpoints():
        if endpoint.kind == "record" and endpoint.view in {"reveal", "picker-create"}:
            continue  # POST only
        urls = [url_for(endpoint, obj) for obj in targets(federation, endpoint, "a")] \
            if endpoint.takes_pk or (endpoint.kind == "child" and "pk" in endpoint.params) \
            else [url_for(endpoint)]
        for url in urls:
            for persona, client in clients.items():
                response = client.get(url)
                if response.status_code == 200:
                    answers.append((persona, url, response))
    return answers


def test_no_page_carries_inline_script_or_style_and_every_answer_is_no_store(federation,
                                                                             login):
    answers = sweep(federation, login)
    pages = 0
    offenders: dict[str, list[str]] = {}
    not_stored: list[str] = []
    for persona, url, response in answers:
        if "no-store" not in response.headers.get("Cache-Control", ""):
            not_stored.append(f"{persona} {url}")
        if response.headers.get("Content-Type", "").startswith("text/html") and not getattr(
                response, "streaming", False):
            pages += 1
            found = inline_content(response.content.decode())
            if found:
                offenders[url] = sorted(set(found))
    assert pages > 50, pages
    assert not offenders, offenders
    assert not not_stored, not_stored


def test_the_record_list_page_size_still_submits_without_an_inline_handler(federation, login):
    html = login("town_a_cadre").get(reverse("members-list")).content.decode()
    assert 'name="per_page"' in html
    assert "data-autosubmit" in html


def test_a_response_that_says_how_to_cache_keeps_its_header():
    """Static files (hashed names) stay cacheable; everything computed is no-store."""
    from django.http import HttpResponse

    from gonghui.core.ops.nostore import NoStoreMiddleware

    def static(request: Any) -> HttpResponse:
        response = HttpResponse("x")
        response["Cache-Control"] = "max-age=315360000, public, immutable"
        return response

    assert NoStoreMiddleware(static)(None)["Cache-Control"].startswith("max-age")  # type: ignore[arg-type]
    assert NoStoreMiddleware(lambda r: HttpResponse("x"))(None)["Cache-Control"] == (  # type: ignore[arg-type]
        "no-store, private")
    assert "no-store" in Client().get(reverse("login"))["Cache-Control"]


# --- names: the import's rule in web forms -----------------------------------------------------


BAD_NAMES = ["<script>alert(1)</script>", "=cmd|' /C calc'!A0", "+SUM(1)", "@HYPERLINK(1)",
             "张三<b>"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_member_form_refuses_what_the_import_refuses(federation, login, name):
    response = login("town_a_cadre").post(reverse("members-create"),
                                          new_member_form(federation, name=name))
    assert response.status_code == 400
    assert "只能包含汉字、字母和间隔号" in response.content.decode()
    assert not Person.objects.filter(name=name).exists()


def test_the_person_form_refuses_what_the_import_refuses(federation, login):
    client = login("town_a_cadre")
    url = reverse("people-update", args=[federation.person_a.pk])
    response = client.get(url)
    form = response.context["form"]
    data = {k: form[k].value() for k in form.fields if form[k].value() is not None}
    data["name"] = "=cmd|' /C calc'!A0"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "只能包含汉字、字母和间隔号" in response.content.decode()
    assert Person.objects.get(pk=federation.person_a.pk).name != data["name"]


def test_the_import_and_the_forms_share_one_rule():
    from gonghui.core.text import names
    from gonghui.people import imports

    assert imports.parse_name.__doc__ == names.check_person_name.__doc__
    assert names.check_person_name("阿依古丽·买买提") == "阿依古丽·买买提"
    with pytest.raises(names.NameRuleError):
        names.check_person_name("<script>")


# --- unique fields say nothing about other towns -----------------------------------------------


def card_post(federation: Any, number: str) -> dict[str, Any]:
    return {"number": number, "person": federation.person_a.pk, "issued_on": "2024-01-01",
            "org": federation.union_a1.pk}


def test_a_number_used_in_another_town_is_not_confirmed(federation, login):
    client = login("town_a_cadre")
    theirs = federation.card_b.number
    response = client.post(reverse("cards-create"), card_post(federation, theirs))
    assert response.status_code == 400
    html = response.content.decode()
    assert "已存在" not in html and "已登记" not in html and "已有" not in html
    assert "请核对" in html
    assert BenefitCard.objects.filter(number=theirs).count() == 1


def test_a_number_used_in_ones_own_subtree_is_named_as_a_duplicate(federation, login):
    client = login("town_a_cadre")
    ours = federation.card_a.number
    response = client.post(reverse("cards-create"), card_post(federation, ours))
    assert response.status_code == 400
    assert "已登记" in response.content.decode()


def test_an_id_number_of_another_town_on_the_person_form_reveals_nothing(federation, login):
    client = login("town_a_cadre")
    url = reverse("people-update", args=[federation.person_a.pk])
    form = client.get(url).context["form"]
    data = {k: form[k].value() for k in form.fields if form[k].value() is not None}
    data["id_number"] = federation.person_b.id_number
    html = client.post(url, data).content.decode()
    assert "已存在" not in html and "已登记" not in html


# --- upload refusals: Chinese only -------------------------------------------------------------


# The words a Chinese message may carry in Latin letters: file kinds and names of programs.
ALLOWED_WORDS = {"xlsx", "xls", "csv", "CSV", "UTF", "Excel", "GB", "MB", "KB", "XML", "DTD",
                 "Office", "PDF", "WPS"}


def english_words(message: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{2,}", message) if w not in ALLOWED_WORDS]


def refusal(path: Path) -> str:
    with pytest.raises(ImportRejected) as caught:
        kind = check_upload(path, filename=path.name)
        _total, rows = open_sheet(path, kind)
        list(rows)
    return caught.value.message


def broken_zip(path: Path) -> Path:
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40 + b"PK\x05\x06" + b"\x00" * 16 + b"x" * 10)
    return path


def garbled_sheet(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://'
                         'schemas.openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='a' sheetId='1' "
                         "r:id='rId1'/></sheets>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row><c r=")
    return path


def csv_with_nul(path: Path) -> Path:
    path.write_bytes("姓名,身份证号\n张三,1\x00\n".encode())
    return path


def csv_with_a_huge_field(path: Path) -> Path:
    path.write_text('姓名\n"' + "长" * 200_000 + '"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("make", [broken_zip, garbled_sheet, csv_with_nul, csv_with_a_huge_field])
def test_upload_refusals_carry_no_english(tmp_path, make):
    suffix = ".csv" if make.__name__.startswith("csv") else ".xlsx"
    message = refusal(make(tmp_path / f"upload{suffix}"))
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert not english_words(message), message


# --- the documented grants: nobody truncates the audit table ----------------------------------


def documented_audit_grants() -> list[str]:
    """The statements of docs/security.md's grant block that name the audit table."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text("utf-8")
    block = text.split("```sql", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines()
            if "core_auditentry" in line and not line.strip().startswith("--")]


def test_the_documented_grants_stop_truncating_the_audit_table():
    """Set up as documented (an owner role owning the table, an application role holding the
    ordinary grants), neither role can TRUNCATE the audit table; the application can still
    append to it."""
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("roles and grants: the PostgreSQL lane")
    statements = documented_audit_grants()
    assert any("TRUNCATE" in s and "gonghui_owner" in s for s in statements), statements
    owner, app = "gh_test_owner_sec", "gh_test_app_sec"
    with connection.cursor() as cursor:
        # All inside the test's transaction: the roles and the ownership change roll back.
        cursor.execute(f"CREATE ROLE {owner} NOLOGIN")
        cursor.execute(f"CREATE ROLE {app} NOLOGIN")
        cursor.execute(f"ALTER TABLE core_auditentry OWNER TO {owner}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON core_auditentry TO {app}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}")
        for statement in statements:
            cursor.execute(statement.replace("gonghui_owner", owner).replace("gonghui_app", app))
        for role in (app, owner):
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                cursor.execute(f"SET ROLE {role}")
                cursor.execute("TRUNCATE core_auditentry")
            cursor.execute("RESET ROLE")
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            cursor.execute(f"SET ROLE {app}")
            cursor.execute("DELETE FROM core_auditentry")
        cursor.execute("RESET ROLE")
        with transaction.atomic():
            cursor.execute(f"SET ROLE {app}")
            cursor.execute("SELECT count(*) FROM core_auditentry")
            cursor.execute("RESET ROLE")
