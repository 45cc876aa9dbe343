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
from itertools import combinations

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dantoc.core.text import index_words
from dantoc.editorial.models import publicly_visible_q
from dantoc.geo.models import EthnicGroup, Unit
from dantoc.heritage.models import (
    HeritageItem,
    HeritageMedia,
    HeritageWord,
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


def _protocol_rule(through, owner_field: str, user, prefix: str = "") -> Q:
    """The protocol half of the rules, on the owner itself or (``prefix`` "item__") on rows
    pointing at an item."""
    passed = protocols_passed(user).values("pk")
    mine = through.objects.filter(**{owner_field: OuterRef(f"{prefix}pk" if prefix else "pk")})
    any_passed = Exists(mine.filter(protocol__in=passed))
    one_failed = Exists(mine.exclude(protocol__in=passed))
    sharing = f"{prefix}sharing"
    return (Q(**{sharing: Sharing.ANY}) & Q(any_passed)) | (
        Q(**{sharing: Sharing.ALL}) & Q(Exists(mine)) & ~Q(one_failed)
    )


# Up to this many protocols passed, the item rule is written out on ``protocol_ids`` (the
# subsets of the passed ids for "all" sharing: 2^8 - 1 at most); beyond, the sub-query rule.
SIGNATURE_MAX_PROTOCOLS = 8


def _item_protocol_q(user, prefix: str = "") -> Q:
    """``_protocol_rule`` for items, on their own row: "any" = the signature holds one of the
    protocols passed; "all" = the signature is one of the (non-empty) sets of protocols passed.
    A few protocols passed make a few LIKE tests per row, no sub-query."""
    passed = sorted(protocols_passed(user).values_list("pk", flat=True))
    if len(passed) > SIGNATURE_MAX_PROTOCOLS:
        return _protocol_rule(HeritageItem.protocols.through, "heritageitem", user, prefix)
    if not passed:
        return Q(pk__in=[])
    field = f"{prefix}protocol_ids"
    any_passed = Q()
    for pk in passed:
        any_passed |= Q(**{f"{field}__contains": f",{pk},"})
    subsets = [
        "," + ",".join(map(str, chosen)) + ","
        for size in range(1, len(passed) + 1)
        for chosen in combinations(passed, size)
    ]
    sharing = f"{prefix}sharing"
    return (Q(**{sharing: Sharing.ANY}) & any_passed) | (
        Q(**{sharing: Sharing.ALL}) & Q(**{f"{field}__in": subsets})
    )


def _item_visible_q(user, prefix: str = "") -> Q:
    return publicly_visible_q(prefix=prefix) & _item_protocol_q(user, prefix)


def items_visible(user) -> QuerySet[HeritageItem]:
    """The items ``user`` may see (anonymous visitors included), through any channel."""
    return HeritageItem.objects.filter(_item_visible_q(user))


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


# Matches counted at most: a list page then says "more than 500" (add a word or a filter;
# nobody pages 25 pages down).
COUNT_CAP = 500
SEARCH_TERMS_MAX = 8


class CappedResult:
    """Items in the two shapes a list page and the API's pagination ask for: slices and a
    count, the count made up to ``COUNT_CAP`` (``capped`` says it was cut): counting every
    visible item of 50,000 (a protocol check each) cost more than the page itself."""

    def __init__(self, queryset):
        self.queryset = queryset
        self.capped = False

    def count(self) -> int:
        found = self.queryset.order_by()[: COUNT_CAP + 1].count()
        self.capped = found > COUNT_CAP
        return found

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self.queryset)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self[key : key + 1][0]
        return list(self.queryset[key])


class WordSearch(CappedResult):
    """The visible items holding every query word, best first: a slice walks one page of the
    word index in its order, then reads those items."""

    def __getitem__(self, key):
        if isinstance(key, int):
            return self[key : key + 1][0]
        ids = list(
            self.queryset.order_by("-weight", "-item_id").values_list("item_id", flat=True)[key]
        )
        found = HeritageItem.objects.select_related("province", "commune").prefetch_related(
            "ethnic_groups"
        )
        items = {item.pk: item for item in found.filter(pk__in=ids)}
        return [items[pk] for pk in ids if pk in items]


