"""The one way audit rows are written. Every service that changes domain rows calls it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from dantoc.audit.models import AuditEntry
from dantoc.core.models import BackgroundJob


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """A JSON-safe picture of some fields of ``obj`` (foreign keys as their ids)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            value = sorted(str(pk) for pk in getattr(obj, name).values_list("pk", flat=True))
        elif field.is_relation:
            value = getattr(obj, field.attname)
        else:
            value = getattr(obj, name)
        data[name] = value
    # Round-trip through the encoder so dates and decimals compare equal once stored.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
    unit=None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id if object_id is not None else str(obj.pk)
        object_repr = object_repr if object_repr is not None else str(obj)[:300]
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_repr=(actor.get_username() if is_user else "hệ thống")[:200],
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        object_repr=(object_repr or "")[:300],
        unit=unit,
        unit_path=unit.path if unit is not None else "",
        before=before,
        after=after,
        ip_address=ip_address,
    )


def job_audit(*, job_id, action: str) -> AuditEntry | None:
    """Audit a background job's start (``core.job_start``, by its owner) or end
    (``core.job_finish``, by the worker): its kind, status and parameters, never the file."""
    from_worker = action == "core.job_finish"
    job = (
        BackgroundJob.objects.only("pk", "kind", "title", "status", "params", "owner")
        .filter(pk=job_id)
        .first()
    )
    if job is None:
        return None
    return audit_record(
        actor=None if from_worker else job.owner,
        action=action,
        obj=job,
        object_repr=job.title,
        after={"kind": job.kind, "status": job.status, "params": job.params},
    )


def job_finish_audit(job_id) -> None:
    """``core.jobs.job_run``'s ``on_finish``: the worker's end of a job, audited."""
    job_audit(job_id=job_id, action="core.job_finish")


REDACTED = "[đã xoá]"


def audit_redact(*, object_type: str, object_id: str) -> int:
    """Remove the personal data an object's audit rows hold, when the law requires the data
    itself erased (a data subject's deletion request, Personal Data Protection Law 2025): the
    rows stay (who did what, when, to object #id) and say which fields changed, but every
    value, and the object's name, is replaced by "[đã xoá]". Returns the rows changed."""
    changed = 0
    rows = AuditEntry.objects.filter(object_type=object_type, object_id=object_id)
    for entry in rows.only("pk", "before", "after", "object_repr"):
        entry.before = _redacted(entry.before)
        entry.after = _redacted(entry.after)
        entry.object_repr = f"#{object_id}"
        entry.save(update_fields=["before", "after", "object_repr"])
        changed += 1
    return changed


def _redacted(values):
    if isinstance(values, dict):
        return {key: REDACTED for key in values}
    return None if values is None else REDACTED
