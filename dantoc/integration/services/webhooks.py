"""Signed webhooks: subscriptions, the outbox of events, deliveries with retries (a service
module of ``integration.services``; its background task is ``integration.tasks``).

How an event travels:

1. The portal commits a public change and announces ``portal.content_changed``;
   ``on_content_changed`` reads the item's *current* state and compares it with what
   subscribers were last told (``ContentState``): first public → ``content.published``, public
   and changed → ``content.updated``, public before and not now → ``content.deleted``. The same
   announcement twice makes one event.
2. For each matching subscription one ``WebhookMessage`` row is written, with a stable
   ``webhook_id`` and a fixed JSON body, in the same transaction as the state; a delivery task
   is queued after commit (``integration.webhook_delivery_due``, ``integration.tasks``).
3. ``message_deliver`` claims the message (so two workers never send it at once), signs it
   (Standard Webhooks) with a fresh timestamp, POSTs it, and logs the attempt. A 2xx is
   delivered; anything else is retried with exponential back-off (30 s doubling to 6 h) until
   ``INTEGRATION_WEBHOOK_MAX_ATTEMPTS``. A receiver that is down for a while loses nothing:
   pending messages stay in the outbox, and ``manage.py webhooks_deliver`` (run it every minute
   from cron, or let the task worker run the deferred retries) sends what is due.

``webhooks_reconcile`` repeats step 1 for items changed recently, so an announcement lost to a
crash between the portal's commit and our listener is caught up.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
import uuid as uuid_lib
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import default_task_backend

from dantoc.audit.services import audit_record
from dantoc.core.events import announce
from dantoc.geo.models import Unit, UnitLevel
from dantoc.integration import feeds, outbound, signing
from dantoc.integration.models import (
    ContentState,
    IntegrationClient,
    MessageStatus,
    WebhookAttempt,
    WebhookMessage,
    WebhookSubscription,
)
from dantoc.integration.permissions import can_manage_client
from dantoc.integration.scopes import WEBHOOKS

logger = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
LOCK_SECONDS = 120
MAX_SUBSCRIPTIONS_PER_CLIENT = 20
USER_AGENT = "dantoc-webhooks/1.0"
# Announced (after commit) with ``webhook_ids`` (and ``run_after`` for a deferred retry):
# ``integration.tasks`` queues a delivery attempt of each.
DELIVERY_DUE = "integration.webhook_delivery_due"


def backoff_seconds(attempts: int) -> int:
    """Wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min, … at most 6 h."""
    return min(BACKOFF_FIRST_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


def max_attempts() -> int:
    return max(1, int(getattr(settings, "INTEGRATION_WEBHOOK_MAX_ATTEMPTS", 12)))


# --- subscriptions --------------------------------------------------------------------------


def _subscription_clean(*, url: str, feed_names, province_code: str | None):
    errors: dict[str, str] = {}
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors["url"] = "Địa chỉ nhận phải là URL http(s) đầy đủ. / url must be an http(s) URL."
    if getattr(settings, "PRODUCTION", False) and url.startswith("http://"):
        errors["url"] = "Địa chỉ nhận phải dùng https. / url must use https."
    if "url" not in errors:
        try:
            outbound.url_check(url)
        except outbound.RefusedDestination as exc:
            errors["url"] = str(exc)
    names = list(feed_names or [])
    unknown = sorted(set(names) - set(feeds.FEED_NAMES))
    if unknown:
        errors["feeds"] = (
            f"Nguồn tin không tồn tại / unknown feeds: {', '.join(unknown)} "
            f"({', '.join(feeds.FEED_NAMES)})"
        )
    province = None
    if province_code:
        province = Unit.objects.filter(
            code=province_code.strip(), level=UnitLevel.PROVINCE, valid_to__isnull=True
        ).first()
        if province is None:
            errors["province"] = f"Không có tỉnh đang hoạt động với mã {province_code!r}."
    if errors:
        raise ValidationError(errors)
    ordered = [name for name in feeds.FEED_NAMES if name in set(names)]
    return url, " ".join(ordered), province


def _check_actor(actor, client: IntegrationClient) -> bool:
    """True when the client acts for itself; PermissionDenied unless ``actor`` is that client,
    the system (None) or an administrator whose scope covers the client."""
    if isinstance(actor, IntegrationClient):
        if actor.pk != client.pk:
            raise PermissionDenied("Một ứng dụng chỉ quản lý đăng ký của chính mình.")
        return True
    if actor is not None and not can_manage_client(actor, client):
        raise PermissionDenied("Bạn không có quyền quản lý ứng dụng tích hợp này.")
    return False


@transaction.atomic
def subscription_create(
    *,
    actor,
    client: IntegrationClient,
    url: str,
    feed_names=(),
    province_code: str | None = None,
    description: str = "",
) -> WebhookSubscription:
    """Subscribe ``url`` for ``client``. ``actor`` is an administrator (page) or the client
    itself (API, scope ``webhooks``). The secret is on the returned object: show it once."""
    is_client = _check_actor(actor, client)
    if WEBHOOKS not in client.scope_list:
        raise PermissionDenied("Ứng dụng chưa được cấp phạm vi quyền webhooks.")
    url, feed_text, province = _subscription_clean(
        url=url, feed_names=feed_names, province_code=province_code
    )
    live = client.subscriptions.filter(deleted_at__isnull=True)
    if live.count() >= MAX_SUBSCRIPTIONS_PER_CLIENT:
        raise ValidationError(
            {"url": f"Mỗi ứng dụng có tối đa {MAX_SUBSCRIPTIONS_PER_CLIENT} đăng ký webhook."}
        )
    subscription = WebhookSubscription.objects.create(
        client=client,
        url=url,
        secret=signing.secret_generate(),
        feeds=feed_text,
        province=province,
        description=(description or "").strip()[:200],
        created_by=None if is_client or actor is None else actor,
    )
    audit_record(
        actor=None if is_client else actor,
        action="integration.webhook_subscribe",
        obj=subscription,
        object_repr=f"{client.name}: {url}"[:300],
        unit=client.unit,
        after={
            "client": client.name,
            "url": url,
            "feeds": feed_text,
            "province": province.code if province else None,
            "by_client": is_client,
        },
    )
    return subscription


@transaction.atomic
def subscription_delete(*, actor, subscription: WebhookSubscription) -> WebhookSubscription:
    """Stop a subscription; its pending messages are given up (kept in the log)."""
    client = subscription.client
    is_client = _check_actor(actor, client)
    if subscription.deleted_at is not None:
        return subscription
    subscription.deleted_at = timezone.now()
    subscription.is_active = False
    subscription.save(update_fields=["deleted_at", "is_active"])
    subscription.messages.filter(status=MessageStatus.PENDING).update(
        status=MessageStatus.FAILED, last_error="Đăng ký đã bị huỷ / subscription removed"
    )
    audit_record(
        actor=None if is_client else actor,
        action="integration.webhook_unsubscribe",
        obj=subscription,
        object_repr=f"{client.name}: {subscription.url}"[:300],
        unit=client.unit,
        before={"url": subscription.url, "by_client": is_client},
    )
    return subscription


# --- events ---------------------------------------------------------------------------------


def _concerns(item, province: Unit) -> bool:
    areas = [u.pk for u in item.areas.all()] if hasattr(item, "areas") else []
    if item.unit.path.startswith(province.path) or province.pk in areas:
        return True
    return item.unit.level == UnitLevel.COUNTRY and not areas


def _matching_subscriptions(item, feed_name: str) -> list[WebhookSubscription]:
    candidates = WebhookSubscription.objects.filter(
        is_active=True, deleted_at__isnull=True, client__is_active=True
    ).select_related("client", "province")
    matched = []
    for subscription in candidates:
        if WEBHOOKS not in subscription.client.scope_list:
            continue
        if subscription.feeds and feed_name not in subscription.feed_list:
            continue
        if subscription.province is not None and not _concerns(item, subscription.province):
            continue
        matched.append(subscription)
    return matched


def _event_type(state: ContentState | None, public: bool, version) -> str | None:
    if state is None:
        return "content.published" if public else None
    if public and not state.public:
        return "content.published"
    if public and state.public:
        return "content.updated" if version != state.version else None
    if not public and state.public:
        return "content.deleted"
    return None


def content_event_record(*, item, now: datetime.datetime | None = None) -> list[WebhookMessage]:
    """Record what changed about ``item`` since subscribers were last told, as one message per
    matching subscription; returns the new messages (none when nothing changed for them)."""
    feed_name = feeds.feed_of(item)
    if feed_name is None:
        return []
    now = now or timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _content_event_record(item, feed_name, now)
        except IntegrityError:
            # Another worker recorded the first state of this item at the same moment; read
            # its row and compare again.
            continue
    return []


def _content_event_record(item, feed_name: str, now) -> list[WebhookMessage]:
    state = ContentState.objects.select_for_update().filter(item_uuid=item.uuid).first()
    public = item.is_public
    event_type = _event_type(state, public, item.updated_at)
    if event_type is None:
        return []
    if state is None:
        ContentState.objects.create(
            feed=feed_name, item_uuid=item.uuid, public=public, version=item.updated_at
        )
    else:
        state.public, state.version, state.feed = public, item.updated_at, feed_name
        state.save(update_fields=["public", "version", "feed"])
    data = feeds.item_json(item, feed_name, base_url=getattr(settings, "SITE_URL", ""))
    body = json.dumps(
        {"type": event_type, "timestamp": now.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    messages = [
        WebhookMessage(
            subscription=subscription,
            webhook_id=f"msg_{uuid_lib.uuid4().hex}",
            event_type=event_type,
            feed=feed_name,
            item_uuid=item.uuid,
            payload=body,
            next_attempt_at=now,
            created_at=now,
        )
        for subscription in _matching_subscriptions(item, feed_name)
    ]
    WebhookMessage.objects.bulk_create(messages)
    ids = [m.webhook_id for m in messages]
    if ids:
        announce(DELIVERY_DUE, webhook_ids=ids)
    return messages


def on_content_changed(*, uuid=None, uuids=None, **payload: Any) -> None:
    """Listener of the changed events the sync feeds declare (``portal.content_changed``…),
    after the owner's commit: one item (``uuid``) or a batch of them (``uuids``, from the
    portal's bulk mirror import)."""
    wanted = [*([uuid] if uuid is not None else []), *(uuids or [])]
    if not wanted:
        return
    if not WebhookSubscription.objects.filter(is_active=True, deleted_at__isnull=True).exists():
        # Nobody listens: an instance without subscribers (a mirror filling itself) pays one
        # query. A subscriber added later hears of an item first as "content.published".
        return
    for first in range(0, len(wanted), 200):
        for item in feeds.items_for_event(wanted[first : first + 200]):
            content_event_record(item=item)


