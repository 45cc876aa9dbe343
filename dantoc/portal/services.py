"""Writes of portal content: articles, legal documents, agencies.

Every function here runs in one transaction, checks the actor's permission first
(``actor=None`` is the system itself: the scheduler, the demo loader, an integration client
already authorised by its token), writes an audit row, moves ``updated_at`` and, when what the
public sees changed, announces ``portal.content_changed`` with ``kind`` ("article",
"legal_document" or "agency") and ``uuid`` (a string) once the transaction has committed. The
integration app listens to that announcement; the public page cache is cleared by it too.
"""

from __future__ import annotations

import datetime
import os
import re
import uuid as uuid_lib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _lazy

from dantoc.accounts.models import RoleCode
from dantoc.audit.services import audit_record, snapshot
from dantoc.core.events import announce
from dantoc.core.pagecache import public_pages_changed_on_commit
from dantoc.core.text import fold, nfc
from dantoc.editorial import revisions, workflows
from dantoc.editorial import services as editorial
from dantoc.geo.models import Unit
from dantoc.portal import permissions
from dantoc.portal.models import (
    Agency,
    AgencyRole,
    Article,
    ArticleAttachment,
    ArticleKind,
    ArticleTranslation,
    DocType,
    LegalDocument,
    LegalDocumentAttachment,
    LegalStatus,
    Status,
    TranslationStatus,
)
from dantoc.portal.sanitize import clean_html, html_to_text
from dantoc.portal.uploads import check_attachment, check_image, image_asset_create

EVENT = "portal.content_changed"
ARTICLE_FIELDS = [
    "kind", "slug", "title", "summary", "body", "unit", "areas", "status", "publish_at",
    "published_at", "first_published_at", "deleted_at", "source", "image_alt",
]  # fmt: skip
DOCUMENT_FIELDS = [
    "slug", "number_symbol", "doc_type", "issuing_body", "signer", "issued_on", "effective_on",
    "expires_on", "abstract", "field", "legal_status", "body", "unit", "areas", "amends",
    "replaces", "status", "publish_at", "published_at", "first_published_at", "deleted_at",
    "source",
]  # fmt: skip
AGENCY_FIELDS = [
    "unit", "name", "name_en", "role", "description", "description_en", "address",
    "address_en", "phone", "email", "website", "position", "deleted_at",
]  # fmt: skip

Content = Article | LegalDocument


# --- shared helpers -----------------------------------------------------------------------


def _kind_of(obj: Model) -> str:
    return {Article: "article", LegalDocument: "legal_document", Agency: "agency"}[type(obj)]


def _fields_of(obj: Model) -> list[str]:
    return {Article: ARTICLE_FIELDS, LegalDocument: DOCUMENT_FIELDS, Agency: AGENCY_FIELDS}[
        type(obj)
    ]


def _announce(obj: Model) -> None:
    """Tell the readers above (integration) and clear the public page cache, after commit."""
    announce(EVENT, kind=_kind_of(obj), uuid=str(obj.uuid))
    public_pages_changed_on_commit()


def _snap(obj: Model) -> dict[str, Any]:
    data = snapshot(obj, _fields_of(obj))
    if isinstance(obj, Article):
        data["image"] = obj.image.name or ""
    return data


def _audit(actor, action: str, obj: Model, before: dict | None) -> None:
    audit_record(
        actor=actor,
        action=f"portal.{action}",
        obj=obj,
        unit=obj.unit,
        before=before,
        after=_snap(obj),
    )


def _require_edit(actor, obj_or_unit) -> None:
    if actor is None:
        return
    unit = obj_or_unit if isinstance(obj_or_unit, Unit) else obj_or_unit.unit
    if not permissions.can_edit_for_unit(actor, unit):
        raise PermissionDenied("Bạn không có quyền biên tập nội dung của đơn vị này.")


def _locked(obj: Model) -> Model:
    """The row again, locked for this transaction, so two editors' actions do not interleave."""
    return type(obj).objects.select_for_update().select_related("unit").get(pk=obj.pk)


def _text(value: str | None, *, limit: int | None = None, label: str = "") -> str:
    value = nfc(value or "")
    if limit is not None and len(value) > limit:
        raise ValidationError(
            f"{label} dài quá {limit} ký tự.", code="too_long"
        )  # the form says it first
    return value


def _slug_base(text: str) -> str:
    # "330/QĐ-UBDT" → "330-qd-ubdt": separators become hyphens before folding drops them.
    text = re.sub(r"[/\\\-_.,:;]+", " ", text)
    return (slugify(fold(text)) or "noi-dung")[:100].strip("-") or "noi-dung"


