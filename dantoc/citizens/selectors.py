"""Reads of citizen information. The public pages, the editor's pages and the tests call these,
so "published" means one thing (``publicly_visible_q``) everywhere."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet, Sum

from dantoc.accounts.permissions import scope_q
from dantoc.citizens.models import (
    TEXT_FIELDS,
    CitizenItem,
    CitizenItemTranslation,
    ItemAudio,
    ItemReach,
    MarketPrice,
    OcopPhoto,
    OcopProduct,
)
from dantoc.citizens.permissions import can_edit_ocop
from dantoc.core.languages import BY_CODE, CONTENT_LANGUAGES, SOURCE_LANGUAGE
from dantoc.core.text import phrase_q, search_words
from dantoc.editorial.models import TranslationStatus, publicly_visible_q
from dantoc.geo.models import Unit, UnitLevel
from dantoc.geo.selectors import ethnic_spellings, today, unit_get, valid_on_q
from dantoc.portal.selectors import CommuneArea, province_communes_areas

SEARCH_LIMIT = 30
SEARCH_CANDIDATES = 200


def _published_translations() -> Prefetch:
    return Prefetch(
        "translations",
        queryset=CitizenItemTranslation.objects.filter(status=TranslationStatus.PUBLISHED),
    )


def published_items(*, topic: str | None = None) -> QuerySet[CitizenItem]:
    items = (
        CitizenItem.objects.filter(publicly_visible_q())
        .select_related("legal_document")
        .prefetch_related(_published_translations())
    )
    if topic:
        items = items.filter(topic=topic)
    return items.order_by("-published_at", "-id")


def item_by_slug(*, topic: str, slug: str) -> CitizenItem | None:
    return published_items(topic=topic).select_related("unit").filter(slug=slug).first()


# --- the item in a language ---------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    value: str
    lang: str  # the language the value is written in (a field may fall back to Vietnamese)


@dataclass
class ItemText:
    """An item's words in the language asked for, each field falling back to Vietnamese when
    the translation lacks it; ``fallback`` says the whole item is shown in Vietnamese because
    there is no published translation in ``asked``."""

    asked: str
    lang: str
    fields: dict[str, Text]
    fallback: bool
    languages: list[str]  # the languages the item can be read in (published translations)

    def __getattr__(self, name: str) -> Text:
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def partly_vietnamese(self) -> bool:
        return not self.fallback and any(
            t.value and t.lang != self.lang for t in self.fields.values()
        )


def language_asked(raw: str | None) -> str:
    raw = (raw or "").strip().lower()
    return raw if raw in BY_CODE else SOURCE_LANGUAGE


def item_text(item: CitizenItem, asked: str) -> ItemText:
    """The item in ``asked`` (from prefetched published translations), else in Vietnamese."""
    translations = {t.language: t for t in item.translations.all() if t.is_published}
    translation = translations.get(asked) if asked != SOURCE_LANGUAGE else None
    lang = translation.language if translation else SOURCE_LANGUAGE
    fields = {}
    for name in TEXT_FIELDS:
        own = getattr(translation, name, "") if translation else ""
        fields[name] = Text(own, lang) if own else Text(getattr(item, name), SOURCE_LANGUAGE)
    return ItemText(
        asked=asked,
        lang=lang,
        fields=fields,
        fallback=asked != SOURCE_LANGUAGE and translation is None,
        languages=[code for code in BY_CODE if code in translations],
    )


# --- my commune -------------------------------------------------------------------------------


@dataclass
class MyCommune:
    area: CommuneArea
    province: Unit | None
    items: list[CitizenItem] = field(default_factory=list)

    @property
    def commune(self) -> Unit:
        return self.area.commune

    @property
    def regions(self) -> list[str]:
        return sorted(self.area.region_values)

    @property
    def has_dbkk(self) -> bool:
        return bool(self.area.villages)


def commune_for_code(code: str | None) -> Unit | None:
    """A commune in force today by its code (what the phone keeps), or None."""
    if not code or len(code) > 10 or not code.isalnum():
        return None
    unit = unit_get(code=code, as_of=today())
    if unit is None or unit.level != UnitLevel.COMMUNE:
        return None
    return unit


def applies_q(*, regions: set[str], has_dbkk: bool) -> Q:
    """Items meant for a commune of ``regions`` (khu vực) / with especially disadvantaged
    villages, and items meant for everybody."""
    condition = Q(regions="", dbkk_villages=False)
    for region in regions:
        condition |= Q(regions__regex=f"(^|,){region}(,|$)")
    if has_dbkk:
        condition |= Q(dbkk_villages=True)
    return condition


def my_commune(commune: Unit) -> MyCommune:
    """The commune's region and especially disadvantaged villages (through the communes merged
    into it in 2025) and the published policies that apply there."""
    province = commune.parent
    areas = province_communes_areas(province=province) if province else []
    area = next((a for a in areas if a.commune.pk == commune.pk), None) or CommuneArea(commune)
    found = MyCommune(area=area, province=province)
    condition = applies_q(regions=area.region_values, has_dbkk=bool(area.villages))
    found.items = list(published_items(topic="chinh-sach").filter(condition)[:20])
    return found


# --- search -----------------------------------------------------------------------------------


def items_search(*, q: str, limit: int = SEARCH_LIMIT) -> list[CitizenItem]:
    """Published items whose words hold the query's words as one run of whole syllables ("y
    te" finds "y tế", never "kinh tế" or "quy"), in any spelling of an ethnic group name it
    contains (``geo.selectors.ethnic_spellings``); if no item holds the run, items holding
    every word somewhere. Ranked: the words in the title, then in the summary, then newest."""
    variants = ethnic_spellings(q)
    if not variants:
        return []
    phrase = Q()
    for words in variants:
        phrase |= phrase_q(words)
    items = published_items()
    found = items.filter(phrase)
    if not found.exists():
        every = Q()
        for words in variants:
            all_words = Q()
            for word in words:
                all_words &= phrase_q([word])
            every |= all_words
        found = items.filter(every)
    return sorted(found[:SEARCH_CANDIDATES], key=lambda item: -_rank(item, variants))[:limit]


def _holds(text: str, words: list[str]) -> bool:
    have, n = search_words(text), len(words)
    return any(have[i : i + n] == words for i in range(len(have) - n + 1))


def _rank(item: CitizenItem, variants: list[list[str]]) -> int:
    """2: the words are in the title (in Vietnamese or a translation), 1: in the summary;
    the order of ``found`` (newest first) breaks ties, sorting being stable."""
    titles = [item.title] + [t.title for t in item.translations.all()]
    summaries = [item.summary] + [t.summary for t in item.translations.all()]
    if any(_holds(text, words) for text in titles for words in variants):
        return 2
    if any(_holds(text, words) for text in summaries for words in variants):
        return 1
    return 0


# --- editors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    code: str
    name: str
    status: str  # "" (missing), draft, review, published
    audio: str = ""  # "" (no recording), "waiting" (for a second editor), "approved"


def _audio_state(audio: ItemAudio | None) -> str:
    if audio is None:
        return ""
    return "approved" if audio.is_approved else "waiting"


def audio_states(item: CitizenItem) -> dict[str, str]:
    """The state of the item's recording in each language it has one in (prefetched)."""
    return {a.language: _audio_state(a) for a in item.audios.all()}


