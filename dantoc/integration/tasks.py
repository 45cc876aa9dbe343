"""Background work of the integration app (django-tasks; ``manage.py db_worker`` runs it).

Tasks are named after the service they run with ``_task``; services never import their
tasks: ``services.webhooks`` announces ``integration.webhook_delivery_due`` after commit and
``IntegrationConfig.ready`` connects it to ``on_webhook_delivery_due``.
"""

from __future__ import annotations

import datetime

from django_tasks import task

from dantoc.integration.services import webhooks


@task()
def message_deliver_task(webhook_id: str) -> str:
    """One delivery attempt of one webhook message (``webhooks.message_deliver``)."""
    return webhooks.message_deliver(webhook_id=webhook_id)


def on_webhook_delivery_due(
    *, webhook_ids: list[str], run_after: datetime.datetime | None = None
) -> None:
    """Listener of ``integration.webhook_delivery_due``: queue an attempt of each message,
    at ``run_after`` for a deferred retry."""
    queued = message_deliver_task.using(run_after=run_after) if run_after else message_deliver_task
    for webhook_id in webhook_ids:
        queued.enqueue(webhook_id)
