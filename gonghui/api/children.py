"""Child rows over the API: `/api/<parent>/<pk>/<child>/` and `…/<child>/<child_pk>/`.

The same rules as the pages, because the same kit functions do the work: the parent is fetched
through its record type's `base_queryset` (the choke point) before anything else, the row
through the parent's rows, so a row of a parent outside the subtree is a 404 on every verb;
reading needs the parent's view permission, writing its change permission (`ChildRows.perm`);
a row is validated by the child's form and model rules (Chinese messages, answered as 400 with
the fields named) and written by the kit's `save_row` / `delete_row`, which keep the audit row
and refuse (409, Chinese reason) a change the parent's workflow state forbids. ID numbers and
bank cards are masked as on the record endpoints.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.db.models import DecimalField, ProtectedError
from django.db.models.sql import Query
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from gonghui.api.views import mask_sensitive
from gonghui.core.records.children import ChildRows, RowRefused, delete_row, save_row
from gonghui.core.records.childviews import child_form
from gonghui.core.records.registry import RecordType
from gonghui.core.records.views import CONFLICT_MESSAGE

DELETE_REFUSED = "无法删除：仍有其他记录引用它"


def camel(slug: str) -> str:
    return "".join(part.capitalize() for part in slug.replace("_", "-").split("-"))


def component(child: ChildRows, suffix: str) -> str:
    """A schema component's name, unique per parent and child (a child model may also be a
    record type of its own, with other fields: relief lines are)."""
    return f"{camel(child.parent.slug)}{camel(child.slug)}{suffix}"


class ChildRowSerializer(serializers.ModelSerializer):
    # Not `child`: DRF reads a serializer's `child` as a list serializer's item.
    child_rows: ChildRows

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        return mask_sensitive(data, self.child_rows.table.columns, self.context.get("request"))


def row_serializer(child: ChildRows) -> type[serializers.ModelSerializer]:
    """A row as the inline table shows it: the id and the declared columns."""
    columns = child.table.columns
    related = {
        c.name: serializers.ReadOnlyField(source=c.name.replace("__", "."), label=str(c.label))
        for c in columns
        if "__" in c.name
    }
    fields = ["id", *(c.name for c in columns)]
    meta = type("Meta", (), {"model": child.model, "fields": fields, "read_only_fields": fields})
    return type(component(child, "Row"), (ChildRowSerializer,),
                {"Meta": meta, "child_rows": child, **related})


def _choices(field: forms.ChoiceField) -> str:
    choices: Any = field.choices
    return "、".join(f"{value}（{label}）" for value, label in choices if value != "")


def input_field(field: forms.Field) -> serializers.Field:
    """The documented shape of one form field; the form itself validates what is sent."""
    common: dict[str, Any] = {
        "label": str(field.label or ""),
        "required": field.required,
        "help_text": str(field.help_text or "") or None,
    }
    if isinstance(field, forms.ModelChoiceField):
        target = str(field.queryset.model._meta.verbose_name)  # type: ignore[union-attr]
        common["help_text"] = f"{target}的记录编号 id" + (f"；{common['help_text']}"
                                                        if common["help_text"] else "")
        return serializers.IntegerField(**common)
    if isinstance(field, forms.ChoiceField):
        # A string with its values listed rather than an enum: the same choices under the same
        # field name in several child types would make the schema's enum names collide.
        common["help_text"] = "可选值：" + _choices(field)
        return serializers.CharField(allow_blank=not field.required, **common)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**{**common, "required": False})
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(max_digits=field.max_digits or 20,
                                        decimal_places=field.decimal_places or 2, **common)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(**common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**{**common, "help_text": "YYYY-MM-DD"})
    return serializers.CharField(allow_blank=not field.required, **common)


def input_serializer(child: ChildRows) -> type[serializers.Serializer]:
    fields = {name: input_field(f) for name, f in child.form_class.base_fields.items()}
    return type(component(child, "RowInput"), (serializers.Serializer,), fields)


def _is_decimal(child: ChildRows, expression: Any) -> bool:
    try:
        resolved = expression.resolve_expression(Query(child.model), allow_joins=True)
        return isinstance(resolved.output_field, DecimalField)
    except Exception:
        return False


def totals_serializer(child: ChildRows) -> type[serializers.Serializer]:
    fields: dict[str, serializers.Field] = {}
    for item in child.aggregates:
        label = f"{item.label}（{item.unit}）" if item.unit else item.label
        fields[item.name] = (
            serializers.DecimalField(max_digits=20, decimal_places=2, label=label)
            if _is_decimal(child, item.expression)
            else serializers.IntegerField(label=label)
        )
    return type(component(child, "Totals"), (serializers.Serializer,), fields)


def page_serializer(child: ChildRows, row: type[serializers.Serializer]) -> type[Any]:
    fields = {
        "count": serializers.IntegerField(label="行数"),
        "next": serializers.URLField(label="下一页", allow_null=True),
        "previous": serializers.URLField(label="上一页", allow_null=True),
        "totals": totals_serializer(child)(label=f"{child.parent.opts.verbose_name}的合计"),
        "results": row(many=True),
    }
    return type(component(child, "RowPage"), (serializers.Serializer,), fields)


class ChildRowRefusal(serializers.Serializer):
    detail = serializers.CharField(label="原因")


def form_errors(form: Any) -> dict[str, list[str]]:
    """The form's messages by field, the whole-row ones under DRF's `non_field_errors`."""
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): list(errors)
        for name, errors in form.errors.items()
    }


def _totals(values: dict[str, int | Decimal]) -> dict[str, Any]:
    return {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in values.items()}


class ChildEndpoint(GenericAPIView):
    """Scope first (the parent, then the row), then the permission, then the verb."""

    record_type: RecordType = None  # type: ignore[assignment]  # given to as_view() per URL
    child: ChildRows = None  # type: ignore[assignment]
    filter_backends: list[Any] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # signed in, and may view the parent type
        # Before the verb is looked at: another branch's row is a 404 even for a PUT or a
        # verb the endpoint does not answer, like an id that does not exist.
        self.parent = get_object_or_404(self.record_type.base_queryset(request.user),
                                        pk=kwargs["pk"])
        self.row = None
        if "child_pk" in kwargs:
            self.row = get_object_or_404(self.child.rows_of(self.parent), pk=kwargs["child_pk"])
        if request.method not in SAFE_METHODS and not request.user.has_perm(
            self.child.perm("change")
        ):
            raise PermissionDenied(
                f"您没有修改{self.record_type.opts.verbose_name}的权限，不能增删改"
                f"{self.child.label}"
            )

    def get_object(self) -> Any:
        # The row fetched in `initial` (DRF's OPTIONS description asks for it too).
        return self.row

    def show(self, row: Any, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(row).data, status=code)

    def write(self, data: dict[str, Any], code: int) -> Response:
        """Validate through the child's form and save through the kit, as the page does."""
        if reason := self.child.change_refusal(self.parent):
            # Said first and alone, as on the page: the row rules would only restate it.
            return Response({"detail": reason}, status=status.HTTP_409_CONFLICT)
        form = child_form(self.child, self.parent, self.row, data, self.request.user)
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        try:
            saved = save_row(self.child, self.parent, form.save(commit=False),
                             actor=self.request.user, request=self.request._request,
                             save_m2m=form.save_m2m)
        except RowRefused as refused:
            if refused.code == "missing":
                raise Http404 from refused
            return Response({"detail": refused.message}, status=status.HTTP_409_CONFLICT)
        except ValidationError as exc:
            form.add_error(None, exc)
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        except IntegrityError:
            # A unique index refused what a concurrent save just wrote (one line per person).
            return Response({"detail": CONFLICT_MESSAGE}, status=status.HTTP_409_CONFLICT)
        return self.show(saved, code)


