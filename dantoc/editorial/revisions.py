"""Revisions: an edit to a published item waits for a second editor as a new version.

While a revision is open (draft → review) the item's own row, which the public pages, feeds,
sitemap, search, the integration sync feeds and webhooks all read, keeps the published
version; its ``updated_at`` does not move. A second editor approves the revision: its data
replaces the published content in one transaction (audited, announced), it gets the item's
next version number, and the state it replaced is kept on it so the former version can be
seen. The author of a revision (anyone who wrote into it) cannot approve it.

This module knows nothing of an item's fields. A content type takes part by registering a
``RevisionHandler`` (``register``) that says how to read the item's editable state as JSON,
how to write such a state back onto the item, which files a state refers to, how to show its
values, and who reviews it. The portal registers articles and legal documents in
``portal.services``; other content types (heritage, library, citizen information…) register
their own. Four eyes apply when the content type's ``Workflow`` says so (``four_eyes``).
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dantoc.audit.services import audit_record
from dantoc.editorial.models import OPEN_REVISION_STATUSES, ContentRevision, RevisionStatus
from dantoc.editorial.workflows import four_eyes_on


@dataclass(frozen=True)
class RevisionHandler:
    """How revisions of one content type are read, shown and applied."""

    model: type[Model]
    # Name the type in audit actions ("<app>.<kind>_revision_approve") and notification kinds.
    app: str
    kind: str
    # The item's editable state now, JSON-ready (links as primary keys, dates as ISO text).
    state: Callable[[Model], dict[str, Any]]
    # Writes a state onto the (locked) item: fields, links, translations, attachments; moves
    # its modification time and announces the change when the public sees it.
    apply: Callable[..., None]
    # (key of the state, label) in the order the comparison shows them.
    fields: Sequence[tuple[str, str]]
    # A state's value as plain text for the comparison.
    display: Callable[[str, Any], str]
    # Storage names of the files a state refers to, and how to delete one after commit.
    files: Callable[[dict[str, Any]], set[str]]
    delete_file: Callable[[str], None]
    # Who may edit the item, and the editors told when a revision waits for them.
    can_edit: Callable[[Any, Model, dict[str, Any]], bool]
    reviewers: Callable[[Model, Any], list]
    notify: Callable[..., None]
    editor_url: Callable[[Model], str]


_HANDLERS: dict[type[Model], RevisionHandler] = {}


def register(handler: RevisionHandler) -> None:
    _HANDLERS[handler.model] = handler


def handler_for(model: type[Model]) -> RevisionHandler:
    return _HANDLERS[model]


# --- reads --------------------------------------------------------------------------------


def revisions_of(item: Model) -> QuerySet[ContentRevision]:
    return ContentRevision.objects.filter(
        content_type=ContentType.objects.get_for_model(type(item)), object_id=item.pk
    ).select_related("created_by", "submitted_by", "decided_by")


def revision_open(item: Model) -> ContentRevision | None:
    return revisions_of(item).filter(status__in=OPEN_REVISION_STATUSES).first()


def revision_item(revision: ContentRevision) -> Model | None:
    model = revision.content_type.model_class()
    return model.objects.select_related("unit").filter(pk=revision.object_id).first()


def pending_state(item: Model) -> dict[str, Any]:
    """What an editor's next change starts from: the open revision's state, else the item's."""
    revision = revision_open(item)
    if revision is not None:
        return copy.deepcopy(revision.data)
    return handler_for(type(item)).state(item)


def live_version(item: Model) -> int:
    """The version number of what the public sees (the first publication is version 1)."""
    numbers = revisions_of(item).filter(number__isnull=False).values_list("number", flat=True)
    return max(numbers, default=1)


def approve_refusal(user, revision: ContentRevision, item: Model) -> str | None:
    """Why ``user`` may not approve ``revision`` now, or None if they may."""
    handler = handler_for(type(item))
    if not handler.can_edit(user, item, revision.data):
        return "Bạn không có quyền duyệt nội dung của đơn vị này."
    if getattr(item, "deleted_at", None) is not None:
        return "Nội dung đã bị xoá."
    if revision.status != RevisionStatus.REVIEW:
        return "Cần gửi duyệt bản sửa trước khi duyệt."
    if four_eyes_on(type(item)) and user.pk in revision.author_ids:
        return "Người viết bản sửa không tự duyệt được: cần một biên tập viên khác duyệt."
    return None


