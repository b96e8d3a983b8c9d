"""Request code starts every query of a scoped model from `visible_to` (architecture pattern 3).

An `ast` pass over the request modules of `gonghui/` flags:
- `X.objects.<method>` / `X._default_manager.<method>` / `X._base_manager.<method>` where `X`
  resolves to a scoped model (one with `scope_path_field`) and the method is not allowed below,
  and a bare `X.objects` handed on to anything else;
- `get_object_or_404(X, ...)` / `get_list_or_404(X, ...)` where `X` resolves to any model class
  (pass the scoped queryset instead: `get_object_or_404(X.objects.visible_to(user), pk=pk)`).

actions.py and imports.py are request code too (a form or an upload calls them). A query that
is unscoped on purpose there (uniqueness across the federation, the person index by ID number)
is listed in ALLOWANCES by module, function and expression, with the reason.

Names are resolved by importing the module and following `Name` / `module.attr` chains; what
cannot be resolved statically (`self.model`, a local variable) is not judged here — the leak
matrix (tests/core/test_leak_matrix.py) covers those at run time.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import models
from django.shortcuts import get_list_or_404, get_object_or_404

import gonghui.core

# `gonghui` itself may load as a namespace package under an editable install (no __file__).
PACKAGE = Path(gonghui.core.__file__).resolve().parent.parent

# Not request code, so not held to the rule; each entry must still match a file (see below).
EXCLUDED: dict[str, str] = {
    "migrations/": "schema history; runs under migrate, never for a user",
    "management/": "console commands run by an operator, outside any user's scope",
    "demo/": "builds the demonstration federation and the benchmark province from the CLI",
    "demo.py": "an app's part of the demonstration federation, built from the CLI",
    "samples.py": "an app's sample records, planted by the tests and the demo, never for a user",
    "samples/": "an app's sample records, one module per part (the care app's), as samples.py",
    "benchadmin.py": "the benchmark's Django-admin peer, loaded only with GONGHUI_BENCH_ADMIN=1",
    "models.py": "defines the managers and the choke point itself",
    "models/": "an app's models, one module per part (the care app's), as models.py",
    "settings.py": "configuration",
    "cli.py": "the console script",
    "roles.py": "syncs role groups at migrate time",
    "operator.py": "resolves who a console command acts as (the root for the operator)",
}

# Unscoped queries that request code makes on purpose, each one named exactly: (module, enclosing
# function, the manager expression) -> why it is safe. Actions and imports act on rows the caller
# fetched scoped, but some of their work is by nature about the whole table: uniqueness across
# the federation, the one person index keyed by ID number, the active membership a transfer in
# ends wherever it is, rows the same action just inserted. Each entry must still match a
# finding (`test_every_allowance_matches_a_finding`), so a fixed one cannot linger.
ALLOWANCES: dict[tuple[str, str, str], str] = {
    ("gonghui/activities/indicators.py", "", "Participant.objects"):
        "a subquery correlated to each activity row; the activities come scoped from Scope.records",
    ("gonghui/care/insurance_actions.py", "add_unit_members", "RosterEntry.objects"):
        "the roster of the one enrolment the caller fetched scoped, and the rows added to it",
    ("gonghui/care/insurance_actions.py", "check_unit", "RosterEntry.objects"):
        "rosters of enrolments already narrowed through the record type's base_queryset",
    ("gonghui/care/insurance_imports.py", "RosterImport.check", "RosterEntry.objects"):
        "the roster of the one enrolment the import page fetched scoped",
    ("gonghui/care/insurance_imports.py", "RosterImport.write", "RosterEntry.objects"):
        "the roster of the one enrolment the import page fetched scoped",
    ("gonghui/care/hardship_rules.py", "standard_for", "CareStandard.objects"):
        "the 低保 standard a file or payment is judged by, published by its organisation or an "
        "ancestor (usually the city, above a clerk's scope); only the rule's outcome is shown",
    ("gonghui/people/forms.py", "MemberForm._create_person", "Person.objects"):
        "the person index keyed by ID number, read after a racing insert of the same number; "
        "`within` then decides what the user may learn of it",
    ("gonghui/orgs/actions.py", "move_organization", "Organization.objects"):
        "treebeard's move of a node under a new parent, both fetched scoped by the caller",
    ("gonghui/orgs/imports.py", "OrganizationImport.check", "Organization.objects"):
        "organisation and credit codes are unique across the federation: the whole table is "
        "asked whether a code is taken; the row error says only 'in use', never whose",
    ("gonghui/orgs/imports.py", "OrganizationImport.write", "Organization.objects"):
        "add_child under a parent fetched through visible_to, or add_root into an empty tree "
        "(checked through visible_to in check)",
    ("gonghui/core/workflow/actions.py", "decisions", "Decision.objects"):
        "the decision ledger of one record the caller already fetched through its scope",
    ("gonghui/core/workflow/actions.py", "_decide", "Decision.objects"):
        "inserts the ledger row of a transition just claimed on a record fetched scoped",
    ("gonghui/people/actions.py", "release_side", "Membership.objects"):
        "the releasing side is where the person's one active membership is, wherever it lies; "
        "it is stored on the request for the releasing side to decide, never shown to the "
        "requester",
    ("gonghui/people/actions.py", "request_transfer", "TransferRequest.objects"):
        "inserts the request (the receiving union checked in the writer's subtree)",
    ("gonghui/people/actions.py", "_claim", "TransferRequest.objects"):
        "conditional UPDATE of one request the caller fetched scoped and may decide",
    ("gonghui/people/actions.py", "decide_transfer", "Person.objects"):
        "locks the person an approved request names; the decider is on the releasing side "
        "(may_decide), where the person lies",
    ("gonghui/people/imports.py", "MemberImport._match_existing", "TransferRequest.objects"):
        "whether a person outside the subtree already has a pending request (one at a time): "
        "the row is told only that a request is pending",
    ("gonghui/people/imports.py", "MemberImport._request_transfers", "Person.objects"):
        "the people of rows just matched by ID number in the global person index; only a "
        "request is written, nothing of the person changes or is shown",
    ("gonghui/activities/imports.py", "SignInImport.check", "Person.objects"):
        "the person index is global by ID number: a sign-in links the person on record wherever "
        "their membership is (workers of other units attend too)",
    ("gonghui/activities/imports.py", "SignInImport.check", "Participant.objects"):
        "the sign-ins of the one activity imported into, which the view fetched scoped",
    ("gonghui/activities/imports.py", "SignInImport.write", "Participant.objects"):
        "bulk_create of the rows just checked, under the activity fetched scoped; inserts only",
    ("gonghui/people/actions.py", "_claim_active", "Membership.objects"):
        "locks the person's one active membership wherever it is (a transfer ends it); the "
        "caller fetched the person scoped and no other row is shown",
    ("gonghui/people/actions.py", "find_person", "Person.objects"):
        "the person index is global by ID number (docs/architecture.md): whole-index lookup "
        "of one person by an exact 18-digit number; callers show only 'already on record'",
    ("gonghui/people/actions.py", "enrol", "Membership.objects"):
        "create of the new membership in a union the caller fetched scoped; inserts only",
    ("gonghui/people/actions.py", "transfer", "Membership.objects"):
        "create of the new membership in the receiving union, fetched scoped; inserts only",
    ("gonghui/people/imports.py", "MemberImport._match_existing", "Membership.objects"):
        "the active memberships of the sheet's people, by exact ID number across the index, "
        "so that an import transfers rather than duplicates; only counts reach the importer",
    ("gonghui/people/imports.py", "MemberImport.write", "Membership.objects"):
        "ends the active memberships found in _match_existing (a transfer in), by primary key",
    ("gonghui/people/imports.py", "MemberImport._unmask", "Person.objects"):
        "people under the scope path the import recorded for its importer (org_path prefix, "
        "the same subtree visible_to gives), matched by name and the masked number's visible "
        "digits; a row gets the whole number only if exactly one person matches",
    ("gonghui/people/imports.py", "MemberImport._update_people", "Person.objects"):
        "updates the sheet's people, found by exact ID number, by primary key; moves each into "
        "the importer's union",
}

# Manager methods request code may call on a scoped model.
ALLOWED_METHODS: dict[str, str] = {
    "visible_to": "the choke point",
    "none": "no rows at all",
    # treebeard 7's insert (the node method is deprecated): it writes one new node under a
    # target the caller fetched through visible_to (OrganizationForm's scoped `parent`).
    "add_child": "inserts under an already-scoped parent; returns only the new node",
    # treebeard 7's parent lookup: OrganizationForm reads the parent of a node the user sees
    # to apply the kind rules; the parent itself is never shown or returned.
    "get_parent": "reads a scoped node's parent for a rule check, never shows it",
    # The security administrator reads no records (visible_to gives them nothing) yet places
    # accounts in their subtree: organisations only, only for holders of manage_accounts.
    "managed_by": "the account manager's subtree of organisations, for account forms",
}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
SHORTCUTS = {"get_object_or_404": get_object_or_404, "get_list_or_404": get_list_or_404}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    code: str
    where: str = ""  # the enclosing function, `Class.method` (empty at module level)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code} (in {self.where or 'the module'})"


def request_modules() -> list[Path]:
    files = []
    for file in sorted(PACKAGE.rglob("*.py")):
        relative = file.relative_to(PACKAGE).as_posix()
        if any(_excluded(relative, pattern) for pattern in EXCLUDED):
            continue
        if not_installed(file):
            continue
        files.append(file)
    return files


def not_installed(file: Path) -> bool:
    """A module of an app that is not (yet) in INSTALLED_APPS: it cannot be imported (its models
    belong to no app) and serves no request; it is judged from the day the app is installed."""
    app_dir = PACKAGE / file.relative_to(PACKAGE).parts[0]
    if not (app_dir / "apps.py").exists():
        return False
    return apps.get_containing_app_config(module_name(file)) is None


def _excluded(relative: str, pattern: str) -> bool:
    if pattern.endswith("/"):
        return f"/{pattern}" in f"/{relative}"
    return relative.rsplit("/", 1)[-1] == pattern


def module_name(file: Path) -> str:
    parts = list(file.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(node: ast.AST, namespace: dict[str, Any]) -> Any:
    """The object a `Name` or `a.b.c` chain names in a module, or None."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = resolve(node.value, namespace)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def is_model(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, models.Model)


