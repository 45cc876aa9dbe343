"""Writes of citizen information: items (through the editorial workflow), their translations,
and the reach counter."""

from __future__ import annotations

import atexit
import datetime
import threading
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from dantoc.accounts.models import RoleCode
from dantoc.audit.services import audit_record, snapshot
from dantoc.citizens import permissions
from dantoc.citizens.models import (
    REGIONS,
    TEXT_FIELDS,
    CitizenItem,
    CitizenItemTranslation,
    ItemAudio,
    ItemReach,
    Topic,
)
from dantoc.core.events import announce
from dantoc.core.languages import BY_CODE
from dantoc.core.pagecache import public_pages_changed_on_commit
from dantoc.core.text import fold, nfc
from dantoc.editorial import revisions, workflows
from dantoc.editorial import services as editorial
from dantoc.editorial.models import Status, TranslationStatus
from dantoc.geo.models import Unit
from dantoc.media.models import MediaKind
from dantoc.media.services import asset_delete, asset_upload
from dantoc.portal.models import LegalDocument

CHANGED = "citizens.item_changed"
SNAPSHOT_FIELDS = [
    "topic",
    "title",
    "summary",
    "for_whom",
    "benefits",
    "how_to_apply",
    "where_to_apply",
    "deadline",
    "contact",
    "legal_document",
    "regions",
    "dbkk_villages",
    "unit",
    "status",
]
LIMITS = {"title": 200, "summary": 600}


def _item_snapshot(item: CitizenItem) -> dict[str, Any]:
    return snapshot(item, SNAPSHOT_FIELDS)


def item_search_text(item: CitizenItem) -> str:
    """The folded words a search matches: the item and its published translations."""
    parts = [getattr(item, name) for name in TEXT_FIELDS]
    if item.pk:
        for t in item.translations.filter(status=TranslationStatus.PUBLISHED):
            parts += [getattr(t, name) for name in TEXT_FIELDS]
    return fold(" ".join(p for p in parts if p))


def _refresh_search_text(item: CitizenItem) -> None:
    text = item_search_text(item)
    CitizenItem.objects.filter(pk=item.pk).update(search_text=text, updated_at=timezone.now())
    public_pages_changed_on_commit()


def _changed(item: CitizenItem) -> None:
    public_pages_changed_on_commit()
    transaction.on_commit(lambda: announce(CHANGED, uuid=str(item.uuid)), robust=True)


workflows.register(
    workflows.Workflow(
        model=CitizenItem,
        app="citizens",
        kind="item",
        snapshot=_item_snapshot,
        can_edit=permissions.can_edit,
        reviewer_roles=(RoleCode.CONTENT_EDITOR,),
        editor_url=lambda item: f"/dong-bao/bien-tap/{item.uuid}/",
        changed=_changed,
        translations="translations",
        translation_changed=_refresh_search_text,
    )
)


# --- revisions of published items ---------------------------------------------------------

REVISION_FIELDS = (
    "unit",
    "topic",
    "title",
    "summary",
    "for_whom",
    "benefits",
    "how_to_apply",
    "where_to_apply",
    "deadline",
    "contact",
    "body",
    "legal_document",
    "regions",
    "dbkk_villages",
)


def _revising(actor, item: CitizenItem) -> bool:
    """Does a change by ``actor`` go to the item's revision rather than to the item?"""
    if actor is None or item.deleted_at is not None:
        return False
    return item.status == Status.PUBLISHED or revisions.revision_open(item) is not None


def _item_state(item: CitizenItem) -> dict[str, Any]:
    state = {name: getattr(item, name) for name in TEXT_FIELDS}
    state.update(
        unit=item.unit_id,
        topic=item.topic,
        deadline=item.deadline.isoformat() if item.deadline else None,
        legal_document=item.legal_document_id,
        regions=item.regions,
        dbkk_villages=item.dbkk_villages,
    )
    return state


def _item_apply(*, actor, item: CitizenItem, data: dict[str, Any]) -> None:
    """Write an approved revision onto the (locked) item."""
    for name in TEXT_FIELDS:
        setattr(item, name, data[name])
    item.unit = Unit.objects.get(pk=data["unit"])
    item.topic = data["topic"]
    item.deadline = datetime.date.fromisoformat(data["deadline"]) if data["deadline"] else None
    item.legal_document_id = data["legal_document"]
    item.regions = data["regions"]
    item.dbkk_villages = data["dbkk_villages"]
    item.updated_at = timezone.now()
    item.search_text = item_search_text(item)
    item.save()
    if item.is_public:
        _changed(item)


