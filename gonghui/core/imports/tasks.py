"""Background tasks: an uploaded file imported by the worker while the cadre does other things.

Each import runs in a child process of the worker, under a memory limit (security.md row 28):
the spreadsheet reader is native code, and whatever a crafted file makes it do — allocate
hundreds of gigabytes, abort — ends that child, not the worker. The worker then marks the job
failed with a Chinese message and takes the next one. The import's own transaction dies with
the child's connection, so nothing of the file is written.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone
from django_tasks import task

from gonghui.core.imports.engine import run_import
from gonghui.core.imports.models import ImportJob, ImportStatus
from gonghui.core.imports.spec import ImportRejected, ImportSpec
from gonghui.core.records.children import parse_import_slug
from gonghui.core.records.registry import registry

DIED_MESSAGE = (
    "导入进程意外终止（文件可能异常、过大或读取时占用内存过多），未写入任何数据；"
    "请检查文件（或分成几个较小的文件）后重试，或联系管理员。"
)


def memory_limit_bytes() -> int:
    """The address-space limit of an import's child process (0: none)."""
    return int(getattr(settings, "GONGHUI_IMPORT_MEMORY_MB", 4096)) * 1024 * 1024


def in_child_process() -> bool:
    """Whether imports run in a child process: yes, unless the database lives in this
    process's memory (SQLite `:memory:` under the test runner), which a child cannot share."""
    configured = getattr(settings, "GONGHUI_IMPORT_IN_CHILD", None)
    if configured is not None:
        return bool(configured)
    database = connections["default"]
    if database.vendor == "sqlite" and getattr(database, "is_in_memory_db", bool)():
        return False
    return "fork" in multiprocessing.get_all_start_methods()


def _child(job_id: str, limit: int) -> None:
    if limit:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        run_job(job_id)
    finally:
        connections.close_all()


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
    if reason := child.change_refusal(parent):
        # The parent moved on in its workflow since the upload (submitted, paid...).
        raise ImportRejected(f"{reason}，未写入任何数据。")
    return child.import_spec.bind(parent)


@task()
def import_file(job_id: str) -> None:
    """Run one ImportJob in a child process; mark it failed if that process dies."""
    if not in_child_process():
        run_job(job_id)
        return
    # The child opens connections of its own; it must not inherit (and one day close) ours.
    connections.close_all()
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(job_id, memory_limit_bytes()), name="gonghui-import"
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        # Killed (a signal), aborted by the reader, or out of memory: the job row may still
        # say running. Only a job not yet finished is marked, so a reported failure stays.
        ImportJob.objects.filter(pk=job_id).exclude(
            status__in=[ImportStatus.DONE, ImportStatus.FAILED]
        ).update(status=ImportStatus.FAILED, message=DIED_MESSAGE, finished_at=timezone.now())


def run_job(job_id: str) -> None:
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