def is_scoped_model(obj: Any) -> bool:
    return is_model(obj) and hasattr(obj, "scope_path_field")


def enclosing_functions(tree: ast.AST) -> dict[int, str]:
    """`{id(node): "Class.function"}` for every node inside a function."""
    names: dict[int, str] = {}

    def visit(node: ast.AST, prefix: str, in_function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = f"{prefix}{child.name}"
                names[id(child)] = in_function
                visit(child, f"{qualname}.", qualname)
            elif isinstance(child, ast.ClassDef):
                names[id(child)] = in_function
                visit(child, f"{prefix}{child.name}.", in_function)
            else:
                if in_function:
                    names[id(child)] = in_function
                visit(child, prefix, in_function)

    visit(tree, "", "")
    return names


def violations(source: str, namespace: dict[str, Any], path: str = "<source>") -> list[Violation]:
    tree = ast.parse(source)
    found: list[Violation] = []
    where = enclosing_functions(tree)
    allowed_managers: set[int] = set()  # ids of `X.objects` nodes receiving an allowed call

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        # X.objects.visible_to(...) and friends: remember the manager node as fine.
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Attribute)
            and func.value.attr in MANAGERS
            and func.attr in ALLOWED_METHODS
        ):
            allowed_managers.add(id(func.value))
        # get_object_or_404(Model, ...)
        target = resolve(func, namespace)
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        shortcut = name in SHORTCUTS or target in SHORTCUTS.values()
        if shortcut and node.args and is_model(resolve(node.args[0], namespace)):
            found.append(Violation(path, node.lineno, ast.unparse(node), where.get(id(node), "")))

    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in MANAGERS
            and id(node) not in allowed_managers
            and is_scoped_model(resolve(node.value, namespace))
        ):
            found.append(Violation(path, node.lineno, ast.unparse(node), where.get(id(node), "")))
    return sorted(found, key=lambda v: v.line)


