"""Deploy (security.md row 24): production settings pass `check --deploy`; errors show no trace.

The environment below is what docs/operations.md ("Deploy") tells an operator behind TLS to set;
if the docs and the settings drift apart, this test is where it shows.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from tests.browser.conftest import browser, page  # noqa: F401 — for the browser check below

ROOT = Path(__file__).resolve().parent.parent

OPERATOR_ENV = {
    "GONGHUI_ENV": "production",
    "GONGHUI_SECRET_KEY": "k7Qe-0mZ3rWbT9uXy2LpA4sDf6GhJ8vNc1VxBn5Mq0Ws3Ed7Rt9Yu_Io2Pa4Sd6Fg8",
    "GONGHUI_ALLOWED_HOSTS": "gonghui.example.gov.cn",
    "GONGHUI_CSRF_TRUSTED_ORIGINS": "https://gonghui.example.gov.cn",
    "GONGHUI_TLS_PROXY": "1",
    "GONGHUI_SSL_REDIRECT": "1",
    "GONGHUI_HSTS_SECONDS": "31536000",
    "GONGHUI_HSTS_INCLUDE_SUBDOMAINS": "1",
    "GONGHUI_HSTS_PRELOAD": "1",
}

def check_deploy(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("GONGHUI_")
             and k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run(
        [sys.executable, "-m", "gonghui.cli", "manage", "check", "--deploy"],
        cwd=ROOT,
        env={**clean, "GONGHUI_VAR_DIR": str(tmp_path), **env},
        text=True,
        capture_output=True,
        timeout=120,
    )


def issues(result: subprocess.CompletedProcess[str]) -> list[str]:
    output = result.stdout + result.stderr
    pattern = re.compile(r"^\S*: \(\w+(\.\w+)*\.[EWC]\d+\)")
    return [line for line in output.splitlines() if pattern.match(line)]


def test_check_deploy_is_clean_with_the_documented_settings(tmp_path: Path) -> None:
    result = check_deploy(OPERATOR_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    found = issues(result)
    assert "ERRORS" not in result.stdout + result.stderr
    assert found == []
    assert not any("security." in line for line in found)


def test_check_deploy_names_what_a_careless_operator_left_out(tmp_path: Path) -> None:
    env = {k: v for k, v in OPERATOR_ENV.items()
           if k not in {"GONGHUI_HSTS_SECONDS", "GONGHUI_SSL_REDIRECT"}}
    env["GONGHUI_SECURE_COOKIES"] = "0"
    found = " ".join(issues(check_deploy(env, tmp_path)))
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in found


def test_the_documented_settings_are_what_operations_md_says() -> None:
    docs = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for name in OPERATOR_ENV:
        if name != "GONGHUI_SECRET_KEY":
            assert f"`{name}`" in docs, name
    assert "check --deploy" in docs


class Boom(RuntimeError):
    pass


SENTINEL = "内部机密-db-password-hunter2"


@login_not_required
def boom(request: HttpRequest) -> HttpResponse:
    secret = SENTINEL  # noqa: F841 — a local a debug page would print
    raise Boom(f"failed with {SENTINEL}")


urlpatterns = [path("boom/", boom)]
handler500 = "gonghui.core.ops.errors.server_error"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_an_error_shows_the_chinese_page_and_no_trace(settings: object) -> None:
    from django.conf import settings as django_settings

    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错了" in body
    for leak in ("Traceback", "Boom", SENTINEL, "SECRET_KEY", django_settings.SECRET_KEY,
                 "settings", "boom(", "test_deploy", "DATABASES", ".py"):
        assert leak not in body, leak


@pytest.mark.django_db
def test_security_headers_on_every_page() -> None:
    response = Client().get("/accounts/login/", follow=True)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["connect-src"] == "'self'"
    # Only this origin: no host, scheme wildcard or eval anywhere in the policy.
    assert not re.search(r"https?:|\*|unsafe-eval", policy)


@pytest.mark.django_db
def test_the_error_page_carries_the_policy_too() -> None:
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_tls_settings_follow_the_environment(tmp_path: Path) -> None:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG]))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GONGHUI_")}

    def read(env: dict[str, str]) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, text=True, capture_output=True, timeout=60,
            env={**clean, "DJANGO_SETTINGS_MODULE": "gonghui.settings",
                 "GONGHUI_VAR_DIR": str(tmp_path), **env},
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert read(OPERATOR_ENV) == (
        '[31536000, true, true, true, ["HTTP_X_FORWARDED_PROTO", "https"], true, true, false]'
    )
    # Off until the operator says TLS is in front: HSTS on a plain-HTTP server locks users out.
    bare = {"GONGHUI_ENV": "production", "GONGHUI_SECRET_KEY": OPERATOR_ENV["GONGHUI_SECRET_KEY"]}
    assert read(bare) == "[0, false, false, false, null, true, true, false]"


@pytest.mark.browser
def test_the_policy_breaks_nothing_in_a_real_browser(
    transactional_db: Any,
    federation: Any,
    make_persona: Any,
    live_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    page: Any,  # noqa: F811 — the fixture imported above
) -> None:
    """The pages a cadre uses, in chromium under the policy: no violation, and the one inline
    handler (the page-size select) still works."""
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD, current_totp

    # As tests/browser/conftest.py explains: Playwright's loop in this thread trips Django's
    # async guard for the ORM calls made between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    admin = make_persona("city_admin")
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    base = live_server.url
    page.goto(f"{base}/")
    page.get_by_label("用户名").fill("city_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # The administrator's second factor, under the same policy.
    expect(page).to_have_url(re.compile(r"/2fa/verify/"))
    page.get_by_label("动态码或恢复码").fill(current_totp(admin))
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(f"{base}/")
    for url in ("/", "/orgs/", f"/orgs/{federation.union_a1.pk}/", "/people/", "/members/",
                "/2fa/"):
        page.goto(f"{base}{url}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{base}/orgs/")
    page.locator("select[name=per_page]").select_option("50")
    expect(page).to_have_url(re.compile(r"[?&]per_page=50"))
    assert violations == []
