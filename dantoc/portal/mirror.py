"""Mirroring another instance's portal in bulk (the integration app's sync client,
``manage.py portal_sync``): whole pages of published items written set-wise, already
published with the source's times, without the editorial workflow of ``services``."""

from __future__ import annotations

import datetime
import uuid as uuid_lib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dantoc.audit.services import audit_record
from dantoc.core.events import announce
from dantoc.core.pagecache import public_pages_changed_on_commit
from dantoc.core.text import fold
from dantoc.editorial.services import LANGUAGE_CODE_MAX
from dantoc.geo.models import Unit
from dantoc.portal.models import (
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
from dantoc.portal.services import (
    EVENT,
    _delete_file_after_commit,
    _require_edit,
    _slug_base,
    _stored_name,
    _text,
)
from dantoc.portal.uploads import check_attachment

# --- mirroring another instance in bulk -----------------------------------------------------
#
# The integration app's sync client copies another dantoc portal into this one. Going through
# the editorial services above item by item costs about 25 queries and two audit rows per
# item; a first sync of 10,000 documents took minutes. ``content_mirror_apply`` writes one
# page of the source's feed at once: the items arrive already published (the source's editors
# published them), keep the source's uuid and publication dates, and are checked and
# sanitised as the editorial services check and sanitise them. One audit row per page.


@dataclass
class MirrorTranslation:
    language: str
    title: str
    summary: str = ""
    body: str = ""


@dataclass
class MirrorAttachment:
    """An attachment of a mirrored item, with the source's uuid. ``upload`` is the file
    downloaded from the source, or None when this instance already holds that attachment."""

    uuid: uuid_lib.UUID
    title: str
    upload: UploadedFile | None = None


@dataclass
class MirrorArticle:
    """One article of a source's feed. ``uuid`` is the local item's uuid (the source's uuid
    for an item mirrored in bulk); ``label`` names the item in error messages."""

    uuid: uuid_lib.UUID
    unit_code: str
    kind: str
    title: str
    summary: str = ""
    body: str = ""
    area_codes: Sequence[str] = ()
    source: str = ""
    slug: str = ""
    published_at: datetime.datetime | None = None
    first_published_at: datetime.datetime | None = None
    translations: Sequence[MirrorTranslation] = ()
    # None: leave the item's attachments as they are; a list: the item's attachments now.
    attachments: Sequence[MirrorAttachment] | None = None
    label: str = ""


@dataclass
class MirrorDocument:
    """One legal document of a source's feed; ``amends``/``replaces`` are local uuids (links
    to documents this instance does not hold are left out)."""

    uuid: uuid_lib.UUID
    unit_code: str
    number_symbol: str
    doc_type: str
    issuing_body: str
    issued_on: datetime.date | None
    abstract: str
    signer: str = ""
    effective_on: datetime.date | None = None
    expires_on: datetime.date | None = None
    field: str = ""
    legal_status: str = LegalStatus.IN_FORCE
    body: str = ""
    area_codes: Sequence[str] = ()
    amends: Sequence[uuid_lib.UUID] = ()
    replaces: Sequence[uuid_lib.UUID] = ()
    source: str = ""
    slug: str = ""
    published_at: datetime.datetime | None = None
    first_published_at: datetime.datetime | None = None
    attachments: Sequence[MirrorAttachment] | None = None
    label: str = ""


@dataclass
class MirrorResult:
    created: list[uuid_lib.UUID] = dc_field(default_factory=list)
    updated: list[uuid_lib.UUID] = dc_field(default_factory=list)
    deleted: list[uuid_lib.UUID] = dc_field(default_factory=list)
    # Tombstones of items this instance does not hold, or holds already deleted.
    unchanged: list[uuid_lib.UUID] = dc_field(default_factory=list)


MIRROR_ARTICLE_FIELDS = [
    "unit", "kind", "title", "summary", "body", "source", "status", "publish_at",
    "published_at", "first_published_at", "deleted_at", "image_alt", "search_text",
    "updated_at",
]  # fmt: skip
MIRROR_DOCUMENT_FIELDS = [
    "unit", "number_symbol", "doc_type", "issuing_body", "signer", "issued_on", "effective_on",
    "expires_on", "abstract", "field", "legal_status", "body", "source", "status", "publish_at",
    "published_at", "first_published_at", "deleted_at", "search_text", "updated_at",
]  # fmt: skip
MIRROR_BATCH_SIZE = 500


def _label(item: MirrorArticle | MirrorDocument) -> str:
    name = item.title if isinstance(item, MirrorArticle) else item.number_symbol
    name = (name or "").strip()[:80]
    ident = item.label or str(item.uuid)
    return f"{ident} ({name})" if name else ident


def _article_text(title: str, summary: str, body: str, translations) -> str:
    parts = [title, summary, html_to_text(body)]
    for t in translations:
        parts += [t.title, t.summary]
    return fold(" ".join(p for p in parts if p))


def _doc_type_labels() -> dict[str, tuple[str, str]]:
    labels = {}
    for value in DocType.values:
        with translation.override("vi"):
            vi = str(DocType(value).label)
        with translation.override("en"):
            en = str(DocType(value).label)
        labels[value] = (vi, en)
    return labels


def _document_text(document: LegalDocument, labels: dict[str, tuple[str, str]]) -> str:
    # The same text as document_search_text, with the type's names looked up once per page.
    type_vi, type_en = labels[document.doc_type]
    parts = [
        type_vi,
        type_en,
        document.number_symbol,
        document.abstract,
        document.issuing_body,
        document.signer,
        document.field,
        html_to_text(document.body),
        f"{type_vi} số {document.number_symbol}",
    ]
    return fold(" ".join(p for p in parts if p))


def _number_key(number: str) -> str:
    """What ``number_symbol__iexact`` compares on this database: PostgreSQL folds the case of
    every letter (UPPER), SQLite's LIKE only that of ASCII letters."""
    if connection.vendor == "postgresql":
        return number.upper()
    return "".join(c.upper() if c.isascii() else c for c in number)


def _published_moments(item, now) -> tuple[datetime.datetime, datetime.datetime]:
    for moment in (item.published_at, item.first_published_at):
        if moment is not None and timezone.is_naive(moment):
            raise ValidationError(_("Ngày xuất bản cần có múi giờ."), code="published_at")
    # A source's clock a little ahead of ours must not hide the item until our clock catches up.
    published = min(item.published_at or now, now)
    first = min(item.first_published_at or published, published)
    return published, first


def _mirror_clean_article(item: MirrorArticle, unit: Unit, now) -> dict[str, Any]:
    if item.kind not in ArticleKind.values:
        raise ValidationError(_("Chuyên mục không hợp lệ: %(kind)r.") % {"kind": item.kind})
    title = _text(item.title, limit=300, label="Tiêu đề")
    if not title:
        raise ValidationError(_("Cần có tiêu đề."), code="title")
    translations = []
    seen = set()
    for t in item.translations:
        language = (t.language or "").strip().lower()
        if (
            not language
            or language == "vi"
            or len(language) > LANGUAGE_CODE_MAX
            or not language.replace("-", "").isalpha()
            or language in seen
        ):
            raise ValidationError(
                _("Mã ngôn ngữ bản dịch không hợp lệ: %(code)r.") % {"code": t.language}
            )
        seen.add(language)
        t_title = _text(t.title, limit=300, label="Tiêu đề bản dịch")
        if not t_title:
            raise ValidationError(_("Bản dịch cần có tiêu đề."), code="title")
        translations.append(
            MirrorTranslation(language, t_title, _text(t.summary), clean_html(t.body))
        )
    published, first = _published_moments(item, now)
    values = {
        "unit": unit,
        "kind": item.kind,
        "title": title,
        "summary": _text(item.summary),
        "body": clean_html(item.body),
        "source": _text(item.source, limit=100, label="Nguồn"),
        "image_alt": "",
        "published_at": published,
        "first_published_at": first,
    }
    values["search_text"] = _article_text(title, values["summary"], values["body"], translations)
    values["_translations"] = translations
    return values


def _mirror_clean_document(item: MirrorDocument, unit: Unit, now, labels) -> dict[str, Any]:
    number_symbol = _text(item.number_symbol, limit=80, label="Số, ký hiệu")
    if not number_symbol:
        raise ValidationError(_("Cần có số, ký hiệu văn bản."), code="number_symbol")
    if item.doc_type not in DocType.values:
        raise ValidationError(
            _("Loại văn bản không hợp lệ: %(type)r.") % {"type": item.doc_type}, code="doc_type"
        )
    if item.legal_status not in LegalStatus.values:
        raise ValidationError(_("Tình trạng hiệu lực không hợp lệ."), code="legal_status")
    issuing_body = _text(item.issuing_body, limit=200, label="Cơ quan ban hành")
    abstract = _text(item.abstract)
    if not issuing_body or not abstract or item.issued_on is None:
        raise ValidationError(
            _("Cần có cơ quan ban hành, ngày ban hành và trích yếu."), code="required"
        )
    if item.effective_on and item.expires_on and item.expires_on < item.effective_on:
        raise ValidationError(_("Ngày hết hiệu lực trước ngày có hiệu lực."), code="dates")
    published, first = _published_moments(item, now)
    values = {
        "unit": unit,
        "number_symbol": number_symbol,
        "doc_type": item.doc_type,
        "issuing_body": issuing_body,
        "signer": _text(item.signer, limit=150, label="Người ký"),
        "issued_on": item.issued_on,
        "effective_on": item.effective_on,
        "expires_on": item.expires_on,
        "abstract": abstract,
        "field": _text(item.field, limit=150, label="Lĩnh vực"),
        "legal_status": item.legal_status,
        "body": clean_html(item.body),
        "source": _text(item.source, limit=100, label="Nguồn"),
        "published_at": published,
        "first_published_at": first,
    }
    values["search_text"] = _document_text(LegalDocument(**values), labels)
    return values


def _mirror_slugs(model, wanted: dict[uuid_lib.UUID, str]) -> dict[uuid_lib.UUID, str]:
    """Free slugs for new items: the wanted one when nobody has it, else ``-2``, ``-3``…"""
    bases = {key: _slug_base(text) for key, text in wanted.items()}
    taken = set(model.objects.filter(slug__in=set(bases.values())).values_list("slug", flat=True))
    chosen: dict[uuid_lib.UUID, str] = {}
    used: set[str] = set()
    for key, base in bases.items():
        candidate, n = base, 2
        while candidate in used or candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
            if candidate not in used and model.objects.filter(slug=candidate).exists():
                taken.add(candidate)
        used.add(candidate)
        chosen[key] = candidate
    return chosen


def _link_pairs(document_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(document, document it amends or replaces) for links touching ``document_ids``."""
    ids = list(document_ids)
    pairs: set[tuple[int, int]] = set()
    for through in (LegalDocument.amends.through, LegalDocument.replaces.through):
        for chunk in range(0, len(ids), MIRROR_BATCH_SIZE):
            part = ids[chunk : chunk + MIRROR_BATCH_SIZE]
            rows = through.objects.filter(
                Q(from_legaldocument_id__in=part) | Q(to_legaldocument_id__in=part)
            ).values_list("from_legaldocument_id", "to_legaldocument_id")
            pairs.update(rows)
    return pairs


@transaction.atomic
def content_mirror_apply(
    *,
    actor,
    model: type[Article] | type[LegalDocument],
    items: Sequence[MirrorArticle | MirrorDocument] = (),
    deletions: Sequence[uuid_lib.UUID] = (),
    mirrored: Collection[uuid_lib.UUID] = (),
    origin: str = "",
) -> MirrorResult:
    """Create, update and delete mirrored items of one model in one transaction.

    ``items`` are created (published, with the source's uuid and dates) or, when an item with
    the uuid exists, updated (a deleted one comes back); ``deletions`` are tombstones.
    ``mirrored`` are the uuids of the local items that earlier runs made from the same source:
    only those may be overwritten or deleted, so a source cannot replace this instance's own
    content by sending its uuid. ``origin`` names the source in the audit row.

    Everything is checked before anything is written; any bad item refuses the whole batch
    with a ValidationError whose messages each name the item. Rich text is sanitised as the
    editorial services sanitise it. One audit row for the batch (the uuids created, updated and
    deleted); one announcement of ``portal.content_changed`` with ``uuids`` after commit.
    """
    is_article = model is Article
    now = timezone.now()
    mirrored = {uuid_lib.UUID(str(u)) for u in mirrored}
    errors: list[str] = []
    by_uuid: dict[uuid_lib.UUID, MirrorArticle | MirrorDocument] = {}
    for item in items:
        expected = MirrorArticle if is_article else MirrorDocument
        if not isinstance(item, expected):
            raise TypeError(f"{type(item).__name__} is not a {expected.__name__}")
        if item.uuid in by_uuid:
            errors.append(_("%(item)s: có hai lần trong cùng một trang.") % {"item": _label(item)})
        by_uuid[item.uuid] = item
    deletions = list(dict.fromkeys(uuid_lib.UUID(str(u)) for u in deletions))
    for key in set(deletions) & set(by_uuid):
        errors.append(
            _("%(item)s: vừa được gửi vừa bị xoá trong cùng một trang.")
            % {"item": _label(by_uuid[key])}
        )

    codes = {item.unit_code for item in by_uuid.values()}
    codes |= {code for item in by_uuid.values() for code in item.area_codes}
    units = {u.code: u for u in Unit.objects.filter(code__in=codes, valid_to__isnull=True)}
    existing = {
        row.uuid: row
        for row in model.objects.select_for_update().filter(uuid__in=[*by_uuid, *deletions])
    }
    for key in existing:
        if key not in mirrored:
            errors.append(
                _(
                    "%(item)s: máy này đã có nội dung khác với mã %(uuid)s (không phải bản sao "
                    "từ nguồn này); không ghi đè."
                )
                % {"item": _label(by_uuid[key]) if key in by_uuid else key, "uuid": key}
            )

    checked_units: set[int] = set()
    labels = {} if is_article else _doc_type_labels()
    cleaned: dict[uuid_lib.UUID, dict[str, Any]] = {}
    for key, item in by_uuid.items():
        unit = units.get(item.unit_code)
        if unit is None:
            errors.append(
                _("%(item)s: không có đơn vị đang hoạt động mã %(code)r.")
                % {"item": _label(item), "code": item.unit_code}
            )
            continue
        try:
            if actor is not None and unit.pk not in checked_units:
                _require_edit(actor, unit)
                checked_units.add(unit.pk)
            if is_article:
                cleaned[key] = _mirror_clean_article(item, unit, now)
            else:
                cleaned[key] = _mirror_clean_document(item, unit, now, labels)
        except ValidationError as exc:
            errors.append(f"{_label(item)}: {' '.join(exc.messages)}")

    if not is_article and cleaned:
        # A number is unique within one source among the documents not deleted, as
        # legal_document_save checks it: against this batch, and against the stored ones.
        seen: dict[tuple, uuid_lib.UUID] = {}
        for key, values in cleaned.items():
            number = (_number_key(values["number_symbol"]), values["doc_type"], values["source"])
            if number in seen:
                errors.append(
                    _("%(item)s: trùng số, ký hiệu với %(other)s trong cùng trang.")
                    % {"item": _label(by_uuid[key]), "other": seen[number]}
                )
            seen[number] = key
        key_expr = Upper("number_symbol")
        stored = (
            LegalDocument.objects.filter(
                source__in={v["source"] for v in cleaned.values()},
                doc_type__in={v["doc_type"] for v in cleaned.values()},
                deleted_at__isnull=True,
            )
            .exclude(uuid__in=[*by_uuid, *deletions])
            .annotate(number_key=key_expr)
            .filter(number_key__in={n[0] for n in seen})
            .values_list("number_symbol", "doc_type", "source", "uuid")
        )
        for number_symbol, doc_type, source, other in stored:
            key = seen.get((_number_key(number_symbol), doc_type, source))
            if key is not None:
                errors.append(
                    _("%(item)s: đã có văn bản số %(number)s (%(other)s) trong cơ sở dữ liệu.")
                    % {"item": _label(by_uuid[key]), "number": number_symbol, "other": other}
                )
    attachment_model = ArticleAttachment if is_article else LegalDocumentAttachment
    owner_field = "article" if is_article else "document"
    incoming = {
        a.uuid: key
        for key, item in by_uuid.items()
        for a in (item.attachments or ())
        if a.upload is not None
    }
    elsewhere = attachment_model.objects.filter(uuid__in=list(incoming)).exclude(
        **{f"{owner_field}__uuid__in": list(by_uuid)}
    )
    for other in elsewhere.values_list("uuid", flat=True) if incoming else ():
        errors.append(
            _("%(item)s: tệp đính kèm %(uuid)s đã thuộc nội dung khác.")
            % {"item": _label(by_uuid[incoming[other]]), "uuid": other}
        )
    kinds = {}
    for item in by_uuid.values():
        for attachment in item.attachments or ():
            if attachment.upload is None:
                continue
            try:
                kinds[attachment.uuid] = check_attachment(attachment.upload)
            except ValidationError as exc:
                errors.append(f"{_label(item)}: {' '.join(exc.messages)}")
    if errors:
        raise ValidationError(errors, code="mirror_batch")

    result = MirrorResult()
    fields = MIRROR_ARTICLE_FIELDS if is_article else MIRROR_DOCUMENT_FIELDS
    new_rows, changed_rows = [], []
    slugs = _mirror_slugs(
        model,
        {
            key: item.slug
            or (item.title if isinstance(item, MirrorArticle) else item.number_symbol)
            for key, item in by_uuid.items()
            if key not in existing
        },
    )
    for key, values in cleaned.items():
        row = existing.get(key)
        first_seen = row.first_published_at if row is not None else None
        if row is None:
            row = model(uuid=key, slug=slugs[key], created_at=now)
            new_rows.append(row)
            result.created.append(key)
        else:
            changed_rows.append(row)
            result.updated.append(key)
        for name, value in values.items():
            if not name.startswith("_"):
                setattr(row, name, value)
        if first_seen is not None:
            # Subscribers of this instance saw it first then; that does not move.
            row.first_published_at = min(first_seen, values["first_published_at"])
        row.status = Status.PUBLISHED
        row.publish_at = None
        row.deleted_at = None
        row.updated_at = now
    model.objects.bulk_create(new_rows, batch_size=MIRROR_BATCH_SIZE)
    model.objects.bulk_update(changed_rows, fields, batch_size=100)
    rows = {row.uuid: row for row in [*new_rows, *changed_rows]}
    changed_ids = [row.pk for row in changed_rows]
    owner = f"{model._meta.model_name}_id"

    # Concerned areas (unknown codes are left out, as the editors' form cannot name them).
    areas = model.areas.through
    areas.objects.filter(**{f"{owner}__in": changed_ids}).delete()
    areas.objects.bulk_create(
        [
            areas(**{owner: rows[key].pk, "unit_id": units[code].pk})
            for key, item in by_uuid.items()
            for code in dict.fromkeys(item.area_codes)
            if code in units
        ],
        batch_size=2000,
    )

    if is_article:
        ArticleTranslation.objects.filter(article_id__in=changed_ids).delete()
        ArticleTranslation.objects.bulk_create(
            [
                ArticleTranslation(
                    article_id=rows[key].pk,
                    language=t.language,
                    title=t.title,
                    summary=t.summary,
                    body=t.body,
                    status=TranslationStatus.PUBLISHED,
                    published_at=now,
                    updated_at=now,
                )
                for key, values in cleaned.items()
                for t in values["_translations"]
            ],
            batch_size=MIRROR_BATCH_SIZE,
        )
    else:
        _mirror_links(by_uuid, rows, changed_ids)

    _mirror_attachments(by_uuid, rows, attachment_model, owner_field, kinds)

    # Tombstones: the local copy is deleted (the row stays, as for an editor's deletion).
    gone = [row.pk for key in deletions if (row := existing.get(key)) and row.deleted_at is None]
    model.objects.filter(pk__in=gone).update(deleted_at=now, publish_at=None, updated_at=now)
    for key in deletions:
        row = existing.get(key)
        if row is not None and row.deleted_at is None:
            result.deleted.append(key)
        else:
            result.unchanged.append(key)

    if result.created or result.updated or result.deleted:
        audit_record(
            actor=actor,
            action="portal.content_mirror_import",
            object_type=model._meta.label_lower,
            object_repr=(
                f"{origin or 'nguồn khác'}: {len(result.created)} tạo, "
                f"{len(result.updated)} sửa, {len(result.deleted)} xoá"
            ),
            after={
                "origin": origin,
                "created": [str(u) for u in result.created],
                "updated": [str(u) for u in result.updated],
                "deleted": [str(u) for u in result.deleted],
            },
        )
        announce(
            EVENT,
            kind="article" if is_article else "legal_document",
            uuids=[str(u) for u in [*result.created, *result.updated, *result.deleted]],
        )
        public_pages_changed_on_commit()
    return result


def _mirror_attachments(by_uuid, rows: dict, attachment_model, owner_field: str, kinds) -> None:
    """Attachments as the source has them: the ones it no longer has go (their files after
    commit), the new ones are stored under random names, checked as editors' uploads are."""
    owners = {rows[key].pk: item for key, item in by_uuid.items() if item.attachments is not None}
    if not owners:
        return
    held = attachment_model.objects.filter(**{f"{owner_field}_id__in": list(owners)})
    wanted = {a.uuid for item in owners.values() for a in item.attachments}
    for old in held:
        if old.uuid not in wanted:
            _delete_file_after_commit(old.file.storage, old.file.name)
            old.delete()
    held_uuids = set(held.values_list("uuid", flat=True))
    new_rows, stored = [], []
    try:
        for pk, item in owners.items():
            for a in item.attachments:
                if a.upload is None or a.uuid in held_uuids:
                    continue
                kind = kinds[a.uuid]
                title = _text(a.title)[:255] or kind.label
                row = attachment_model(
                    uuid=a.uuid,
                    title=title,
                    media_type=kind.media_type,
                    size_bytes=a.upload.size,
                    **{f"{owner_field}_id": pk},
                )
                row.file.save(_stored_name(a.upload, kind.extension), a.upload, save=False)
                stored.append(row.file)
                new_rows.append(row)
        attachment_model.objects.bulk_create(new_rows)
    except Exception:
        for file in stored:  # nothing committed refers to them
            file.storage.delete(file.name)
        raise


def _mirror_links(by_uuid, rows: dict, changed_ids: list[int]) -> None:
    """The amends/replaces links of mirrored documents, checked as ``_check_links`` does."""
    targets = {u for item in by_uuid.values() for u in [*item.amends, *item.replaces]}
    target_ids = dict(
        LegalDocument.objects.filter(uuid__in=targets, deleted_at__isnull=True).values_list(
            "uuid", "pk"
        )
    )
    errors: list[str] = []
    amends_through = LegalDocument.amends.through
    replaces_through = LegalDocument.replaces.through
    amends_through.objects.filter(from_legaldocument_id__in=changed_ids).delete()
    replaces_through.objects.filter(from_legaldocument_id__in=changed_ids).delete()
    new_amends, new_replaces = [], []
    for key, item in by_uuid.items():
        pk = rows[key].pk
        amends = {target_ids[u] for u in item.amends if u in target_ids}
        replaces = {target_ids[u] for u in item.replaces if u in target_ids}
        if pk in amends | replaces:
            errors.append(
                f"{_label(item)}: " + _("Văn bản không thể sửa đổi hay thay thế chính nó.")
            )
        if amends & replaces:
            errors.append(
                f"{_label(item)}: "
                + _("Một văn bản không thể vừa được sửa đổi vừa bị thay thế bởi cùng văn bản.")
            )
        new_amends += [
            amends_through(from_legaldocument_id=pk, to_legaldocument_id=t) for t in amends
        ]
        new_replaces += [
            replaces_through(from_legaldocument_id=pk, to_legaldocument_id=t) for t in replaces
        ]
    amends_through.objects.bulk_create(new_amends, batch_size=2000)
    replaces_through.objects.bulk_create(new_replaces, batch_size=2000)
    # A document cannot amend or replace one that amends or replaces it.
    label_of = {rows[key].pk: _label(item) for key, item in by_uuid.items()}
    pairs = _link_pairs(label_of)
    for a, b in sorted(pairs):
        if a in label_of and (b, a) in pairs:
            errors.append(
                f"{label_of[a]}: "
                + _(
                    "Văn bản không thể sửa đổi hay thay thế văn bản ban hành sau để sửa đổi, "
                    "thay thế chính nó."
                )
            )
    if errors:
        raise ValidationError(errors, code="mirror_batch")
