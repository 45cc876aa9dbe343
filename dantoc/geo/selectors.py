"""Reads of administrative units. Pages, the API and later apps all go through these."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dantoc.core.text import fold, phrase_q, search_words
from dantoc.geo.models import (
    LEVEL_DEPTH,
    AreaClassification,
    EthnicGroup,
    Unit,
    UnitKind,
    UnitLevel,
    UnitSuccession,
)


def today() -> datetime.date:
    return timezone.localdate()


def valid_on_q(as_of: datetime.date, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": as_of})
    ) & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": as_of}))


def units_valid_on(*, as_of: datetime.date | None = None) -> QuerySet[Unit]:
    return Unit.objects.filter(valid_on_q(as_of or today()))


def unit_country() -> Unit:
    return Unit.objects.get(level=UnitLevel.COUNTRY, valid_to__isnull=True)


def unit_get(*, code: str, as_of: datetime.date | None = None) -> Unit | None:
    """The unit with ``code`` in force on ``as_of``.

    Without a date: the unit in force today, or else the most recent unit that had the code
    (so a link to a province abolished in 2025 still finds it).
    """
    units = Unit.objects.select_related("parent").filter(code=code)
    if as_of is not None:
        return units.filter(valid_on_q(as_of)).first()
    current = units.filter(valid_on_q(today())).first()
    if current is not None:
        return current
    return units.exclude(valid_to__isnull=True).order_by("-valid_to").first()


def unit_ancestors(unit: Unit) -> list[Unit]:
    """The chain from the country down to the unit's parent, in one query."""
    ids = unit.ancestor_ids()
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def unit_children(*, unit: Unit, as_of: datetime.date | None = None) -> QuerySet[Unit]:
    children = unit.children.all()
    if as_of is not None:
        children = children.filter(valid_on_q(as_of))
    return children.order_by("code")


def unit_predecessors(unit: Unit) -> QuerySet[UnitSuccession]:
    return (
        UnitSuccession.objects.filter(successor=unit)
        .select_related("predecessor", "predecessor__parent")
        .order_by("predecessor__code")
    )


def unit_successors(unit: Unit) -> QuerySet[UnitSuccession]:
    return (
        UnitSuccession.objects.filter(predecessor=unit)
        .select_related("successor", "successor__parent")
        .order_by("successor__code")
    )


def unit_classifications(unit: Unit) -> QuerySet[AreaClassification]:
    return unit.classifications.order_by("scheme", "village_name", "valid_from")


def units_search(
    *,
    q: str = "",
    as_of: datetime.date | None = None,
    level: str | None = None,
    parent: Unit | None = None,
) -> QuerySet[Unit]:
    """Units matching ``q`` by code or by name typed with or without diacritics."""
    units = Unit.objects.select_related("parent")
    if as_of is not None:
        units = units.filter(valid_on_q(as_of))
    if level:
        units = units.filter(level=level)
    if parent is not None:
        units = units.filter(parent=parent)
    q = q.strip()
    if q:
        units = units.filter(Q(code=q) | Q(search_name__contains=fold(q)))
    return units.order_by("level", "code", "valid_to")


@dataclass(frozen=True)
class LevelCount:
    level: str
    label: str
    kind: str
    kind_label: str
    count: int


def unit_counts(*, as_of: datetime.date) -> list[LevelCount]:
    """How many units of each level and kind are in force on ``as_of``."""
    rows = (
        units_valid_on(as_of=as_of)
        .exclude(level=UnitLevel.COUNTRY)
        .values("level", "kind")
        .annotate(n=Count("id"))
        .order_by("level", "kind")
    )
    result = [
        LevelCount(
            level=r["level"],
            label=UnitLevel(r["level"]).label,
            kind=r["kind"],
            kind_label=UnitKind(r["kind"]).label,
            count=r["n"],
        )
        for r in rows
    ]
    return sorted(result, key=lambda c: (LEVEL_DEPTH[UnitLevel(c.level)], -c.count))


def ethnic_groups_search(*, q: str = "") -> QuerySet[EthnicGroup]:
    """Groups by code or by any of their names, typed with or without diacritics or hyphens,
    as whole words ("Ede", "Rade", "Ê Đê" find Ê-đê; "de" alone does not)."""
    groups = EthnicGroup.objects.all()
    q = q.strip()
    if q:
        words = search_words(q)
        by_name = phrase_q(words, "search_name") if words else Q(pk__in=[])
        groups = groups.filter(Q(code=q) | Q(code_1979=q) | by_name)
    return groups.order_by("code")


def _group_spellings(group: EthnicGroup) -> list[list[str]]:
    return [name.split() for name in group.search_name.split(";") if name.strip()]


def ethnic_spellings(q: str) -> list[list[str]]:
    """The query's folded words, and the same query with each ethnic group name it contains
    written in the group's other spellings: "nguoi ede" also as "nguoi e de", "nguoi rade",
    "nguoi rhade"… so a search of content finds an item whatever spelling its author chose.
    One query (the 54 groups)."""
    words = search_words(q)
    if not words:
        return []
    variants = [words]
    for group in EthnicGroup.objects.only("search_name"):
        spellings = _group_spellings(group)
        for spelling in spellings:
            n = len(spelling)
            starts = [i for i in range(len(words) - n + 1) if words[i : i + n] == spelling]
            for i in starts:
                for other in spellings:
                    variant = words[:i] + other + words[i + n :]
                    if variant not in variants:
                        variants.append(variant)
    return variants
