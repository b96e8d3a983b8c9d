"""`gonghui demo` talks (issue 13): a line per step on stderr while it builds, and on every run,
the first and a later one alike, the accounts and a link that works for the first account."""

from __future__ import annotations

import functools
import io
import itertools
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from gonghui.demo import federation
from gonghui.demo.federation import DEMO_PASSWORD, BuildingPlan
from gonghui.orgs.models import Organization

pytestmark = pytest.mark.django_db

SMALL = BuildingPlan(founded=4, enrolled=30, elections=3, homes=2, cards=10, overdue=1)


def run_demo() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("demo", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_demo_says_each_step_then_prints_the_accounts_and_a_working_link_on_every_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setattr(federation, "build_demo", functools.partial(
        federation.build_demo, unions_per_town=2, members_per_union=2, plan=SMALL))
    with override_settings(VAR_DIR=tmp_path):
        out, err = run_demo()
        organizations = Organization.objects.count()
        again_out, again_err = run_demo()

    # While building: one line per step, each with what it made and its time.
    assert "组织架构：组织" in err
    for made in ("新建工会 4 个", "职工之家 ", "换届记录 ", "会员 ", "惠工卡 "):
        line = next((line for line in err.splitlines() if line.startswith(f"  {made}")), "")
        assert re.search(r"（\d+\.\d 秒）$", line), (made, err)
    assert "完成，共用" in err
    # The care app's parts say theirs too (the relief step is the longest of the build).
    after = err.split("帮扶救助：\n", 1)[1].splitlines()
    care = list(itertools.takewhile(lambda line: line.startswith("  "), after))
    assert care and care[0].startswith("  困难职工档案 "), err
    assert all(re.search(r"（\d+\.\d 秒）$", line) for line in care), err
    assert (tmp_path / "reviews" / "LX-2018H1.html").exists()

    # A later run builds nothing and compiles nothing again, and prints the same accounts.
    assert "不再重建" in again_out and "正在生成" not in again_err
    assert Organization.objects.count() == organizations

    def accounts(text: str) -> list[str]:
        block = text.split("演示账号", 1)[1]
        return re.findall(r"^  (\w+) ", block, flags=re.MULTILINE)

    assert accounts(out) == accounts(again_out)
    assert {"town01", "chair01", "admin", "auditor", "security"} <= set(accounts(out))

    # The first account listed signs in with the printed password through the login form, and
    # the printed link opens for it.
    for text in (out, again_out):
        first = accounts(text)[0]
        link = re.search(r"用 (\w+) / (\S+) 登录，再打开 (\S+)", text)
        assert link and link[1] == first and link[2] == DEMO_PASSWORD
        client = Client()
        signed_in = client.post(reverse("login"), {"username": first, "password": link[2]})
        assert signed_in.status_code == 302
        parts = urlsplit(link[3])
        page = client.get(parts.path, dict(q.split("=", 1) for q in parts.query.split("&")))
        assert page.status_code == 200, (first, link[3])
        assert "2018年上半年" in page.content.decode()
