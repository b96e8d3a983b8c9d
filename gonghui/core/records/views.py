"""Generic record views: every registered record type is served by these and nothing else.

Each view starts its query from `RecordType.base_queryset(user)` (which is `visible_to`), so a
record outside the user's subtree is a 404 on every verb, and checks the role permission for the
action, so a permitted subtree is not yet permission to change it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
from gonghui.core.ops.dbrouter import replica_reads
from gonghui.core.records import orgtree
from gonghui.core.records.children import child_block
from gonghui.core.records.exports import (
    export_filename,
    import_layout_needs_reveal,
    write_import_layout,
    write_xlsx,
)
from gonghui.core.records.paging import CappedPaginator
from gonghui.core.records.pickers import picker_label
from gonghui.core.records.registry import RecordType, registry
from gonghui.core.records.tables import Column
from gonghui.core.workflow import actions as workflow
from gonghui.core.workflow.pages import list_context, panel

PAGE_SIZES = (20, 50, 100, 200)


def can_reveal(user: Any) -> bool:
    return bool(user.has_perm("accounts.view_sensitive"))


class RecordView(View):
    """Base of the generic views: one record type, one action permission, one scoped queryset."""

    record_type: RecordType = None  # type: ignore[assignment]  # given to as_view() per URL
    action = "view"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if "pk" in kwargs:
            # Scope before permission: a record outside the subtree is a 404 whatever the verb
            # and whatever the user's rights, exactly like an id that does not exist.
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        if not request.user.has_perm(self.record_type.perm(self.action)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.record_type.base_queryset(self.request.user)

    def get_object(self) -> Any:
        return self.object

    def context(self, **extra: Any) -> dict[str, Any]:
        record = self.record_type
        user = self.request.user
        return {
            "record": record,
            "can_add": user.has_perm(record.perm("add")),
            "can_change": user.has_perm(record.perm("change")),
            "can_delete": user.has_perm(record.perm("delete")),
            **extra,
        }

    def filtered(self) -> tuple[Any, str, QuerySet[Any]]:
        """The list page's filter set, its validated sort, and the filtered, ordered rows.

        The export calls this too, so what a cadre exports is exactly what the list showed.
        """
        record = self.record_type
        filterset = record.filterset_class(
            self.request.GET or None,
            queryset=record.list_queryset(self.request.user),
            request=self.request,
        )
        sort, ordering = sort_key(
            record, self.request.GET.get("sort", ""), reveal=can_reveal(self.request.user)
        )
        return filterset, sort, filterset.qs.order_by(*ordering)


def sort_key(record: RecordType, requested: str, *, reveal: bool) -> tuple[str, list[str]]:
    """The validated sort parameter and the ORDER BY it means (pk breaks ties: stable pages).

    A masked column is not sortable for a user who sees it masked: the order of the rows
    would tell the hidden digits (issue 12, finding 4).
    """
    name = requested.lstrip("-")
    column = record.table.column(name)
    if column is None or not column.sortable or (column.sensitive and not reveal):
        return "", [*record.default_ordering]
    return requested, [requested, "-pk" if requested.startswith("-") else "pk"]


class RecordListView(RecordView):
    template_name = "core/record_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        with replica_reads():  # a no-op unless a read replica is configured
            return self.list_page(request)

    def list_page(self, request: HttpRequest) -> HttpResponse:
        record = self.record_type
        if "tree_node" in request.GET or "tree_search" in request.GET:
            # The org tree beside the list asks for one node's children or its search's
            # matches: a fragment, and the list itself is not queried.
            return self.tree_fragment(request)
        filterset, sort, queryset = self.filtered()
        try:
            per_page = int(request.GET.get("per_page", PAGE_SIZES[0]))
        except ValueError:
            per_page = PAGE_SIZES[0]
        per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
        # Bounded count and depth: the same cost at a million rows (gonghui.core.records.paging).
        page = CappedPaginator(queryset, per_page).get_page(request.GET.get("page"))
        reveal = can_reveal(request.user)
        columns = record.table.columns
        rows = [
            (obj, [(c, c.value(obj, reveal=reveal)) for c in columns]) for obj in page.object_list
        ]
        params = request.GET.copy()
        for key in ("page", "sort"):
            params.pop(key, None)
        return render(
            request,
            self.template_name,
            self.context(
                filterset=filterset,
                page=page,
                rows=rows,
                columns=columns,
                sort=sort,
                per_page=per_page,
                page_sizes=PAGE_SIZES,
                base_query=params.urlencode(),
                **list_context(record, request),
                **orgtree.tree_context(
                    request, record, orgtree.visible_org(request.user, request.GET.get("org"))
                ),
                export_query=urlencode(
                    [(k, v) for k, v in request.GET.items() if k not in {"page", "per_page"}]
                ),
                import_export=may_export_for_import(record, request.user),
                import_export_refusal=import_export_refusal(record, request.user),
                import_export_masked=(
                    may_export_for_import(record, request.user)
                    and not can_reveal(request.user)
                    and import_layout_needs_reveal(record)
                ),
                # What the ticked rows can be given (gonghui.core.records.rowaction).
                bulk_actions=[
                    action for action in record.record_actions
                    if request.user.has_perm(record.perm(action.permission))
                ],
            ),
        )


    def tree_fragment(self, request: HttpRequest) -> HttpResponse:
        context = orgtree.tree_context(request, self.record_type, None, with_root=False)
        if "tree_search" in request.GET:
            return render(request, "core/_org_tree_found.html", context)
        parent = orgtree.visible_org(request.user, request.GET.get("tree_node"))
        if parent is None:
            raise Http404  # another branch's organisation looks missing, like a made-up id
        context["nodes"] = orgtree.children(request.user, parent)
        return render(request, "core/_org_tree_nodes.html", context)


def may_export_for_import(record: RecordType, user: Any) -> bool:
    """An export in the import template's layout: for whoever may import the record type. Where
    the layout holds ID numbers or phones, a cadre without the reveal right gets them masked;
    that is offered only when the import reads a masked cell as "unchanged"
    (`ImportSpec.masked_cells_kept`), since a masked number would not import back."""
    return import_export_refusal(record, user) is None and _importable(record, user)


def _importable(record: RecordType, user: Any) -> bool:
    spec = record.import_spec
    return spec is not None and spec.exportable and user.has_perm(record.perm("add"))


def import_export_refusal(record: RecordType, user: Any) -> str | None:
    """Why an importer may not export in the template's layout, in Chinese (shown beside the
    export button); None when they may, or when they may not import this type at all."""
    spec = record.import_spec
    if not _importable(record, user) or spec is None:
        return None
    if can_reveal(user) or spec.masked_cells_kept or not import_layout_needs_reveal(record):
        return None
    return _("导出为导入模板需要“查看完整的身份证号和电话”权限：模板中的身份证号、手机号"
             "打码后无法导回。请联系市总管理员导出，或使用普通导出查看。")


class RecordDetailView(RecordView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.record_type
        obj = self.get_object()
        reveal = can_reveal(request.user)
        fields = detail_rows(record, obj, request.user)
        related = [(panel, panel.rows(obj, request.user)) for panel in record.related]
        children = [child_block(child, obj, request.user) for child in record.children]
        extra = record.detail_extra(obj, request.user) if record.detail_extra else {}
        row_actions = [
            action for action in record.actions
            if request.user.has_perm(record.perm(action.permission)) and action.applies(obj)
        ]
        return render(
            request,
            record.detail_template,
            self.context(
                object=obj,
                fields=fields,
                related=related,
                children=children,
                reveal=reveal,
                workflow=panel(record, obj, request) if record.workflow else None,
                locked=workflow.edit_refusal(record, obj),
                row_actions=row_actions,
                **extra,
            ),
        )


def detail_rows(
    record: RecordType, obj: Any, user: Any, names: Any = None
) -> list[tuple[Any, Any, str]]:
    """(label, shown value, field name if the user may reveal it) of a record's fields.

    One record's page: its ID number and phone stay masked on GET whoever asks; a user who may
    see them asks for each with a separate, audited POST (RecordRevealView).
    """
    reveal = can_reveal(user)
    fields = record.detail_fields
    if names is not None:
        by_name = {f.name: f for f in fields}
        fields = [by_name[name] for name in names if name in by_name]
    rows = []
    for f in fields:
        column = Column(f.name, model_field=f)
        value = column.value(obj, reveal=False)
        revealable = bool(column.sensitive and reveal and value != "")
        rows.append((f.verbose_name, value, f.name if revealable else ""))
    return rows


class RecordRevealView(RecordView):
    """The full value of one sensitive field of one record: POST only, and audited.

    The audit row names the record and the field, never the value. GET is refused (405), so
    neither a link, a prefetch nor a crawler ever reveals anything.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not can_reveal(request.user):
            raise PermissionDenied
        obj = self.get_object()
        name = request.POST.get("field", "")
        field = next(
            (f for f in self.record_type.detail_fields if f.name == name), None
        )
        if field is None or not getattr(field, "sensitive", None):
            return HttpResponse("该字段无需查看完整信息", status=400)
        value = Column(field.name, model_field=field).value(obj, reveal=True)
        audit.record(
            AuditAction.REVEAL,
            request=request,
            obj=obj,
            changes={"field": field.name, "label": str(field.verbose_name)},
        )
        response = render(request, "core/revealed.html", {"value": value})
        response["Cache-Control"] = "no-store"
        return response


