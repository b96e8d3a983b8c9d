"""The permission and leak matrix: every URL pattern, every persona, sentinels in every branch.

security.md rows 6-8. The URL patterns come from the resolver, not from a list kept here: a URL
the matrix does not know how to request fails `test_every_url_pattern_is_in_the_matrix`, so a
new page cannot be added without being swept. Every record of a branch carries the branch's
sentinel in its name (`test_every_branch_record_carries_its_sentinel`), so "the sentinel is not
in the response" means "no row of that branch is in the response".
"""

from __future__ import annotations

import html
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, resolve, reverse
from docx import Document
from python_calamine import CalamineWorkbook

from gonghui.accounts.roles import SECOND_FACTOR_ROLES, Role, role_permissions
from gonghui.core.attachments.models import Attachment
from gonghui.core.records.registry import registry
from gonghui.orgs.models import Enterprise, Organization
from gonghui.reports.models import Review
from tests.conftest import PERSONAS, SENTINEL_A, SENTINEL_B, Federation

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
SENTINELS = {"a": SENTINEL_A, "b": SENTINEL_B}
MISSING_PK = 10**9
LOGIN_URL = "/login/"

# What the matrix knows how to request, by URL name, with the URL keyword arguments each takes.
# Record views are `<slug>-<view>` for every registered record type (gonghui/core/urls.py).
RECORD_VIEWS: dict[str, frozenset[str]] = {
    "list": frozenset(),
    "create": frozenset(),
    "export": frozenset(),
    "autocomplete": frozenset(),
    "detail": frozenset({"pk"}),
    "update": frozenset({"pk"}),
    "delete": frozenset({"pk"}),
    # The full ID number or phone of one record: POST only (GET is 405), audited.
    "reveal": frozenset({"pk"}),
    # Only for record types that declare an import spec.
    "import": frozenset(),
    "import-template": frozenset(),
    # Only for record types that declare attachments: the panel (GET; POST uploads), one file,
    # its thumbnail, its caption and its deletion (POST only).
    "attachments": frozenset({"pk"}),
    "attachment": frozenset({"pk", "attachment"}),
    "attachment-thumbnail": frozenset({"pk", "attachment"}),
    "attachment-caption": frozenset({"pk", "attachment"}),
    "attachment-delete": frozenset({"pk", "attachment"}),
    # Only for record types that declare a workflow: one record's transition, and the bulk
    # transition of selected rows; both POST only (GET is 405). `name` is a transition's.
    "transition": frozenset({"pk", "name"}),
    "bulk-transition": frozenset({"name"}),
    # Only for record types whose pickers create records (people): POST only (GET is 405).
    "picker-create": frozenset(),
    # Only for record types that declare actions (退会, 转出 …): /<slug>/actions/<action>/,
    # requested with the branch's record ticked (`?ids=`).
    "action": frozenset({"action"}),
}
IMPORT_VIEWS = {"import", "import-template"}
ATTACHMENT_VIEWS = {
    "attachments", "attachment", "attachment-thumbnail", "attachment-caption", "attachment-delete"
}
# The views about one attachment: requested with the sentinel attachments of each branch.
ONE_ATTACHMENT_VIEWS = ATTACHMENT_VIEWS - {"attachments"}
# Child rows under their parent (gonghui/core/urls.py CHILD_VIEWS): `<parent>-<child>-<view>`.
CHILD_VIEWS: dict[str, frozenset[str]] = {
    "rows": frozenset({"pk"}),
    "create": frozenset({"pk"}),
    "update": frozenset({"pk", "child_pk"}),
    "delete": frozenset({"pk", "child_pk"}),
    # Only for child rows that declare an import spec (a sign-in sheet into an activity).
    "import": frozenset({"pk"}),
    "import-template": frozenset({"pk"}),
}
# The parent's permission each child view needs: rows are part of their parent.
CHILD_VIEW_ACTION = {"rows": "view"} | {v: "change" for v in CHILD_VIEWS if v != "rows"}
WORKFLOW_VIEWS = {"transition", "bulk-transition"}
PICKER_CREATE_VIEWS = {"picker-create"}
UUID_PAGES = {"import-job", "import-job-errors"}
RECORD_VIEW_ACTION = {
    "import": "add",
    "import-template": "add",
    "list": "view",
    "create": "add",
    "export": "view",
    "autocomplete": "view",
    "detail": "view",
    "update": "change",
    "delete": "delete",
    "reveal": "view",
    "attachments": "view",
    "attachment": "view",
    "attachment-thumbnail": "view",
    "attachment-caption": "change",
    "attachment-delete": "change",
    "picker-create": "add",
    "action": "change",
}
# API endpoints are `api-<slug>-<view>` (gonghui/api/urls.py). DRF's router also adds a
# format-suffix variant of each route (`/api/orgs.json`) under the *same* name with an extra
# `format` argument; the matrix requests those as `.json` URLs rather than skipping them.
API_VIEWS: dict[str, frozenset[str]] = {
    "list": frozenset(),
    "detail": frozenset({"pk"}),
    # A workflow's transition: POST only.
    "transition": frozenset({"pk", "name"}),
    # Only for record types that declare attachments: one record's attachments (GET lists,
    # POST uploads) and one attachment (GET downloads the file, DELETE removes it).
    "attachments": frozenset({"pk"}),
    "attachment": frozenset({"pk", "attachment"}),
}
API_ATTACHMENT_VIEWS = {"attachments", "attachment"}
# A parent's child rows over the API: `api-<parent>-<child>-rows` (GET lists, POST adds) and
# `api-<parent>-<child>-row` (GET, PUT, PATCH, DELETE one row), scoped through the parent.
API_CHILD_VIEWS: dict[str, frozenset[str]] = {
    "rows": frozenset({"pk"}),
    "row": frozenset({"pk", "child_pk"}),
}
PAGES: dict[str, frozenset[str]] = {
    "home": frozenset(),
    "search": frozenset(),
    "audit-log": frozenset(),
    "org-tree": frozenset(),
    "org-tree-children": frozenset({"pk"}),
    "login": frozenset(),
    "logout": frozenset(),
    "password_change": frozenset(),
    "password_change_done": frozenset(),
    "api-schema": frozenset(),
    # The API's documentation (an index from the registry, and Swagger UI): every account's.
    "api-index": frozenset(),
    "api-docs": frozenset(),
    # An import job is its uploader's alone: every other account gets 404.
    "import-job": frozenset({"pk"}),
    "import-job-errors": frozenset({"pk"}),
    # The second factor: every account's own pages.
    "otp-setup": frozenset(),
    "otp-verify": frozenset(),
    "otp-disable": frozenset(),
    # Account management, the security administrator's: the accounts of their subtree.
    "account-list": frozenset(),
    "account-deactivate": frozenset({"pk"}),
    "account-unlock": frozenset({"pk"}),
    "account-reset-otp": frozenset({"pk"}),
    "account-create": frozenset(),
    "account-edit": frozenset({"pk"}),
    "account-reset-password": frozenset({"pk"}),
    "account-revoke-token": frozenset({"pk"}),
    # 工作回顾: the compiled review (?org=CODE&period=…), its downloads, a saved review.
    "review-index": frozenset(),
    "review-export": frozenset(),
    "review-detail": frozenset({"pk"}),
    # 转会申请 (issue 12, finding 1): the requests of both sides, and a decision (POST only).
    "transfer-list": frozenset(),
    "transfer-decide": frozenset({"pk"}),
    # 参保核对 (care, insurance): one unit's rosters against its members (?unit=ID&on=DATE).
    "insurance-check": frozenset(),
}
ACCOUNT_ACTIONS = {
    "account-deactivate", "account-unlock", "account-reset-otp", "account-revoke-token",
    "account-reset-password",
}
REVIEW_FORMATS = ("docx", "xlsx", "json")


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str
    params: frozenset[str]
    kind: str  # "record", "api" or "page"
    view: str  # record and API: list, detail, ...; page: its URL name
    slug: str = ""
    child: str = ""  # child rows: the child's slug under the parent record type `slug`

    @property
    def takes_pk(self) -> bool:
        return "pk" in self.params

    @property
    def is_one_attachment(self) -> bool:
        return (self.kind == "record" and self.view in ONE_ATTACHMENT_VIEWS) or (
            self.kind == "api" and self.view == "attachment"
        )

    @property
    def is_api(self) -> bool:
        return self.kind == "api" or self.name == "api-schema"

    @property
    def is_listing(self) -> bool:
        """Endpoints that take the list filters (`q`, `org`, the record type's filters)."""
        return (
            (self.kind == "record" and self.view in {"list", "export", "autocomplete"})
            or (self.kind == "api" and self.view == "list")
            or self.name == "search"
        )