def _unique_slug(model: type[Model], base: str, *, exclude_pk: int | None = None) -> str:
    base = _slug_base(base)
    candidate, n = base, 2
    taken = model.objects.exclude(pk=exclude_pk) if exclude_pk else model.objects.all()
    while taken.filter(slug=candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _stored_name(upload: UploadedFile, extension: str) -> str:
    # A random name: the original name is kept as the title and never reaches the file system.
    return f"{uuid_lib.uuid4().hex}.{extension}"


def _delete_file_after_commit(storage, name: str) -> None:
    """Remove a replaced or detached file once the change is committed (a rolled-back change
    keeps its file)."""
    transaction.on_commit(lambda: storage.delete(name), robust=True)


def _areas(areas: Iterable[Unit] | None) -> list[Unit]:
    return list(areas or [])


# --- articles -----------------------------------------------------------------------------


def article_search_text(article: Article) -> str:
    parts = [article.title, article.summary, html_to_text(article.body)]
    if article.pk:
        for t in article.translations.all():
            parts += [t.title, t.summary]
    return fold(" ".join(p for p in parts if p))


@transaction.atomic
def article_save(
    *,
    actor,
    article: Article | None = None,
    unit: Unit,
    kind: str,
    title: str,
    summary: str = "",
    body: str = "",
    areas: Iterable[Unit] | None = None,
    slug: str = "",
    image: UploadedFile | None = None,
    image_alt: str = "",
    remove_image: bool = False,
    source: str = "",
) -> Article:
    """Create (``article=None``) or change an article; its slug never changes once public.

    An editor's change to a published article (with four eyes on) is not written to the
    article: it is stored as its open revision (``editorial.revisions``), and the published
    version stays up until a second editor approves it. The system (``actor=None``: the sync
    client, the demo loader) writes directly."""
    _require_edit(actor, unit)
    if kind not in ArticleKind.values:
        raise ValidationError(f"Chuyên mục không hợp lệ: {kind!r}.", code="kind")
    title = _text(title, limit=300, label="Tiêu đề")
    if not title:
        raise ValidationError("Cần có tiêu đề.", code="title")
    image_alt = _text(image_alt, limit=300, label="Mô tả ảnh")
    if image is not None:
        kind_of_file = check_image(image)
    before = None
    if article is None:
        article = Article(created_by=actor if actor is not None else None)
        creating = True
    else:
        article = _locked(article)
        _require_edit(actor, article)
        if article.deleted_at is not None:
            raise ValidationError("Nội dung đã bị xoá, không sửa được nữa.", code="deleted")
        if _revising(actor, article):
            return _article_revise(
                actor=actor,
                article=article,
                unit=unit,
                kind=kind,
                title=title,
                summary=summary,
                body=body,
                areas=areas,
                image=image,
                image_extension=kind_of_file.extension if image is not None else "",
                image_alt=image_alt,
                remove_image=remove_image,
                source=source,
            )
        before = _snap(article)
        creating = False
    has_image = image is not None or (bool(article.image) and not remove_image)
    if has_image and not image_alt:
        raise ValidationError(
            "Ảnh cần có mô tả (alt) cho người không nhìn thấy ảnh.", code="image_alt"
        )
    article.unit = unit
    article.kind = kind
    article.title = title
    article.summary = _text(summary)
    article.body = clean_html(body)
    article.image_alt = image_alt if has_image else ""
    article.source = _text(source, limit=100, label="Nguồn")
    old_image = article.image.name if article.image else ""
    if remove_image and image is None:
        article.image = ""
        article.image_asset = None
    if image is not None:
        article.image.save(_stored_name(image, kind_of_file.extension), image, save=False)
        article.image_asset = image_asset_create(actor=actor, upload=image, unit=unit)
    if old_image and old_image != (article.image.name or ""):
        _delete_file_after_commit(article.image.storage, old_image)
    if not (article.first_published_at and article.slug):
        # The address stays stable once the public has seen it.
        article.slug = _unique_slug(Article, slug or title, exclude_pk=article.pk)
    article.updated_at = timezone.now()
    article.search_text = article_search_text(article)
    article.save()
    article.areas.set(_areas(areas))
    _audit(actor, "article_create" if creating else "article_update", article, before)
    if article.is_public:
        _announce(article)
    return article


@transaction.atomic
def article_translation_save(
    *, actor, article: Article, language: str, title: str, summary: str = "", body: str = ""
) -> ArticleTranslation:
    """Add or change the article in another language ("en", "hmn", "km", "tay"…).

    The translation goes live with the article: while the article is not public its own
    review covers it; a change to a published article's translations waits in the article's
    revision for a second editor. (``editorial.translation_submit_for_review`` and
    ``translation_publish`` review one language on its own.)"""
    article = _locked(article)
    _require_edit(actor, article)
    language = editorial.language_checked(language)
    title = _text(title, limit=300, label="Tiêu đề")
    if not title:
        raise ValidationError("Cần có tiêu đề.", code="title")
    values = {"title": title, "summary": _text(summary), "body": clean_html(body)}
    if _revising(actor, article):
        state = revisions.pending_state(article)
        others = [t for t in state["translations"] if t["language"] != language]
        state["translations"] = sorted(
            [*others, {"language": language, **values}], key=lambda t: t["language"]
        )
        revisions.revision_write(actor=actor, item=article, data=state)
        return ArticleTranslation(article=article, language=language, **values)
    return editorial.translation_save(
        actor=actor,
        item=article,
        language=language,
        values=values,
        status=TranslationStatus.PUBLISHED,
    )


@transaction.atomic
def article_translation_delete(*, actor, article: Article, language: str) -> None:
    article = _locked(article)
    _require_edit(actor, article)
    if _revising(actor, article):
        state = revisions.pending_state(article)
        kept = [t for t in state["translations"] if t["language"] != language]
        if len(kept) != len(state["translations"]):
            state["translations"] = kept
            revisions.revision_write(actor=actor, item=article, data=state)
        return
    editorial.translation_delete(actor=actor, item=article, language=language)


def _article_translation_changed(article: Article) -> None:
    article.updated_at = timezone.now()
    article.search_text = article_search_text(article)
    article.save(update_fields=["updated_at", "search_text"])


def _attachment_add(*, actor, item: Content, upload: UploadedFile, title: str):
    item = _locked(item)
    _require_edit(actor, item)
    if item.deleted_at is not None:
        raise ValidationError("Nội dung đã bị xoá, không sửa được nữa.", code="deleted")
    kind = check_attachment(upload)
    title = _text(title, limit=255, label="Tên tệp") or os.path.basename(upload.name or "")[:255]
    model = ArticleAttachment if isinstance(item, Article) else LegalDocumentAttachment
    owner = {"article": item} if isinstance(item, Article) else {"document": item}
    attachment = model(
        title=title or kind.label, media_type=kind.media_type, size_bytes=upload.size, **owner
    )
    if _revising(actor, item):
        # Stored now under a random name, attached to the item when the revision is approved.
        field = model._meta.get_field("file")
        attachment.file.name = field.storage.save(
            field.generate_filename(attachment, _stored_name(upload, kind.extension)), upload
        )
        state = revisions.pending_state(item)
        state["attachments"] = [*state["attachments"], _attachment_state(attachment)]
        revisions.revision_write(actor=actor, item=item, data=state)
        return attachment
    attachment.file.save(_stored_name(upload, kind.extension), upload, save=False)
    attachment.save()
    item.updated_at = timezone.now()
    item.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action=f"portal.{_kind_of(item)}_attachment_add",
        obj=item,
        unit=item.unit,
        after={"attachment": str(attachment.uuid), "title": attachment.title},
    )
    if item.is_public:
        _announce(item)
    return attachment


