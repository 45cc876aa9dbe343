"""Writes of accounts: officials, their roles, their second factor."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from dantoc.accounts.models import Role, User
from dantoc.accounts.permissions import can_manage_users
from dantoc.audit.services import audit_record, snapshot
from dantoc.geo.models import Unit

USER_FIELDS = ["username", "full_name", "email", "position", "phone", "unit", "is_active", "roles"]


def _check(actor, unit: Unit | None) -> None:
    # ``actor=None`` is the system itself (set-up commands), which may do anything.
    if actor is not None and not can_manage_users(actor, unit):
        raise PermissionDenied("Bạn không có quyền quản lý tài khoản của đơn vị này.")


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    unit: Unit,
    roles: Iterable[str] = (),
    full_name: str = "",
    email: str = "",
    position: str = "",
    phone: str = "",
    check_password: bool = True,
) -> User:
    _check(actor, unit)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "Tên đăng nhập đã được dùng."})
    role_objs = list(Role.objects.filter(code__in=list(roles)))
    if len(role_objs) != len(set(roles)):
        unknown = sorted(set(roles) - {r.code for r in role_objs})
        raise ValidationError({"roles": f"Vai trò không tồn tại: {', '.join(unknown)}"})
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        position=position,
        phone=phone,
        unit=unit,
    )
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.roles.set(role_objs)
    audit_record(
        actor=actor,
        action="accounts.user_create",
        obj=user,
        unit=unit,
        after=snapshot(user, USER_FIELDS),
    )
    return user


@transaction.atomic
def user_set_roles(*, actor: User | None, user: User, roles: Iterable[str]) -> User:
    _check(actor, user.unit)
    before = snapshot(user, USER_FIELDS)
    role_objs = list(Role.objects.filter(code__in=list(roles)))
    user.roles.set(role_objs)
    user._role_codes = None
    audit_record(
        actor=actor,
        action="accounts.user_set_roles",
        obj=user,
        unit=user.unit,
        before=before,
        after=snapshot(user, USER_FIELDS),
    )
    return user


@transaction.atomic
def user_set_active(*, actor: User | None, user: User, is_active: bool) -> User:
    _check(actor, user.unit)
    if actor is not None and actor.pk == user.pk and not is_active:
        raise ValidationError("Không thể tự khoá tài khoản của chính mình.")
    before = snapshot(user, USER_FIELDS)
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="accounts.user_activate" if is_active else "accounts.user_deactivate",
        obj=user,
        unit=user.unit,
        before=before,
        after=snapshot(user, USER_FIELDS),
    )
    return user


def login_record(*, user: User, ip_address: str | None) -> None:
    audit_record(
        actor=user, action="accounts.login", obj=user, unit=user.unit, ip_address=ip_address
    )


# --- second factor (TOTP, RFC 6238) -------------------------------------------------------


def totp_device_for(user: User, *, confirmed: bool | None = None) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("-confirmed", "-id").first()


@transaction.atomic
def totp_enrolment_start(*, user: User, key_hex: str | None = None) -> TOTPDevice:
    """An unconfirmed device whose secret the user copies into an authenticator app."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(
        user=user,
        name="Ứng dụng xác thực",
        confirmed=False,
        key=key_hex or secrets.token_hex(20),
    )


@transaction.atomic
def totp_enrolment_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm the device with a first code; replaces any earlier confirmed device."""
    if device.user_id != user.pk or not device.verify_token(token.strip()):
        return False
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=user, action="accounts.totp_enrol", obj=user, unit=user.unit)
    return True


@transaction.atomic
def totp_device_install(*, actor: User | None, user: User, key_hex: str) -> TOTPDevice:
    """Give a user a confirmed device with a known secret (demo accounts, set-up scripts)."""
    _check(actor, user.unit)
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, name="Ứng dụng xác thực", confirmed=True, key=key_hex
    )
    audit_record(actor=actor, action="accounts.totp_install", obj=user, unit=user.unit)
    return device
