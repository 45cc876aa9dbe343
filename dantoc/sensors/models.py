"""Devices that measure (rain gauges, river levels, air quality, people/vehicle counters) and
their readings, read back in the shape of the OGC SensorThings API v1.1 (OGC 18-088):
a ``Device`` is a Thing (its commune is its Location), each ``Datastream`` names its
ObservedProperty and Sensor, and each ``Observation`` is one reading.

Counters count only: no image is ever received or kept.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.TextChoices):
    RAIN_GAUGE = "rain_gauge", _("Trạm đo mưa")
    RIVER_LEVEL = "river_level", _("Trạm đo mực nước sông, suối")
    AIR_QUALITY = "air_quality", _("Trạm quan trắc không khí")
    PEOPLE_COUNTER = "people_counter", _("Camera đếm người (chỉ đếm, không lưu hình)")
    VEHICLE_COUNTER = "vehicle_counter", _("Camera đếm phương tiện (chỉ đếm, không lưu hình)")


class Aggregation(models.TextChoices):
    """How a stream's readings of a period become one indicator value."""

    SUM = "sum", _("Cộng")
    MEAN = "mean", _("Trung bình")
    MAX = "max", _("Lớn nhất")
    LAST = "last", _("Giá trị cuối kỳ")


class Device(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("tên thiết bị"), max_length=200)
    kind = models.CharField(_("loại"), max_length=20, choices=DeviceKind.choices)
    description = models.TextField(_("mô tả"), blank=True)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("xã đặt thiết bị")
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # The device's secret (random, made by the platform), kept only as its SHA-256: shown once.
    secret_hash = models.CharField(max_length=256)
    revoked_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Readings refused as malformed (counted, logged, never stored).
    malformed_count = models.PositiveIntegerField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("thiết bị đo")
        ordering = ["name", "pk"]
        verbose_name = _("thiết bị đo")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Datastream(models.Model):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="datastreams")
    code = models.SlugField(_("mã luồng"), max_length=40)
    name = models.CharField(_("tên"), max_length=200)
    observed_property = models.CharField(_("đại lượng đo"), max_length=100)
    unit_of_measurement = models.CharField(_("đơn vị đo"), max_length=30)
    unit_symbol = models.CharField(max_length=20, blank=True)
    indicator = models.ForeignKey(
        "indicators.Indicator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chỉ tiêu"),
    )
    aggregation = models.CharField(
        _("cách tổng hợp theo kỳ"), max_length=6, choices=Aggregation.choices
    )
    # A reading at or above this raises a draft disaster warning for an officer to confirm.
    threshold = models.FloatField(_("ngưỡng cảnh báo"), null=True, blank=True)
    hazard = models.CharField(_("loại thiên tai khi vượt ngưỡng"), max_length=24, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("luồng số đo")
        verbose_name_plural = _("luồng số đo")
        ordering = ["device_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["device", "code"], name="sensors_stream_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.device.name} — {self.name}"


class Observation(models.Model):
    """One reading; stored once per (stream, time): a reading sent again is the same row."""

    datastream = models.ForeignKey(
        Datastream, on_delete=models.CASCADE, related_name="observations"
    )
    phenomenon_time = models.DateTimeField()
    result = models.FloatField()
    result_time = models.DateTimeField()

    class Meta:
        verbose_name = _("số đo")
        verbose_name_plural = _("số đo")
        ordering = ["datastream_id", "phenomenon_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["datastream", "phenomenon_time"], name="sensors_reading_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.datastream_id} {self.phenomenon_time.isoformat()} {self.result:g}"


class CrossingState(models.TextChoices):
    PENDING = "pending", _("Chờ cán bộ xác nhận")
    ISSUED = "issued", _("Đã phát cảnh báo")
    DISMISSED = "dismissed", _("Đã bỏ qua")


class ThresholdCrossing(models.Model):
    """A stream went over its threshold: the draft of a warning for an officer to confirm
    (issued through the alerts service) or dismiss. One per crossing: readings that stay over
    the threshold belong to the open crossing; a reading back under it closes it."""

    datastream = models.ForeignKey(Datastream, on_delete=models.CASCADE, related_name="crossings")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    peak = models.FloatField()
    state = models.CharField(
        max_length=10, choices=CrossingState.choices, default=CrossingState.PENDING
    )
    alert = models.ForeignKey(
        "alerts.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lần vượt ngưỡng")
        verbose_name_plural = _("lần vượt ngưỡng")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["datastream", "started_at"], name="sensors_crossing_once"
            ),
            models.UniqueConstraint(
                fields=["datastream"],
                condition=models.Q(ended_at__isnull=True),
                name="sensors_one_open_crossing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.datastream_id} {self.started_at.isoformat()} {self.peak:g}"
