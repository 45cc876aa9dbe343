"""Who may manage integration clients and see their delivery logs.

System administrators manage the clients of their subtree: the national administrator every
client, a province's administrator the clients of that province. Machine clients manage their
own webhook subscriptions through the API (scope ``webhooks``), nothing else.
"""

from __future__ import annotations

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope


def can_manage_clients(user, unit=None) -> bool:
    if not (user is not None and user.is_authenticated and hasattr(user, "has_role")):
        return False
    if not user.has_role(RoleCode.SYSTEM_ADMIN):
        return False
    return unit is None or unit_in_scope(user, unit)


def can_manage_client(user, client) -> bool:
    return can_manage_clients(user, client.unit)
