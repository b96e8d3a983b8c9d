"""Attachments and photos (gonghui/core/attachments/, security.md row 31).

Uploads are refused with Chinese messages when they lie about their type, are web pages, SVG or
scripted PDFs, are too large or are decompression bombs; images are re-encoded without EXIF;
uploads, captions and deletions are audited by id; a deleted attachment's files go on commit;
`required_attachment` blocks with its message; the detail page shows a gallery and a file list.
The scoping of every attachment URL is swept by the leak matrix (tests/core/test_leak_matrix.py).
"""

from __future__ import annotations

import datetime
import io
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from PIL import Image

from gonghui.core.attachments import actions, files
from gonghui.core.attachments.files import AttachmentRejected, stored_path
from gonghui.core.attachments.kinds import DOCUMENTS, AttachmentKind, photos
from gonghui.core.attachments.models import Attachment, attachments_of
from gonghui.core.attachments.rules import captioned_photos, required_attachment
from gonghui.core.audit.models import AuditEntry
from gonghui.core.records.registry import registry
from gonghui.orgs.models import Election, HomeLevel, WorkersHome
from tests.conftest import SENTINEL_A, Federation, sample_jpeg, sample_pdf

pytestmark = pytest.mark.django_db

PHOTO = photos()
DOCUMENT = AttachmentKind("minutes", "会议纪要", accept=DOCUMENTS)


def store(kind: AttachmentKind, name: str, data: bytes) -> files.StoredFile:
    return files.store(kind, name, [data])


