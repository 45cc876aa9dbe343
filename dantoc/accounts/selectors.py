from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from dantoc.accounts.models import User
from dantoc.accounts.permissions import scope_q
from dantoc.core.registry import capabilities_of


def user_capabilities(user: User) -> list[str]:
    """What the user's roles let them do, as each app declares it (core.registry)."""
    return capabilities_of(user.role_codes())


def users_visible_to(user: User) -> QuerySet[User]:
    """Accounts of the units in the viewer's scope."""
    return (
        User.objects.filter(scope_q(user, "unit__path"))
        .select_related("unit")
        .prefetch_related("roles")
        .order_by("unit__path", "username")
    )


def officials_with_roles(*, roles: Iterable[str], units: Iterable[int]) -> QuerySet[User]:
    """Active officials holding any of ``roles`` at any of the units (ids), each once."""
    return User.objects.filter(
        unit_id__in=list(units), is_active=True, roles__code__in=list(roles)
    ).distinct()


def officials_at_or_above(*, roles: Iterable[str], unit) -> QuerySet[User]:
    """Active officials holding any of ``roles`` at ``unit`` or a unit above it."""
    return officials_with_roles(roles=roles, units=[*unit.ancestor_ids(), unit.pk])
