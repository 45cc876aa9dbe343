"""Background jobs a user waits for: started by a view, run by the task worker
(``<app>/tasks.py``), followed on a progress page that polls (``/jobs/<id>/``; a meta refresh
without JavaScript).

A task receives the job's id, calls :func:`job_run` with the work to do, and the work returns
what to tell the user and, optionally, a file to download. While it works it tells how far it
is with :func:`job_progress` (done of total, and the stage), which the progress page shows.

Auditing: core sits below the audit app, so the apps that start and run jobs write the audit
rows (``audit.services.job_audit``: the start by its owner, the end by the worker)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from dantoc.core.models import BackgroundJob, JobStatus

logger = logging.getLogger(__name__)


@dataclass
class JobOutcome:
    messages: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    output: bytes | None = None
    output_name: str = ""
    output_type: str = ""
    failed: bool = False


def job_create(
    *,
    owner,
    kind: str,
    title: str,
    params: dict,
    back_url: str = "",
    payload: bytes | None = None,
    enqueue: Callable[[str], object],
) -> BackgroundJob:
    """Save the job and queue its task once the transaction commits."""
    job = BackgroundJob.objects.create(
        owner=owner, kind=kind, title=title[:300], params=params, back_url=back_url,
        payload=payload,
    )  # fmt: skip
    job_id = str(job.pk)
    transaction.on_commit(lambda: enqueue(job_id), robust=True)
    return job


def job_run(
    job_id: str,
    work: Callable[[BackgroundJob], JobOutcome],
    *,
    on_finish: Callable[[str], object] | None = None,
) -> str:
    """Run ``work`` for a queued job and keep its outcome; a job already finished is not run
    again (a task retried by the worker). An unexpected error marks the job failed and is
    raised again, so the worker records the failed task too. ``on_finish(job_id)`` is called
    once the outcome is kept, each time the work ran (the app audits the end there)."""
    with transaction.atomic():
        job = BackgroundJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return job.status if job else "missing"
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.progress_done, job.progress_total, job.progress_stage = 0, None, ""
        job.save(
            update_fields=[
                "status", "started_at", "progress_done", "progress_total", "progress_stage"
            ]
        )  # fmt: skip
    try:
        outcome = work(job)
    except Exception:
        logger.exception("background job %s failed", job_id)
        BackgroundJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            payload=None,
            outcome=[
                {"level": "error", "text": "Có lỗi khi xử lý; hãy thử lại hoặc báo quản trị."}
            ],
        )
        if on_finish is not None:
            on_finish(job_id)
        raise
    BackgroundJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED if outcome.failed else JobStatus.DONE,
        finished_at=timezone.now(),
        payload=None,  # the uploaded file is not kept once read
        outcome=[{"level": level, "text": text} for level, text in outcome.messages],
        output=outcome.output,
        output_name=outcome.output_name,
        output_type=outcome.output_type,
    )
    if on_finish is not None:
        on_finish(job_id)
    return JobStatus.FAILED if outcome.failed else JobStatus.DONE


def job_progress(job: BackgroundJob, *, done: int, total: int | None = None, stage: str = ""):
    """Record how far a running job is: ``done`` of ``total`` (None: not known yet) in
    ``stage``. Called by the work between blocks; a finished job is left as it is.

    Written on the worker's connection: inside a transaction the work opened (a form's values
    imported at once) the figure is seen by the progress page when that transaction ends."""
    total = None if total is None else max(total, done)
    job.progress_done, job.progress_total, job.progress_stage = done, total, stage[:200]
    BackgroundJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        progress_done=done, progress_total=total, progress_stage=stage[:200]
    )


def job_for(*, user, job_id) -> BackgroundJob | None:
    """A job of this user (nobody else sees what another official uploaded or generated)."""
    try:
        return BackgroundJob.objects.defer("payload", "output").get(pk=job_id, owner=user)
    except (BackgroundJob.DoesNotExist, ValueError):
        return None
