"""The sync feeds: what a provincial page pulls, and what webhooks carry.

The feeds are declared by the apps that own the content (``sync_feeds`` on their AppConfig,
``dantoc.core.registry.SyncFeed``): today the portal's ``documents`` (legal documents
register), ``policies``, ``news`` (news and activities) and ``reports`` (published reports).
This module names no content model. A feed lists items that are public
now, and *tombstones* (``{"id": …, "deleted": true}``) for items that were public once and no
longer are (deleted, unpublished, archived). Items never published do not appear at all.

Order and cursor: items are ordered by (``updated_at``, primary key); the cursor is that pair
for the last item of a page, so a client resumes exactly after it, and items sharing one
timestamp are neither skipped nor repeated. Changes younger than
``INTEGRATION_SYNC_SETTLE_SECONDS`` are held back to the next request, so that a write whose
transaction is still committing when a page is read is not passed by the cursor.

Province filter (``province=<code>``): the province's own items (owned by the province or a
unit inside it), items whose concerned areas include the province, and national items that
name no area (they concern every province). A national item about other provinces only is left
out of a first full sync; on an incremental request (``cursor`` or ``modified_since``) a changed
item that does not concern the province comes as a tombstone, so that an item whose areas no
longer include the province leaves the province's mirror (a client drops tombstones of items it
never had).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    Model,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from dantoc.core.registry import SyncFeed, sync_feeds
from dantoc.editorial.models import publicly_visible_q
from dantoc.geo.models import Unit, UnitLevel

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Feed:
    name: str
    model: type[Model]
    filter: Q = field(default_factory=Q)
    description: str = ""
    declaration: SyncFeed | None = None


def _declared_feeds() -> dict[str, Feed]:
    return {
        declared.name: Feed(
            declared.name,
            declared.model_class(),
            declared.filter_q(),
            declared.description,
            declared,
        )
        for declared in sync_feeds()
    }


FEEDS: dict[str, Feed] = _declared_feeds()
FEED_NAMES = list(FEEDS)
CHANGED_EVENTS = sorted({f.declaration.changed_event for f in FEEDS.values()} - {""})


class FeedError(ValueError):
    """A malformed sync request; ``field`` is the parameter at fault. The message is in
    Vietnamese and English."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


def feed_of(item) -> str | None:
    """The feed an item belongs to (None: an item no feed carries, e.g. a programme page)."""
    for feed in FEEDS.values():
        if feed.declaration.holds(item):
            return feed.name
    return None


# --- cursor ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    updated_at: datetime.datetime
    pk: int


