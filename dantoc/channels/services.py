"""Writes of the channels app: the outbox (queue, send with retries, receipts), citizens'
subscriptions to warnings, the Zalo webhook, officials' channel choice.

Every message is stored (``OutboxMessage``) before anything is sent; its ``idempotency_key``
is unique, so a retried request, a re-run job or two workers never queue it twice. The task
worker sends due messages (``outbox_send_due``): a channel that fails leaves them queued with
their error and a later attempt time (exponential back-off), up to ``MAX_ATTEMPTS``; then they
are ``failed`` with the reason, and an administrator may queue them again.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dantoc.alerts.models import Alert
from dantoc.audit.services import audit_record
from dantoc.channels import sms, zalo
from dantoc.channels.models import (
    Channel,
    ChannelPreference,
    OutboxMessage,
    ProviderReceipt,
    State,
    Subscription,
    Urgency,
)
from dantoc.channels.permissions import can_view_outbox
from dantoc.channels.text import phone_masked, phone_normalise
from dantoc.core.events import announce
from dantoc.geo.models import Unit, UnitLevel
from dantoc.notifications import services as notification_services
from dantoc.notifications.models import Notification

logger = logging.getLogger(__name__)

# Announced after commit when messages were queued; channels.tasks sends them.
QUEUED_EVENT = "channels.outbox_queued"
MAX_ATTEMPTS = 6
BACKOFF_BASE = datetime.timedelta(seconds=30)
BACKOFF_CAP = datetime.timedelta(hours=1)
# A message left "sending" this long (a worker died mid-batch) is queued again.
LEASE = datetime.timedelta(minutes=15)
BATCH = 500
CONFIRM_ATTEMPTS = 5
CONFIRM_SENDS = 3
CONFIRM_SENDS_PER_DAY = 5
UNSUBSCRIBE_WORDS = {"HUY", "HỦY", "TC", "STOP", "TUCHOI"}
# Receipt states of SMPP 3.4 Appendix B that end a message without delivery.
FAILED_STATS = {"UNDELIV", "REJECTD", "EXPIRED", "DELETED", "UNKNOWN"}
# Notices worth an SMS or a Zalo message to an official who asked for them.
URGENT_KINDS = {"security", "reporting.returned", "reporting.reminder", "reporting.nudge"}


# --- queueing -----------------------------------------------------------------------------


def _row(
    *,
    channel: str,
    address: str,
    body: str,
    idempotency_key: str,
    urgency: str = Urgency.NORMAL,
    subject: str = "",
    template_id: str = "",
    template_data: dict | None = None,
    source: str = "",
    recipient_id: int | None = None,
    subscription_id: int | None = None,
    attachments: list[dict] | None = None,
) -> OutboxMessage:
    if channel not in Channel.values:
        raise ValidationError(f"Kênh không hợp lệ: {channel!r}")
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValidationError("Tin nhắn cần một khoá chống trùng (tối đa 200 ký tự).")
    if not address.strip():
        raise ValidationError("Tin nhắn cần địa chỉ nhận.")
    if channel == Channel.ZNS and not template_id:
        raise ValidationError("Tin ZNS cần mẫu đã được Zalo duyệt.")
    if not body.strip() and channel != Channel.ZNS:
        raise ValidationError("Tin nhắn cần nội dung.")
    if attachments and channel != Channel.EMAIL:
        raise ValidationError("Chỉ thư điện tử có tệp đính kèm.")
    for part in attachments or []:
        if not {"filename", "mimetype", "content"} <= set(part) or not isinstance(
            part["content"], str
        ):
            raise ValidationError("Tệp đính kèm cần tên, kiểu và nội dung dạng văn bản.")
    return OutboxMessage(
        channel=channel,
        address=address.strip(),
        body=body,
        idempotency_key=idempotency_key,
        urgency=urgency,
        subject=subject[:255],
        template_id=template_id,
        template_data=template_data or {},
        source=source[:120],
        recipient_id=recipient_id,
        subscription_id=subscription_id,
        attachments=attachments or [],
    )


def outbox_enqueue_many(*, rows: Iterable[dict], source: str, actor=None) -> int:
    """Queue many messages at once (an alert to its subscribers); those whose key is already
    in the outbox are left alone. Returns how many are new. One audit row for the batch."""
    messages = [_row(source=source, **row) for row in rows]
    if not messages:
        return 0
    keys = [m.idempotency_key for m in messages]
    with transaction.atomic():
        existing = set()
        for start in range(0, len(keys), 5000):
            existing |= set(
                OutboxMessage.objects.filter(
                    idempotency_key__in=keys[start : start + 5000]
                ).values_list("idempotency_key", flat=True)
            )
        new = [m for m in messages if m.idempotency_key not in existing]
        # A concurrent run may insert the same keys: the unique key makes the database skip.
        OutboxMessage.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        if new:
            counts = defaultdict(int)
            for m in new:
                counts[m.channel] += 1
            audit_record(
                actor=actor,
                action="channels.outbox_queued",
                object_type="channels.outboxmessage",
                object_id=source[:64],
                object_repr=source,
                after={"queued": dict(counts)},
            )
            announce(QUEUED_EVENT, source=source)
    return len(new)


def outbox_enqueue(*, actor=None, **fields) -> OutboxMessage:
    """Queue one message, once per ``idempotency_key``: a repeated call returns the row the
    first one stored (whatever its state), and sends nothing more."""
    key = fields["idempotency_key"]
    if (done := OutboxMessage.objects.filter(idempotency_key=key).first()) is not None:
        return done
    message = _row(**fields)
    try:
        with transaction.atomic():
            message.save()
            audit_record(
                actor=actor,
                action="channels.outbox_queued",
                obj=message,
                object_repr=f"{message.channel}:{message.idempotency_key}",
                after={"channel": message.channel, "source": message.source},
            )
            announce(QUEUED_EVENT, source=message.source)
    except IntegrityError:
        return OutboxMessage.objects.get(idempotency_key=key)
    return message


def outbox_requeue(*, actor, message: OutboxMessage) -> OutboxMessage:
    """An administrator sends a failed message again (same row: still once per key)."""
    if not can_view_outbox(actor):
        raise ValidationError(_("Anh/chị không có quyền gửi lại tin nhắn."))
    with transaction.atomic():
        changed = OutboxMessage.objects.filter(pk=message.pk, state=State.FAILED).update(
            state=State.QUEUED, attempts=0, next_attempt_at=timezone.now(), failed_at=None
        )
        if not changed:
            raise ValidationError(_("Chỉ gửi lại được tin nhắn đã thất bại."))
        audit_record(
            actor=actor,
            action="channels.outbox_requeued",
            obj=message,
            object_repr=f"{message.channel}:{message.idempotency_key}",
            before={"state": State.FAILED, "error": message.last_error[:200]},
            after={"state": State.QUEUED},
        )
        announce(QUEUED_EVENT, source=message.source)
    message.refresh_from_db()
    return message


# --- sending ------------------------------------------------------------------------------


def backoff(attempts: int) -> datetime.timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at an hour."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))


def _claim(*, limit: int, channels: Iterable[str] | None, now) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages for this worker (urgent first)."""
    OutboxMessage.objects.filter(state=State.SENDING, claimed_at__lt=now - LEASE).update(
        state=State.QUEUED, last_error="interrupted while sending; queued again"
    )
    with transaction.atomic():
        due = OutboxMessage.objects.filter(state=State.QUEUED, next_attempt_at__lte=now)
        if channels:
            due = due.filter(channel__in=list(channels))
        due = due.order_by("-urgency", "next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        OutboxMessage.objects.filter(pk__in=ids, state=State.QUEUED).update(
            state=State.SENDING, claimed_at=now
        )
    return list(
        OutboxMessage.objects.filter(pk__in=ids, state=State.SENDING, claimed_at=now).order_by(
            "-urgency", "id"
        )
    )


