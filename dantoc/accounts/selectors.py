from __future__ import annotations

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
