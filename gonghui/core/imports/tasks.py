"""Background tasks: an uploaded file imported by the worker while the cadre does other things."""

from __future__ import annotations

from pathlib import Path

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from gonghui.core.imports.engine import run_import
from gonghui.core.imports.models import ImportJob, ImportStatus
from gonghui.core.imports.spec import ImportRejected
from gonghui.core.records.registry import registry


@task()
def import_file(job_id: str) -> None:
    """Run one ImportJob; the job row says how it ended, the cache how far it got."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    record = registry[job.record_slug]
    path = Path(job.path)

    def progress(phase: str, done: int, total: int) -> None:
        cache.set(job.progress_key, {"phase": phase, "done": done, "total": total}, 86400)

    try:
        result = run_import(
            record.import_spec,  # type: ignore[arg-type]
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
