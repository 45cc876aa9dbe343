"""Background work of the training part (django-tasks; ``manage.py db_worker`` runs it).

``training_hourly_task`` keeps itself scheduled once started (``manage.py training_schedule``,
which ``scripts/serve.sh`` runs at start): at the top of every hour it sends the reminders of
sessions in the next 24 hours (once per participant and session), and at 02:00 it recounts
the 100 % goal's figures of every unit (``figures.figures_write_all``: accounts created or
given a role since, a course passed elsewhere; only changed units are written).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from dantoc.training.figures import figures_write_all
from dantoc.training.services import reminders_send

RECOUNT_HOUR = 2


def next_hour(now: datetime.datetime) -> datetime.datetime:
    """The start of the next hour (a few seconds after), so the runs do not drift."""
    local = timezone.localtime(now)
    return local.replace(minute=0, second=5, microsecond=0) + datetime.timedelta(hours=1)


@task()
def training_hourly_task(reschedule: bool = True) -> dict:
    now = timezone.now()
    result = {"reminders": reminders_send(now=now), "units_recounted": None}
    if timezone.localtime(now).hour == RECOUNT_HOUR:
        result["units_recounted"] = figures_write_all()
    if reschedule:
        training_hourly_task.using(run_after=next_hour(now)).enqueue(True)
    return result


def schedule() -> bool:
    """Queue the hourly task unless one is already waiting or running. Returns whether it
    queued one."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    path = f"{training_hourly_task.func.__module__}.{training_hourly_task.func.__qualname__}"
    waiting = DBTaskResult.objects.filter(
        task_path=path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    if waiting.exists():
        return False
    training_hourly_task.enqueue(True)
    return True
