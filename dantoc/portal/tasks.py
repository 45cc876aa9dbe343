"""Background work of the portal (django-tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

from django_tasks import task


@task()
def publish_due() -> int:
    """Make live the scheduled items whose time has come (enqueued for each scheduled time,
    and by ``manage.py publish_scheduled`` from cron as a backstop)."""
    from dantoc.portal.services import content_publish_due

    return content_publish_due()
