"""Push up: a province's own news, activities and reports submitted by its information page.

A submission goes through the portal's own services (``article_save`` then
``article_submit_for_review``): it lands in the editorial workflow as ``review`` with ``source``
set to the client's name, owned by the client's unit, and an editor publishes (or returns) it
as any other item. The integration app never writes portal rows itself.

Idempotency: the client names each submission (``Idempotency-Key`` header, or ``external_id``
in the body). The same key again returns the item made the first time; the same key with a
different body is a conflict. The key is claimed in the same transaction as the item is made,
so two concurrent retries make one item.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from dantoc.audit.services import audit_record
from dantoc.geo.models import Unit, UnitLevel
from dantoc.integration.models import IntegrationClient, Submission
from dantoc.integration.scopes import CONTENT_WRITE
from dantoc.portal import services as portal_services
from dantoc.portal.models import Article, ArticleKind

SUBMITTABLE_KINDS = [ArticleKind.NEWS, ArticleKind.ACTIVITY, ArticleKind.REPORT]
SUBMITTABLE_KIND_CHOICES = [(str(k), str(k)) for k in SUBMITTABLE_KINDS]
KEY_MAX = 200


class SubmissionConflict(Exception):
    """The idempotency key was used before for a different submission."""


@dataclass(frozen=True)
class SubmissionResult:
    article: Article
    created: bool


def _request_hash(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _areas(codes) -> list[Unit]:
    codes = [str(c).strip() for c in codes or [] if str(c).strip()]
    units = list(
        Unit.objects.filter(code__in=codes, level=UnitLevel.PROVINCE, valid_to__isnull=True)
    )
    missing = sorted(set(codes) - {u.code for u in units})
    if missing:
        raise ValidationError(
            {"areas": f"Không có tỉnh đang hoạt động với mã / no current province: {missing}"}
        )
    return units


def submission_create(
    *,
    client: IntegrationClient,
    key: str,
    kind: str,
    title: str,
    summary: str = "",
    body: str = "",
    areas=(),
) -> SubmissionResult:
    """Submit an article for review on behalf of ``client`` (see the module's docstring)."""
    if CONTENT_WRITE not in client.scope_list:
        raise PermissionDenied("Ứng dụng chưa được cấp phạm vi quyền content:write.")
    key = (key or "").strip()
    if not key or len(key) > KEY_MAX:
        raise ValidationError(
            {
                "idempotency_key": "Cần khoá chống trùng (tiêu đề Idempotency-Key hoặc "
                f"external_id), tối đa {KEY_MAX} ký tự. / An Idempotency-Key header or "
                f"external_id of at most {KEY_MAX} characters is required."
            }
        )
    if kind not in SUBMITTABLE_KINDS:
        raise ValidationError(
            {"kind": f"Chỉ gửi được / only these kinds: {', '.join(SUBMITTABLE_KINDS)}"}
        )
    fingerprint = _request_hash(
        {
            "kind": kind,
            "title": title,
            "summary": summary,
            "body": body,
            "areas": sorted(str(a) for a in areas or []),
        }
    )
    previous = _previous(client, key, fingerprint)
    if previous is not None:
        return previous
    try:
        with transaction.atomic():
            area_units = _areas(areas)
            article = portal_services.article_save(
                actor=None,
                unit=client.unit,
                kind=kind,
                title=title,
                summary=summary,
                body=body,
                areas=area_units,
                source=client.name,
            )
            article = portal_services.article_submit_for_review(actor=None, article=article)
            Submission.objects.create(
                client=client,
                key=key,
                request_hash=fingerprint,
                feed="articles",
                item_uuid=article.uuid,
            )
            audit_record(
                actor=None,
                action="integration.submission_create",
                obj=article,
                unit=client.unit,
                after={"client": client.name, "key": key, "kind": kind, "title": article.title},
            )
    except IntegrityError:
        # A concurrent retry with the same key won: answer with its item.
        previous = _previous(client, key, fingerprint)
        if previous is None:
            raise
        return previous
    return SubmissionResult(article, True)


def _previous(client, key: str, fingerprint: str) -> SubmissionResult | None:
    seen = Submission.objects.filter(client=client, key=key).first()
    if seen is None:
        return None
    if seen.request_hash != fingerprint:
        raise SubmissionConflict(
            "Khoá chống trùng này đã dùng cho một nội dung khác. / This idempotency key was "
            "already used for a different submission."
        )
    return SubmissionResult(Article.objects.get(uuid=seen.item_uuid), False)


def submission_get(*, client: IntegrationClient, uuid) -> Article | None:
    """An item this client submitted (None for anything else)."""
    if not Submission.objects.filter(client=client, item_uuid=uuid).exists():
        return None
    return Article.objects.filter(uuid=uuid).first()
