"""Background work of the expert database (django-tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

from django_tasks import task

from dantoc.experts import services


@task()
def invitation_email_send_task(expert_id: int, link: str) -> bool:
    return services.invitation_email_send(expert_id=expert_id, link=link)
