"""Background jobs a user waits for: started by a view, run by the task worker
(``<app>/tasks.py``), followed on a progress page that polls (``/jobs/<id>/``; a meta refresh
without JavaScript).

A task receives the job's id, calls :func:`job_run` with the work to do, and the work returns
what to tell the user and, optionally, a file to download."""

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


def job_run(job_id: str, work: Callable[[BackgroundJob], JobOutcome]) -> str:
    """Run ``work`` for a queued job and keep its outcome; a job already finished is not run
    again (a task retried by the worker). An unexpected error marks the job failed and is
    raised again, so the worker records the failed task too."""
    with transaction.atomic():
        job = BackgroundJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return job.status if job else "missing"
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
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
    return JobStatus.FAILED if outcome.failed else JobStatus.DONE


def job_for(*, user, job_id) -> BackgroundJob | None:
    """A job of this user (nobody else sees what another official uploaded or generated)."""
    try:
        return BackgroundJob.objects.defer("payload", "output").get(pk=job_id, owner=user)
    except (BackgroundJob.DoesNotExist, ValueError):
        return None