def _display(key: str, value: Any) -> str:
    if value in (None, "", []):
        return ""
    if key == "unit":
        return Unit.objects.filter(pk=value).values_list("name", flat=True).first() or str(value)
    if key == "topic":
        return str(Topic(value).label) if value in Topic.values else value
    if key == "deadline":
        return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    if key == "legal_document":
        return str(LegalDocument.objects.filter(pk=value).first() or value)
    if key == "dbkk_villages":
        return "có" if value else "không"
    return str(value)


def _can_edit_state(user, item: CitizenItem, data: dict[str, Any]) -> bool:
    if not permissions.can_edit(user, item):
        return False
    unit_pk = data.get("unit")
    if unit_pk is None or unit_pk == item.unit_id:
        return True
    unit = Unit.objects.filter(pk=unit_pk).first()
    return unit is not None and permissions.can_edit_for_unit(user, unit)


revisions.register(
    revisions.RevisionHandler(
        model=CitizenItem,
        app="citizens",
        kind="item",
        state=_item_state,
        apply=_item_apply,
        fields=[(name, CitizenItem._meta.get_field(name).verbose_name) for name in REVISION_FIELDS],
        display=_display,
        files=lambda state: set(),
        delete_file=lambda name: None,
        can_edit=_can_edit_state,
        reviewers=lambda item, actor: editorial.reviewers(item, exclude=actor),
        notify=editorial.notify_after_commit,
        editor_url=lambda item: f"/dong-bao/bien-tap/{item.uuid}/",
    )
)


