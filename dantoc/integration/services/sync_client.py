"""The reference sync client: mirror another dantoc portal into this instance.

It does what a provincial information page would do, with the same public API:

1. exchange the consumer key and secret for a token (requests-oauthlib, client credentials);
2. for each feed, page through ``/api/integration/v1/<feed>`` from the cursor saved by the
   last run (none: from the beginning);
3. apply each page in one transaction with its cursor: by default in bulk through
   ``portal.mirror.content_mirror_apply`` (items created already published with the source's
   uuid and publication dates, updated, or deleted by tombstones; rich text sanitised; one
   audit row per page); with ``per_item`` through the editorial services one item at a time
   (the former path: audit rows per item, the mirror's own publication time). A crash loses
   at most the page in flight, which is fetched again next time;
4. items are matched by the remote uuid (``SyncedItem``). In bulk, a page with an item the
   portal refuses is refused whole and the run stops naming the item (the per-item path skips
   such an item and reports it).

In bulk, attachments are copied: each one this instance does not hold yet (matched by the
source's attachment uuid) is downloaded from the source (only from the source's own host, at
most ``PORTAL_MAX_UPLOAD_BYTES``) and checked by type and size as an editor's upload is; an
attachment the source dropped is removed. Not mirrored: article images (the items link to the
source's files), and nothing of attachments on the per-item path.
"""

from __future__ import annotations

import datetime
import logging
import os
import time
import uuid as uuid_lib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauthlib.oauth2 import BackendApplicationClient, OAuth2Error, TokenExpiredError
from requests_oauthlib import OAuth2Session

from dantoc.geo.models import Unit
from dantoc.integration.feeds import FEED_NAMES
from dantoc.integration.models import SyncCursor, SyncedItem
from dantoc.portal import mirror
from dantoc.portal import services as portal
from dantoc.portal.models import (
    Article,
    ArticleAttachment,
    LegalDocument,
    LegalDocumentAttachment,
)

logger = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_RETRIES = 5


class SyncError(Exception):
    pass


@dataclass
class SyncReport:
    pages: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": self.errors[:20],
        }


