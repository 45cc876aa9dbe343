"""Media files shared by every app: an uploaded original kept with its checksum, and the
derivatives the task worker makes from it for phones on slow networks.

Rows are written only by ``media.services``. Files live on the configured storage
(``STORAGES["default"]``: local disk or S3-compatible object storage), never read by path, so
the same code works on both. An app that owns a file (an article's image, a heritage item's
recording) points at a ``MediaAsset`` and decides who may see it.
"""

from __future__ import annotations

import uuid as uuid_lib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Ảnh")
    AUDIO = "audio", _("Âm thanh")
    VIDEO = "video", _("Video")
    DOCUMENT = "document", _("Tài liệu")


class MediaState(models.TextChoices):
    WAITING = "waiting", _("Đang chờ xử lý")
    PROCESSING = "processing", _("Đang xử lý")
    READY = "ready", _("Sẵn sàng")
    FAILED = "failed", _("Lỗi")


def original_upload_to(asset: MediaAsset, filename: str) -> str:
    # The stored name comes from the asset's id and the detected type, never from the
    # uploader's file name (which may hold a path, a person's name or a misleading extension).
    created = asset.created_at
    return f"media/originals/{created:%Y/%m}/{asset.uuid}.{asset.extension}"


def derivative_upload_to(derivative: MediaDerivative, filename: str) -> str:
    return f"media/derived/{derivative.asset.uuid}/{derivative.profile}"


class MediaAsset(models.Model):
    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    file = models.FileField(_("tệp gốc"), upload_to=original_upload_to, max_length=300)
    original_name = models.CharField(_("tên tệp khi tải lên"), max_length=255, blank=True)
    sha256 = models.CharField(_("mã kiểm tra SHA-256"), max_length=64, db_index=True)
    bytes = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    kind = models.CharField(_("loại"), max_length=10, choices=MediaKind.choices)
    mime_type = models.CharField(_("kiểu nội dung"), max_length=100)
    extension = models.CharField(_("phần mở rộng"), max_length=10)
    width = models.PositiveIntegerField(_("chiều rộng (px)"), null=True, blank=True)
    height = models.PositiveIntegerField(_("chiều cao (px)"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("thời lượng (ms)"), null=True, blank=True)
    state = models.CharField(
        _("trạng thái"), max_length=12, choices=MediaState.choices, default=MediaState.WAITING
    )
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    failure_reason = models.TextField(_("lý do lỗi"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần xử lý"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người tải lên"),
    )
    owner_unit = models.ForeignKey(
        "geo.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("đơn vị sở hữu"),
    )
    created_at = models.DateTimeField(_("tải lên lúc"))
    processed_at = models.DateTimeField(_("xử lý xong lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("tệp đa phương tiện")
        verbose_name_plural = _("tệp đa phương tiện")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="media_progress_percent"),
            models.CheckConstraint(
                condition=~Q(state="failed") | ~Q(failure_reason=""),
                name="media_failed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or str(self.uuid)

    @property
    def duration_seconds(self) -> float | None:
        return None if self.duration_ms is None else self.duration_ms / 1000

    @property
    def is_ready(self) -> bool:
        return self.state == MediaState.READY


class MediaDerivative(models.Model):
    """One file made from an asset for one profile (``image-360.webp``, ``video-240p.mp4``…)."""

    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE, related_name="derivatives")
    profile = models.CharField(_("cấu hình"), max_length=40)
    file = models.FileField(_("tệp"), upload_to=derivative_upload_to, max_length=300)
    mime_type = models.CharField(_("kiểu nội dung"), max_length=100)
    bytes = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    width = models.PositiveIntegerField(_("chiều rộng (px)"), null=True, blank=True)
    height = models.PositiveIntegerField(_("chiều cao (px)"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("thời lượng (ms)"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))

    class Meta:
        verbose_name = _("bản chuyển đổi")
        verbose_name_plural = _("bản chuyển đổi")
        ordering = ["asset", "profile"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "profile"], name="media_one_file_per_profile")
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}/{self.profile}"

    @property
    def duration_seconds(self) -> float | None:
        return None if self.duration_ms is None else self.duration_ms / 1000
