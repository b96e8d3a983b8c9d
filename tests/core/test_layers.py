"""The framework imports no domain app: arrows run from the apps to `gonghui.core`, never back.

A loop between the framework and an app is what made every new record type reach into core
files; the framework names the domain models it needs by setting (`AUTH_USER_MODEL`,
`GONGHUI_ORG_MODEL`) and loads them through the app registry instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import gonghui.core

CORE = Path(gonghui.core.__file__).resolve().parent


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def framework_imports_of_apps() -> list[str]:
    offences = []
    for file in sorted(CORE.rglob("*.py")):
        if "migrations" in file.parts:
            continue
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for line, module in imported_modules(tree):
            parts = module.split(".")
            if parts[0] == "gonghui" and len(parts) > 1 and parts[1] != "core":
                offences.append(f"{file.relative_to(CORE.parent)}:{line}: import {module}")
    return offences


def test_core_imports_no_domain_app() -> None:
    assert framework_imports_of_apps() == []


def test_the_check_sees_an_app_import(tmp_path: Path) -> None:
    tree = ast.parse("from gonghui.orgs.models import Organization\nimport gonghui.people\n"
                     "def f():\n    from gonghui.reports import indicators\n")
    modules = [module for _, module in imported_modules(tree)]
    assert modules == ["gonghui.orgs.models", "gonghui.people", "gonghui.reports"]