# The edit form's hidden field: the record's `updated_at` as the cadre's page showed it.
VERSION_FIELD = "record_version"

# What a cadre is told when someone else saved the record between their reading and saving it.
STALE_MESSAGE = _(
    "该记录已被他人修改，您的修改尚未保存。请核对当前内容（可在新窗口打开查看）；"
    "您填写的内容仍在下方，确认无误后再次点击“保存”。"
)

# What a unique index's refusal becomes when it comes from a race the form could not foresee
# (two cadres entering the same new ID number at the same moment): never a 500, and nothing
# said about any record the writer cannot see.
CONFLICT_MESSAGE = _(
    "保存未成功：与他人同时提交的内容冲突（例如同一证件号码或编号刚被登记）。"
    "未写入任何数据，请刷新页面核对后再提交。"
)


def record_version(obj: Any) -> str:
    stamp = getattr(obj, "updated_at", None)
    return stamp.isoformat() if stamp is not None else ""


class StaleRecord(Exception):
    """The record changed since the edit page was read; carries its version now."""

    def __init__(self, current: str) -> None:
        super().__init__(current)
        self.current = current


class RecordEditView(RecordView):
    """Create (no pk) or update (pk) through the record type's form, audited.

    An edit carries the record's version (`updated_at`) in a hidden field; the save locks the
    row and compares it, so of two cadres editing the same record the second is told instead
    of silently overwriting the first (issue 12, finding 7). A post without the field (an old
    page, a script) is not checked.
    """

    template_name = "core/record_form.html"

    def form(self, obj: Any) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        form = self.record_type.form_class(data, instance=obj, user=self.request.user)
        if obj is not None and record_version(obj):
            form.fields[VERSION_FIELD] = forms.CharField(
                required=False, widget=forms.HiddenInput, initial=record_version(obj)
            )
        return form

    def check_version(self, form: Any, obj: Any) -> None:
        """Lock the record and refuse the save if it is no longer the version the page showed."""
        seen = form.cleaned_data.get(VERSION_FIELD) if VERSION_FIELD in form.fields else ""
        if not seen:
            return
        stamp = (
            type(obj)._base_manager.select_for_update()
            .filter(pk=obj.pk).values_list("updated_at", flat=True).first()
        )
        current = stamp.isoformat() if stamp is not None else ""
        if current != seen:
            raise StaleRecord(current)

    def instance(self) -> Any:
        return self.get_object() if "pk" in self.kwargs else None

    def locked(self, obj: Any) -> HttpResponse | None:
        """A record whose workflow state forbids editing: back to its page, with the reason."""
        reason = workflow.edit_refusal(self.record_type, obj) if obj is not None else None
        if reason is None:
            return None
        messages.error(self.request, reason)
        return redirect(self.record_type.url_name("detail"), pk=obj.pk)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.instance()
        if refused := self.locked(obj):
            return refused
        return render(request, self.template_name, self.context(object=obj, form=self.form(obj)))

    def save(self, form: Any, obj: Any) -> Any:
        record = self.record_type
        if record.workflow is None:
            return form.save()
        if obj is None:
            saved = form.save()
            workflow.record_created(saved, actor=self.request.user)
            return saved
        if reason := workflow.lock_editable(record, obj, actor=self.request.user):
            raise ValidationError(reason)
        saved = form.save(commit=False)
        # Never the state column: a transition may have claimed it since the form was read.
        saved.save(update_fields=workflow.editable_fields(record))
        form.save_m2m()
        return saved

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.instance()
        if refused := self.locked(obj):
            return refused
        before = audit.snapshot(obj) if obj is not None else {}
        form = self.form(obj)
        if not form.is_valid():
            return render(
                request, self.template_name, self.context(object=obj, form=form), status=400
            )
        try:
            with transaction.atomic():
                if obj is not None:
                    self.check_version(form, obj)
                saved = self.save(form, obj)
                after = audit.snapshot(saved)
                action = AuditAction.UPDATE if obj is not None else AuditAction.CREATE
                audit.record(action, request=request, obj=saved, changes=audit.diff(before, after))
        except StaleRecord as stale:
            # Nothing written; the cadre's input stays on the form, which now carries the
            # current version, so a second 保存 after checking is a deliberate overwrite.
            form.data = form.data.copy()
            form.data[VERSION_FIELD] = stale.current
            form.add_error(None, STALE_MESSAGE)
            return render(
                request, self.template_name, self.context(object=obj, form=form), status=409
            )
        except ValidationError as exc:
            # A workflow refused (e.g. already a member elsewhere): nothing was written.
            form.add_error(None, exc)
            return render(
                request, self.template_name, self.context(object=obj, form=form), status=400
            )
        except IntegrityError:
            form.add_error(None, CONFLICT_MESSAGE)
            return render(
                request, self.template_name, self.context(object=obj, form=form), status=400
            )
        next_url = getattr(form, "success_url", None)
        if next_url:
            # The form made something other than the record (a transfer request, say).
            messages.success(request, str(getattr(form, "success_message", _("已提交"))))
            return redirect(next_url)
        messages.success(request, _("已保存：%(name)s") % {"name": saved})
        return redirect(self.record_type.url_name("detail"), pk=saved.pk)


