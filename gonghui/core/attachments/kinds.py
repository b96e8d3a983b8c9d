"""What a record type declares: the kinds of files it carries (照片, 会议纪要, 发票 …).

Plain data, imported by the registry; nothing here touches the database or the disk.
"""

from __future__ import annotations

from dataclasses import dataclass

# File types by the extension a cadre's file carries (".jpeg" is read as "jpg"). Each one has a
# content check in `files.py`; a type without one cannot be declared.
IMAGES = frozenset({"jpg", "png", "webp"})
PDF = frozenset({"pdf"})
OFFICE = frozenset({"docx", "xlsx", "doc", "xls"})
# A scan or a photo of a paper document is as common as the document itself.
DOCUMENTS = PDF | OFFICE | IMAGES

TYPE_LABELS = {
    "jpg": "JPG",
    "png": "PNG",
    "webp": "WebP",
    "pdf": "PDF",
    "docx": "Word（.docx）",
    "doc": "Word（.doc）",
    "xlsx": "Excel（.xlsx）",
    "xls": "Excel（.xls）",
}
EXTENSIONS = {
    ".jpg": "jpg",
    ".jpeg": "jpg",
    ".png": "png",
    ".webp": "webp",
    ".pdf": "pdf",
    ".docx": "docx",
    ".doc": "doc",
    ".xlsx": "xlsx",
    ".xls": "xls",
}


@dataclass(frozen=True)
class AttachmentKind:
    """One kind of attachment of a record type.

    `code` is stored on each attachment (keep it stable); `label` is what cadres read and what
    a requirement's message names. A `photo` kind is shown as a gallery with thumbnails and
    captions, and the review picks its captioned photos; other kinds are a file list.
    """

    code: str
    label: str
    accept: frozenset[str] = DOCUMENTS
    photo: bool = False
    max_count: int = 20
    hint: str = ""

    def __post_init__(self) -> None:
        unknown = self.accept - set(TYPE_LABELS)
        if unknown:
            raise ValueError(f"attachment kind {self.code!r}: unknown file types {sorted(unknown)}")
        if self.photo and not self.accept <= IMAGES:
            raise ValueError(f"attachment kind {self.code!r}: a photo kind accepts images only")
        if self.max_count < 1:
            raise ValueError(f"attachment kind {self.code!r}: max_count must be at least 1")

    @property
    def accept_label(self) -> str:
        return "、".join(TYPE_LABELS[t] for t in sorted(self.accept, key=list(TYPE_LABELS).index))

    @property
    def accept_attribute(self) -> str:
        """The file input's `accept`: a hint to the browser's picker, never the check."""
        return ",".join(ext for ext, kind in EXTENSIONS.items() if kind in self.accept)


def photos(code: str = "photo", label: str = "照片", *, max_count: int = 30,
           hint: str = "") -> AttachmentKind:
    """The common photo kind: images only, shown as a captioned gallery."""
    return AttachmentKind(code, label, accept=IMAGES, photo=True, max_count=max_count, hint=hint)