def _sent(message: OutboxMessage, provider_ids: list[str], now) -> None:
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=State.SENT,
            sent_at=now,
            attempts=message.attempts + 1,
            parts=len(provider_ids),
            last_error="",
            claimed_at=None,
        )
        ProviderReceipt.objects.bulk_create(
            [
                ProviderReceipt(message=message, provider_id=pid, channel=message.channel)
                for pid in provider_ids
                if pid
            ],
            ignore_conflicts=True,
        )


def _sent_many(sent: list[tuple[OutboxMessage, list[str]]], now) -> None:
    """Mark a batch sent: one UPDATE per (attempts, parts) group, one INSERT of the ids."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for m, provider_ids in sent:
        groups[(m.attempts + 1, len(provider_ids))].append(m.pk)
    for (attempts, parts), pks in groups.items():
        for start in range(0, len(pks), 500):
            OutboxMessage.objects.filter(pk__in=pks[start : start + 500]).update(
                state=State.SENT,
                sent_at=now,
                attempts=attempts,
                parts=parts,
                last_error="",
                claimed_at=None,
            )
    ProviderReceipt.objects.bulk_create(
        [
            ProviderReceipt(message=m, provider_id=pid, channel=m.channel)
            for m, provider_ids in sent
            for pid in provider_ids
            if pid
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


def _not_sent(message: OutboxMessage, error: str, *, permanent: bool, now) -> str:
    attempts = message.attempts + 1
    if permanent or attempts >= MAX_ATTEMPTS:
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=State.FAILED,
            attempts=attempts,
            failed_at=now,
            last_error=error[:2000],
            claimed_at=None,
        )
        return "failed"
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=State.QUEUED,
        attempts=attempts,
        next_attempt_at=now + backoff(attempts),
        last_error=error[:2000],
        claimed_at=None,
    )
    return "retry"


def _send_sms(messages, counts, now, gateway=None) -> None:
    if not sms.configured() and gateway is None:
        for m in messages:
            counts[
                _not_sent(m, "SMS channel not configured (CHANNELS_SMPP)", permanent=False, now=now)
            ] += 1
        return
    gateway = gateway or sms.SmppGateway()
    by_key = {m.idempotency_key: m for m in messages}
    try:
        result = gateway.send([(m.idempotency_key, m.address, m.body) for m in messages])
    except sms.SmppUnavailable as exc:
        for m in messages:
            counts[_not_sent(m, str(exc), permanent=False, now=now)] += 1
        return
    with transaction.atomic():  # one commit for the batch, not one per message
        sent = []
        for key, outcome in result.outcomes.items():
            m = by_key[key]
            if outcome.ok:
                sent.append((m, outcome.provider_ids))
            else:
                counts[_not_sent(m, outcome.error, permanent=outcome.permanent, now=now)] += 1
        _sent_many(sent, now)
        counts["sent"] += len(sent)
    if result.receipts:
        receipts_record(channel=Channel.SMS, receipts=result.receipts)
    for phone, text in result.replies:
        sms_reply_handle(phone=phone, text=text)


def smpp_receiver_run(*, stop, log=None, receiver=None) -> None:
    """Record what the SMSC sends while no batch is being sent (``sms.SmppReceiver``):
    receipts that come after the sending session has unbound, and replies."""
    from django.db import close_old_connections

    def fresh_connection() -> None:
        # A long-lived process drops a broken or expired connection before writing; inside
        # a transaction (a test's) the connection is the caller's and stays.
        if not connection.in_atomic_block:
            close_old_connections()

    def on_receipts(receipts) -> None:
        fresh_connection()
        receipts_record(channel=Channel.SMS, receipts=receipts)

    def on_replies(replies) -> None:
        fresh_connection()
        for phone, text in replies:
            sms_reply_handle(phone=phone, text=text)

    (receiver or sms.SmppReceiver()).run(
        on_receipts=on_receipts, on_replies=on_replies, stop=stop, log=log
    )


def _send_zalo(messages, counts, now) -> None:
    if not zalo.configured():
        for m in messages:
            counts[
                _not_sent(
                    m, "Zalo channel not configured (CHANNELS_ZALO)", permanent=False, now=now
                )
            ] += 1
        return
    client = zalo.ZaloClient()
    for i, m in enumerate(messages):
        try:
            if m.channel == Channel.ZNS:
                pid = client.zns_template(
                    phone=m.address,
                    template_id=m.template_id,
                    data=m.template_data,
                    tracking_id=str(m.uuid),
                )
            else:
                pid = client.oa_text(user_id=m.address, text=m.body)
        except zalo.ZaloError as exc:
            outcome = _not_sent(m, str(exc), permanent=exc.permanent, now=now)
            counts[outcome] += 1
            if outcome == "failed":
                _zns_fallback(m)
        except zalo.ZaloUnavailable as exc:
            # Zalo is down: this and the rest of the batch wait for a later attempt.
            for rest in messages[i:]:
                counts[_not_sent(rest, str(exc), permanent=False, now=now)] += 1
            return
        else:
            _sent(m, [pid, str(m.uuid)] if m.channel == Channel.ZNS else [pid], now)
            counts["sent"] += 1


def _zns_fallback(message: OutboxMessage) -> None:
    """A warning sent by ZNS to a subscriber's phone that Zalo refused for good (no Zalo
    account behind the number, a template problem): the same warning goes by SMS, the text
    kept in the message's body for this."""
    if message.channel != Channel.ZNS or message.subscription_id is None:
        return
    if not message.idempotency_key.startswith("alert:") or not message.body.strip():
        return
    outbox_enqueue(
        channel=Channel.SMS,
        address=message.address,
        body=message.body,
        urgency=message.urgency,
        idempotency_key=message.idempotency_key.replace(":zns:", ":sms:", 1),
        source=message.source,
        subscription_id=message.subscription_id,
    )