@dataclass(frozen=True)
class ComparedField:
    key: str
    label: str
    changed: bool
    left: SafeString
    right: SafeString


def compare(item: Model, left: dict[str, Any], right: dict[str, Any]) -> list[ComparedField]:
    """Two states of ``item`` side by side, each field as text, changed words marked with
    ``<del>`` (left) and ``<ins>`` (right)."""
    handler = handler_for(type(item))
    rows = []
    for key, label in handler.fields:
        old, new = handler.display(key, left.get(key)), handler.display(key, right.get(key))
        if old == new:
            rows.append(ComparedField(key, label, False, escape(old), escape(new)))
        else:
            marked_old, marked_new = diff_words(old, new)
            rows.append(ComparedField(key, label, True, marked_old, marked_new))
    return rows


def diff_words(old: str, new: str) -> tuple[SafeString, SafeString]:
    """``old`` with removed words in ``<del>``, ``new`` with added words in ``<ins>``."""
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old_part, new_part = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(old_part)
            right.append(new_part)
            continue
        if old_part:
            left.append(f"<del>{old_part}</del>")
        if new_part:
            right.append(f"<ins>{new_part}</ins>")
    # Words changed next to each other read as one change: "<del>đã duyệt</del>".
    marked_left = re.sub(r"</del>(\s+)<del>", r"\1", "".join(left))
    marked_right = re.sub(r"</ins>(\s+)<ins>", r"\1", "".join(right))
    return mark_safe(marked_left), mark_safe(marked_right)


# --- writes -------------------------------------------------------------------------------


def _audit(actor, action: str, revision: ContentRevision, item: Model, **extra) -> None:
    handler = handler_for(type(item))
    audit_record(
        actor=actor,
        action=f"{handler.app}.{handler.kind}_revision_{action}",
        obj=item,
        unit=getattr(item, "unit", None),
        after={"revision": str(revision.uuid), "status": revision.status, **extra},
    )


def _forget_files(handler: RevisionHandler, *, dropped: dict, kept: Sequence[dict]) -> None:
    """Delete (after commit) the files ``dropped`` refers to that no state in ``kept`` does."""
    still = set().union(*(handler.files(state) for state in kept))
    for name in handler.files(dropped) - still:
        handler.delete_file(name)


def revision_write(*, actor, item: Model, data: dict[str, Any]) -> ContentRevision:
    """Store ``data`` as the item's open revision (a new one, as a draft, if none is open).

    The caller has locked the item, checked ``actor``'s right to edit it and checked ``data``
    as it checks a direct save; the item's row is not touched."""
    handler = handler_for(type(item))
    revision = revision_open(item)
    now = timezone.now()
    if revision is None:
        revision = ContentRevision(
            content_type=ContentType.objects.get_for_model(type(item)),
            object_id=item.pk,
            created_by=actor,
            created_at=now,
        )
        created = True
    else:
        revision = ContentRevision.objects.select_for_update().get(pk=revision.pk)
        _forget_files(handler, dropped=revision.data, kept=[data, handler.state(item)])
        created = False
    revision.data = data
    if actor is not None and actor.pk not in revision.author_ids:
        revision.author_ids = [*revision.author_ids, actor.pk]
    revision.updated_at = now
    revision.save()
    _audit(actor, "create" if created else "update", revision, item, data=data)
    return revision


def _locked(revision: ContentRevision) -> tuple[ContentRevision, Model]:
    """The item, then the revision, locked for this transaction (the order the edit services
    lock them in)."""
    model = revision.content_type.model_class()
    item = model.objects.select_for_update().select_related("unit").get(pk=revision.object_id)
    return ContentRevision.objects.select_for_update().get(pk=revision.pk), item


def _require_edit(actor, revision: ContentRevision, item: Model) -> RevisionHandler:
    handler = handler_for(type(item))
    if actor is not None and not handler.can_edit(actor, item, revision.data):
        raise PermissionDenied("Bạn không có quyền biên tập nội dung của đơn vị này.")
    return handler


