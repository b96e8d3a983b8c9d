"""Field classes the generic layer treats specially: sensitive values are masked unless the user
may see them, and never copied into an audit row."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class SensitiveKind(models.TextChoices):
    """What a sensitive field holds; decides how it is masked and that audit rows never copy it."""

    PHONE = "phone", _("电话")
    ID_NUMBER = "id_number", _("身份证号")


class PhoneField(models.CharField):
    """A phone number: masked unless the user may see it, never copied into an audit row."""

    sensitive = SensitiveKind.PHONE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)


class IdNumberField(models.CharField):
    """A 居民身份证号: masked unless the user may see it, never copied into an audit row."""

    sensitive = SensitiveKind.ID_NUMBER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)
