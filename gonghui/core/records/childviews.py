"""The pages of child rows, all under their parent: `<parent>/<pk>/<child>/…`.

Every view fetches the parent through the parent record type's `base_queryset` (the choke
point) and the row through the parent's rows, before any permission check: a row of a parent
outside the subtree, or a row of another parent, is a 404 on every verb. Answers to htmx
requests are fragments of the parent's page (the inline table, the form); the same URLs without
JavaScript answer whole pages and redirect back to the parent.

Saving and deleting go through the kit's `save_row` / `delete_row`, which lock the parent and
the row: a row whose parent's state forbids changes, or that changed since the cadre's page
showed it (the `record_version` the form and the delete link carry), is refused in Chinese with
nothing written and the cadre's input still on the form.
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from gonghui.core.imports.models import ImportJob
from gonghui.core.records.children import (
    VERSION_FIELD,
    ChildRows,
    RowRefused,
    child_block,
    delete_row,
    import_slug,
    row_version,
    save_row,
)
from gonghui.core.records.paging import CappedPaginator
from gonghui.core.records.views import CONFLICT_MESSAGE, RecordView

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parent_link(child: ChildRows, parent: Any) -> str:
    return reverse(child.parent.url_name("detail"), args=[parent.pk]) + f"#children-{child.slug}"


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def child_form(child: ChildRows, parent: Any, row: Any, data: Any, user: Any) -> Any:
    """The child's form over a new row of `parent` (row None) or over `row`; bound to `data`."""
    instance = row if row is not None else child.new_row(parent)
    return child.form_class(data, instance=instance, user=user)


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

    def block(self, notice: str = "") -> HttpResponse:
        """The refreshed inline table, for an htmx request that changed it (or was refused:
        `notice` says why, above the table)."""
        response = render(
            self.request,
            "core/_child_rows.html",
            child_block(self.child, self.object, self.request.user, notice=notice),
        )
        response["HX-Retarget"] = f"#children-{self.child.slug}"
        response["HX-Reswap"] = "outerHTML"
        return response

    def refused(self, reason: str) -> HttpResponse:
        """Back to the parent with the reason: the inline table for htmx, a message and a
        redirect without JavaScript."""
        if is_htmx(self.request):
            return self.block(notice=reason)
        messages.error(self.request, reason)
        return redirect(parent_link(self.child, self.object))

    def state_refusal(self) -> HttpResponse | None:
        """The parent's state forbids changing its rows: no form, no import, no delete page."""
        reason = self.child.change_refusal(self.object)
        return self.refused(reason) if reason else None


class ChildRowsView(ChildView):
    """All rows of one parent, paged (the inline table shows the first ones)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if is_htmx(request):
            return self.block()
        rows_of = self.child.rows_of(self.object)
        page = CappedPaginator(rows_of, 50).get_page(request.GET.get("page"))
        rows = [(row, [(c, c.value(row)) for c in self.child.table.columns]) for row in page]
        block = child_block(self.child, self.object, request.user)
        return render(
            request,
            "core/child_rows.html",
            self.context(
                page=page,
                rows=rows,
                base_query="",
                totals=self.child.totals(self.object),
                block=block,
                # Edit and delete links only where the parent's state lets its rows change.
                can_change=block["can_change"],
            ),
        )


class ChildEditView(ChildView):
    action = "change"

    def form(self) -> Any:
        data = self.request.POST if self.request.method == "POST" else None
        instance = self.row if self.row is not None else self.child.new_row(self.object)
        form = self.child.form_class(data, instance=instance, user=self.request.user)
        if self.row is not None:
            # The row as this page shows it: the save refuses it once someone else changed it.
            form.fields[VERSION_FIELD] = forms.CharField(
                required=False, widget=forms.HiddenInput, initial=row_version(self.row)
            )
        return form

    def render_form(self, form: Any, status: int = 200) -> HttpResponse:
        template = "core/_child_form.html" if is_htmx(self.request) else "core/child_form.html"
        # htmx swaps only 2xx answers: a refused form goes back to its slot with a 200.
        status = 200 if is_htmx(self.request) else status
        return render(self.request, template, self.context(form=form, row=self.row), status=status)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if refused := self.state_refusal():
            return refused
        return self.render_form(self.form())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.form()
        valid = form.is_valid()
        if reason := self.child.change_refusal(self.object):
            # Said first and alone: the row rules would only restate it. The input stays.
            form.add_error(None, reason)
            return self.render_form(form, status=409)
        if not valid:
            return self.render_form(form, status=400)
        seen = form.cleaned_data.get(VERSION_FIELD, "") if VERSION_FIELD in form.fields else ""
        try:
            saved = save_row(
                self.child,
                self.object,
                form.save(commit=False),
                actor=request.user,
                version=seen,
                request=request,
                save_m2m=form.save_m2m,
            )
        except RowRefused as refused:
            if refused.code == "missing":
                raise Http404 from refused
            if refused.code == "stale":
                # Nothing written; the input stays, and the form now carries the current
                # version, so a second 保存 after checking is a deliberate overwrite.
                form.data = form.data.copy()
                form.data[VERSION_FIELD] = refused.current
            # A state refusal too keeps what was typed on the form: nothing is lost.
            form.add_error(None, refused.message)
            return self.render_form(form, status=409)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.render_form(form, status=400)
        except IntegrityError:
            # A unique index refused what a concurrent save just wrote (one line per person).
            form.add_error(None, CONFLICT_MESSAGE)
            return self.render_form(form, status=400)
        if is_htmx(request):
            return self.block()
        messages.success(request, _("已保存：%(name)s") % {"name": saved})
        return redirect(parent_link(self.child, self.object))


class ChildDeleteView(ChildView):
    action = "change"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if refused := self.state_refusal():
            return refused
        return render(
            request,
            "core/child_confirm_delete.html",
            self.context(row=self.row, version=row_version(self.row)),
        )

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        row = self.row
        assert row is not None  # the URL takes the row's id
        name = str(row)
        try:
            name = delete_row(
                self.child,
                self.object,
                row,
                actor=request.user,
                version=request.POST.get(VERSION_FIELD, ""),
                request=request,
            )
        except RowRefused as refused:
            if refused.code == "missing":
                raise Http404 from refused
            return self.refused(refused.message)
        except ProtectedError:
            return self.refused(_("无法删除：仍有其他记录引用它"))
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

        if refused := self.state_refusal():
            return refused
        return self.page(UploadForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from gonghui.core.imports.views import UploadForm, queue_upload

        if refused := self.state_refusal():
            return refused

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
