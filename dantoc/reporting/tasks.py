"""Background work of reporting (django-tasks; ``manage.py db_worker`` runs it).

Every app keeps its tasks in ``<app>/tasks.py``; a task is named after the service function
it runs, with ``_task``.
"""

from __future__ import annotations

import datetime

from django_tasks import task

from dantoc.reporting.dhis2_jobs import job_run
from dantoc.reporting.reminders import deadline_reminders_send


@task()
def deadline_reminders_send_task(today: str | None = None) -> dict[str, int]:
    day = datetime.date.fromisoformat(today) if today else None
    run = deadline_reminders_send(today=day)
    return {"due_soon": run.due_soon, "late": run.late}


@task()
def datavalueset_import_task(
    *, path: str, media: str, actor_id: int, schemes: dict, dry_run: bool, strategy: str,
    defaults: dict,
) -> dict:  # fmt: skip
    """A DHIS2 ``async=true`` import (``dhis2_jobs``)."""
    return job_run(
        path=path, media=media, actor_id=actor_id, schemes=schemes, dry_run=dry_run,
        strategy=strategy, defaults=defaults,
    )  # fmt: skip
