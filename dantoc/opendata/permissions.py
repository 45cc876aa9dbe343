"""Who may define and publish open data sets.

A data set is published in the name of an organisation: the ministry (the country unit) or
a province. Ministry and province officers publish for their own unit, and only figures of
units inside their scope; nobody else defines data sets. Reading the catalogue needs no
account.
"""

from __future__ import annotations

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope
from dantoc.geo.models import Unit, UnitLevel

PUBLISHER_ROLES = {RoleCode.MINISTRY_OFFICER, RoleCode.PROVINCE_OFFICER}
PUBLISHER_LEVELS = {UnitLevel.COUNTRY, UnitLevel.PROVINCE}


def can_publish_for(user, unit: Unit | None) -> bool:
    """May ``user`` define and publish data sets in the name of ``unit``?"""
    if unit is None or not user.is_authenticated or unit.level not in PUBLISHER_LEVELS:
        return False
    return bool(user.role_codes() & PUBLISHER_ROLES) and unit_in_scope(user, unit)


def can_manage_datasets(user) -> bool:
    """May ``user`` open the data-set editor at all (the publishing unit is their own)?"""
    return can_publish_for(user, getattr(user, "unit", None))
