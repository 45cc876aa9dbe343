"""Reads of the expert database. Pages, the API, exports, JSON-LD and matching all start from
``experts_visible_to``, so a withdrawn consent or a deletion request hides a profile from all
of them at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import (
    Avg,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext as _

from dantoc.core.languages import BY_CODE
from dantoc.core.text import search_words
from dantoc.experts import permissions
from dantoc.experts.models import (
    LEVEL_WEIGHT,
    Availability,
    Expert,
    ExpertiseField,
)
from dantoc.geo.models import EthnicGroup, Unit
from dantoc.geo.selectors import units_valid_on
from dantoc.programmes.models import Component
from dantoc.reporting.models import DataValue

# The content language spoken by each ethnic group (codes of QĐ 1019/QĐ-TCTK), so that a
# sub-project among Ê Đê people finds Ê Đê speakers. Source: dantoc/core/languages.py (the
# languages) and data/ethnic_groups/ethnic_groups.csv (the groups).
LANGUAGE_OF_GROUP = {
    "02": "tyz",  # Tày
    "03": "blt",  # Thái
    "04": "mtq",  # Mường
    "05": "km",  # Khơ-me
    "07": "nut",  # Nùng
    "08": "hmn",  # Mông
    "09": "ium",  # Dao
    "10": "jra",  # Gia-rai
    "11": "rad",  # Ê-đê
    "12": "bdq",  # Ba-na
    "14": "cjm",  # Chăm
}

LIST_FIELDS = (
    "id",
    "uuid",
    "full_name",
    "organisation",
    "position",
    "availability",
    "verified_at",
    "photo_id",
    "field_codes",
    "province_codes",
    "language_codes",
)


def _not_hidden() -> Q:
    return Q(consent_withdrawn_at__isnull=True, deletion_requested_at__isnull=True)


def experts_public() -> QuerySet[Expert]:
    """Profiles the expert chose to publish (the public directory, API, JSON-LD)."""
    return Expert.objects.filter(_not_hidden(), consent_public=True, consent_at__isnull=False)


def experts_for_officials() -> QuerySet[Expert]:
    """Profiles officials may find: not withdrawn, not awaiting deletion (an entered or
    imported profile not yet consented to shows without its restricted part)."""
    return Expert.objects.filter(_not_hidden())


def experts_visible_to(user) -> QuerySet[Expert]:
    if permissions.is_official(user):
        return experts_for_officials()
    return experts_public()


def expert_get_visible(*, user, uuid) -> Expert | None:
    """One profile as ``user`` may see it (the expert always sees their own)."""
    expert = Expert.objects.select_related("photo", "verified_by", "user").filter(uuid=uuid).first()
    if expert is None:
        return None
    if permissions.is_own(user, expert):
        return expert
    if experts_visible_to(user).filter(pk=expert.pk).exists():
        return expert
    return None


def expert_of_user(user) -> Expert | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Expert.objects.select_related("photo").filter(user=user).first()


@dataclass
class SearchParams:
    q: str = ""
    field: str = ""
    province: str = ""
    ethnic_group: str = ""
    language: str = ""
    availability: str = ""
    verified: bool = False


def _token(code: str) -> str:
    return f" {code.strip()} "


def experts_search(queryset: QuerySet[Expert], params: SearchParams) -> QuerySet[Expert]:
    """Words (folded, whole syllables: "ede" finds "Ê Đê", "y te" does not find "quy") and
    filters, over the facet codes kept on each row (one table, no joins)."""
    qs = queryset
    for word in search_words(params.q):
        # search_text is " word word … " (services.search_text_of), so a whole folded word is
        # " word ": one LIKE per word, the same on SQLite and PostgreSQL. Letters of scripts
        # without spaces between words (Khmer, Tai Viet) are matched as a substring.
        plain = word.isascii()
        qs = qs.filter(search_text__contains=f" {word} " if plain else word)
    if params.field:
        qs = qs.filter(field_codes__contains=_token(params.field))
    if params.province:
        qs = qs.filter(province_codes__contains=_token(params.province))
    if params.ethnic_group:
        qs = qs.filter(ethnic_codes__contains=_token(params.ethnic_group))
    if params.language:
        qs = qs.filter(language_codes__contains=_token(params.language))
    if params.availability:
        qs = qs.filter(availability=params.availability)
    if params.verified:
        qs = qs.filter(verified_at__isnull=False)
    # Verified first on both databases (PostgreSQL puts NULLs first in a descending order).
    return qs.order_by(F("verified_at").desc(nulls_last=True), "full_name", "pk")


def expert_detail_parts(expert: Expert) -> dict:
    """The lists a profile page shows, in a fixed number of queries."""
    return {
        "fields": list(expert.fields.select_related("parent")),
        "provinces": list(expert.provinces.all()),
        "communes": list(expert.communes.all()),
        "ethnic_groups": list(expert.ethnic_groups.all()),
        "languages": [
            (BY_CODE[x.code], x.get_level_display(), x.level) for x in expert.languages.all()
        ],
        "activities": list(expert.activities.all()),
        "engagements": list(
            expert.engagements.select_related("component", "unit").order_by("-started_on")
        ),
    }


def engagement_summary(expert: Expert) -> dict:
    return expert.engagements.aggregate(count=Count("id"), rating=Avg("rating"))


def fields_tree() -> list[ExpertiseField]:
    return list(ExpertiseField.objects.select_related("parent", "component").order_by("order"))


# --- matching ----------------------------------------------------------------------------------


@dataclass
class Match:
    expert_id: int
    uuid: str
    full_name: str
    organisation: str
    score: int
    reasons: list[str] = field(default_factory=list)
    verified: bool = False
    availability: str = ""


@dataclass
class MatchRequest:
    component: object  # programmes.Component (a project or sub-project)
    province: Unit
    ethnic_groups: list[EthnicGroup] = field(default_factory=list)
    # "chosen" by the officer, or taken from the province's "figures" (ethnic_groups_of_province)
    groups_source: str = "chosen"


# Project 1's household figures are broken down by ethnic group (category DAN_TOC in
# data/indicators/ntp1719.json): the groups whose households the communes of a province
# reported support for are the groups living there, as far as the programme's figures know.
GROUP_FIGURES = ("DA1_HO_DAT_O", "DA1_HO_NHA_O", "DA1_HO_DAT_SX", "DA1_HO_NUOC")
KINH = "01"  # the majority group: not one the programme's ethnic-minority matching is about


def ethnic_groups_of_province(province: Unit) -> list[EthnicGroup]:
    """The ethnic minority groups with households in the province's reported figures (any
    period, values not deleted and above zero), by name; [] when nothing was reported."""
    keys = (
        DataValue.objects.filter(
            indicator__code__in=GROUP_FIGURES,
            unit__path__startswith=province.path,
            deleted=False,
            numeric__gt=0,
        )
        .values_list("options_key", flat=True)
        .distinct()
    )
    codes = set()
    for key in keys:
        for part in key.split(";"):
            category, _sep, option = part.partition("=")
            if category == "DAN_TOC" and option != KINH:
                codes.add(option)
    return list(EthnicGroup.objects.filter(code__in=codes).order_by("name"))


def _field_codes_for(component) -> tuple[set[str], set[str]]:
    """(codes of the fields of the component itself, codes of its project's fields)."""
    fields = list(ExpertiseField.objects.filter(component=component))
    exact = {f.code for f in fields}
    project_code = component.code.split(".")[0]
    broader = {project_code} - exact
    return exact, broader


def experts_match(*, user, request: MatchRequest, limit: int = 20) -> list[Match]:
    """Rank the experts ``user`` may see for a sub-project in a province, with the reasons in
    words: "nói tiếng Ê Đê; đã làm ở Đắk Lắk; lĩnh vực DA1".

    Points: field of the sub-project 4 (of its project 2); a language of the ethnic groups
    there, by level (native 4 … basic 1); worked with one of those groups 2; worked in the
    province 3; verified 1; available 1, limited 0, unavailable −3; engagements evaluated 4
    or more on average 1. The score is computed by the database from the facet columns of
    each row (one query, ordered and cut to ``limit``); the reasons are written for those
    rows only."""
    exact, broader = _field_codes_for(request.component)
    groups = request.ethnic_groups
    languages = sorted({LANGUAGE_OF_GROUP[g.code] for g in groups if g.code in LANGUAGE_OF_GROUP})
    province = _token(request.province.code)
    condition = Q(province_codes__contains=province)
    for code in exact | broader:
        condition |= Q(field_codes__contains=_token(code))
    for g in groups:
        condition |= Q(ethnic_codes__contains=_token(g.code))
    for lang in languages:
        condition |= Q(language_codes__contains=_token(lang))

    def any_of(column: str, codes) -> Q:
        found = Q(pk__in=[])
        for code in codes:
            found |= Q(**{f"{column}__contains": _token(code)})
        return found

    zero = Value(0)
    parts = [
        Case(When(province_codes__contains=province, then=Value(3)), default=zero),
        Case(When(any_of("ethnic_codes", [g.code for g in groups]), then=Value(2)), default=zero),
        Case(
            When(any_of("field_codes", exact), then=Value(4)),
            When(any_of("field_codes", broader), then=Value(2)),
            default=zero,
        ),
        Case(When(verified_at__isnull=False, then=Value(1)), default=zero),
        Case(
            When(availability=Availability.AVAILABLE, then=Value(1)),
            When(availability=Availability.UNAVAILABLE, then=Value(-3)),
            default=zero,
        ),
        Case(When(rating_avg__gte=4, then=Value(1)), default=zero),
    ]
    for lang in languages:
        parts.append(
            Case(
                *(
                    When(language_codes__contains=_token(f"{lang}:{level}"), then=Value(weight))
                    for level, weight in LEVEL_WEIGHT.items()
                ),
                default=zero,
            )
        )
    score = parts[0]
    for part in parts[1:]:
        score = score + part
    rows = list(
        experts_visible_to(user)
        .filter(condition)
        .annotate(score=ExpressionWrapper(score, output_field=IntegerField()))
        .order_by("-score", "full_name", "pk")
        .values(
            "id",
            "uuid",
            "full_name",
            "organisation",
            "availability",
            "verified_at",
            "field_codes",
            "province_codes",
            "ethnic_codes",
            "language_codes",
            "rating_avg",
            "score",
        )[:limit]
    )
    group_names = {g.code: g.name for g in groups}
    province_name = request.province.short_name or request.province.name
    matches = []
    for r in rows:
        reasons = []
        for lang in languages:
            for level in LEVEL_WEIGHT:
                if _token(f"{lang}:{level}") in r["language_codes"]:
                    reasons.append(
                        _("nói tiếng %(language)s (%(level)s)")
                        % {
                            "language": BY_CODE[lang].name.removeprefix("Tiếng ").strip(),
                            "level": _level_word(level),
                        }
                    )
        if province in r["province_codes"]:
            reasons.append(_("đã làm ở %(province)s") % {"province": province_name})
        hit_groups = [n for c, n in group_names.items() if _token(c) in r["ethnic_codes"]]
        if hit_groups:
            reasons.append(_("đã làm với đồng bào %(groups)s") % {"groups": ", ".join(hit_groups)})
        hits = sorted(c for c in exact if _token(c) in r["field_codes"]) or sorted(
            c for c in broader if _token(c) in r["field_codes"]
        )
        if hits:
            reasons.append(_("lĩnh vực %(code)s") % {"code": ", ".join(hits)})
        if r["verified_at"] is not None:
            reasons.append(_("đã xác minh"))
        if r["availability"] == Availability.UNAVAILABLE:
            reasons.append(_("hiện không nhận việc"))
        if r["rating_avg"] is not None and r["rating_avg"] >= 4:
            reasons.append(
                _("được đánh giá tốt (%(r)s/5)") % {"r": f"{r['rating_avg']:.1f}".replace(".", ",")}
            )
        matches.append(
            Match(
                expert_id=r["id"],
                uuid=str(r["uuid"]),
                full_name=r["full_name"],
                organisation=r["organisation"],
                score=r["score"],
                reasons=reasons,
                verified=r["verified_at"] is not None,
                availability=r["availability"],
            )
        )
    return matches


def _level_word(level: str) -> str:
    from dantoc.experts.models import LanguageLevel

    return str(LanguageLevel(level).label).lower()


def component_choices():
    """Projects and sub-projects of the programme the taxonomy is tied to."""

    def key(component):
        return tuple(int(x) for x in component.code.removeprefix("DA").split(".") if x.isdigit())

    return sorted(
        Component.objects.filter(
            programme__code="CTMTQG-1719", level__in=["project", "subproject"]
        ),
        key=key,
    )


def provinces_current() -> QuerySet[Unit]:
    return units_valid_on().filter(level="province").order_by("name")
