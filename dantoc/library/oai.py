"""The e-library's records for the platform's OAI-PMH 2.0 provider (``OaiSource`` on
``LibraryConfig``): Dublin Core of every public item, and the items the public once saw and
no longer does (withdrawn or deleted) reported as deleted, so harvesters remove them.

Each record is the provider's ``OaiRecord`` (``dantoc.core.oai``): the local id is the
item's uuid. Sets: ``library`` (everything) and ``library:<type>`` (``library:sach``,
``library:bao-cao``…).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Q
from django.utils.translation import override

from dantoc.core.languages import BY_CODE
from dantoc.core.oai import OaiRecord
from dantoc.editorial.models import publicly_visible_q
from dantoc.library.models import DocumentType, LibraryItem

PREFIX = "library"


def sets() -> list[tuple[str, str]]:
    with override("vi"):
        return [(PREFIX, "Thư viện điện tử")] + [
            (f"{PREFIX}:{code}", f"Thư viện điện tử: {label}")
            for code, label in DocumentType.choices
        ]


def _offered() -> Q:
    # Public now, or seen by the public once (then a deletion to report).
    return publicly_visible_q() | Q(first_published_at__isnull=False)


def _dc(item: LibraryItem) -> dict[str, list[str]]:
    base = (settings.SITE_URL or "").rstrip("/")
    identifiers = [f"{base}{item.get_absolute_url()}", f"urn:uuid:{item.uuid}"]
    if item.isbn:
        identifiers.append(f"urn:isbn:{item.isbn}")
    if item.identifier:
        identifiers.append(item.identifier)
    language = BY_CODE.get(item.language)
    subjects = item.subject_list + [g.name for g in item.ethnic_groups.all()]
    formats = []
    if item.document_id:
        formats.append(item.document.mime_type)
    if item.audio_id:
        formats.append(item.audio.mime_type)
    dc = {
        "title": [item.title],
        "creator": item.creator_list,
        "contributor": item.contributor_list,
        "publisher": [item.publisher] if item.publisher else [],
        "date": [item.issued] if item.issued else [],
        "description": [item.description] if item.description else [],
        "subject": subjects,
        "type": [item.dc_type, str(DocumentType(item.doc_type).label)],
        "format": formats,
        "identifier": identifiers,
        "language": [language.code] if language else [item.language],
        "rights": [r for r in (item.licence, item.rights) if r],
    }
    return {k: v for k, v in dc.items() if v}


def _record(item: LibraryItem) -> OaiRecord:
    deleted = not item.is_public
    with override("vi"):
        return OaiRecord(
            local_id=str(item.uuid),
            datestamp=item.updated_at,
            sets=(PREFIX, f"{PREFIX}:{item.doc_type}"),
            deleted=deleted,
            dc={} if deleted else _dc(item),
        )


def _items():
    return (
        LibraryItem.objects.filter(_offered())
        .select_related("document", "audio")
        .prefetch_related("ethnic_groups")
    )


def records(*, since=None, until=None, set_spec: str | None = None) -> Iterator[OaiRecord]:
    """Records changed in [since, until], of ``set_spec`` when given, by (datestamp, id)."""
    items = _items()
    if since is not None:
        items = items.filter(updated_at__gte=since)
    if until is not None:
        items = items.filter(updated_at__lte=until)
    if set_spec and set_spec != PREFIX:
        code = set_spec.removeprefix(f"{PREFIX}:")
        if not set_spec.startswith(f"{PREFIX}:") or code not in DocumentType.values:
            return
        items = items.filter(doc_type=code)
    for item in items.order_by("updated_at", "uuid").iterator(chunk_size=200):
        yield _record(item)


def record(local_id: str) -> OaiRecord | None:
    try:
        key = uuid.UUID(str(local_id))
    except ValueError:  # not a uuid: no such record
        return None
    item = _items().filter(uuid=key).first()
    return _record(item) if item is not None else None
