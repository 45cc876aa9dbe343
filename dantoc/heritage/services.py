"""Writes of the heritage archive: items (through the editorial workflow), their media files
(through the media pipeline), cultural protocols and their members, the digitisation plan.
Every write is audited; the public view of an item changes only through
``editorial.services`` (submit, publish by a second person, withdraw, delete)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dantoc.audit.services import audit_record, snapshot
from dantoc.core.events import announce
from dantoc.core.text import fold, index_words
from dantoc.editorial import revisions, workflows
from dantoc.editorial import services as editorial
from dantoc.editorial.models import Status
from dantoc.geo.models import EthnicGroup, Unit, UnitLevel
from dantoc.geo.selectors import unit_successors
from dantoc.heritage import permissions
from dantoc.heritage.models import (
    HeritageItem,
    HeritageMedia,
    HeritageWord,
    InventoryEntry,
    Membership,
    Protocol,
    Sharing,
)
from dantoc.media.models import MediaKind
from dantoc.media.services import asset_upload

CHANGED = "heritage.item_changed"
INVENTORY_CHANGED = "heritage.inventory_changed"
MEDIA_KINDS = (MediaKind.IMAGE, MediaKind.AUDIO, MediaKind.VIDEO, MediaKind.DOCUMENT)

ITEM_FIELDS = [
    "kind",
    "title",
    "description",
    "creator",
    "subject",
    "date",
    "language",
    "rights",
    "licence",
    "commune",
    "season",
    "lunar_month",
    "lunar_day",
    "time_note",
    "community",
    "performers",
    "performers_consent",
    "sharing",
]


def _snapshot(item: HeritageItem) -> dict[str, Any]:
    return snapshot(item, [*ITEM_FIELDS, "status", "ethnic_groups", "protocols"])


def province_of(unit: Unit | None) -> Unit | None:
    """The current province of a unit. A commune closed by the 2025 reorganisation counts
    under the province of the commune that succeeded it (as the reporting roll-ups do)."""
    if unit is None:
        return None
    if unit.valid_to is not None:
        succession = unit_successors(unit).first()
        if succession is not None:
            unit = succession.successor
    if unit.level == UnitLevel.PROVINCE:
        return unit
    ancestors = Unit.objects.filter(pk__in=unit.ancestor_ids(), level=UnitLevel.PROVINCE)
    return ancestors.order_by("-valid_from").first()


def _search_text(item: HeritageItem, groups) -> str:
    parts = [
        item.title,
        item.description,
        item.subject,
        item.community,
        item.get_kind_display(),
        item.commune.name if item.commune else "",
        item.province.name if item.province else "",
        *(g.name for g in groups),
        *(g.other_names for g in groups),
    ]
    return fold(" ".join(p for p in parts if p))


TITLE_WEIGHT = 10


def protocol_signature(protocol_ids) -> str:
    """The ids as ``HeritageItem.protocol_ids`` keeps them: sorted, ",3,7,"; "" for none."""
    ids = sorted({int(pk) for pk in protocol_ids})
    return "," + ",".join(map(str, ids)) + "," if ids else ""


def item_protocols_set(item: HeritageItem, protocols) -> None:
    """Set the item's protocols and the signature the visibility rule reads, together."""
    protocols = list(protocols)
    item.protocols.set(protocols)
    item.protocol_ids = protocol_signature(p.pk for p in protocols)
    item.save(update_fields=["protocol_ids"])


def item_word_weights(title: str, search_text: str) -> Counter:
    """The item's words and weights for ``HeritageWord``: each occurrence in the searchable
    text counts one, each in the title ``TITLE_WEIGHT`` more."""
    weights = Counter(index_words(search_text))
    for word in index_words(title):
        weights[word] += TITLE_WEIGHT
    return weights


def item_words_write(item: HeritageItem) -> int:
    """Rewrite the item's rows of the word index (in the caller's transaction). Not
    audited: it derives from the audited write that called it. Returns the rows written."""
    HeritageWord.objects.filter(item_id=item.pk).delete()
    rows = [
        HeritageWord(word=word, item_id=item.pk, weight=weight)
        for word, weight in item_word_weights(item.title, item.search_text).items()
    ]
    HeritageWord.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@dataclass
