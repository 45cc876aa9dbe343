"""Checks of uploaded files: the type is read from the first bytes (a renamed .exe is not a
PDF), the size from the settings. Messages are Vietnamese, shown on the editor's form."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from dantoc.media.models import MediaAsset, MediaKind
from dantoc.media.services import asset_upload


@dataclass(frozen=True)
class FileKind:
    media_type: str
    extension: str
    label: str


PDF = FileKind("application/pdf", "pdf", "PDF")
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "DOCX"
)
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "XLSX")
JPEG = FileKind("image/jpeg", "jpg", "JPEG")
PNG = FileKind("image/png", "png", "PNG")
WEBP = FileKind("image/webp", "webp", "WebP")

IMAGE_KINDS = (JPEG, PNG, WEBP)
ATTACHMENT_KINDS = (PDF, DOCX, XLSX, JPEG, PNG)


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def sniff(head: bytes, upload: UploadedFile) -> FileKind | None:
    """The kind of file whose first bytes are ``head`` (Office files are ZIP packages: their
    kind is read from the package's parts)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
    return None


def _check(upload: UploadedFile, kinds: tuple[FileKind, ...], limit: int, what: str) -> FileKind:
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("Tệp “%(name)s” dung lượng %(size)s, vượt quá mức cho phép %(limit)s.")
            % {"name": upload.name, "size": _human(upload.size), "limit": _human(limit)},
            code="too_large",
        )
    if not upload.size:
        raise ValidationError(_("Tệp “%(name)s” rỗng.") % {"name": upload.name}, code="empty")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head, upload)
    if kind is None or kind not in kinds:
        raise ValidationError(
            _("Tệp “%(name)s” không phải %(what)s hợp lệ. Chỉ nhận các định dạng: %(kinds)s.")
            % {"name": upload.name, "what": what, "kinds": ", ".join(k.label for k in kinds)},
            code="bad_type",
        )
    return kind


def check_image(upload: UploadedFile) -> FileKind:
    return _check(upload, IMAGE_KINDS, settings.PORTAL_MAX_IMAGE_BYTES, _("ảnh"))


def check_attachment(upload: UploadedFile) -> FileKind:
    return _check(upload, ATTACHMENT_KINDS, settings.PORTAL_MAX_UPLOAD_BYTES, _("tệp đính kèm"))


def image_asset_create(*, actor, upload: UploadedFile, unit) -> MediaAsset:
    """The article image as a media asset, so that phones get WebP/JPEG derivatives of the
    right width (made by the task worker after commit)."""
    return asset_upload(
        actor=actor,
        file=upload,
        allowed_kinds=[MediaKind.IMAGE],
        max_bytes=settings.PORTAL_MAX_IMAGE_BYTES,
        owner_unit=unit,
    )