def public_audio(item: CitizenItem, language: str) -> ItemAudio | None:
    """The recording the public hears with the item in ``language`` (the language the page
    is shown in, so a published translation's), once a second editor approved it."""
    return (
        ItemAudio.objects.select_related("asset")
        .filter(item=item, language=language, approved_at__isnull=False)
        .first()
    )


def audio_for_serving(*, uuid) -> ItemAudio | None:
    """An approved recording of a public item, in Vietnamese or a published translation."""
    audio = (
        ItemAudio.objects.select_related("asset", "item")
        .filter(
            uuid=uuid,
            approved_at__isnull=False,
            item__in=CitizenItem.objects.filter(publicly_visible_q()),
        )
        .first()
    )
    if audio is None:
        return None
    if (
        audio.language != SOURCE_LANGUAGE
        and not audio.item.translations.filter(
            language=audio.language, status=TranslationStatus.PUBLISHED
        ).exists()
    ):
        return None
    return audio


def audio_by_uuid(*, uuid) -> ItemAudio | None:
    return (
        ItemAudio.objects.select_related("asset", "item__unit")
        .filter(uuid=uuid, item__deleted_at__isnull=True)
        .first()
    )


def audio_for_editing(*, item: CitizenItem, language: str) -> ItemAudio | None:
    return ItemAudio.objects.select_related("asset").filter(item=item, language=language).first()


def items_for_editor(*, user, topic: str = "", status: str = "") -> QuerySet[CitizenItem]:
    items = (
        CitizenItem.objects.filter(deleted_at__isnull=True)
        .filter(scope_q(user, "unit__path"))
        .select_related("unit")
        .prefetch_related("translations", "audios")
        .annotate(views=Sum("reach__views"))
        .order_by("-updated_at", "-id")
    )
    if topic:
        items = items.filter(topic=topic)
    if status:
        items = items.filter(status=status)
    return items


