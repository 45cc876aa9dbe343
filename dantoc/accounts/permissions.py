"""Who may see and change what. Every app checks these functions before acting.

The rule: an official sees and changes only what belongs to their unit's subtree. A unit's
subtree includes the units that ceased in 2025 and were merged whole into it, so that a new
province or commune keeps access to its own history; parts of split units are not included.
"""

from __future__ import annotations

from django.db.models import Q

from dantoc.accounts.models import RoleCode, User
from dantoc.geo.models import Unit, UnitSuccession

OFFICER_ROLES = {
    RoleCode.DISTRICT_OFFICER,
    RoleCode.PROVINCE_OFFICER,
    RoleCode.MINISTRY_OFFICER,
}


def scope_paths(user: User) -> list[str]:
    """Path prefixes of the units this user may see (empty: none)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_scope_paths", None)
    if cached is not None:
        return cached
    if user.unit_id is None:
        paths: list[str] = []
    else:
        unit = user.unit
        paths = [unit.path]
        # Whole predecessors of the unit and of its descendants that were in force before
        # the 2025 reform (a province's merged provinces, a commune's merged communes).
        merged = (
            UnitSuccession.objects.filter(successor__path__startswith=unit.path, partial=False)
            # Predecessors already inside the subtree (everything, for the country) add nothing.
            .exclude(predecessor__path__startswith=unit.path)
            .values_list("predecessor__path", flat=True)
        )
        paths += sorted(set(merged))
        paths = _drop_nested(paths)
    user._scope_paths = paths
    return paths


def _drop_nested(paths: list[str]) -> list[str]:
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def scope_q(user: User, field: str = "path") -> Q:
    """A filter selecting rows whose unit path lies in the user's scope."""
    paths = scope_paths(user)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def unit_in_scope(user: User, unit: Unit | None) -> bool:
    if unit is None:
        return False
    return any(unit.path.startswith(p) for p in scope_paths(user))


def can_view_unit_officials(user: User, unit: Unit) -> bool:
    return user.is_authenticated and unit_in_scope(user, unit)


def can_view_user(user: User, other: User) -> bool:
    if user.is_authenticated and user.pk == other.pk:
        return True
    return user.is_authenticated and unit_in_scope(user, other.unit)


def can_manage_users(user: User, unit: Unit | None = None) -> bool:
    """System administrators manage accounts of their subtree (a provincial administrator
    manages the province's officials, the national one everybody's)."""
    if not (user.is_authenticated and user.has_role(RoleCode.SYSTEM_ADMIN)):
        return False
    return unit is None or unit_in_scope(user, unit)


def can_view_audit(user: User) -> bool:
    return user.is_authenticated and user.has_role(RoleCode.SYSTEM_ADMIN)


def can_edit_catalogue(user: User) -> bool:
    return (
        user.is_authenticated
        and user.has_role(RoleCode.SYSTEM_ADMIN)
        and (user.unit is not None and user.unit.level == "country")
    )


def can_define_national_catalogue(user: User) -> bool:
    """Indicators, report forms and period types apply to the whole country: they are defined by
    ministry officers of a national (country-level) unit, not by anyone holding the role name."""
    return (
        user.is_authenticated
        and user.has_role(RoleCode.MINISTRY_OFFICER)
        and user.unit is not None
        and user.unit.level == "country"
    )


def can_approve_for(user: User, unit: Unit) -> bool:
    """Officers approve the reports of units strictly below their own."""
    return (
        user.is_authenticated
        and bool(user.role_codes() & OFFICER_ROLES)
        and user.unit_id is not None
        and unit.pk != user.unit_id
        and unit_in_scope(user, unit)
    )
