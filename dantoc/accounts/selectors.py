from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from dantoc.accounts.models import Role, RoleCode, User
from dantoc.accounts.permissions import scope_q
from dantoc.core.registry import capabilities_of, role_levels
from dantoc.core.text import fold
from dantoc.geo.selectors import units_valid_on


def user_capabilities(user: User) -> list[str]:
    """What the user's roles let them do, as each app declares it (core.registry)."""
    return capabilities_of(user.role_codes())


def users_visible_to(user: User, *, q: str = "", active: bool | None = None) -> QuerySet[User]:
    """Accounts of the units in the viewer's scope; ``q`` matches the login name, the full name
    (with or without diacritics), the e-mail address or the unit's name or code."""
    users = User.objects.filter(scope_q(user, "unit__path"))
    if active is not None:
        users = users.filter(is_active=active)
    q = q.strip()
    if q:
        # Names are folded in Python for the comparison (the table has no folded name column):
        # an administrator's scope is at most a few thousand accounts.
        folded = fold(q)
        matching_names = [
            pk for pk, name in users.values_list("pk", "full_name") if folded in fold(name or "")
        ]
        users = users.filter(
            Q(pk__in=matching_names)
            | Q(username__icontains=q)
            | Q(email__icontains=q)
            | Q(unit__code=q)
            | Q(unit__search_name__contains=folded)
        )
    return users.select_related("unit").prefetch_related("roles").order_by("unit__path", "username")


def roles_offered(*, as_of: datetime.date | None = None) -> list[Role]:
    """Roles that can be held at some unit in force on ``as_of`` (today): from the 2025 reform
    on there are no districts, so the district officer's role is no longer offered."""
    levels = set(units_valid_on(as_of=as_of).values_list("level", flat=True).distinct())
    order = {code: i for i, code in enumerate(RoleCode.values)}
    roles = [r for r in Role.objects.all() if role_levels(r.code) & levels]
    return sorted(roles, key=lambda r: order.get(r.code, len(order)))


def officials_with_roles(*, roles: Iterable[str], units: Iterable[int]) -> QuerySet[User]:
    """Active officials holding any of ``roles`` at any of the units (ids), each once."""
    return User.objects.filter(
        unit_id__in=list(units), is_active=True, roles__code__in=list(roles)
    ).distinct()


def officials_at_or_above(*, roles: Iterable[str], unit) -> QuerySet[User]:
    """Active officials holding any of ``roles`` at ``unit`` or a unit above it."""
    return officials_with_roles(roles=roles, units=[*unit.ancestor_ids(), unit.pk])
