"""Webhook deliveries with the production task backend (django-tasks-db): the first attempt
waits in the task table, and a failed attempt queues its retry for the back-off time."""

from __future__ import annotations

import pytest
from django.utils.module_loading import import_string

from dantoc.integration.models import WebhookMessage
from dantoc.integration.tests import portal_content
from dantoc.integration.tests.test_webhooks import subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_tasks")]


def test_the_task_worker_sends_the_first_attempt_and_queues_the_retry_for_its_time(
    client, token, receiver, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    subscribe(client, token, receiver.url)
    receiver.statuses = [503]
    with django_capture_on_commit_callbacks(execute=True):
        portal_content.article()
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("tasks.message_deliver_task") and receiver.received == []
    # What db_worker does with the row (its SQLite locking cannot run inside a test's
    # transaction): import the task and call it with the stored arguments.
    with django_capture_on_commit_callbacks(execute=True):
        import_string(queued.task_path).call(*queued.args_kwargs["args"])
    message = WebhookMessage.objects.get()
    assert message.attempts == 1 and len(receiver.received) == 1
    retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert retry.run_after == message.next_attempt_at
    assert retry.args_kwargs["args"] == [message.webhook_id]