def cursor_encode(feed: str, position: Position) -> str:
    micros = int(position.updated_at.timestamp() * 1_000_000)
    # timestamp() of an aware datetime is exact to the microsecond for these ranges.
    raw = f"v1:{feed}:{micros}:{position.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(feed: str, cursor: str) -> Position:
    bad = FeedError(
        "cursor",
        "Con trỏ (cursor) không hợp lệ: hãy dùng nguyên giá trị next_cursor của trang trước. / "
        "Invalid cursor: pass back the next_cursor of the previous page unchanged.",
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        version, name, micros, pk = (
            base64.urlsafe_b64decode(padded.encode("ascii")).decode().split(":")
        )
        if version != "v1" or not 0 < int(pk) < 2**63:
            raise bad
        position = Position(
            datetime.datetime.fromtimestamp(int(micros) / 1_000_000, tz=datetime.UTC), int(pk)
        )
    except (ValueError, UnicodeError, binascii.Error, OverflowError, OSError):
        raise bad from None
    if name != feed:
        raise FeedError(
            "cursor",
            f"Con trỏ này thuộc nguồn tin {name!r}, không phải {feed!r}. / "
            f"This cursor belongs to the {name!r} feed, not {feed!r}.",
        )
    return position


# --- parameters -----------------------------------------------------------------------------


def parse_modified_since(value: str | None) -> datetime.datetime | None:
    if value is None:
        return None  # absent; present but empty is refused below, as any other non-date
    # A "+" of the offset left unescaped in a query string arrives as a space.
    text = re.sub(r"(T[\d:.]+) (\d{2}:?\d{2})$", r"\1+\2", value.strip())
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise FeedError(
            "modified_since",
            f"modified_since không hợp lệ: {value!r}; dùng ISO 8601, ví dụ "
            "2025-07-01T00:00:00+07:00. / Invalid modified_since: use ISO 8601, e.g. "
            "2025-07-01T00:00:00Z.",
        ) from None
    if timezone.is_naive(moment):
        # A date or a time without offset is read in Vietnam's time zone.
        moment = timezone.make_aware(moment)
    return moment


def parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT  # absent; present but empty is refused below
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise FeedError(
            "limit",
            f"limit phải là số nguyên từ 1 đến {MAX_LIMIT}. / limit must be an integer "
            f"from 1 to {MAX_LIMIT}.",
        )
    return limit


def parse_province(value: str | None) -> Unit | None:
    if value in (None, ""):
        return None
    unit = Unit.objects.filter(
        code=value.strip(), level=UnitLevel.PROVINCE, valid_to__isnull=True
    ).first()
    if unit is None:
        raise FeedError(
            "province",
            f"Không có tỉnh đang hoạt động với mã {value!r}. / No current province has the "
            f"code {value!r}.",
        )
    return unit


# --- queries --------------------------------------------------------------------------------


def concerns_province_q(model: type[Model], province: Unit) -> Q:
    """Items that concern ``province`` (see the module's docstring)."""
    owned = Q(unit__path__startswith=province.path)
    if not any(f.name == "areas" for f in model._meta.get_fields()):
        return owned | Q(unit__level=UnitLevel.COUNTRY)
    through = model.areas.through
    source = model._meta.model_name  # the through model's column for the item: "<model>_id"
    areas = through.objects.filter(**{f"{source}_id": OuterRef("pk")})
    return (
        Q(unit__path__startswith=province.path)
        | Q(Exists(areas.filter(unit_id=province.pk)))
        | (Q(unit__level=UnitLevel.COUNTRY) & ~Q(Exists(areas)))
    )


def feed_queryset(
    feed: Feed,
    *,
    after: Position | None = None,
    modified_since: datetime.datetime | None = None,
    province: Unit | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet:
    """Public items and tombstones of ``feed`` in sync order, without prefetches."""
    now = now or timezone.now()
    settle = datetime.timedelta(seconds=getattr(settings, "INTEGRATION_SYNC_SETTLE_SECONDS", 0))
    qs = feed.model.objects.filter(feed.filter).filter(
        publicly_visible_q(now) | Q(first_published_at__isnull=False)
    )
    qs = qs.filter(updated_at__lte=now - settle)
    if after is not None:
        # The first condition is implied by the second; it lets the database range-scan the
        # updated_at index instead of testing the OR on every row.
        qs = qs.filter(updated_at__gte=after.updated_at).filter(
            Q(updated_at__gt=after.updated_at) | Q(updated_at=after.updated_at, pk__gt=after.pk)
        )
    elif modified_since is not None:
        qs = qs.filter(updated_at__gte=modified_since)
    if province is not None:
        concerns = concerns_province_q(feed.model, province)
        if after is None and modified_since is None:
            qs = qs.filter(concerns)  # a first full sync: only what concerns the province
        else:
            # Incremental: an item that changed and no longer concerns the province (its
            # areas or owner changed) comes as a tombstone, so a province's mirror drops it.
            qs = qs.annotate(
                concerns_province=ExpressionWrapper(concerns, output_field=BooleanField())
            )
    return qs.order_by("updated_at", "pk")


def _declaration_of(model: type[Model]) -> SyncFeed:
    return next(f.declaration for f in FEEDS.values() if f.model is model)


def with_details(qs: QuerySet) -> QuerySet:
    """What ``item_json`` reads, fetched in a fixed number of queries per page."""
    return _declaration_of(qs.model).with_details(qs.select_related("unit"))


# --- representation -------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def tombstone_json(item, feed_name: str) -> dict[str, Any]:
    return {
        "id": str(item.uuid),
        "feed": feed_name,
        "deleted": True,
        "updated_at": _iso(item.updated_at),
    }


def item_json(item, feed_name: str, *, base_url: str = "", now=None) -> dict[str, Any]:
    """The public representation of an item, or its tombstone when it is not public."""
    if not item.is_public or getattr(item, "concerns_province", True) is False:
        return tombstone_json(item, feed_name)
    return {
        "id": str(item.uuid),
        "feed": feed_name,
        "deleted": False,
        "updated_at": _iso(item.updated_at),
        "published_at": _iso(item.published_at),
        "first_published_at": _iso(item.first_published_at),
        "unit": item.unit.code,
        **FEEDS[feed_name].declaration.represent_item(item, base_url=base_url),
    }


@dataclass
class Page:
    feed: str
    items: list[dict[str, Any]]
    next_cursor: str | None
    has_more: bool


def feed_page(
    *,
    feed_name: str,
    cursor: str | None = None,
    modified_since: str | None = None,
    limit: str | int | None = None,
    province: str | None = None,
    base_url: str = "",
) -> Page:
    """One page of a feed from raw query parameters; FeedError on a malformed request."""
    feed = FEEDS.get(feed_name)
    if feed is None:
        raise FeedError("feed", f"Không có nguồn tin {feed_name!r}. / No feed {feed_name!r}.")
    after = cursor_decode(feed_name, cursor) if cursor else None
    since = parse_modified_since(modified_since)
    size = parse_limit(None if limit is None else str(limit))
    unit = parse_province(province)
    now = timezone.now()
    rows = list(
        with_details(
            feed_queryset(feed, after=after, modified_since=since, province=unit, now=now)
        )[: size + 1]
    )
    has_more = len(rows) > size
    rows = rows[:size]
    items = [item_json(row, feed_name, base_url=base_url, now=now) for row in rows]
    if rows:
        last = rows[-1]
        next_cursor = cursor_encode(feed_name, Position(last.updated_at, last.pk))
    else:
        next_cursor = cursor or None
    return Page(feed_name, items, next_cursor, has_more)


def items_for_event(uuids: Iterable) -> list:
    """Items of any feed's model by uuid (a uuid is unique within each model)."""
    uuids = list(uuids)
    found: list = []
    for model in dict.fromkeys(feed.model for feed in FEEDS.values()):
        found += list(with_details(model.objects.filter(uuid__in=uuids)))
    return found