def webhooks_reconcile(*, since: datetime.datetime) -> int:
    """Record events for portal items changed since ``since`` that no listener recorded (a
    crash between the portal's commit and the listener). Returns the messages written."""
    written = 0
    if not WebhookSubscription.objects.filter(is_active=True, deleted_at__isnull=True).exists():
        return 0
    for feed in feeds.FEEDS.values():
        changed = feed.model.objects.filter(feed.filter, updated_at__gte=since).filter(
            Q(first_published_at__isnull=False)
        )
        for item in feeds.with_details(changed.order_by("updated_at", "pk")).iterator(
            chunk_size=200
        ):
            written += len(content_event_record(item=item))
    return written


# --- delivery -------------------------------------------------------------------------------


def _claim(webhook_id: str, now: datetime.datetime) -> WebhookMessage | None:
    claimed = (
        WebhookMessage.objects.filter(
            webhook_id=webhook_id, status=MessageStatus.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=now + datetime.timedelta(seconds=LOCK_SECONDS))
    )
    if not claimed:
        return None
    return WebhookMessage.objects.select_related("subscription__client").get(webhook_id=webhook_id)


def message_deliver(*, webhook_id: str, now: datetime.datetime | None = None) -> str:
    """Make one attempt at a due message; returns its status afterwards ("skipped" when it
    was not due, or claimed by another worker)."""
    now = now or timezone.now()
    message = _claim(webhook_id, now)
    if message is None:
        return "skipped"
    subscription = message.subscription
    number = message.attempts + 1
    if (
        subscription.deleted_at is not None
        or not subscription.is_active
        or not subscription.client.is_active
    ):
        message.status = MessageStatus.FAILED
        message.last_error = "Đăng ký hoặc ứng dụng đã bị huỷ/khoá / subscription or client off"
        message.locked_until = None
        message.save(update_fields=["status", "last_error", "locked_until"])
        return message.status
    timestamp = int(time.time())
    headers = signing.headers(
        secret=subscription.secret,
        webhook_id=message.webhook_id,
        timestamp=timestamp,
        body=message.payload,
    )
    headers["user-agent"] = USER_AGENT
    status_code, error = None, ""
    started = time.monotonic()
    try:
        response = outbound.post(
            subscription.url,
            data=message.payload.encode(),
            headers=headers,
            timeout=getattr(settings, "INTEGRATION_WEBHOOK_TIMEOUT", 10),
        )
        status_code = response.status_code
        response.close()
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except outbound.RefusedDestination as exc:
        error = str(exc)[:1000]
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
    duration_ms = int((time.monotonic() - started) * 1000)
    finished = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            message=message,
            number=number,
            at=finished,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
        )
        message.attempts = number
        message.last_status_code = status_code
        message.last_error = error
        message.locked_until = None
        if not error:
            message.status = MessageStatus.DELIVERED
            message.delivered_at = finished
            message.next_attempt_at = None
        elif number >= max_attempts():
            message.status = MessageStatus.FAILED
            message.next_attempt_at = None
        else:
            message.next_attempt_at = max(now, finished) + datetime.timedelta(
                seconds=backoff_seconds(number)
            )
        message.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "last_error",
                "locked_until",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
    if message.status == MessageStatus.PENDING and default_task_backend.supports_defer:
        # The task worker runs the retry when it is due; webhooks_deliver is the safety net.
        announce(DELIVERY_DUE, webhook_ids=[message.webhook_id], run_after=message.next_attempt_at)
    return message.status


