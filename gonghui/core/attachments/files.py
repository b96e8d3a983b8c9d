"""Attachment files: refuse unsafe uploads, re-encode images, keep the files under var/.

security.md row 31. An upload is refused, with a Chinese message a cadre can act on, when it is
empty or over the size limit; when its extension is not one its kind accepts; when it is a web
page, SVG or script (whatever it is called); when its content does not back up its extension
(magic bytes); when a PDF carries JavaScript, launch actions, embedded files or forms, or is
encrypted (its objects could not be checked); when an Office file carries macros or controls; and
when an image is corrupt or has more pixels than `MAX_PIXELS` (a decompression bomb is refused
from its header, before any pixel is decoded).

Every image is decoded and written again by Pillow: EXIF (camera, GPS position, time) and every
other metadata block are dropped, the EXIF orientation is applied to the pixels, the long side is
bounded by `MAX_SIDE`, and a thumbnail is made. So what is served is always a plain image that
Pillow wrote, never the bytes that were uploaded.

Files live under `settings.GONGHUI_ATTACHMENT_ROOT` (var/attachments by default), which no URL
maps: they are served only by the scoped views. A stored file is named by a random token; the
uploaded name is kept only as a label for the download.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import secrets
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from gonghui.core.attachments.kinds import EXTENSIONS, AttachmentKind
from gonghui.core.imports.uploads import ENCRYPTED_PACKAGE, OLE2_MAGIC, ZIP_MAGIC

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# A 50-megapixel phone photo fits; a header claiming more is refused before decoding.
MAX_PIXELS = 64_000_000
MAX_SIDE = 2560
THUMBNAIL_SIDE = 400
JPEG_QUALITY = 85
SNIFF_BYTES = 1024
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_UNCOMPRESSED = 512 * 1024 * 1024
# Inflating a PDF's streams to look inside them stops here: more is refused, not skipped.
MAX_PDF_INFLATED = 256 * 1024 * 1024

PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}
# Names that are active content whatever else they are: refused with their own message rather
# than "not an accepted type", so that a cadre knows it is the content, not the spelling.
ACTIVE_EXTENSIONS = {
    ".svg", ".svgz", ".html", ".htm", ".xhtml", ".shtml", ".mht", ".mhtml", ".xml", ".xsl",
    ".js", ".mjs", ".hta", ".swf", ".exe", ".bat", ".cmd", ".vbs", ".ps1", ".sh", ".jar",
    ".docm", ".xlsm", ".dotm", ".xltm",
}
MARKUP_STARTS = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body",
                 b"<iframe", b"<!--", b"<meta", b"<a ", b"<img", b"<div", b"<?php")
# PDF name tokens that run code, open other programs or carry files and forms.
PDF_ACTIVE = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData|GoToE)"
    rb"(?=[\s/<>\[\]()%{}]|$)"
)
PDF_ENCRYPT = re.compile(rb"/Encrypt(?=[\s/<>\[\]()%{}]|$)")
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")

MESSAGE_ACTIVE = "不接受网页（HTML）、SVG、脚本或可执行文件：这类文件可能含有会自动运行的内容"
MESSAGE_MISMATCH = "文件内容与扩展名不符"
MESSAGE_BROKEN_IMAGE = "图片已损坏或格式无法识别，请重新拍摄或另存后再上传"


class AttachmentRejected(Exception):
    """An upload refused; `message` is the Chinese reason shown to the cadre."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StoredFile:
    """A checked file in storage, with what the attachment row records of it."""

    file: str  # relative to the storage root
    thumbnail: str  # "" for a file without one
    name: str  # the label for downloads: the uploaded name's stem, the stored type's extension
    media_type: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None


