"""Read-only API endpoints for every registered record type, generated from the registry.

They reuse the record type's table (fields), filter set (query parameters) and scoped queryset,
so the API, the list page and the export cannot disagree about what a user sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from gonghui.core.records.fields import SensitiveKind
from gonghui.core.records.registry import RecordType
from gonghui.core.records.tables import MASKERS, Column
from gonghui.core.records.views import can_reveal
from gonghui.core.workflow import actions as workflow
from gonghui.core.workflow.spec import TransitionRefused


def mask_sensitive(data: dict[str, Any], columns: Iterable[Column], request: Any) -> dict[str, Any]:
    """Sensitive values (ID numbers, bank cards, phones) masked unless the caller may reveal
    them: the record endpoints and the child-row endpoints alike."""
    if request is None or not can_reveal(request.user):
        for column in columns:
            if column.sensitive and data.get(column.name):
                data[column.name] = MASKERS[SensitiveKind(column.sensitive)](data[column.name])
    return data


class RecordSerializer(serializers.ModelSerializer):
    record_type: RecordType

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        return mask_sensitive(data, self.record_type.table.columns, self.context.get("request"))


class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    record_type: RecordType

    def get_queryset(self) -> Any:
        record = self.record_type
        return record.list_queryset(self.request.user).order_by(*record.default_ordering)


class TransitionRequest(serializers.Serializer):
    opinion = serializers.CharField(
        label="意见", required=False, allow_blank=True, default="", max_length=2000
    )


class TransitionResult(serializers.Serializer):
    id = serializers.IntegerField(label="记录编号")
    state = serializers.CharField(label="状态")
    state_label = serializers.CharField(label="状态名称")
    detail = serializers.CharField(label="结果")


class TransitionRefusal(serializers.Serializer):
    detail = serializers.CharField(label="不能办理的原因")


# A refusal's HTTP status: someone was faster or the state is wrong (409), the role, level or
# maker-checker rule (403), an unmet requirement or a missing opinion (400).
REFUSAL_STATUS = {
    "state": status.HTTP_409_CONFLICT,
    "permission": status.HTTP_403_FORBIDDEN,
    "requirement": status.HTTP_400_BAD_REQUEST,
}


class WorkflowViewSet(RecordViewSet):
    """A record type with a workflow: its transitions as POST endpoints."""

    @extend_schema(
        summary="办理流程事项",
        description="对一条记录办理一个流程事项（如提交、审核、审批），可附意见。",
        request=TransitionRequest,
        responses={
            200: TransitionResult,
            400: OpenApiResponse(TransitionRefusal, description="条件不满足或缺少意见"),
            403: OpenApiResponse(
                TransitionRefusal, description="无权办理（权限、层级或经办审批分离）"
            ),
            404: OpenApiResponse(TransitionRefusal, description="记录或事项不存在"),
            409: OpenApiResponse(TransitionRefusal, description="状态已变化，已被他人办理"),
        },
    )
    @extend_schema(methods=["GET"], exclude=True)
    @action(
        detail=True,
        # GET is answered 405, but only after the scoped lookup: a record outside the subtree
        # is a 404 on every verb, as on every other record URL.
        methods=["get", "post"],
        url_path=r"transitions/(?P<name>[-a-zA-Z0-9_]+)",
        url_name="transition",
        serializer_class=TransitionRequest,
        filterset_class=None,
    )
    def transition(self, request: Request, pk: str, name: str, **kwargs: Any) -> Response:
        record = self.record_type
        flow = workflow.workflow_of(record)
        step = flow.transition(name)
        if step is None:
            raise Http404
        obj = self.get_object()  # scoped: another branch's record is a 404
        if request.method != "POST":
            raise MethodNotAllowed(request.method or "")
        if not request.user.has_perm(record.perm(step.name)):
            raise PermissionDenied(f"您没有「{step.label}」的权限")
        payload = TransitionRequest(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            obj = workflow.take(
                obj, step.name, actor=request.user, opinion=payload.validated_data["opinion"],
                request=request._request,
            )
        except TransitionRefused as refused:
            if refused.missing:
                raise Http404 from refused
            return Response({"detail": refused.message}, status=REFUSAL_STATUS[refused.code])
        return Response(
            {
                "id": obj.pk,
                "state": flow.current(obj),
                "state_label": flow.state_label(obj),
                "detail": f"已{step.label}",
            }
        )


def viewset_for(record: RecordType) -> type[RecordViewSet]:
    columns = record.table.columns
    fields = ["id", *(c.name for c in columns)]
    # A column across a relation (`person__name`) is a read-only field of the same name.
    related = {
        c.name: serializers.ReadOnlyField(source=c.name.replace("__", "."))
        for c in columns
        if "__" in c.name
    }
    meta = type("Meta", (), {"model": record.model, "fields": fields})
    serializer = type(
        f"{record.model.__name__}Serializer",
        (RecordSerializer,),
        {"Meta": meta, "record_type": record, **related},
    )
    viewset = type(
        f"{record.model.__name__}ViewSet",
        (WorkflowViewSet if record.workflow is not None else RecordViewSet,),
        {
            "record_type": record,
            "serializer_class": serializer,
            "filterset_class": record.filterset_class,
            "queryset": record.model._default_manager.none(),
        },
    )
    # The schema in Chinese (/api/docs/): the type's name as the tag, what each call returns.
    plural, label = record.label_plural, record.label
    scope = "只含您管辖范围内的记录；身份证号、手机号无“查看完整信息”权限时打码。"
    viewset = extend_schema_view(
        list=extend_schema(
            summary=f"{plural}列表",
            description=f"按列表页的筛选条件查询{plural}，每页50条。{scope}",
        ),
        retrieve=extend_schema(summary=f"查看一条{label}",
                               description=f"按记录编号查看一条{label}。{scope}"),
    )(viewset)
    return extend_schema(tags=[plural])(viewset)  # type: ignore[no-any-return]