def url_patterns(
    patterns: Sequence[Any] | None = None, prefix: str = "", params: frozenset[str] = frozenset()
) -> Iterator[tuple[URLPattern, str, frozenset[str]]]:
    """Every leaf pattern with its full route and the keyword arguments it captures."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        here = params | frozenset(pattern.pattern.regex.groupindex)
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, route, here)
        else:
            yield pattern, route, here


def classify(pattern: URLPattern, route: str, params: frozenset[str]) -> Endpoint | None:
    """The matrix's reading of a pattern, or None when it would not know how to request it.

    Unnamed patterns are never skipped: none exist today (DRF's format-suffix variants carry
    their base route's name), and a pattern without a name cannot be reversed, so the matrix
    could not request it. Name it, and teach the matrix what to expect of it.
    """
    name = pattern.name
    if name is None:
        return None
    for record in registry:
        for view, needs in RECORD_VIEWS.items():
            if name == record.url_name(view) and params == needs:
                return Endpoint(name, route, params, "record", view, record.slug)
        for view, needs in API_VIEWS.items():
            if name == f"api-{record.slug}-{view}" and params - {"format"} == needs:
                return Endpoint(name, route, params, "api", view, record.slug)
        for child in record.children:
            for view, needs in CHILD_VIEWS.items():
                if name == child.url_name(view) and params == needs:
                    return Endpoint(name, route, params, "child", view, record.slug, child.slug)
            for view, needs in API_CHILD_VIEWS.items():
                if name == f"api-{record.slug}-{child.slug}-{view}" and params == needs:
                    return Endpoint(name, route, params, "api", view, record.slug, child.slug)
    if name in PAGES and params == PAGES[name]:
        return Endpoint(name, route, params, "page", name)
    return None


def unknown_patterns(patterns: Sequence[Any] | None = None) -> list[str]:
    return [
        f"{route!r} (name={pattern.name!r}, kwargs={sorted(params)})"
        for pattern, route, params in url_patterns(patterns)
        if classify(pattern, route, params) is None
    ]


def endpoints() -> list[Endpoint]:
    found = []
    for pattern, route, params in url_patterns():
        endpoint = classify(pattern, route, params)
        if endpoint is not None:
            found.append(endpoint)
    return found


def url_for(endpoint: Endpoint, obj: Any = None, *, pk: int | None = None) -> str:
    kwargs: dict[str, Any] = {}
    if endpoint.is_one_attachment:
        # The attachment's own record and id; a made-up pk stands for both.
        kwargs["pk"] = pk if pk is not None else obj.object_id
        kwargs["attachment"] = pk if pk is not None else obj.pk
    elif endpoint.takes_pk:
        kwargs["pk"] = pk if pk is not None else obj.pk
        if endpoint.name in UUID_PAGES and isinstance(kwargs["pk"], int):
            kwargs["pk"] = uuid.UUID(int=kwargs["pk"])  # a made-up id of the right shape
    if "child_pk" in endpoint.params:
        # A child row's URL names its parent and the row.
        child = registry[endpoint.slug].child(endpoint.child)
        kwargs["child_pk"] = kwargs["pk"]
        kwargs["pk"] = pk if pk is not None else getattr(obj, f"{child.parent_field}_id")
    if endpoint.kind == "record" and endpoint.view == "action":
        record = registry[endpoint.slug]
        url = reverse(endpoint.name, kwargs={"action": record.record_actions[0].slug})
        # Every record of the type ticked, both branches': the page may name only the user's.
        ids = record.model._default_manager.order_by("pk").values_list("pk", flat=True)
        return url + ("?" + "&".join(f"ids={pk}" for pk in ids) if ids else "")
    if "format" in endpoint.params:
        kwargs["format"] = "json"
    if "name" in endpoint.params:
        kwargs["name"] = transition_name(endpoint.slug)
    return reverse(endpoint.name, kwargs=kwargs)


def transition_name(slug: str) -> str:
    """The transition a workflow URL is requested with: the record type's first."""
    workflow = registry[slug].workflow
    assert workflow is not None, slug
    return workflow.transitions[0].name


def view_action(slug: str, view: str) -> str:
    """The permission's action a record view checks (a transition checks its own, and so does
    a record action: a transition taken on ticked rows is one)."""
    if view == "action":
        return registry[slug].record_actions[0].permission
    return transition_name(slug) if view in WORKFLOW_VIEWS else RECORD_VIEW_ACTION[view]


def targets(fed: Federation, endpoint: Endpoint, branch: str) -> list[Any]:
    """The sentinel objects of a branch that a pk URL is requested with."""
    if endpoint.is_one_attachment:
        attachments = fed.branch_attachments(branch)
        assert endpoint.slug in attachments, (
            f"record type {endpoint.slug!r} declares attachments but has no sentinel attachment "
            "(tests/conftest.py plants one for every such type: plant_attachments)"
        )
        return [attachments[endpoint.slug]]
    if endpoint.child:  # a child-row page or API endpoint
        objects = fed.branch_objects_with_children(branch)
        row = "child_pk" in endpoint.params
        key = f"{endpoint.slug}/{endpoint.child}" if row else endpoint.slug
        assert key in objects, (
            f"child rows {key!r} have no sentinel row: add one to "
            "Federation.branch_objects_with_children in tests/conftest.py"
        )
        return [objects[key]]
    if endpoint.kind in {"record", "api"}:
        objects = fed.branch_objects(branch)
        assert endpoint.slug in objects, (
            f"record type {endpoint.slug!r} has no sentinel object: add one to "
            "Federation.branch_objects in tests/conftest.py"
        )
        return [objects[endpoint.slug]]
    if endpoint.name == "org-tree-children":
        return [fed.union_a1, fed.town_a] if branch == "a" else [fed.union_b1, fed.town_b]
    if endpoint.name in {"import-job", "import-job-errors"}:
        return [fed.import_job_a if branch == "a" else fed.import_job_b]
    if endpoint.name in ACCOUNT_ACTIONS or endpoint.name == "account-edit":
        # The clerk accounts of each town (they uploaded the imports).
        return [(fed.import_job_a if branch == "a" else fed.import_job_b).user]
    if endpoint.name == "review-detail":
        return [saved_review(fed, branch)]
    if endpoint.name == "transfer-decide":
        return [transfer_request(fed, branch)]
    raise AssertionError(f"the matrix has no target object for {endpoint.name}")


def saved_review(fed: Federation, branch: str) -> Review:
    """A saved review of the branch's union (so the chair's subtree holds branch A's), made on
    first use; its title and text carry the branch's sentinel."""
    union = fed.union_a1 if branch == "a" else fed.union_b1
    review, _created = Review.objects.get_or_create(
        org=union,
        period_code="2018H1",
        defaults={
            "title": f"{SENTINELS[branch]}工作回顾",
            "narrative": f"{SENTINELS[branch]}发展会员〔members.enrolled〕。",
        },
    )
    return review


def transfer_request(fed: Federation, branch: str) -> Any:
    """A pending transfer request inside the branch (both sides in it), made on first use; it
    names the branch's sentinel person."""
    from gonghui.people.models import TransferRequest

    union = fed.union_a1 if branch == "a" else fed.union_b1
    person = fed.person_a if branch == "a" else fed.person_b
    item, _created = TransferRequest.objects.get_or_create(
        person=person,
        defaults={"org": union, "release_org": union, "name": person.name,
                  "transfer_on": "2024-05-01"},
    )
    return item


# --- what each persona may do, written down independently of the code under test -------------


def role_of(persona: str) -> str | None:
    return None if persona == ANONYMOUS else PERSONAS[persona][0]


def org_of(fed: Federation, persona: str) -> Organization | None:
    attr = None if persona == ANONYMOUS else PERSONAS[persona][1]
    return getattr(fed, attr) if attr else None


def has_perm(persona: str, perm: str) -> bool:
    role = role_of(persona)
    return role is not None and perm in role_permissions()[role]


def sees(fed: Federation, persona: str, obj: Any) -> bool:
    """The scoping rule restated: a record lies in the user's subtree; auditors and security
    administrators see none. An account lies in the subtree of its organisation."""
    org = org_of(fed, persona)
    if org is None or role_of(persona) in {Role.AUDITOR, Role.SECURITY_ADMIN}:
        return False
    return bool(getattr(obj, type(obj).scope_path_field).startswith(org.path))


def manages(fed: Federation, persona: str, account: Any) -> bool:
    """Account management restated: the security administrator, over their subtree's accounts."""
    org = org_of(fed, persona)
    return (
        org is not None
        and has_perm(persona, "accounts.manage_accounts")
        and account.org is not None
        and account.org.path.startswith(org.path)
    )


def expected_get(fed: Federation, persona: str, endpoint: Endpoint, obj: Any) -> set[int]:
    anonymous = persona == ANONYMOUS
    if endpoint.is_api:
        if anonymous:
            return {401, 403}
        if endpoint.name == "api-schema":
            return {200}
        if not has_perm(persona, registry[endpoint.slug].perm("view")):
            return {403}
        if endpoint.child and "child_pk" in endpoint.params:
            # A child row is scoped through its parent.
            obj = getattr(obj, registry[endpoint.slug].child(endpoint.child).parent_field)
        if endpoint.takes_pk and not sees(fed, persona, obj):
            return {404}
        return {405} if endpoint.view == "transition" else {200}  # a transition is a POST
    if endpoint.name == "login":
        return {200} if anonymous else {302}
    if anonymous:
        return {302}  # to the login page; test_anonymous_users_are_sent_to_login checks where
    if endpoint.name == "logout":
        return {405}  # Django 5 logs out on POST only
    if endpoint.name in {"password_change", "password_change_done"}:
        return {200}  # every account may change its own password
    if endpoint.kind == "child":
        # Scope through the parent first, then the parent's permission for the view.
        record = registry[endpoint.slug]
        parent_field = record.child(endpoint.child).parent_field
        parent = getattr(obj, parent_field) if "child_pk" in endpoint.params else obj
        if not sees(fed, persona, parent):
            return {404}
        if not has_perm(persona, record.perm(CHILD_VIEW_ACTION[endpoint.view])):
            return {403}
        return {200}
    if endpoint.kind == "record":
        # Scope first: a record outside the subtree is a 404 whatever the user's rights.
        record = registry[endpoint.slug]
        if endpoint.takes_pk and not sees(fed, persona, obj):
            return {404}
        if not has_perm(persona, record.perm(view_action(endpoint.slug, endpoint.view))):
            return {403}
        if endpoint.view in {"reveal", "attachment-caption", "attachment-delete",
                             "picker-create", *WORKFLOW_VIEWS}:
            return {405}  # POSTs only (reveal, caption, deletion, creation, transitions)
        if endpoint.view == "attachment-thumbnail" and not obj.thumbnail:
            return {404}  # a document has no thumbnail
        return {200}
    if endpoint.name in {"home", "search", "api-index", "api-docs"}:
        return {200}
    if endpoint.name == "audit-log":
        return {200} if has_perm(persona, "core.view_auditentry") else {403}
    if endpoint.name == "otp-verify":
        return {302}  # verified already, or nothing to verify: on to the page asked for
    if endpoint.name == "otp-setup":
        return {200}  # the enrolment page, or the enrolled state
    if endpoint.name == "otp-disable":
        required = role_of(persona) in SECOND_FACTOR_ROLES  # the fixtures enrol exactly these
        return {200} if required else {302}
    if endpoint.name in {"account-list", "account-create"}:
        return {200} if has_perm(persona, "accounts.manage_accounts") else {403}
    if endpoint.name == "account-edit":
        return {200} if manages(fed, persona, obj) else {404}
    if endpoint.name in ACCOUNT_ACTIONS:
        return {405} if manages(fed, persona, obj) else {404}
    if endpoint.name == "org-tree":
        allowed = has_perm(persona, "orgs.view_organization") and org_of(fed, persona) is not None
        return {200} if allowed else {403}
    if endpoint.name in {"import-job", "import-job-errors"}:
        return {404}  # the jobs belong to accounts that are none of the personas
    if endpoint.name == "org-tree-children":
        if not has_perm(persona, "orgs.view_organization"):
            return {403}
        return {200} if sees(fed, persona, obj) else {404}
    if endpoint.name == "review-detail":
        if not sees(fed, persona, obj):
            return {404}
        return {200} if has_perm(persona, "reports.view_review") else {403}
    if endpoint.name == "transfer-list":
        return {200} if has_perm(persona, "people.view_membership") else {403}
    if endpoint.name == "transfer-decide":
        # A decision is a POST; GET decides nothing. Scope first, as for every pk URL.
        return {405} if sees(fed, persona, obj) else {404}
    if endpoint.name == "insurance-check":
        allowed = has_perm(persona, "care.view_insuranceenrolment") and has_perm(
            persona, "people.view_membership")
        return {200} if allowed else {403}
    if endpoint.name in {"review-index", "review-export"}:
        if not has_perm(persona, "reports.view_review") or org_of(fed, persona) is None:
            return {403}
        # The index shows the user's own organisation; the download needs a format.
        return {200} if endpoint.name == "review-index" else {400}
    raise AssertionError(f"the matrix has no expectation for {endpoint.name}")


# --- reading responses ------------------------------------------------------------------------

_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def xlsx_cells(data: bytes) -> list[str]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    cells = list(book.sheet_names)
    for index in range(len(book.sheet_names)):
        for row in book.get_sheet_by_index(index).to_python():
            cells.extend(str(value) for value in row)
    return cells


def docx_texts(data: bytes) -> list[str]:
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    texts += [document.core_properties.title or ""]
    return texts


def response_texts(response: Any) -> list[str]:
    """Every form in which a response could carry a name: headers, body, decoded body."""
    texts = [f"{key}: {unquote(value)}" for key, value in response.items()]
    streaming = response.streaming
    body = b"".join(response.streaming_content) if streaming else response.content
    if response.get("Content-Type", "").startswith(("image/", "application/pdf")):
        # A served file: whatever text its bytes carry (the sentinel PDFs carry their sentinel).
        texts.append(body.decode("utf-8", errors="ignore"))
        return texts
    # No response.close() here: the test client has closed it already (for a streaming response,
    # once its content is consumed), and a second close fires request_finished, which closes the
    # database connection in the middle of the test's transaction.
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        texts.extend(xlsx_cells(body))
        return texts
    if "wordprocessingml" in content_type:
        texts.extend(docx_texts(body))
        return texts
    text = body.decode(response.charset or "utf-8")
    texts += [text, html.unescape(text), _UNICODE_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)]
    if "json" in content_type and text.strip():
        texts.append(json.dumps(json.loads(text), ensure_ascii=False))
    return texts


