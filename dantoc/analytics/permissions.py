"""Who may read analytics. Approved, aggregated figures are the programme's results and are
read by every official who takes part in reporting; unapproved figures only by those whose
scope covers every unit asked about."""

from __future__ import annotations

from dantoc.accounts.permissions import unit_in_scope
from dantoc.reporting.permissions import READ_ROLES


def can_view_analytics(user) -> bool:
    return user.is_authenticated and bool(user.role_codes() & READ_ROLES)


def can_include_unapproved(user, units) -> bool:
    return can_view_analytics(user) and all(unit_in_scope(user, unit) for unit in units)