def _notice_mailed(message: OutboxMessage, *, error: str) -> None:
    """A notice's e-mail (key ``notification:<id>:email``) sent or not: the notice says so
    too, as the notifications pages read it."""
    match = re.fullmatch(r"notification:(\d+):email", message.idempotency_key)
    if match is None:
        return
    if error:
        Notification.objects.filter(pk=int(match[1])).update(email_error=error[:2000])
    else:
        Notification.objects.filter(pk=int(match[1])).update(
            emailed_at=timezone.now(), email_error=""
        )


# A forgotten password's e-mail (accounts.MAIL_EVENT): its one-time link is removed from the
# stored body once sent; until then a retry needs it.
RESET_SOURCE = "accounts.password_reset"
RESET_LINK = re.compile(r"\S+/accounts/password/reset/\S+")


def account_mail_queue(
    *, address: str, subject: str, body: str, idempotency_key: str, recipient_id: int, source: str
) -> OutboxMessage:
    """In-transaction listener of ``accounts.mail``: the e-mail goes into the outbox, urgent
    (someone is waiting at the sign-in page), once per key."""
    return outbox_enqueue(
        channel=Channel.EMAIL,
        address=address,
        subject=subject,
        body=body,
        urgency=Urgency.URGENT,
        idempotency_key=idempotency_key,
        recipient_id=recipient_id,
        source=source,
    )


