"""Asynchronous data value imports (DHIS2's ``async=true``): the body is kept in storage,
the import runs on the task worker (``manage.py db_worker``, django-tasks), and the client
polls ``/api/system/tasks/DATAVALUE_IMPORT/<id>`` for progress and
``/api/system/taskSummaries/DATAVALUE_IMPORT/<id>`` for the import summary, as DHIS2 2.40
answers them (``relativeNotifierEndpoint`` in the first answer names the first).

The job id is the task result's id; only the account that started a job may read it. The
stored body (under ``dhis2-imports/``, a random name, never linked) is deleted when the
job has read it.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks.exceptions import TaskResultDoesNotExist

from dantoc.reporting import dhis2, dhis2_xml
from dantoc.reporting.dhis2_import import datavalueset_import
from dantoc.reporting.dhis2_metadata import IdSchemes

CATEGORY = "DATAVALUE_IMPORT"
STORE = "dhis2-imports"
_SPOOL = 8 * 1024 * 1024


def job_run(
    *, path: str, media: str, actor_id: int, schemes: dict, dry_run: bool, strategy: str,
    defaults: dict[str, str],
) -> dict[str, Any]:  # fmt: skip
    """Run a queued import (on the worker); its import summary."""
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        with (
            default_storage.open(path, "rb") as stored,
            tempfile.SpooledTemporaryFile(max_size=_SPOOL) as body,
        ):
            size = 0
            while block := stored.read(1024 * 1024):
                body.write(block)
                size += len(block)
            try:
                if media in dhis2_xml.XML_TYPES:
                    payload = dhis2_xml.read_xml_file(body, size=size, defaults=defaults)
                elif media in ("application/csv", "text/csv"):
                    payload = dhis2.read_csv_file(body, size=size, defaults=defaults)
                else:
                    payload = dhis2.read_json_file(body, size=size, defaults=defaults)
                summary = datavalueset_import(
                    actor=actor, payload=payload, schemes=IdSchemes(**schemes),
                    dry_run=dry_run, strategy=strategy,
                )  # fmt: skip
            except dhis2.PayloadError as exc:
                summary = dhis2.failed_summary(str(exc), dry_run=dry_run, strategy=strategy)
    finally:
        default_storage.delete(path)
    data = summary.as_dict()
    data["importOptions"]["async"] = True
    return data


def job_get(*, actor, job_id: str):
    """The task result of ``job_id`` if ``actor`` started it, else None."""
    try:
        result = default_task_backend.get_result(job_id)
    except (TaskResultDoesNotExist, ValueError, NotImplementedError):
        return None
    if result.kwargs.get("actor_id") != actor.pk:
        return None
    return result


def _stamp(moment) -> str:
    return timezone.localtime(moment or timezone.now()).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def job_notifications(result) -> list[dict[str, Any]]:
    """DHIS2's notifications of a job, newest first."""
    notes = [(result.enqueued_at, "INFO", _("Đã nhận dữ liệu, đang chờ nhập."), False)]
    if result.started_at:
        notes.append((result.started_at, "INFO", _("Đang nhập số liệu."), False))
    if result.status == TaskResultStatus.SUCCESSFUL:
        notes.append((result.finished_at, "INFO", _("Nhập xong."), True))
    elif result.status == TaskResultStatus.FAILED:
        notes.append((result.finished_at, "ERROR", _("Nhập thất bại."), True))
    return [
        {
            "uid": f"{result.id}-{n}",
            "level": level,
            "category": CATEGORY,
            "time": _stamp(moment),
            "message": message,
            "completed": completed,
        }
        for n, (moment, level, message, completed) in reversed(list(enumerate(notes)))
    ]


def job_summary(result) -> dict[str, Any] | None:
    """The import summary of a finished job (None while it runs)."""
    if result.status == TaskResultStatus.SUCCESSFUL:
        return result.return_value
    if result.status == TaskResultStatus.FAILED:
        return _failed()
    return None


def _failed() -> dict[str, Any]:
    summary = dhis2.failed_summary(_("lỗi khi chạy tác vụ nhập."))
    data = summary.as_dict()
    data["importOptions"]["async"] = True
    return data