def coverage(item: CitizenItem) -> list[Coverage]:
    """Each ethnic and foreign language with the state of the item's translation in it."""
    held = {t.language: t.status for t in item.translations.all()}
    audio = audio_states(item)
    return [
        Coverage(lang.code, lang.name, held.get(lang.code, ""), audio.get(lang.code, ""))
        for lang in CONTENT_LANGUAGES
        if lang.code != SOURCE_LANGUAGE
    ]


def item_for_editing(*, uuid) -> CitizenItem | None:
    return (
        CitizenItem.objects.select_related("unit", "legal_document")
        .prefetch_related("translations", "audios")
        .filter(uuid=uuid, deleted_at__isnull=True)
        .first()
    )


@dataclass
class Reach:
    total: int = 0
    by_province: list[tuple[str, str, int]] = field(default_factory=list)  # code, name, views
    by_language: list[tuple[str, str, int]] = field(default_factory=list)
    by_item: list[tuple[CitizenItem, int]] = field(default_factory=list)


def reach_summary(*, user, since: datetime.date | None = None) -> Reach:
    """Views of the items the editor covers, per province (of the chosen commune) and per
    language. Four queries."""
    rows = ItemReach.objects.filter(scope_q(user, "item__unit__path"), item__deleted_at=None)
    if since is not None:
        rows = rows.filter(month__gte=since.replace(day=1))
    reach = Reach(total=rows.aggregate(n=Sum("views"))["n"] or 0)
    provinces = list(
        rows.values("province_code").annotate(n=Sum("views")).order_by("-n", "province_code")
    )
    names = dict(
        Unit.objects.filter(code__in=[p["province_code"] for p in provinces if p["province_code"]])
        .filter(level=UnitLevel.PROVINCE)
        .values_list("code", "name")
    )
    reach.by_province = [
        (p["province_code"], names.get(p["province_code"], ""), p["n"]) for p in provinces
    ]
    reach.by_language = [
        (r["language"], BY_CODE[r["language"]].name if r["language"] in BY_CODE else "", r["n"])
        for r in rows.values("language").annotate(n=Sum("views")).order_by("-n", "language")
    ]
    per_item = dict(rows.values("item_id").annotate(n=Sum("views")).values_list("item_id", "n"))
    items = CitizenItem.objects.filter(pk__in=per_item).only("title", "uuid", "topic", "slug")
    reach.by_item = sorted(((i, per_item[i.pk]) for i in items), key=lambda p: -p[1])
    return reach


# --- market prices ----------------------------------------------------------------------------


def price_provinces() -> QuerySet[Unit]:
    """Provinces with at least one price, by name."""
    codes = MarketPrice.objects.values("province_id").distinct()
    return Unit.objects.filter(pk__in=codes).order_by("name")


@dataclass(frozen=True)
class LatestPrice:
    product: object
    market: str
    on: datetime.date
    price: int
    change: int | None  # against the market's previous price of the product

    @property
    def magnitude(self) -> int:
        return abs(self.change or 0)


def latest_prices(*, province: Unit) -> list[LatestPrice]:
    """Each product's latest price at each market of the province, with the change since the
    price before it. One query over the last four months."""
    since = today() - datetime.timedelta(days=120)
    rows = (
        MarketPrice.objects.filter(province=province, on__gte=since)
        .select_related("product")
        .order_by("product__order", "product_id", "market", "-on")
    )
    found: dict[tuple[int, str], list] = {}
    for row in rows:
        found.setdefault((row.product_id, row.market), []).append(row)
    latest = []
    for series in found.values():
        last = series[0]
        change = last.price - series[1].price if len(series) > 1 else None
        latest.append(LatestPrice(last.product, last.market, last.on, last.price, change))
    return latest


@dataclass
class PriceSeries:
    market: str
    points: list[tuple[datetime.date, int]]


def price_series(*, province: Unit, product, months: int = 6) -> list[PriceSeries]:
    """The product's prices at each market of the province over the last ``months``."""
    since = today() - datetime.timedelta(days=31 * months)
    series: dict[str, PriceSeries] = {}
    for market, on, price in (
        MarketPrice.objects.filter(province=province, product=product, on__gte=since)
        .order_by("market", "on")
        .values_list("market", "on", "price")
    ):
        series.setdefault(market, PriceSeries(market, [])).points.append((on, price))
    return list(series.values())