def _attachment_remove(*, actor, item: Content, attachment_uuid) -> None:
    item = _locked(item)
    _require_edit(actor, item)
    if _revising(actor, item):
        state = revisions.pending_state(item)
        kept = [a for a in state["attachments"] if a["uuid"] != str(attachment_uuid)]
        if len(kept) != len(state["attachments"]):
            state["attachments"] = kept
            revisions.revision_write(actor=actor, item=item, data=state)
        return
    attachment = item.attachments.filter(uuid=attachment_uuid).first()
    if attachment is None:
        return
    title = attachment.title
    _delete_file_after_commit(attachment.file.storage, attachment.file.name)
    attachment.delete()
    item.updated_at = timezone.now()
    item.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action=f"portal.{_kind_of(item)}_attachment_remove",
        obj=item,
        unit=item.unit,
        before={"attachment": str(attachment_uuid), "title": title},
    )
    if item.is_public:
        _announce(item)


@transaction.atomic
def article_attachment_add(
    *, actor, article: Article, upload: UploadedFile, title: str = ""
) -> ArticleAttachment:
    return _attachment_add(actor=actor, item=article, upload=upload, title=title)


@transaction.atomic
def article_attachment_remove(*, actor, article: Article, attachment_uuid) -> None:
    _attachment_remove(actor=actor, item=article, attachment_uuid=attachment_uuid)


# --- the editorial workflow (dantoc.editorial), for articles and documents ------------------


@transaction.atomic
def article_submit_for_review(*, actor, article: Article) -> Article:
    return editorial.content_submit_for_review(actor=actor, item=article)


@transaction.atomic
def article_return_to_draft(*, actor, article: Article, reason: str = "") -> Article:
    return editorial.content_return_to_draft(actor=actor, item=article, reason=reason)


@transaction.atomic
def article_publish(
    *, actor, article: Article, publish_at: datetime.datetime | None = None
) -> Article:
    """Publish now, or at ``publish_at`` when that lies in the future."""
    return editorial.content_publish(actor=actor, item=article, publish_at=publish_at)


@transaction.atomic
def article_unpublish(*, actor, article: Article) -> Article:
    return editorial.content_withdraw(actor=actor, item=article)


@transaction.atomic
def article_delete(*, actor, article: Article) -> Article:
    return editorial.content_delete(actor=actor, item=article)


def content_publish_due(*, now: datetime.datetime | None = None) -> int:
    """Make live the scheduled items whose time has come (every content type of the editorial
    workflow, articles and documents among them)."""
    return editorial.content_publish_due(now=now)