def found(texts: Iterable[str], sentinels: Iterable[str]) -> list[str]:
    texts = list(texts)
    return [s for s in sentinels if any(s in t for t in texts)]


def client_for(persona: str, login: Callable[[str], Client]) -> Client:
    return Client() if persona == ANONYMOUS else login(persona)


def db_state() -> dict[str, list[Any]]:
    """Every row of every record type, child row type and attachment, every column: what a
    refused request must not change."""
    models = [(record.slug, record.model) for record in registry] + [("attachments", Attachment)]
    state = {
        slug: list(
            model._default_manager.order_by("pk").values_list(
                *(f.attname for f in model._meta.concrete_fields)
            )
        )
        for slug, model in models
    }
    for record in registry:
        for child in record.children:
            state[f"{record.slug}/{child.slug}"] = list(
                child.model._default_manager.order_by("pk").values_list(
                    *(f.attname for f in child.opts.concrete_fields)
                )
            )
    return state


# --- the matrix knows every URL --------------------------------------------------------------


def test_every_url_pattern_is_in_the_matrix() -> None:
    unknown = unknown_patterns()
    assert not unknown, (
        "URL patterns the leak matrix does not know how to request (teach "
        "tests/core/test_leak_matrix.py what each persona may see there): " + "; ".join(unknown)
    )


