"""Background work of the portal (django-tasks; ``manage.py db_worker`` runs it).

Every app keeps its tasks in ``<app>/tasks.py``, named after the service function they run
with ``_task``; services never import their tasks: they announce an event (after commit) and
the app's ``ready()`` connects it to the function here that queues the task.
"""

from __future__ import annotations

import datetime

from django_tasks import task

from dantoc.portal import services


@task()
def content_publish_due_task() -> int:
    """Make live the scheduled items whose time has come (queued for each scheduled time,
    and by ``manage.py publish_scheduled`` from cron as a backstop)."""
    return services.content_publish_due()


def on_publication_scheduled(*, when: datetime.datetime) -> None:
    """Listener of ``portal.publication_scheduled``: run the publication at its time."""
    content_publish_due_task.using(run_after=when).enqueue()