def _editor_url(item: Content) -> str:
    prefix = "bai-viet" if isinstance(item, Article) else "van-ban"
    return f"/bien-tap/{prefix}/{item.uuid}/"


# --- legal documents ----------------------------------------------------------------------


def document_search_text(document: LegalDocument) -> str:
    """Folded text of the document; the type is in Vietnamese (and English) whatever the
    language of the editor who saved it, so "nghị định 27" and "decree 27" both find it."""
    with translation.override("vi"):
        type_vi = document.get_doc_type_display()
    with translation.override("en"):
        type_en = document.get_doc_type_display()
    parts = [
        type_vi,
        type_en,
        document.number_symbol,
        document.abstract,
        document.issuing_body,
        document.signer,
        document.field,
        html_to_text(document.body),
    ]
    # "Quyết định 1719/QĐ-TTg" is also written "Quyết định số 1719/QĐ-TTg".
    parts.append(f"{type_vi} số {document.number_symbol}")
    return fold(" ".join(p for p in parts if p))


def _check_links(document: LegalDocument, amends: list, replaces: list) -> None:
    for other in [*amends, *replaces]:
        if document.pk and other.pk == document.pk:
            raise ValidationError("Văn bản không thể sửa đổi hay thay thế chính nó.", code="self")
    if document.pk:
        # A document cannot amend or replace one that amends or replaces it.
        later = set(document.amended_by.values_list("pk", flat=True)) | set(
            document.replaced_by.values_list("pk", flat=True)
        )
        if later & {o.pk for o in [*amends, *replaces]}:
            raise ValidationError(
                "Văn bản không thể sửa đổi hay thay thế văn bản ban hành sau để sửa đổi, "
                "thay thế chính nó.",
                code="cycle",
            )
    if set(o.pk for o in amends) & set(o.pk for o in replaces):
        raise ValidationError(
            "Một văn bản không thể vừa được sửa đổi vừa bị thay thế bởi cùng văn bản.",
            code="both",
        )


@transaction.atomic
def legal_document_save(
    *,
    actor,
    document: LegalDocument | None = None,
    unit: Unit,
    number_symbol: str,
    doc_type: str,
    issuing_body: str,
    issued_on: datetime.date,
    abstract: str,
    signer: str = "",
    effective_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    field: str = "",
    legal_status: str = LegalStatus.IN_FORCE,
    body: str = "",
    areas: Iterable[Unit] | None = None,
    amends: Iterable[LegalDocument] | None = None,
    replaces: Iterable[LegalDocument] | None = None,
    slug: str = "",
    source: str = "",
) -> LegalDocument:
    """Create or change an entry of the legal documents register."""
    _require_edit(actor, unit)
    number_symbol = _text(number_symbol, limit=80, label="Số, ký hiệu")
    if not number_symbol:
        raise ValidationError("Cần có số, ký hiệu văn bản.", code="number_symbol")
    if doc_type not in DocType.values:
        raise ValidationError(f"Loại văn bản không hợp lệ: {doc_type!r}.", code="doc_type")
    if legal_status not in LegalStatus.values:
        raise ValidationError("Tình trạng hiệu lực không hợp lệ.", code="legal_status")
    issuing_body = _text(issuing_body, limit=200, label="Cơ quan ban hành")
    abstract = _text(abstract)
    if not issuing_body or not abstract or issued_on is None:
        raise ValidationError(
            "Cần có cơ quan ban hành, ngày ban hành và trích yếu.", code="required"
        )
    if effective_on and expires_on and expires_on < effective_on:
        raise ValidationError("Ngày hết hiệu lực trước ngày có hiệu lực.", code="dates")
    # A number is unique within one source: a mirror may hold another portal's copy of a
    # document that it also registered itself.
    source = _text(source, limit=100, label="Nguồn")
    duplicates = LegalDocument.objects.filter(
        number_symbol__iexact=number_symbol,
        doc_type=doc_type,
        source=source,
        deleted_at__isnull=True,
    )
    before = None
    if document is None:
        document = LegalDocument(created_by=actor)
        creating = True
    else:
        document = _locked(document)
        _require_edit(actor, document)
        if document.deleted_at is not None:
            raise ValidationError("Văn bản đã bị xoá, không sửa được nữa.", code="deleted")
        before = _snap(document)
        duplicates = duplicates.exclude(pk=document.pk)
        creating = False
    if duplicates.exists():
        raise ValidationError(
            f"Đã có văn bản số {number_symbol} trong cơ sở dữ liệu.", code="duplicate"
        )
    amends, replaces = list(amends or []), list(replaces or [])
    _check_links(document, amends, replaces)
    if not creating and _revising(actor, document):
        state = revisions.pending_state(document)
        state.update(
            unit=unit.pk,
            number_symbol=number_symbol,
            doc_type=doc_type,
            issuing_body=issuing_body,
            signer=_text(signer, limit=150, label="Người ký"),
            issued_on=issued_on.isoformat(),
            effective_on=effective_on.isoformat() if effective_on else None,
            expires_on=expires_on.isoformat() if expires_on else None,
            abstract=abstract,
            field=_text(field, limit=150, label="Lĩnh vực"),
            legal_status=legal_status,
            body=clean_html(body),
            source=source,
            areas=sorted(u.pk for u in _areas(areas)),
            amends=sorted(d.pk for d in amends),
            replaces=sorted(d.pk for d in replaces),
        )
        revisions.revision_write(actor=actor, item=document, data=state)
        return document
    document.unit = unit
    document.number_symbol = number_symbol
    document.doc_type = doc_type
    document.issuing_body = issuing_body
    document.signer = _text(signer, limit=150, label="Người ký")
    document.issued_on = issued_on
    document.effective_on = effective_on
    document.expires_on = expires_on
    document.abstract = abstract
    document.field = _text(field, limit=150, label="Lĩnh vực")
    document.legal_status = legal_status
    document.body = clean_html(body)
    document.source = source
    if not (document.first_published_at and document.slug):
        document.slug = _unique_slug(LegalDocument, slug or number_symbol, exclude_pk=document.pk)
    document.updated_at = timezone.now()
    document.search_text = document_search_text(document)
    document.save()
    document.areas.set(_areas(areas))
    document.amends.set(amends)
    document.replaces.set(replaces)
    _audit(
        actor, "legal_document_create" if creating else "legal_document_update", document, before
    )
    if document.is_public:
        _mark_targets(actor=actor, document=document)
        _announce(document)
    return document


