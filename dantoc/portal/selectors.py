"""Reads of portal content. Public pages, feeds, the sitemap and (later) the API call these, so
"published" means the same everywhere: ``publicly_visible_q`` (no drafts, nothing scheduled
for later, no deleted item)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import ExtractYear

from dantoc.accounts.permissions import scope_q
from dantoc.core.text import fold, words_q
from dantoc.geo.models import (
    AreaClassification,
    ClassificationScheme,
    Unit,
    UnitLevel,
    UnitSuccession,
)
from dantoc.geo.selectors import today, valid_on_q
from dantoc.portal.models import (
    Agency,
    Article,
    ArticleTranslation,
    LegalDocument,
    TranslationStatus,
    publicly_visible_q,
)


def search_q(q: str, field: str = "search_text") -> Q:
    """Every word of ``q``, folded, must occur as a whole word of the folded column: "quyet
    dinh 330" and "Quyết định 330" find the same rows, on SQLite and PostgreSQL alike, and
    "y te" does not match inside "quy" (``dantoc.core.text.words_q``, shared with the citizen
    pages' and the ethnic groups' search)."""
    return words_q(q, field)


# --- articles -----------------------------------------------------------------------------


def published_translations() -> Prefetch:
    """An article's translations a reader may see (a translation in its own review is not)."""
    return Prefetch(
        "translations",
        queryset=ArticleTranslation.objects.filter(status=TranslationStatus.PUBLISHED),
    )


def published_articles(
    *, kind: str | None = None, area: Unit | None = None, q: str = "", now=None
) -> QuerySet[Article]:
    articles = (
        Article.objects.filter(publicly_visible_q(now))
        .select_related("unit")
        .prefetch_related(published_translations())
        .order_by("-published_at", "-id")
    )
    if kind:
        articles = articles.filter(kind=kind)
    if area is not None:
        articles = articles.filter(Q(areas=area) | Q(unit=area)).distinct()
    if q.strip():
        articles = articles.filter(search_q(q))
    return articles


def article_by_slug(*, slug: str, kind: str | None = None) -> Article | None:
    articles = published_articles(kind=kind).prefetch_related("areas", "attachments")
    return articles.filter(slug=slug).first()


def article_for_editing(*, uuid) -> Article | None:
    return (
        Article.objects.select_related("unit", "submitted_by", "created_by")
        .prefetch_related("areas", "attachments", "translations")
        .filter(uuid=uuid)
        .first()
    )


def articles_for_editor(
    *, user, status: str = "", kind: str = "", q: str = ""
) -> QuerySet[Article]:
    """The items of the editor's units (their subtree), newest change first; deleted ones
    are left out."""
    articles = (
        Article.objects.filter(scope_q(user, "unit__path"), deleted_at__isnull=True)
        .select_related("unit", "submitted_by")
        .order_by("-updated_at", "-id")
    )
    if status:
        articles = articles.filter(status=status)
    if kind:
        articles = articles.filter(kind=kind)
    if q.strip():
        articles = articles.filter(search_q(q))
    return articles


def translation_languages(article: Article) -> list[str]:
    return [t.language for t in article.translations.all()]


# --- legal documents ----------------------------------------------------------------------


@dataclass
class DocumentFilters:
    q: str = ""
    doc_type: str = ""
    issuing_body: str = ""
    legal_status: str = ""
    year: int | None = None


def _public_documents(now=None) -> QuerySet[LegalDocument]:
    return LegalDocument.objects.filter(publicly_visible_q(now))


def legal_documents_search(
    *, filters: DocumentFilters | None = None, now=None
) -> QuerySet[LegalDocument]:
    filters = filters or DocumentFilters()
    documents = _public_documents(now).select_related("unit").order_by("-issued_on", "-id")
    if filters.doc_type:
        documents = documents.filter(doc_type=filters.doc_type)
    if filters.issuing_body:
        documents = documents.filter(issuing_body=filters.issuing_body)
    if filters.legal_status:
        documents = documents.filter(legal_status=filters.legal_status)
    if filters.year:
        documents = documents.filter(issued_on__year=filters.year)
    if filters.q.strip():
        documents = documents.filter(search_q(filters.q))
    return documents


