"""The editorial workflow, the same for every kind of content.

    draft ──submit──▶ review ──publish (a second person)──▶ published ──withdraw──▶ archived
      ▲                 │  └──publish with a future time──▶ (scheduled: review + publish_at)
      └────return───────┘                                   content_publish_due makes it live

A content type takes part by inheriting ``EditorialContent`` (and ``EditorialTranslation`` for
its translations) and registering a ``Workflow`` (``editorial.workflows.register``). Edits to an
item already public wait as a revision (``editorial.revisions``); translations have their own
state (draft → review → published by a second person) so a language can be added to a live
item without the whole item going back to review.

Every function runs in one transaction, locks the item, checks the actor (``actor=None`` is
the system: the scheduler, a loader, an integration client already authorised by its token),
writes an audit row ``<app>.<kind>_<step>``, tells the reviewers or the submitter after commit
and calls the workflow's ``changed`` when what the public sees changed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from dantoc.accounts.selectors import officials_at_or_above
from dantoc.audit.services import audit_record
from dantoc.core.events import announce
from dantoc.core.languages import TRANSLATION_CODES
from dantoc.core.text import nfc
from dantoc.editorial import permissions, revisions
from dantoc.editorial.models import Status, TranslationStatus
from dantoc.editorial.workflows import Workflow, registered, workflow_for
from dantoc.notifications.services import notify

SCHEDULED_EVENT = "editorial.publication_scheduled"
LANGUAGE_CODE_MAX = 12


# --- shared helpers -------------------------------------------------------------------------


def _locked(item: Model) -> Model:
    """The row again, locked for this transaction, so two editors' actions do not interleave."""
    return type(item).objects.select_for_update().select_related("unit").get(pk=item.pk)


def _require_edit(actor, item: Model) -> Workflow:
    workflow = workflow_for(type(item))
    if actor is not None and not permissions.can_edit(actor, item):
        raise PermissionDenied("Bạn không có quyền biên tập nội dung của đơn vị này.")
    return workflow


def _audit(actor, workflow: Workflow, step: str, item: Model, before, after=None) -> None:
    audit_record(
        actor=actor,
        action=f"{workflow.app}.{workflow.kind}_{step}",
        obj=item,
        unit=getattr(item, "unit", None),
        before=before,
        after=workflow.snapshot(item) if after is None else after,
    )


def reviewers(item: Model, *, exclude=None) -> list:
    """Active officials who may publish ``item``: the workflow's reviewer roles at the item's
    unit or above it."""
    workflow = workflow_for(type(item))
    people = officials_at_or_above(roles=workflow.reviewer_roles, unit=item.unit)
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    return list(people)


def notify_after_commit(*, recipients, kind: str, title: str, body: str, item: Model) -> None:
    """Tell ``recipients`` about ``item`` once the step is committed (a link to its editor's
    page)."""
    workflow = workflow_for(type(item))

    def send():
        notify(
            recipients=recipients,
            kind=kind,
            title=title,
            body=body,
            url=workflow.editor_url(item),
            unit=item.unit,
        )

    transaction.on_commit(send, robust=True)


def _label(item: Model) -> str:
    return str(getattr(item, "title", None) or item)


# --- the item's own state ---------------------------------------------------------------------


@transaction.atomic
def content_submit_for_review(*, actor, item: Model) -> Model:
    """Draft (or withdrawn) → review; the officials who may publish it are told."""
    item = _locked(item)
    workflow = _require_edit(actor, item)
    if item.deleted_at is not None:
        raise ValidationError("Nội dung đã bị xoá.", code="deleted")
    if item.status not in (Status.DRAFT, Status.ARCHIVED):
        raise ValidationError("Chỉ gửi duyệt được bản nháp hoặc nội dung đã gỡ.", code="status")
    before = workflow.snapshot(item)
    item.status = Status.REVIEW
    item.submitted_at = timezone.now()
    item.submitted_by = actor
    item.updated_at = item.submitted_at
    item.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    _audit(actor, workflow, "submit", item, before)
    people = reviewers(item, exclude=actor)
    if people:
        notify_after_commit(
            recipients=people,
            kind=f"{workflow.app}_review",
            title=f"Chờ duyệt: {_label(item)}"[:200],
            body="Một nội dung đang chờ người khác duyệt và xuất bản.",
            item=item,
        )
    return item