class ItemData:
    kind: str
    title: str
    description: str
    ethnic_groups: list = field(default_factory=list)
    protocols: list = field(default_factory=list)
    sharing: str = Sharing.ANY
    creator: str = ""
    subject: str = ""
    date: str = ""
    language: str = "vi"
    rights: str = ""
    licence: str = "CC BY-NC 4.0"
    commune: Unit | None = None
    season: str = ""
    lunar_month: int | None = None
    lunar_day: int | None = None
    time_note: str = ""
    community: str = ""
    performers: str = ""
    performers_consent: bool = False


def _check(data: ItemData) -> None:
    errors = {}
    if not data.ethnic_groups:
        errors["ethnic_groups"] = _("Chọn ít nhất một dân tộc.")
    if not data.protocols:
        errors["protocols"] = _("Chọn ít nhất một giao thức văn hoá (ai được xem tư liệu).")
    if data.performers.strip() and not data.performers_consent:
        errors["performers"] = _(
            "Chỉ ghi tên người trình diễn khi họ đã đồng ý; đánh dấu ô đồng ý hoặc bỏ tên."
        )
    if data.lunar_day and not data.lunar_month:
        errors["lunar_month"] = _("Ngày âm lịch cần có tháng âm lịch.")
    if errors:
        raise ValidationError(errors)


def _apply(item: HeritageItem, data: ItemData) -> None:
    for name in ITEM_FIELDS:
        setattr(item, name, getattr(data, name))
    item.province = province_of(data.commune) or province_of(item.unit)


def item_create(*, actor, unit: Unit, data: ItemData) -> HeritageItem:
    item = HeritageItem(unit=unit)
    if not permissions.can_edit_item(actor, item):
        raise PermissionDenied
    _check(data)
    with transaction.atomic():
        _apply(item, data)
        item.created_by = actor
        item.updated_at = timezone.now()
        item.search_text = _search_text(item, data.ethnic_groups)
        item.full_clean(exclude=["search_text"])
        item.save()
        item.ethnic_groups.set(data.ethnic_groups)
        item_protocols_set(item, data.protocols)
        item_words_write(item)
        audit_record(
            actor=actor,
            action="heritage.item_create",
            obj=item,
            unit=unit,
            after=_snapshot(item),
        )
    return item


def _revising(actor, item: HeritageItem) -> bool:
    """Does a change by ``actor`` go to the item's revision rather than to the item? (A
    published item keeps what the public sees until a second person approves the change.)"""
    if actor is None or item.deleted_at is not None:
        return False
    return item.status == Status.PUBLISHED or revisions.revision_open(item) is not None


def _state_of_data(data: ItemData) -> dict[str, Any]:
    state = {name: getattr(data, name) for name in ITEM_FIELDS if name != "commune"}
    state["commune"] = data.commune.pk if data.commune else None
    state["ethnic_groups"] = sorted(g.pk for g in data.ethnic_groups)
    state["protocols"] = sorted(p.pk for p in data.protocols)
    return state


def _item_state(item: HeritageItem) -> dict[str, Any]:
    """The item's editable state as JSON (what a revision holds)."""
    state = {name: getattr(item, name) for name in ITEM_FIELDS if name != "commune"}
    state["commune"] = item.commune_id
    state["ethnic_groups"] = sorted(item.ethnic_groups.values_list("pk", flat=True))
    state["protocols"] = sorted(item.protocols.values_list("pk", flat=True))
    return state


def item_data_of_state(state: dict[str, Any]) -> ItemData:
    """A revision's state as the form and the services take it."""
    values = {name: state.get(name) for name in ITEM_FIELDS if name != "commune"}
    return ItemData(
        **values,
        commune=Unit.objects.filter(pk=state.get("commune")).first()
        if state.get("commune")
        else None,
        ethnic_groups=list(EthnicGroup.objects.filter(pk__in=state.get("ethnic_groups") or [])),
        protocols=list(Protocol.objects.filter(pk__in=state.get("protocols") or [])),
    )


def _item_apply(*, actor, item: HeritageItem, data: dict[str, Any]) -> None:
    """An approved revision becomes what the public sees (inside ``revision_approve``)."""
    values = item_data_of_state(data)
    _apply(item, values)
    item.updated_at = timezone.now()
    item.search_text = _search_text(item, values.ethnic_groups)
    item.save()
    item.ethnic_groups.set(values.ethnic_groups)
    item_protocols_set(item, values.protocols)
    item_words_write(item)
    transaction.on_commit(lambda: announce(CHANGED, uuid=str(item.uuid)))