class RecordCreateView(RecordEditView):
    action = "add"


class RecordUpdateView(RecordEditView):
    action = "change"


class RecordDeleteView(RecordView):
    action = "delete"
    template_name = "core/record_confirm_delete.html"

    def blocker(self, obj: Any) -> str | None:
        if reason := workflow.edit_refusal(self.record_type, obj):
            return reason
        check = getattr(obj, "delete_blocker", None)
        return check() if check else None

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object()
        return render(
            request, self.template_name, self.context(object=obj, blocker=self.blocker(obj))
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object()
        reason = self.blocker(obj)
        if reason is None:
            try:
                with transaction.atomic():
                    # A workflow record: locked, and still in a state that may be deleted.
                    reason = workflow.lock_editable(self.record_type, obj, actor=request.user)
                    if reason is None:
                        before = audit.snapshot(obj)
                        name, obj_pk = str(obj), obj.pk
                        obj.delete()
                        obj.pk = obj_pk  # keep the id for the audit row
                        audit.record(
                            AuditAction.DELETE,
                            request=request,
                            obj=obj,
                            changes=audit.diff(before, {}),
                        )
            except ProtectedError:
                reason = _("仍有其他记录引用它，不能删除")
        if reason is not None:
            messages.error(request, _("无法删除：%(reason)s") % {"reason": reason})
            return redirect(self.record_type.url_name("detail"), pk=pk)
        messages.success(request, _("已删除：%(name)s") % {"name": name})
        return redirect(self.record_type.url_name("list"))


class RecordExportView(RecordView):
    """The current filter of the list page as an .xlsx, streamed from disk, audited."""

    def get(self, request: HttpRequest) -> FileResponse:
        record = self.record_type
        filterset, _sort, queryset = self.filtered()
        scope_org = filterset.form.cleaned_data.get("org") if filterset.is_bound else None
        scope_org = scope_org or getattr(request.user, "org", None)
        reveal = can_reveal(request.user)
        for_import = request.GET.get("layout") == "import"
        if for_import and not may_export_for_import(record, request.user):
            raise PermissionDenied
        with replica_reads():  # a no-op unless a read replica is configured
            if for_import:
                # The import template's columns: corrected in Excel, it imports back.
                path, count = write_import_layout(
                    record, queryset, user=request.user, scope_org=scope_org, reveal=reveal
                )
            else:
                path, count = write_xlsx(record, queryset, scope_org=scope_org, reveal=reveal)
        changes: dict[str, Any] = {
            "filter": audit.filter_payload(request.GET, {*filterset.form.fields, "sort"}),
            "rows": count,
        }
        if for_import:
            # Whole ID numbers and phones left the system: the audit row says so.
            changes |= {"layout": "导入模板", "unmasked": reveal}
        audit.record(
            AuditAction.EXPORT,
            request=request,
            object_type=record.opts.label_lower,
            changes=changes,
        )
        response = FileResponse(
            open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
            as_attachment=True,
            filename=export_filename(record, scope_org),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        path.unlink()  # the open handle keeps the data until the response is sent
        return response


class RecordAutocompleteView(RecordView):
    """`?q=` → up to 20 `{id, text}` of the records the user sees: what pickers list.

    A type that declares `picker_search` is searched by it (index-served: a name's start, its
    pinyin initials, an ID number's last digits, a code); others as their list's search box. A
    query that finds nothing may come back with the type's offer to create a record.
    """

    LIMIT = 20

    def get(self, request: HttpRequest) -> JsonResponse:
        record = self.record_type
        query = request.GET.get("q", "").strip()[:100]
        # Joined as the list joins: a record's label may name its foreign keys (a relief line
        # is named by its recipient), and twenty labels must not cost twenty queries.
        queryset = record.list_queryset(request.user)
        if record.picker_search is not None:
            # No ORDER BY: the first rows the index yields are enough, and ordering by anything
            # but the searched column would make the database read every match first.
            found = list(
                queryset.filter(record.picker_search(query)).order_by()[: self.LIMIT]
                if query else queryset.order_by()[: self.LIMIT]
            )
        else:
            filterset = record.filterset_class(
                {"q": query}, queryset=queryset, request=request
            )
            found = list(filterset.qs.order_by("pk")[: self.LIMIT])
        items = sorted(
            ({"id": obj.pk, "text": picker_label(record, obj)} for obj in found),
            key=lambda item: item["text"],
        )
        answer: dict[str, Any] = {"results": items}
        if (
            not items
            and query
            and record.picker_create is not None
            and request.user.has_perm(record.perm("add"))
        ):
            offer = record.picker_create.offer(query, request.user)
            if offer is not None:
                answer["create"] = offer
        return JsonResponse(answer)


class RecordPickerCreateView(RecordView):
    """POST: create a record from a picker's offer (`RecordType.picker_create`), audited by the
    hook; answers `{id, text}` for the picker to select, or `{error}` with status 400."""

    action = "add"
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> JsonResponse:
        record = self.record_type
        hook = record.picker_create
        if hook is None:
            raise Http404
        try:
            obj = hook.create(request.POST, request.user)
        except ValidationError as exc:
            return JsonResponse({"error": "；".join(exc.messages)}, status=400)
        return JsonResponse({"id": obj.pk, "text": picker_label(record, obj)})


def search(request: HttpRequest) -> HttpResponse:
    """The top bar's search: every record type the user may view, each through its filter set."""
    query = request.GET.get("q", "").strip()
    groups = []
    if query:
        for record in registry:
            if not (record.search_fields and record.in_search) or not request.user.has_perm(
                record.perm("view")
            ):
                continue
            filterset = record.filterset_class(
                {"q": query}, queryset=record.base_queryset(request.user), request=request
            )
            hits = list(filterset.qs.order_by("pk")[:10])
            if hits:
                groups.append((record, hits))
    template = (
        "core/search_results.html" if request.headers.get("HX-Request") else "core/search.html"
    )
    return render(request, template, {"query": query, "groups": groups})
