"""Background work of reporting (django-tasks; ``manage.py db_worker`` runs it).

Every app keeps its tasks in ``<app>/tasks.py``; a task is named after the service function
it runs, with ``_task``.
"""

from __future__ import annotations

import datetime

from django.utils import translation
from django_tasks import task

from dantoc.audit.services import job_finish_audit
from dantoc.core.jobs import JobOutcome, job_progress, job_run
from dantoc.core.models import BackgroundJob
from dantoc.geo.selectors import unit_get
from dantoc.reporting import selectors, services
from dantoc.reporting.dhis2_jobs import job_import as dhis2_job_import
from dantoc.reporting.reminders import deadline_reminders_send
from dantoc.reporting.xlsx_messages import import_messages


@task()
def deadline_reminders_send_task(today: str | None = None) -> dict[str, int]:
    day = datetime.date.fromisoformat(today) if today else None
    run = deadline_reminders_send(today=day)
    return {"due_soon": run.due_soon, "late": run.late}


@task()
def xlsx_import_task(job_id: str) -> str:
    """Read an uploaded Excel form in the background (a large file)."""
    return job_run(job_id, _xlsx_import, on_finish=job_finish_audit)


def _xlsx_import(job: BackgroundJob) -> JobOutcome:
    params = job.params
    form = selectors.form_get(code=params["form"])
    period = services.period_resolve(period_type=form.period_type, code=params["period"])
    unit = unit_get(code=params["unit"], as_of=period.end_date)
    submission = selectors.submission_for(form=form, unit=unit, period=period)
    if submission is not None:
        form = submission.form  # the version the report was filed on
    with translation.override(job.params.get("language") or translation.get_language()):
        said = import_messages(
            actor=job.owner,
            form=form,
            unit=unit,
            period=period,
            data=bytes(job.payload or b""),
            progress=lambda done, total, stage: job_progress(
                job, done=done, total=total, stage=stage
            ),
        )
    return JobOutcome(messages=said, failed=all(level == "error" for level, _t in said))


@task()
def datavalueset_import_task(job_id: str) -> str:
    """A DHIS2 ``async=true`` import (``dhis2_jobs``)."""
    return job_run(job_id, dhis2_job_import, on_finish=job_finish_audit)
