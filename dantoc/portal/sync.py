"""How portal articles and legal documents appear in the provincial sync feeds and webhooks
(declared as ``sync_feeds`` on ``PortalConfig``; the integration app reads the declarations
and adds each item's id, feed, dates and unit)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse

from dantoc.geo.models import Unit
from dantoc.portal.models import ArticleAttachment, LegalDocument, LegalDocumentAttachment
from dantoc.portal.selectors import published_translations


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _portal_url(name: str, uuid, base_url: str) -> str | None:
    """The portal's public address of a file (it checks the item is public before serving)."""
    try:
        return base_url.rstrip("/") + reverse(name, kwargs={"uuid": uuid})
    except NoReverseMatch:
        return None


def _common(item, base_url: str) -> dict[str, Any]:
    return {
        "areas": sorted(u.code for u in item.areas.all()),
        "source": item.source,
        "slug": item.slug,
        "attachments": [
            {
                "id": str(a.uuid),
                "title": a.title,
                "url": _portal_url("portal:attachment", a.uuid, base_url),
                "media_type": a.media_type,
                "size_bytes": a.size_bytes,
            }
            for a in item.attachments.all()
        ],
    }


def _details(qs: QuerySet, attachments) -> QuerySet:
    return qs.prefetch_related(
        Prefetch("areas", queryset=Unit.objects.only("id", "code")),
        Prefetch("attachments", queryset=attachments.objects.order_by("id")),
    )


def article_details(qs: QuerySet) -> QuerySet:
    return _details(qs, ArticleAttachment).prefetch_related(published_translations())


def document_details(qs: QuerySet) -> QuerySet:
    return _details(qs, LegalDocumentAttachment).prefetch_related(
        Prefetch("amends", queryset=LegalDocument.objects.only("id", "uuid")),
        Prefetch("replaces", queryset=LegalDocument.objects.only("id", "uuid")),
    )


def article_json(item, *, base_url: str = "") -> dict[str, Any]:
    return {
        **_common(item, base_url),
        "kind": item.kind,
        "title": item.title,
        "summary": item.summary,
        "body": item.body,
        "image": (
            {"url": _portal_url("portal:image", item.uuid, base_url), "alt": item.image_alt}
            if item.image
            else None
        ),
        "translations": [
            {"language": t.language, "title": t.title, "summary": t.summary, "body": t.body}
            for t in sorted(item.translations.all(), key=lambda t: t.language)
        ],
    }


def document_json(item, *, base_url: str = "") -> dict[str, Any]:
    return {
        **_common(item, base_url),
        "kind": "document",
        "title": str(item),
        "number_symbol": item.number_symbol,
        "doc_type": item.doc_type,
        "issuing_body": item.issuing_body,
        "signer": item.signer,
        "issued_on": _iso(item.issued_on),
        "effective_on": _iso(item.effective_on),
        "expires_on": _iso(item.expires_on),
        "abstract": item.abstract,
        "field": item.field,
        "legal_status": item.legal_status,
        "body": item.body,
        "amends": sorted(str(d.uuid) for d in item.amends.all()),
        "replaces": sorted(str(d.uuid) for d in item.replaces.all()),
    }