def _postings(*, user, q: str, filters: Q):
    """The word index rows of the least common query word whose items hold the other words,
    pass ``filters`` and are visible to ``user``: walked by weight (index
    ``heritage_word_rank``), each row's item checked by index probes, so a page costs about
    its own size whatever the archive's. None when a word is in no item."""
    terms = list(dict.fromkeys(index_words(q)))[:SEARCH_TERMS_MAX]
    if not terms:
        return None
    counts = {t: HeritageWord.objects.filter(word=t)[: COUNT_CAP + 1].count() for t in terms}
    if not all(counts.values()):
        return HeritageWord.objects.none()
    rarest = min(terms, key=lambda t: (counts[t], -len(t)))
    postings = HeritageWord.objects.filter(word=rarest)
    for other in terms:
        if other != rarest:
            postings = postings.filter(
                Exists(HeritageWord.objects.filter(word=other, item_id=OuterRef("item_id")))
            )
    return postings.filter(filters & _item_visible_q(user, "item__"))


def items_search(
    *,
    user,
    q: str = "",
    kind: str = "",
    ethnic_group: str = "",
    province: str = "",
    season: str = "",
):
    """Visible items matching the filters. Without words, newest first (``CappedResult``); with
    words (each a whole syllable, diacritics folded: ``core.text``) over the title,
    description, subjects, community, places and ethnic groups, a ``WordSearch`` through the
    word index, ranked by the rarest word's weight (title first), then the newest item."""

    def on(prefix: str) -> Q:
        condition = Q()
        for name, value in (
            ("kind", kind), ("ethnic_groups__code", ethnic_group),
            ("province__code", province), ("season", season),
        ):  # fmt: skip
            if value:
                condition &= Q(**{f"{prefix}{name}": value})
        return condition

    postings = _postings(user=user, q=q, filters=on("item__")) if q else None
    if postings is not None:
        return WordSearch(postings)
    return CappedResult(
        items_visible(user)
        .filter(on(""))
        .select_related("province", "commune")
        .prefetch_related("ethnic_groups")
        .order_by("-published_at", "-id")
    )


FACETS_SECONDS = 300


def browse_facets(user) -> tuple[list, list]:
    """The provinces and ethnic groups the items ``user`` may see belong to: the list page's
    filters. Reading them means going over every visible item, so they are kept five minutes
    per set of protocols passed (what visibility depends on): a new province shows in the
    filter within five minutes, and no one sees a place only a protocol they lack leads to."""
    passed = sorted(protocols_passed(user).values_list("pk", flat=True))
    key = "heritage:facets:" + ",".join(map(str, passed))

    def compute():
        visible = items_visible(user)
        provinces = Unit.objects.filter(pk__in=visible.values("province")).order_by("name")
        groups = EthnicGroup.objects.filter(pk__in=visible.values("ethnic_groups"))
        return (
            [(u.code, u.name) for u in provinces],
            [(g.code, g.name) for g in groups.order_by("name")],
        )

    return cache.get_or_set(key, compute, FACETS_SECONDS)


def item_covers(*, user, items) -> dict[int, HeritageMedia]:
    """For items taken from ``items_visible(user)`` (a list page), the first image of each
    that ``user`` may see, by item id: two queries for the page (the images' ids in order,
    then the chosen ones with their derivatives) instead of a protocol check per card."""
    firsts: dict[int, int] = {}
    images = (
        HeritageMedia.objects.filter(item_id__in=[item.pk for item in items], asset__kind="image")
        .filter(_protocol_rule(HeritageMedia.protocols.through, "heritagemedia", user))
        .order_by("item_id", "position", "pk")
    )
    for pk, item_id in images.values_list("pk", "item_id"):
        firsts.setdefault(item_id, pk)
    chosen = HeritageMedia.objects.filter(pk__in=firsts.values()).select_related("asset")
    return {media.item_id: media for media in chosen.prefetch_related("asset__derivatives")}


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
