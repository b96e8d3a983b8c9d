"""Background tasks: an uploaded file imported by the worker while the cadre does other things."""

from __future__ import annotations

from pathlib import Path

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from gonghui.core.imports.engine import run_import
from gonghui.core.imports.models import ImportJob, ImportStatus
from gonghui.core.imports.spec import ImportRejected, ImportSpec
from gonghui.core.records.children import parse_import_slug
from gonghui.core.records.registry import registry


def job_spec(job: ImportJob) -> ImportSpec:
    """The spec a job runs: its record type's, or, for rows into one parent, the child's spec
    bound to that parent — fetched again through the uploader's scope when the job runs, so a
    parent moved out of their subtree since the upload receives nothing."""
    target = parse_import_slug(job.record_slug)
    if target is None:
        return registry[job.record_slug].import_spec  # type: ignore[return-value]
    parent_slug, pk, child_slug = target
    record = registry[parent_slug]
    child = record.child(child_slug)
    parent = record.base_queryset(job.user).filter(pk=pk).first()
    if parent is None or child.import_spec is None or not job.user.has_perm(child.perm("add")):
        raise ImportRejected("要导入的记录不存在或已不在您的管辖范围内，未写入任何数据。")
    return child.import_spec.bind(parent)


@task()
def import_file(job_id: str) -> None:
    """Run one ImportJob; the job row says how it ended, the cache how far it got."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    path = Path(job.path)

    def progress(phase: str, done: int, total: int) -> None:
        cache.set(job.progress_key, {"phase": phase, "done": done, "total": total}, 86400)

    try:
        result = run_import(
            job_spec(job),
            path,
            user=job.user,
            filename=job.filename,
            all_or_nothing=job.all_or_nothing,
            progress=progress,
        )
    except ImportRejected as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, message=exc.message, finished_at=timezone.now()
        )
        return
    except Exception:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            message="导入过程中系统出错，未写入任何数据；请稍后重试或联系管理员。",
            finished_at=timezone.now(),
        )
        raise
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.DONE,
        read=result.read,
        created=result.created,
        updated=result.updated,
        rejected=result.rejected,
        warnings=result.warnings[:500],
        message=result.summary(),
        error_workbook=str(result.error_workbook or ""),
        finished_at=timezone.now(),
    )
