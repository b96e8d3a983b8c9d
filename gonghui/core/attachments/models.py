"""One attachment model for every record type, scoped by the owning organisation it copies.

An attachment points at its record through the content type and the record's id, and copies the
record's owning organisation (`org`, `org_path`): so `Attachment.objects.visible_to(user)` scopes
attachments exactly as their records are scoped, a branch move carries them along with every
other `OrgOwned` row, and the leak matrix plants and checks them per branch like any record.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from gonghui.core.attachments.files import remove_stored
from gonghui.core.tenancy.models import OrgOwned, ScopedQuerySet, org_model


class AttachmentQuerySet(ScopedQuerySet):
    def of(self, parent: models.Model) -> AttachmentQuerySet:
        """The attachments of one record (chain it after `visible_to` in request code)."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(parent), object_id=parent.pk
        )


class Attachment(OrgOwned):
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录类型")
    )
    object_id = models.PositiveBigIntegerField(_("记录编号"))
    parent = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("类别"), max_length=40)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    # The uploaded file's name, kept as the download's label only; never part of a path.
    name = models.CharField(_("文件名"), max_length=200)
    file = models.CharField(_("存储位置"), max_length=100, editable=False)
    thumbnail = models.CharField(_("缩略图存储位置"), max_length=100, blank=True, editable=False)
    media_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("宽度"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高度"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )

    objects = AttachmentQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "kind"], name="core_attachment_parent_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(file=""), name="core_attachment_has_file")
        ]

    def __str__(self) -> str:
        return self.caption or self.name

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")

    def owning_org_changed(self) -> None:
        if self.org_id is None:
            self.org = owner_of(self.parent)


def owner_of(parent: models.Model) -> Any:
    """The organisation that owns a record: itself for an organisation, else its `org`."""
    return parent if isinstance(parent, org_model()) else parent.org  # type: ignore[attr-defined]


def attachments_of(parent: models.Model) -> AttachmentQuerySet:
    """Every attachment of a record, unscoped: for rules and clean-up about a record the caller
    already fetched through `visible_to` (request code starts from `visible_to` instead)."""
    return Attachment.objects.of(parent)


def _remove_files_on_commit(sender: Any, instance: Attachment, **kwargs: Any) -> None:
    # After the commit only: a rolled-back delete must find its file still there.
    names = (instance.file, instance.thumbnail)
    transaction.on_commit(lambda: remove_stored(names), robust=True)


post_delete.connect(_remove_files_on_commit, sender=Attachment,
                    dispatch_uid="gonghui-attachment-files")


def _parent_deleted(sender: Any, instance: models.Model, **kwargs: Any) -> None:
    attachments_of(instance).delete()  # each one's files go on commit (above)


def _parent_saved(sender: Any, instance: models.Model, created: bool, **kwargs: Any) -> None:
    if created:
        return
    org = owner_of(instance)
    # A record given to another organisation takes its attachments along.
    attachments_of(instance).exclude(org_path=org.path).update(org=org, org_path=org.path)


def follow_parents(model: type[models.Model]) -> None:
    """Keep a record type's attachments with their record: moved with it, deleted with it."""
    label = model._meta.label_lower
    post_delete.connect(_parent_deleted, sender=model, weak=False,
                        dispatch_uid=f"gonghui-attachments-delete-{label}")
    post_save.connect(_parent_saved, sender=model, weak=False,
                      dispatch_uid=f"gonghui-attachments-save-{label}")