def _send_email(messages, counts, now) -> None:
    mail = None
    for m in messages:
        try:
            if mail is None:
                mail = get_connection()
                mail.open()
            email = EmailMultiAlternatives(
                subject=re.sub(r"\s+", " ", m.subject or "[dantoc]").strip(),
                body=m.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[m.address],
                connection=mail,
            )
            for part in m.attachments:
                if part.get("alternative"):
                    email.attach_alternative(part["content"], part["mimetype"])
                else:
                    email.attach(part["filename"], part["content"].encode(), part["mimetype"])
            email.send()
        except Exception as exc:  # one bad address must not stop the rest
            outcome = _not_sent(m, f"{type(exc).__name__}: {exc}", permanent=False, now=now)
            counts[outcome] += 1
            _notice_mailed(m, error=f"{type(exc).__name__}: {exc}")
            if mail is not None:
                with contextlib.suppress(Exception):
                    mail.close()
            mail = None
        else:
            _sent(m, [], now)
            _notice_mailed(m, error="")
            if m.source == RESET_SOURCE:
                OutboxMessage.objects.filter(pk=m.pk).update(
                    body=RESET_LINK.sub(_("[đường dẫn một lần: đã gửi, không lưu lại]"), m.body)
                )
            counts["sent"] += 1
    if mail is not None:
        mail.close()


def outbox_send_due(
    *, limit: int = BATCH, channels: Iterable[str] | None = None, sms_gateway=None
) -> dict[str, int]:
    """Send the due messages (one batch); returns counts of sent / retry / failed."""
    now = timezone.now()
    counts: dict[str, int] = defaultdict(int)
    claimed = _claim(limit=limit, channels=channels, now=now)
    by_channel = defaultdict(list)
    for m in claimed:
        by_channel[m.channel].append(m)
    if by_channel[Channel.SMS]:
        _send_sms(by_channel[Channel.SMS], counts, now, gateway=sms_gateway)
    zalo_messages = by_channel[Channel.ZALO_OA] + by_channel[Channel.ZNS]
    if zalo_messages:
        _send_zalo(zalo_messages, counts, now)
    if by_channel[Channel.EMAIL]:
        _send_email(by_channel[Channel.EMAIL], counts, now)
    counts["claimed"] = len(claimed)
    return dict(counts)


