"""Background work of notifications (django-tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from dantoc.notifications import services


@task()
def notification_emails_send_task(notification_ids: list[int]) -> dict[str, Any]:
    """E-mail the given notices."""
    return services.notification_emails_send(notification_ids=notification_ids)


def on_notifications_created(*, notification_ids: list[int]) -> None:
    """Listener of ``notifications.created`` (after commit): queue their e-mails."""
    notification_emails_send_task.enqueue(notification_ids)
