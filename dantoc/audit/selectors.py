from __future__ import annotations

from django.apps import apps
from django.db.models import QuerySet
from django.utils.text import capfirst

from dantoc.accounts.permissions import scope_q
from dantoc.audit.models import AuditEntry


def audit_entries_for(
    *,
    viewer,
    username: str = "",
    unit=None,
    object_type: str = "",
    object_id: str = "",
    action: str = "",
) -> QuerySet[AuditEntry]:
    """Audit rows the viewer may read, filtered. A national administrator reads all; others
    read the rows of units in their subtree."""
    entries = AuditEntry.objects.select_related("actor", "unit")
    if not (viewer.unit is not None and viewer.unit.level == "country"):
        entries = entries.filter(scope_q(viewer, "unit_path"))
    if username:
        entries = entries.filter(actor_repr=username)
    if unit is not None:
        entries = entries.filter(unit_path__startswith=unit.path)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if action:
        entries = entries.filter(action=action)
    return entries.order_by("-at", "-id")


def audit_object_types() -> list[str]:
    return list(
        AuditEntry.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    )


def audit_object_types_named() -> list[tuple[str, str]]:
    """(object type, its name in words) for the trail's filter, by name."""
    named = []
    for object_type in audit_object_types():
        try:
            name = capfirst(str(apps.get_model(object_type)._meta.verbose_name))
        except (LookupError, ValueError):
            name = object_type
        named.append((object_type, name))
    return sorted(named, key=lambda pair: pair[1].lower())
