"""The heritage archive's records for the platform's OAI-PMH provider (``core.oai``).

Sets: ``heritage``, ``heritage:ethnic:<code>`` (ethnic group, Decision 1019/QĐ-TCTK code) and
``heritage:province:<code>`` (current province). Only what an anonymous visitor may see is
offered (``selectors.items_visible(AnonymousUser())``); an item the public saw once
(``first_published_at``) and no longer sees (withdrawn, deleted, moved under a community-only
protocol) is a deleted record.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef

from dantoc.core.oai import OaiRecord
from dantoc.geo.models import EthnicGroup, Unit
from dantoc.heritage.models import DC_TYPE, HeritageItem
from dantoc.heritage.selectors import items_visible, media_visible

PREFIX = "heritage"


def _candidates():
    public = items_visible(AnonymousUser()).filter(pk=OuterRef("pk"))
    return (
        HeritageItem.objects.filter(first_published_at__isnull=False)
        .annotate(open_to_all=Exists(public))
        .select_related("province", "commune")
        .prefetch_related("ethnic_groups")
        .order_by("updated_at", "id")
    )


def _sets(item: HeritageItem) -> tuple[str, ...]:
    specs = [PREFIX]
    specs += [f"{PREFIX}:ethnic:{g.code}" for g in item.ethnic_groups.all()]
    if item.province:
        specs.append(f"{PREFIX}:province:{item.province.code}")
    return tuple(specs)


def _record(item: HeritageItem) -> OaiRecord:
    if not item.open_to_all:
        # A deleted record names no group or province: a community-only item must not reveal
        # where it comes from. (Hence it is reported in the whole ``heritage`` set only.)
        return OaiRecord(
            local_id=str(item.uuid), datestamp=item.updated_at, sets=(PREFIX,), deleted=True
        )
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    formats = sorted(
        {
            m.asset.mime_type
            for m in media_visible(AnonymousUser()).filter(item=item).select_related("asset")
        }
    )
    groups = list(item.ethnic_groups.all())
    places = [p.name for p in (item.commune, item.province) if p]
    when = ""
    if item.lunar_month:
        when = f"tháng {item.lunar_month} âm lịch" + (
            f", ngày {item.lunar_day}" if item.lunar_day else ""
        )
    dc = {
        "title": [(item.title, item.language)],
        "creator": [item.creator],
        "subject": [s.strip() for s in item.subject.split(";") if s.strip()]
        + [f"Dân tộc {g.name}" for g in groups]
        + [item.get_kind_display()],
        "description": [(item.description, item.language)],
        "publisher": ["Ủy ban Dân tộc — dantoc"],
        "contributor": [item.community],
        "date": [item.date or (item.first_published_at.date().isoformat())],
        "type": [DC_TYPE.get(item.kind, "Event")],
        "format": formats,
        "identifier": [f"{base}/di-san/{item.uuid}/"],
        "language": [item.language],
        "coverage": [
            *places,
            item.get_season_display() if item.season else "",
            when,
            item.time_note,
        ],
        "rights": [item.rights, item.licence],
    }
    return OaiRecord(local_id=str(item.uuid), datestamp=item.updated_at, sets=_sets(item), dc=dc)


def records(*, since=None, until=None, set_spec=None):
    items = _candidates()
    if since is not None:
        items = items.filter(updated_at__gte=since)
    if until is not None:
        items = items.filter(updated_at__lte=until)
    if set_spec and set_spec != PREFIX:
        _p, _sep, rest = set_spec.partition(":")
        facet, _sep, code = rest.partition(":")
        items = items.filter(open_to_all=True)
        if facet == "ethnic":
            items = items.filter(ethnic_groups__code=code) if code else items
        elif facet == "province":
            items = items.filter(province__code=code) if code else items.exclude(province=None)
        else:
            return []
        items = items.distinct()
    return (_record(item) for item in items.iterator(chunk_size=200))


def record(local_id: str) -> OaiRecord | None:
    item = _candidates().filter(uuid=local_id).first() if _is_uuid(local_id) else None
    return None if item is None else _record(item)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def sets() -> list[tuple[str, str]]:
    """Sets of groups and provinces that have at least one item the public saw."""
    seen = HeritageItem.objects.filter(first_published_at__isnull=False)
    found = [(PREFIX, "Di sản văn hoá các dân tộc / heritage archive")]
    found.append((f"{PREFIX}:ethnic", "Theo dân tộc / by ethnic group"))
    for group in EthnicGroup.objects.filter(pk__in=seen.values("ethnic_groups")).order_by("code"):
        found.append((f"{PREFIX}:ethnic:{group.code}", f"Dân tộc {group.name}"))
    found.append((f"{PREFIX}:province", "Theo tỉnh / by province"))
    for unit in Unit.objects.filter(pk__in=seen.values("province")).order_by("code"):
        found.append((f"{PREFIX}:province:{unit.code}", unit.name))
    return found