def webhooks_deliver_due(*, now: datetime.datetime | None = None, batch: int = 500) -> dict:
    """Attempt every message that is due at ``now``; counts by resulting status."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    due = list(
        WebhookMessage.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("next_attempt_at", "id")
        .values_list("webhook_id", flat=True)[:batch]
    )
    for webhook_id in due:
        status = message_deliver(webhook_id=webhook_id, now=now)
        counts[status] = counts.get(status, 0) + 1
    return counts


@transaction.atomic
def message_retry(*, actor, message: WebhookMessage) -> WebhookMessage:
    """An administrator sends a given-up message again (same id, same body)."""
    if not can_manage_client(actor, message.subscription.client):
        raise PermissionDenied("Bạn không có quyền quản lý ứng dụng tích hợp này.")
    if message.status != MessageStatus.FAILED or message.subscription.deleted_at is not None:
        raise ValidationError("Chỉ gửi lại được thông điệp đã thất bại của đăng ký còn hiệu lực.")
    message.status = MessageStatus.PENDING
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["status", "next_attempt_at"])
    audit_record(
        actor=actor,
        action="integration.webhook_retry",
        obj=message,
        unit=message.subscription.client.unit,
        after={"webhook_id": message.webhook_id},
    )
    announce(DELIVERY_DUE, webhook_ids=[message.webhook_id])
    return message