def allowed(violation: Violation) -> bool:
    return (violation.path, violation.where, violation.code) in ALLOWANCES


def findings() -> list[Violation]:
    found: list[Violation] = []
    for file in request_modules():
        source = file.read_text(encoding="utf-8")
        if not any(word in source for word in (*MANAGERS, *SHORTCUTS)):
            continue  # nothing to judge; spare importing it (wsgi.py builds the application)
        try:
            module = importlib.import_module(module_name(file))
        except Exception as exc:  # an unimportable module cannot be judged, nor serve requests
            raise AssertionError(
                f"cannot import {module_name(file)} to resolve its names: {exc!r}"
            ) from exc
        found += violations(source, vars(module), file.relative_to(PACKAGE.parent).as_posix())
    return found


def test_request_code_starts_scoped_queries_from_visible_to() -> None:
    found = [violation for violation in findings() if not allowed(violation)]
    assert not found, (
        "request code queries a scoped model without visible_to (use "
        "`Model.objects.visible_to(request.user)` or the record type's `base_queryset`):\n"
        + "\n".join(map(str, found))
    )


def test_the_scan_covers_the_request_code() -> None:
    scanned = {file.relative_to(PACKAGE).as_posix() for file in request_modules()}
    assert {
        "core/records/views.py",
        "core/audit/views.py",
        "core/imports/views.py",
        "core/records/filters.py",
        "core/records/forms.py",
        "core/records/registry.py",
        "reports/home.py",
        "api/views.py",
        "orgs/views.py",
        "orgs/forms.py",
        "orgs/actions.py",
        "orgs/imports.py",
        "people/actions.py",
        "people/imports.py",
        "accounts/actions.py",
    } <= scanned
    # Every actions.py and imports.py of an installed app is request code: the scan reads them.
    every = {file.relative_to(PACKAGE).as_posix() for file in PACKAGE.rglob("*.py")}
    assert {name for name in every if name.endswith(("/actions.py", "/imports.py"))} <= scanned
    assert not any(name.endswith("models.py") for name in scanned)


