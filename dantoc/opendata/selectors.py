"""Reads of the open-data catalogue. The catalogue pages, the CKAN Action API and the DCAT-AP
documents all search and list through these functions, so they always agree."""

from __future__ import annotations

import datetime
import functools
import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import FilteredRelation, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils.text import slugify
from django.utils.translation import get_language

from dantoc.accounts.permissions import scope_q
from dantoc.core.csvfiles import row_restore
from dantoc.core.text import fold
from dantoc.geo.models import Unit, UnitLevel
from dantoc.opendata.models import (
    PACKAGE_SCHEMA,
    THEME_NAMES_EN,
    CatalogueFacets,
    Dataset,
    DatasetState,
    FileFormat,
    Keyword,
    Licence,
    Release,
    ReleaseFile,
    Theme,
)

# The name the country unit publishes under: the ministry in charge of ethnic affairs
# (Ministry of Ethnic and Religious Affairs since 1 March 2025, Decree 41/2025/NĐ-CP).
MINISTRY_NAME = "Bộ Dân tộc và Tôn giáo"
MINISTRY_NAME_EN = "Ministry of Ethnic and Religious Affairs"
MINISTRY_SLUG = "bo-dan-toc-va-ton-giao"

FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id", "province", "year")

# The catalogue's version "not read yet" (a catalogue with no data set has the version None).
_UNREAD = object()


class SearchError(ValueError):
    """A search the catalogue cannot answer; the message says what to change."""


@dataclass(frozen=True)
class Organization:
    """A publisher as the catalogue names it (CKAN organisation, DCAT publisher)."""

    unit: Unit
    name: str
    title: str
    title_en: str

    @property
    def display_name(self) -> str:
        english = (get_language() or "vi").startswith("en")
        return self.title_en if english else self.title


def organization_of(unit: Unit) -> Organization:
    return Organization(unit, *_organization_names(unit.level, unit.name, unit.short_name))


@functools.lru_cache(maxsize=1024)
def _organization_names(level: str, name: str, short_name: str) -> tuple[str, str, str]:
    # Remembered: every search names the publishers, and folding their names is not free.
    if level == UnitLevel.COUNTRY:
        return MINISTRY_SLUG, MINISTRY_NAME, MINISTRY_NAME_EN
    return slugify(fold(name)), name, fold(short_name or name).title() + " Province"


def ministry_organization() -> Organization:
    """The ministry as a publisher (the country unit's organisation), which also publishes
    the catalogue."""
    unit = Unit(code="VN", level=UnitLevel.COUNTRY, name=MINISTRY_NAME)
    country = Unit.objects.filter(level=UnitLevel.COUNTRY).order_by("code").first()
    return organization_of(country or unit)


def organizations() -> list[Organization]:
    """Every unit that has published a data set, the ministry first."""
    units = Unit.objects.filter(pk__in=_publisher_ids()).order_by("path")
    return [organization_of(u) for u in units]


def _publisher_ids() -> RawSQL:
    """The distinct publishers of published data sets, found by stepping through the
    (state, publisher) index from one publisher to the next: a few dozen index probes,
    where ``SELECT DISTINCT`` would read every published data set (a search naming an
    organisation asks for them twice: once to read ``fq``, once to filter)."""
    table = connection.ops.quote_name(Dataset._meta.db_table)
    sql = (
        "WITH RECURSIVE p (id) AS ("
        f"SELECT MIN(publisher_id) FROM {table} WHERE state = %s "
        "UNION ALL "
        f"SELECT (SELECT MIN(d.publisher_id) FROM {table} d "
        "WHERE d.state = %s AND d.publisher_id > p.id) FROM p WHERE p.id IS NOT NULL"
        ") SELECT id FROM p WHERE id IS NOT NULL"
    )
    return RawSQL(sql, (DatasetState.PUBLISHED, DatasetState.PUBLISHED))


def organization_get(name: str) -> Organization | None:
    return organizations_get([name])[0]


def organizations_get(names: list[str]) -> list[Organization | None]:
    """``organization_get`` for several names (or unit codes), reading the publishers once."""
    found: dict[str, Organization] = {}
    for org in organizations():
        found.setdefault(org.name, org)
        found.setdefault(org.unit.code, org)
    return [found.get(name) for name in names]


def group_name(theme: str) -> str:
    return theme.lower()


def group_title(theme: str) -> str:
    english = (get_language() or "vi").startswith("en")
    return THEME_NAMES_EN[Theme(theme)] if english else str(Theme(theme).label)


