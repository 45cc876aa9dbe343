"""Reads of the heritage archive.

``items_visible(user)`` and ``media_visible(user)`` are THE decision of who sees what: the
item pages, the search, the feeds, the API, the IIIF image service and manifests, the media
file addresses (thumbnails included) and the OAI-PMH source all start from them, so a channel
cannot show what another hides. The rules (Mukurtu's cultural protocols):

* the item is public (published, not withdrawn or deleted: ``publicly_visible_q``);
* the user passes a protocol when it is open, or when the user is signed in and a member (or
  a steward) of it;
* ``sharing = any``: the user passes at least one of the item's protocols;
  ``sharing = all``: the user passes every one of them; an item with no protocol is shown to
  nobody (a record saved without a protocol is a mistake, not an open item);
* a media file needs its item visible AND its own protocols passed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dantoc.core.text import words_q
from dantoc.editorial.models import publicly_visible_q
from dantoc.heritage.models import (
    HeritageItem,
    HeritageMedia,
    InventoryEntry,
    Membership,
    Protocol,
    ProtocolKind,
    Sharing,
)


def protocols_passed(user) -> QuerySet[Protocol]:
    """The protocols ``user`` passes: the open ones, and those they are a member of; a
    seasonal protocol only in its months (local time)."""
    condition = Q(kind=ProtocolKind.OPEN)
    if getattr(user, "is_authenticated", False):
        condition |= Q(Exists(Membership.objects.filter(protocol=OuterRef("pk"), user=user)))
    month = timezone.localdate().month
    in_season = Q(months="") | Q(months__contains=f",{month},")
    return Protocol.objects.filter(condition & in_season)


def _protocol_rule(through, owner_field: str, user) -> Q:
    passed = protocols_passed(user).values("pk")
    mine = through.objects.filter(**{owner_field: OuterRef("pk")})
    any_passed = Exists(mine.filter(protocol__in=passed))
    one_failed = Exists(mine.exclude(protocol__in=passed))
    return (Q(sharing=Sharing.ANY) & Q(any_passed)) | (
        Q(sharing=Sharing.ALL) & Q(Exists(mine)) & ~Q(one_failed)
    )


def items_visible(user) -> QuerySet[HeritageItem]:
    """The items ``user`` may see (anonymous visitors included), through any channel."""
    return HeritageItem.objects.filter(publicly_visible_q()).filter(
        _protocol_rule(HeritageItem.protocols.through, "heritageitem", user)
    )


def media_visible(user) -> QuerySet[HeritageMedia]:
    """The media files ``user`` may see: of a visible item and under protocols they pass."""
    return HeritageMedia.objects.filter(
        item__in=items_visible(user).values("pk"),
    ).filter(_protocol_rule(HeritageMedia.protocols.through, "heritagemedia", user))


def item_visible_get(*, user, uuid) -> HeritageItem | None:
    return (
        items_visible(user)
        .select_related("unit", "commune", "province")
        .prefetch_related("ethnic_groups", "protocols")
        .filter(uuid=uuid)
        .first()
    )


def _files_of_visible_item(user, item: HeritageItem) -> QuerySet[HeritageMedia]:
    """The files of ``item`` under protocols ``user`` passes. Only for an item taken from
    ``items_visible(user)`` (the callers below): it spares re-deciding the item's visibility
    per file, which over 50,000 items made each list page re-evaluate the whole archive."""
    return HeritageMedia.objects.filter(item=item).filter(
        _protocol_rule(HeritageMedia.protocols.through, "heritagemedia", user)
    )


def item_media_visible(*, user, item: HeritageItem) -> list[HeritageMedia]:
    return list(
        _files_of_visible_item(user, item)
        .select_related("asset")
        .prefetch_related("asset__derivatives", "protocols")
    )


def media_visible_get(*, user, uuid) -> HeritageMedia | None:
    return (
        media_visible(user)
        .select_related("asset", "item")
        .prefetch_related("asset__derivatives")
        .filter(uuid=uuid)
        .first()
    )


def items_search(
    *,
    user,
    q: str = "",
    kind: str = "",
    ethnic_group: str = "",
    province: str = "",
    season: str = "",
) -> QuerySet[HeritageItem]:
    """Visible items matching the filters; ``q`` is searched word by word, diacritics folded
    (``core.text``), over the title, description, subjects, community and places."""
    items = items_visible(user)
    if q:
        items = items.filter(words_q(q))
    if kind:
        items = items.filter(kind=kind)
    if ethnic_group:
        items = items.filter(ethnic_groups__code=ethnic_group)
    if province:
        items = items.filter(province__code=province)
    if season:
        items = items.filter(season=season)
    return (
        items.select_related("province", "commune")
        .prefetch_related("ethnic_groups")
        .order_by("-published_at", "-id")
    )


def item_cover(*, user, item: HeritageItem) -> HeritageMedia | None:
    """The first image of the item the user may see (the list's thumbnail)."""
    return (
        _files_of_visible_item(user, item)
        .filter(asset__kind="image")
        .select_related("asset")
        .prefetch_related("asset__derivatives")
        .first()
    )


def items_editable(*, user) -> QuerySet[HeritageItem]:
    """The items a contributor manages (every state; the owner unit in their scope)."""
    from dantoc.heritage.permissions import editable_q

    return (
        HeritageItem.objects.filter(editable_q(user), deleted_at__isnull=True)
        .select_related("unit")
        .order_by("-updated_at")
    )


def protocols_stewarded(*, user) -> QuerySet[Protocol]:
    if not getattr(user, "is_authenticated", False):
        return Protocol.objects.none()
    return Protocol.objects.filter(
        Exists(Membership.objects.filter(protocol=OuterRef("pk"), user=user, is_steward=True))
    )


@dataclass(frozen=True)
class InventoryRow:
    province: str
    province_code: str
    ethnic_group: str
    planned: int
    done: int

    @property
    def share(self) -> float:
        return 0.0 if not self.planned else self.done / self.planned


def inventory_progress() -> list[InventoryRow]:
    """Per province and ethnic group: festivals and customs planned, and digitised (an item
    published and still public, whatever its protocol: a community-only ritual is digitised)."""
    public = HeritageItem.objects.filter(publicly_visible_q()).values("pk")
    rows = (
        InventoryEntry.objects.values("province__name", "province__code", "ethnic_group__name")
        .annotate(
            planned=Count("id"),
            done=Count("id", filter=Q(item__in=public)),
        )
        .order_by("province__code", "ethnic_group__name")
    )
    return [
        InventoryRow(
            r["province__name"],
            r["province__code"],
            r["ethnic_group__name"],
            r["planned"],
            r["done"],
        )
        for r in rows
    ]
