"""Background work of notifications (django-tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django_tasks import task

from dantoc.notifications import selectors, services

# A notice whose e-mail failed is tried again by a new task after these delays; the failed
# run itself ends as a failed task (with the reason), never as a success.
RETRY_DELAYS = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=15),
    datetime.timedelta(hours=1),
)


class EmailNotSent(Exception):
    """Some notices of a task could not be e-mailed (their errors are on the notices)."""


@task()
def notification_emails_send_task(notification_ids: list[int], attempt: int = 1) -> dict[str, Any]:
    """E-mail the given notices; fail (and schedule a retry of the failed ones) if any could
    not be sent."""
    counts = services.notification_emails_send(notification_ids=notification_ids)
    if not counts["failed"]:
        return counts
    failed = selectors.notices_not_emailed(ids=notification_ids)
    retry = ""
    backend = notification_emails_send_task.get_backend()
    if failed and attempt <= len(RETRY_DELAYS) and backend.supports_defer:
        run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
        notification_emails_send_task.using(run_after=run_after).enqueue(
            failed, attempt=attempt + 1
        )
        retry = f"; retry {attempt + 1} at {timezone.localtime(run_after):%d/%m/%Y %H:%M}"
    else:
        retry = "; no retry left"
    errors = "; ".join(selectors.email_errors_of(ids=failed))
    raise EmailNotSent(
        f"{counts['failed']} of {len(notification_ids)} e-mails not sent "
        f"(attempt {attempt}){retry}: {errors}"[:2000]
    )


def on_notifications_created(*, notification_ids: list[int], email: bool = True) -> None:
    """Listener of ``notifications.created`` (after commit): queue their e-mails (none when
    the caller sends its own)."""
    if email:
        notification_emails_send_task.enqueue(notification_ids)
