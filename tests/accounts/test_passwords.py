"""security.md row 2: password rules and expiry with a change-password flow."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone

from gonghui.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def errors(password: str) -> list[str]:
    try:
        validate_password(password, User(username="zhangsan"))
    except ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.mark.parametrize(
    "password",
    ["Qzwk7!vb", "qzwk7!vbn", "QZWK7!VBN", "Qzwkvbn7x", "Qzwkvbn!x", PASSWORD, "Aa1" + "x" * 125],
)
def test_good_passwords_pass(password: str) -> None:
    assert errors(password) == []


def test_up_to_128_characters_are_allowed() -> None:
    assert errors(("Aa1!" * 32)[:128]) == []


@pytest.mark.parametrize("password", ["Ab1!xyz", "abcdefgh", "abcdefg12", "ABCDEFG!!", "12345678!"])
def test_short_or_two_class_passwords_fail(password: str) -> None:
    assert errors(password)


def test_the_class_rule_speaks_chinese() -> None:
    assert errors("abcdefg12x") == [
        "密码须包含小写字母、大写字母、数字、符号四类字符中的至少 3 类。"
    ]


def test_common_passwords_fail() -> None:
    # Three classes, yet on Django's common-password list.
    assert any("常见" in message for message in errors("Password1"))


def test_set_password_stamps_the_change_time() -> None:
    user = User(username="li")
    before = timezone.now()
    user.set_password(PASSWORD)
    assert user.password_changed_at is not None and user.password_changed_at >= before
    user.set_unusable_password()
    assert user.password_changed_at is None


def expire(user: User, days: int = 91) -> None:
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_an_expired_password_allows_only_the_change_page(
    make_persona: Callable[[str], User], login: Callable[[str], Client]
) -> None:
    expire(make_persona("town_a_cadre"))
    client = login("town_a_cadre")
    for url in ("/", "/search/?q=x", "/api/orgs/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/password/change/", url
    page = client.get("/password/change/")
    assert page.status_code == 200
    assert "密码已超过有效期" in page.content.decode()
    assert client.get("/static/gonghui/app.css").status_code == 200


def test_a_fresh_password_is_not_sent_to_change(
    make_persona: Callable[[str], User], login: Callable[[str], Client]
) -> None:
    expire(make_persona("town_a_cadre"), days=89)
    assert login("town_a_cadre").get("/").status_code == 200


@override_settings(GONGHUI_PASSWORD_MAX_AGE_DAYS=30)
def test_the_max_age_is_configurable(
    make_persona: Callable[[str], User], login: Callable[[str], Client]
) -> None:
    expire(make_persona("town_a_cadre"), days=31)
    assert login("town_a_cadre").get("/").status_code == 302


def test_changing_the_password_lets_the_user_back_in(
    make_persona: Callable[[str], User], login: Callable[[str], Client]
) -> None:
    user = make_persona("town_a_cadre")
    expire(user)
    client = login("town_a_cadre")
    weak = client.post(
        "/password/change/",
        {"old_password": PASSWORD, "new_password1": "abcdefgh", "new_password2": "abcdefgh"},
    )
    assert weak.status_code == 200
    assert "四类字符" in weak.content.decode()
    new = "Neue-Pass-2027"
    done = client.post(
        "/password/change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302 and done["Location"] == "/password/change/done/"
    assert client.get("/").status_code == 200  # still logged in, no longer sent away
    user.refresh_from_db()
    assert user.check_password(new)


def test_logout_stays_reachable_with_an_expired_password(
    make_persona: Callable[[str], User], login: Callable[[str], Client]
) -> None:
    expire(make_persona("town_a_cadre"))
    client = login("town_a_cadre")
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
