"""Who registers devices and decides on threshold crossings.

Province officers register and revoke the devices of their province's communes (a device is
bought and installed by the province); district and commune officers see the devices of their
area; ministry officers see all. A crossing's warning is confirmed by someone who may warn its
commune (``alerts.permissions.can_alert_commune``)."""

from __future__ import annotations

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope
from dantoc.alerts.permissions import can_alert_commune
from dantoc.geo.models import UnitLevel

VIEWER_ROLES = frozenset(
    {
        RoleCode.COMMUNE_REPORTER,
        RoleCode.DISTRICT_OFFICER,
        RoleCode.PROVINCE_OFFICER,
        RoleCode.MINISTRY_OFFICER,
    }
)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_view_devices(user) -> bool:
    return _signed_in(user) and bool(user.role_codes() & VIEWER_ROLES) and user.unit_id is not None


def can_view_device(user, device) -> bool:
    return can_view_devices(user) and unit_in_scope(user, device.unit)


def can_register_devices(user) -> bool:
    return (
        _signed_in(user)
        and user.has_role(RoleCode.PROVINCE_OFFICER)
        and user.unit_id is not None
        and user.unit.level == UnitLevel.PROVINCE
    )


def can_manage_devices_at(user, unit) -> bool:
    return can_register_devices(user) and unit_in_scope(user, unit)


def can_manage_device(user, device) -> bool:
    return can_manage_devices_at(user, device.unit)


def can_decide_crossing(user, crossing) -> bool:
    return _signed_in(user) and can_alert_commune(user, crossing.datastream.device.unit)