def _mark_targets(*, actor, document: LegalDocument) -> None:
    """A published document that amends or replaces others changes their legal status in the
    register (in force → amended, in force or amended → replaced)."""
    changes = [(t, LegalStatus.AMENDED) for t in document.amends.all()] + [
        (t, LegalStatus.REPLACED) for t in document.replaces.all()
    ]
    for target, new_status in changes:
        target = _locked(target)
        allowed = (
            {LegalStatus.IN_FORCE}
            if new_status == LegalStatus.AMENDED
            else {LegalStatus.IN_FORCE, LegalStatus.AMENDED}
        )
        if target.legal_status not in allowed:
            continue
        before = _snap(target)
        target.legal_status = new_status
        target.updated_at = timezone.now()
        target.save(update_fields=["legal_status", "updated_at"])
        audit_record(
            actor=actor,
            action="portal.legal_document_status_follow",
            obj=target,
            unit=target.unit,
            before=before,
            after={**_snap(target), "because_of": str(document.uuid)},
        )
        if target.is_public:
            _announce(target)


@transaction.atomic
def legal_document_attachment_add(
    *, actor, document: LegalDocument, upload: UploadedFile, title: str = ""
) -> LegalDocumentAttachment:
    return _attachment_add(actor=actor, item=document, upload=upload, title=title)


@transaction.atomic
def legal_document_attachment_remove(*, actor, document: LegalDocument, attachment_uuid) -> None:
    _attachment_remove(actor=actor, item=document, attachment_uuid=attachment_uuid)


@transaction.atomic
def legal_document_submit_for_review(*, actor, document: LegalDocument) -> LegalDocument:
    return editorial.content_submit_for_review(actor=actor, item=document)


@transaction.atomic
def legal_document_return_to_draft(
    *, actor, document: LegalDocument, reason: str = ""
) -> LegalDocument:
    return editorial.content_return_to_draft(actor=actor, item=document, reason=reason)


@transaction.atomic
def legal_document_publish(
    *, actor, document: LegalDocument, publish_at: datetime.datetime | None = None
) -> LegalDocument:
    return editorial.content_publish(actor=actor, item=document, publish_at=publish_at)


@transaction.atomic
def legal_document_unpublish(*, actor, document: LegalDocument) -> LegalDocument:
    return editorial.content_withdraw(actor=actor, item=document)


@transaction.atomic
def legal_document_delete(*, actor, document: LegalDocument) -> LegalDocument:
    return editorial.content_delete(actor=actor, item=document)


# --- agencies -----------------------------------------------------------------------------


