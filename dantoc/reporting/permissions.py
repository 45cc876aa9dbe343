"""Who may enter, submit, review and see reports. Built on the unit-subtree rule of accounts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import (
    can_approve_for,
    can_define_national_catalogue,
    unit_in_scope,
)
from dantoc.geo.models import Unit, UnitLevel

ENTRY_ROLE = {
    UnitLevel.COMMUNE: RoleCode.COMMUNE_REPORTER,
    UnitLevel.DISTRICT: RoleCode.DISTRICT_OFFICER,
    UnitLevel.PROVINCE: RoleCode.PROVINCE_OFFICER,
}


def can_enter(user, unit: Unit) -> bool:
    """Officials enter and submit their own unit's reports (a commune reporter for the commune,
    a province officer for the province's consolidated report)."""
    role = ENTRY_ROLE.get(unit.level)
    return (
        user.is_authenticated
        and role is not None
        and user.unit_id == unit.pk
        and user.has_role(role)
    )


READ_ROLES = {*ENTRY_ROLE.values(), RoleCode.MINISTRY_OFFICER, RoleCode.SYSTEM_ADMIN}


def can_view_report(user, unit: Unit) -> bool:
    """Reports are read by officials who take part in reporting, within their scope (a
    content editor's account, for instance, gives no access to the figures)."""
    return (
        user.is_authenticated and bool(user.role_codes() & READ_ROLES) and unit_in_scope(user, unit)
    )


def can_review(user, unit: Unit) -> bool:
    """Approve, return, reopen or waive a unit's report: officers of a unit above it."""
    return can_approve_for(user, unit)


def can_define_forms(user) -> bool:
    """Indicators, report forms and period types are defined by ministry officers of a
    national unit (the role alone is not enough)."""
    return can_define_national_catalogue(user)


def require_definer(actor) -> None:
    """Services that define forms and period types refuse anyone else (``actor=None`` is the
    system itself: set-up commands loading the reference definitions)."""
    if actor is not None and not can_define_forms(actor):
        raise PermissionDenied("Chỉ cán bộ cấp bộ được định nghĩa chỉ tiêu và biểu mẫu.")