def prices_for_officer(*, user, province: Unit | None = None) -> QuerySet:
    rows = MarketPrice.objects.filter(scope_q(user, "province__path")).select_related(
        "product", "province", "entered_by"
    )
    if province is not None:
        rows = rows.filter(province=province)
    return rows.order_by("-on", "product__order", "market")


def officer_provinces(*, user) -> QuerySet[Unit]:
    return Unit.objects.filter(
        scope_q(user), valid_on_q(today()), level=UnitLevel.PROVINCE
    ).order_by("name")


# --- OCOP products ----------------------------------------------------------------------------


def ocop_published(*, group: str = "", province: Unit | None = None) -> QuerySet[OcopProduct]:
    products = (
        OcopProduct.objects.filter(publicly_visible_q())
        .select_related("unit", "commune")
        .prefetch_related("photo_set__asset__derivatives")
    )
    if group:
        products = products.filter(group=group)
    if province is not None:
        products = products.filter(unit=province)
    return products.order_by("-stars", "name")


def ocop_by_slug(*, slug: str) -> OcopProduct | None:
    return ocop_published().filter(slug=slug).first()


def ocop_provinces() -> QuerySet[Unit]:
    return Unit.objects.filter(
        pk__in=OcopProduct.objects.filter(publicly_visible_q()).values("unit_id")
    ).order_by("name")


def ocop_for_officer(*, user) -> QuerySet[OcopProduct]:
    return (
        OcopProduct.objects.filter(deleted_at__isnull=True)
        .filter(scope_q(user, "unit__path"))
        .select_related("unit")
        .order_by("-updated_at", "-id")
    )


def ocop_for_editing(*, uuid) -> OcopProduct | None:
    return (
        OcopProduct.objects.select_related("unit", "commune")
        .prefetch_related("photo_set__asset")
        .filter(uuid=uuid, deleted_at__isnull=True)
        .first()
    )


def ocop_photo_for_serving(*, pk: int, user) -> OcopPhoto | None:
    """A photo of a public product, or of one the signed-in officer may edit."""
    photo = (
        OcopPhoto.objects.select_related("product__unit", "asset")
        .filter(pk=pk, product__deleted_at__isnull=True)
        .first()
    )
    if photo is None:
        return None
    if photo.product.is_public or can_edit_ocop(user, photo.product):
        return photo
    return None


# --- reach on the programme dashboard --------------------------------------------------------


@dataclass
class ReachPanel:
    """Views, listens and shares of citizen information in a year, for the programme
    dashboard: a proxy (counts of requests, not of people reached)."""

    year: int
    scope: str  # "country", "province" or "below" (the counts are kept per province only)
    totals: dict[str, int] = field(default_factory=dict)
    by_province: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    by_language: list[tuple[str, dict[str, int]]] = field(default_factory=list)


def _sums(rows) -> dict[str, int]:
    return rows.aggregate(views=Sum("views"), listens=Sum("listens"), shares=Sum("shares"))


def reach_panel(*, unit: Unit, year: int) -> ReachPanel:
    """The counts of ``year`` for the whole country or one province (from the commune the
    reader chose; readers who chose none are counted for the country only). Four queries."""
    rows = ItemReach.objects.filter(month__year=year, item__deleted_at=None)
    if unit.level == UnitLevel.PROVINCE:
        rows = rows.filter(province_code=unit.code)
        scope = "province"
    elif unit.level == UnitLevel.COUNTRY:
        scope = "country"
    else:
        return ReachPanel(year=year, scope="below")
    panel = ReachPanel(year=year, scope=scope)
    panel.totals = {k: v or 0 for k, v in _sums(rows).items()}
    if scope == "country":
        per = {
            r["province_code"]: r
            for r in rows.values("province_code").annotate(
                v=Sum("views"), li=Sum("listens"), sh=Sum("shares")
            )
        }
        names = dict(
            Unit.objects.filter(
                code__in=[c for c in per if c], level=UnitLevel.PROVINCE
            ).values_list("code", "name")
        )
        panel.by_province = sorted(
            (
                (
                    names.get(code, code) if code else "",
                    {"views": r["v"] or 0, "listens": r["li"] or 0, "shares": r["sh"] or 0},
                )
                for code, r in per.items()
            ),
            key=lambda p: (-p[1]["views"], p[0]),
        )
    panel.by_language = [
        (
            BY_CODE[r["language"]].name if r["language"] in BY_CODE else r["language"],
            {"views": r["v"] or 0, "listens": r["li"] or 0, "shares": r["sh"] or 0},
        )
        for r in rows.values("language")
        .annotate(v=Sum("views"), li=Sum("listens"), sh=Sum("shares"))
        .order_by("-v", "language")
    ]
    return panel
