"""The one rule for a person's name, for imports and web forms alike (issue 12, finding 10).

A name as on the ID card: Han characters (any CJK block, 〇 included), Latin letters for the
rare transcribed name, and the middle dot between the parts of a minority name. Nothing else —
so neither markup (`<script>`) nor a spreadsheet formula (`=cmd|…`, `+`, `@`) can be stored as
a name, whichever way it arrives. Excel users type the dot several ways; all are stored as “·”.
"""

from __future__ import annotations

import re
from typing import Any

_LETTERS = r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134fA-Za-z]+"
_NAME = re.compile(rf"{_LETTERS}(?:·{_LETTERS})*")
_DOTS = str.maketrans(dict.fromkeys("•・‧．.･", "·"))


class NameRuleError(ValueError):
    """A name the rule refuses; `str(error)` is the Chinese reason."""


def check_person_name(value: Any) -> str:
    """A person's name, normalised (spaces dropped, dots unified), or `NameRuleError`."""
    name = "".join(str(value).split()).translate(_DOTS)  # "张 三" typed with a space is 张三
    if not 1 < len(name) <= 50:
        raise NameRuleError("长度应为2至50个字")
    if not _NAME.fullmatch(name):
        raise NameRuleError("只能包含汉字、字母和间隔号“·”，请按身份证上的姓名填写")
    return name


def validate_person_name(value: Any) -> str:
    """`check_person_name` for a Django form: the same reason as a `ValidationError`."""
    from django.core.exceptions import ValidationError

    try:
        return check_person_name(value)
    except NameRuleError as exc:
        raise ValidationError(f"姓名{exc}", code="person_name") from exc
