"""Background work of channels (django-tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django_tasks import task

from dantoc.channels import services
from dantoc.channels.models import OutboxMessage, State, Subscription


@task()
def outbox_send_due_task() -> dict[str, Any]:
    """Send what is due, batch after batch; when messages wait for a later attempt, queue
    this task again for the earliest of them (the back-off)."""
    totals: dict[str, int] = {}
    while True:
        counts = services.outbox_send_due()
        for k, v in counts.items():
            totals[k] = totals.get(k, 0) + v
        if counts.get("claimed", 0) < services.BATCH:
            break
    later = (
        OutboxMessage.objects.filter(state=State.QUEUED)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    backend = outbox_send_due_task.get_backend()
    if later is not None and backend.supports_defer:
        run_after = max(later, timezone.now() + datetime.timedelta(seconds=1))
        outbox_send_due_task.using(run_after=run_after).enqueue()
    return totals


@task()
def alert_messages_queue_task(alert_uuid: str) -> int:
    return services.alert_messages_queue(alert_uuid=alert_uuid)


def on_outbox_queued(*, source: str = "") -> None:
    """Listener of ``channels.outbox_queued`` (after commit)."""
    outbox_send_due_task.enqueue()


def on_alert_changed(*, thread: str, uuid: str) -> None:
    """Listener of ``alerts.alert_changed`` (issued, updated, cancelled): a task, when anyone
    subscribes at all."""
    if Subscription.objects.filter(
        confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).exists():
        alert_messages_queue_task.enqueue(uuid)
