"""Integration with provincial information pages through LGSP/NDXP.

* ``IntegrationClient``: a machine client (a province's information page, a gateway) with its
  OAuth2 application (django-oauth-toolkit; the secret is stored hashed), its unit, the scopes
  an administrator granted it and its rate limit.
* ``RateWindow``: per-client request counters in the database, so the limit holds across all
  gunicorn workers and machines; ``KeyedRateWindow`` the same for other keys (the token
  endpoint, per client id and per remote address).
* ``WebhookSubscription`` / ``WebhookMessage`` / ``WebhookAttempt``: the outbox of signed
  deliveries (one message per event per subscription, with a stable ``webhook_id``) and the
  delivery log.
* ``ContentState``: what subscribers were last told about each portal item, so that a change
  announced twice makes one event, and an unpublication becomes a deletion event.
* ``Submission``: push-up requests by idempotency key, so that a retry does not duplicate.
* ``SyncCursor`` / ``SyncedItem``: the reference sync client's side (this instance mirroring
  another one).

Rows are written only by ``integration.services`` (the package, ``services.webhooks`` among it).
"""

from __future__ import annotations

import uuid as uuid_lib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dantoc.integration.scopes import parse_scopes


class IntegrationClient(models.Model):
    application = models.OneToOneField(
        "oauth2_provider.Application",
        on_delete=models.CASCADE,
        related_name="integration",
        verbose_name=_("ứng dụng OAuth2"),
    )
    name = models.CharField(_("tên ứng dụng"), max_length=100, unique=True)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    scopes = models.CharField(_("phạm vi quyền"), max_length=200)
    rate_limit = models.PositiveIntegerField(
        _("giới hạn yêu cầu mỗi phút"), default=120, help_text=_("Số yêu cầu API mỗi phút")
    )
    contact = models.CharField(_("người liên hệ"), max_length=200, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    secret_rotated_at = models.DateTimeField(_("đổi khoá bí mật lúc"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("khoá lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("ứng dụng tích hợp")
        verbose_name_plural = _("ứng dụng tích hợp")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def client_id(self) -> str:
        return self.application.client_id

    @property
    def scope_list(self) -> list[str]:
        return parse_scopes(self.scopes)


class RateWindow(models.Model):
    """Requests of one client in one minute (``window_start`` = Unix time // 60)."""

    client = models.ForeignKey(IntegrationClient, on_delete=models.CASCADE, related_name="+")
    window_start = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("cửa sổ giới hạn tần suất")
        verbose_name_plural = _("cửa sổ giới hạn tần suất")
        constraints = [
            models.UniqueConstraint(fields=["client", "window_start"], name="rate_window_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}@{self.window_start}: {self.hits}"


class KeyedRateWindow(models.Model):
    """Requests under one key in one minute, for limits that are not per client: the token
    endpoint's per claimed client id (``token:client:<id>``) and per remote address
    (``token:addr:<address or IPv6 /64>``)."""

    key = models.CharField(max_length=150)
    window_start = models.BigIntegerField(db_index=True)
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("cửa sổ giới hạn tần suất theo khoá")
        verbose_name_plural = _("cửa sổ giới hạn tần suất theo khoá")
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="keyed_rate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.window_start}: {self.hits}"


class WebhookSubscription(models.Model):
    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        IntegrationClient,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("ứng dụng"),
    )
    url = models.URLField(_("địa chỉ nhận"), max_length=500)
    # "whsec_" + base64 of the key (Standard Webhooks). Kept readable: every delivery is
    # signed with it. It is shown to the subscriber once, when the subscription is created.
    secret = models.CharField(max_length=120, editable=False)
    feeds = models.CharField(
        _("nguồn tin"), max_length=200, blank=True, help_text=_("Để trống: mọi nguồn tin")
    )
    province = models.ForeignKey(
        "geo.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chỉ nội dung liên quan tới tỉnh"),
    )
    description = models.CharField(_("ghi chú"), max_length=200, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    deleted_at = models.DateTimeField(_("huỷ lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("đăng ký webhook")
        verbose_name_plural = _("đăng ký webhook")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url

    @property
    def feed_list(self) -> list[str]:
        return self.feeds.split()


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    DELIVERED = "delivered", _("Đã gửi")
    FAILED = "failed", _("Gửi thất bại")


class WebhookMessage(models.Model):
    """One event for one subscription. ``webhook_id`` and ``payload`` never change, so every
    retry carries the same id and body (a receiver detects a replay by the id); only the
    timestamp and the signature are made anew at each attempt."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="messages"
    )
    webhook_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(_("sự kiện"), max_length=40)
    feed = models.CharField(_("nguồn tin"), max_length=20)
    item_uuid = models.UUIDField(_("mã nội dung"))
    payload = models.TextField()
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=MessageStatus.choices,
        default=MessageStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lần tới lúc"), null=True, blank=True)
    # A worker claims a message until this time, so two workers never send it at once.
    locked_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    delivered_at = models.DateTimeField(_("gửi được lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông điệp webhook")
        verbose_name_plural = _("thông điệp webhook")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_message_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.event_type}"


class WebhookAttempt(models.Model):
    """The delivery log: one row per HTTP attempt."""

    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveSmallIntegerField(_("lần gửi"))
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("mã trả lời"), null=True, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    duration_ms = models.PositiveIntegerField(_("thời gian (ms)"), default=0)

    class Meta:
        verbose_name = _("lần gửi webhook")
        verbose_name_plural = _("nhật ký gửi webhook")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.message_id} #{self.number}: {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class ContentState(models.Model):
    """What subscribers were last told about one portal item."""

    feed = models.CharField(max_length=20)
    item_uuid = models.UUIDField(unique=True)
    public = models.BooleanField()
    version = models.DateTimeField()

    class Meta:
        verbose_name = _("trạng thái nội dung đã báo")
        verbose_name_plural = _("trạng thái nội dung đã báo")

    def __str__(self) -> str:
        return f"{self.feed} {self.item_uuid}"


class Submission(models.Model):
    """A push-up request, remembered by the client's idempotency key."""

    client = models.ForeignKey(IntegrationClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    feed = models.CharField(max_length=20)
    item_uuid = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lần gửi qua kết nối")
        verbose_name_plural = _("các lần gửi qua kết nối")
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="submission_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.key}"


class SyncCursor(models.Model):
    """Where this instance stands in another instance's feed (the reference sync client)."""

    source = models.CharField(max_length=300)
    feed = models.CharField(max_length=20)
    cursor = models.TextField(blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("vị trí đồng bộ")
        verbose_name_plural = _("vị trí đồng bộ")
        constraints = [
            models.UniqueConstraint(fields=["source", "feed"], name="sync_cursor_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.feed}"


class SyncedItem(models.Model):
    """A mirrored item: the remote uuid and the local item made from it."""

    source = models.CharField(max_length=300)
    feed = models.CharField(max_length=20)
    remote_uuid = models.UUIDField()
    local_uuid = models.UUIDField()
    remote_updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("mục đã đồng bộ")
        verbose_name_plural = _("mục đã đồng bộ")
        constraints = [
            models.UniqueConstraint(fields=["source", "remote_uuid"], name="synced_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.remote_uuid}"
