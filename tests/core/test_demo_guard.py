"""security.md row 5 (last part): no default accounts or passwords in a production setup.

`gonghui demo` marks its database; `gonghui serve` under GONGHUI_ENV=production refuses to start
(a Chinese message, a non-zero exit) while the database is marked or a demo account still has
the demo password; under GONGHUI_ENV=demo (`make demo`) it serves. The commands are run through
the `gonghui` entry point (`gonghui.cli.main`); the web server itself is replaced by a stand-in
that records that it would have started, so a broken guard fails the test instead of serving.
"""

from __future__ import annotations

import functools
from typing import Any
from unittest import mock

import pytest
from django.db import connections
from django.test import override_settings

from gonghui import cli
from gonghui.accounts.actions import create_user
from gonghui.accounts.models import User
from gonghui.accounts.roles import Role
from gonghui.core.ops.models import SiteMarker
from gonghui.core.ops.production import demo_problems, mark_demo
from gonghui.demo.federation import DEMO_PASSWORD
from tests.conftest import Federation

pytestmark = pytest.mark.django_db


class Served(Exception):
    """The stand-in web server was started."""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stand in for gunicorn, the background worker and the static-file copy."""
    from gunicorn.app.base import BaseApplication

    from gonghui.core.management.commands import serve

    commands: list[str] = []

    def run(self: Any) -> None:
        raise Served

    monkeypatch.setattr(BaseApplication, "run", run)
    monkeypatch.setattr(serve, "call_command", lambda name, **kw: commands.append(name))
    return commands


def gonghui(*args: str) -> int:
    """Run `gonghui ARGS` in this process; its exit status.

    A command run from the command line closes the database connections when it ends; here that
    connection holds the test's transaction, so it is kept open.
    """
    try:
        with mock.patch.object(connections, "close_all", lambda: None):
            cli.main(list(args))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def serve_in(production: bool) -> int | str:
    with override_settings(IS_PRODUCTION=production):
        try:
            return gonghui("serve", "--no-worker")
        except Served:
            return "served"


def test_gonghui_demo_marks_its_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], server: list[str]
) -> None:
    from gonghui.demo import federation as demo

    monkeypatch.setattr(
        demo, "build_demo",
        functools.partial(demo.build_demo, unions_per_town=2, members_per_union=2),
    )
    assert gonghui("demo") == 0
    out = capsys.readouterr().out
    marker = SiteMarker.objects.get(key=SiteMarker.DEMO)
    assert {"admin", "auditor", "security", "town01"} <= set(marker.value["accounts"])
    # The three duties each have their demo account, the security administrator included.
    assert User.objects.get(username="security").role_codes == {Role.SECURITY_ADMIN}
    assert "security" in out

    # Production refuses it, with a Chinese reason and a non-zero exit.
    assert serve_in(production=True) == 1
    err = capsys.readouterr().err
    assert "拒绝启动" in err and "演示" in err
    assert "collectstatic" not in server  # refused before anything was prepared
    # `make demo` (GONGHUI_ENV=demo) still serves it.
    assert serve_in(production=False) == "served"


def test_a_demo_account_with_the_demo_password_is_refused_without_the_marker(
    federation: Federation, capsys: pytest.CaptureFixture[str], server: list[str]
) -> None:
    create_user(username="admin", org=federation.city, roles=[Role.CITY_ADMIN],
                password=DEMO_PASSWORD)
    assert not SiteMarker.objects.exists()
    assert serve_in(production=True) == 1
    assert "admin" in capsys.readouterr().err
    # Once its password is changed it is an ordinary account, and the server starts.
    user = User.objects.get(username="admin")
    user.set_password("Another-Pass-2026")
    user.save()
    assert demo_problems() == []
    assert serve_in(production=True) == "served"


def test_the_marker_alone_is_refused(federation: Federation, server: list[str]) -> None:
    mark_demo([])
    assert serve_in(production=True) == 1
    SiteMarker.objects.all().delete()
    assert serve_in(production=True) == "served"


def test_a_clean_production_database_serves(federation: Federation, server: list[str]) -> None:
    create_user(username="zhangsan", org=federation.city, roles=[Role.CITY_ADMIN],
                password="Real-Pass-2026")
    assert serve_in(production=True) == "served"