def _view(request: Any) -> HttpResponse:
    return HttpResponse()


def test_an_unknown_or_unnamed_pattern_fails_the_matrix() -> None:
    extra = [
        path("orgs/<int:pk>/print/", _view, name="orgs-print"),
        path("totals/", _view),
        path("orgs/<int:pk>/<str:part>/", _view, name="orgs-detail"),  # known name, new kwarg
    ]
    reported = unknown_patterns([*get_resolver().url_patterns, *extra])
    assert len(reported) == 3, reported
    assert any("orgs-print" in line for line in reported)
    assert any("name=None" in line for line in reported)
    assert any("'part'" in line for line in reported)


def test_every_record_type_and_page_has_its_urls() -> None:
    names = {e.name for e in endpoints()}
    wanted = set(PAGES)
    for record in registry:
        views = set(RECORD_VIEWS) - (IMPORT_VIEWS if record.import_spec is None else set())
        views -= ATTACHMENT_VIEWS if not record.attachments else set()
        views -= WORKFLOW_VIEWS if record.workflow is None else set()
        views -= PICKER_CREATE_VIEWS if record.picker_create is None else set()
        views -= set() if record.record_actions else {"action"}
        wanted |= {record.url_name(view) for view in views}
        wanted |= {
            f"api-{record.slug}-{view}"
            for view in API_VIEWS
            if (view != "transition" or record.workflow is not None)
            and (view not in API_ATTACHMENT_VIEWS or record.attachments)
        }
        for child in record.children:
            child_views = set(CHILD_VIEWS) - (IMPORT_VIEWS if child.import_spec is None else set())
            wanted |= {child.url_name(view) for view in child_views}
            wanted |= {f"api-{record.slug}-{child.slug}-{view}" for view in API_CHILD_VIEWS}
    assert wanted - names == set(), "the matrix expects URLs that do not exist"