def _display(key: str, value: Any) -> str:
    if key == "ethnic_groups":
        return ", ".join(
            EthnicGroup.objects.filter(pk__in=value or []).values_list("name", flat=True)
        )
    if key == "protocols":
        return ", ".join(Protocol.objects.filter(pk__in=value or []).values_list("name", flat=True))
    if key == "commune":
        unit = Unit.objects.filter(pk=value).first() if value else None
        return f"{unit.name} ({unit.code})" if unit else ""
    if isinstance(value, bool):
        return _("có") if value else _("không")
    if key in ITEM_FIELDS and HeritageItem._meta.get_field(key).choices and value:
        # kind, season, sharing, licence…: the label a reviewer reads, not the stored code.
        labels = dict(HeritageItem._meta.get_field(key).flatchoices)
        return str(labels.get(value, value))
    return "" if value is None else str(value)


REVISION_FIELDS = [
    *[(name, HeritageItem._meta.get_field(name).verbose_name) for name in ITEM_FIELDS],
    ("ethnic_groups", gettext_lazy("dân tộc")),
    ("protocols", gettext_lazy("giao thức văn hoá")),
]


def item_update(*, actor, item: HeritageItem, data: ItemData) -> HeritageItem:
    """Change an item. A published item (or one with a change waiting) keeps what the public
    sees: the change waits as a revision (``editorial.revisions``) until a second person
    approves it; a draft is changed in place."""
    if not permissions.can_edit_item(actor, item):
        raise PermissionDenied
    _check(data)
    with transaction.atomic():
        item = HeritageItem.objects.select_for_update().get(pk=item.pk)
        if _revising(actor, item):
            revisions.revision_write(actor=actor, item=item, data=_state_of_data(data))
            return item
        before = _snapshot(item)
        _apply(item, data)
        item.updated_at = timezone.now()
        item.search_text = _search_text(item, data.ethnic_groups)
        item.full_clean(exclude=["search_text"])
        item.save()
        item.ethnic_groups.set(data.ethnic_groups)
        item_protocols_set(item, data.protocols)
        item_words_write(item)
        audit_record(
            actor=actor,
            action="heritage.item_update",
            obj=item,
            unit=item.unit,
            before=before,
            after=_snapshot(item),
        )
        transaction.on_commit(lambda: announce(CHANGED, uuid=str(item.uuid)))
    return item


def media_add(
    *,
    actor,
    item: HeritageItem,
    file,
    caption: str = "",
    protocols=None,
    sharing: str = Sharing.ANY,
) -> HeritageMedia:
    """Keep a file of the item (checked by content and size by the media pipeline, which
    makes its derivatives in the background). Without protocols the file takes the item's."""
    if not permissions.can_edit_item(actor, item):
        raise PermissionDenied
    chosen = list(protocols) if protocols else list(item.protocols.all())
    with transaction.atomic():
        asset = asset_upload(
            actor=actor, file=file, allowed_kinds=MEDIA_KINDS, owner_unit=item.unit
        )
        media = HeritageMedia.objects.create(
            item=item,
            asset=asset,
            caption=caption[:300],
            sharing=sharing,
            position=item.media.count(),
        )
        media.protocols.set(chosen)
        HeritageItem.objects.filter(pk=item.pk).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="heritage.media_add",
            obj=media,
            unit=item.unit,
            after={
                "item": str(item.uuid),
                "asset": str(asset.uuid),
                "kind": asset.kind,
                "protocols": [p.slug for p in chosen],
                "sharing": sharing,
            },
        )
    return media


def media_remove(*, actor, media: HeritageMedia) -> None:
    item = media.item
    if not permissions.can_edit_item(actor, item):
        raise PermissionDenied
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="heritage.media_remove",
            obj=media,
            unit=item.unit,
            before={"item": str(item.uuid), "asset": str(media.asset.uuid)},
        )
        media.delete()
        HeritageItem.objects.filter(pk=item.pk).update(updated_at=timezone.now())


def protocol_create(
    *,
    actor,
    slug: str,
    name: str,
    kind: str,
    community: str = "",
    notice: str = "",
    ethnic_group=None,
    stewards=(),
    months=(),
) -> Protocol:
    if actor is not None and not permissions.can_create_protocol(actor):
        raise PermissionDenied
    chosen = sorted({int(m) for m in months})
    if any(not 1 <= m <= 12 for m in chosen):
        raise ValidationError({"months": _("Tháng phải từ 1 đến 12.")})
    with transaction.atomic():
        protocol = Protocol(
            slug=slug,
            name=name,
            kind=kind,
            community=community,
            notice=notice,
            ethnic_group=ethnic_group,
            months="," + ",".join(str(m) for m in chosen) + "," if chosen else "",
        )
        protocol.full_clean()
        protocol.save()
        for user in stewards:
            Membership.objects.create(protocol=protocol, user=user, is_steward=True)
        audit_record(
            actor=actor,
            action="heritage.protocol_create",
            obj=protocol,
            after={
                "slug": slug,
                "kind": kind,
                "stewards": [u.username for u in stewards],
            },
        )
    return protocol