@transaction.atomic
def revision_submit(*, actor, revision: ContentRevision) -> ContentRevision:
    """Draft → review; the editors who may approve it are told."""
    revision, item = _locked(revision)
    handler = _require_edit(actor, revision, item)
    if revision.status != RevisionStatus.DRAFT:
        raise ValidationError("Chỉ gửi duyệt được bản sửa đang là bản nháp.", code="status")
    revision.status = RevisionStatus.REVIEW
    revision.submitted_by = actor
    revision.submitted_at = revision.updated_at = timezone.now()
    revision.reason = ""
    if actor is not None and actor.pk not in revision.author_ids:
        revision.author_ids = [*revision.author_ids, actor.pk]
    revision.save(
        update_fields=[
            "status", "submitted_by", "submitted_at", "updated_at", "reason", "author_ids",
        ]
    )  # fmt: skip
    _audit(actor, "submit", revision, item)
    authors = set(revision.author_ids)
    reviewers = [u for u in handler.reviewers(item, actor) if u.pk not in authors]
    if reviewers:
        handler.notify(
            recipients=reviewers,
            kind=f"{handler.app}_review",
            title=f"Bản sửa chờ duyệt: {item}"[:200],
            body="Một nội dung đang xuất bản có bản sửa chờ biên tập viên khác duyệt; bản đang "
            "xuất bản giữ nguyên cho tới khi được duyệt.",
            item=item,
        )
    return revision


@transaction.atomic
def revision_return(*, actor, revision: ContentRevision, reason: str = "") -> ContentRevision:
    """Review → draft, with the reason told to whoever submitted it."""
    revision, item = _locked(revision)
    handler = _require_edit(actor, revision, item)
    if revision.status != RevisionStatus.REVIEW:
        raise ValidationError("Chỉ trả lại được bản sửa đang chờ duyệt.", code="status")
    revision.status = RevisionStatus.DRAFT
    revision.reason = (reason or "").strip()
    revision.updated_at = timezone.now()
    revision.save(update_fields=["status", "reason", "updated_at"])
    _audit(actor, "return", revision, item, reason=revision.reason)
    if revision.submitted_by_id and (actor is None or revision.submitted_by_id != actor.pk):
        handler.notify(
            recipients=[revision.submitted_by_id],
            kind=f"{handler.app}_returned",
            title=f"Trả lại bản sửa: {item}"[:200],
            body=revision.reason or "Bản sửa được trả lại để sửa tiếp.",
            item=item,
        )
    return revision


@transaction.atomic
def revision_approve(*, actor, revision: ContentRevision) -> ContentRevision:
    """A second editor approves: the revision's state replaces the published content."""
    revision, item = _locked(revision)
    handler = handler_for(type(item))
    if actor is not None:
        refusal = approve_refusal(actor, revision, item)
        if refusal:
            raise PermissionDenied(refusal)
    elif revision.status != RevisionStatus.REVIEW:
        raise ValidationError("Cần gửi duyệt bản sửa trước khi duyệt.", code="status")
    if getattr(item, "deleted_at", None) is not None:
        raise ValidationError("Nội dung đã bị xoá.", code="deleted")
    previous = handler.state(item)
    handler.apply(actor=actor, item=item, data=copy.deepcopy(revision.data))
    revision.previous = previous
    revision.number = live_version(item) + 1
    revision.status = RevisionStatus.APPROVED
    revision.decided_by = actor
    revision.decided_at = revision.updated_at = timezone.now()
    revision.save(
        update_fields=["previous", "number", "status", "decided_by", "decided_at", "updated_at"]
    )
    _forget_files(handler, dropped=previous, kept=[revision.data])
    audit_record(
        actor=actor,
        action=f"{handler.app}.{handler.kind}_revision_approve",
        obj=item,
        unit=getattr(item, "unit", None),
        before=previous,
        after={**revision.data, "revision": str(revision.uuid), "version": revision.number},
    )
    return revision


@transaction.atomic
def revision_discard(*, actor, revision: ContentRevision) -> ContentRevision:
    """Drop an open revision; the published version stays as it is."""
    revision, item = _locked(revision)
    handler = _require_edit(actor, revision, item)
    if not revision.is_open:
        raise ValidationError("Bản sửa này đã được duyệt hoặc đã bỏ.", code="status")
    revision.status = RevisionStatus.DISCARDED
    revision.decided_by = actor
    revision.decided_at = revision.updated_at = timezone.now()
    revision.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    _forget_files(handler, dropped=revision.data, kept=[handler.state(item)])
    _audit(actor, "discard", revision, item)
    return revision


def revisions_discard_for(*, actor, item: Model) -> None:
    """Drop the item's open revision, if any (the item is being deleted)."""
    revision = revision_open(item)
    if revision is not None:
        revision_discard(actor=actor, revision=revision)