def test_every_endpoint_reverses_to_its_own_pattern() -> None:
    # A pattern is known by its name and keyword arguments (its route string is not comparable:
    # ResolverMatch rewrites the anchors of regex routes nested under a path prefix).
    keys = [(e.name, e.params) for e in endpoints()]
    assert len(keys) == len(set(keys))
    for endpoint in endpoints():
        match = resolve(url_for(endpoint, pk=1))
        assert (match.url_name, frozenset(match.kwargs)) == (endpoint.name, endpoint.params)


def test_every_branch_record_carries_its_sentinel(federation: Federation) -> None:
    for branch, town in (("a", federation.town_a), ("b", federation.town_b)):
        for record in registry:
            rows = record.model.objects.filter(  # type: ignore[attr-defined]
                **{f"{record.model.scope_path_field}__startswith": town.path}  # type: ignore[attr-defined]
            )
            assert rows.exists()
            for obj in rows:
                assert SENTINELS[branch] in str(obj), (record.slug, obj)
        # Attachments too: every one of the branch carries the sentinel in its name and caption,
        # and every record type declaring attachments has one planted.
        attachments = Attachment.objects.filter(org_path__startswith=town.path)
        assert {a.kind for a in attachments} >= {
            record.attachments[0].code for record in registry if record.attachments
        }
        for attachment in attachments:
            assert SENTINELS[branch] in attachment.name, attachment.pk
            assert SENTINELS[branch] in attachment.caption, attachment.pk
        assert set(federation.branch_attachments(branch)) == {
            record.slug for record in registry if record.attachments
        }


# --- status codes: every endpoint, every persona ---------------------------------------------


@pytest.mark.parametrize("persona", [*PERSONAS, ANONYMOUS])
def test_status_matrix(
    federation: Federation, login: Callable[[str], Client], persona: str
) -> None:
    client = client_for(persona, login)
    failures = []
    for endpoint in endpoints():
        objects = (
            targets(federation, endpoint, "a") + targets(federation, endpoint, "b")
            if endpoint.takes_pk
            else [None]
        )
        for obj in objects:
            url = url_for(endpoint, obj)
            response = client.get(url)
            wanted = expected_get(federation, persona, endpoint, obj)
            if response.status_code not in wanted:
                failures.append(
                    f"GET {url} [{endpoint.name}]: {response.status_code}, "
                    f"expected {sorted(wanted)}"
                )
    assert not failures, f"{persona}:\n" + "\n".join(failures)


def test_anonymous_users_are_sent_to_login(federation: Federation) -> None:
    client = Client()
    before = db_state()
    for endpoint in endpoints():
        if endpoint.name == "login":
            continue
        url = url_for(
            endpoint, targets(federation, endpoint, "a")[0] if endpoint.takes_pk else None
        )
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if endpoint.is_api:
                assert response.status_code in {401, 403}, (method, url)
            else:
                assert response.status_code == 302, (method, url)
                assert response["Location"].startswith(f"{LOGIN_URL}?next="), (method, url)
            assert not found(response_texts(response), SENTINELS.values())
    assert db_state() == before


