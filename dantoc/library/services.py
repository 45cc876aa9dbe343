"""Writes of the e-library: an item's description and files (checked by the media pipeline),
the text of its PDF (extracted by the task worker), and the word index search reads.

Items go through the shared editorial workflow (``editorial.services``); the workflow tells
this module (``_changed``) when what the public sees changed, and the word index follows:
only public items are in it.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dantoc.audit.services import audit_record, snapshot
from dantoc.core.events import announce
from dantoc.core.languages import BY_CODE
from dantoc.core.text import INDEX_WORD_MAX_LENGTH, fold, index_words, nfc
from dantoc.editorial import workflows
from dantoc.editorial.models import Status
from dantoc.library import permissions
from dantoc.library.epub import MIME_TYPE as EPUB_MIME_TYPE
from dantoc.library.epub import epub_text, looks_like_epub
from dantoc.library.models import (
    Access,
    DocumentType,
    LibraryItem,
    LibraryWord,
    TextState,
)
from dantoc.media.models import MediaKind
from dantoc.media.services import asset_upload

CHANGED = "library.item_changed"
# Announced after commit with the id of an item whose PDF text is to be extracted.
TEXT_WAITING = "library.text_waiting"

SNAPSHOT_FIELDS = [
    "doc_type",
    "title",
    "creators",
    "contributors",
    "publisher",
    "issued",
    "description",
    "subjects",
    "language",
    "isbn",
    "identifier",
    "licence",
    "rights",
    "access",
    "ethnic_groups",
    "document",
    "audio",
    "unit",
    "status",
]
LIMITS = {"title": 300, "publisher": 200, "licence": 100, "rights": 300, "identifier": 100}
# Text kept from one PDF: a 2,000-page book is about 4 million characters; beyond that the
# index gains little and the row grows large.
FULL_TEXT_MAX_CHARS = 4_000_000
WORD_MAX_LENGTH = INDEX_WORD_MAX_LENGTH
# Weights of a word's occurrences in the index: a title word counts for more than a word of
# the body, so "dân tộc Mông" ranks the book titled so before one mentioning it once.
WEIGHTS = {"title": 20, "creators": 10, "subjects": 10, "ethnic": 10, "description": 3, "text": 1}


def _snapshot(item: LibraryItem) -> dict[str, Any]:
    return snapshot(item, SNAPSHOT_FIELDS)


# --- word index -------------------------------------------------------------------------------


def words(value: str) -> list[str]:
    """Folded syllables of ``value`` (``core.text.index_words``)."""
    return index_words(value)


def _metadata_parts(item: LibraryItem) -> dict[str, str]:
    ethnic = " ".join(
        f"{g.name} {g.other_names.replace(';', ' ')}" for g in item.ethnic_groups.all()
    )
    return {
        "title": item.title,
        "creators": f"{item.creators} {item.contributors} {item.publisher}",
        "subjects": f"{item.subjects} {item.isbn} {item.identifier} {item.issued}",
        "ethnic": ethnic,
        "description": item.description,
    }


def item_search_text(item: LibraryItem) -> str:
    """The folded metadata and full text: what the naive search scans."""
    parts = _metadata_parts(item) if item.pk else {"title": item.title}
    return fold(" ".join([*parts.values(), item.full_text]))


def item_word_weights(item: LibraryItem) -> Counter:
    weights: Counter = Counter()
    for part, text in _metadata_parts(item).items():
        for word in words(text):
            weights[word] += WEIGHTS[part]
    for word in words(item.full_text):
        weights[word] += WEIGHTS["text"]
    return weights


def item_index(item: LibraryItem) -> int:
    """Rewrite the item's rows of the word index: its words when public, none otherwise.
    Returns the number of rows written. Not audited: it derives from audited writes."""
    with transaction.atomic():
        LibraryWord.objects.filter(item_id=item.pk).delete()
        if not item.is_public:
            return 0
        rows = [
            LibraryWord(word=word, item_id=item.pk, weight=weight)
            for word, weight in item_word_weights(item).items()
        ]
        LibraryWord.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _changed(item: LibraryItem) -> None:
    fresh = LibraryItem.objects.get(pk=item.pk)
    item_index(fresh)
    transaction.on_commit(lambda: announce(CHANGED, uuid=str(item.uuid)), robust=True)


workflows.register(
    workflows.Workflow(
        model=LibraryItem,
        app="library",
        kind="item",
        snapshot=_snapshot,
        can_edit=permissions.can_edit,
        reviewer_roles=permissions.EDITOR_ROLES,
        editor_url=lambda item: f"/thu-vien/bien-tap/{item.uuid}/",
        changed=_changed,
    )
)


# --- items ------------------------------------------------------------------------------------


def _lines(value: str) -> str:
    return "\n".join(line for line in (nfc(v) for v in (value or "").splitlines()) if line)


def _isbn(value: str) -> str:
    """ISBN-10 or ISBN-13 without hyphens, its check digit verified (ISO 2108)."""
    digits = re.sub(r"[\s-]", "", value or "").upper()
    if not digits:
        return ""
    if len(digits) == 13 and digits.isdigit():
        total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
        if (10 - total % 10) % 10 == int(digits[12]):
            return digits
    elif len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        total = sum((10 - i) * int(d) for i, d in enumerate(digits[:9]))
        check = 10 if digits[9] == "X" else int(digits[9])
        if (total + check) % 11 == 0:
            return digits
    raise ValidationError(
        _("ISBN “%(isbn)s” không đúng (sai số kiểm tra hoặc độ dài).") % {"isbn": value},
        code="isbn",
    )


def _is_pdf_or_epub(file) -> bool:
    file.seek(0)
    head = file.read(1024)
    file.seek(0)
    return b"%PDF-" in head or looks_like_epub(head)


def _upload_document(actor, file, unit):
    if not _is_pdf_or_epub(file):
        raise ValidationError(
            _(
                "Tệp tài liệu phải là PDF hoặc EPUB (nội dung tệp được kiểm tra, không dựa vào "
                "tên tệp)."
            ),
            code="bad_type",
        )
    return asset_upload(actor=actor, file=file, allowed_kinds=[MediaKind.DOCUMENT], owner_unit=unit)


@transaction.atomic
def item_save(
    *,
    actor,
    item: LibraryItem | None,
    unit,
    doc_type: str,
    title: str,
    creators: str = "",
    contributors: str = "",
    publisher: str = "",
    issued: str = "",
    description: str = "",
    subjects: str = "",
    language: str = "vi",
    isbn: str = "",
    identifier: str = "",
    licence: str = "",
    rights: str = "",
    access: str = Access.DOWNLOAD,
    ethnic_groups=(),
    document_file=None,
    audio_file=None,
    key=None,
) -> LibraryItem:
    """Create an item (a draft) or change a draft, returned or withdrawn one, with its files.

    ``key``: the uuid the new-item form carried; a form sent twice (a retried request on a
    bad connection) finds the item the first sending made and changes it instead of adding a
    second one. Items in review or public are returned or withdrawn before being changed, so
    what readers see was always read by a second person."""
    if doc_type not in DocumentType.values:
        raise ValidationError(_("Loại tài liệu không hợp lệ."), code="doc_type")
    if language not in BY_CODE:
        raise ValidationError(_("Ngôn ngữ không hợp lệ."), code="language")
    if access not in Access.values:
        raise ValidationError(_("Cách dùng tệp không hợp lệ."), code="access")
    values = {
        "title": nfc(title or ""),
        "creators": _lines(creators),
        "contributors": _lines(contributors),
        "publisher": nfc(publisher or ""),
        "issued": nfc(issued or ""),
        "description": nfc(description or ""),
        "subjects": _lines(subjects),
        "identifier": nfc(identifier or ""),
        "licence": nfc(licence or ""),
        "rights": nfc(rights or ""),
    }
    if not values["title"]:
        raise ValidationError(_("Cần nhập nhan đề."), code="title")
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            raise ValidationError(
                _("%(field)s dài quá %(limit)s ký tự.")
                % {"field": LibraryItem._meta.get_field(name).verbose_name, "limit": limit},
                code="too_long",
            )
    if values["issued"] and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", values["issued"]):
        raise ValidationError(
            _("Năm xuất bản viết dạng 2024, 2024-05 hoặc 2024-05-30."), code="issued"
        )
    values["isbn"] = _isbn(isbn)
    if actor is not None and not permissions.can_edit_for_unit(actor, unit):
        raise PermissionDenied(_("Bạn không có quyền biên tập tài liệu của đơn vị này."))
    if item is None and key is not None:
        item = LibraryItem.objects.filter(uuid=key).first()
        if item is not None and item.created_by_id != getattr(actor, "pk", None):
            raise PermissionDenied(_("Mã biểu mẫu đã được dùng."))
    if item is None:
        item = LibraryItem(created_by=actor)
        if key is not None:
            item.uuid = key
        before = None
    else:
        item = LibraryItem.objects.select_for_update().get(pk=item.pk)
        if actor is not None and not permissions.can_edit(actor, item):
            raise PermissionDenied(_("Bạn không có quyền biên tập tài liệu của đơn vị này."))
        if item.deleted_at is not None:
            raise ValidationError(_("Tài liệu đã bị xoá, không sửa được nữa."), code="deleted")
        if item.status in (Status.REVIEW, Status.PUBLISHED):
            raise ValidationError(
                _("Tài liệu đang chờ duyệt hoặc đang hiện: trả lại hoặc gỡ xuống rồi mới sửa."),
                code="status",
            )
        before = _snapshot(item)
    for name, value in values.items():
        setattr(item, name, value)
    item.unit = unit
    item.doc_type = doc_type
    item.language = language
    item.access = access
    new_document = False
    if document_file is not None:
        item.document = _upload_document(actor, document_file, unit)
        item.text_state = TextState.WAITING
        item.text_failure = ""
        item.full_text = ""
        item.pages = None
        new_document = True
    if audio_file is not None:
        item.audio = asset_upload(
            actor=actor, file=audio_file, allowed_kinds=[MediaKind.AUDIO], owner_unit=unit
        )
    if doc_type == DocumentType.AUDIO and item.audio_id is None:
        raise ValidationError(_("Tài liệu âm thanh cần có tệp âm thanh."), code="audio")
    item.updated_at = timezone.now()
    item.save()
    item.ethnic_groups.set(list(ethnic_groups))
    item.search_text = item_search_text(item)
    item.save(update_fields=["search_text"])
    audit_record(
        actor=actor,
        action="library.item_save",
        obj=item,
        unit=unit,
        before=before,
        after=_snapshot(item),
    )
    if new_document:
        item_text_enqueue(item_id=item.pk)
    return item


def item_text_enqueue(*, item_id: int) -> None:
    """Queue the extraction of the item's PDF text once the current transaction commits."""
    announce(TEXT_WAITING, item_id=item_id)


