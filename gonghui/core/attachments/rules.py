"""What other parts of the kit ask of attachments: workflow requirements and the review's photos."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from gonghui.core.attachments.kinds import AttachmentKind
from gonghui.core.attachments.models import Attachment, attachments_of
from gonghui.core.records.registry import registry


def kind_of(model: type[models.Model], code: str) -> AttachmentKind:
    record = registry.for_model(model)
    kind = next((k for k in record.attachments if k.code == code), None) if record else None
    if kind is None:
        raise LookupError(f"{model._meta.label} declares no attachment kind {code!r}")
    return kind


def required_attachment(kind: str | AttachmentKind) -> Callable[[Any], str | None]:
    """A workflow requirement: None when the record has at least one attachment of `kind`,
    else the Chinese reason (e.g. "请先上传会议纪要").

        Transition("submit", ..., requires=[required_attachment("minutes")])
    """
    code = kind if isinstance(kind, str) else kind.code

    def requirement(obj: Any) -> str | None:
        # Resolved on first use: the record types are registered after this is declared.
        label = kind.label if isinstance(kind, AttachmentKind) else kind_of(type(obj), code).label
        if attachments_of(obj).filter(kind=code).exists():
            return None
        return f"请先上传{label}"

    requirement.__name__ = f"required_attachment_{code}"
    return requirement


def captioned_photos(records: models.QuerySet[Any], user: Any) -> models.QuerySet[Attachment]:
    """The captioned photos of a set of records that `user` may see, newest first: what the
    review shows beside a section's figures. `records` is a queryset of one record type."""
    record = registry.for_model(records.model)
    codes = [k.code for k in record.attachments if k.photo] if record else []
    return (
        Attachment.objects.visible_to(user)
        .filter(
            content_type=ContentType.objects.get_for_model(records.model),
            object_id__in=records.values("pk"),
            kind__in=codes,
        )
        .exclude(caption="")
        .order_by("-created_at", "-pk")
    )
