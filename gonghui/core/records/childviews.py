"""The pages of child rows, all under their parent: `<parent>/<pk>/<child>/…`.

Every view fetches the parent through the parent record type's `base_queryset` (the choke
point) and the row through the parent's rows, before any permission check: a row of a parent
outside the subtree, or a row of another parent, is a 404 on every verb. Answers to htmx
requests are fragments of the parent's page (the inline table, the form); the same URLs without
JavaScript answer whole pages and redirect back to the parent.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
from gonghui.core.imports.models import ImportJob
from gonghui.core.records.children import ChildRows, child_block, import_slug
from gonghui.core.records.paging import CappedPaginator
from gonghui.core.records.views import RecordView

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parent_link(child: ChildRows, parent: Any) -> str:
    return reverse(child.parent.url_name("detail"), args=[parent.pk]) + f"#children-{child.slug}"


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def audit_child_row(
    child: ChildRows, parent: Any, action: str, row: Any, changes: dict[str, Any],
    *, request: HttpRequest,
) -> None:
    # The audit row names the parent: "participant 12 of activity 7" is what a reader needs.
    audit.record(
        action,
        request=request,
        obj=row,
        changes={
            **changes,
            "parent": {"type": parent._meta.label_lower, "id": parent.pk, "name": str(parent)},
        },
    )


def child_form(child: ChildRows, parent: Any, row: Any, data: Any, user: Any) -> Any:
    """The child's form over a new row of `parent` (row None) or over `row`; bound to `data`."""
    instance = row if row is not None else child.new_row(parent)
    return child.form_class(data, instance=instance, user=user)


def save_child_row(child: ChildRows, parent: Any, form: Any, *, request: HttpRequest) -> Any:
    """Save a valid child form under `parent` with its audit row, in one transaction.

    The one way a child row is written, by the pages and the API alike: `parent` was fetched
    through its record type's scope and the caller checked the parent's change permission.
    Raises `ValidationError` when a model rule refuses the row (the caller adds it to the form).
    """
    row = form.instance if form.instance.pk is not None else None
    before = audit.snapshot(type(row)._default_manager.get(pk=row.pk)) if row is not None else {}
    with transaction.atomic():
        saved = form.save(commit=False)
        # The form has no parent field; this line is the only place a row gets one.
        setattr(saved, child.parent_field, parent)
        saved.save()
        form.save_m2m()
        action = AuditAction.UPDATE if row is not None else AuditAction.CREATE
        audit_child_row(child, parent, action, saved, audit.diff(before, audit.snapshot(saved)),
                        request=request)
    return saved


def delete_child_row(child: ChildRows, parent: Any, row: Any, *, request: HttpRequest) -> None:
    """Delete one child row of `parent` with its audit row, in one transaction; the pages and
    the API alike. Raises `ProtectedError` when the row may not go (other records use it, or a
    rule of the row refuses)."""
    with transaction.atomic():
        before = audit.snapshot(row)
        row_pk = row.pk
        row.delete()
        row.pk = row_pk  # keep the id for the audit row
        audit_child_row(child, parent, AuditAction.DELETE, row, audit.diff(before, {}),
                        request=request)


class ChildView(RecordView):
    """One child record type under one parent; the parent record type is `record_type`."""

    child: ChildRows = None  # type: ignore[assignment]  # given to as_view() per URL

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Scope before permission, parent first: the same 404 as for ids that do not exist.
        self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        self.row = None
        if "child_pk" in kwargs:
            self.row = get_object_or_404(self.child.rows_of(self.object), pk=kwargs["child_pk"])
        if not request.user.has_perm(self.child.perm(self.action)):
            raise PermissionDenied
        return View.dispatch(self, request, *args, **kwargs)

    def context(self, **extra: Any) -> dict[str, Any]:
        return super().context(child=self.child, parent=self.object, **extra)

    def block(self) -> HttpResponse:
        """The refreshed inline table, for an htmx request that changed it."""
        response = render(
            self.request,
            "core/_child_rows.html",
            child_block(self.child, self.object, self.request.user),
        )
        response["HX-Retarget"] = f"#children-{self.child.slug}"
        response["HX-Reswap"] = "outerHTML"
        return response

class ChildRowsView(ChildView):
    """All rows of one parent, paged (the inline table shows the first ones)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if is_htmx(request):
            return self.block()
        rows_of = self.child.rows_of(self.object)
        page = CappedPaginator(rows_of, 50).get_page(request.GET.get("page"))
        rows = [(row, [(c, c.value(row)) for c in self.child.table.columns]) for row in page]
        return render(
            request,
            "core/child_rows.html",
            self.context(
                page=page,
                rows=rows,
                base_query="",
                totals=self.child.totals(self.object),
                block=child_block(self.child, self.object, request.user),
            ),
        )


class ChildEditView(ChildView):
    action = "change"

    def form(self) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        return child_form(self.child, self.object, self.row, data, self.request.user)

    def render_form(self, form: Any, status: int = 200) -> HttpResponse:
        template = "core/_child_form.html" if is_htmx(self.request) else "core/child_form.html"
        # htmx swaps only 2xx answers: a refused form goes back to its slot with a 200.
        status = 200 if is_htmx(self.request) else status
        return render(self.request, template, self.context(form=form, row=self.row), status=status)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render_form(self.form())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.form()
        if not form.is_valid():
            return self.render_form(form, status=400)
        try:
            saved = save_child_row(self.child, self.object, form, request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.render_form(form, status=400)
        if is_htmx(request):
            return self.block()
        messages.success(request, _("已保存：%(name)s") % {"name": saved})
        return redirect(parent_link(self.child, self.object))


class ChildDeleteView(ChildView):
    action = "change"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return render(request, "core/child_confirm_delete.html", self.context(row=self.row))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        row = self.row
        assert row is not None  # the URL takes the row's id
        name = str(row)
        try:
            delete_child_row(self.child, self.object, row, request=request)
        except ProtectedError:
            messages.error(request, _("无法删除：仍有其他记录引用它"))
            return redirect(parent_link(self.child, self.object))
        if is_htmx(request):
            return self.block()
        messages.success(request, _("已删除：%(name)s") % {"name": name})
        return redirect(parent_link(self.child, self.object))


class ChildImportView(ChildView):
    """A workbook of rows into this parent, run by the worker like every other import."""

    action = "change"

    @property
    def user(self) -> Any:
        # Behind the login middleware: an account.
        return self.request.user

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        from gonghui.core.imports.views import UploadForm

        return self.page(UploadForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from gonghui.core.imports.views import UploadForm, queue_upload

        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(form, status=400)
        job = queue_upload(form, record_slug=import_slug(self.child, self.object), user=self.user)
        return redirect("import-job", pk=job.pk)

    def page(self, form: Any, status: int = 200) -> HttpResponse:
        jobs = ImportJob.objects.filter(
            user=self.user, record_slug=import_slug(self.child, self.object)
        )[:10]
        return render(
            self.request,
            "core/child_import.html",
            self.context(form=form, jobs=jobs, spec=self.child.import_spec),
            status=status,
        )


class ChildImportTemplateView(ChildView):
    action = "change"

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        from gonghui.core.imports.workbooks import write_template

        spec = self.child.import_spec
        assert spec is not None  # the URL exists only for children that declare one
        buffer = io.BytesIO()
        write_template(buffer, spec)
        buffer.seek(0)
        return FileResponse(
            buffer, as_attachment=True, filename=f"{spec.title}.xlsx", content_type=XLSX
        )
