"""Request code starts every query of a scoped model from `visible_to` (architecture pattern 3).

An `ast` pass over the request modules of `gonghui/` flags:
- `X.objects.<method>` / `X._default_manager.<method>` / `X._base_manager.<method>` where `X`
  resolves to a scoped model (one with `scope_path_field`) and the method is not allowed below,
  and a bare `X.objects` handed on to anything else;
- `get_object_or_404(X, ...)` / `get_list_or_404(X, ...)` where `X` resolves to any model class
  (pass the scoped queryset instead: `get_object_or_404(X.objects.visible_to(user), pk=pk)`).

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
    "benchadmin.py": "the benchmark's Django-admin peer, loaded only with GONGHUI_BENCH_ADMIN=1",
    "actions.py": "named workflows, called with objects the caller already fetched scoped",
    "models.py": "defines the managers and the choke point itself",
    "settings.py": "configuration",
    "cli.py": "the console script",
    "roles.py": "syncs role groups at migrate time",
    "operator.py": "resolves who a console command acts as (the root for the operator)",
    "imports.py": "import specs: dedupe against the whole person index by ID number and write "
    "in bulk (like actions); a user gets back counts and their own rows only",
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
}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
SHORTCUTS = {"get_object_or_404": get_object_or_404, "get_list_or_404": get_list_or_404}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code}"


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


def violations(source: str, namespace: dict[str, Any], path: str = "<source>") -> list[Violation]:
    tree = ast.parse(source)
    found: list[Violation] = []
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
            found.append(Violation(path, node.lineno, ast.unparse(node)))

    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in MANAGERS
            and id(node) not in allowed_managers
            and is_scoped_model(resolve(node.value, namespace))
        ):
            found.append(Violation(path, node.lineno, ast.unparse(node)))
    return sorted(found, key=lambda v: v.line)


def test_request_code_starts_scoped_queries_from_visible_to() -> None:
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
    } <= scanned
    assert not any(name.endswith(("models.py", "actions.py")) for name in scanned)


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