def legal_document_filter_choices() -> dict[str, list]:
    """Issuing bodies and years that occur in the public register, for the filter form."""
    public = _public_documents()
    bodies = list(public.order_by("issuing_body").values_list("issuing_body", flat=True).distinct())
    years = sorted(
        {
            y
            for y in public.annotate(y=ExtractYear("issued_on"))
            .values_list("y", flat=True)
            .distinct()
        },
        reverse=True,
    )
    return {"issuing_bodies": bodies, "years": years}


def legal_document_by_slug(*, slug: str) -> LegalDocument | None:
    """A public document with its links both ways (public linked documents only)."""
    linked = _public_documents().order_by("issued_on", "id")
    return (
        _public_documents()
        .select_related("unit")
        .prefetch_related(
            "areas",
            "attachments",
            Prefetch("amends", queryset=linked),
            Prefetch("replaces", queryset=linked),
            Prefetch("amended_by", queryset=linked),
            Prefetch("replaced_by", queryset=linked),
        )
        .filter(slug=slug)
        .first()
    )


def legal_document_for_editing(*, uuid) -> LegalDocument | None:
    return (
        LegalDocument.objects.select_related("unit", "submitted_by", "created_by")
        .prefetch_related("areas", "attachments", "amends", "replaces")
        .filter(uuid=uuid)
        .first()
    )


def legal_documents_for_editor(*, user, status: str = "", q: str = "") -> QuerySet[LegalDocument]:
    documents = (
        LegalDocument.objects.filter(scope_q(user, "unit__path"), deleted_at__isnull=True)
        .select_related("unit", "submitted_by")
        .order_by("-updated_at", "-id")
    )
    if status:
        documents = documents.filter(status=status)
    if q.strip():
        documents = documents.filter(search_q(q))
    return documents


def legal_documents_linkable() -> QuerySet[LegalDocument]:
    """Documents an editor may name as amended or replaced (any not deleted)."""
    return LegalDocument.objects.filter(deleted_at__isnull=True).order_by("-issued_on", "-id")


# --- agencies -----------------------------------------------------------------------------


def agencies_public(*, q: str = "", unit: Unit | None = None) -> QuerySet[Agency]:
    agencies = (
        Agency.objects.filter(deleted_at__isnull=True)
        .select_related("unit")
        .order_by("unit__path", "position", "name")
    )
    if unit is not None:
        agencies = agencies.filter(unit=unit)
    if q.strip():
        agencies = agencies.filter(search_q(q))
    return agencies


def agencies_for_editor(*, user) -> QuerySet[Agency]:
    return (
        Agency.objects.filter(scope_q(user, "unit__path"), deleted_at__isnull=True)
        .select_related("unit")
        .order_by("unit__path", "position", "name")
    )


# --- search across the portal -------------------------------------------------------------


@dataclass
class SearchResults:
    q: str
    articles: list[Article] = field(default_factory=list)
    documents: list[LegalDocument] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.articles) + len(self.documents) + len(self.agencies)


def portal_search(*, q: str, limit: int = 30) -> SearchResults:
    results = SearchResults(q=q)
    if not fold(q).split():
        return results
    results.documents = list(legal_documents_search(filters=DocumentFilters(q=q))[:limit])
    results.articles = list(published_articles(q=q)[:limit])
    results.agencies = list(agencies_public(q=q)[:limit])
    return results


# --- implementation areas -----------------------------------------------------------------


@dataclass
class CommuneArea:
    """A commune in force today and what the classification says about it, directly or
    through the pre-2025 communes merged into it."""

    commune: Unit
    regions: list[tuple[Unit, AreaClassification]] = field(default_factory=list)
    villages: list[AreaClassification] = field(default_factory=list)
    predecessors: list[Unit] = field(default_factory=list)

    @property
    def region_values(self) -> set[str]:
        return {c.value for _unit, c in self.regions}


@dataclass
class ProvinceAreas:
    province: Unit
    communes: int = 0
    classified_communes: int = 0
    by_region: dict[str, int] = field(default_factory=dict)
    villages: int = 0


def _classifications_by_unit(unit_ids) -> dict[int, list[AreaClassification]]:
    rows = AreaClassification.objects.filter(unit_id__in=unit_ids).order_by(
        "scheme", "village_name", "-valid_from"
    )
    by_unit: dict[int, list[AreaClassification]] = defaultdict(list)
    for row in rows:
        by_unit[row.unit_id].append(row)
    return by_unit