class RemotePortal:
    """The remote instance's API, with a token fetched (and fetched again) as needed."""

    def __init__(self, *, base_url: str, client_id: str, client_secret: str, timeout: float = 60):
        parsed = urlparse(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SyncError(f"URL không hợp lệ: {base_url!r}")
        if parsed.scheme == "http":
            if parsed.hostname not in LOOPBACK:
                raise SyncError("Chỉ dùng http cho máy cục bộ; hãy dùng https.")
            # oauthlib refuses plain HTTP; on loopback there is no network to protect.
            os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.session = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
        self.fetch_token()

    def fetch_token(self) -> None:
        try:
            self.session.fetch_token(
                token_url=f"{self.base_url}/token",
                client_id=self.client_id,
                client_secret=self.client_secret,
                timeout=self.timeout,
            )
        except OAuth2Error as exc:
            raise SyncError(f"Không lấy được mã truy cập / no token: {exc.error}") from exc
        except requests.RequestException as exc:
            raise SyncError(f"Không kết nối được / cannot connect: {exc}") from exc

    def get(self, path: str, params: dict) -> dict:
        for _attempt in range(MAX_RETRIES):
            try:
                response = self.session.get(
                    f"{self.base_url}{path}", params=params, timeout=self.timeout
                )
            except TokenExpiredError:
                self.fetch_token()
                continue
            except requests.RequestException as exc:
                raise SyncError(f"{path}: {exc}") from exc
            if response.status_code == 401:
                self.fetch_token()
                continue
            if response.status_code == 429:
                time.sleep(min(int(response.headers.get("Retry-After", "1")), 60))
                continue
            if response.status_code != 200:
                raise SyncError(f"{path}: HTTP {response.status_code} {response.text[:300]}")
            return response.json()
        raise SyncError(f"{path}: không lấy được sau {MAX_RETRIES} lần thử")

    def download(self, url: str, *, limit: int) -> bytes:
        """A file of the source (an attachment), at most ``limit`` bytes. Only from the
        source itself: a feed cannot make this client fetch another host."""
        parsed, base = urlparse(url or ""), urlparse(self.base_url)
        if parsed.scheme not in ("http", "https") or parsed.netloc != base.netloc:
            raise SyncError(
                _("tệp ở ngoài nguồn đồng bộ, không tải: %(url)s") % {"url": (url or "")[:200]}
            )
        for _attempt in range(MAX_RETRIES):
            try:
                response = self.session.get(
                    url, timeout=self.timeout, stream=True, allow_redirects=False
                )
            except TokenExpiredError:
                self.fetch_token()
                continue
            except requests.RequestException as exc:
                raise SyncError(f"{url}: {exc}") from exc
            with response:
                if response.status_code == 401:
                    self.fetch_token()
                    continue
                if response.status_code == 429:
                    time.sleep(min(int(response.headers.get("Retry-After", "1")), 60))
                    continue
                if response.status_code != 200:
                    raise SyncError(f"{url}: HTTP {response.status_code}")
                data = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > limit:
                        raise SyncError(
                            _("tệp lớn hơn mức cho phép %(limit)s byte") % {"limit": limit}
                        )
                return bytes(data)
        raise SyncError(f"{url}: không lấy được sau {MAX_RETRIES} lần thử")


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _moment(value: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        raise ValueError(f"{value!r}: thời điểm không có múi giờ / no time zone")
    return moment


def _moment_or_none(value: str | None) -> datetime.datetime | None:
    return _moment(value) if value else None


class Mirror:
    def __init__(self, *, source: str, report: SyncReport):
        self.source = source
        self.report = report
        self.host = (urlparse(source).hostname or source)[:100]
        self._units: dict[str, Unit | None] = {}
        self._mappings: dict[str, SyncedItem] = {}

    def unit(self, code: str) -> Unit | None:
        if code not in self._units:
            self._units[code] = Unit.objects.filter(code=code, valid_to__isnull=True).first()
        return self._units[code]

    def local(self, mapping: SyncedItem | None, model):
        if mapping is None:
            return None
        return model.objects.filter(uuid=mapping.local_uuid).first()

    def prefetch(self, items: list[dict]) -> None:
        """The mappings of one page's items, in one query."""
        self._mappings = {
            str(m.remote_uuid): m
            for m in SyncedItem.objects.filter(
                source=self.source, remote_uuid__in=[i["id"] for i in items]
            )
        }

    def apply(self, feed: str, item: dict) -> None:
        model = LegalDocument if feed == "documents" else Article
        remote_uuid = item["id"]
        updated_at = _moment(item["updated_at"])
        mapping = self._mappings.get(remote_uuid)
        if mapping is not None and mapping.remote_updated_at >= updated_at:
            self.report.unchanged += 1
            return
        local = self.local(mapping, model)
        if item.get("deleted"):
            if local is not None and local.deleted_at is None:
                if model is Article:
                    portal.article_delete(actor=None, article=local)
                else:
                    portal.legal_document_delete(actor=None, document=local)
                self.report.deleted += 1
            else:
                self.report.unchanged += 1
            if mapping is not None:
                mapping.remote_updated_at = updated_at
                mapping.save(update_fields=["remote_updated_at"])
            return
        unit = self.unit(item["unit"])
        if unit is None:
            self.report.skipped += 1
            self.report.errors.append(f"{remote_uuid}: không có đơn vị {item['unit']}")
            return
        areas = [u for u in (self.unit(c) for c in item.get("areas", [])) if u is not None]
        if local is not None and local.deleted_at is not None:
            local = None  # it came back after a tombstone: a new local item
        creating = local is None
        if model is Article:
            saved = self._save_article(local, unit, areas, item)
        else:
            saved = self._save_document(local, unit, areas, item)
        if not saved.is_public:
            if model is Article:
                saved = portal.article_publish(actor=None, article=saved)
            else:
                saved = portal.legal_document_publish(actor=None, document=saved)
        if mapping is None:
            self._mappings[remote_uuid] = SyncedItem.objects.create(
                source=self.source,
                feed=feed,
                remote_uuid=remote_uuid,
                local_uuid=saved.uuid,
                remote_updated_at=updated_at,
            )
        else:
            mapping.local_uuid, mapping.remote_updated_at = saved.uuid, updated_at
            mapping.save(update_fields=["local_uuid", "remote_updated_at"])
        if creating:
            self.report.created += 1
        else:
            self.report.updated += 1

    def _source(self, item: dict) -> str:
        return (item.get("source") or self.host)[:100]

    def _save_article(self, local, unit, areas, item) -> Article:
        article = portal.article_save(
            actor=None,
            article=local,
            unit=unit,
            kind=item["kind"],
            title=item["title"],
            summary=item.get("summary", ""),
            body=item.get("body", ""),
            areas=areas,
            source=self._source(item),
        )
        for translation in item.get("translations", []):
            portal.article_translation_save(
                actor=None,
                article=article,
                language=translation["language"],
                title=translation["title"],
                summary=translation.get("summary", ""),
                body=translation.get("body", ""),
            )
        return Article.objects.get(pk=article.pk)

    def _linked(self, uuids) -> list[LegalDocument]:
        if not uuids:
            return []
        local = SyncedItem.objects.filter(source=self.source, remote_uuid__in=uuids).values_list(
            "local_uuid", flat=True
        )
        return list(LegalDocument.objects.filter(uuid__in=list(local), deleted_at__isnull=True))

    def _save_document(self, local, unit, areas, item) -> LegalDocument:
        return portal.legal_document_save(
            actor=None,
            document=local,
            unit=unit,
            number_symbol=item["number_symbol"],
            doc_type=item["doc_type"],
            issuing_body=item["issuing_body"],
            signer=item.get("signer", ""),
            issued_on=_date(item["issued_on"]),
            effective_on=_date(item.get("effective_on")),
            expires_on=_date(item.get("expires_on")),
            abstract=item["abstract"],
            field=item.get("field", ""),
            legal_status=item["legal_status"],
            body=item.get("body", ""),
            areas=areas,
            amends=self._linked(item.get("amends", [])),
            replaces=self._linked(item.get("replaces", [])),
            source=self._source(item),
        )


class BulkMirror:
    """Applies a whole page through ``mirror.content_mirror_apply``: a few queries per page
    instead of some 25 per item. Items keep the source's uuid and publication dates. A page
    with an item the portal refuses is refused whole (nothing of it is written, its cursor is
    not saved) and the run stops with a SyncError naming the item."""

    def __init__(self, *, source: str, report: SyncReport, remote=None):
        self.source = source
        self.report = report
        self.remote = remote
        self.host = (urlparse(source).hostname or source)[:100]

    def _source(self, item: dict) -> str:
        return (item.get("source") or self.host)[:100]

    def _attachments(self, model, upserts: list, latest: dict) -> None:
        """Give each item its attachments: the ones this instance holds already are named,
        the others downloaded from the source (the portal checks type and size again)."""
        attachment_model = ArticleAttachment if model is Article else LegalDocumentAttachment
        owner = "article" if model is Article else "document"
        remote_of = {item.uuid: latest[item.label] for item in upserts}
        ids = [
            str(a.get("id"))
            for data in remote_of.values()
            for a in data.get("attachments") or []
            if a.get("id")
        ]
        held = set(
            attachment_model.objects.filter(uuid__in=ids).values_list("uuid", f"{owner}__uuid")
        )
        limit = settings.PORTAL_MAX_UPLOAD_BYTES
        errors = []
        for item in upserts:
            data = remote_of[item.uuid]
            attachments = []
            for a in data.get("attachments") or []:
                if not a.get("id"):
                    continue
                key, title = uuid_lib.UUID(str(a["id"])), str(a.get("title") or "")
                if (key, item.uuid) in held:
                    attachments.append(mirror.MirrorAttachment(key, title))
                    continue
                if not a.get("url") or self.remote is None:
                    continue  # the source gives no address for it: nothing to copy
                try:
                    content = self.remote.download(a["url"], limit=limit)
                except SyncError as exc:
                    errors.append(f"{item.label} ({title}): {exc}")
                    continue
                upload = SimpleUploadedFile(title[:100] or str(key), content)
                attachments.append(mirror.MirrorAttachment(key, title, upload))
            item.attachments = attachments
        if errors:
            raise ValidationError(errors)

    def apply_page(self, feed: str, items: list[dict]) -> None:
        model = LegalDocument if feed == "documents" else Article
        latest: dict[str, dict] = {}
        for item in items:
            latest[str(item["id"])] = item  # the feed never repeats one; if it did, last wins
        links = {
            str(u)
            for item in latest.values()
            for u in [*item.get("amends", []), *item.get("replaces", [])]
        }
        mappings = {
            str(m.remote_uuid): m
            for m in SyncedItem.objects.filter(
                source=self.source, remote_uuid__in=[*latest, *links]
            )
        }
        upserts, deletions, touched = [], [], []
        for remote_id, item in latest.items():
            updated_at = _moment(item["updated_at"])
            mapping = mappings.get(remote_id)
            if mapping is not None and mapping.remote_updated_at >= updated_at:
                self.report.unchanged += 1
                continue
            local_uuid = mapping.local_uuid if mapping is not None else uuid_lib.UUID(remote_id)
            if item.get("deleted"):
                if mapping is None:
                    self.report.unchanged += 1  # never mirrored: nothing to delete
                    continue
                deletions.append(local_uuid)
            else:
                upserts.append(self._item(model, item, local_uuid, mappings, latest))
            touched.append((remote_id, mapping, updated_at, local_uuid))
        if not touched:
            return
        self._attachments(model, upserts, latest)
        result = mirror.content_mirror_apply(
            actor=None,
            model=model,
            items=upserts,
            deletions=deletions,
            mirrored={m.local_uuid for m in mappings.values()},
            origin=self.source,
        )
        self.report.created += len(result.created)
        self.report.updated += len(result.updated)
        self.report.deleted += len(result.deleted)
        self.report.unchanged += len(result.unchanged)
        new, known = [], []
        for remote_id, mapping, updated_at, local_uuid in touched:
            if mapping is None:
                new.append(
                    SyncedItem(
                        source=self.source,
                        feed=feed,
                        remote_uuid=remote_id,
                        local_uuid=local_uuid,
                        remote_updated_at=updated_at,
                    )
                )
            else:
                mapping.remote_updated_at = updated_at
                known.append(mapping)
        SyncedItem.objects.bulk_create(new, batch_size=1000)
        SyncedItem.objects.bulk_update(known, ["remote_updated_at"], batch_size=500)

    def _item(self, model, item: dict, local_uuid, mappings, latest):
        common = {
            "uuid": local_uuid,
            "unit_code": item.get("unit") or "",
            "area_codes": list(item.get("areas") or []),
            "source": self._source(item),
            "slug": item.get("slug") or "",
            "published_at": _moment_or_none(item.get("published_at")),
            "first_published_at": _moment_or_none(item.get("first_published_at")),
            "label": str(item["id"]),
        }
        if model is Article:
            return mirror.MirrorArticle(
                kind=item.get("kind") or "",
                title=item.get("title") or "",
                summary=item.get("summary") or "",
                body=item.get("body") or "",
                translations=[
                    mirror.MirrorTranslation(
                        language=t.get("language") or "",
                        title=t.get("title") or "",
                        summary=t.get("summary") or "",
                        body=t.get("body") or "",
                    )
                    for t in item.get("translations") or []
                ],
                **common,
            )

        def local(remote_ids) -> list[uuid_lib.UUID]:
            found = []
            for remote_id in map(str, remote_ids or []):
                if remote_id in mappings:
                    found.append(mappings[remote_id].local_uuid)
                elif remote_id in latest:
                    found.append(uuid_lib.UUID(remote_id))  # mirrored in this very page
            return found

        return mirror.MirrorDocument(
            number_symbol=item.get("number_symbol") or "",
            doc_type=item.get("doc_type") or "",
            issuing_body=item.get("issuing_body") or "",
            signer=item.get("signer") or "",
            issued_on=_date(item.get("issued_on")),
            effective_on=_date(item.get("effective_on")),
            expires_on=_date(item.get("expires_on")),
            abstract=item.get("abstract") or "",
            field=item.get("field") or "",
            legal_status=item.get("legal_status") or "",
            body=item.get("body") or "",
            amends=local(item.get("amends")),
            replaces=local(item.get("replaces")),
            **common,
        )


def portal_sync(
    *,
    base_url: str,
    client_id: str,
    client_secret: str,
    feeds: list[str] | None = None,
    limit: int = 500,
    province: str | None = None,
    per_item: bool = False,
) -> SyncReport:
    """Mirror ``base_url``'s feeds into this instance from the saved cursors: in bulk (one
    ``mirror.content_mirror_apply`` per page), or with ``per_item`` through the editorial
    services one item at a time (the former reference path, kept as a baseline)."""
    remote = RemotePortal(base_url=base_url, client_id=client_id, client_secret=client_secret)
    source = remote.base_url
    report = SyncReport()
    mirror = Mirror(source=source, report=report)
    bulk = BulkMirror(source=source, report=report, remote=remote)
    for feed in feeds or FEED_NAMES:
        state, _created = SyncCursor.objects.get_or_create(source=source, feed=feed)
        while True:
            params: dict[str, Any] = {"limit": limit}
            if state.cursor:
                params["cursor"] = state.cursor
            if province:
                params["province"] = province
            page = remote.get(f"/api/integration/v1/{feed}", params)
            report.pages += 1
            with transaction.atomic():
                if not per_item:
                    try:
                        bulk.apply_page(feed, page["items"])
                    except (ValidationError, ValueError, KeyError, TypeError) as exc:
                        # Raised inside the transaction: nothing of the page, nor its cursor,
                        # is written; the next run fetches the same page again.
                        problems = exc.messages if isinstance(exc, ValidationError) else [repr(exc)]
                        raise SyncError(
                            _("Trang của nguồn tin %(feed)s bị từ chối, không ghi gì: %(why)s")
                            % {"feed": feed, "why": "; ".join(problems[:20])}
                        ) from exc
                    items = []
                else:
                    items = page["items"]
                    mirror.prefetch(items)
                for item in items:
                    try:
                        with transaction.atomic():
                            mirror.apply(feed, item)
                    except ValidationError as exc:
                        # One item the portal refuses (e.g. a number already used by a
                        # document of this instance) must not stop the mirror.
                        report.skipped += 1
                        report.errors.append(f"{item.get('id')}: {' '.join(exc.messages)}")
                state.cursor = page["next_cursor"] or state.cursor
                state.synced_at = timezone.now()
                state.save(update_fields=["cursor", "synced_at"])
            if not page["has_more"]:
                break
    return report
