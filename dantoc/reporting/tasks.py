"""Background work of reporting (django-tasks; ``manage.py db_worker`` runs it).

Every app keeps its tasks in ``<app>/tasks.py``; a task is named after the service function
it runs, with ``_task``.
"""

from __future__ import annotations

import datetime

from django_tasks import task

from dantoc.reporting.reminders import deadline_reminders_send


@task()
def deadline_reminders_send_task(today: str | None = None) -> dict[str, int]:
    day = datetime.date.fromisoformat(today) if today else None
    run = deadline_reminders_send(today=day)
    return {"due_soon": run.due_soon, "late": run.late}
