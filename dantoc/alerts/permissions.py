"""Who may issue, update and cancel disaster warnings, and for which communes.

Officers of the reporting hierarchy at a province or commune (a commune's reporting official,
a province officer) warn the communes of their own unit's subtree, with the scope rules of
``dantoc.accounts.permissions`` (a province officer: the communes of the province; a commune
officer: their commune). Ministry officers and administrators read the pages but do not warn:
warnings are issued by the local steering committees (Law on Natural Disaster Prevention).
"""

from __future__ import annotations

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope
from dantoc.geo.models import Unit, UnitLevel

ISSUER_ROLES = frozenset(
    {RoleCode.COMMUNE_REPORTER, RoleCode.DISTRICT_OFFICER, RoleCode.PROVINCE_OFFICER}
)
ISSUER_LEVELS = frozenset({UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE})


def can_view_alert_pages(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_issue_alerts(user) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and bool(user.role_codes() & ISSUER_ROLES)
        and user.unit_id is not None
        and user.unit.level in ISSUER_LEVELS
    )


def can_alert_commune(user, commune: Unit) -> bool:
    """May ``user`` put ``commune`` (a commune in force) in a warning's area?"""
    return (
        can_issue_alerts(user)
        and commune.level == UnitLevel.COMMUNE
        and commune.valid_to is None
        and unit_in_scope(user, commune)
    )


def can_change_alert(user, alert) -> bool:
    """Update or cancel: the warning was issued in the user's subtree and covers only
    communes the user may warn."""
    if not can_issue_alerts(user) or not unit_in_scope(user, alert.unit):
        return False
    return all(unit_in_scope(user, commune) for commune in alert.communes.all())
