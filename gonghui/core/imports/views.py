"""The import pages every importable record type gets: template, upload, progress, errors.

The upload is saved under `var/imports/<job>/` and imported by the worker; the cadre watches a
progress bar, may leave and come back (their recent imports are listed on the upload page), and
downloads the error workbook when rows were rejected.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from gonghui.core.imports.models import ImportJob, ImportStatus
from gonghui.core.imports.uploads import max_upload_bytes
from gonghui.core.records.views import RecordView

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cadre(request: HttpRequest) -> Any:
    # Every page here sits behind the login middleware: the user is an account.
    return request.user


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.xls,.csv", "class": "form-control"}
        ),
    )
    all_or_nothing = forms.BooleanField(
        label=_("全部正确才导入（有任何一行错误则不写入）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("文件太大（上限 %(mb)d MB）") % {"mb": max_upload_bytes() // 2**20}
            )
        if Path(upload.name).suffix.lower() not in {".xlsx", ".xls", ".csv"}:
            raise forms.ValidationError(_("只能导入 .xlsx、.xls 或 .csv 文件"))
        return upload


def queue_upload(form: UploadForm, *, record_slug: str, user: Any) -> ImportJob:
    """Store a valid upload and queue its import job for the worker (a record type's import,
    or a child-row import into one parent: `record_slug` tells the worker which)."""
    upload = form.cleaned_data["file"]
    job = ImportJob(
        record_slug=record_slug,
        user=user,
        filename=Path(upload.name).name[:255],
        all_or_nothing=form.cleaned_data["all_or_nothing"],
    )
    folder = Path(settings.IMPORT_DIR) / str(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    # The stored name is ours; the cadre's file name is kept only as a label.
    target = folder / f"upload{Path(upload.name).suffix.lower()}"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job.path = str(target)
    from gonghui.core.imports.tasks import import_file

    with transaction.atomic():
        job.save()
        # Enqueue only once the job row is committed, or the worker may not find it.
        transaction.on_commit(lambda: import_file.enqueue(str(job.pk)))
    return job


class RecordImportView(RecordView):
    action = "add"
    template_name = "core/import.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(UploadForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(form, status=400)
        job = queue_upload(form, record_slug=self.record_type.slug, user=cadre(request))
        return redirect("import-job", pk=job.pk)

    def page(self, form: UploadForm, status: int = 200) -> HttpResponse:
        jobs = ImportJob.objects.filter(
            user=cadre(self.request), record_slug=self.record_type.slug
        )[:10]
        spec = self.record_type.import_spec
        return render(
            self.request, self.template_name,
            self.context(form=form, jobs=jobs, spec=spec), status=status,
        )


class RecordImportTemplateView(RecordView):
    action = "add"

    def get(self, request: HttpRequest) -> FileResponse:
        from gonghui.core.imports.workbooks import write_template

        spec = self.record_type.import_spec
        if spec is None:
            raise Http404
        buffer = io.BytesIO()
        # With the 组织编码 sheet: the organisations this user sees, which code columns take.
        write_template(buffer, spec, user=request.user)
        buffer.seek(0)
        return FileResponse(buffer, as_attachment=True, filename=f"{spec.title}.xlsx",
                            content_type=XLSX)


def _own_job(request: HttpRequest, pk: str) -> ImportJob:
    # A job is its uploader's: anyone else gets the same 404 as for a job that never was.
    return get_object_or_404(ImportJob.objects.filter(user=cadre(request)), pk=pk)


def import_job(request: HttpRequest, pk: str) -> HttpResponse:
    job = _own_job(request, pk)
    from gonghui.core.records.children import parse_import_slug
    from gonghui.core.records.registry import registry

    template = "core/import_progress.html" if request.headers.get("HX-Request") else (
        "core/import_job.html"
    )
    # Rows imported into one parent (`activities/7/participants`): the pages lead back there.
    target = parse_import_slug(job.record_slug)
    record = registry[target[0] if target else job.record_slug]
    child = record.child(target[2]) if target else None
    return render(request, template, {
        "job": job,
        "record": record,
        "child": child,
        "parent_pk": target[1] if target else None,
        "progress": cache.get(job.progress_key) or {},
        "finished": job.status in {ImportStatus.DONE, ImportStatus.FAILED},
    })


def import_job_errors(request: HttpRequest, pk: str) -> FileResponse:
    job = _own_job(request, pk)
    if not job.error_workbook or not Path(job.error_workbook).is_file():
        raise Http404
    stem = Path(job.filename).stem
    return FileResponse(open(job.error_workbook, "rb"),
                        as_attachment=True, filename=f"{stem}-错误明细.xlsx", content_type=XLSX)