def test_every_allowance_matches_a_finding() -> None:
    found = {(v.path, v.where, v.code) for v in findings()}
    stale = [key for key in ALLOWANCES if key not in found]
    assert not stale, f"allowances that match no unscoped query any more: {stale}"


def test_every_exclusion_matches_a_file() -> None:
    every = [file.relative_to(PACKAGE).as_posix() for file in PACKAGE.rglob("*.py")]
    for pattern in EXCLUDED:
        assert any(_excluded(name, pattern) for name in every), f"stale exclusion {pattern!r}"


SNIPPET = """\
from django.shortcuts import get_object_or_404
from django import shortcuts

def view(request, pk):
    Organization.objects.all()
    Enterprise.objects.filter(pk=pk)
    get_object_or_404(Enterprise, pk=pk)
    Enterprise._default_manager.get(pk=pk)
    shortcuts.get_object_or_404(orgs_models.Organization, pk=pk)
    form_field(queryset=Enterprise.objects)
    Organization.objects.visible_to(request.user).filter(pk=pk)
    Organization.objects.none()
    get_object_or_404(Enterprise.objects.visible_to(request.user), pk=pk)
    User.objects.filter(username="x")
    self.model.objects.visible_to(request.user)
    Organization.objects.add_child(parent, instance=node)
"""


def test_the_checker_flags_unscoped_queries() -> None:
    from django import shortcuts

    from gonghui.accounts.models import User
    from gonghui.orgs import models as orgs_models
    from gonghui.orgs.models import Enterprise, Organization

    namespace = {
        "Organization": Organization,
        "Enterprise": Enterprise,
        "User": User,
        "orgs_models": orgs_models,
        "shortcuts": shortcuts,
        "get_object_or_404": get_object_or_404,
    }
    flagged = {v.line for v in violations(SNIPPET, namespace)}
    assert flagged == {5, 6, 7, 8, 9, 10}, [str(v) for v in violations(SNIPPET, namespace)]
    # An allowance names the function: the same query elsewhere in the module is still flagged.
    assert {v.where for v in violations(SNIPPET, namespace)} == {"view"}
    nested = "class Spec:\n    def write(self):\n        Organization.objects.all()\n"
    assert [v.where for v in violations(nested, namespace)] == ["Spec.write"]
