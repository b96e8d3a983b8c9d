"""The web import as a cadre uses it: template, upload, the worker, progress, error workbook."""

from __future__ import annotations

import datetime
import io
import random
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from gonghui.core.imports.models import ImportJob, ImportStatus
from gonghui.core.text.identifiers import make_id_number
from gonghui.people.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = ["姓名", "身份证号", "所属工会编码", "入会日期"]


def workbook(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate([HEADERS, *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()


def good_id(seed: int) -> str:
    return make_id_number(random.Random(seed), area_code="370285",
                          birth_date=datetime.date(1988, 8, 8), sex="F")


def upload(client, name: str, data: bytes, **extra: object):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("members-import"),
                       {"file": SimpleUploadedFile(name, data), **extra})


def run_worker() -> None:
    call_command("worker", "--batch")


def test_template_download_has_the_fixed_headers(federation, login):
    response = login("town_a_cadre").get(reverse("members-import-template"))
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(
        io.BytesIO(b"".join(response.streaming_content))
    ).get_sheet_by_index(0).to_python()
    headers = next(row for row in rows if "姓名" in row)
    assert headers[:4] == ["姓名", "身份证号", "手机号", "所属工会编码"]


def test_upload_runs_in_the_background_and_reports(federation, login, settings, tmp_path):
    settings.IMPORT_DIR = tmp_path
    client = login("town_a_cadre")
    data = workbook([
        ["王芳", good_id(1), "A-1", "2018-05-01"],
        ["李娜", good_id(2), "B-1", "2018-05-01"],  # town B: not the cadre's
        ["赵敏", "12345", "A-2", "2018-05-01"],
    ])
    response = upload(client, "名单.xlsx", data)
    job = ImportJob.objects.get(filename="名单.xlsx")
    assert response.status_code == 302
    assert response["Location"] == reverse("import-job", args=[job.pk])
    assert job.status == ImportStatus.QUEUED
    page = client.get(reverse("import-job", args=[job.pk]))
    assert "排队中" in page.content.decode()

    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.read, job.created, job.rejected) == (3, 1, 2)
    assert Membership.objects.filter(person__name="王芳", org=federation.union_a1).exists()
    assert not Membership.objects.filter(person__name="李娜").exists()

    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "新增 1 行" in page and "拒绝 2 行" in page
    errors = client.get(reverse("import-job-errors", args=[job.pk]))
    rows = CalamineWorkbook.from_filelike(
        io.BytesIO(b"".join(errors.streaming_content))
    ).get_sheet_by_index(0).to_python()
    assert rows[0][-1] == "错误原因"
    assert [row[0] for row in rows[1:]] == ["李娜", "赵敏"]
    assert "不是您管辖范围内" in rows[1][-1]


def test_someone_elses_import_is_not_found(federation, login, settings, tmp_path):
    settings.IMPORT_DIR = tmp_path
    data = workbook([["王芳", good_id(1), "A-1", "2018-05-01"]])
    upload(login("town_a_cadre"), "名单.xlsx", data)
    job = ImportJob.objects.get(filename="名单.xlsx")
    other = login("city_admin")
    assert other.get(reverse("import-job", args=[job.pk])).status_code == 404
    assert other.get(reverse("import-job-errors", args=[job.pk])).status_code == 404


def test_a_file_that_is_not_excel_is_refused_up_front(federation, login, settings, tmp_path):
    settings.IMPORT_DIR = tmp_path
    client = login("town_a_cadre")
    response = upload(client, "名单.txt", b"hello")
    assert response.status_code == 400
    assert "只能导入" in response.content.decode()
    # A text file renamed .xlsx passes the form but the worker refuses it without parsing.
    upload(client, "名单.xlsx", b"not a spreadsheet at all")
    run_worker()
    job = ImportJob.objects.get(filename="名单.xlsx")
    assert job.status == ImportStatus.FAILED
    assert "不是有效的Excel文件" in job.message
    assert "导入失败" in client.get(reverse("import-job", args=[job.pk])).content.decode()


def test_all_or_nothing_from_the_page(federation, login, settings, tmp_path):
    settings.IMPORT_DIR = tmp_path
    client = login("town_a_cadre")
    data = workbook([["王芳", good_id(1), "A-1", "2018-05-01"],
                     ["赵敏", "12345", "A-2", "2018-05-01"]])
    upload(client, "名单.xlsx", data, all_or_nothing="on")
    run_worker()
    job = ImportJob.objects.get(filename="名单.xlsx")
    assert (job.created, job.rejected) == (0, 1)
    assert not Membership.objects.filter(person__name="王芳").exists()


def test_the_chair_may_import_members_but_not_organisations(federation, login):
    client = login("chair_a1")
    assert client.get(reverse("members-import")).status_code == 200
    assert client.get(reverse("orgs-import")).status_code == 403
    assert Path(reverse("orgs-import-template")).name == "template"


# --- issue 12, finding 2: the reader runs in a child process (security.md row 28) ------------


def _needs_a_shared_database() -> None:
    from gonghui.core.imports.tasks import in_child_process

    if not in_child_process():
        pytest.skip("the SQLite lane's in-memory database cannot be shared with a child process")


def test_a_reader_crash_leaves_the_worker_serving_the_next_job(
    federation, login, settings, tmp_path, monkeypatch
):
    """The reader aborts the process (as calamine does when an allocation fails): the job is
    marked failed in Chinese, and the same worker goes on to import the next file."""
    _needs_a_shared_database()
    import os

    from gonghui.core.imports import uploads
    from gonghui.core.imports.models import ImportJob, ImportStatus
    from gonghui.core.imports.tasks import DIED_MESSAGE

    settings.IMPORT_DIR = tmp_path
    real_open_sheet = uploads.open_sheet

    def crashing_open_sheet(path, kind):  # type: ignore[no-untyped-def]
        if "crash" in ImportJob.objects.get(path=str(path)).filename:
            os.abort()
        return real_open_sheet(path, kind)

    monkeypatch.setattr(uploads, "open_sheet", crashing_open_sheet)
    client = login("town_a_cadre")
    upload(client, "crash.xlsx", workbook([["张三", good_id(1), "A-1", "2020-01-01"]]))
    upload(client, "next.xlsx", workbook([["李四", good_id(2), "A-1", "2020-01-01"]]))
    run_worker()  # in this very process: had the abort reached it, the test would be gone
    crashed = ImportJob.objects.get(filename="crash.xlsx")
    following = ImportJob.objects.get(filename="next.xlsx")
    assert crashed.status == ImportStatus.FAILED and crashed.message == DIED_MESSAGE
    assert following.status == ImportStatus.DONE and following.created == 1


def test_the_memory_limit_ends_the_child_not_the_worker(
    federation, login, settings, tmp_path, monkeypatch
):
    _needs_a_shared_database()
    from gonghui.core.imports import uploads
    from gonghui.core.imports.models import ImportJob, ImportStatus

    settings.IMPORT_DIR = tmp_path
    settings.GONGHUI_IMPORT_MEMORY_MB = 1024

    def greedy_open_sheet(path, kind):  # type: ignore[no-untyped-def]
        hoard = bytearray(4 * 1024**3)  # what a far-cell sheet makes the reader ask for
        return 0, iter([hoard])

    monkeypatch.setattr(uploads, "open_sheet", greedy_open_sheet)
    upload(login("town_a_cadre"), "big.xlsx", workbook([["张三", good_id(1), "A-1", "2020-01-01"]]))
    run_worker()
    job = ImportJob.objects.get(filename="big.xlsx")
    assert job.status == ImportStatus.FAILED
    assert job.message and not job.message.isascii()


def test_serve_starts_a_dead_worker_again(tmp_path) -> None:
    import sys
    import time

    from gonghui.core.management.commands.serve import WorkerKeeper

    marker = tmp_path / "starts"
    script = f"open({str(marker)!r}, 'a').write('x')"
    keeper = WorkerKeeper([sys.executable, "-c", script], interval=0.1)
    keeper.start()
    try:
        deadline = time.monotonic() + 20
        while keeper.restarts < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        keeper.stop()
    assert keeper.restarts >= 2
    assert len(marker.read_text()) >= 2  # the first run and at least one restart ran