@transaction.atomic
def agency_save(
    *,
    actor,
    agency: Agency | None = None,
    unit: Unit,
    name: str,
    role: str,
    name_en: str = "",
    description: str = "",
    description_en: str = "",
    address: str = "",
    address_en: str = "",
    phone: str = "",
    email: str = "",
    website: str = "",
    position: int = 100,
) -> Agency:
    """Create or change an entry of the agency directory (public as soon as saved)."""
    from django.core.validators import URLValidator, validate_email

    _require_edit(actor, unit)
    name = _text(name, limit=250, label="Tên cơ quan")
    if not name:
        raise ValidationError("Cần có tên cơ quan.", code="name")
    if role not in AgencyRole.values:
        raise ValidationError("Vai trò không hợp lệ.", code="role")
    email = (email or "").strip()
    if email:
        validate_email(email)
    website = (website or "").strip()
    if website:
        URLValidator(schemes=["http", "https"])(website)
    before = None
    if agency is None:
        agency = Agency()
        creating = True
    else:
        agency = _locked(agency)
        _require_edit(actor, agency)
        before = _snap(agency)
        creating = False
    values: dict[str, Any] = {
        "unit": unit,
        "name": name,
        "name_en": _text(name_en, limit=250, label="Tên tiếng Anh"),
        "role": role,
        "description": _text(description),
        "description_en": _text(description_en),
        "address": _text(address, limit=300, label="Địa chỉ"),
        "address_en": _text(address_en, limit=300, label="Địa chỉ tiếng Anh"),
        "phone": _text(phone, limit=60, label="Điện thoại"),
        "email": email,
        "website": website,
        "position": int(position),
    }
    for key, value in values.items():
        setattr(agency, key, value)
    agency.search_text = fold(" ".join([name, agency.name_en, agency.address]))
    agency.updated_at = timezone.now()
    agency.save()
    _audit(actor, "agency_create" if creating else "agency_update", agency, before)
    _announce(agency)
    return agency


@transaction.atomic
def agency_delete(*, actor, agency: Agency) -> Agency:
    agency = _locked(agency)
    _require_edit(actor, agency)
    if agency.deleted_at is not None:
        return agency
    before = _snap(agency)
    agency.deleted_at = timezone.now()
    agency.updated_at = agency.deleted_at
    agency.save(update_fields=["deleted_at", "updated_at"])
    _audit(actor, "agency_delete", agency, before)
    _announce(agency)
    return agency


# --- revisions of published items ------------------------------------------------------------
#
# An editor's change to a published article or document (its fields, translations or
# attachments) is kept as the item's open revision (``editorial.revisions``) until a second editor
# approves it; the item's row, which everything public reads, keeps the published version and
# its ``updated_at``. The functions below tell the generic revision code what the editable
# state of an article or document is and how it is written back.


def _revising(actor, item: Content) -> bool:
    """Does a change by ``actor`` to ``item`` go to its revision rather than to the item?"""
    if actor is None or not settings.PORTAL_FOUR_EYES or item.deleted_at is not None:
        return False
    return item.status == Status.PUBLISHED or revisions.revision_open(item) is not None


def _attachment_state(attachment) -> dict[str, Any]:
    return {
        "uuid": str(attachment.uuid),
        "title": attachment.title,
        "file": attachment.file.name,
        "media_type": attachment.media_type,
        "size_bytes": attachment.size_bytes,
    }


def _article_state(article: Article) -> dict[str, Any]:
    return {
        "unit": article.unit_id,
        "kind": article.kind,
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "areas": sorted(article.areas.values_list("pk", flat=True)),
        "image": article.image.name or "",
        "image_alt": article.image_alt,
        "source": article.source,
        "translations": [
            {"language": t.language, "title": t.title, "summary": t.summary, "body": t.body}
            for t in article.translations.filter(status=TranslationStatus.PUBLISHED).order_by(
                "language"
            )
        ],
        "attachments": [_attachment_state(a) for a in article.attachments.order_by("id")],
    }


def _document_state(document: LegalDocument) -> dict[str, Any]:
    def day(value):
        return value.isoformat() if value else None

    return {
        "unit": document.unit_id,
        "number_symbol": document.number_symbol,
        "doc_type": document.doc_type,
        "issuing_body": document.issuing_body,
        "signer": document.signer,
        "issued_on": day(document.issued_on),
        "effective_on": day(document.effective_on),
        "expires_on": day(document.expires_on),
        "abstract": document.abstract,
        "field": document.field,
        "legal_status": document.legal_status,
        "body": document.body,
        "source": document.source,
        "areas": sorted(document.areas.values_list("pk", flat=True)),
        "amends": sorted(document.amends.values_list("pk", flat=True)),
        "replaces": sorted(document.replaces.values_list("pk", flat=True)),
        "attachments": [_attachment_state(a) for a in document.attachments.order_by("id")],
    }


def _article_revise(
    *,
    actor,
    article: Article,
    unit: Unit,
    kind: str,
    title: str,
    summary: str,
    body: str,
    areas,
    image: UploadedFile | None,
    image_extension: str,
    image_alt: str,
    remove_image: bool,
    source: str,
) -> Article:
    """``article_save`` of a published article: the change becomes its open revision."""
    state = revisions.pending_state(article)
    has_image = image is not None or (bool(state["image"]) and not remove_image)
    if has_image and not image_alt:
        raise ValidationError(
            "Ảnh cần có mô tả (alt) cho người không nhìn thấy ảnh.", code="image_alt"
        )
    new_image = "" if remove_image and image is None else state["image"]
    if image is not None:
        field = Article._meta.get_field("image")
        new_image = field.storage.save(
            field.generate_filename(article, _stored_name(image, image_extension)), image
        )
    state.update(
        unit=unit.pk,
        kind=kind,
        title=title,
        summary=_text(summary),
        body=clean_html(body),
        areas=sorted(u.pk for u in _areas(areas)),
        image=new_image,
        image_alt=image_alt if has_image else "",
        source=_text(source, limit=100, label="Nguồn"),
    )
    revisions.revision_write(actor=actor, item=article, data=state)
    return article


