"""Making an asset's derivatives (the service the task worker runs; ``media.services``
re-exports it). Kept apart from ``services`` so that the task module can import it while
``services`` imports the task to queue it, without a cycle."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dantoc.audit.services import audit_record
from dantoc.media import derive
from dantoc.media.models import MediaAsset, MediaDerivative, MediaState
from dantoc.media.probe import ProbeError, detect

log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024


class _Progress:
    """Writes the percent done to the asset row, only when it moved by a few points (each
    write is a query; an ffmpeg run reports twice a second)."""

    def __init__(self, asset_id: int, steps: int) -> None:
        self.asset_id = asset_id
        self.steps = max(steps, 1)
        self.done = 0
        self.last = -1

    def step(self, fraction: float) -> None:
        percent = min(99, int((self.done + fraction) / self.steps * 100))
        if percent >= self.last + 5 or (fraction >= 1 and percent > self.last):
            self.last = percent
            MediaAsset.objects.filter(pk=self.asset_id).update(progress=percent)


def _fail(asset: MediaAsset, reason: str) -> MediaAsset:
    asset.state = MediaState.FAILED
    asset.failure_reason = reason[:2000]
    asset.processed_at = timezone.now()
    asset.save(update_fields=["state", "failure_reason", "processed_at"])
    audit_record(
        actor=None,
        action="media.asset_failed",
        obj=asset,
        unit=asset.owner_unit,
        after={"state": asset.state, "failure_reason": asset.failure_reason},
    )
    return asset


def asset_process(*, asset_id: int) -> MediaAsset:
    """Make the derivatives of an asset and mark it ready, or failed with the reason.

    Idempotent and safe to retry: a ready asset is left alone; each profile has one row
    (a re-run replaces the row and its file), so running twice, or after a worker died half
    way, never leaves duplicates.
    """
    with transaction.atomic():
        asset = MediaAsset.objects.select_for_update().get(pk=asset_id)
        if asset.state == MediaState.READY:
            return asset
        asset.state = MediaState.PROCESSING
        asset.progress = 0
        asset.failure_reason = ""
        asset.attempts += 1
        asset.save(update_fields=["state", "progress", "failure_reason", "attempts"])
    with tempfile.TemporaryDirectory(prefix="dantoc-media-") as folder_name:
        folder = Path(folder_name)
        original = folder / f"original.{asset.extension}"
        try:
            sha256 = _download(asset, original)
        except OSError as exc:
            log.warning("media %s: original unreadable: %s", asset.uuid, exc)
            return _fail(asset, _("Không đọc được tệp gốc trên nơi lưu trữ."))
        if sha256 != asset.sha256:
            return _fail(
                asset,
                _("Tệp gốc trên nơi lưu trữ không còn khớp mã kiểm tra SHA-256 lúc tải lên."),
            )
        try:
            found = detect(original)
            if found is None:
                raise ProbeError(_("không nhận ra định dạng"))
            steps = derive.steps_for(
                asset.kind, width=found.width, height=found.height, has_audio=found.has_audio
            )
            progress = _Progress(asset.pk, len(steps))
            made = []
            for step in steps:
                made.append(step.make(original, folder, progress.step))
                progress.done += 1
                progress.step(0)
            _check_durations(found.duration_ms, made)
        except ProbeError as exc:
            return _fail(asset, _("Không chuyển đổi được tệp: %(reason)s") % {"reason": exc})
        _store(asset, made)
    with transaction.atomic():
        asset.state = MediaState.READY
        asset.progress = 100
        asset.processed_at = timezone.now()
        asset.save(update_fields=["state", "progress", "processed_at"])
        audit_record(
            actor=None,
            action="media.asset_ready",
            obj=asset,
            unit=asset.owner_unit,
            after={"state": asset.state, "derivatives": [m.profile for m in made]},
        )
    return asset


def _download(asset: MediaAsset, target: Path) -> str:
    digest = hashlib.sha256()
    with asset.file.storage.open(asset.file.name, "rb") as source, target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _check_durations(source_ms: int | None, made: list[derive.Made]) -> None:
    """A transcode much shorter than its source read only part of a damaged file."""
    if not source_ms:
        return
    for item in made:
        if item.duration_ms is not None and item.duration_ms < source_ms * 0.9 - 500:
            raise ProbeError(
                _("bản %(profile)s chỉ dài %(got).1f giây trên %(want).1f giây của tệp gốc")
                % {
                    "profile": item.profile,
                    "got": item.duration_ms / 1000,
                    "want": source_ms / 1000,
                }
            )


def _store(asset: MediaAsset, made: list[derive.Made]) -> None:
    """Save the made files and their rows; a profile already there is replaced."""
    existing = {d.profile: d for d in asset.derivatives.all()}
    for item in made:
        derivative = existing.get(item.profile) or MediaDerivative(
            asset=asset, profile=item.profile
        )
        old_name = derivative.file.name if derivative.pk else ""
        derivative.mime_type = item.mime_type
        derivative.bytes = item.path.stat().st_size
        derivative.width = item.width
        derivative.height = item.height
        derivative.duration_ms = item.duration_ms
        derivative.created_at = timezone.now()
        if old_name:
            derivative.file.storage.delete(old_name)
        with item.path.open("rb") as handle:
            derivative.file.save(item.profile, File(handle), save=False)
        derivative.save()
    stale = set(existing) - {item.profile for item in made}
    for profile in stale:
        existing[profile].file.storage.delete(existing[profile].file.name)
        existing[profile].delete()