def member_add(*, actor, protocol: Protocol, user, steward: bool = False) -> Membership:
    """Add a member (idempotent: adding twice keeps one membership)."""
    if not permissions.can_steward(actor, protocol):
        raise PermissionDenied
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            protocol=protocol, user=user, defaults={"is_steward": steward}
        )
        if not created and steward and not membership.is_steward:
            membership.is_steward = True
            membership.save(update_fields=["is_steward"])
        audit_record(
            actor=actor,
            action="heritage.member_add",
            obj=protocol,
            after={"user": user.username, "steward": membership.is_steward, "new": created},
        )
    return membership


def member_remove(*, actor, protocol: Protocol, user) -> bool:
    if not permissions.can_steward(actor, protocol):
        raise PermissionDenied
    with transaction.atomic():
        deleted, _rows = Membership.objects.filter(protocol=protocol, user=user).delete()
        audit_record(
            actor=actor,
            action="heritage.member_remove",
            obj=protocol,
            before={"user": user.username},
            after={"removed": bool(deleted)},
        )
    return bool(deleted)


def inventory_entry_upsert(
    *, actor, province: Unit, ethnic_group, name: str, kind: str, target_year: int, item=None
) -> InventoryEntry:
    """Add a festival or custom to a province's plan, or change it (same province, ethnic
    group and name: one entry whatever the retries)."""
    if actor is not None and not permissions.can_edit_inventory(actor, province):
        raise PermissionDenied
    if not name.strip():
        raise ValidationError({"name": _("Cần tên lễ hội hoặc phong tục.")})
    with transaction.atomic():
        entry, created = InventoryEntry.objects.update_or_create(
            province=province,
            ethnic_group=ethnic_group,
            name=name,
            defaults={"kind": kind, "target_year": target_year, "item": item},
        )
        audit_record(
            actor=actor,
            action="heritage.inventory_upsert",
            obj=entry,
            unit=province,
            after={"name": name, "item": str(item.uuid) if item else None, "new": created},
        )
        announce(INVENTORY_CHANGED, province_id=province.pk)
    return entry


def inventory_entry_delete(*, actor, entry: InventoryEntry) -> None:
    """Take a festival or custom out of its province's plan (audited; figures recounted)."""
    if actor is not None and not permissions.can_edit_inventory(actor, entry.province):
        raise PermissionDenied
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="heritage.inventory_delete",
            obj=entry,
            unit=entry.province,
            before={"name": entry.name, "ethnic_group": entry.ethnic_group.code},
        )
        province_id = entry.province_id
        entry.delete()
        announce(INVENTORY_CHANGED, province_id=province_id)


def protocol_slug(name: str) -> str:
    """A free address-safe code for a new protocol, made from its name."""
    base = "-".join(index_words(name))[:50].strip("-") or "giao-thuc"
    slug, n = base, 1
    while Protocol.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


revisions.register(
    revisions.RevisionHandler(
        model=HeritageItem,
        app="heritage",
        kind="item",
        state=_item_state,
        apply=_item_apply,
        fields=REVISION_FIELDS,
        display=_display,
        files=lambda state: set(),
        delete_file=lambda name: None,
        can_edit=lambda user, item, data: permissions.can_edit_item(user, item),
        reviewers=lambda item, actor: editorial.reviewers(item, exclude=actor),
        notify=editorial.notify_after_commit,
        editor_url=lambda item: f"/di-san/quan-ly/{item.uuid}/",
    )
)

workflows.register(
    workflows.Workflow(
        model=HeritageItem,
        app="heritage",
        kind="item",
        snapshot=_snapshot,
        can_edit=permissions.can_edit_item,
        reviewer_roles=("province_officer", "content_editor"),
        editor_url=lambda item: f"/di-san/quan-ly/{item.uuid}/",
        changed=lambda item: announce(CHANGED, uuid=str(item.uuid)),
        translations="translations",
    )
)