def receipts_record(*, channel: str, receipts: Iterable[tuple[str, str]]) -> int:
    """Match delivery reports to messages: delivered once every part is; failed (with the
    reported state) when any part is not. Unknown ids are ignored (logged). Returns how many
    messages the reports named. One transaction, a few queries per thousand reports."""
    now = timezone.now()
    by_stat: dict[str, list[str]] = defaultdict(list)
    for provider_id, stat in receipts:
        by_stat[(stat or "").upper()[:20]].append(provider_id)
    touched: set[int] = set()
    with transaction.atomic():
        for stat, ids in by_stat.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = ProviderReceipt.objects.filter(channel=channel, provider_id__in=chunk)
                found = set(rows.values_list("message_id", flat=True))
                if not found:
                    logger.info("receipts for unknown %s messages: %s", channel, chunk[:5])
                    continue
                rows.update(status=stat, reported_at=now)
                touched |= found
        touched_list = sorted(touched)
        for start in range(0, len(touched_list), 500):
            chunk = touched_list[start : start + 500]
            statuses: dict[int, list[str]] = defaultdict(list)
            for message_id, status in ProviderReceipt.objects.filter(
                message_id__in=chunk
            ).values_list("message_id", "status"):
                statuses[message_id].append(status)
            delivered, failed = [], defaultdict(list)
            for message_id, states in statuses.items():
                bad = [s for s in states if s in FAILED_STATS]
                if bad:
                    failed[bad[0]].append(message_id)
                elif all(s in {"DELIVRD", "DELIVERED", "RECEIVED"} for s in states):
                    delivered.append(message_id)
            if delivered:
                OutboxMessage.objects.filter(pk__in=delivered, state=State.SENT).update(
                    state=State.DELIVERED, delivered_at=now
                )
            for stat, ids in failed.items():
                OutboxMessage.objects.filter(pk__in=ids).exclude(state=State.FAILED).update(
                    state=State.FAILED, failed_at=now, last_error=f"delivery receipt stat:{stat}"
                )
    return len(touched)


# --- subscriptions ------------------------------------------------------------------------


def _code_hash(subscription_uuid, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{subscription_uuid}:{code}".encode(), hashlib.sha256).hexdigest()


def _commune_in_force(commune: Unit) -> Unit:
    if commune is None or commune.level != UnitLevel.COMMUNE or commune.valid_to is not None:
        raise ValidationError({"commune": [_("Hãy chọn một xã đang có hiệu lực.")]})
    return commune


def consent_text() -> str:
    return _(
        "Tôi đồng ý nhận tin nhắn cảnh báo thiên tai của xã đã chọn qua số điện thoại này. "
        "Số điện thoại chỉ dùng để gửi cảnh báo; tôi có thể hủy bất cứ lúc nào."
    )


def subscription_sms_start(
    *, phone: str, commune: Unit, language: str = "vi", consent: bool
) -> tuple[Subscription, bool]:
    """A citizen asks for SMS warnings: stored unconfirmed with the consent they gave, and a
    code sent by SMS. Asking again (a retried form) reuses the same row and sends a new code,
    at most ``CONFIRM_SENDS`` times. Returns (subscription, code_sent)."""
    if not consent:
        raise ValidationError({"consent": [_("Cần đồng ý để nhận tin nhắn.")]})
    address = phone_normalise(phone)
    commune = _commune_in_force(commune)
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update()
            .filter(
                channel=Channel.SMS,
                address=address,
                commune=commune,
                unsubscribed_at__isnull=True,
            )
            .first()
        )
        if sub is not None and sub.confirmed_at is not None:
            return sub, False
        if sub is None:
            try:
                with transaction.atomic():
                    sub = Subscription.objects.create(
                        channel=Channel.SMS,
                        address=address,
                        commune=commune,
                        language=language,
                        consent_text=consent_text(),
                        consent_at=timezone.now(),
                        unsubscribe_token=secrets.token_urlsafe(24),
                    )
            except IntegrityError:
                return subscription_sms_start(
                    phone=phone, commune=commune, language=language, consent=consent
                )
        sends = OutboxMessage.objects.filter(source=f"subscription:{sub.uuid}").count()
        # A form that anyone may fill must not become a way to flood a number with codes:
        # a few per subscription, and a few per number and day whatever the commune.
        today = OutboxMessage.objects.filter(
            address=address,
            source__startswith="subscription:",
            created_at__gte=timezone.now() - datetime.timedelta(days=1),
        ).count()
        if sends >= CONFIRM_SENDS or today >= CONFIRM_SENDS_PER_DAY:
            return sub, False
        code = f"{secrets.randbelow(1_000_000):06d}"
        sub.confirm_code_hash = _code_hash(sub.uuid, code)
        sub.confirm_attempts = 0
        sub.save(update_fields=["confirm_code_hash", "confirm_attempts"])
        audit_record(
            actor=None,
            action="channels.subscription_started",
            obj=sub,
            object_repr=f"SMS {phone_masked(address)} → {commune.code}",
            after={
                "channel": "sms",
                "commune": commune.code,
                "consent_at": sub.consent_at.isoformat(),
            },
        )
        outbox_enqueue(
            channel=Channel.SMS,
            address=address,
            urgency=Urgency.URGENT,
            idempotency_key=f"subscription:{sub.uuid}:confirm:{sends + 1}",
            source=f"subscription:{sub.uuid}",
            subscription_id=sub.pk,
            body=_(
                "Ma xac nhan nhan canh bao thien tai %(commune)s: %(code)s. "
                "Soan HUY gui dau so nay de ngung nhan."
            )
            % {"commune": commune.name, "code": code},
        )
    return sub, True