def _attachments_apply(item: Content, wanted: list[dict[str, Any]]) -> None:
    """The item's attachments become ``wanted`` (files of new ones are already stored; the
    files of removed ones are deleted by the revision code after commit)."""
    model = ArticleAttachment if isinstance(item, Article) else LegalDocumentAttachment
    owner = {"article": item} if isinstance(item, Article) else {"document": item}
    held = {str(a.uuid): a for a in item.attachments.all()}
    keep = {a["uuid"] for a in wanted}
    for key, row in held.items():
        if key not in keep:
            row.delete()
    for a in wanted:
        row = held.get(a["uuid"])
        if row is None:
            row = model(
                uuid=uuid_lib.UUID(a["uuid"]),
                title=a["title"],
                media_type=a["media_type"],
                size_bytes=a["size_bytes"],
                **owner,
            )
            row.file.name = a["file"]
            row.save()
        elif row.title != a["title"]:
            row.title = a["title"]
            row.save(update_fields=["title"])


def _article_apply(*, actor, item: Article, data: dict[str, Any]) -> None:
    article = item
    article.unit = Unit.objects.get(pk=data["unit"])
    article.kind = data["kind"]
    article.title = data["title"]
    article.summary = data["summary"]
    article.body = clean_html(data["body"])
    article.image.name = data["image"] or ""
    article.image_alt = data["image_alt"]
    article.source = data["source"]
    article.updated_at = now = timezone.now()
    article.save()
    article.areas.set(data["areas"])
    languages = [t["language"] for t in data["translations"]]
    # Translations still in their own review (editorial.translation_*) are left alone.
    ArticleTranslation.objects.filter(article=article, status=TranslationStatus.PUBLISHED).exclude(
        language__in=languages
    ).delete()
    for t in data["translations"]:
        ArticleTranslation.objects.update_or_create(
            article=article,
            language=t["language"],
            defaults={
                "title": t["title"],
                "summary": t["summary"],
                "body": clean_html(t["body"]),
                "updated_at": now,
                "status": TranslationStatus.PUBLISHED,
                "published_by": actor,
                "published_at": now,
            },
        )
    _attachments_apply(article, data["attachments"])
    article.search_text = article_search_text(article)
    article.save(update_fields=["search_text"])
    if article.is_public:
        _announce(article)


def _document_apply(*, actor, item: LegalDocument, data: dict[str, Any]) -> None:
    """Writes an approved state onto a document, checked again as ``legal_document_save``
    checks it (another document may have taken the number or linked to it meanwhile)."""
    document = item

    def day(value):
        return datetime.date.fromisoformat(value) if value else None

    duplicates = LegalDocument.objects.filter(
        number_symbol__iexact=data["number_symbol"],
        doc_type=data["doc_type"],
        source=data["source"],
        deleted_at__isnull=True,
    ).exclude(pk=document.pk)
    if duplicates.exists():
        raise ValidationError(
            f"Đã có văn bản số {data['number_symbol']} trong cơ sở dữ liệu.", code="duplicate"
        )
    amends = list(LegalDocument.objects.filter(pk__in=data["amends"], deleted_at__isnull=True))
    replaces = list(LegalDocument.objects.filter(pk__in=data["replaces"], deleted_at__isnull=True))
    _check_links(document, amends, replaces)
    document.unit = Unit.objects.get(pk=data["unit"])
    for name in (
        "number_symbol", "doc_type", "issuing_body", "signer", "abstract", "field",
        "legal_status", "source",
    ):  # fmt: skip
        setattr(document, name, data[name])
    document.issued_on = day(data["issued_on"])
    document.effective_on = day(data["effective_on"])
    document.expires_on = day(data["expires_on"])
    document.body = clean_html(data["body"])
    document.updated_at = timezone.now()
    document.search_text = document_search_text(document)
    document.save()
    document.areas.set(data["areas"])
    document.amends.set(amends)
    document.replaces.set(replaces)
    _attachments_apply(document, data["attachments"])
    if document.is_public:
        _mark_targets(actor=actor, document=document)
        _announce(document)


def _state_files(state: dict[str, Any]) -> set[str]:
    names = {a["file"] for a in state.get("attachments", ())}
    if state.get("image"):
        names.add(state["image"])
    return names


def _delete_stored_file(name: str) -> None:
    from django.core.files.storage import default_storage

    _delete_file_after_commit(default_storage, name)


def _unit_names(pks) -> str:
    names = dict(Unit.objects.filter(pk__in=pks).values_list("pk", "name"))
    return ", ".join(names.get(pk, str(pk)) for pk in pks)


