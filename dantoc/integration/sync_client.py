"""The reference sync client: mirror another dantoc portal into this instance.

It does what a provincial information page would do, with the same public API:

1. exchange the consumer key and secret for a token (requests-oauthlib, client credentials);
2. for each feed, page through ``/api/integration/v1/<feed>`` from the cursor saved by the
   last run (none: from the beginning);
3. apply each page in one transaction, through the portal's own services (so audit rows,
   sanitising, search text and this instance's own webhooks all happen as for an editor's
   change), and save the cursor with it: a crash loses at most the page in flight, which is
   fetched again next time;
4. items are matched by the remote uuid (``SyncedItem``): a new item is created and published,
   a known one updated, a tombstone deletes the local copy; an item that comes back after a
   tombstone is made anew.

Not mirrored: attachments and images (the items link to the source's files), the source's
publication dates (the mirror's own publication time is used: the portal's services set it).
"""

from __future__ import annotations

import datetime
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import requests
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from oauthlib.oauth2 import BackendApplicationClient, OAuth2Error, TokenExpiredError
from requests_oauthlib import OAuth2Session

from dantoc.geo.models import Unit
from dantoc.integration.feeds import FEED_NAMES
from dantoc.integration.models import SyncCursor, SyncedItem
from dantoc.portal import services as portal
from dantoc.portal.models import Article, LegalDocument

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


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _moment(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


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


def portal_sync(
    *,
    base_url: str,
    client_id: str,
    client_secret: str,
    feeds: list[str] | None = None,
    limit: int = 500,
    province: str | None = None,
) -> SyncReport:
    """Mirror ``base_url``'s feeds into this instance from the saved cursors."""
    remote = RemotePortal(base_url=base_url, client_id=client_id, client_secret=client_secret)
    source = remote.base_url
    report = SyncReport()
    mirror = Mirror(source=source, report=report)
    for feed in feeds or FEED_NAMES:
        state, _ = SyncCursor.objects.get_or_create(source=source, feed=feed)
        while True:
            params: dict[str, Any] = {"limit": limit}
            if state.cursor:
                params["cursor"] = state.cursor
            if province:
                params["province"] = province
            page = remote.get(f"/api/integration/v1/{feed}", params)
            report.pages += 1
            with transaction.atomic():
                mirror.prefetch(page["items"])
                for item in page["items"]:
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
