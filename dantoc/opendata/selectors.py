"""Reads of the open-data catalogue. The catalogue pages, the CKAN Action API and the DCAT-AP
documents all search and list through these functions, so they always agree."""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils.text import slugify
from django.utils.translation import get_language

from dantoc.core.text import fold
from dantoc.geo.models import Unit, UnitLevel
from dantoc.opendata.models import (
    THEME_NAMES_EN,
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
    if unit.level == UnitLevel.COUNTRY:
        return Organization(unit, MINISTRY_SLUG, MINISTRY_NAME, MINISTRY_NAME_EN)
    title_en = fold(unit.short_name or unit.name).title() + " Province"
    return Organization(unit, slugify(fold(unit.name)), unit.name, title_en)


def organizations() -> list[Organization]:
    """Every unit that has published a data set, the ministry first."""
    ids = Dataset.objects.filter(state=DatasetState.PUBLISHED).values("publisher_id")
    units = Unit.objects.filter(pk__in=ids).order_by("path")
    return [organization_of(u) for u in units]


def organization_get(name: str) -> Organization | None:
    for org in organizations():
        if name in (org.name, org.unit.code):
            return org
    return None


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
        found = [organization_get(value) for value in values]
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
    "name": "name",
    "title": "title",
    "title_string": "title",
    "metadata_modified": "updated_at",
    "metadata_created": "created_at",
}


def datasets_search(query: SearchQuery) -> SearchResult:
    """Published data sets matching the query: one page of them, the total and the facets."""
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
    order += ["-updated_at", "name"]
    count = qs.count()
    page = (
        list(with_details(qs.order_by(*order))[query.start : query.start + query.rows])
        if query.rows
        else []
    )
    facets = _facets(qs, list(query.facet_fields), count, query.facet_limit)
    return SearchResult(count=count, datasets=page, facets=facets)


def _facets(qs: QuerySet[Dataset], names: list[str], count: int, limit: int) -> dict:
    """Facet counts of the matching data sets, in as few queries as the names need."""
    for name in names:
        if name not in FACET_FIELDS:
            raise SearchError(
                f"Không có nhóm “{name}”. Các nhóm dùng được: " + ", ".join(FACET_FIELDS) + "."
            )
    facets: dict[str, list[FacetItem]] = {}
    ids = qs.order_by().values("pk")
    if {"organization", "groups", "license_id"} & set(names):
        # One grouped read serves the three facets of the data set's own columns.
        by_publisher: Counter[int] = Counter()
        by_theme: Counter[str] = Counter()
        by_licence: Counter[str] = Counter()
        grouped = (
            qs.order_by().values_list("publisher_id", "theme", "licence").annotate(n=Count("pk"))
        )
        for publisher, theme, licence, n in grouped:
            by_publisher[publisher] += n
            by_theme[theme] += n
            by_licence[licence] += n
        if "organization" in names:
            items = []
            for unit in Unit.objects.filter(pk__in=list(by_publisher)):
                org = organization_of(unit)
                items.append(FacetItem(org.name, org.display_name, by_publisher[unit.pk]))
            facets["organization"] = items
        if "groups" in names:
            facets["groups"] = [
                FacetItem(group_name(t), group_title(t), n) for t, n in by_theme.items()
            ]
        if "license_id" in names:
            facets["license_id"] = [
                FacetItem(lic, str(Licence(lic).label), n) for lic, n in by_licence.items()
            ]
    if "tags" in names:
        tags = (
            Keyword.objects.filter(dataset__in=ids)
            .order_by()
            .values_list("name")
            .annotate(n=Count("pk"))
        )
        facets["tags"] = [FacetItem(tag, tag, n) for tag, n in tags]
    if "res_format" in names:
        # Every published data set has a release in the three formats (see _condition_q).
        facets["res_format"] = (
            [FacetItem(f.upper(), f.upper(), count) for f in FileFormat.values] if count else []
        )
    if "province" in names:
        provinces = (
            Dataset.provinces.through.objects.filter(dataset__in=ids)
            .order_by()
            .values_list("unit__code", "unit__name")
            .annotate(n=Count("dataset", distinct=True))
        )
        facets["province"] = [FacetItem(code, name, n) for code, name, n in provinces]
    if "year" in names:
        years: Counter[int] = Counter()
        spans = (
            qs.order_by()
            .filter(temporal_start__isnull=False, temporal_end__isnull=False)
            .values_list(ExtractYear("temporal_start"), ExtractYear("temporal_end"))
            .annotate(n=Count("pk"))
        )
        for start, end, n in spans:
            for year in range(start, end + 1):
                years[year] += n
        facets["year"] = [FacetItem(str(y), str(y), n) for y, n in years.items()]
    for name, items in facets.items():
        items.sort(key=lambda i: (-i.count, i.name))
        facets[name] = items[:limit]
    return {name: facets[name] for name in names}


FACETS_TTL = 300


def catalogue_version():
    """Moves whenever a data set is published, withdrawn, changed or gets a release: each of
    those sets its ``updated_at`` (drafts' changes move it too, which only costs a recount)."""
    return Dataset.objects.order_by().aggregate(newest=Max("updated_at"))["newest"]


def datasets_search_cached(query: SearchQuery) -> SearchResult:
    """``datasets_search``, with the facet counts (most of a search's cost over thousands of
    data sets) kept for the same search until the catalogue changes (or 5 minutes pass:
    publishers' names come from the units). The page of results is always read fresh."""
    if not query.facet_fields:
        return datasets_search(query)
    found = datasets_search(replace(query, facet_fields=[]))
    key_parts = (
        catalogue_version(),
        get_language(),
        query.text,
        [repr(c) for c in query.conditions],
        sorted(query.facet_fields),
        query.facet_limit,
    )
    key = "opendata:facets:" + hashlib.sha256(repr(key_parts).encode()).hexdigest()
    facets = cache.get(key)
    if facets is None:
        facets = datasets_search(replace(query, rows=0, start=0, sort=[("name", False)])).facets
        cache.set(key, facets, FACETS_TTL)
    return SearchResult(count=found.count, datasets=found.datasets, facets=facets)


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
    from dantoc.accounts.permissions import scope_q

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
        header = next(reader, [])
        rows = []
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    return header, rows