def _display(key: str, value: Any) -> str:
    """A state's value as the editors read it in the comparison of two versions."""
    if value in (None, "", []):
        return ""
    if key == "unit":
        return _unit_names([value])
    if key == "areas":
        return _unit_names(value)
    if key in ("amends", "replaces"):
        return "; ".join(str(d) for d in LegalDocument.objects.filter(pk__in=value))
    if key == "kind":
        return str(ArticleKind(value).label)
    if key == "doc_type":
        return str(DocType(value).label)
    if key == "legal_status":
        return str(LegalStatus(value).label)
    if key in ("issued_on", "effective_on", "expires_on"):
        return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    if key == "body":
        return html_to_text(value)
    if key == "image":
        return os.path.basename(value)
    if key == "translations":
        return "\n\n".join(
            "\n".join(
                p
                for p in (f"[{t['language']}] {t['title']}", t["summary"], html_to_text(t["body"]))
                if p
            )
            for t in value
        )
    if key == "attachments":
        return "\n".join(f"{a['title']} ({a['size_bytes']} B)" for a in value)
    return str(value)


def _can_edit_state(user, item: Content, data: dict[str, Any]) -> bool:
    """``user`` covers the item's unit and the unit the revision gives it."""
    if not permissions.can_edit(user, item):
        return False
    unit_pk = data.get("unit")
    if unit_pk is None or unit_pk == item.unit_id:
        return True
    unit = Unit.objects.filter(pk=unit_pk).first()
    return unit is not None and permissions.can_edit_for_unit(user, unit)


revisions.register(
    revisions.RevisionHandler(
        model=Article,
        app="portal",
        kind="article",
        state=_article_state,
        apply=_article_apply,
        fields=[
            ("title", _lazy("Tiêu đề")),
            ("kind", _lazy("Chuyên mục")),
            ("unit", _lazy("Đơn vị quản lý")),
            ("areas", _lazy("Tỉnh liên quan")),
            ("summary", _lazy("Tóm tắt")),
            ("body", _lazy("Nội dung")),
            ("image", _lazy("Ảnh đại diện")),
            ("image_alt", _lazy("Mô tả ảnh")),
            ("translations", _lazy("Bản dịch")),
            ("attachments", _lazy("Tệp đính kèm")),
        ],
        display=_display,
        files=_state_files,
        delete_file=_delete_stored_file,
        can_edit=_can_edit_state,
        reviewers=lambda item, actor: editorial.reviewers(item, exclude=actor),
        notify=editorial.notify_after_commit,
        editor_url=lambda item: _editor_url(item),
    )
)
revisions.register(
    revisions.RevisionHandler(
        model=LegalDocument,
        app="portal",
        kind="legal_document",
        state=_document_state,
        apply=_document_apply,
        fields=[
            ("number_symbol", _lazy("Số, ký hiệu")),
            ("doc_type", _lazy("Loại văn bản")),
            ("issuing_body", _lazy("Cơ quan ban hành")),
            ("signer", _lazy("Người ký")),
            ("issued_on", _lazy("Ngày ban hành")),
            ("effective_on", _lazy("Ngày có hiệu lực")),
            ("expires_on", _lazy("Ngày hết hiệu lực")),
            ("abstract", _lazy("Trích yếu")),
            ("field", _lazy("Lĩnh vực")),
            ("legal_status", _lazy("Tình trạng hiệu lực")),
            ("unit", _lazy("Đơn vị quản lý")),
            ("areas", _lazy("Tỉnh liên quan")),
            ("amends", _lazy("Sửa đổi, bổ sung văn bản")),
            ("replaces", _lazy("Thay thế văn bản")),
            ("body", _lazy("Nội dung, ghi chú")),
            ("attachments", _lazy("Tệp đính kèm")),
        ],
        display=_display,
        files=_state_files,
        delete_file=_delete_stored_file,
        can_edit=_can_edit_state,
        reviewers=lambda item, actor: editorial.reviewers(item, exclude=actor),
        notify=editorial.notify_after_commit,
        editor_url=lambda item: _editor_url(item),
    )
)


# --- the editorial workflow of articles and documents --------------------------------------


def _four_eyes() -> bool:
    return bool(getattr(settings, "PORTAL_FOUR_EYES", True))


def _document_published(actor, document: LegalDocument) -> None:
    _mark_targets(actor=actor, document=document)


workflows.register(
    workflows.Workflow(
        model=Article,
        app="portal",
        kind="article",
        snapshot=_snap,
        can_edit=permissions.can_edit,
        reviewer_roles=(RoleCode.CONTENT_EDITOR,),
        editor_url=_editor_url,
        changed=_announce,
        four_eyes=_four_eyes,
        translations="translations",
        translation_changed=_article_translation_changed,
    )
)
workflows.register(
    workflows.Workflow(
        model=LegalDocument,
        app="portal",
        kind="legal_document",
        snapshot=_snap,
        can_edit=permissions.can_edit,
        reviewer_roles=(RoleCode.CONTENT_EDITOR,),
        editor_url=_editor_url,
        changed=_announce,
        published=_document_published,
        four_eyes=_four_eyes,
    )
)
