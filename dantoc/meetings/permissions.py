"""Who may organise meetings, invite whom, join, check in and follow up.

Organisers are the officers of the reporting hierarchy (ministry, province, district, commune);
they invite units and people of their own unit's subtree (``accounts.permissions`` scope
rules): a province officer the province's communes, the ministry every province.
"""

from __future__ import annotations

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope

ORGANISER_ROLES = frozenset(
    {
        RoleCode.MINISTRY_OFFICER,
        RoleCode.PROVINCE_OFFICER,
        RoleCode.DISTRICT_OFFICER,
        RoleCode.COMMUNE_REPORTER,
    }
)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_view_meeting_pages(user) -> bool:
    return _signed_in(user)


def can_organise(user) -> bool:
    return (
        _signed_in(user) and user.unit_id is not None and bool(user.role_codes() & ORGANISER_ROLES)
    )


def can_host_for(user, unit) -> bool:
    return can_organise(user) and unit_in_scope(user, unit)


def can_invite_unit(user, unit) -> bool:
    return can_organise(user) and unit_in_scope(user, unit)


def can_invite_person(user, person) -> bool:
    return can_organise(user) and person.is_active and unit_in_scope(user, person.unit)


def can_manage_meeting(user, meeting) -> bool:
    """Change, cancel, write the minutes, see the attendance: the organiser, or an organiser
    whose scope holds the host unit."""
    if not can_organise(user):
        return False
    return meeting.organizer_id == user.pk or unit_in_scope(user, meeting.unit)


def can_view_meeting(user, meeting, invitation=None) -> bool:
    if not _signed_in(user):
        return False
    return invitation is not None or can_manage_meeting(user, meeting)


def can_mark_task_done(user, task) -> bool:
    """An officer of the assigned unit (or above it), or the meeting's managers."""
    return _signed_in(user) and (
        (user.unit_id is not None and unit_in_scope(user, task.unit))
        or can_manage_meeting(user, task.meeting)
    )
