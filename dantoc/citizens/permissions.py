"""Who may write citizen information: the portal's content editors (role ``content_editor``),
for the units of their subtree (the ministry's editors for everything, a province's for their
province). Reading published items needs no account; publishing needs a second editor (the
editorial workflow's four eyes)."""

from __future__ import annotations

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope
from dantoc.geo.models import UnitLevel
from dantoc.portal.permissions import can_edit_for_unit, is_editor


def can_edit(user, item) -> bool:
    return can_edit_for_unit(user, item.unit)


def is_price_officer(user) -> bool:
    """Province officers enter their province's market prices."""
    return bool(user and user.is_authenticated and user.has_role(RoleCode.PROVINCE_OFFICER))


def can_enter_prices(user, province) -> bool:
    return (
        is_price_officer(user)
        and province is not None
        and province.level == UnitLevel.PROVINCE
        and unit_in_scope(user, province)
    )


def can_write_ocop_for(user, unit) -> bool:
    """OCOP products are entered by the province's officers (the province certifies them)."""
    return is_price_officer(user) and unit is not None and unit_in_scope(user, unit)


def can_edit_ocop(user, product) -> bool:
    return can_write_ocop_for(user, product.unit)


__all__ = [
    "can_edit",
    "can_edit_for_unit",
    "can_edit_ocop",
    "can_enter_prices",
    "can_write_ocop_for",
    "is_editor",
    "is_price_officer",
]
