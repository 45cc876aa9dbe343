"""Who sees the outbox: it carries citizens' phone numbers and every official's notices, so
national system administrators only (as the outgoing mail of ``notifications``)."""

from __future__ import annotations

from dantoc.accounts.models import RoleCode


def can_view_outbox(user) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.has_role(RoleCode.SYSTEM_ADMIN)
        and user.unit is not None
        and user.unit.level == "country"
    )


def can_choose_channel(user) -> bool:
    """Any signed-in official chooses how urgent notices reach them."""
    return bool(getattr(user, "is_authenticated", False))
