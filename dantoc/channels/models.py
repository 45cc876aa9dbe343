"""The outbox of outside messages (e-mail, Zalo OA, ZNS, SMS), the Zalo token, and citizens'
subscriptions to disaster warnings.

Rows are written only by ``channels.services``. A message is stored before it is sent; its
``idempotency_key`` is unique, so a retried request or a re-run of a job never queues the same
message twice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    ZALO_OA = "zalo_oa", _("Zalo OA")
    ZNS = "zns", _("Zalo ZNS")
    SMS = "sms", _("SMS")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Thường")
    URGENT = "urgent", _("Khẩn")


class State(models.TextChoices):
    QUEUED = "queued", _("Đang chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    DELIVERED = "delivered", _("Đã đến máy")
    FAILED = "failed", _("Thất bại")


class OutboxMessage(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    idempotency_key = models.CharField(_("khoá chống trùng"), max_length=200, unique=True)
    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    urgency = models.CharField(
        _("mức khẩn"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    # Phone number (84…), Zalo user id or e-mail address: personal data, shown masked.
    address = models.CharField(_("địa chỉ nhận"), max_length=254)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cán bộ nhận"),
    )
    subscription = models.ForeignKey(
        "channels.Subscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        verbose_name=_("đăng ký"),
    )
    # What the message is about ("alert:<uuid>", "notification:<id>", "subscription:<uuid>").
    source = models.CharField(_("nguồn"), max_length=120, blank=True, db_index=True)
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    template_id = models.CharField(_("mẫu ZNS"), max_length=40, blank=True)
    template_data = models.JSONField(_("tham số mẫu"), default=dict, blank=True)
    # E-mail only: [{"filename", "mimetype", "content" (text), "alternative" (bool)}] — an
    # invitation's iCalendar part (RFC 6047) and its invite.ics, kept with the message so a
    # retry sends the same thing.
    attachments = models.JSONField(_("tệp đính kèm"), default=list, blank=True)
    state = models.CharField(
        _("trạng thái"), max_length=12, choices=State.choices, default=State.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    next_attempt_at = models.DateTimeField(_("thử lại lúc"), default=timezone.now)
    claimed_at = models.DateTimeField(_("bắt đầu gửi lúc"), null=True, blank=True)
    last_error = models.TextField(_("lỗi"), blank=True)
    parts = models.PositiveSmallIntegerField(_("số phần"), default=0)
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)
    sent_at = models.DateTimeField(_("thời điểm gửi"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("thời điểm đến máy"), null=True, blank=True)
    failed_at = models.DateTimeField(_("thời điểm thất bại"), null=True, blank=True)

    class Meta:
        verbose_name = _("tin nhắn gửi ra ngoài")
        verbose_name_plural = _("hộp thư đi")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["-created_at"], name="outbox_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.idempotency_key}"


class ProviderReceipt(models.Model):
    """One id the provider gave a message (one per SMS part, one per Zalo message): what a
    delivery receipt or a webhook event names."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="receipts")
    provider_id = models.CharField(_("mã của nhà mạng"), max_length=100)
    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("trạng thái báo về"), max_length=20, blank=True)
    reported_at = models.DateTimeField(_("thời điểm báo"), null=True, blank=True)

    class Meta:
        verbose_name = _("mã tin của nhà cung cấp")
        verbose_name_plural = _("mã tin của nhà cung cấp")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_id"], name="provider_receipt_unique_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.provider_id}"


class ZaloToken(models.Model):
    """The Official Account's OAuth v4 tokens: one row per OA, refreshed under a row lock
    (the refresh token works once)."""

    oa_id = models.CharField(_("mã OA"), max_length=40, unique=True)
    access_token = models.TextField(_("access token"))
    refresh_token = models.TextField(_("refresh token"))
    expires_at = models.DateTimeField(_("access token hết hạn lúc"))
    refreshed_at = models.DateTimeField(_("làm mới lúc"), default=timezone.now)
    refresh_count = models.PositiveIntegerField(_("số lần làm mới"), default=0)

    class Meta:
        verbose_name = _("token Zalo OA")
        verbose_name_plural = _("token Zalo OA")

    def __str__(self) -> str:
        return f"OA {self.oa_id}"


class Subscription(models.Model):
    """A citizen who asked for the disaster warnings of a commune, by SMS or by Zalo."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(
        _("kênh"),
        max_length=16,
        choices=[(Channel.SMS, Channel.SMS.label), (Channel.ZALO_OA, Channel.ZALO_OA.label)],
    )
    address = models.CharField(_("số điện thoại / mã Zalo"), max_length=64)
    commune = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("xã")
    )
    language = models.CharField(_("ngôn ngữ"), max_length=12, default="vi")
    consent_text = models.TextField(_("nội dung đồng ý"))
    consent_at = models.DateTimeField(_("đồng ý lúc"))
    confirm_code_hash = models.CharField(max_length=128, blank=True)
    confirm_attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    unsubscribe_token = models.CharField(max_length=64, unique=True)
    unsubscribed_at = models.DateTimeField(_("hủy lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)

    class Meta:
        verbose_name = _("đăng ký nhận cảnh báo")
        verbose_name_plural = _("đăng ký nhận cảnh báo")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address", "commune"],
                condition=models.Q(unsubscribed_at__isnull=True),
                name="subscription_unique_active",
            )
        ]
        indexes = [models.Index(fields=["commune", "channel"], name="subscription_commune_idx")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.commune_id}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class ChannelPreference(models.Model):
    """An official's choice: which outside channel carries urgent notices besides the inbox."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preference"
    )
    urgent_channel = models.CharField(
        _("kênh cho việc khẩn"), max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    phone = models.CharField(_("số điện thoại"), max_length=16, blank=True)
    zalo_user_id = models.CharField(_("mã người dùng Zalo"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("kênh nhận thông báo")
        verbose_name_plural = _("kênh nhận thông báo")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.urgent_channel}"