@transaction.atomic
def content_return_to_draft(*, actor, item: Model, reason: str = "") -> Model:
    """Review → draft (a scheduled time is dropped); the submitter is told why."""
    item = _locked(item)
    workflow = _require_edit(actor, item)
    if item.status != Status.REVIEW or item.deleted_at is not None:
        raise ValidationError("Chỉ trả lại được nội dung đang chờ duyệt.", code="status")
    before = workflow.snapshot(item)
    item.status = Status.DRAFT
    item.publish_at = None
    item.updated_at = timezone.now()
    item.save(update_fields=["status", "publish_at", "updated_at"])
    reason = nfc(reason or "").strip()
    _audit(actor, workflow, "return", item, before, {**workflow.snapshot(item), "reason": reason})
    if item.submitted_by_id and (actor is None or item.submitted_by_id != actor.pk):
        notify_after_commit(
            recipients=[item.submitted_by_id],
            kind=f"{workflow.app}_returned",
            title=f"Trả lại: {_label(item)}"[:200],
            body=reason or "Nội dung được trả lại để sửa.",
            item=item,
        )
    return item


def _make_live(item: Model, *, at: datetime.datetime) -> None:
    item.status = Status.PUBLISHED
    item.published_at = at
    if item.first_published_at is None:
        item.first_published_at = at
    item.publish_at = None
    item.updated_at = timezone.now()
    item.save(
        update_fields=["status", "published_at", "first_published_at", "publish_at", "updated_at"]
    )


def _publish_checks(actor, item: Model) -> None:
    if actor is not None:
        refusal = permissions.publish_refusal(actor, item)
        if refusal:
            raise PermissionDenied(refusal)
    if item.deleted_at is not None:
        raise ValidationError("Nội dung đã bị xoá.", code="deleted")
    if item.status == Status.PUBLISHED:
        raise ValidationError("Nội dung đã được xuất bản.", code="status")


@transaction.atomic
def content_publish(*, actor, item: Model, publish_at: datetime.datetime | None = None) -> Model:
    """Publish now, or at ``publish_at`` when that lies in the future (``content_schedule``).
    With four eyes on, the item must be in review and ``actor`` must not have submitted it."""
    now = timezone.now()
    if publish_at is not None and timezone.is_naive(publish_at):
        raise ValidationError("Thời điểm hẹn giờ cần có múi giờ.", code="publish_at")
    if publish_at is not None and publish_at > now:
        return content_schedule(actor=actor, item=item, publish_at=publish_at)
    item = _locked(item)
    _publish_checks(actor, item)
    workflow = workflow_for(type(item))
    before = workflow.snapshot(item)
    _make_live(item, at=now)
    _audit(actor, workflow, "publish", item, before)
    workflow.published(actor, item)
    workflow.changed(item)
    return item


@transaction.atomic
def content_schedule(*, actor, item: Model, publish_at: datetime.datetime) -> Model:
    """Publish at a future time: the item waits, unseen, in review with ``publish_at`` set, and
    the task worker makes it live then (``content_publish_due``). The same person may not
    schedule what they submitted."""
    if publish_at is None or timezone.is_naive(publish_at):
        raise ValidationError("Thời điểm hẹn giờ cần có múi giờ.", code="publish_at")
    if publish_at <= timezone.now():
        raise ValidationError("Thời điểm hẹn giờ phải ở tương lai.", code="publish_at")
    item = _locked(item)
    _publish_checks(actor, item)
    workflow = workflow_for(type(item))
    before = workflow.snapshot(item)
    if item.status in (Status.DRAFT, Status.ARCHIVED):
        item.status = Status.REVIEW
    item.publish_at = publish_at
    item.updated_at = timezone.now()
    item.save(update_fields=["status", "publish_at", "updated_at"])
    _audit(actor, workflow, "schedule", item, before)
    # editorial.tasks queues content_publish_due for that time (after commit).
    transaction.on_commit(lambda: announce(SCHEDULED_EVENT, when=publish_at), robust=True)
    return item