def _slug(title: str, *, exclude_pk: int | None) -> str:
    base = (slugify(fold(title.replace("/", " "))) or "thong-tin")[:100].strip("-") or "thong-tin"
    taken = CitizenItem.objects.exclude(pk=exclude_pk) if exclude_pk else CitizenItem.objects
    candidate, n = base, 2
    while taken.filter(slug=candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _regions(values) -> str:
    chosen = [v for v in REGIONS if v in set(values or ())]
    unknown = set(values or ()) - set(REGIONS)
    if unknown:
        raise ValidationError("Khu vực chỉ gồm I, II, III.", code="regions")
    return ",".join(chosen)


@transaction.atomic
def item_save(
    *,
    actor,
    item: CitizenItem | None,
    unit,
    topic: str,
    title: str,
    summary: str,
    body: str = "",
    for_whom: str = "",
    benefits: str = "",
    how_to_apply: str = "",
    where_to_apply: str = "",
    deadline: datetime.date | None = None,
    contact: str = "",
    legal_document=None,
    regions=(),
    dbkk_villages: bool = False,
) -> CitizenItem:
    """Create an item (a draft) or change a draft, returned or withdrawn one. A change to an
    item on the public site waits as a revision (``editorial.revisions``) that a second
    editor approves, the public reading the published version meanwhile; an item in review
    is returned to draft first. Either way what the public reads has been read by two."""
    if topic not in Topic.values:
        raise ValidationError("Chủ đề không hợp lệ.", code="topic")
    values = {
        "title": nfc(title or ""),
        "summary": nfc(summary or ""),
        "body": nfc(body or ""),
        "for_whom": nfc(for_whom or ""),
        "benefits": nfc(benefits or ""),
        "how_to_apply": nfc(how_to_apply or ""),
        "where_to_apply": nfc(where_to_apply or ""),
        "contact": nfc(contact or ""),
    }
    for name, limit in LIMITS.items():
        if not values[name]:
            raise ValidationError(f"Cần nhập {CitizenItem._meta.get_field(name).verbose_name}.")
        if len(values[name]) > limit:
            raise ValidationError(f"{name} dài quá {limit} ký tự.", code="too_long")
    if topic == Topic.POLICY and not (values["for_whom"] and values["benefits"]):
        raise ValidationError(
            "Chính sách giải thích cần nói rõ ai được hưởng và được hưởng gì.", code="policy"
        )
    if actor is not None and not permissions.can_edit_for_unit(actor, unit):
        raise PermissionDenied("Bạn không có quyền biên tập nội dung của đơn vị này.")
    if item is None:
        item = CitizenItem(created_by=actor)
        before = None
    else:
        item = CitizenItem.objects.select_for_update().get(pk=item.pk)
        if actor is not None and not permissions.can_edit(actor, item):
            raise PermissionDenied("Bạn không có quyền biên tập nội dung của đơn vị này.")
        if item.deleted_at is not None:
            raise ValidationError("Nội dung đã bị xoá, không sửa được nữa.", code="deleted")
        if item.status == Status.REVIEW:
            raise ValidationError(
                "Nội dung đang chờ duyệt: trả lại bản nháp rồi mới sửa.", code="status"
            )
        if _revising(actor, item):
            # What the public reads stays as it is until a second editor approves the change.
            if legal_document is not None and not legal_document.is_public:
                raise ValidationError("Văn bản căn cứ chưa được công bố.", code="document")
            state = {
                **values,
                "unit": unit.pk,
                "topic": topic,
                "deadline": deadline.isoformat() if deadline else None,
                "legal_document": legal_document.pk if legal_document else None,
                "regions": _regions(regions),
                "dbkk_villages": bool(dbkk_villages),
            }
            revisions.revision_write(actor=actor, item=item, data=state)
            return item
        before = _item_snapshot(item)
    for name, value in values.items():
        setattr(item, name, value)
    item.unit = unit
    item.topic = topic
    item.deadline = deadline
    item.legal_document = legal_document
    item.regions = _regions(regions)
    item.dbkk_villages = bool(dbkk_villages)
    item.slug = item.slug or _slug(item.title, exclude_pk=item.pk)
    item.updated_at = timezone.now()
    item.search_text = item_search_text(item)
    item.save()
    audit_record(
        actor=actor,
        action="citizens.item_save",
        obj=item,
        unit=unit,
        before=before,
        after=_item_snapshot(item),
    )
    return item


def translation_values(data: dict[str, Any]) -> dict[str, str]:
    values = {name: nfc(data.get(name) or "") for name in TEXT_FIELDS}
    if not values["title"]:
        raise ValidationError("Bản dịch cần có tiêu đề.", code="title")
    if len(values["title"]) > LIMITS["title"]:
        raise ValidationError("Tiêu đề dài quá 200 ký tự.", code="too_long")
    return values


def translation_save(
    *, actor, item: CitizenItem, language: str, data: dict[str, Any], publish_with_item=False
) -> CitizenItemTranslation:
    """Add or change the item in another language (``editorial.translation_save``): a draft
    that a second person publishes, or, for an item not yet public, one that goes live with
    the item when ``publish_with_item``."""
    status = TranslationStatus.PUBLISHED if publish_with_item else TranslationStatus.DRAFT
    return editorial.translation_save(
        actor=actor, item=item, language=language, values=translation_values(data), status=status
    )


# --- reach ------------------------------------------------------------------------------------


REACH_COUNTERS = ("views", "listens", "shares")


_pending: Counter = Counter()  # (item id, month, province, language, counter) -> count
_pending_lock = threading.Lock()
_last_flush = [time.monotonic()]


def reach_count(
    *, item: CitizenItem, province_code: str, language: str, on=None, counter: str = "views"
) -> None:
    """One more view (or listen, or share: ``counter``) of ``item`` this month, from
    ``province_code`` (the reader's chosen commune's province, "" when none) in ``language``.
    Not audited: it records no person and no decision. Added up in this process and written
    every ``CITIZEN_REACH_BUFFER_SECONDS`` (one UPDATE per item, place and language, an
    INSERT the first time, safe when two processes race), so a reading costs no write."""
    if counter not in REACH_COUNTERS:
        raise ValueError(counter)
    if language not in BY_CODE:
        language = "vi"
    on = on or timezone.localdate()
    key = (item.pk, on.replace(day=1), province_code[:10], language, counter)
    wait = settings.CITIZEN_REACH_BUFFER_SECONDS
    if wait <= 0:
        _reach_write([(key, 1)])
        return
    with _pending_lock:
        _pending[key] += 1
        due = time.monotonic() - _last_flush[0] >= wait
    if due:
        reach_flush()


def reach_flush() -> None:
    """Write the counts this process has added up (also when the process exits)."""
    with _pending_lock:
        counted = list(_pending.items())
        _pending.clear()
        _last_flush[0] = time.monotonic()
    if counted:
        _reach_write(counted)


atexit.register(reach_flush)


def _reach_write(counted) -> None:
    for (item_id, month, province, language, counter), n in counted:
        key = {"item_id": item_id, "month": month, "province_code": province, "language": language}
        if ItemReach.objects.filter(**key).update(**{counter: F(counter) + n}):
            continue
        try:
            with transaction.atomic():
                ItemReach.objects.create(**key, **{counter: n})
        except IntegrityError:
            ItemReach.objects.filter(**key).update(**{counter: F(counter) + n})


# --- recordings -------------------------------------------------------------------------------

TRANSCRIPT_LIMIT = 20000


def _audio_snapshot(audio: ItemAudio | None) -> dict[str, Any] | None:
    if audio is None:
        return None
    return {
        "item": str(audio.item.uuid),
        "language": audio.language,
        "asset": str(audio.asset.uuid),
        "transcript": audio.transcript,
        "approved": audio.is_approved,
    }


def _require_edit(actor, item: CitizenItem) -> None:
    if actor is not None and not permissions.can_edit(actor, item):
        raise PermissionDenied("Bạn không có quyền biên tập nội dung của đơn vị này.")
    if item.deleted_at is not None:
        raise ValidationError("Nội dung đã bị xoá, không sửa được nữa.", code="deleted")


@transaction.atomic
def audio_save(*, actor, item: CitizenItem, language: str, transcript: str, file=None) -> ItemAudio:
    """Add or change the recording of ``item`` in ``language`` and its transcript. The file is
    checked by content and transcoded small by the media pipeline (``asset_upload``); a new
    file or transcript waits for a second editor's approval before the public hears it (the
    former recording stops playing until then, so what is heard always matches what was
    approved). Sending the same request twice leaves one recording."""
    item = CitizenItem.objects.select_for_update().select_related("unit").get(pk=item.pk)
    _require_edit(actor, item)
    if language not in BY_CODE:
        raise ValidationError("Ngôn ngữ không hợp lệ.", code="language")
    transcript = nfc(transcript or "").strip()
    if not transcript:
        raise ValidationError(
            "Cần viết lời đọc (bản chép lời) để người không nghe được vẫn đọc được.",
            code="transcript",
        )
    if len(transcript) > TRANSCRIPT_LIMIT:
        raise ValidationError(f"Lời đọc dài quá {TRANSCRIPT_LIMIT} ký tự.", code="too_long")
    audio = ItemAudio.objects.select_related("asset").filter(item=item, language=language).first()
    if audio is None and file is None:
        raise ValidationError("Cần chọn tệp ghi âm.", code="file")
    before = _audio_snapshot(audio)
    old_asset = None
    if file is not None:
        asset = asset_upload(
            actor=actor, file=file, allowed_kinds=[MediaKind.AUDIO], owner_unit=item.unit
        )
        if audio is not None:
            old_asset = audio.asset
    if audio is None:
        audio = ItemAudio(item=item, language=language, asset=asset)
    elif file is not None:
        audio.asset = asset
    changed = file is not None or audio.transcript != transcript
    audio.transcript = transcript
    if changed:
        audio.approved_by = None
        audio.approved_at = None
        audio.updated_at = timezone.now()
        if actor is not None and actor.pk not in audio.author_ids:
            audio.author_ids = [*audio.author_ids, actor.pk]
    audio.save()
    if old_asset is not None:
        asset_delete(actor=actor, asset=old_asset)
    public_pages_changed_on_commit()
    audit_record(
        actor=actor,
        action="citizens.audio_save",
        obj=item,
        unit=item.unit,
        before=before,
        after=_audio_snapshot(audio),
    )
    if changed and before and before["approved"] and item.is_public:
        _changed(item)
    return audio


def audio_approve_refusal(actor, audio: ItemAudio) -> str | None:
    """Why ``actor`` may not approve the recording now, or None."""
    if not permissions.can_edit(actor, audio.item):
        return "Bạn không có quyền biên tập nội dung của đơn vị này."
    if audio.is_approved:
        return "Bản ghi âm này đã được duyệt."
    if actor.pk in audio.author_ids:
        return "Người tải bản ghi âm lên không tự duyệt được: cần một biên tập viên khác nghe."
    if not audio.asset.is_ready:
        return "Tệp ghi âm đang được xử lý: chờ xử lý xong rồi nghe lại trước khi duyệt."
    return None


@transaction.atomic
def audio_approve(*, actor, audio: ItemAudio) -> ItemAudio:
    """A second editor has listened to the recording and read the transcript: the public
    hears it (where the item, and its translation in that language, are published)."""
    audio = (
        ItemAudio.objects.select_for_update().select_related("item__unit", "asset").get(pk=audio.pk)
    )
    if actor is not None:
        refusal = audio_approve_refusal(actor, audio)
        if refusal:
            raise PermissionDenied(refusal)
    before = _audio_snapshot(audio)
    audio.approved_by = actor
    audio.approved_at = timezone.now()
    audio.save(update_fields=["approved_by", "approved_at"])
    public_pages_changed_on_commit()
    audit_record(
        actor=actor,
        action="citizens.audio_approve",
        obj=audio.item,
        unit=audio.item.unit,
        before=before,
        after=_audio_snapshot(audio),
    )
    if audio.item.is_public:
        _changed(audio.item)
    return audio


@transaction.atomic
def audio_delete(*, actor, audio: ItemAudio) -> None:
    audio = (
        ItemAudio.objects.select_for_update().select_related("item__unit", "asset").get(pk=audio.pk)
    )
    _require_edit(actor, audio.item)
    before = _audio_snapshot(audio)
    asset = audio.asset
    audio.delete()
    asset_delete(actor=actor, asset=asset)
    public_pages_changed_on_commit()
    audit_record(
        actor=actor,
        action="citizens.audio_delete",
        obj=audio.item,
        unit=audio.item.unit,
        before=before,
        after=None,
    )
    if before["approved"] and audio.item.is_public:
        _changed(audio.item)
