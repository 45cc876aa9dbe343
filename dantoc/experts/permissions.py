"""Who may do what with experts. Officials (any role of the reporting hierarchy) find experts
and, when the expert allows it, see the restricted part (each view is logged); province and
ministry officers manage profiles (verify, record engagements, invite, import, export the
restricted columns); only the expert edits their own profile."""

from __future__ import annotations

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope

OFFICIAL_ROLES = frozenset(
    {
        RoleCode.COMMUNE_REPORTER,
        RoleCode.DISTRICT_OFFICER,
        RoleCode.PROVINCE_OFFICER,
        RoleCode.MINISTRY_OFFICER,
    }
)
MANAGER_ROLES = frozenset({RoleCode.PROVINCE_OFFICER, RoleCode.MINISTRY_OFFICER})


def is_official(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(
        user.role_codes() & OFFICIAL_ROLES
    )


def can_manage_experts(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(
        user.role_codes() & MANAGER_ROLES
    )


def can_view_restricted(user, expert) -> bool:
    """Contact and documents: an official, when the expert allows officials to see them; and
    the expert themself."""
    if is_own(user, expert):
        return True
    return is_official(user) and expert.consent_officials and not expert.is_hidden


def can_export_restricted(user) -> bool:
    return can_manage_experts(user)


def is_own(user, expert) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and expert.user_id is not None
        and expert.user_id == user.pk
    )


def can_edit_profile(user, expert) -> bool:
    return is_own(user, expert)


def can_record_engagement(user, unit) -> bool:
    return can_manage_experts(user) and unit_in_scope(user, unit)


def can_erase(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(
        RoleCode.MINISTRY_OFFICER
    )


def can_register(user) -> bool:
    """Anyone without an official role and without a profile may register as an expert."""
    if not getattr(user, "is_authenticated", False):
        return True
    return not user.role_codes() and not hasattr(user, "expert_profile")