def max_bytes() -> int:
    return int(getattr(settings, "GONGHUI_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES))


def storage_root() -> Path:
    return Path(settings.GONGHUI_ATTACHMENT_ROOT)


def stored_path(relative: str) -> Path:
    """The absolute path of a stored file; never outside the root, whatever the row says."""
    root = storage_root().resolve()
    path = (root / relative).resolve()
    if not relative or not path.is_relative_to(root) or path == root:
        raise FileNotFoundError(relative)
    return path


def remove_stored(names: Iterable[str]) -> None:
    for relative in names:
        if not relative:
            continue
        with contextlib.suppress(FileNotFoundError):
            stored_path(relative).unlink(missing_ok=True)


def display_name(uploaded: str) -> str:
    """The uploaded name without any folder part or control characters, at most 120 characters."""
    name = uploaded.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = stem[: 120 - len(ext) - 1] or "附件"
    return f"{stem}.{ext}" if ext else stem


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_name(kind: AttachmentKind, uploaded: str) -> str:
    """The file type ("jpg", "pdf" …) the name claims, if the kind accepts it."""
    suffix = Path(display_name(uploaded)).suffix.lower()
    if suffix in ACTIVE_EXTENSIONS:
        raise AttachmentRejected(MESSAGE_ACTIVE)
    file_type = EXTENSIONS.get(suffix)
    if file_type is None or file_type not in kind.accept:
        raise AttachmentRejected(f"“{kind.label}”只能上传 {kind.accept_label} 文件")
    return file_type


def store(kind: AttachmentKind, uploaded_name: str, chunks: Iterable[bytes]) -> StoredFile:
    """Check an upload and keep it (re-encoded if an image); `AttachmentRejected` if unsafe.

    The caller records the result in a row; if that fails, it removes the stored files.
    """
    file_type = check_name(kind, uploaded_name)
    root = storage_root()
    token = secrets.token_hex(16)
    folder = root / token[:2]
    folder.mkdir(parents=True, exist_ok=True)
    incoming = folder / f".incoming-{token}"
    try:
        size = _receive(chunks, incoming)
        head = incoming.read_bytes()[:SNIFF_BYTES] if size else b""
        _check_head(head, file_type, incoming)
        stem = Path(display_name(uploaded_name)).stem
        if file_type in PILLOW_FORMATS:
            return _store_image(incoming, file_type, folder, token, stem)
        _check_document(incoming, file_type)
        final = folder / f"{token}.{file_type}"
        os.replace(incoming, final)
        return StoredFile(
            file=final.relative_to(root).as_posix(),
            thumbnail="",
            name=f"{stem}.{file_type}",
            media_type=MEDIA_TYPES[file_type],
            size=size,
            sha256=_sha256(final),
        )
    finally:
        incoming.unlink(missing_ok=True)


def _receive(chunks: Iterable[bytes], target: Path) -> int:
    limit = max_bytes()
    size = 0
    with target.open("wb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise AttachmentRejected(f"文件过大：超过上限 {_megabytes(limit)}")
            out.write(chunk)
    if size == 0:
        raise AttachmentRejected("文件是空的，请检查后重新上传")
    return size


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _actual_type(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    return None


def _check_head(head: bytes, file_type: str, path: Path) -> None:
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if text.startswith(MARKUP_STARTS) or b"<svg" in text[:256] or b"<script" in text[:256]:
        raise AttachmentRejected(MESSAGE_ACTIVE)
    actual = _actual_type(head)
    containers = {"docx": "zip", "xlsx": "zip", "doc": "ole2", "xls": "ole2"}
    expected = containers.get(file_type, file_type)
    if actual == expected:
        return
    if actual == "ole2" and file_type in {"docx", "xlsx"} and _contains(path, ENCRYPTED_PACKAGE):
        raise AttachmentRejected("文件已加密，请取消密码后再上传")
    names = {"jpg": "JPG图片", "png": "PNG图片", "webp": "WebP图片", "gif": "GIF图片",
             "pdf": "PDF文件", "zip": "压缩包或新版Office文件", "ole2": "旧版Office文件"}
    if actual in names:
        raise AttachmentRejected(f"{MESSAGE_MISMATCH}：文件实际是{names[actual]}")
    raise AttachmentRejected(f"{MESSAGE_MISMATCH}：不是有效的{file_type.upper()}文件")


def _contains(path: Path, needle: bytes) -> bool:
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle):]
    return False


# --- documents -------------------------------------------------------------------------------


def _check_document(path: Path, file_type: str) -> None:
    if file_type == "pdf":
        _check_pdf(path.read_bytes())
    elif file_type in {"docx", "xlsx"}:
        _check_ooxml(path, file_type)
    elif _contains(path, "_VBA_PROJECT".encode("utf-16-le")):
        raise AttachmentRejected("文件含有宏，已拒绝：请另存为不含宏的文件后再上传")


def _check_pdf(data: bytes) -> None:
    """Refuse active PDF content, looking in the plain file and in every deflated stream.

    Object streams (PDF 1.5) hide dictionaries in deflated streams, and names may be spelt with
    `#xx` escapes, so both are undone before looking. An encrypted PDF is refused: its streams
    cannot be read here.
    """
    if PDF_ENCRYPT.search(data):
        raise AttachmentRejected("PDF文件已加密，请取消密码后再上传")
    budget = MAX_PDF_INFLATED
    parts = [data]
    for match in PDF_STREAM.finditer(data):
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[match.end():], budget + 1)
        except zlib.error:
            continue  # not a deflated stream (an image, or another filter): nothing to read
        budget -= len(inflated)
        if budget < 0:
            raise AttachmentRejected("PDF文件结构异常（解压后过大），已拒绝")
        parts.append(inflated)
    for part in parts:
        if PDF_ACTIVE.search(PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), part)):
            raise AttachmentRejected(
                "PDF文件含有脚本、自动动作、表单或内嵌文件，已拒绝：请用“打印为PDF”另存后再上传"
            )


