from __future__ import annotations

import datetime
import email
import email.policy
import email.utils
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from dantoc.accounts.models import User
from dantoc.notifications.models import Notification


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notices, newest first. Nobody reads another person's notices."""
    if not user.is_authenticated:
        return Notification.objects.none()
    notices = Notification.objects.filter(recipient=user).select_related("unit")
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return notices.order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notices_not_emailed(*, ids: list[int]) -> list[int]:
    """Of ``ids``, the notices whose e-mail failed and is still owed."""
    return list(
        Notification.objects.filter(pk__in=list(ids), emailed_at__isnull=True)
        .exclude(email_error="")
        .order_by("id")
        .values_list("pk", flat=True)
    )


def email_errors_of(*, ids: list[int]) -> list[str]:
    return list(
        Notification.objects.filter(pk__in=list(ids))
        .order_by("id")
        .values_list("email_error", flat=True)
    )


def email_failures_recent(*, limit: int = 50) -> QuerySet[Notification]:
    """Notices whose e-mail could not be sent (yet), newest first."""
    return (
        Notification.objects.filter(emailed_at__isnull=True)
        .exclude(email_error="")
        .select_related("recipient")
        .order_by("-created_at", "-id")[:limit]
    )


def mail_files_in_use() -> bool:
    """Mail goes to files (no mail server configured) and this is not production: the only
    case in which the platform shows the messages it "sent"."""
    return not settings.PRODUCTION and settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")


@dataclass(frozen=True)
class OutgoingMail:
    sent_at: datetime.datetime | None
    to: str
    subject: str
    body: str


# Django's file-based backend ends every message with a line of 79 dashes.
_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def outgoing_mail_recent(*, limit: int = 50) -> list[OutgoingMail]:
    """The latest messages the file-based backend wrote, newest first (empty unless
    ``mail_files_in_use``)."""
    if not mail_files_in_use():
        return []
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.log"), key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    found: list[OutgoingMail] = []
    for path in files:
        for chunk in reversed(path.read_bytes().split(_SEPARATOR)):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk, policy=email.policy.default)
            part = message.get_body(preferencelist=("plain", "html"))
            date = message["Date"]
            found.append(
                OutgoingMail(
                    sent_at=email.utils.parsedate_to_datetime(date) if date else None,
                    to=str(message["To"] or ""),
                    subject=str(message["Subject"] or ""),
                    body=part.get_content() if part is not None else "",
                )
            )
            if len(found) >= limit:
                return found
    return found
