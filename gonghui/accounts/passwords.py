"""Password rules beyond Django's validators (security.md row 2)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

CLASSES = (
    ("小写字母", str.islower),
    ("大写字母", str.isupper),
    ("数字", str.isdigit),
)


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digit and symbol the password uses."""
    found = {name for ch in password for name, test in CLASSES if test(ch)}
    symbol = any(not ch.isalnum() for ch in password)
    return len(found) + int(symbol)


class CharacterClassValidator:
    """At least `min_classes` of: lower-case letter, upper-case letter, digit, symbol."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                self.get_help_text(), code="password_too_few_character_classes"
            )

    def get_help_text(self) -> str:
        return (
            f"密码须包含小写字母、大写字母、数字、符号四类字符中的至少 {self.min_classes} 类。"
        )