def pdf_text(data: bytes) -> tuple[str, int]:
    """The text of a PDF and its number of pages (pypdf, pure Python: no service to run)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        # An owner password only forbids copying; an empty user password still opens it.
        reader.decrypt("")
    parts: list[str] = []
    size = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
        if size > FULL_TEXT_MAX_CHARS:
            break
    # Pages are kept apart by a form feed: the text page shows them a few at a time.
    return "\f".join(nfc(p) for p in parts)[:FULL_TEXT_MAX_CHARS], len(reader.pages)


def document_text(data: bytes, mime_type: str) -> tuple[str, int]:
    """The text of a PDF (its pages) or an EPUB (its content documents in reading order)."""
    if mime_type == EPUB_MIME_TYPE:
        return epub_text(data, max_chars=FULL_TEXT_MAX_CHARS)
    return pdf_text(data)


def item_text_extract(*, item_id: int) -> LibraryItem | None:
    """Extract the text of the item's PDF or EPUB (in the task worker), keep it for search
    and re-index the item. A PDF without a text layer (a scan) or a damaged file leaves the
    item as it was, readable, with the reason shown to the librarian."""
    item = LibraryItem.objects.filter(pk=item_id).select_related("document").first()
    if item is None or item.document is None:
        return item
    document_id = item.document_id
    try:
        with item.document.file.open("rb") as handle:
            data = handle.read()
        text, pages = document_text(data, item.document.mime_type)
    except Exception as exc:  # pypdf raises many kinds of error on damaged files
        state, failure, text, pages = (
            TextState.FAILED,
            str(exc)[:300] or type(exc).__name__,
            "",
            None,
        )
    else:
        if text.strip():
            state, failure = TextState.READY, ""
        else:
            state, failure = (
                TextState.FAILED,
                _("PDF không có lớp chữ (bản chụp): cần nhận dạng chữ (OCR) trước."),
            )
    with transaction.atomic():
        item = LibraryItem.objects.select_for_update().get(pk=item_id)
        if item.document_id != document_id:
            return item  # a newer file came meanwhile; its own task extracts it
        item.full_text = text
        item.pages = pages
        item.text_state = state
        item.text_failure = failure
        item.search_text = item_search_text(item)
        item.save(update_fields=["full_text", "pages", "text_state", "text_failure", "search_text"])
        audit_record(
            actor=None,
            action="library.item_text_extract",
            obj=item,
            unit=item.unit,
            after={"text_state": state, "pages": pages, "chars": len(text), "failure": failure},
        )
        item_index(item)
    return item


def text_retry(*, actor, item: LibraryItem) -> LibraryItem:
    """Queue the text extraction again (after a fixed PDF library, or a raised limit)."""
    if not permissions.can_edit(actor, item):
        raise PermissionDenied(_("Bạn không có quyền biên tập tài liệu của đơn vị này."))
    with transaction.atomic():
        item = LibraryItem.objects.select_for_update().get(pk=item.pk)
        if item.document_id is None or item.text_state == TextState.WAITING:
            return item
        before = {"text_state": item.text_state}
        item.text_state = TextState.WAITING
        item.save(update_fields=["text_state"])
        audit_record(
            actor=actor,
            action="library.item_text_retry",
            obj=item,
            unit=item.unit,
            before=before,
            after={"text_state": item.text_state},
        )
        item_text_enqueue(item_id=item.pk)
    return item


def index_rebuild() -> int:
    """Rewrite the whole word index (after a change of how words are split). Returns rows."""
    total = 0
    for item in LibraryItem.objects.prefetch_related("ethnic_groups").iterator(chunk_size=200):
        total += item_index(item)
    return total