def _sent(request: Request) -> dict[str, Any]:
    data = request.data
    return dict(data.items()) if hasattr(data, "items") else {}


class ChildRowsEndpoint(ChildEndpoint):
    def get(self, request: Request, pk: int) -> Response:
        page = self.paginate_queryset(self.child.rows_of(self.parent))
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["totals"] = _totals(self.child.totals(self.parent))
        return response

    def post(self, request: Request, pk: int) -> Response:
        return self.write(_sent(request), status.HTTP_201_CREATED)


class ChildRowEndpoint(ChildEndpoint):
    def get(self, request: Request, pk: int, child_pk: int) -> Response:
        return self.show(self.row)

    def put(self, request: Request, pk: int, child_pk: int) -> Response:
        return self.write(_sent(request), status.HTTP_200_OK)

    def patch(self, request: Request, pk: int, child_pk: int) -> Response:
        # The fields not sent keep their values: the form starts from what the row holds.
        current = child_form(self.child, self.parent, self.row, None, request.user)
        kept = {name: current[name].value() for name in current.fields}
        return self.write({**kept, **_sent(request)}, status.HTTP_200_OK)

    def delete(self, request: Request, pk: int, child_pk: int) -> Response:
        try:
            delete_row(self.child, self.parent, self.row, actor=request.user,
                       request=request._request)
        except RowRefused as refused:
            if refused.code == "missing":
                raise Http404 from refused
            return Response({"detail": refused.message}, status=status.HTTP_409_CONFLICT)
        except ProtectedError as exc:
            # A rule's own Chinese reason when it gave one; never Django's English text, which
            # would name the records that hold on to the row.
            own = exc.args[0] if exc.args and not exc.protected_objects else ""
            return Response({"detail": own if isinstance(own, str) and own else DELETE_REFUSED},
                            status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


PARENT_ID = "id"  # drf-spectacular names a path's `pk` `id`


def _parameters(child: ChildRows, row: bool) -> list[OpenApiParameter]:
    parent = str(child.parent.opts.verbose_name)
    found = [OpenApiParameter(PARENT_ID, int, OpenApiParameter.PATH,
                              description=f"{parent}的记录编号 id")]
    if row:
        found.append(OpenApiParameter("child_pk", int, OpenApiParameter.PATH,
                                      description=f"{child.label}的编号 id"))
    return found


def endpoints_for(record: RecordType, child: ChildRows) -> tuple[Any, Any]:
    """The two endpoint classes of one child type under its parent, documented in Chinese."""
    row = row_serializer(child)
    body = input_serializer(child)
    parent, name = str(record.opts.verbose_name), child.label
    whole_row = api_settings.NON_FIELD_ERRORS_KEY
    errors = OpenApiResponse(
        description=f"校验未通过：按字段列出中文原因（整行的原因在 {whole_row}）")
    forbidden = OpenApiResponse(ChildRowRefusal, description=f"无权修改{parent}")
    missing = OpenApiResponse(ChildRowRefusal,
                              description=f"{parent}或{name}不存在（或不在您的管辖范围内）")
    tag = [f"{parent}：{child.label_plural}"]
    op = f"{record.slug}_{child.slug}".replace("-", "_")

    rows_cls = type(component(child, "RowsEndpoint"), (ChildRowsEndpoint,),
                    {"serializer_class": row})
    state_refused = OpenApiResponse(
        ChildRowRefusal, description="当前状态不允许修改明细，或同时保存的另一行与之冲突")
    rows_cls_get = extend_schema(
        operation_id=f"{op}_list", tags=tag, parameters=_parameters(child, False),
        summary=f"{name}列表",
        description=f"一条{parent}的{child.label_plural}，分页返回（每页50行），附{parent}的合计"
                    "（totals，按全部行计算）。身份证号、银行卡号按您的权限遮盖。",
        responses={200: page_serializer(child, row), 404: missing},
    )
    rows_cls_post = extend_schema(
        operation_id=f"{op}_create", tags=tag, parameters=_parameters(child, False),
        summary=f"新增{name}",
        description=f"在一条{parent}下新增一行{name}，按网页表单的同样规则校验；"
                    f"需有修改{parent}的权限。",
        request=body,
        responses={201: row, 400: errors, 403: forbidden, 404: missing, 409: state_refused},
    )

    rows_cls = extend_schema_view(get=rows_cls_get, post=rows_cls_post)(rows_cls)

    one_cls = type(component(child, "RowEndpoint"), (ChildRowEndpoint,),
                   {"serializer_class": row})
    one_cls_get = extend_schema(
        operation_id=f"{op}_retrieve", tags=tag, parameters=_parameters(child, True),
        summary=f"一行{name}",
        description=f"按编号读取{parent}下的一行{name}；身份证号、银行卡号按您的权限遮盖。",
        responses={200: row, 404: missing},
    )
    one_cls_put = extend_schema(
        operation_id=f"{op}_update", tags=tag, parameters=_parameters(child, True),
        summary=f"修改{name}（整行）",
        description="未提交的字段按留空处理；只改几项请用 PATCH。",
        request=body,
        responses={200: row, 400: errors, 403: forbidden, 404: missing, 409: state_refused},
    )
    one_cls_patch = extend_schema(
        operation_id=f"{op}_partial_update", tags=tag, parameters=_parameters(child, True),
        summary=f"修改{name}（部分字段）",
        description="只提交要改的字段，其余保持不变。",
        request=body,
        responses={200: row, 400: errors, 403: forbidden, 404: missing, 409: state_refused},
    )
    one_cls_delete = extend_schema(
        operation_id=f"{op}_destroy", tags=tag, parameters=_parameters(child, True),
        summary=f"删除{name}",
        description=f"删除{parent}下的一行{name}；需有修改{parent}的权限，"
                    f"且{parent}当前状态允许修改明细。",
        responses={204: OpenApiResponse(description="已删除"), 403: forbidden, 404: missing,
                   409: OpenApiResponse(ChildRowRefusal,
                                        description="不能删除（被引用或当前状态不允许）")},
    )
    one_cls = extend_schema_view(get=one_cls_get, put=one_cls_put, patch=one_cls_patch,
                                 delete=one_cls_delete)(one_cls)
    return rows_cls, one_cls
