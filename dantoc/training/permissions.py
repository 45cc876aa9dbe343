"""Who organises, nominates, checks in and learns.

Organisers are the officers of the reporting hierarchy (commune, district, province, ministry)
and administrators; they organise events for their own unit and manage events organised in
their subtree. Units nominate their own officials (and those of the units under them) only.
Any signed-in official may register for an open event whose organising unit's subtree holds
the official's unit, and take the e-learning courses.
"""

from __future__ import annotations

from django.utils import timezone

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope

ORGANISER_ROLES = frozenset(
    {
        RoleCode.COMMUNE_REPORTER,
        RoleCode.DISTRICT_OFFICER,
        RoleCode.PROVINCE_OFFICER,
        RoleCode.MINISTRY_OFFICER,
        RoleCode.SYSTEM_ADMIN,
    }
)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.unit_id is not None


def can_view_training(user) -> bool:
    return _signed_in(user)


def can_organise(user) -> bool:
    return _signed_in(user) and bool(user.role_codes() & ORGANISER_ROLES)


def can_manage_event(user, event) -> bool:
    return can_organise(user) and unit_in_scope(user, event.unit)


def in_audience(official, event) -> bool:
    """Whether an official is among those the event is for: an officials' event, a unit in
    the organising unit's subtree, and within the narrowing the organiser chose (the levels
    of the official's unit, the official's roles, the units named and those under them)."""
    unit = official.unit
    if event.audience != "officials" or unit is None or not unit.path.startswith(event.unit.path):
        return False
    if event.audience_levels and unit.level not in event.audience_levels:
        return False
    if event.audience_roles and not (official.role_codes() & set(event.audience_roles)):
        return False
    units = list(event.audience_units.all())
    return not units or any(unit.path.startswith(u.path) for u in units)


def can_nominate(user, event, nominee) -> bool:
    """A unit nominates only officials of its own subtree, for an event open to them."""
    return (
        can_organise(user)
        and event.status == "open"
        and nominee.unit_id is not None
        and unit_in_scope(user, nominee.unit)
        and in_audience(nominee, event)
    )


def can_register(user, event) -> bool:
    """Officials of the audience register themselves for an open event not over yet."""
    return (
        _signed_in(user)
        and event.status == "open"
        and event.ends_at >= timezone.now()
        and in_audience(user, event)
    )


def can_view_event(user, event) -> bool:
    """Officials see the events organised above or in their unit (the ones they could attend)
    and those organised in their subtree."""
    if not _signed_in(user):
        return False
    return user.unit.path.startswith(event.unit.path) or unit_in_scope(user, event.unit)


def can_manage_certificates(user, certificate) -> bool:
    return can_organise(user) and unit_in_scope(user, certificate.issuer_unit)


def can_edit_course(user, course) -> bool:
    """Organisers edit the courses of their unit and of the units under it."""
    return can_organise(user) and unit_in_scope(user, course.unit)
