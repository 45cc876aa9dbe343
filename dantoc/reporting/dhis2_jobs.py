"""Asynchronous data value imports (DHIS2's ``async=true``) as background jobs
(``core.BackgroundJob``, ``core.jobs``): the body is kept in the job until the worker
(``manage.py db_worker``) has read it, the import runs there, and the client polls
``/api/system/tasks/DATAVALUE_IMPORT/<id>`` for progress and
``/api/system/taskSummaries/DATAVALUE_IMPORT/<id>`` for the import summary, as DHIS2 2.40
answers them (``relativeNotifierEndpoint`` in the first answer names the first). The official
who started it also follows it at ``/jobs/<id>/``, with the summary to download.

The job id is the BackgroundJob's id; only the account that started a job may read it.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dantoc.audit.services import job_audit
from dantoc.core.jobs import JobOutcome, job_create, job_for, job_progress
from dantoc.core.models import BackgroundJob, JobStatus
from dantoc.reporting import dhis2, dhis2_xml
from dantoc.reporting.dhis2_import import datavalueset_import
from dantoc.reporting.dhis2_metadata import IdSchemes

CATEGORY = "DATAVALUE_IMPORT"
KIND = "reporting.datavalueset_import"
# Values between two progress figures: bulk's block on PostgreSQL (``bulk._BLOCK_VALUES``),
# where the COPY pauses anyway; a figure written inside a form's import transaction is seen
# by the progress page when the form's values are committed.
BLOCK = 50_000
SUMMARY_NAME = "import-summary.json"


def job_start(
    *, actor, body, media: str, schemes: dict, dry_run: bool, strategy: str,
    defaults: dict[str, str], enqueue: Callable[[str], object],
) -> BackgroundJob:  # fmt: skip
    """Keep ``body`` (a file) in a job, queue its import and audit the start."""
    body.seek(0)
    job = job_create(
        owner=actor,
        kind=KIND,
        title=_("Nhập dữ liệu DHIS2 (dataValueSets)%(dry)s")
        % {"dry": _(" – chạy thử") if dry_run else ""},
        params={
            "media": media,
            "schemes": schemes,
            "dry_run": dry_run,
            "strategy": strategy,
            "defaults": defaults,
            "language": translation.get_language(),
        },
        payload=body.read(),
        enqueue=enqueue,
    )
    job_audit(job_id=job.pk, action="core.job_start")
    return job


class _Counted:
    """The payload's rows (re-iterable, as the rows it wraps), telling the job every
    ``BLOCK`` values how many the import has read."""

    def __init__(self, rows, job: BackgroundJob, total: int) -> None:
        self._rows, self._job, self._total = rows, job, total

    def __iter__(self) -> Iterator:
        done = 0
        stage = _("Đang nhập số liệu")
        for done, row in enumerate(self._rows, start=1):
            if done % BLOCK == 0:
                job_progress(self._job, done=done, total=self._total, stage=stage)
            yield row
        job_progress(self._job, done=done, total=self._total, stage=stage)


def job_import(job: BackgroundJob) -> JobOutcome:
    """Run a queued import (on the worker): the summary is the job's output (JSON), the
    page tells its status and counts."""
    p = job.params
    data = bytes(job.payload or b"")
    body = io.BytesIO(data)
    dry_run, strategy = p["dry_run"], p["strategy"]
    with translation.override(p.get("language") or "vi"):
        job_progress(job, done=0, stage=_("Đang đọc dữ liệu"))
        try:
            if p["media"] in dhis2_xml.XML_TYPES:
                payload = dhis2_xml.read_xml_file(body, size=len(data), defaults=p["defaults"])
            elif p["media"] in ("application/csv", "text/csv"):
                payload = dhis2.read_csv_file(body, size=len(data), defaults=p["defaults"])
            else:
                payload = dhis2.read_json_file(body, size=len(data), defaults=p["defaults"])
            total = 0
            for total, _row in enumerate(payload.rows, start=1):
                if total % BLOCK == 0:  # read outside any transaction: seen at once
                    job_progress(job, done=total, stage=_("Đang đọc dữ liệu"))
            job_progress(job, done=0, total=total, stage=_("Đang nhập số liệu"))
            payload.rows = _Counted(payload.rows, job, total)
            summary = datavalueset_import(
                actor=job.owner, payload=payload, schemes=IdSchemes(**p["schemes"]),
                dry_run=dry_run, strategy=strategy,
            )  # fmt: skip
        except dhis2.PayloadError as exc:
            summary = dhis2.failed_summary(str(exc), dry_run=dry_run, strategy=strategy)
        out = summary.as_dict()
        out["importOptions"]["async"] = True
        counts = out["importCount"]
        text = (
            _(
                "Nhập xong: %(imported)s giá trị mới, %(updated)s cập nhật, %(deleted)s xoá, "
                "%(ignored)s bỏ qua."
            )
            % counts
        )
        if summary.status == dhis2.ERROR:
            messages = [("error", summary.description or _("Nhập thất bại."))]
        elif out.get("conflicts"):
            refused = _("Có %(n)s giá trị bị từ chối: xem bản tóm tắt.") % {
                "n": len(out["conflicts"])
            }
            messages = [("warning", text), ("warning", refused)]
        else:
            messages = [("success", text)]
    return JobOutcome(
        messages=messages,
        output=orjson.dumps(out),
        output_name=SUMMARY_NAME,
        output_type="application/json",
    )


def job_get(*, actor, job_id: str) -> BackgroundJob | None:
    """The import job ``job_id`` if ``actor`` started it, else None."""
    try:
        uuid.UUID(str(job_id))
    except ValueError:
        return None  # not a job's id: no such job (404), not a server error
    job = job_for(user=actor, job_id=job_id)
    return job if job is not None and job.kind == KIND else None


def _stamp(moment) -> str:
    return timezone.localtime(moment or timezone.now()).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def job_notifications(job: BackgroundJob) -> list[dict[str, Any]]:
    """DHIS2's notifications of a job, newest first."""
    notes = [(job.created_at, "INFO", _("Đã nhận dữ liệu, đang chờ nhập."), False)]
    if job.started_at:
        notes.append((job.started_at, "INFO", _("Đang nhập số liệu."), False))
    if job.status == JobStatus.DONE:
        notes.append((job.finished_at, "INFO", _("Nhập xong."), True))
    elif job.status == JobStatus.FAILED:
        notes.append((job.finished_at, "ERROR", _("Nhập thất bại."), True))
    return [
        {
            "uid": f"{job.pk}-{n}",
            "level": level,
            "category": CATEGORY,
            "time": _stamp(moment),
            "message": message,
            "completed": completed,
        }
        for n, (moment, level, message, completed) in reversed(list(enumerate(notes)))
    ]


def job_summary(job: BackgroundJob) -> dict[str, Any] | None:
    """The import summary of a finished job (None while it runs)."""
    if job.status == JobStatus.DONE:
        output = BackgroundJob.objects.values_list("output", flat=True).get(pk=job.pk)
        return orjson.loads(bytes(output)) if output else _failed()
    if job.status == JobStatus.FAILED:
        return _failed()
    return None


def _failed() -> dict[str, Any]:
    summary = dhis2.failed_summary(_("lỗi khi chạy tác vụ nhập."))
    data = summary.as_dict()
    data["importOptions"]["async"] = True
    return data