@transaction.atomic
def content_withdraw(*, actor, item: Model) -> Model:
    """Take a published item off the public site (it becomes ``archived``), or cancel a
    scheduled publication. Subscribers get a tombstone: ``first_published_at`` stays."""
    item = _locked(item)
    workflow = _require_edit(actor, item)
    before = workflow.snapshot(item)
    was_public = item.is_public
    if item.status == Status.PUBLISHED:
        item.status = Status.ARCHIVED
    elif item.publish_at is None:
        raise ValidationError("Nội dung chưa được xuất bản hay hẹn giờ.", code="status")
    item.publish_at = None
    item.updated_at = timezone.now()
    item.save(update_fields=["status", "publish_at", "updated_at"])
    _audit(actor, workflow, "unpublish", item, before)
    if was_public or item.first_published_at:
        workflow.changed(item)
    return item


@transaction.atomic
def content_delete(*, actor, item: Model) -> Model:
    """Soft delete: the row stays as a tombstone for subscribers and the audit trail; an open
    revision is dropped."""
    item = _locked(item)
    workflow = _require_edit(actor, item)
    if item.deleted_at is not None:
        return item
    revisions.revisions_discard_for(actor=actor, item=item)
    before = workflow.snapshot(item)
    item.deleted_at = timezone.now()
    item.publish_at = None
    item.updated_at = item.deleted_at
    item.save(update_fields=["deleted_at", "publish_at", "updated_at"])
    _audit(actor, workflow, "delete", item, before)
    if item.first_published_at is not None:
        workflow.changed(item)
    return item


@transaction.atomic
def content_publish_due(*, now: datetime.datetime | None = None) -> int:
    """Make live every scheduled item (of every registered content type) whose time has
    come; how many. Safe to run often and from several processes (rows are locked; an item
    already live is skipped)."""
    now = now or timezone.now()
    count = 0
    for workflow in registered():
        due = (
            workflow.model.objects.select_for_update(skip_locked=True)
            .select_related("unit")
            .filter(
                status__in=[Status.DRAFT, Status.REVIEW],
                publish_at__lte=now,
                deleted_at__isnull=True,
            )
        )
        for item in due:
            before = workflow.snapshot(item)
            _make_live(item, at=item.publish_at)
            _audit(None, workflow, "publish", item, before)
            workflow.published(None, item)
            workflow.changed(item)
            count += 1
    return count


# --- translations -------------------------------------------------------------------------


def language_checked(language: str | None) -> str:
    """A content language code an item may be translated into, or a clear error."""
    language = (language or "").strip().lower()
    if not language or language == "vi" or len(language) > LANGUAGE_CODE_MAX:
        raise ValidationError("Mã ngôn ngữ không hợp lệ.", code="language")
    if not language.replace("-", "").isalpha():
        raise ValidationError("Mã ngôn ngữ chỉ gồm chữ cái (vd. en, hmn, km).", code="language")
    if language not in TRANSLATION_CODES:
        raise ValidationError(
            f"Ngôn ngữ {language!r} chưa có trong danh sách ngôn ngữ của nền tảng "
            f"({', '.join(TRANSLATION_CODES)}).",
            code="language",
        )
    return language


def _translations(workflow: Workflow, item: Model):
    if workflow.translations is None:
        raise LookupError(f"{workflow.kind} has no translations")
    return getattr(item, workflow.translations)


def _translation_locked(workflow: Workflow, item: Model, language: str):
    translation = _translations(workflow, item).select_for_update().filter(language=language)
    translation = translation.first()
    if translation is None:
        raise ValidationError("Chưa có bản dịch bằng ngôn ngữ này.", code="language")
    return translation


def _translation_audit(actor, workflow, step: str, item, translation, before=None) -> None:
    audit_record(
        actor=actor,
        action=f"{workflow.app}.{workflow.kind}_translation_{step}",
        obj=item,
        unit=getattr(item, "unit", None),
        before=before,
        after={
            "language": translation.language,
            "status": translation.status,
            "title": getattr(translation, "title", ""),
        },
    )


def _translation_touched(workflow: Workflow, item: Model) -> None:
    workflow.translation_changed(item)
    if item.is_public:
        workflow.changed(item)


