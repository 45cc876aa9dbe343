"""Who may do what in the heritage archive. Who may SEE an item or a file is not here: it is
``selectors.items_visible`` / ``media_visible`` (one rule for every channel)."""

from __future__ import annotations

from django.db.models import Q

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import scope_q, unit_in_scope
from dantoc.heritage.models import Membership

# The role this app declares for community members with an account (apps.py).
COMMUNITY_CONTRIBUTOR = "heritage_contributor"
CONTRIBUTOR_ROLES = (
    COMMUNITY_CONTRIBUTOR,
    RoleCode.COMMUNE_REPORTER,
    RoleCode.DISTRICT_OFFICER,
    RoleCode.PROVINCE_OFFICER,
    RoleCode.CONTENT_EDITOR,
)


def is_contributor(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and any(
        user.has_role(code) for code in CONTRIBUTOR_ROLES
    )


def can_edit_item(user, item) -> bool:
    return is_contributor(user) and unit_in_scope(user, item.unit)


def editable_q(user) -> Q:
    if not is_contributor(user):
        return Q(pk__in=[])
    return scope_q(user, "unit__path")


def can_steward(user, protocol) -> bool:
    """Protocol stewards manage its members (system administrators too, for a lost steward)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_role(RoleCode.SYSTEM_ADMIN):
        return True
    return Membership.objects.filter(protocol=protocol, user=user, is_steward=True).exists()


def can_create_protocol(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.has_role(RoleCode.PROVINCE_OFFICER)
        or user.has_role(RoleCode.MINISTRY_OFFICER)
        or user.has_role(RoleCode.SYSTEM_ADMIN)
    )


def can_view_inventory(user) -> bool:
    return True


def can_edit_inventory(user, province) -> bool:
    """A province's digitisation plan is kept by its officers; the ministry keeps any
    (``province`` None: whether the user may keep every province's)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_role(RoleCode.MINISTRY_OFFICER) or user.has_role(RoleCode.SYSTEM_ADMIN):
        return True
    return (
        province is not None
        and user.has_role(RoleCode.PROVINCE_OFFICER)
        and user.unit_id == province.pk
    )


def media_page_guard(user, asset) -> bool | None:
    """The media pages show a heritage file only to those the protocols let see it."""
    from dantoc.heritage.models import HeritageMedia
    from dantoc.heritage.selectors import media_visible

    attached = HeritageMedia.objects.filter(asset=asset)
    if not attached.exists():
        return None
    return media_visible(user).filter(asset=asset).exists()