def province_communes_areas(
    *, province: Unit, as_of: datetime.date | None = None
) -> list[CommuneArea]:
    """The communes of ``province`` in force on ``as_of`` with their region and especially
    disadvantaged villages, classifications of merged pre-2025 communes included (Decisions
    861/QĐ-TTg and 612/QĐ-UBDT name communes as they were in 2021). Four queries."""
    as_of = as_of or today()
    communes = list(
        Unit.objects.filter(valid_on_q(as_of), parent=province, level=UnitLevel.COMMUNE).order_by(
            "code"
        )
    )
    successions = (
        UnitSuccession.objects.filter(successor__in=communes)
        .select_related("predecessor")
        .order_by("predecessor__code")
    )
    predecessors: dict[int, list[Unit]] = defaultdict(list)
    for s in successions:
        predecessors[s.successor_id].append(s.predecessor)
    ids = [c.pk for c in communes] + [p.pk for ps in predecessors.values() for p in ps]
    by_unit = _classifications_by_unit(ids)
    result = []
    for commune in communes:
        area = CommuneArea(commune=commune, predecessors=predecessors.get(commune.pk, []))
        for unit in [commune, *area.predecessors]:
            latest_region = None
            for row in by_unit.get(unit.pk, []):
                if row.scheme == ClassificationScheme.REGION:
                    latest_region = latest_region or row  # rows come newest first
                elif row.scheme == ClassificationScheme.DBKK_VILLAGE:
                    area.villages.append(row)
            if latest_region is not None:
                area.regions.append((unit, latest_region))
        result.append(area)
    return result


def provinces_areas(*, as_of: datetime.date | None = None) -> list[ProvinceAreas]:
    """Per province in force: communes, communes classified (directly or through merged
    communes), old communes per region, especially disadvantaged villages. Four queries."""
    as_of = as_of or today()
    provinces = list(
        Unit.objects.filter(valid_on_q(as_of), level=UnitLevel.PROVINCE).order_by("code")
    )
    communes = dict(
        Unit.objects.filter(valid_on_q(as_of), level=UnitLevel.COMMUNE).values_list(
            "pk", "parent_id"
        )
    )
    classified = list(AreaClassification.objects.values_list("pk", "unit_id", "scheme", "value"))
    classified_units = {row[1] for row in classified}
    successor_of: dict[int, set[int]] = defaultdict(set)
    for pred, succ in UnitSuccession.objects.filter(
        predecessor_id__in=classified_units
    ).values_list("predecessor_id", "successor_id"):
        successor_of[pred].add(succ)
    summary = {p.pk: ProvinceAreas(province=p) for p in provinces}
    for parent_id in communes.values():
        if parent_id in summary:
            summary[parent_id].communes += 1
    touched: dict[int, set[int]] = defaultdict(set)
    regions: dict[tuple[int, str], set[int]] = defaultdict(set)
    villages: dict[int, set[int]] = defaultdict(set)
    for pk, unit_id, scheme, value in classified:
        targets = {unit_id} if unit_id in communes else successor_of.get(unit_id, set())
        for commune_id in targets:
            province_id = communes.get(commune_id)
            if province_id not in summary:
                continue
            touched[province_id].add(commune_id)
            if scheme == ClassificationScheme.REGION:
                regions[(province_id, value)].add(commune_id)
            else:
                villages[province_id].add(pk)
    for province_id, commune_ids in touched.items():
        summary[province_id].classified_communes = len(commune_ids)
        summary[province_id].villages = len(villages[province_id])
    for (province_id, value), commune_ids in regions.items():
        summary[province_id].by_region[value] = len(commune_ids)
    return list(summary.values())


def current_provinces() -> QuerySet[Unit]:
    return Unit.objects.filter(valid_on_q(today()), level=UnitLevel.PROVINCE).order_by("name")


def editor_units(*, user) -> QuerySet[Unit]:
    """Units an editor may write for: their own unit and the provinces in force within it."""
    return (
        Unit.objects.filter(scope_q(user), valid_on_q(today()))
        .filter(level__in=[UnitLevel.COUNTRY, UnitLevel.PROVINCE])
        .order_by("path")
    )
