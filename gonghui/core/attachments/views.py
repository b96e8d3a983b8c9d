"""The attachment URLs of a record type: the panel (and upload), a file, its thumbnail, its
caption, its deletion.

Every view first fetches the record through the record type's `base_queryset` (visible_to) and
then the attachment through `Attachment.objects.visible_to(user).of(record)`: an attachment of a
record outside the subtree, or of another record, is a 404 on every verb, before any permission
is looked at. Reading needs the record type's view permission; uploading, captioning and
deleting need its change permission.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from gonghui.core.attachments import actions
from gonghui.core.attachments.files import AttachmentRejected, stored_path
from gonghui.core.attachments.kinds import AttachmentKind
from gonghui.core.attachments.models import Attachment, AttachmentQuerySet
from gonghui.core.records.registry import RecordType
from gonghui.core.records.views import RecordView

PANEL_TEMPLATE = "core/attachments/panel.html"
# Served files are never cached (they are one subtree's), never sniffed into another type, and
# an image opened on its own can run nothing even in a browser that would try.
FILE_HEADERS = {
    "Cache-Control": "no-store, private",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def visible_attachments(user: Any, obj: Any) -> AttachmentQuerySet:
    """The attachments of one record that `user` may see."""
    scoped: AttachmentQuerySet = Attachment.objects.visible_to(user)  # type: ignore[assignment]
    return scoped.of(obj)


def panel_context(request: HttpRequest, record: RecordType, obj: Any,
                  error: str = "") -> dict[str, Any]:
    """What the detail page's attachments panel shows: each kind with its attachments."""
    attachments = list(
        visible_attachments(request.user, obj).order_by("created_at", "pk")
    )
    groups = [
        (kind, [a for a in attachments if a.kind == kind.code]) for kind in record.attachments
    ]
    return {
        "record": record,
        "object": obj,
        "groups": groups,
        "error": error,
        "can_attach": request.user.has_perm(record.perm("change")),
    }


def file_response(item: Attachment, *, thumbnail: bool = False) -> FileResponse:
    """The stored file (or its thumbnail) of an attachment the caller fetched through
    `visible_attachments`, with the private headers: the pages and the API serve it alike."""
    stored = item.thumbnail if thumbnail else item.file
    if not stored:
        raise Http404("该附件没有缩略图")
    try:
        handle = stored_path(stored).open("rb")
    except FileNotFoundError as exc:
        raise Http404("附件文件不存在") from exc
    response = FileResponse(
        handle,
        as_attachment=not item.is_image,
        filename=item.name,
        content_type="image/jpeg" if thumbnail else item.media_type,
    )
    for header, value in FILE_HEADERS.items():
        response[header] = value
    return response


class AttachmentView(RecordView):
    """Scope first (the record, then the attachment), then the permission, then the verb."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        if "attachment" in kwargs:
            self.attachment = get_object_or_404(
                visible_attachments(request.user, self.object),
                pk=kwargs["attachment"],
            )
        if not request.user.has_perm(self.record_type.perm(self.action)):
            raise PermissionDenied
        return View.dispatch(self, request, *args, **kwargs)

    def panel(self, error: str = "") -> HttpResponse:
        """The refreshed panel for htmx, or back to the detail page for a plain form post."""
        if self.request.headers.get("HX-Request"):
            # 200 even for a refusal: htmx swaps only successful responses, and the panel
            # carries the message.
            context = panel_context(self.request, self.record_type, self.object, error)
            return render(self.request, PANEL_TEMPLATE, context)
        if error:
            messages.error(self.request, error)
        return redirect(self.record_type.url_name("detail"), pk=self.object.pk)


class AttachmentPanelView(AttachmentView):
    """GET: the panel alone (htmx refreshes it). POST: upload files of one kind."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        context = panel_context(request, self.record_type, self.object)
        return render(request, PANEL_TEMPLATE, context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm(self.record_type.perm("change")):
            raise PermissionDenied
        kind: AttachmentKind | None = self.record_type.attachment_kind(request.POST.get("kind", ""))
        uploads = request.FILES.getlist("file")
        if kind is None:
            return self.panel("请选择附件类别")
        if not uploads:
            return self.panel("请选择要上传的文件")
        caption = request.POST.get("caption", "")
        done = 0
        for upload in uploads:
            try:
                actions.attach(
                    parent=self.object, kind=kind, name=upload.name or "", chunks=upload.chunks(),
                    caption=caption, user=request.user, request=request,
                )
            except AttachmentRejected as exc:
                prefix = f"已上传 {done} 个；" if done else ""
                return self.panel(f"{prefix}“{upload.name}”未上传：{exc.message}")
            done += 1
        if not request.headers.get("HX-Request"):
            messages.success(request, f"已上传 {done} 个{kind.label}")
        return self.panel()


class AttachmentFileView(AttachmentView):
    """The file: images inline (they are Pillow's re-encoding), everything else as a download."""

    http_method_names = ["get", "head"]
    thumbnail = False

    def get(self, request: HttpRequest, pk: int, attachment: int) -> FileResponse:
        return file_response(self.attachment, thumbnail=self.thumbnail)


class AttachmentThumbnailView(AttachmentFileView):
    thumbnail = True


class AttachmentCaptionView(AttachmentView):
    action = "change"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, attachment: int) -> HttpResponse:
        actions.set_caption(
            attachment=self.attachment, caption=request.POST.get("caption", ""), request=request
        )
        return self.panel()


class AttachmentDeleteView(AttachmentView):
    action = "change"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, attachment: int) -> HttpResponse:
        actions.remove(attachment=self.attachment, request=request)
        if not request.headers.get("HX-Request"):
            messages.success(request, "附件已删除")
        return self.panel()
