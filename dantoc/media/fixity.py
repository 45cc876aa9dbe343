"""Fixity of the originals: each original is read back from storage and hashed again, and any
change from the SHA-256 recorded at upload (or a missing file) is reported: an audit row per
asset (``media.fixity_failed``) and a notice to the system administrators. Run by
``manage.py media_fixity_check`` (cron) and by the task worker every ``MEDIA_FIXITY_DAYS``
days (``tasks.assets_fixity_check_task`` queues its next run)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from dantoc.accounts.models import RoleCode, User
from dantoc.audit.services import audit_record
from dantoc.media.models import MediaAsset
from dantoc.notifications.services import notify

_CHUNK = 1024 * 1024


@dataclass
class FixityReport:
    checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing)


def _hash(asset: MediaAsset) -> str:
    digest = hashlib.sha256()
    with asset.file.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def assets_fixity_check() -> FixityReport:
    report = FixityReport()
    for asset in MediaAsset.objects.order_by("pk").iterator(chunk_size=200):
        report.checked += 1
        try:
            found = _hash(asset)
        except (FileNotFoundError, OSError):
            found = None
        if found == asset.sha256:
            continue
        (report.missing if found is None else report.changed).append(str(asset.uuid))
        audit_record(
            actor=None,
            action="media.fixity_failed",
            obj=asset,
            unit=asset.owner_unit,
            before={"sha256": asset.sha256, "file": asset.file.name},
            after={"sha256": found, "missing": found is None},
        )
    if not report.ok:
        _tell_administrators(report)
    return report


def _tell_administrators(report: FixityReport) -> None:
    admins = User.objects.filter(is_active=True, roles__code=RoleCode.SYSTEM_ADMIN).distinct()
    notify(
        recipients=list(admins),
        kind="media_fixity",
        title="Tệp gốc bị thay đổi hoặc mất",
        body=(
            f"Kiểm tra {report.checked} tệp gốc: {len(report.changed)} tệp không còn khớp mã "
            f"SHA-256 lúc tải lên, {len(report.missing)} tệp không còn trên nơi lưu trữ. "
            "Xem nhật ký (media.fixity_failed) để biết từng tệp."
        ),
        dedupe_key="fixity:" + ",".join(sorted(report.changed + report.missing))[:200],
    )
