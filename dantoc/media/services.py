"""Writes of the media pipeline: accept an upload (checked by content and size, stored with
its checksum), and make its derivatives (in the task worker: services announce
``media.asset_waiting`` after commit and ``MediaConfig.ready`` connects it to
``media.tasks.on_asset_waiting``, which queues the work; services never import their tasks).

Uploads are not de-duplicated by checksum. Each upload is its own asset because each has its
own owner and life: an article's image removed by one editor must not vanish from another
article that happened to use the same photo, and sharing would need reference counting for
little gain (the checksum is kept, so duplicates can be found and merged later if storage
ever matters).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dantoc.audit.services import audit_record
from dantoc.core.events import announce
from dantoc.media.models import MediaAsset, MediaKind, MediaState
from dantoc.media.probe import BombError, ProbeError, detect
from dantoc.media.processing import asset_process

_CHUNK = 1024 * 1024

__all__ = ["asset_delete", "asset_process", "asset_process_enqueue", "asset_retry", "asset_upload"]

# Announced after commit with the id of an asset whose derivatives are to be made.
ASSET_WAITING_EVENT = "media.asset_waiting"

KIND_LABELS = {
    MediaKind.IMAGE: "JPEG, PNG, WebP, GIF",
    MediaKind.AUDIO: "MP3, M4A, OGG/Opus, WAV, FLAC",
    MediaKind.VIDEO: "MP4, WebM, 3GP, MOV",
    MediaKind.DOCUMENT: "PDF, EPUB, DOCX, XLSX",
}


def max_bytes_for(kinds: Iterable[str]) -> int:
    """The configured size limit for the largest of ``kinds``."""
    limits = {
        MediaKind.IMAGE: settings.MEDIA_MAX_IMAGE_BYTES,
        MediaKind.AUDIO: settings.MEDIA_MAX_AUDIO_BYTES,
        MediaKind.VIDEO: settings.MEDIA_MAX_VIDEO_BYTES,
        MediaKind.DOCUMENT: settings.MEDIA_MAX_DOCUMENT_BYTES,
    }
    return max(limits[kind] for kind in kinds)


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def _copy_checked(file, target: Path, *, name: str, max_bytes: int) -> tuple[str, int]:
    """Copy ``file`` to ``target``, hashing it; stop as soon as it passes ``max_bytes`` (the
    declared size of an upload is not trusted)."""
    digest = hashlib.sha256()
    size = 0
    if hasattr(file, "seek"):
        file.seek(0)
    with target.open("wb") as out:
        while chunk := file.read(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise ValidationError(
                    _("Tệp “%(name)s” vượt quá dung lượng cho phép %(limit)s.")
                    % {"name": name, "limit": _human(max_bytes)},
                    code="too_large",
                )
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        raise ValidationError(_("Tệp “%(name)s” rỗng.") % {"name": name}, code="empty")
    return digest.hexdigest(), size


def asset_upload(
    *,
    actor,
    file,
    allowed_kinds: Iterable[str],
    max_bytes: int | None = None,
    owner_unit=None,
    process: bool = True,
) -> MediaAsset:
    """Keep an uploaded file as a new asset after checking what it really is and its size,
    and queue its derivatives (after commit). Raises ValidationError with a message for the
    uploader when the file is refused."""
    allowed = tuple(MediaKind(kind) for kind in allowed_kinds)
    limit = max_bytes if max_bytes is not None else max_bytes_for(allowed)
    name = Path(getattr(file, "name", "") or "").name[:255]
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise ValidationError(
            _("Tệp “%(name)s” dung lượng %(size)s, vượt quá mức cho phép %(limit)s.")
            % {"name": name, "size": _human(declared), "limit": _human(limit)},
            code="too_large",
        )
    with tempfile.TemporaryDirectory(prefix="dantoc-upload-") as folder:
        local = Path(folder) / "original"
        sha256, size = _copy_checked(file, local, name=name, max_bytes=limit)
        try:
            found = detect(local)
        except BombError as exc:
            raise ValidationError(str(exc), code="too_many_pixels") from exc
        except ProbeError as exc:
            raise ValidationError(
                _("Tệp “%(name)s” bị hỏng: %(reason)s") % {"name": name, "reason": exc},
                code="damaged",
            ) from exc
        if found is None or found.kind not in allowed:
            raise ValidationError(
                _(
                    "Tệp “%(name)s” không phải định dạng được nhận (nội dung tệp được kiểm tra, "
                    "không dựa vào tên tệp). Chỉ nhận: %(kinds)s."
                )
                % {"name": name, "kinds": "; ".join(KIND_LABELS[k] for k in allowed)},
                code="bad_type",
            )
        needs_work = found.kind != MediaKind.DOCUMENT
        with transaction.atomic():
            asset = MediaAsset(
                original_name=name,
                sha256=sha256,
                bytes=size,
                kind=found.kind,
                mime_type=found.mime_type,
                extension=found.extension,
                width=found.width,
                height=found.height,
                duration_ms=found.duration_ms,
                state=MediaState.WAITING if needs_work else MediaState.READY,
                progress=0 if needs_work else 100,
                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
                owner_unit=owner_unit,
                created_at=timezone.now(),
            )
            with local.open("rb") as handle:
                asset.file.save("original", File(handle), save=False)
            asset.save()
            stored = asset.file.name
            audit_record(
                actor=actor,
                action="media.asset_upload",
                obj=asset,
                unit=owner_unit,
                after={
                    "uuid": str(asset.uuid),
                    "kind": asset.kind,
                    "mime_type": asset.mime_type,
                    "bytes": asset.bytes,
                    "sha256": asset.sha256,
                    "file": stored,
                },
            )
            if needs_work and process:
                asset_process_enqueue(asset_id=asset.pk)
    return asset


def asset_process_enqueue(*, asset_id: int) -> None:
    """Queue the derivatives of an asset once the current transaction commits."""
    announce(ASSET_WAITING_EVENT, asset_id=asset_id)


def asset_retry(*, actor, asset: MediaAsset) -> MediaAsset:
    """Queue a failed asset again (after ffmpeg was installed or a limit raised)."""
    with transaction.atomic():
        asset = MediaAsset.objects.select_for_update().get(pk=asset.pk)
        if asset.state != MediaState.FAILED:
            return asset
        before = {"state": asset.state, "failure_reason": asset.failure_reason}
        asset.state = MediaState.WAITING
        asset.progress = 0
        asset.failure_reason = ""
        asset.save(update_fields=["state", "progress", "failure_reason"])
        audit_record(
            actor=actor,
            action="media.asset_retry",
            obj=asset,
            unit=asset.owner_unit,
            before=before,
            after={"state": asset.state},
        )
        asset_process_enqueue(asset_id=asset.pk)
    return asset


def asset_delete(*, actor, asset: MediaAsset) -> None:
    """Remove an asset, its derivatives and their files (the files after commit)."""
    names = [asset.file.name] + [d.file.name for d in asset.derivatives.all()]
    storage = asset.file.storage
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="media.asset_delete",
            obj=asset,
            unit=asset.owner_unit,
            before={"uuid": str(asset.uuid), "sha256": asset.sha256, "file": asset.file.name},
        )
        asset.delete()
        transaction.on_commit(lambda: [storage.delete(n) for n in names if n], robust=True)
