"""The home page of an account that sees no records says what it is for, with links."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_security_administrator_home_links_to_account_management(federation, login):
    page = login("security_admin").get(reverse("home"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "尚未分配" not in body and "未分配组织" not in body
    assert "安全管理员" in body
    assert f'href="{reverse("account-list")}"' in body
    assert f'href="{reverse("account-create")}"' in body
    # Not the auditor's page: the security administrator does not read the audit log.
    assert f'href="{reverse("audit-log")}"' not in body
    # Each link opens.
    client = login("security_admin")
    assert client.get(reverse("account-list")).status_code == 200


def test_the_auditor_home_links_to_the_audit_log_only(federation, login):
    body = login("auditor").get(reverse("home")).content.decode()
    assert "尚未分配" not in body and "审计员" in body
    assert f'href="{reverse("audit-log")}"' in body
    assert f'href="{reverse("account-list")}"' not in body


def test_an_account_with_no_role_is_still_told_to_ask(federation, make_persona, client):
    from gonghui.accounts.models import User

    bare = User.objects.create_user("bare", password="Long-enough-pass-2026")
    client.force_login(bare)
    assert "尚未分配组织或角色" in client.get(reverse("home")).content.decode()