def subscription_confirm(*, subscription: Subscription, code: str) -> Subscription:
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if sub.confirmed_at is not None:
            return sub
        if sub.unsubscribed_at is not None:
            raise ValidationError({"code": [_("Đăng ký này đã bị hủy.")]})
        if sub.confirm_attempts >= CONFIRM_ATTEMPTS:
            raise ValidationError({"code": [_("Nhập sai quá nhiều lần; hãy đăng ký lại.")]})
        good = sub.confirm_code_hash and hmac.compare_digest(
            sub.confirm_code_hash, _code_hash(sub.uuid, (code or "").strip())
        )
        if not good:
            Subscription.objects.filter(pk=sub.pk).update(confirm_attempts=sub.confirm_attempts + 1)
        else:
            sub.confirmed_at = timezone.now()
            sub.confirm_code_hash = ""
            sub.save(update_fields=["confirmed_at", "confirm_code_hash"])
            audit_record(
                actor=None,
                action="channels.subscription_confirmed",
                obj=sub,
                object_repr=f"{sub.channel} {phone_masked(sub.address)} → {sub.commune.code}",
            )
    if not good:
        raise ValidationError({"code": [_("Mã xác nhận không đúng.")]})
    return sub


def subscriptions_unsubscribe(*, subscriptions, how: str) -> int:
    """End these subscriptions at once (one step): nothing more is sent to them."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(subscriptions.filter(unsubscribed_at__isnull=True).select_for_update())
        if not rows:
            return 0
        Subscription.objects.filter(pk__in=[s.pk for s in rows]).update(unsubscribed_at=now)
        # Warnings already queued for them are not sent either.
        OutboxMessage.objects.filter(
            subscription_id__in=[s.pk for s in rows], state=State.QUEUED
        ).update(state=State.FAILED, failed_at=now, last_error="unsubscribed")
        for sub in rows:
            audit_record(
                actor=None,
                action="channels.subscription_ended",
                obj=sub,
                object_repr=f"{sub.channel} {phone_masked(sub.address)} → {sub.commune_id}",
                after={"how": how},
            )
    return len(rows)


def subscription_unsubscribe_by_token(*, token: str) -> int:
    return subscriptions_unsubscribe(
        subscriptions=Subscription.objects.filter(unsubscribe_token=token), how="link"
    )


def sms_reply_handle(*, phone: str, text: str) -> int:
    """A citizen's SMS to the brandname: ``HUY`` (or TC/STOP) ends every subscription of
    the number. Other words are ignored."""
    word = re.sub(r"\s+", "", (text or "")).upper()
    if word not in UNSUBSCRIBE_WORDS:
        return 0
    try:
        address = phone_normalise(phone)
    except ValidationError:
        return 0
    return subscriptions_unsubscribe(
        subscriptions=Subscription.objects.filter(channel=Channel.SMS, address=address),
        how="sms keyword",
    )


def zalo_event_handle(*, event: dict) -> str:
    """A verified webhook event of the Official Account."""
    name = str(event.get("event_name", ""))
    if name == "user_received_message":
        message = event.get("message") or {}
        ids = [str(message.get("tracking_id") or ""), str(message.get("msg_id") or "")]
        for pid in [i for i in ids if i]:
            for channel in (Channel.ZNS, Channel.ZALO_OA):
                receipts_record(channel=channel, receipts=[(pid, "DELIVERED")])
        return "receipt"
    if name == "follow":
        user_id = str((event.get("follower") or {}).get("id", ""))
        if user_id:
            outbox_enqueue(
                channel=Channel.ZALO_OA,
                address=user_id,
                idempotency_key=f"zalo-welcome:{user_id}:{event.get('timestamp', '')}"[:200],
                source="zalo:follow",
                body=_(
                    "Cảm ơn đã quan tâm. Để nhận cảnh báo thiên tai của xã, hãy nhắn: XA <mã xã> "
                    "(ví dụ XA 00715). Nhắn HUY để ngừng nhận."
                ),
            )
        return "follow"
    if name in {"unfollow", "user_send_text"}:
        user_id = str((event.get("follower") or event.get("sender") or {}).get("id", ""))
        text = str((event.get("message") or {}).get("text", "")).strip()
        words = text.upper().split()
        if name == "unfollow" or (words and words[0] in UNSUBSCRIBE_WORDS):
            subscriptions_unsubscribe(
                subscriptions=Subscription.objects.filter(channel=Channel.ZALO_OA, address=user_id),
                how=f"zalo {name}",
            )
            return "unsubscribed"
        if len(words) == 2 and words[0] == "XA" and user_id:
            commune = Unit.objects.filter(
                code=words[1], level=UnitLevel.COMMUNE, valid_to__isnull=True
            ).first()
            try:
                sub = subscription_zalo(user_id=user_id, commune=commune)
            except ValidationError:
                reply = _("Không tìm thấy xã có mã %(code)s.") % {"code": words[1]}
            else:
                reply = _("Đã đăng ký nhận cảnh báo thiên tai của %(name)s.") % {
                    "name": sub.commune.name
                }
            outbox_enqueue(
                channel=Channel.ZALO_OA,
                address=user_id,
                idempotency_key=f"zalo-reply:{(event.get('message') or {}).get('msg_id', '')}:{user_id}"[
                    :200
                ],
                source="zalo:reply",
                body=reply,
            )
            return "subscribed"
    return "ignored"


def subscription_zalo(*, user_id: str, commune: Unit | None) -> Subscription:
    """A follower of the OA chose a commune: following the OA and writing the commune's
    code is their consent (recorded as such); confirmed at once."""
    commune = _commune_in_force(commune)
    sub, created = Subscription.objects.get_or_create(
        channel=Channel.ZALO_OA,
        address=user_id,
        commune=commune,
        unsubscribed_at=None,
        defaults={
            "consent_text": "Zalo: theo dõi OA và nhắn XA " + commune.code,
            "consent_at": timezone.now(),
            "confirmed_at": timezone.now(),
            "unsubscribe_token": secrets.token_urlsafe(24),
        },
    )
    if created:
        audit_record(
            actor=None,
            action="channels.subscription_confirmed",
            obj=sub,
            object_repr=f"Zalo → {commune.code}",
        )
    return sub


# --- warnings to subscribers ---------------------------------------------------------------


def _alert_text(alert, info, site_url: str) -> str:
    level = alert.get_level_display()
    if alert.is_cancel:
        head = _("[HỦY CẢNH BÁO] %(hazard)s: %(headline)s. %(note)s") % {
            "hazard": alert.get_hazard_display(),
            "headline": info.headline if info else "",
            "note": alert.note,
        }
    else:
        prefix = _("[CẬP NHẬT]") if alert.msg_type == "Update" else _("[CẢNH BÁO]")
        head = f"{prefix} {alert.get_hazard_display()} - {level}: {info.headline if info else ''}. "
        head += info.instruction if info else ""
    return " ".join(head.split())


def alert_messages_queue(*, alert_uuid: str) -> int:
    """Queue a warning (issued, updated or cancelled) to the active subscribers of its
    communes, once per subscriber and message (re-running queues nothing more)."""
    alert = Alert.objects.filter(uuid=alert_uuid).prefetch_related("infos", "communes").first()
    if alert is None:
        return 0
    communes = [c.pk for c in alert.communes.all()]
    infos = {i.language: i for i in alert.infos.all()}
    site_url = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    urgency = Urgency.URGENT if alert.level >= 3 or alert.is_cancel else Urgency.NORMAL
    subs = (
        Subscription.objects.filter(
            commune_id__in=communes,
            confirmed_at__isnull=False,
            unsubscribed_at__isnull=True,
        )
        .order_by("id")
        .only("id", "channel", "address", "language", "unsubscribe_token", "commune_id")
    )
    # A phone subscriber gets a warning by ZNS (an approved template, to the Zalo account of
    # the number: free of the SMS length and cheaper) when a template is configured, falling
    # back to SMS when Zalo refuses the number; cancellations keep to SMS (the template is a
    # warning's).
    zns_template = (
        zalo.config().get("ZNS_TEMPLATE_ALERT", "")
        if zalo.configured() and not alert.is_cancel
        else ""
    )
    commune_names = {c.pk: c.name for c in alert.communes.all()}
    until = timezone.localtime(alert.expires).strftime("%H:%M %d/%m")
    rows, seen = [], set()
    texts = {}
    for sub in subs.iterator(chunk_size=2000):
        if (sub.channel, sub.address) in seen:
            continue
        seen.add((sub.channel, sub.address))
        info = infos.get(sub.language) or infos.get("vi")
        lang = info.language if info else "vi"
        if lang not in texts:
            texts[lang] = _alert_text(alert, info, site_url)
        body = texts[lang]
        if sub.channel == Channel.SMS:
            body += " " + _("Soan HUY de ngung nhan.")
        row = {
            "channel": sub.channel,
            "address": sub.address,
            "body": body,
            "urgency": urgency,
            "idempotency_key": f"alert:{alert.uuid}:{sub.channel}:{sub.address}",
            "subscription_id": sub.pk,
        }
        if sub.channel == Channel.SMS and zns_template:
            row["channel"] = Channel.ZNS
            row["idempotency_key"] = f"alert:{alert.uuid}:zns:{sub.address}"
            row["template_id"] = zns_template
            # ZNS parameters are short strings (Zalo limits each to its template's length).
            row["template_data"] = {
                "commune": commune_names.get(sub.commune_id, "")[:30],
                "hazard": alert.get_hazard_display()[:30],
                "level": str(alert.level),
                "until": until,
            }
        rows.append(row)
    return outbox_enqueue_many(rows=rows, source=f"alert:{alert.uuid}")


# --- officials ------------------------------------------------------------------------------


def preference_save(
    *, user, urgent_channel: str, phone: str = "", zalo_user_id: str = ""
) -> ChannelPreference:
    if urgent_channel == Channel.SMS:
        phone = phone_normalise(phone)
    elif urgent_channel == Channel.ZALO_OA and not zalo_user_id.strip():
        raise ValidationError({"zalo_user_id": [_("Cần mã người dùng Zalo.")]})
    elif urgent_channel not in (Channel.EMAIL, Channel.SMS, Channel.ZALO_OA):
        raise ValidationError({"urgent_channel": [_("Kênh không hợp lệ.")]})
    with transaction.atomic():
        pref, _created = ChannelPreference.objects.select_for_update().get_or_create(user=user)
        before = {"urgent_channel": pref.urgent_channel}
        pref.urgent_channel = urgent_channel
        pref.phone = phone if urgent_channel == Channel.SMS else pref.phone
        pref.zalo_user_id = (
            zalo_user_id.strip() if urgent_channel == Channel.ZALO_OA else pref.zalo_user_id
        )
        pref.save()
        audit_record(
            actor=user,
            action="channels.preference_saved",
            obj=pref,
            object_repr=user.get_username(),
            before=before,
            after={"urgent_channel": urgent_channel},
        )
    return pref


def notices_deliver(*, notices: list[Notification], email: bool = True) -> int:
    """In-transaction listener of ``notifications.deliver``: each new notice's e-mail (unless
    the caller sends its own, richer one through the outbox), and for urgent notices a copy by
    the official's chosen channel (SMS or Zalo), stored in the outbox with the notices. Returns
    how many messages were queued."""
    if not notices:
        return 0
    rows = []
    if email:
        with translation.override(settings.LANGUAGE_CODE):
            for notice in notices:
                address = (notice.recipient.email or "").strip()
                if not address or not notice.recipient.is_active:
                    continue
                rows.append(
                    {
                        "channel": Channel.EMAIL,
                        "address": address,
                        "subject": notification_services.email_subject(notice),
                        "body": notification_services.email_body(notice),
                        "urgency": Urgency.URGENT
                        if notice.kind in URGENT_KINDS
                        else Urgency.NORMAL,
                        "idempotency_key": f"notification:{notice.pk}:email",
                        "recipient_id": notice.recipient_id,
                    }
                )
    urgent = [n for n in notices if n.kind in URGENT_KINDS]
    prefs = (
        {
            p.user_id: p
            for p in ChannelPreference.objects.filter(
                user_id__in={n.recipient_id for n in urgent}
            ).exclude(urgent_channel=Channel.EMAIL)
        }
        if urgent
        else {}
    )
    for notice in urgent:
        pref = prefs.get(notice.recipient_id)
        if pref is None:
            continue
        address = pref.phone if pref.urgent_channel == Channel.SMS else pref.zalo_user_id
        if not address:
            continue
        rows.append(
            {
                "channel": pref.urgent_channel,
                "address": address,
                "body": notice.title[:300],
                "urgency": Urgency.URGENT,
                "idempotency_key": f"notification:{notice.pk}:{pref.urgent_channel}",
                "recipient_id": notice.recipient_id,
            }
        )
    return outbox_enqueue_many(rows=rows, source="notifications") if rows else 0
