"""A record's attachments over the API: `/api/<slug>/<pk>/attachments/` (list, upload) and
`…/attachments/<attachment>/` (download, delete).

The web's scoping and safety, by the web's functions: the record through its type's
`base_queryset`, the attachment through `visible_attachments` (404 outside the subtree, on
every verb, before any permission), the file through `file_response` (no-store, nosniff, never a
public URL), an upload through `actions.attach` (size, magic bytes, no active content, images
re-encoded, the kind's count) and a deletion through `actions.remove`, each with its audit row.
Reading needs the record type's view permission; uploading and deleting its change permission.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gonghui.core.attachments import actions
from gonghui.core.attachments.files import AttachmentRejected
from gonghui.core.attachments.models import Attachment
from gonghui.core.attachments.views import file_response, visible_attachments
from gonghui.core.records.registry import RecordType


class AttachmentOut(serializers.Serializer):
    id = serializers.IntegerField(label="附件编号")
    kind = serializers.CharField(label="类别代码")
    kind_label = serializers.CharField(label="类别")
    caption = serializers.CharField(label="说明")
    name = serializers.CharField(label="文件名")
    media_type = serializers.CharField(label="文件类型")
    size = serializers.IntegerField(label="大小（字节）")
    width = serializers.IntegerField(label="宽度（像素，图片才有）", allow_null=True)
    height = serializers.IntegerField(label="高度（像素，图片才有）", allow_null=True)
    uploaded_by = serializers.CharField(label="上传人", allow_null=True)
    uploaded_at = serializers.DateTimeField(label="上传时间")
    url = serializers.CharField(label="下载地址（本接口，需登录或令牌）")


class AttachmentUpload(serializers.Serializer):
    kind = serializers.CharField(label="附件类别代码", help_text="见本记录类型的附件类别")
    file = serializers.FileField(label="文件", help_text="一次上传一个文件")
    caption = serializers.CharField(label="说明", required=False, allow_blank=True,
                                    max_length=actions.CAPTION_LENGTH)


class AttachmentRefusal(serializers.Serializer):
    detail = serializers.CharField(label="原因")


class AttachmentEndpoint(APIView):
    """Scope first (the record, then the attachment), then the permission, then the verb."""

    record_type: RecordType = None  # type: ignore[assignment]  # given to as_view() per URL
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # signed in, and may view the record type
        self.object = get_object_or_404(self.record_type.base_queryset(request.user),
                                        pk=kwargs["pk"])
        self.attachment: Attachment | None = None
        if "attachment" in kwargs:
            self.attachment = get_object_or_404(visible_attachments(request.user, self.object),
                                                pk=kwargs["attachment"])
        if request.method not in SAFE_METHODS and not request.user.has_perm(
            self.record_type.perm("change")
        ):
            raise PermissionDenied(f"您没有修改{self.record_type.opts.verbose_name}的权限")

    def describe(self, item: Attachment) -> dict[str, Any]:
        kind = self.record_type.attachment_kind(item.kind)
        user = item.uploaded_by
        return {
            "id": item.pk,
            "kind": item.kind,
            "kind_label": kind.label if kind is not None else item.kind,
            "caption": item.caption,
            "name": item.name,
            "media_type": item.media_type,
            "size": item.size,
            "width": item.width,
            "height": item.height,
            "uploaded_by": (user.get_full_name() or user.get_username()) if user else None,
            "uploaded_at": serializers.DateTimeField().to_representation(item.created_at),
            "url": reverse(f"api-{self.record_type.slug}-attachment",
                           kwargs={"pk": self.object.pk, "attachment": item.pk}),
        }


class AttachmentsEndpoint(AttachmentEndpoint):
    def get(self, request: Request, pk: int) -> Response:
        items = visible_attachments(request.user, self.object).select_related("uploaded_by")
        return Response([self.describe(a) for a in items.order_by("created_at", "pk")])

    def post(self, request: Request, pk: int) -> Response:
        sent: Any = request.data if hasattr(request.data, "get") else {}
        kind = self.record_type.attachment_kind(str(sent.get("kind", "")))
        upload = request.FILES.get("file")
        if kind is None:
            codes = "、".join(f"{k.code}（{k.label}）" for k in self.record_type.attachments)
            return Response({"kind": [f"请选择附件类别：{codes}"]},
                            status=status.HTTP_400_BAD_REQUEST)
        if upload is None:
            return Response({"file": ["请选择要上传的文件"]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            item = actions.attach(
                parent=self.object, kind=kind, name=upload.name or "", chunks=upload.chunks(),
                caption=str(sent.get("caption", "")), user=request.user,
                request=request._request,
            )
        except AttachmentRejected as exc:
            return Response({"file": [f"“{upload.name}”未上传：{exc.message}"]},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(self.describe(item), status=status.HTTP_201_CREATED)


class AttachmentFileEndpoint(AttachmentEndpoint):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # A download answers with the file's own type whatever the client accepts; only an
        # error is rendered as JSON.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request: Request, pk: int, attachment: int) -> Any:
        assert self.attachment is not None  # the URL takes the attachment's id
        return file_response(self.attachment)

    def delete(self, request: Request, pk: int, attachment: int) -> Response:
        assert self.attachment is not None
        actions.remove(attachment=self.attachment, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


def endpoints_for(record: RecordType) -> tuple[Any, Any]:
    """The two attachment endpoint classes of one record type, documented in Chinese."""
    name = str(record.opts.verbose_name)
    kinds = "、".join(f"{k.code}（{k.label}）" for k in record.attachments)
    tag = [f"{name}：附件"]
    op = record.slug.replace("-", "_")
    record_id = OpenApiParameter("id", int, OpenApiParameter.PATH,
                                 description=f"{name}的记录编号 id")
    attachment_id = OpenApiParameter("attachment", int, OpenApiParameter.PATH,
                                     description="附件编号 id")
    missing = OpenApiResponse(AttachmentRefusal,
                              description=f"{name}或附件不存在（或不在您的管辖范围内）")
    forbidden = OpenApiResponse(AttachmentRefusal, description=f"无权修改{name}")

    many = type(f"{record.model.__name__}AttachmentsEndpoint", (AttachmentsEndpoint,), {})
    many_get = extend_schema(
        operation_id=f"{op}_attachments_list", tags=tag, parameters=[record_id],
        summary=f"{name}的附件列表",
        description=f"类别、说明、大小、上传人和上传时间；附件类别：{kinds}。",
        responses={200: AttachmentOut(many=True), 404: missing},
    )
    many_post = extend_schema(
        operation_id=f"{op}_attachments_create", tags=tag, parameters=[record_id],
        summary=f"上传{name}的附件",
        description=(
            f"multipart/form-data：kind（附件类别：{kinds}）、file、caption（说明，可空）。"
            "与网页同样检查：大小、文件类型（按文件内容判断）、不得含可执行内容；图片重新编码。"
            "需有修改权限。"
        ),
        request={"multipart/form-data": AttachmentUpload},
        responses={201: AttachmentOut,
                   400: OpenApiResponse(description="未上传：按字段列出中文原因"),
                   403: forbidden, 404: missing},
    )

    many = extend_schema_view(get=many_get, post=many_post)(many)

    one = type(f"{record.model.__name__}AttachmentFileEndpoint", (AttachmentFileEndpoint,), {})
    one_get = extend_schema(
        operation_id=f"{op}_attachments_download", tags=tag,
        parameters=[record_id, attachment_id],
        summary="下载附件",
        description="文件本身：图片直接显示，其他文件作为下载；不缓存（Cache-Control: no-store）。",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: missing},
    )
    one_delete = extend_schema(
        operation_id=f"{op}_attachments_destroy", tags=tag,
        parameters=[record_id, attachment_id],
        summary="删除附件", description="需有修改权限；删除记入操作日志。",
        responses={204: OpenApiResponse(description="已删除"), 403: forbidden, 404: missing},
    )
    one = extend_schema_view(get=one_get, delete=one_delete)(one)
    return many, one
