"""Background work of the editorial workflow (django-tasks; ``manage.py db_worker`` runs it).

Tasks are named after the service they run with ``_task``; services never import their
tasks: ``content_schedule`` announces ``editorial.publication_scheduled`` after commit and
``EditorialConfig.ready`` connects it to ``on_publication_scheduled``.
"""

from __future__ import annotations

import datetime

from django_tasks import task

from dantoc.editorial import services


@task()
def content_publish_due_task() -> int:
    """Make live the scheduled items whose time has come (queued for each scheduled time,
    and by ``manage.py publish_scheduled`` from cron as a backstop)."""
    return services.content_publish_due()


def on_publication_scheduled(*, when: datetime.datetime) -> None:
    """Listener of ``editorial.publication_scheduled``: run the publication at its time."""
    content_publish_due_task.using(run_after=when).enqueue()