def refused(kind: AttachmentKind, name: str, data: bytes) -> str:
    with pytest.raises(AttachmentRejected) as caught:
        store(kind, name, data)
    return caught.value.message


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` × `height` and whose data is a few bytes: a bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def jpeg_with_exif(size: tuple[int, int] = (40, 20), orientation: int = 6) -> bytes:
    image = Image.new("RGB", size, (10, 200, 30))
    image.paste((250, 0, 0), (0, 0, size[0] // 2, size[1]))  # left half red: to see the turn
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: 6 = rotate 90° clockwise to display
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "哨兵相机软件"  # Software
    gps = exif.get_ifd(0x8825)
    gps[2] = (36.0, 4.0, 12.5)  # GPSLatitude
    gps[1] = "N"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def ooxml(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def leftover_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- refusals -------------------------------------------------------------------------------


def test_lying_extensions_are_refused(attachment_root: Path) -> None:
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    message = refused(DOCUMENT, "纪要.pdf", png.getvalue())
    assert message == "文件内容与扩展名不符：文件实际是PNG图片"
    assert "文件实际是PDF文件" in refused(PHOTO, "照片.jpg", sample_pdf("x"))
    assert "文件实际是JPG图片" in refused(PHOTO, "照片.png", sample_jpeg())
    assert "文件内容与扩展名不符" in refused(PHOTO, "照片.jpg", b"just some text, not a photo")
    assert "文件内容与扩展名不符" in refused(DOCUMENT, "纪要.docx", sample_pdf("x"))
    xlsx = ooxml({"xl/workbook.xml": b"<workbook/>"})
    assert "文件实际是 .xlsx 格式" in refused(DOCUMENT, "纪要.docx", xlsx)
    assert leftover_files(attachment_root) == []


def test_web_pages_svg_and_scripts_are_refused(attachment_root: Path) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    for kind, name, data in [
        (PHOTO, "图.svg", svg),
        (PHOTO, "图.png", svg),  # an SVG called a PNG
        (DOCUMENT, "纪要.html", html),
        (PHOTO, "照片.jpg", html),  # a web page called a photo
        (DOCUMENT, "纪要.pdf", b"\xef\xbb\xbf  <html><script>x</script></html>"),
        (DOCUMENT, "纪要.docm", ooxml({"word/document.xml": b"<w/>"})),
    ]:
        assert refused(kind, name, data) == files.MESSAGE_ACTIVE, name
    assert leftover_files(attachment_root) == []


def test_types_a_kind_does_not_accept_are_refused() -> None:
    message = refused(PHOTO, "纪要.pdf", sample_pdf("x"))
    assert message == "“照片”只能上传 JPG、PNG、WebP 文件"
    assert "只能上传" in refused(DOCUMENT, "名单.csv", b"a,b\n")


@pytest.mark.parametrize(
    "active",
    [
        b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>",
        b"<< /OpenAction << /S /Launch /F (cmd.exe) >> >>",
        b"<< /Names << /EmbeddedFiles 3 0 R >> >>",
        b"<< /S /J#61vaScript /JS (x) >>",  # a name spelt with #xx escapes
        b"<< /AcroForm << /XFA 5 0 R >> >>",
    ],
)
def test_scripted_pdfs_are_refused(active: bytes) -> None:
    pdf = b"%PDF-1.7\n1 0 obj " + active + b" endobj\n%%EOF\n"
    assert "PDF文件含有脚本" in refused(DOCUMENT, "纪要.pdf", pdf)


def test_a_script_hidden_in_a_compressed_object_stream_is_found() -> None:
    hidden = zlib.compress(b"12 0 << /S /JavaScript /JS (app.alert(1)) >>")
    pdf = (b"%PDF-1.7\n5 0 obj << /Type /ObjStm /Filter /FlateDecode /Length "
           + str(len(hidden)).encode() + b" >>\nstream\n" + hidden + b"\nendstream endobj\n%%EOF\n")
    assert "PDF文件含有脚本" in refused(DOCUMENT, "纪要.pdf", pdf)
    # The same structure without the script is accepted: the refusal is about the script.
    plain = zlib.compress(b"12 0 << /Type /Page >>")
    ok = (b"%PDF-1.7\n5 0 obj << /Filter /FlateDecode >>\nstream\n" + plain
          + b"\nendstream endobj\n%%EOF\n")
    assert store(DOCUMENT, "纪要.pdf", ok).media_type == "application/pdf"


def test_encrypted_pdf_and_macro_office_files_are_refused() -> None:
    assert "已加密" in refused(DOCUMENT, "纪要.pdf", b"%PDF-1.7\ntrailer << /Encrypt 3 0 R >>")
    macro = ooxml({"word/document.xml": b"<w/>", "word/vbaProject.bin": b"\x00" * 10})
    assert "含有宏" in refused(DOCUMENT, "纪要.docx", macro)
    assert store(DOCUMENT, "纪要.docx", ooxml({"word/document.xml": b"<w/>"})).size > 0


def test_oversized_and_empty_files_are_refused(settings: Any, attachment_root: Path) -> None:
    settings.GONGHUI_MAX_ATTACHMENT_BYTES = 2000
    big = sample_jpeg((400, 400)) + b"\x00" * 3000
    assert refused(PHOTO, "照片.jpg", big) == "文件过大：超过上限 0.0 MB"
    assert refused(DOCUMENT, "纪要.pdf", b"") == "文件是空的，请检查后重新上传"
    assert leftover_files(attachment_root) == []


def test_decompression_bombs_are_refused_from_the_header(attachment_root: Path) -> None:
    bomb = png_header_only(100_000, 100_000)
    assert len(bomb) < 200
    # Pillow itself stops at its own limit while reading the header; either way, no decoding.
    assert refused(PHOTO, "照片.png", bomb).startswith("图片像素过多")
    # Just over the limit: refused too (the limit is ours, below Pillow's own warning).
    assert "图片像素过多" in refused(PHOTO, "照片.png", png_header_only(8001, 8001))
    assert leftover_files(attachment_root) == []


def test_oversized_images_are_refused_and_large_ones_bounded() -> None:
    one_bit = io.BytesIO()
    Image.new("1", (9000, 8000)).save(one_bit, "PNG")  # 72 megapixels in a few kilobytes
    assert "图片像素过多（9000×8000）" in refused(PHOTO, "照片.png", one_bit.getvalue())
    wide = store(PHOTO, "全景.jpg", sample_jpeg((3000, 1000)))
    assert (wide.width, wide.height) == (files.MAX_SIDE, 853)
    with Image.open(stored_path(wide.thumbnail)) as thumb:
        assert max(thumb.size) == files.THUMBNAIL_SIDE


def test_a_corrupt_image_is_refused() -> None:
    broken = b"\xff\xd8\xff\xe0" + b"\x00" * 50
    assert refused(PHOTO, "照片.jpg", broken) == files.MESSAGE_BROKEN_IMAGE


# --- re-encoding and storage ----------------------------------------------------------------


def test_exif_is_stripped_and_orientation_applied() -> None:
    original = jpeg_with_exif()
    with Image.open(io.BytesIO(original)) as source:
        assert source.getexif()[0x010F] == "SecretCam"  # the control: the upload has EXIF
    stored = store(PHOTO, "照片.jpg", original)
    data = stored_path(stored.file).read_bytes()
    assert b"Exif" not in data and b"SecretCam" not in data
    assert "哨兵相机软件".encode() not in data
    with Image.open(stored_path(stored.file)) as image:
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
        # Orientation 6 turned the 40 × 20 picture upright: 20 wide, 40 high, red on top.
        assert image.size == (20, 40)
        red, green, _blue = image.convert("RGB").getpixel((10, 5))
        assert red > 200 and green < 60
    assert (stored.width, stored.height) == (20, 40)
    assert stored_path(stored.thumbnail).read_bytes().find(b"SecretCam") == -1


def test_png_with_transparency_stays_png_and_webp_becomes_jpeg() -> None:
    rgba = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(rgba, "PNG")
    assert store(PHOTO, "图标.png", rgba.getvalue()).media_type == "image/png"
    webp = io.BytesIO()
    Image.new("RGB", (30, 30), "blue").save(webp, "WEBP")
    stored = store(PHOTO, "照片.webp", webp.getvalue())
    assert stored.media_type == "image/jpeg"
    assert stored.name == "照片.jpg"


def test_stored_names_are_random_and_inside_the_root(attachment_root: Path) -> None:
    stored = store(DOCUMENT, "../../etc/passwd 纪要.pdf", sample_pdf("x"))
    path = stored_path(stored.file)
    assert path.is_relative_to(attachment_root.resolve())
    assert "纪要" not in stored.file and "passwd" not in stored.file
    assert stored.name == "passwd 纪要.pdf"  # the label keeps no folder part
    for escape in ("../outside.pdf", "/etc/passwd", ""):
        with pytest.raises(FileNotFoundError):
            stored_path(escape)


# --- the views: upload, caption, delete, audit ----------------------------------------------


def home_urls(home: WorkersHome, attachment: Attachment | None = None) -> dict[str, str]:
    record = registry["homes"]
    urls = {"panel": reverse(record.url_name("attachments"), args=[home.pk]),
            "detail": reverse(record.url_name("detail"), args=[home.pk])}
    if attachment is not None:
        kwargs = {"pk": home.pk, "attachment": attachment.pk}
        for view in ("attachment", "attachment-thumbnail", "attachment-caption",
                     "attachment-delete"):
            urls[view] = reverse(record.url_name(view), kwargs=kwargs)
    return urls


def upload(client: Client, url: str, name: str, data: bytes, kind: str = "photo",
           caption: str = "", htmx: bool = True) -> Any:
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, {"kind": kind, "caption": caption,
                             "file": SimpleUploadedFile(name, data)}, **headers)


def test_upload_is_audited_by_id_and_shown_in_the_gallery(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("chair_a1")  # a grassroots chair may change their union's workers' home
    home = federation.home_a
    response = upload(client, home_urls(home)["panel"], "王五家的活动室.jpg", jpeg_with_exif(),
                      caption="职工书屋揭牌")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="gallery"' in page and "职工书屋揭牌" in page
    attachment = attachments_of(home).get(caption="职工书屋揭牌")
    assert attachment.uploaded_by is not None and attachment.uploaded_by.username == "chair_a1"
    assert attachment.org_path == home.org_path
    entry = AuditEntry.objects.get(object_type="core.attachment", object_id=str(attachment.pk),
                                   action="create")
    assert entry.changes == {"record": "orgs.workershome", "record_id": home.pk, "kind": "photo",
                             "size": attachment.size, "sha256": attachment.sha256}
    assert entry.username == "chair_a1"
    # The thumbnail and the file are served to the uploader's subtree.
    urls = home_urls(home, attachment)
    thumb = client.get(urls["attachment-thumbnail"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert thumb["Cache-Control"] == "no-store, private"


def test_refused_upload_shows_the_chinese_message_and_stores_nothing(
    federation: Federation, login: Callable[[str], Client], attachment_root: Path
) -> None:
    client = login("town_a_cadre")
    home = federation.home_a
    before_files = set(leftover_files(attachment_root))
    before_rows = Attachment.objects.count()
    html = b"<html><script>alert(1)</script></html>"
    response = upload(client, home_urls(home)["panel"], "照片.jpg", html)
    assert response.status_code == 200
    assert "可能含有会自动运行的内容" in response.content.decode()
    assert Attachment.objects.count() == before_rows
    assert set(leftover_files(attachment_root)) == before_files
    # Without htmx: back to the detail page with the message.
    plain = upload(client, home_urls(home)["panel"], "照片.svg", b"<svg/>", htmx=False)
    assert plain.status_code == 302 and plain["Location"] == home_urls(home)["detail"]
    assert "可能含有会自动运行的内容" in client.get(plain["Location"]).content.decode()
    unknown_kind = upload(client, home_urls(home)["panel"], "照片.jpg", sample_jpeg(), kind="x")
    assert "请选择附件类别" in unknown_kind.content.decode()


def test_caption_and_delete_are_audited_and_the_file_goes_on_commit(
    federation: Federation, login: Callable[[str], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login("town_a_cadre")
    attachment = federation.branch_attachments("a")["homes"]
    urls = home_urls(federation.home_a, attachment)
    stored = [stored_path(attachment.file), stored_path(attachment.thumbnail)]
    response = client.post(urls["attachment-caption"], {"caption": "新的说明"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "新的说明" in response.content.decode()
    attachment.refresh_from_db()
    assert attachment.caption == "新的说明"
    update = AuditEntry.objects.get(object_id=str(attachment.pk), action="update")
    assert update.changes["field"] == "caption" and "新的说明" not in str(update.changes)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(urls["attachment-delete"], HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert all(path.exists() for path in stored)  # not before the commit
    for callback in callbacks:
        callback()
    assert not any(path.exists() for path in stored)
    deleted = AuditEntry.objects.get(object_id=str(attachment.pk), action="delete",
                                     object_type="core.attachment")
    assert deleted.changes["record_id"] == federation.home_a.pk
    assert SENTINEL_A not in str(deleted.changes)
    assert client.get(urls["attachment"]).status_code == 404


def test_an_attachment_of_another_record_is_404_under_this_one(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    other = WorkersHome(union=federation.union_a1, level=HomeLevel.PREFECTURE, year=2019,
                        awarded_on=datetime.date(2020, 1, 1))
    other.save()
    attachment = federation.branch_attachments("a")["homes"]
    url = reverse("homes-attachment", kwargs={"pk": other.pk, "attachment": attachment.pk})
    assert client.get(url).status_code == 404
    assert client.post(reverse("homes-attachment-delete",
                               kwargs={"pk": other.pk, "attachment": attachment.pk})
                       ).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_a_kind_holds_at_most_max_count(federation: Federation) -> None:
    one = AttachmentKind("only", "唯一文件", max_count=1)
    actions.attach(parent=federation.home_a, kind=one, name="a.pdf", chunks=[sample_pdf("1")])
    with pytest.raises(AttachmentRejected, match="最多上传 1 个"):
        actions.attach(parent=federation.home_a, kind=one, name="b.pdf", chunks=[sample_pdf("2")])
    assert attachments_of(federation.home_a).filter(kind="only").count() == 1


def test_deleting_or_moving_the_record_takes_its_attachments_along(
    federation: Federation, django_capture_on_commit_callbacks: Any
) -> None:
    home = federation.home_a
    attachment = federation.branch_attachments("a")["homes"]
    home.union = federation.union_a1a
    home.save()
    attachment.refresh_from_db()
    assert attachment.org_path == federation.union_a1a.path
    stored = stored_path(attachment.file)
    with django_capture_on_commit_callbacks(execute=True):
        home.delete()
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not stored.exists()


# --- rules for the workflow and the review --------------------------------------------------


def test_required_attachment_blocks_with_its_message(federation: Federation) -> None:
    election = Election(union=federation.union_a1, held_on=datetime.date(2021, 5, 1),
                        term_years=5, guided_by=federation.town_a)
    election.save()
    requirement = required_attachment("minutes")
    assert requirement(election) == "请先上传会议纪要"
    actions.attach(parent=election, kind=registry["elections"].attachments[0], name="纪要.pdf",
                   chunks=[sample_pdf("x")])
    assert requirement(election) is None
    # A photo of another record is not this record's minutes.
    assert required_attachment(PHOTO)(federation.home_b) is None
    assert required_attachment("certificate")(federation.home_b) == "请先上传命名文件"
    with pytest.raises(LookupError):
        required_attachment("nothing")(election)


def test_captioned_photos_are_scoped(federation: Federation, make_persona: Any) -> None:
    uncaptioned = actions.attach(parent=federation.home_a, kind=PHOTO, name="无说明.jpg",
                                 chunks=[sample_jpeg()])
    town_a = make_persona("town_a_cadre")
    homes = WorkersHome.objects.visible_to(town_a)
    picked = list(captioned_photos(homes, town_a))
    assert picked == [federation.branch_attachments("a")["homes"]]
    assert uncaptioned not in picked
    # Even a queryset of every home gives a town cadre only its own subtree's photos.
    every = WorkersHome.objects.all()
    assert list(captioned_photos(every, town_a)) == picked
    city = make_persona("city_admin")
    assert set(captioned_photos(every, city)) == {
        federation.branch_attachments(b)["homes"] for b in ("a", "b")
    }
    # Documents are not photos.
    assert list(captioned_photos(Election.objects.all(), city)) == []


# --- the page ------------------------------------------------------------------------------


def test_detail_pages_show_a_gallery_and_a_file_list(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    attachment = federation.branch_attachments("a")["homes"]
    page = client.get(home_urls(federation.home_a)["detail"]).content.decode()
    urls = home_urls(federation.home_a, attachment)
    assert 'data-testid="gallery"' in page
    assert f'src="{urls["attachment-thumbnail"]}"' in page
    assert f'href="{urls["attachment"]}"' in page
    assert attachment.caption in page
    assert "暂无命名文件" in page  # the second kind, a file list, still empty
    assert f'hx-post="{urls["panel"]}"' in page and 'enctype="multipart/form-data"' in page
    assert f'hx-post="{urls["attachment-delete"]}"' in page

    minutes = federation.branch_attachments("a")["elections"]
    election_page = client.get(
        reverse("elections-detail", args=[federation.election_a.pk])
    ).content.decode()
    assert 'data-testid="file-list"' in election_page
    assert minutes.name in election_page
    assert reverse("elections-attachment", kwargs={
        "pk": federation.election_a.pk, "attachment": minutes.pk}) in election_page
    download = client.get(reverse("elections-attachment", kwargs={
        "pk": federation.election_a.pk, "attachment": minutes.pk}))
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/pdf"

    # A record type without attachments has no panel.
    org_page = client.get(reverse("orgs-detail", args=[federation.union_a1.pk])).content.decode()
    assert 'data-testid="attachments"' not in org_page


# --- PostgreSQL: two uploads for the last place -----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_uploads_for_the_last_place_leave_one(federation: Federation) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's writers queue: one transaction at a time")
    kind = AttachmentKind("last", "最后一份", max_count=2)
    actions.attach(parent=federation.home_a, kind=kind, name="1.pdf", chunks=[sample_pdf("1")])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            actions.attach(parent=federation.home_a, kind=kind, name=f"{n}.pdf",
                           chunks=[sample_pdf(str(n))])
            outcomes.append("ok")
        except AttachmentRejected:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["full", "ok"]
    assert attachments_of(federation.home_a).filter(kind="last").count() == 2