def _check_ooxml(path: Path, file_type: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise AttachmentRejected(f"{MESSAGE_MISMATCH}：不是有效的Office文件") from exc
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_ZIP_UNCOMPRESSED:
        raise AttachmentRejected("文件结构异常（疑似压缩炸弹），已拒绝")
    names = {info.filename for info in infos}
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[file_type]
    if "[Content_Types].xml" not in names or main not in names:
        other = "xlsx" if file_type == "docx" else "docx"
        if {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[other] in names:
            raise AttachmentRejected(f"{MESSAGE_MISMATCH}：文件实际是 .{other} 格式")
        raise AttachmentRejected(f"{MESSAGE_MISMATCH}：不是有效的 .{file_type} 文件")
    if any(n.lower().endswith("vbaproject.bin") or "/activex/" in n.lower() for n in names):
        raise AttachmentRejected("文件含有宏或控件，已拒绝：请另存为不含宏的文件后再上传")


# --- images ----------------------------------------------------------------------------------


def _store_image(incoming: Path, file_type: str, folder: Path, token: str,
                 stem: str) -> StoredFile:
    root = storage_root()
    image, thumbnail = reencode(incoming, file_type)
    main_bytes, out_type = image
    main = folder / f"{token}.{out_type}"
    thumb = folder / f"{token}-thumb.jpg"
    main.write_bytes(main_bytes)
    thumb.write_bytes(thumbnail)
    with Image.open(io.BytesIO(main_bytes)) as written:
        width, height = written.size
    return StoredFile(
        file=main.relative_to(root).as_posix(),
        thumbnail=thumb.relative_to(root).as_posix(),
        name=f"{stem}.{out_type}",
        media_type=MEDIA_TYPES[out_type],
        size=len(main_bytes),
        sha256=hashlib.sha256(main_bytes).hexdigest(),
        width=width,
        height=height,
    )


def reencode(path: Path, file_type: str) -> tuple[tuple[bytes, str], bytes]:
    """((image bytes, "jpg" or "png"), thumbnail JPEG bytes), written by Pillow from the pixels.

    The pixel count is read from the header and checked before anything is decoded; Pillow's
    own bomb warning is an error here too. Only the first frame of an animated image is read.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=[PILLOW_FORMATS[file_type]]) as source:
                width, height = source.size
                if width * height > MAX_PIXELS:
                    raise AttachmentRejected(
                        f"图片像素过多（{width}×{height}），上限为 {MAX_PIXELS // 1_000_000} "
                        "百万像素：请缩小后再上传"
                    )
                # A JPEG can be decoded at 1/2, 1/4 or 1/8 scale: no need for every pixel.
                source.draft("RGB", (MAX_SIDE, MAX_SIDE))
                source.seek(0)
                source.load()
                picture = ImageOps.exif_transpose(source)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise AttachmentRejected(
                f"图片像素过多，上限为 {MAX_PIXELS // 1_000_000} 百万像素：请缩小后再上传"
            ) from exc
        except AttachmentRejected:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                zlib.error) as exc:
            raise AttachmentRejected(MESSAGE_BROKEN_IMAGE) from exc
    transparent = picture.mode in {"RGBA", "LA", "PA"} or (
        picture.mode == "P" and "transparency" in picture.info
    )
    picture = picture.convert("RGBA" if transparent else "RGB")
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No `exif=` and no `info` handed on: the written file holds pixels (and, for colour
    # fidelity, the ICC profile), nothing else.
    icc = picture.info.get("icc_profile")
    if transparent:
        picture.save(out, "PNG", icc_profile=icc)
        out_type = "png"
    else:
        picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, icc_profile=icc)
        out_type = "jpg"
    small = picture.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    if transparent:
        backdrop = Image.new("RGB", small.size, "white")
        backdrop.paste(small, mask=small.getchannel("A"))
        small = backdrop
    thumb = io.BytesIO()
    small.save(thumb, "JPEG", quality=80)
    return (out.getvalue(), out_type), thumb.getvalue()
