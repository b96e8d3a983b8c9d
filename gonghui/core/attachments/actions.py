"""Named workflows on attachments: attach a file to a record, caption it, remove it.

The caller passes a record it fetched through `visible_to` and has checked the permission for.
Every change writes an audit row naming objects by id only (record type, record id, kind, size,
digest): neither the file's name nor its caption, which may carry a person's name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.http import HttpRequest

from gonghui.core.attachments import files
from gonghui.core.attachments.files import AttachmentRejected
from gonghui.core.attachments.kinds import AttachmentKind
from gonghui.core.attachments.models import Attachment, attachments_of, owner_of
from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction

CAPTION_LENGTH = 200


def _ids(attachment: Attachment, parent_label: str) -> dict[str, Any]:
    return {
        "record": parent_label,
        "record_id": attachment.object_id,
        "kind": attachment.kind,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def _full(kind: AttachmentKind) -> AttachmentRejected:
    return AttachmentRejected(
        f"“{kind.label}”最多上传 {kind.max_count} 个，已经满了：请先删除不要的"
    )


def attach(
    *,
    parent: models.Model,
    kind: AttachmentKind,
    name: str,
    chunks: Iterable[bytes],
    caption: str = "",
    user: Any = None,
    request: HttpRequest | None = None,
) -> Attachment:
    """Check and store one file, then record it on `parent`; `AttachmentRejected` if refused."""
    existing = attachments_of(parent).filter(kind=kind.code)
    if existing.count() >= kind.max_count:
        raise _full(kind)  # before the work of checking and re-encoding the file
    stored = files.store(kind, name, chunks)
    try:
        with transaction.atomic():
            # The record's row is locked while its attachments are counted, so two uploads at
            # once cannot both take the last place (SQLite's writers queue anyway).
            list(type(parent)._base_manager.select_for_update().filter(pk=parent.pk).values("pk"))
            if existing.count() >= kind.max_count:
                raise _full(kind)
            attachment = Attachment(
                content_type=ContentType.objects.get_for_model(parent),
                object_id=parent.pk,
                org=owner_of(parent),
                kind=kind.code,
                caption=caption.strip()[:CAPTION_LENGTH],
                name=stored.name,
                file=stored.file,
                thumbnail=stored.thumbnail,
                media_type=stored.media_type,
                size=stored.size,
                sha256=stored.sha256,
                width=stored.width,
                height=stored.height,
                uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            )
            attachment.save()
            audit.record(
                AuditAction.CREATE,
                request=request,
                user=user,
                obj=attachment,
                changes=_ids(attachment, parent._meta.label_lower),
            )
    except BaseException:
        files.remove_stored((stored.file, stored.thumbnail))
        raise
    return attachment


@transaction.atomic
def set_caption(
    *, attachment: Attachment, caption: str, request: HttpRequest | None = None
) -> Attachment:
    attachment.caption = caption.strip()[:CAPTION_LENGTH]
    attachment.save(update_fields=["caption", "updated_at"])
    audit.record(
        AuditAction.UPDATE,
        request=request,
        obj=attachment,
        changes={**_ids(attachment, attachment.content_type.model_class()._meta.label_lower),  # type: ignore[union-attr]
                 "field": "caption"},
    )
    return attachment


@transaction.atomic
def remove(*, attachment: Attachment, request: HttpRequest | None = None) -> None:
    """Delete the row now and its files when the transaction commits (models.py)."""
    label = attachment.content_type.model_class()._meta.label_lower  # type: ignore[union-attr]
    pk = attachment.pk
    attachment.delete()
    attachment.pk = pk  # the audit row names the deleted attachment
    audit.record(AuditAction.DELETE, request=request, obj=attachment,
                 changes=_ids(attachment, label))
