"""Reads of the e-library: what the public sees, search, what librarians work on.

Search is word-based and diacritic-insensitive (``core.text``'s folding): every query word
must be a whole syllable of the item's metadata or full text. Two ways are kept:

* ``items_search``: through the word index (``LibraryWord``: an index seek per query word,
  the items holding them all, ranked by the summed weights); the one pages and feeds use;
* ``items_search_naive``: the portal's way (a whole-syllable regular expression over each
  item's folded text), the baseline ``benchmarks/library_search.py`` prints beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from dantoc.accounts.permissions import scope_paths, scope_q
from dantoc.core.text import words_q
from dantoc.editorial.models import Status, publicly_visible_q
from dantoc.geo.models import Unit, UnitLevel
from dantoc.geo.selectors import today, valid_on_q
from dantoc.library import permissions
from dantoc.library.models import DocumentType, LibraryItem, LibraryWord
from dantoc.library.services import words

SEARCH_TERMS_MAX = 8
# Matches counted at most (a search page says "more than 500": add a word or a filter; nobody
# pages 25 pages down). Counting to 1,000 put a three-common-word page over 50 ms at 50,000 items.
COUNT_CAP = 500


def items_public() -> QuerySet[LibraryItem]:
    return LibraryItem.objects.filter(publicly_visible_q()).select_related("document", "audio")


def item_get(*, uuid) -> LibraryItem | None:
    return (
        LibraryItem.objects.select_related("document", "audio", "unit")
        .prefetch_related("ethnic_groups")
        .filter(uuid=uuid)
        .first()
    )


def item_for_reader(*, user, uuid) -> LibraryItem | None:
    """The item when ``user`` may read it (public, or a draft of their unit); None otherwise,
    so that a draft's address says nothing to the public."""
    item = item_get(uuid=uuid)
    if item is None or (item.deleted_at is not None and not permissions.can_edit(user, item)):
        return None
    return item if permissions.can_read(user, item) else None


@dataclass(frozen=True)
class SearchPage:
    items: list[LibraryItem]
    total: int


def query_words(q: str) -> list[str]:
    return list(dict.fromkeys(words(q)))[:SEARCH_TERMS_MAX]


def items_filtered(*, doc_type: str = "", ethnic_group=None, language: str = "") -> QuerySet:
    items = items_public()
    if doc_type in DocumentType.values:
        items = items.filter(doc_type=doc_type)
    if ethnic_group is not None:
        items = items.filter(ethnic_groups=ethnic_group)
    if language:
        items = items.filter(language=language)
    return items


def _capped_count(queryset, cap: int) -> int:
    return queryset[: cap + 1].count()


def items_search(
    *,
    q: str,
    doc_type: str = "",
    ethnic_group=None,
    language: str = "",
    offset: int = 0,
    limit: int = 20,
) -> SearchPage:
    """Public items holding every word of ``q``; without words, the newest items.

    Through the word index: the least common query word (counted up to a cap, an index range
    of at most ``COUNT_CAP`` entries) is walked in the order of its weight (index
    ``library_word_rank``: title occurrences first, then authors and subjects, abstract, body),
    and each other word is an index probe on (word, item) for that item; the walk stops once
    the page is full. Ranking is thus by the rarest word's weight, then the newest item: exact
    summed weights would need every posting of every word read and sorted ("dân tộc" is in
    nearly every item), which is what made the first version slow (the benchmark's notes).
    The total is counted up to ``COUNT_CAP`` (``SearchPage.total`` is then ``COUNT_CAP + 1``:
    "more than 500")."""
    terms = query_words(q)
    base = items_filtered(doc_type=doc_type, ethnic_group=ethnic_group, language=language)
    if not terms:
        page = list(base.order_by("-published_at", "-id")[offset : offset + limit])
        if len(page) < limit:
            return SearchPage(page, offset + len(page))
        return SearchPage(page, _capped_count(base.order_by(), COUNT_CAP))
    counts = {t: _capped_count(LibraryWord.objects.filter(word=t), COUNT_CAP) for t in terms}
    if not all(counts.values()):
        return SearchPage([], 0)
    rarest = min(terms, key=lambda t: (counts[t], -len(t)))
    postings = LibraryWord.objects.filter(word=rarest)
    for other in terms:
        if other != rarest:
            postings = postings.filter(
                Exists(LibraryWord.objects.filter(word=other, item_id=OuterRef("item_id")))
            )
    if doc_type or ethnic_group is not None or language:
        postings = postings.filter(item_id__in=base.values("pk"))
    ranked = list(
        postings.order_by("-weight", "-item_id").values_list("item_id", flat=True)[
            offset : offset + limit
        ]
    )
    # A short page tells the total by itself; only a full one needs the (capped) count.
    if len(ranked) < limit:
        total = offset + len(ranked)
    else:
        total = _capped_count(postings.order_by(), COUNT_CAP)
    # The index holds public items only (services.item_index); the page still checks.
    found = {i.pk: i for i in base.filter(pk__in=ranked)}
    return SearchPage([found[pk] for pk in ranked if pk in found], total)


def items_search_naive(*, q: str, offset: int = 0, limit: int = 20) -> SearchPage:
    """The baseline: a whole-syllable regular expression per word over the folded text of
    every public item, newest first (no ranking)."""
    items = items_public().filter(words_q(q, "search_text")).order_by("-published_at", "-id")
    return SearchPage(list(items[offset : offset + limit]), items.count())


def items_for_editor(*, user, status: str = "") -> QuerySet[LibraryItem]:
    if not scope_paths(user):
        return LibraryItem.objects.none()
    items = LibraryItem.objects.filter(scope_q(user, "unit__path"), deleted_at__isnull=True)
    if status in Status.values:
        items = items.filter(status=status)
    return items.select_related("unit").order_by("-updated_at", "-id")


def counts_by_type() -> list[tuple[str, str, int]]:
    counts = dict(
        items_public()
        .order_by()
        .values_list("doc_type")
        .annotate(n=Count("id"))
        .values_list("doc_type", "n")
    )
    return [(code, label, counts.get(code, 0)) for code, label in DocumentType.choices]


def last_change():
    latest = items_public().order_by("-updated_at").values_list("updated_at", flat=True).first()
    return latest or timezone.now()


def editor_units(*, user) -> QuerySet[Unit]:
    """Units a librarian may catalogue for: their own and the provinces in force within it."""
    return (
        Unit.objects.filter(scope_q(user), valid_on_q(today()))
        .filter(level__in=[UnitLevel.COUNTRY, UnitLevel.PROVINCE])
        .order_by("path")
    )