def test_town_b_cadre_gets_404_for_town_a_records(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_b_cadre")
    pk_endpoints = [e for e in endpoints() if e.takes_pk]
    assert {e.name for e in pk_endpoints} >= {"org-tree-children", "orgs-detail", "api-orgs-detail"}
    before = db_state()
    for endpoint in pk_endpoints:
        for obj in targets(federation, endpoint, "a"):
            url = url_for(endpoint, obj)
            assert client.get(url).status_code == 404, url
            post = client.post(url, {"name": "改名"})
            if endpoint.kind == "record" and endpoint.view in {"update", "delete"}:
                assert post.status_code == 404, url
            else:
                # Detail pages, the tree and the read-only API have no POST: 405 is answered
                # before any lookup, exactly as for an id that does not exist.
                assert post.status_code in {404, 405}, url
                assert (
                    post.status_code
                    == client.post(url_for(endpoint, pk=MISSING_PK), {"name": "改名"}).status_code
                )
    assert db_state() == before


def test_city_admin_and_town_a_cadre_open_town_a_detail_pages(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    for persona in ("city_admin", "town_a_cadre"):
        client = login(persona)
        for record in registry:
            obj = federation.branch_objects("a")[record.slug]
            response = client.get(reverse(record.url_name("detail"), args=[obj.pk]))
            assert response.status_code == 200, (persona, record.slug)
            assert str(obj) in response.content.decode()


def test_auditor_reads_no_records(federation: Federation, login: Callable[[str], Client]) -> None:
    client = login("auditor")
    for endpoint in endpoints():
        if endpoint.kind in {"record", "child"}:
            obj = targets(federation, endpoint, "a")[0] if endpoint.takes_pk else None
            # 404 for a record (it lies outside the auditor's empty subtree), 403 for a page.
            expected = 404 if endpoint.takes_pk else 403
            assert client.get(url_for(endpoint, obj)).status_code == expected, endpoint.name
        elif endpoint.kind == "api" and endpoint.view == "list":
            response = client.get(url_for(endpoint))
            assert response.status_code == 403 or (
                response.status_code == 200 and response.json()["count"] == 0
            ), endpoint.name
    assert client.get(reverse("audit-log")).status_code == 200


def test_chair_may_not_create_or_delete_organisations(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    assert "add" not in registry["orgs"].declared_grants()[Role.GRASSROOTS_CHAIR]
    assert "delete" not in registry["orgs"].declared_grants()[Role.GRASSROOTS_CHAIR]
    client = login("chair_a1")
    before = db_state()
    create = reverse("orgs-create")
    delete = reverse("orgs-delete", args=[federation.union_a1a.pk])
    assert client.get(create).status_code == 403
    assert (
        client.post(create, org_payload(federation.union_a1, "A-1-9", "新分工会")).status_code
        == 403
    )
    assert client.get(delete).status_code == 403
    assert client.post(delete).status_code == 403
    # Nor enterprises (grants: "view change").
    assert client.get(reverse("enterprises-create")).status_code == 403
    assert (
        client.post(
            reverse("enterprises-create"),
            enterprise_payload(federation.town_a, federation.union_a1),
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("enterprises-delete", args=[federation.enterprise_a.pk])).status_code
        == 403
    )
    # What the chair may do: edit their own union.
    assert client.get(reverse("orgs-update", args=[federation.union_a1.pk])).status_code == 200
    assert db_state() == before


# --- out-of-subtree ids are indistinguishable from missing ones, on every verb ---------------

VERBS = ("get", "head", "post", "put", "patch", "delete", "options")


@pytest.mark.parametrize(
    ("persona", "branch"),
    [
        ("town_b_cadre", "a"),
        ("town_a_cadre", "b"),
        ("chair_a1", "b"),
        ("no_org", "a"),
        ("no_org", "b"),
        ("auditor", "a"),
    ],
)
def test_out_of_subtree_ids_look_missing_on_every_verb(
    federation: Federation, login: Callable[[str], Client], persona: str, branch: str
) -> None:
    client = login(persona)
    before = db_state()
    failures = []
    for endpoint in (e for e in endpoints() if e.takes_pk):
        for obj in targets(federation, endpoint, branch):
            for verb in VERBS:

                def request(url: str, verb: str = verb, obj: Any = obj) -> Any:
                    if verb == "post":
                        return client.post(url, edit_payload(federation, obj))
                    if verb in {"put", "patch"}:
                        return getattr(client, verb)(
                            url, json.dumps({"name": "改名"}), content_type="application/json"
                        )
                    return getattr(client, verb)(url)

                url = url_for(endpoint, obj)
                response, missing = request(url), request(url_for(endpoint, pk=MISSING_PK))
                if response.status_code != missing.status_code:
                    failures.append(
                        f"{verb} {url}: {response.status_code}, "
                        f"but {missing.status_code} for a missing id"
                    )
                # OPTIONS may answer 200 (the allowed methods) without looking the id up; every
                # other verb must refuse.
                if verb != "options" and response.status_code not in {403, 404, 405}:
                    failures.append(f"{verb} {url}: {response.status_code}")
                if leaked := found(response_texts(response), [SENTINELS[branch]]):
                    failures.append(f"{verb} {url}: contains {leaked}")
    assert not failures, "\n".join(failures)
    assert db_state() == before


# --- leaks: every GET as every persona, with filters aimed at the other branch ---------------


def query_variants(fed: Federation, branches: Sequence[str]) -> Iterator[dict[str, Any]]:
    yield {"q": "哨兵"}
    yield {"per_page": "200", "sort": "name"}
    for branch in branches:
        town, union = (fed.town_a, fed.union_a1) if branch == "a" else (fed.town_b, fed.union_b1)
        yield {"q": SENTINELS[branch][-1]}  # "甲": matches the branch, yet echoing it is no leak
        yield {"org": town.pk}
        yield {"org": union.pk}
        yield {"town": town.pk}
        yield {"union": union.pk}
        yield {"org": union.pk, "town": town.pk, "q": "哨兵"}


def leak_requests(
    fed: Federation, endpoint: Endpoint, branches: Sequence[str]
) -> Iterator[tuple[str, str, dict[str, Any], dict[str, str]]]:
    """(method, url, query, headers) of every request the sweep makes to one endpoint."""
    if endpoint.takes_pk:
        for branch in branches:
            for obj in targets(fed, endpoint, branch):
                yield "get", url_for(endpoint, obj), {}, {}
        return
    url = url_for(endpoint)
    yield "get", url, {}, {}
    yield "options", url, {}, {}  # DRF describes endpoints on OPTIONS
    if endpoint.is_listing:
        for query in query_variants(fed, branches):
            yield "get", url, query, {}
    if endpoint.name == "search":
        yield "get", url, {"q": "哨兵"}, {"HTTP_HX_REQUEST": "true"}  # the top bar's fragment
    if endpoint.name in {"review-index", "review-export"}:
        yield from review_requests(fed, endpoint, url, branches)
    if endpoint.name == "insurance-check":
        for branch in branches:  # the other branch's unit: 404, never its people
            unit = fed.branch_objects(branch)["enterprises"]
            yield "get", url, {"unit": unit.pk, "on": "2018-06-30"}, {}
    if endpoint.is_api and "format" not in endpoint.params:
        yield "get", url, {"format": "api"}, {}  # DRF's browsable HTML page, with a filter form
    if endpoint.name == "api-schema":
        yield "get", url, {"format": "json"}, {}


def review_requests(
    fed: Federation, endpoint: Endpoint, url: str, branches: Sequence[str]
) -> Iterator[tuple[str, str, dict[str, Any], dict[str, str]]]:
    """The review of every organisation (own and the other branch's), in every format."""
    orgs = [fed.city, fed.town_a, fed.town_b, fed.union_a1, fed.union_b1]
    formats = REVIEW_FORMATS if endpoint.name == "review-export" else ("",)
    for org in orgs:
        for period in ("2018H1", "2018"):
            for fmt in formats:
                query = {"org": org.code, "period": period}
                yield "get", url, ({**query, "format": fmt} if fmt else query), {}
    if endpoint.name == "review-export":
        for branch in branches:
            for fmt in REVIEW_FORMATS:
                pk = saved_review(fed, branch).pk
                yield "get", url, {"review": pk, "format": fmt}, {}
    else:
        yield "get", url, {"period": "2018H1"}, {}  # lists the period's saved reviews


LEAK_CASES = [
    ("town_b_cadre", ("a",)),
    ("town_a_cadre", ("b",)),
    ("chair_a1", ("b",)),
    ("no_org", ("a", "b")),
    ("auditor", ("a", "b")),
    (ANONYMOUS, ("a", "b")),
]


@pytest.mark.parametrize(("persona", "branches"), LEAK_CASES)
def test_no_response_carries_another_branchs_sentinel(
    federation: Federation, login: Callable[[str], Client], persona: str, branches: tuple[str, ...]
) -> None:
    client = client_for(persona, login)
    sentinels = [SENTINELS[b] for b in branches]
    failures = []
    requests = 0
    for endpoint in endpoints():
        for method, url, query, headers in leak_requests(federation, endpoint, branches):
            if method == "get":
                response = client.get(url, query, **headers)  # type: ignore[arg-type]
            else:
                response = getattr(client, method)(url, **headers)
            requests += 1
            where = f"{method.upper()} {url} {query}"
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
            if leaked := found(response_texts(response), sentinels):
                failures.append(f"{where}: {response.status_code} contains {leaked}")
    assert requests > 50
    assert not failures, f"{persona} received other branches' records:\n" + "\n".join(failures)


@pytest.mark.parametrize(("persona", "branch"), [("town_b_cadre", "a"), ("town_a_cadre", "b")])
def test_filters_aimed_at_the_other_town_do_not_widen_the_result(
    federation: Federation, login: Callable[[str], Client], persona: str, branch: str
) -> None:
    client = login(persona)
    own = {
        record.slug: {
            o.pk for o in record.model._default_manager.all() if sees(federation, persona, o)
        }
        for record in registry
    }
    for record in registry:
        api = reverse(f"api-{record.slug}-list")
        for query in query_variants(federation, [branch]):
            response = client.get(api, query)
            assert response.status_code in {200, 400}, (record.slug, query)
            if response.status_code == 200:
                assert {row["id"] for row in response.json()["results"]} <= own[record.slug]
            page = client.get(reverse(record.url_name("list")), query)
            assert page.status_code == 200
            assert not found(response_texts(page), [SENTINELS[branch]]), (record.slug, query)


@pytest.mark.parametrize(
    ("persona", "branch"), [("town_a_cadre", "a"), ("town_b_cadre", "b"), ("chair_a1", "a")]
)
def test_sentinels_are_found_where_they_belong(
    federation: Federation, login: Callable[[str], Client], persona: str, branch: str
) -> None:
    """The control: the same reading finds a branch's sentinel for its own users (so the sweep
    above is not passing because it reads nothing), in HTML, JSON (escaped or not) and xlsx."""
    client = login(persona)
    sentinel = [SENTINELS[branch]]
    own = federation.branch_objects(branch)
    for record in registry:
        obj = own[record.slug]
        urls = [
            (reverse(record.url_name("list")), {}),
            (reverse(record.url_name("list")), {"q": "哨兵"}),
            (reverse(record.url_name("autocomplete")), {"q": "哨兵"}),
            (reverse(record.url_name("detail"), args=[obj.pk]), {}),
            (reverse(f"api-{record.slug}-list"), {}),
            (reverse(f"api-{record.slug}-list", kwargs={"format": "json"}), {}),
            (reverse(f"api-{record.slug}-list"), {"format": "api"}),
            (reverse(f"api-{record.slug}-detail", args=[obj.pk]), {}),
            (reverse("search"), {"q": "哨兵"}),
        ]
        if record.attachments:
            attachment = federation.branch_attachments(branch)[record.slug]
            urls.append((url_for(next(e for e in endpoints()
                                      if e.name == record.url_name("attachment")), attachment), {}))
            urls.append((reverse(record.url_name("attachments"), args=[obj.pk]), {}))
        for url, query in urls:
            response = client.get(url, query)
            assert response.status_code == 200, (url, query)
            assert found(response_texts(response), sentinel), (url, query)
        export = client.get(reverse(record.url_name("export")))
        assert export.status_code == 200
        rows = (
            CalamineWorkbook.from_filelike(io.BytesIO(b"".join(export.streaming_content)))  # type: ignore[attr-defined]
            .get_sheet_by_index(0)
            .to_python()
        )
        assert any(sentinel[0] in str(cell) for row in rows[2:] for cell in row), record.slug


def test_own_branchs_child_rows_are_read_over_the_api(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    """The control for the child-row API endpoints the sweep requests: the branch's own cadre
    reads each sentinel row, listed under its parent and on its own."""
    client = login("town_a_cadre")
    objects = federation.branch_objects_with_children("a")
    checked = 0
    for record in registry:
        for child in record.children:
            row = objects[f"{record.slug}/{child.slug}"]
            parent = getattr(row, f"{child.parent_field}_id")
            listed = client.get(reverse(f"api-{record.slug}-{child.slug}-rows", args=[parent]))
            assert listed.status_code == 200, (record.slug, child.slug)
            assert row.pk in {r["id"] for r in listed.json()["results"]}, child.slug
            one = client.get(reverse(f"api-{record.slug}-{child.slug}-row",
                                     kwargs={"pk": parent, "child_pk": row.pk}))
            assert one.status_code == 200 and one.json()["id"] == row.pk, child.slug
            checked += 1
    assert checked >= 5


# --- forms refuse an organisation outside the subtree ----------------------------------------


def enterprise_payload(
    town: Organization, union: Organization | None = None, name: str = "新建企业"
) -> dict[str, Any]:
    return {
        "name": name,
        "uscc": "",
        "industry": "C",
        "ownership": "private",
        "employee_count": "10",
        "town": town.pk,
        "union": union.pk if union else "",
    }


def org_payload(
    parent: Organization, code: str, name: str, kind: str = "grassroots"
) -> dict[str, Any]:
    return {
        "parent": parent.pk,
        "code": code,
        "name": name,
        "kind": kind,
        "founded_on": "",
        "uscc": "",
        "address": "",
        "chair": "",
        "phone": "",
    }


def edit_payload(fed: Federation, obj: Any) -> dict[str, Any]:
    """A form post that would really change `obj` if the view let it through."""
    if isinstance(obj, Enterprise):
        return enterprise_payload(obj.town, obj.union, name="已被改名")
    if isinstance(obj, Organization):
        parent = Organization.objects.get_parent(obj) or obj
        return org_payload(parent, obj.code, "已被改名", obj.kind)
    return {"name": "已被改名"}  # a later record type: any post; db_state() notes no change


def test_forms_refuse_an_organisation_outside_the_subtree(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    fed = federation
    client = login("town_b_cadre")
    enterprises, orgs = reverse("enterprises-create"), reverse("orgs-create")
    before = db_state()
    refused = [
        (enterprises, enterprise_payload(fed.town_a)),
        (enterprises, enterprise_payload(fed.town_a, fed.union_a1)),
        (enterprises, enterprise_payload(fed.town_b, fed.union_a1)),
        (orgs, org_payload(fed.town_a, "X-1", "越权工会")),
        (orgs, org_payload(fed.union_a1, "X-2", "越权分工会")),
        (
            reverse("enterprises-update", args=[fed.enterprise_b.pk]),
            enterprise_payload(fed.town_a, None, fed.enterprise_b.name),
        ),
        (
            reverse("orgs-update", args=[fed.union_b1.pk]),
            org_payload(fed.town_a, fed.union_b1.code, fed.union_b1.name),
        ),
    ]
    for url, data in refused:
        response = client.post(url, data)
        assert response.status_code == 400, (url, data)
        assert not found(response_texts(response), [SENTINEL_A]), (url, data)
    # The read-only API takes no writes at all.
    for record in registry:
        api = reverse(f"api-{record.slug}-list")
        assert client.post(api, {"name": "x", "town": fed.town_a.pk}).status_code == 405
    assert db_state() == before

    # The control: the same posts inside town B go through, so the refusals were about scope.
    n_enterprises, n_orgs = Enterprise.objects.count(), Organization.objects.count()
    assert client.post(enterprises, enterprise_payload(fed.town_b, fed.union_b1)).status_code == 302
    assert client.post(orgs, org_payload(fed.town_b, "B-9", "新建工会")).status_code == 302
    assert (Enterprise.objects.count(), Organization.objects.count()) == (
        n_enterprises + 1,
        n_orgs + 1,
    )


# --- attachments: another branch's files are never served -----------------------------------


def stored_bytes(attachment: Attachment) -> list[bytes]:
    from gonghui.core.attachments.files import stored_path

    return [stored_path(name).read_bytes() for name in (attachment.file, attachment.thumbnail)
            if name]


@pytest.mark.parametrize(
    ("persona", "branch"),
    [("town_b_cadre", "a"), ("town_a_cadre", "b"), ("chair_a1", "b"), ("auditor", "a")],
)
def test_another_branchs_attachment_is_404_and_its_bytes_never_served(
    federation: Federation, login: Callable[[str], Client], persona: str, branch: str
) -> None:
    client = login(persona)
    before = db_state()
    checked = 0
    for record in registry:
        if not record.attachments:
            continue
        attachment = federation.branch_attachments(branch)[record.slug]
        secrets = stored_bytes(attachment)
        assert secrets
        for view in sorted(ONE_ATTACHMENT_VIEWS):
            url = reverse(record.url_name(view),
                          kwargs={"pk": attachment.object_id, "attachment": attachment.pk})
            for verb in ("get", "head", "post"):
                response = getattr(client, verb)(url, {"caption": "改了"} if verb == "post" else {})
                body = b"".join(response.streaming_content) if response.streaming else (
                    response.content)
                assert response.status_code == 404, (verb, url, response.status_code)
                assert not any(secret in body for secret in secrets), (verb, url)
                assert not found(response_texts(response), [SENTINELS[branch]]), (verb, url)
                checked += 1
        # The attachment's id under a record the user does see is no way round the scope.
        own = federation.branch_objects("b" if branch == "a" else "a")[record.slug]
        if sees(federation, persona, own):
            url = reverse(record.url_name("attachment"),
                          kwargs={"pk": own.pk, "attachment": attachment.pk})
            assert client.get(url).status_code == 404, url
        upload = client.post(reverse(record.url_name("attachments"), args=[attachment.object_id]),
                             {"kind": record.attachments[0].code, "file": io.BytesIO(b"x")})
        assert upload.status_code == 404
        # The API's download, deletion, listing and upload: the same 404 (or the 403 of a
        # reader of no records), never the bytes, never the file's name.
        api_one = reverse(f"api-{record.slug}-attachment",
                          kwargs={"pk": attachment.object_id, "attachment": attachment.pk})
        api_many = reverse(f"api-{record.slug}-attachments", args=[attachment.object_id])
        refused = {403} if not has_perm(persona, record.perm("view")) else {404}
        for verb, url in (("get", api_one), ("head", api_one), ("delete", api_one),
                          ("get", api_many), ("post", api_many)):
            data = {"kind": record.attachments[0].code, "file": io.BytesIO(b"x")}
            response = (client.post(url, data) if verb == "post"
                        else getattr(client, verb)(url, HTTP_ACCEPT="*/*"))
            body = b"".join(response.streaming_content) if response.streaming else (
                response.content)
            assert response.status_code in refused, (verb, url, response.status_code)
            assert not any(secret in body for secret in secrets), (verb, url)
            assert not found(response_texts(response), [SENTINELS[branch]]), (verb, url)
            checked += 1
        if sees(federation, persona, own):
            url = reverse(f"api-{record.slug}-attachment",
                          kwargs={"pk": own.pk, "attachment": attachment.pk})
            assert client.get(url).status_code == 404, url
    assert checked >= 18
    assert db_state() == before
    assert all(stored_bytes(a) for a in federation.branch_attachments(branch).values())


def test_own_branchs_attachment_is_served_privately(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    """The control: the branch's own cadre gets the stored bytes, never cached, never sniffed;
    a document as a download, a photo inline."""
    client = login("town_a_cadre")
    for slug, attachment in federation.branch_attachments("a").items():
        record = registry[slug]
        url = reverse(record.url_name("attachment"),
                      kwargs={"pk": attachment.object_id, "attachment": attachment.pk})
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == stored_bytes(attachment)[0]
        assert response["Cache-Control"] == "no-store, private"
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("inline" if attachment.is_image else "attachment"), slug
        # The API serves the same bytes with the same headers, and lists the attachment.
        api = client.get(reverse(f"api-{slug}-attachment",
                                 kwargs={"pk": attachment.object_id, "attachment": attachment.pk}))
        assert api.status_code == 200
        assert b"".join(api.streaming_content) == stored_bytes(attachment)[0]
        assert api["Cache-Control"] == "no-store, private"
        listed = client.get(reverse(f"api-{slug}-attachments", args=[attachment.object_id]))
        assert listed.status_code == 200
        assert attachment.pk in {row["id"] for row in listed.json()}
        assert found(response_texts(listed), [SENTINEL_A]), slug
