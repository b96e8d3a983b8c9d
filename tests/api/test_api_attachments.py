"""A record's attachments over the API: listed with kind, caption, size and uploader; uploaded
with the web's checks; downloaded privately; deleted with an audit row; another town's never
served. Every URL is also swept by the leak matrix (tests/core/test_leak_matrix.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from gonghui.accounts.actions import issue_token
from gonghui.core.attachments.files import stored_path
from gonghui.core.attachments.models import Attachment, attachments_of
from gonghui.core.audit.models import AuditEntry
from gonghui.core.records.registry import registry
from tests.conftest import SENTINEL_A, Federation, sample_jpeg, sample_pdf

pytestmark = pytest.mark.django_db


def files_url(pk: int, slug: str = "homes") -> str:
    return reverse(f"api-{slug}-attachments", kwargs={"pk": pk})


def file_url(pk: int, attachment: int, slug: str = "homes") -> str:
    return reverse(f"api-{slug}-attachment", kwargs={"pk": pk, "attachment": attachment})


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_upload_a_file_then_list_and_download_it(
    federation: Federation, make_persona: Any
) -> None:
    make_persona("town_a_cadre")
    client = Client(HTTP_AUTHORIZATION=f"Token {issue_token(username='town_a_cadre')}")
    home = federation.home_a
    photo = client.post(files_url(home.pk), {
        "kind": "photo", "caption": "职工书屋揭牌",
        "file": SimpleUploadedFile("书屋.jpg", sample_jpeg((80, 60)))})
    assert photo.status_code == 201, photo.content
    made = photo.json()
    item = Attachment.objects.get(pk=made["id"])
    assert (made["kind"], made["kind_label"], made["caption"]) == ("photo", "照片", "职工书屋揭牌")
    assert made["size"] == item.size and made["uploaded_by"] == "town_a_cadre"
    assert (made["width"], made["height"]) == (80, 60)
    assert item.uploaded_by is not None and item.uploaded_by.username == "town_a_cadre"
    entry = AuditEntry.objects.get(object_type="core.attachment", object_id=str(item.pk),
                                   action="create")
    assert entry.username == "town_a_cadre" and entry.changes["record_id"] == home.pk

    listing = client.get(files_url(home.pk))
    assert listing.status_code == 200
    rows = {row["id"]: row for row in listing.json()}
    assert set(rows) == set(attachments_of(home).values_list("pk", flat=True))
    assert rows[item.pk]["url"] == file_url(home.pk, item.pk)

    # The download is the stored (re-encoded) image, private and never cached.
    download = client.get(rows[item.pk]["url"], HTTP_ACCEPT="image/jpeg")
    assert download.status_code == 200
    data = body(download)
    assert data == stored_path(item.file).read_bytes()
    assert Image.open(stored_path(item.file)).size == (80, 60)
    assert download["Content-Type"] == "image/jpeg"
    assert download["Cache-Control"] == "no-store, private"
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_document_upload_and_download(federation: Federation, login: Any) -> None:
    client = login("town_a_cadre")
    election = federation.branch_objects("a")["elections"]
    kind = registry["elections"].attachments[0]
    data = sample_pdf("选举会议纪要")
    # A document is a download, whatever the client said it accepts.
    made = client.post(files_url(election.pk, "elections"), {
        "kind": kind.code, "file": SimpleUploadedFile("纪要.pdf", data)})
    assert made.status_code == 201, made.content
    doc = client.get(made.json()["url"], HTTP_ACCEPT="application/json")
    assert doc.status_code == 200
    assert doc["Content-Disposition"].startswith("attachment")
    assert body(doc) == data and doc["Cache-Control"] == "no-store, private"


def test_refused_uploads_are_400_with_the_chinese_reason_and_store_nothing(
    federation: Federation, login: Any, attachment_root: Path
) -> None:
    client = login("town_a_cadre")
    home = federation.home_a
    before = (Attachment.objects.count(), stored_files(attachment_root))
    page = client.post(files_url(home.pk), {
        "kind": "photo", "file": SimpleUploadedFile("照片.jpg", b"<html><script>x</script>")})
    assert page.status_code == 400
    assert "可能含有会自动运行的内容" in page.json()["file"][0]
    unknown = client.post(files_url(home.pk), {
        "kind": "x", "file": SimpleUploadedFile("照片.jpg", sample_jpeg())})
    assert unknown.status_code == 400 and "请选择附件类别" in unknown.json()["kind"][0]
    missing = client.post(files_url(home.pk), {"kind": "photo"})
    assert missing.status_code == 400 and missing.json()["file"] == ["请选择要上传的文件"]
    assert (Attachment.objects.count(), stored_files(attachment_root)) == before


def test_delete_removes_it_with_an_audit_row(
    federation: Federation, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login("town_a_cadre")
    attachment = federation.branch_attachments("a")["homes"]
    url = file_url(attachment.object_id, attachment.pk)
    stored = stored_path(attachment.file)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(url)
    assert response.status_code == 204
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not stored.exists()
    assert AuditEntry.objects.filter(object_type="core.attachment",
                                     object_id=str(attachment.pk), action="delete").exists()
    assert client.get(url).status_code == 404


def test_a_cadre_of_another_town_gets_404_and_never_the_bytes(
    federation: Federation, login: Any
) -> None:
    client = login("town_b_cadre")
    attachment = federation.branch_attachments("a")["homes"]
    secret = stored_path(attachment.file).read_bytes()
    count = Attachment.objects.count()
    one = file_url(attachment.object_id, attachment.pk)
    many = files_url(attachment.object_id)
    for verb, url in (("get", one), ("head", one), ("delete", one), ("get", many),
                      ("post", many)):
        response = getattr(client, verb)(url)
        assert response.status_code == 404, (verb, url)
        assert secret not in body(response) and SENTINEL_A not in body(response).decode(
            errors="ignore")
    upload = client.post(many, {"kind": "photo",
                                "file": SimpleUploadedFile("x.jpg", sample_jpeg())})
    assert upload.status_code == 404
    # Town A's attachment id under town B's own home: reached only through its own record.
    own = federation.home_b
    assert client.get(file_url(own.pk, attachment.pk)).status_code == 404
    assert client.delete(file_url(own.pk, attachment.pk)).status_code == 404
    assert Attachment.objects.count() == count
    # The control: town B downloads its own.
    mine = federation.branch_attachments("b")["homes"]
    assert client.get(file_url(mine.object_id, mine.pk)).status_code == 200
    assert client.options(files_url(mine.object_id)).status_code == 200
    assert client.options(file_url(mine.object_id, mine.pk)).status_code == 200


def reader(federation: Federation, codename: str) -> Client:
    """A town A account holding one view permission and nothing else."""
    from django.contrib.auth.models import Permission

    from gonghui.accounts.actions import create_user

    user = create_user(username="reader_a", org=federation.town_a, roles=[], password=None)
    user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client


def test_reading_needs_the_view_and_changing_the_change_permission(
    federation: Federation, login: Any
) -> None:
    home = federation.home_a
    attachment = federation.branch_attachments("a")["homes"]
    assert Client().get(files_url(home.pk)).status_code in {401, 403}
    assert login("auditor").get(files_url(home.pk)).status_code == 403
    client = reader(federation, "view_workershome")
    assert client.get(files_url(home.pk)).status_code == 200
    assert client.get(file_url(home.pk, attachment.pk)).status_code == 200
    count = Attachment.objects.count()
    upload = client.post(files_url(home.pk), {"kind": "photo",
                                              "file": SimpleUploadedFile("x.jpg", sample_jpeg())})
    assert upload.status_code == 403 and "没有修改" in upload.json()["detail"]
    assert client.delete(file_url(home.pk, attachment.pk)).status_code == 403
    assert Attachment.objects.count() == count