@dataclass
class Condition:
    """One ``field:value`` restriction (``values`` OR-ed); a range when ``low``/``high``."""

    field: str
    values: list[str] = field(default_factory=list)
    negate: bool = False
    low: datetime.datetime | None = None
    high: datetime.datetime | None = None
    is_range: bool = False
    # organization: the publishers' unit ids, when the caller has already looked the names
    # up (the CKAN API does, to drop unknown ones), so that they are not looked up again.
    publisher_ids: tuple[int, ...] | None = None


@dataclass
class SearchQuery:
    text: str = ""
    conditions: list[Condition] = field(default_factory=list)
    # (field, descending) pairs; fields: score, name, title, metadata_modified, metadata_created
    sort: list[tuple[str, bool]] = field(default_factory=list)
    rows: int = 10
    start: int = 0
    facet_fields: list[str] = field(default_factory=list)
    facet_limit: int = 50


@dataclass
class FacetItem:
    name: str
    display_name: str
    count: int


@dataclass
class SearchResult:
    count: int
    datasets: list[Dataset]
    facets: dict[str, list[FacetItem]]


def published() -> QuerySet[Dataset]:
    return Dataset.objects.filter(state=DatasetState.PUBLISHED)


def with_details(queryset: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """What a package needs, in a fixed number of queries whatever the page size."""
    return queryset.select_related("publisher").prefetch_related(
        Prefetch("keywords", queryset=Keyword.objects.order_by("name")),
        Prefetch("provinces", queryset=Unit.objects.order_by("code")),
        Prefetch(
            "releases",
            queryset=Release.objects.order_by("-version").prefetch_related(
                Prefetch("files", queryset=ReleaseFile.objects.order_by("format"))
            ),
        ),
    )


def _condition_q(cond: Condition) -> Q:
    values = cond.values
    f = cond.field
    if cond.is_range:
        column = {"metadata_modified": "updated_at", "metadata_created": "created_at"}.get(f)
        if column is None:
            if f not in ("temporal_start", "temporal_end"):
                raise SearchError(f"Không lọc được theo khoảng giá trị của trường “{f}”.")
            column = f
            low = cond.low.date() if cond.low else None
            high = cond.high.date() if cond.high else None
        else:
            low, high = cond.low, cond.high
        q = Q()
        if low is not None:
            q &= Q(**{f"{column}__gte": low})
        if high is not None:
            q &= Q(**{f"{column}__lte": high})
        return q
    if f in ("organization", "owner_org"):
        if cond.publisher_ids is not None:
            return Q(publisher_id__in=cond.publisher_ids)
        found = organizations_get(values)
        return Q(publisher_id__in=[org.unit.pk for org in found if org is not None])
    if f == "groups":
        return Q(theme__in=[v.upper() for v in values])
    if f == "tags":
        return Q(pk__in=Keyword.objects.filter(name__in=values).values("dataset_id"))
    if f == "license_id":
        return Q(licence__in=values)
    if f == "res_format":
        # Every release has the three formats (dataset_refresh writes them in one
        # transaction), so a known format keeps every published data set and another none.
        if {v.lower() for v in values} & set(FileFormat.values):
            return Q()
        return Q(pk__in=[])
    if f == "province":
        return Q(pk__in=Dataset.provinces.through.objects.filter(unit__code__in=values).values(
            "dataset_id"
        ))  # fmt: skip
    if f == "year":
        q = Q()
        for value in values:
            if not value.isdigit():
                raise SearchError(f"Năm không hợp lệ: “{value}”.")
            q |= Q(temporal_start__year__lte=int(value), temporal_end__year__gte=int(value))
        return q
    if f in ("name", "id"):
        column = "name" if f == "name" else "uuid"
        if f == "id":
            values = [v for v in values if _is_uuid(v)]
        return Q(**{f"{column}__in": values})
    if f == "frequency":
        return Q(frequency__in=values)
    if f in ("text", "q"):
        q = Q()
        for value in values:
            q &= _text_q(value)
        return q
    raise SearchError(
        f"Không lọc được theo trường “{f}”. Các trường dùng được: organization, groups, tags, "
        "res_format, license_id, province, year, name, id, frequency, metadata_modified, "
        "metadata_created, temporal_start, temporal_end."
    )


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _text_q(text: str) -> Q:
    q = Q()
    for term in fold(text).split():
        q &= Q(search_text__contains=term)
    return q


SORT_COLUMNS = {
    "id": "uuid",
    "name": "name",
    "title": "title",
    "title_string": "title",
    "metadata_modified": "updated_at",
    "metadata_created": "created_at",
}


def _matching(query: SearchQuery) -> tuple[QuerySet[Dataset], list[str]]:
    """The published data sets the query matches, and the order to list them in."""
    qs = published()
    if query.text.strip():
        qs = qs.filter(_text_q(query.text))
    for cond in query.conditions:
        q = _condition_q(cond)
        qs = qs.exclude(q) if cond.negate else qs.filter(q)
    order: list[str] = []
    for name, descending in query.sort or [("score", True), ("metadata_modified", True)]:
        if name == "score":
            # No relevance ranking beyond matching every word: newest first among matches.
            continue
        column = SORT_COLUMNS.get(name)
        if column is None:
            raise SearchError(f"Không sắp xếp được theo “{name}”.")
        order.append(f"-{column}" if descending else column)
        if column in ("name", "uuid"):
            # Names and ids are unique: nothing after them changes the order, and without
            # more keys their index gives the order (deep pages read no sort).
            break
    else:
        # Ties (same title, same modification time) are broken by the unique name, so that
        # paging with start/rows never repeats nor skips a data set.
        order += ["-updated_at", "name"]
    _check_facet_names(query.facet_fields)
    return qs, order


def _query_facets(qs: QuerySet[Dataset], query: SearchQuery) -> tuple[int, dict]:
    return _facets(
        qs,
        list(query.facet_fields),
        query.facet_limit,
        everything=_is_everything(query),
        text=_has_text(query),
    )


def _is_everything(query: SearchQuery) -> bool:
    return not query.text.strip() and not query.conditions


def _has_text(query: SearchQuery) -> bool:
    return bool(query.text.strip()) or any(c.field in ("text", "q") for c in query.conditions)


def _wants_page(query: SearchQuery, count: int) -> bool:
    return bool(query.rows) and query.start < count


def datasets_search(query: SearchQuery) -> SearchResult:
    """Published data sets matching the query: one page of them, the total and the facets."""
    qs, order = _matching(query)
    if query.facet_fields:
        count, facets = _query_facets(qs, query)
    else:
        count, facets = qs.count(), {}
    page = []
    if _wants_page(query, count):
        page = list(with_details(qs.order_by(*order))[query.start : query.start + query.rows])
    return SearchResult(count=count, datasets=page, facets=facets)


def _check_facet_names(names) -> None:
    for name in names:
        if name not in FACET_FIELDS:
            raise SearchError(
                f"Không có nhóm “{name}”. Các nhóm dùng được: " + ", ".join(FACET_FIELDS) + "."
            )


# Facet counts as the database gives them: ``{"count": n, facet: [(key, extra, n), …]}``
# with publishers and provinces as unit ids (their names are read when the counts are shown,
# so that a renamed unit shows at once) and years as (start date, end date) spans.
FacetRows = dict


def _facet_rows(qs: QuerySet[Dataset], names) -> FacetRows:
    """The number of matching data sets and their facet counts in one query: the matches
    are found once (a materialised common table expression) and every facet is a GROUP BY
    over them, UNION-ed. (``CROSS JOIN``: SQLite then reads the matches first and looks up
    their keywords, rather than reading every keyword and looking up its data set.)"""
    rows: FacetRows = {"count": 0, **{name: [] for name in names}}
    try:
        inner, params = (
            qs.order_by()
            .values_list("pk", "publisher_id", "theme", "licence", "temporal_start", "temporal_end")
            .query.sql_with_params()
        )
    except EmptyResultSet:
        return rows
    quote = connection.ops.quote_name
    keyword = quote(Keyword._meta.db_table)
    through = quote(Dataset.provinces.through._meta.db_table)
    parts = ["SELECT 'count', CAST(NULL AS TEXT), CAST(NULL AS TEXT), COUNT(*) FROM m"]
    for name, column in (("organization", "publisher_id"), ("groups", "theme"),
                         ("license_id", "licence")):  # fmt: skip
        if name in names:
            parts.append(
                f"SELECT '{name}', CAST({column} AS TEXT), CAST(NULL AS TEXT), COUNT(*) "
                f"FROM m GROUP BY {column}"
            )
    if "tags" in names:
        parts.append(
            "SELECT 'tags', k.name, CAST(NULL AS TEXT), COUNT(*) "
            f"FROM m CROSS JOIN {keyword} k WHERE k.dataset_id = m.id GROUP BY k.name"
        )
    if "province" in names:
        parts.append(
            "SELECT 'province', CAST(p.unit_id AS TEXT), CAST(NULL AS TEXT), "
            f"COUNT(DISTINCT p.dataset_id) FROM m CROSS JOIN {through} p "
            "WHERE p.dataset_id = m.id GROUP BY p.unit_id"
        )
    if "year" in names:
        parts.append(
            "SELECT 'year', CAST(t_start AS TEXT), CAST(t_end AS TEXT), COUNT(*) FROM m "
            "WHERE t_start IS NOT NULL AND t_end IS NOT NULL GROUP BY t_start, t_end"
        )
    sql = (
        f"WITH m (id, publisher_id, theme, licence, t_start, t_end) AS {_materialized()}"
        f"({inner}) " + " UNION ALL ".join(parts)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for name, key, extra, n in cursor.fetchall():
            if name == "count":
                rows["count"] = n
            else:
                rows[name].append((key, extra, n))
    return rows


def _facet_rows_subtract(whole: FacetRows, part: FacetRows) -> FacetRows:
    """The counts of the data sets in ``whole`` but not in ``part`` (a subset of it)."""
    rows: FacetRows = {"count": whole["count"] - part["count"]}
    for name in part:
        if name == "count":
            continue
        items = whole[name]
        taken = Counter({(key, extra): n for key, extra, n in part[name]})
        rows[name] = [
            (key, extra, n - taken[(key, extra)])
            for key, extra, n in items
            if n - taken[(key, extra)] > 0
        ]
    return rows


def _facet_items(rows: FacetRows, names: list[str], limit: int) -> dict[str, list[FacetItem]]:
    """Counts as the catalogue shows them: names, display names, the largest first."""
    count = rows["count"]
    unit_ids = {int(key) for name in ("organization", "province") if name in names
                for key, _, _ in rows[name]}  # fmt: skip
    units = Unit.objects.in_bulk(unit_ids) if unit_ids else {}
    facets: dict[str, list[FacetItem]] = {}
    if "organization" in names:
        facets["organization"] = []
        for key, _, n in rows["organization"]:
            org = organization_of(units[int(key)])
            facets["organization"].append(FacetItem(org.name, org.display_name, n))
    if "groups" in names:
        facets["groups"] = [
            FacetItem(group_name(t), group_title(t), n) for t, _, n in rows["groups"]
        ]
    if "license_id" in names:
        facets["license_id"] = [
            FacetItem(lic, str(Licence(lic).label), n) for lic, _, n in rows["license_id"]
        ]
    if "tags" in names:
        facets["tags"] = [FacetItem(tag, tag, n) for tag, _, n in rows["tags"]]
    if "res_format" in names:
        # Every published data set has a release in the three formats (see _condition_q).
        facets["res_format"] = (
            [FacetItem(f.upper(), f.upper(), count) for f in FileFormat.values] if count else []
        )
    if "province" in names:
        facets["province"] = []
        for key, _, n in rows["province"]:
            unit = units[int(key)]
            facets["province"].append(FacetItem(unit.code, unit.name, n))
    if "year" in names:
        years: Counter[int] = Counter()
        for start, end, n in rows["year"]:
            for year in range(int(str(start)[:4]), int(str(end)[:4]) + 1):
                years[year] += n
        facets["year"] = [FacetItem(str(y), str(y), n) for y, n in years.items()]
    for name, items in facets.items():
        items.sort(key=lambda i: (-i.count, i.name))
        facets[name] = items[:limit]
    return {name: facets[name] for name in names}


def catalogue_facet_rows() -> FacetRows | None:
    """The facet counts of the whole published catalogue, as ``services`` keep them: None
    when they are missing or older than the newest change of a data set."""
    newest = Dataset.objects.order_by("-updated_at").values("updated_at")[:1]
    kept = CatalogueFacets.objects.filter(pk=CatalogueFacets.ONLY, version=newest).first()
    if kept is None:
        return None
    return {name: [tuple(item) for item in items] if name != "count" else items
            for name, items in kept.rows.items()}  # fmt: skip


def catalogue_facet_rows_compute() -> FacetRows:
    return _facet_rows(published(), FACET_FIELDS)


def _facets(
    qs: QuerySet[Dataset], names: list[str], limit: int, *, everything: bool, text: bool
) -> tuple[int, dict]:
    """The number of matches and their facet counts (see ``_facets_and_matches``)."""
    count, facets, _ = _facets_and_matches(qs, names, limit, everything=everything, text=text)
    return count, facets


def _facets_and_matches(
    qs: QuerySet[Dataset],
    names: list[str],
    limit: int,
    *,
    everything: bool,
    text: bool,
    order: list[str] | None = None,
    version=_UNREAD,
) -> tuple[int, dict, list[int] | None]:
    """The number of matches, their facet counts and, with ``order``, the ids of every
    match in that order when counting read them (else None).

    - The whole catalogue (``everything``): the counts the services keep.
    - Otherwise the matches' ids are read (in ``order``: a page of results is then a slice
      of them, and the search's filter runs once) and counted against the facet keys of every
      published data set, kept in memory (``_facet_keys``).
    - When those keys cannot be had: most of the catalogue (a negation, a wide date range),
      on SQLite, is the whole catalogue's counts less those of the data sets left out, which
      are fewer to count (see ``_left_out_counted_first``); anything else is counted in SQL
      (``_facet_rows``).

    ``version``: ``catalogue_version()`` if the caller has read it (read here otherwise)."""
    _check_facet_names(names)
    whole = None
    if everything:
        whole = catalogue_facet_rows()
        if whole is not None:
            return whole["count"], _facet_items(whole, names, limit), None
    found = _facet_rows_and_matches(qs, names, order=order, version=version)
    if found is not None:
        rows, matches = found
        return rows["count"], _facet_items(rows, names, limit), matches if order else None
    if not everything:
        whole = catalogue_facet_rows()
    if whole is not None and not text and whole["count"] and _left_out_counted_first():
        # A free text costs a scan of every text, so its matches are only counted once.
        count = qs.count()
        if count > whole["count"] * 2 // 3:
            left_out = _facet_rows(published().exclude(pk__in=qs.values("pk")), names)
            facets = _facet_items(_facet_rows_subtract(whole, left_out), names, limit)
            return count, facets, None
    rows = _facet_rows(qs, names)
    return rows["count"], _facet_items(rows, names, limit), None


@dataclass(frozen=True)
class _FacetKeys:
    """What every published data set counts under in each facet, by data set id:
    (publisher id, theme, licence, temporal start, temporal end, keywords, province ids)."""

    version: object
    read_at: float
    keys: dict[int, tuple]


_facet_keys_kept: _FacetKeys | None = None
_facet_keys_lock = threading.Lock()


def _facet_keys(version=_UNREAD) -> dict[int, tuple] | None:
    """The facet keys of every published data set, read once per process and catalogue
    version (``catalogue_version``, which every service's change moves) and at most
    ``FACETS_TTL`` seconds old: counting a search's facets is then reading the ids of its
    matches, one indexed query, and adding up in Python, where SQL would group the matches
    and join their keywords and provinces at every search. None when the catalogue changed
    while the keys were read (they would mix two states): the caller counts in SQL.
    ``version``: ``catalogue_version()`` if the caller has read it (read here otherwise)."""
    global _facet_keys_kept
    if version is _UNREAD:
        version = catalogue_version()
    kept = _facet_keys_kept
    now = time.monotonic()
    if kept is not None and kept.version == version and now - kept.read_at < FACETS_TTL:
        return kept.keys
    with _facet_keys_lock:
        kept = _facet_keys_kept
        if kept is not None and kept.version == version and now - kept.read_at < FACETS_TTL:
            return kept.keys
        published_only = {"dataset__state": DatasetState.PUBLISHED}
        # One object per distinct value (a few dozen keywords, themes, dates…), not per row.
        shared: dict = {}
        one = shared.setdefault
        keywords: dict[int, list[str]] = {}
        for dataset_id, name in _raw_rows(
            Keyword.objects.filter(**published_only).values_list("dataset_id", "name")
        ):
            keywords.setdefault(dataset_id, []).append(one(name, name))
        provinces: dict[int, list[int]] = {}
        for dataset_id, unit_id in _raw_rows(
            Dataset.provinces.through.objects.filter(**published_only).values_list(
                "dataset_id", "unit_id"
            )
        ):
            provinces.setdefault(dataset_id, []).append(unit_id)
        columns = ("pk", "publisher_id", "theme", "licence", "temporal_start", "temporal_end")
        keys = {
            pk: (
                publisher,
                one(theme, theme),
                one(licence, licence),
                one(start, start),
                one(end, end),
                tuple(keywords.get(pk, ())),
                tuple(provinces.get(pk, ())),
            )
            for pk, publisher, theme, licence, start, end in _raw_rows(
                published().values_list(*columns)
            )
        }
        if catalogue_version() != version:
            return None
        _facet_keys_kept = _FacetKeys(version, now, keys)
        return keys


def _raw_rows(qs: QuerySet, *, ordered: bool = False) -> list[tuple]:
    """The rows of a ``values_list`` query as the database driver gives them (no model
    field converters: SQLite's dates stay text), without the ORM's per-row work; in the
    query's order if ``ordered`` (in any order otherwise)."""
    try:
        sql, params = (qs if ordered else qs.order_by()).query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _facet_rows_by_keys(qs: QuerySet[Dataset], names) -> FacetRows | None:
    """``_facet_rows`` (the same counts, in the same shape) from the matches' ids and the
    kept facet keys; None when the keys are missing or lack a match (the catalogue changed
    since they were read)."""
    found = _facet_rows_and_matches(qs, names)
    return None if found is None else found[0]


def _facet_rows_and_matches(
    qs: QuerySet[Dataset], names, *, order: list[str] | None = None, version=_UNREAD
) -> tuple[FacetRows, list[int]] | None:
    """``_facet_rows_by_keys``, and the matches' ids (in ``order`` if given)."""
    keys = _facet_keys(version)
    if keys is None:
        return None
    if order:
        ids = [pk for (pk,) in _raw_rows(qs.order_by(*order).values_list("pk"), ordered=True)]
    else:
        ids = [pk for (pk,) in _raw_rows(qs.values_list("pk"))]
    try:
        matched = [keys[pk] for pk in ids]
    except KeyError:
        return None
    rows: FacetRows = {"count": len(matched)}

    def counted(position: int, *, several: bool = False) -> Counter:
        values = map(itemgetter(position), matched)
        return Counter(chain.from_iterable(values) if several else values)

    if "organization" in names:
        rows["organization"] = [(str(key), None, n) for key, n in counted(0).items()]
    if "groups" in names:
        rows["groups"] = [(key, None, n) for key, n in counted(1).items()]
    if "license_id" in names:
        rows["license_id"] = [(key, None, n) for key, n in counted(2).items()]
    if "tags" in names:
        rows["tags"] = [(key, None, n) for key, n in counted(5, several=True).items()]
    if "province" in names:
        rows["province"] = [(str(key), None, n) for key, n in counted(6, several=True).items()]
    if "year" in names:
        spans = Counter(k[3:5] for k in matched if k[3] is not None and k[4] is not None)
        # str(): SQLite gives the dates as their text, PostgreSQL as dates.
        rows["year"] = [(str(start), str(end), n) for (start, end), n in spans.items()]
    for name in names:
        rows.setdefault(name, [])
    return rows, ids


def _left_out_counted_first() -> bool:
    """Whether to count the data sets a search leaves out, when it leaves out few, and take
    them from the kept counts of the whole catalogue. SQLite counts keywords by looking up each
    counted data set's in turn, so counting the fewer left out is quicker than counting the
    matches, although it costs two more scans (the number of matches, then the left out).
    PostgreSQL joins the keywords by hashing all of them whatever the number of data sets
    counted: one scan of the matches is the quickest there."""
    return connection.vendor != "postgresql"


def _materialized() -> str:
    """``MATERIALIZED`` (PostgreSQL 12 and SQLite 3.35 on): the matches of a common table
    expression used by every GROUP BY are found once and kept."""
    if connection.vendor == "sqlite":
        import sqlite3

        return "MATERIALIZED " if sqlite3.sqlite_version_info >= (3, 35) else ""
    return "MATERIALIZED " if connection.vendor == "postgresql" else ""


FACETS_TTL = 300


def catalogue_version():
    """Moves whenever a data set is published, withdrawn, changed or gets a release: each of
    those sets its ``updated_at`` (drafts' changes move it too, which only costs a recount)."""
    return Dataset.objects.order_by().aggregate(newest=Max("updated_at"))["newest"]


def _facets_key(query: SearchQuery, version=_UNREAD) -> str:
    key_parts = (
        catalogue_version() if version is _UNREAD else version,
        get_language(),
        query.text,
        [repr(c) for c in query.conditions],
        sorted(query.facet_fields),
        query.facet_limit,
    )
    return "opendata:facets:" + hashlib.sha256(repr(key_parts).encode()).hexdigest()


def _count_and_facets(
    qs: QuerySet[Dataset], query: SearchQuery, *, remember: bool, order: list[str] | None = None
) -> tuple[int, dict, list[int] | None]:
    """The number of matches, the facets and, with ``order``, the matches' ids in that order
    when counting the facets read them (None otherwise: the count came from elsewhere). With
    ``remember``, the count and facets are kept for the same search until the catalogue
    changes (or 5 minutes pass: publishers' names come from the units)."""
    if not query.facet_fields:
        return qs.count(), {}, None
    # Read once: the key of the kept facets and the kept facet keys go by the same version.
    version = catalogue_version()
    key = _facets_key(query, version) if remember else None
    if key is not None:
        kept = cache.get(key)
        if kept is not None:
            count, facets = kept
            return count, facets, None
    count, facets, matches = _facets_and_matches(
        qs,
        list(query.facet_fields),
        query.facet_limit,
        everything=_is_everything(query),
        text=_has_text(query),
        order=order,
        version=version,
    )
    if key is not None:
        cache.set(key, (count, facets), FACETS_TTL)
    return count, facets, matches


def datasets_search_cached(query: SearchQuery) -> SearchResult:
    """``datasets_search``, with the count and facet counts remembered for the same search
    until the catalogue changes. The page of results is always read fresh."""
    qs, order = _matching(query)
    count, facets, _ = _count_and_facets(qs, query, remember=True)
    page = []
    if _wants_page(query, count):
        page = list(with_details(qs.order_by(*order))[query.start : query.start + query.rows])
    return SearchResult(count=count, datasets=page, facets=facets)


# --- stored packages (the CKAN API) -----------------------------------------------------------


@dataclass(frozen=True)
class PackageDocument:
    """A stored package's JSON text (see ``ckan.package_document``)."""

    body: str
    # Whether the text replacements of ``ckan.package_fragment`` are safe on this body.
    spliceable: bool


@dataclass
class Package:
    """A data set's stored CKAN package (``ckan.PackageDocument``) and the unit publishing it
    (the package's organisation is put in when it is served)."""

    document: PackageDocument
    publisher: Unit


@dataclass
class PackageSearchResult:
    count: int
    packages: list[Package]
    facets: dict[str, list[FacetItem]]


def package_language() -> str:
    """The language of the stored packages to serve: the active one, or the site's default."""
    active = get_language() or settings.LANGUAGE_CODE
    codes = [code for code, _ in settings.LANGUAGES]
    if active in codes:
        return active
    base = active.split("-")[0]
    return base if base in codes else settings.LANGUAGE_CODE


def _packages(datasets: QuerySet[Dataset], order: list[str]) -> list[Package]:
    """The stored packages of ``datasets`` in ``order`` and their publishers: one query. A
    data set whose package is missing or of an older shape (rows written before an upgrade,
    until ``opendata_packages_write`` runs) gets it built here, the slow way, so that the
    answer is right either way."""
    from dantoc.opendata.ckan import package_document

    language = package_language()
    unit_fields = Unit._meta.concrete_fields
    rows = list(
        datasets.annotate(
            stored=FilteredRelation(
                "packages",
                condition=Q(packages__language=language, packages__schema=PACKAGE_SCHEMA),
            )
        )
        .order_by(*order)
        .values_list(
            "pk",
            "stored__body",
            "stored__spliceable",
            # The publisher's columns, in the model's order (see Unit.from_db below).
            *(f"publisher__{f.name}" for f in unit_fields),
        )
    )
    missing = [row[0] for row in rows if row[1] is None]
    documents = {}
    if missing:
        documents = {
            d.pk: package_document(d) for d in with_details(Dataset.objects.filter(pk__in=missing))
        }
    names = [f.attname for f in unit_fields]
    units: dict[int, Unit] = {}
    packages = []
    for pk, body, spliceable, *unit_values in rows:
        unit = units.get(unit_values[0])
        if unit is None:
            unit = units[unit_values[0]] = Unit.from_db(datasets.db, names, unit_values)
        document = PackageDocument(body, spliceable) if body is not None else documents[pk]
        packages.append(Package(document, unit))
    return packages


def packages_search(query: SearchQuery, *, remember_facets: bool = True) -> PackageSearchResult:
    """``datasets_search`` for the CKAN API: the same matches, count and facets (remembered
    as ``datasets_search_cached`` does, unless ``remember_facets`` is false), with the page
    as stored packages."""
    qs, order = _matching(query)
    # A free text is the dear filter (a trigram index scan, every candidate's text checked):
    # when the facets are counted, the matches are then read in order, and the page is a
    # slice of them rather than the filter run again. Other filters are cheap to run twice
    # (an index gives their first rows in order), cheaper than ordering every match.
    ordered = bool(query.rows) and _has_text(query)
    count, facets, matches = _count_and_facets(
        qs, query, remember=remember_facets, order=order if ordered else None
    )
    packages = []
    if _wants_page(query, count):
        end = query.start + query.rows
        if matches is not None:
            # published(): a data set withdrawn since the matches were read is left out.
            datasets = published().filter(pk__in=matches[query.start : end])
        else:
            datasets = Dataset.objects.filter(
                pk__in=qs.order_by(*order).values("pk")[query.start : end]
            )
        packages = _packages(datasets, order)
    return PackageSearchResult(count=count, packages=packages, facets=facets)


def package_get(name_or_id: str) -> Package | None:
    """A published data set's stored package by its name or its id (uuid)."""
    q = Q(name=name_or_id)
    if _is_uuid(name_or_id):
        q |= Q(uuid=name_or_id)
    found = _packages(published().filter(q), ["name"])
    return found[0] if found else None


def dataset_get(name_or_id: str, *, include_unpublished: bool = False) -> Dataset | None:
    """A data set by its name or its id (uuid); withdrawn and draft ones only when asked."""
    qs = Dataset.objects.all() if include_unpublished else published()
    q = Q(name=name_or_id)
    if _is_uuid(name_or_id):
        q |= Q(uuid=name_or_id)
    return with_details(qs.filter(q)).first()


def release_get(dataset: Dataset, version: int) -> Release | None:
    return (
        Release.objects.filter(dataset=dataset, version=version)
        .prefetch_related(Prefetch("files", queryset=ReleaseFile.objects.order_by("format")))
        .first()
    )


def release_file_get(resource_id: str) -> ReleaseFile | None:
    """A download by its resource id (CKAN resource_show)."""
    if not _is_uuid(resource_id):
        return None
    return (
        ReleaseFile.objects.select_related("release__dataset__publisher")
        .filter(uuid=resource_id)
        .first()
    )


def releases_recent(limit: int) -> list[Release]:
    """The newest releases of the published data sets (the open-data release feed), with
    their data set, publisher and files: three queries."""
    return list(
        Release.objects.filter(dataset__state=DatasetState.PUBLISHED)
        .select_related("dataset__publisher")
        .prefetch_related(Prefetch("files", queryset=ReleaseFile.objects.order_by("format")))
        .order_by("-created_at", "-pk")[:limit]
    )


def release_for_page(name: str, version: int) -> Release | None:
    """One release of a published or withdrawn data set (drafts have no public page), with
    its files and the data set's other versions."""
    return (
        Release.objects.filter(dataset__name=name, version=version)
        .exclude(dataset__state=DatasetState.DRAFT)
        .select_related("dataset__publisher")
        .prefetch_related(Prefetch("files", queryset=ReleaseFile.objects.order_by("format")))
        .first()
    )


def release_versions(dataset: Dataset) -> list[int]:
    return list(dataset.releases.order_by("version").values_list("version", flat=True))


def current_release_files() -> QuerySet[ReleaseFile]:
    """The files of each published data set's newest release: what its CKAN package lists
    as resources. Ordered by data set name, then format (the package's order)."""
    newest = (
        Release.objects.filter(dataset=OuterRef("release__dataset"))
        .order_by("-version")
        .values("version")[:1]
    )
    return (
        ReleaseFile.objects.filter(
            release__dataset__state=DatasetState.PUBLISHED, release__version=Subquery(newest)
        )
        .select_related("release__dataset")
        .order_by("release__dataset__name", "format")
    )


def datasets_autocomplete(text: str, *, limit: int) -> list[Dataset]:
    """Published data sets whose name or title holds ``text`` (diacritics-insensitive), by
    name; the folded search text narrows the candidates, the title is checked here."""
    folded = fold(text)
    if not folded:
        return []
    slug = slugify(folded)
    candidates = published().filter(
        Q(search_text__contains=folded) | Q(name__contains=slug or folded)
    )
    found = []
    for dataset in candidates.order_by("name").only("pk", "name", "title").iterator():
        if (slug and slug in dataset.name) or folded in fold(dataset.title):
            found.append(dataset)
            if len(found) >= limit:
                break
    return found


def latest_release(dataset: Dataset) -> Release | None:
    releases = list(dataset.releases.all())  # prefetched newest first by with_details
    return releases[0] if releases else None


def tags_all(query: str = "") -> list[str]:
    qs = Keyword.objects.filter(dataset__state=DatasetState.PUBLISHED)
    if query:
        qs = qs.filter(name__icontains=query)
    return sorted(set(qs.values_list("name", flat=True)))


def datasets_for_manager(user) -> QuerySet[Dataset]:
    """The data sets an officer's unit publishes, whatever their state."""

    return (
        Dataset.objects.filter(scope_q(user, "publisher__path"))
        .select_related("publisher")
        .order_by("-updated_at")
    )


def release_preview(release: Release, limit: int = 20) -> tuple[list[str], list[list[str]]]:
    """The header and first rows of a release's CSV, read from the start of the file only."""
    import csv
    import io

    files = {f.format: f for f in release.files.all()}
    stored = files.get("csv")
    if stored is None:
        return [], []
    with stored.file.open("rb") as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        header = row_restore(next(reader, []))
        rows = []
        for row in reader:
            rows.append(row_restore(row))
            if len(rows) >= limit:
                break
    return header, rows