@transaction.atomic
def translation_save(
    *,
    actor,
    item: Model,
    language: str,
    values: dict[str, Any],
    status: str = TranslationStatus.DRAFT,
):
    """Add or change the item in another language. A change makes the translation a draft
    again (it is shown once a second person publishes it) unless ``status`` is
    ``published``: a translation that goes live with the item itself, allowed while the
    item is not public (its own review covers it), for the system, or with four eyes off."""
    item = _locked(item)
    workflow = _require_edit(actor, item)
    if item.deleted_at is not None:
        raise ValidationError("Nội dung đã bị xoá, không sửa được nữa.", code="deleted")
    language = language_checked(language)
    if status not in (TranslationStatus.DRAFT, TranslationStatus.PUBLISHED):
        raise ValidationError("Trạng thái bản dịch không hợp lệ.", code="status")
    if (
        status == TranslationStatus.PUBLISHED
        and actor is not None
        and workflow.four_eyes()
        and item.status == Status.PUBLISHED
    ):
        raise PermissionDenied(
            "Bản dịch của nội dung đang xuất bản cần người khác duyệt: hãy gửi duyệt bản dịch."
        )
    now = timezone.now()
    defaults = {**values, "status": status, "updated_at": now}
    if status == TranslationStatus.PUBLISHED:
        defaults.update(published_by=actor, published_at=now)
    translation, _created = _translations(workflow, item).update_or_create(
        language=language, defaults=defaults
    )
    _translation_audit(actor, workflow, "save", item, translation)
    _translation_touched(workflow, item)
    return translation


@transaction.atomic
def translation_submit_for_review(*, actor, item: Model, language: str):
    """A draft translation → review; the officials who may publish it are told."""
    item = _locked(item)
    workflow = _require_edit(actor, item)
    translation = _translation_locked(workflow, item, language)
    if translation.status != TranslationStatus.DRAFT:
        raise ValidationError("Chỉ gửi duyệt được bản dịch nháp.", code="status")
    translation.status = TranslationStatus.REVIEW
    translation.submitted_by = actor
    translation.updated_at = timezone.now()
    translation.save(update_fields=["status", "submitted_by", "updated_at"])
    _translation_audit(actor, workflow, "submit", item, translation)
    people = reviewers(item, exclude=actor)
    if people:
        notify_after_commit(
            recipients=people,
            kind=f"{workflow.app}_review",
            title=f"Bản dịch chờ duyệt ({translation.language}): {_label(item)}"[:200],
            body="Một bản dịch đang chờ người khác duyệt.",
            item=item,
        )
    return translation


@transaction.atomic
def translation_publish(*, actor, item: Model, language: str):
    """A second person publishes a translation in review; it is shown from now on (when the
    item itself is public)."""
    item = _locked(item)
    workflow = workflow_for(type(item))
    translation = _translation_locked(workflow, item, language)
    if actor is not None:
        refusal = permissions.translation_publish_refusal(actor, item, translation)
        if refusal:
            raise PermissionDenied(refusal)
    elif translation.status == TranslationStatus.PUBLISHED:
        raise ValidationError("Bản dịch đã được duyệt.", code="status")
    before = {"language": translation.language, "status": translation.status}
    translation.status = TranslationStatus.PUBLISHED
    translation.published_by = actor
    translation.published_at = translation.updated_at = timezone.now()
    translation.save(update_fields=["status", "published_by", "published_at", "updated_at"])
    _translation_audit(actor, workflow, "publish", item, translation, before)
    _translation_touched(workflow, item)
    return translation


@transaction.atomic
def translation_withdraw(*, actor, item: Model, language: str):
    """Stop showing a translation (it goes back to draft, kept for correction)."""
    item = _locked(item)
    workflow = _require_edit(actor, item)
    translation = _translation_locked(workflow, item, language)
    if translation.status == TranslationStatus.DRAFT:
        raise ValidationError("Bản dịch đang là bản nháp.", code="status")
    before = {"language": translation.language, "status": translation.status}
    translation.status = TranslationStatus.DRAFT
    translation.updated_at = timezone.now()
    translation.save(update_fields=["status", "updated_at"])
    _translation_audit(actor, workflow, "withdraw", item, translation, before)
    _translation_touched(workflow, item)
    return translation


@transaction.atomic
def translation_delete(*, actor, item: Model, language: str) -> bool:
    """Remove the item's translation in ``language``; whether there was one."""
    item = _locked(item)
    workflow = _require_edit(actor, item)
    deleted, _rows = _translations(workflow, item).filter(language=language).delete()
    if not deleted:
        return False
    audit_record(
        actor=actor,
        action=f"{workflow.app}.{workflow.kind}_translation_delete",
        obj=item,
        unit=getattr(item, "unit", None),
        before={"language": language},
    )
    _translation_touched(workflow, item)
    return True
