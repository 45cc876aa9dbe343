"""Writes of notifications: telling officials about their tasks, in the platform and by e-mail.

Other apps (reporting first) call ``notify``; they audit their own action (the submission, the
approval), so a notice, which only reports that action, is not audited again. Marking a notice
read changes the reader's own inbox and nothing else, and is not audited either.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from dantoc.accounts.models import User
from dantoc.core.events import announce, announce_now
from dantoc.geo.models import Unit
from dantoc.notifications.models import Notification
from dantoc.notifications.permissions import can_read_notification

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[dantoc] "
# Announced after commit with the ids of new notices; notifications.tasks e-mails them
# when no app took their delivery (below).
CREATED_EVENT = "notifications.created"
# Announced inside the transaction that creates notices (``announce_now``): the app that
# keeps the platform's outbox (channels) stores their e-mails (and SMS/Zalo copies) in the
# same transaction, so a notice and its messages exist together or not at all. When an app
# listens, notifications sends no e-mail of its own.
DELIVER_EVENT = "notifications.deliver"
TITLE_MAX = Notification._meta.get_field("title").max_length
DEDUPE_KEY_MAX = Notification._meta.get_field("dedupe_key").max_length
URL_MAX = Notification._meta.get_field("url").max_length


def _recipient_ids(recipients: Iterable[User | int]) -> set[int]:
    return {r if isinstance(r, int) else r.pk for r in recipients}


def is_relative_url(url: str) -> bool:
    """A link inside the platform: starts with one "/" and names no other host."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return title


def notify(
    *,
    recipients: Iterable[User | int],
    kind: str,
    title: str,
    body: str,
    url: str = "",
    unit: Unit | None = None,
    dedupe_key: str = "",
    email: bool = True,
) -> list[Notification]:
    """Tell each active recipient, once per ``dedupe_key``; e-mail them after commit, unless
    ``email`` is False (the caller sends its own, richer e-mail: a meeting's iCalendar
    invitation).

    Returns the notices created by this call (none for a recipient who already has a notice
    with the same non-blank ``dedupe_key``, or whose account is inactive).
    """
    title = _clean_title(title)
    if not kind or not title:
        raise ValidationError("Thông báo cần có loại và tiêu đề.")
    if url and (len(url) > URL_MAX or not is_relative_url(url)):
        raise ValidationError(f"Liên kết của thông báo phải là đường dẫn nội bộ: {url!r}")
    if len(dedupe_key) > DEDUPE_KEY_MAX:
        raise ValidationError(f"Khoá chống trùng dài quá {DEDUPE_KEY_MAX} ký tự.")

    wanted = _recipient_ids(recipients)
    if not wanted:
        return []
    with transaction.atomic():
        ids = set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
        if dedupe_key:
            ids -= set(
                Notification.objects.filter(
                    recipient_id__in=ids, dedupe_key=dedupe_key
                ).values_list("recipient_id", flat=True)
            )
        if not ids:
            return []
        # One timestamp marks this call's rows, so they can be read back after an insert
        # that may have skipped some: a concurrent call with the same dedupe_key won the
        # race for those, and the unique constraint makes the database drop ours.
        now = timezone.now()
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=pk,
                    kind=kind,
                    title=title,
                    body=body,
                    url=url,
                    unit=unit,
                    created_at=now,
                    dedupe_key=dedupe_key,
                )
                for pk in sorted(ids)
            ],
            ignore_conflicts=True,
        )
        created = list(
            Notification.objects.filter(
                recipient_id__in=ids, kind=kind, dedupe_key=dedupe_key, created_at=now
            )
            .select_related("recipient", "unit")
            .order_by("recipient_id", "id")
        )
        new_ids = [n.pk for n in created]
        if new_ids:
            # After commit, notifications.tasks queues their e-mails. A queue that is down
            # must not undo or break the caller's committed work: the notices are in the inbox
            # anyway and the failure is logged (core.events).
            taken = announce_now(DELIVER_EVENT, notices=created, email=email)
            announce(CREATED_EVENT, notification_ids=new_ids, email=email and not taken)
    return created


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    if not can_read_notification(user, notification):
        raise PermissionDenied("Bạn chỉ có thể đánh dấu thông báo của chính mình.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notice of ``user`` as read; returns how many changed."""
    if not user.is_authenticated:
        raise PermissionDenied("Cần đăng nhập.")
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- e-mail ------------------------------------------------------------------------------


def email_subject(notification: Notification) -> str:
    # Header values must not contain line breaks (Django refuses them as header injection).
    return SUBJECT_PREFIX + re.sub(r"\s+", " ", notification.title).strip()


def email_body(notification: Notification) -> str:
    parts = [notification.body.strip()] if notification.body.strip() else []
    site_url = getattr(settings, "SITE_URL", "") or ""
    if notification.url and site_url:
        link = site_url.rstrip("/") + notification.url
        parts.append(_("Xem chi tiết: %(link)s") % {"link": link})
    parts.append(_("Thư này do nền tảng dantoc gửi tự động; vui lòng không trả lời thư này."))
    return "\n\n".join(parts) + "\n"


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # a dead connection only needs forgetting
        logger.debug("closing the mail connection failed", exc_info=True)


def notification_emails_send(*, notification_ids: Iterable[int]) -> dict[str, int]:
    """Send one e-mail per notice not yet e-mailed; record failures on the notice.

    Each notice is claimed with a conditional UPDATE before it is sent, so two workers given
    the same ids never send the same notice twice. A failed notice is released again (with
    its error) so that a later run may retry it.
    """
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    notices = (
        Notification.objects.filter(pk__in=list(notification_ids), emailed_at__isnull=True)
        .select_related("recipient")
        .order_by("id")
    )
    connection = None
    with translation.override(settings.LANGUAGE_CODE):
        for notice in notices:
            address = (notice.recipient.email or "").strip()
            if not address or not notice.recipient.is_active:
                counts["skipped"] += 1
                continue
            claimed = Notification.objects.filter(pk=notice.pk, emailed_at__isnull=True).update(
                emailed_at=timezone.now()
            )
            if not claimed:
                counts["skipped"] += 1
                continue
            try:
                if connection is None:
                    # One SMTP session for the batch (send() alone would open one per mail).
                    connection = get_connection()
                    connection.open()
                EmailMessage(
                    subject=email_subject(notice),
                    body=email_body(notice),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[address],
                    connection=connection,
                ).send()
            except Exception as exc:  # one bad address must not stop the rest
                logger.warning("notification %s: e-mail to %s failed: %s", notice.pk, address, exc)
                Notification.objects.filter(pk=notice.pk).update(
                    emailed_at=None, email_error=f"{type(exc).__name__}: {exc}"[:2000]
                )
                counts["failed"] += 1
                # The SMTP session may be broken; the next notice opens a fresh one.
                if connection is not None:
                    _close_quietly(connection)
                connection = None
            else:
                if notice.email_error:
                    Notification.objects.filter(pk=notice.pk).update(email_error="")
                counts["sent"] += 1
    if connection is not None:
        _close_quietly(connection)
    return counts


def security_notice_send(*, user_id: int, title: str, body: str) -> None:
    """Tell an official, in the platform and by e-mail, that their sign-in was changed
    (password, authenticator): listener of accounts' SECURITY_NOTICE."""
    notify(recipients=[user_id], kind="security", title=title, body=body)
