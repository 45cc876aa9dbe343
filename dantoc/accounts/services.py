"""Writes of accounts: officials, their roles, their second factor."""

from __future__ import annotations

import datetime
import hashlib
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from dantoc.accounts.models import Role, User
from dantoc.accounts.permissions import can_manage_users
from dantoc.audit.services import audit_record, snapshot
from dantoc.core.events import announce, announce_now
from dantoc.core.registry import role_levels, roles
from dantoc.geo.models import Unit, UnitLevel

# Announced (after commit) when something changes an official's sign-in: the owner is told,
# so that a change they did not make is noticed. Payload: user_id, title, body.
SECURITY_NOTICE = "accounts.security_notice"

USER_FIELDS = ["username", "full_name", "email", "position", "phone", "unit", "is_active", "roles"]
# The fields an administrator edits on the account page (user_update).
PROFILE_FIELDS = ("full_name", "email", "position", "phone")


def _check(actor, unit: Unit | None) -> None:
    # ``actor=None`` is the system itself (set-up commands), which may do anything.
    if actor is not None and not can_manage_users(actor, unit):
        raise PermissionDenied("Bạn không có quyền quản lý tài khoản của đơn vị này.")


def _roles_for(unit: Unit | None, roles: Iterable[str]) -> list[Role]:
    """The Role rows for ``roles``, each allowed at the unit's level (the level the declaring app gives it): a role is
    given only where it can be used, whoever gives it, so a provincial administrator cannot
    make a ministry officer inside the province."""
    codes = list(dict.fromkeys(roles))
    role_objs = list(Role.objects.filter(code__in=codes))
    if len(role_objs) != len(codes):
        unknown = sorted(set(codes) - {r.code for r in role_objs})
        raise ValidationError(
            {"roles": _("Vai trò không tồn tại: %(codes)s") % {"codes": ", ".join(unknown)}}
        )
    level = unit.level if unit is not None else None
    wrong = [r for r in role_objs if level not in role_levels(r.code)]
    if wrong:
        errors = []
        for role in wrong:
            levels = ", ".join(
                str(UnitLevel(lv).label).lower()
                for lv in UnitLevel.values
                if lv in role_levels(role.code)
            )
            errors.append(
                _(
                    "Vai trò “%(role)s” không được giao cho tài khoản thuộc %(unit)s (đơn vị "
                    "%(level)s): vai trò này chỉ dành cho đơn vị %(levels)s."
                )
                % {
                    "role": role.localized_name,
                    "levels": levels,
                    "unit": unit.name if unit is not None else _("(chưa chọn đơn vị)"),
                    "level": str(unit.get_level_display()).lower() if unit is not None else "—",
                }
            )
        raise ValidationError({"roles": errors})
    return role_objs


def _check_unit_current(unit: Unit) -> None:
    # Accounts belong to units in force: units that ceased in the 2025 reform (every district
    # among them) keep their history but get no new officials.
    if not unit.is_current:
        raise ValidationError(
            {"unit": _("Đơn vị %(unit)s đã ngừng hoạt động; hãy chọn đơn vị đang hoạt động.")
             % {"unit": unit.name}}
        )  # fmt: skip


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
    if actor is not None:
        # An administrator's new official works at a unit in force. The system itself (actor
        # None: loaders, the import of historic accounts) may record an account of a unit that
        # ceased, so the reports of periods before the 2025 reform keep their own hierarchy.
        _check_unit_current(unit)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("Tên đăng nhập đã được dùng.")})
    role_objs = _roles_for(unit, roles)
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
def user_update(
    *,
    actor: User | None,
    user: User,
    unit: Unit,
    roles: Iterable[str],
    full_name: str,
    email: str = "",
    position: str = "",
    phone: str = "",
) -> User:
    """An administrator edits an official: name and contact, unit and roles. Both the unit the
    official leaves and the one they join must be in the administrator's scope; an
    administrator does not change their own unit or roles (another administrator does)."""
    _check(actor, user.unit)
    _check(actor, unit)
    role_objs = _roles_for(unit, roles)
    if unit.pk != user.unit_id:
        _check_unit_current(unit)
    changes_own_access = unit.pk != user.unit_id or {r.code for r in role_objs} != set(
        user.role_codes()
    )
    if actor is not None and actor.pk == user.pk and changes_own_access:
        raise ValidationError(
            _("Không tự đổi đơn vị hoặc vai trò của chính mình; hãy nhờ quản trị viên khác.")
        )
    before = snapshot(user, USER_FIELDS)
    values = {"full_name": full_name, "email": email, "position": position, "phone": phone}
    for name, value in values.items():
        setattr(user, name, value.strip())
    user.unit = unit
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=[*PROFILE_FIELDS, "unit"])
    user.roles.set(role_objs)
    user._role_codes = None
    user._scope_paths = None
    after = snapshot(user, USER_FIELDS)
    if after != before:
        audit_record(
            actor=actor,
            action="accounts.user_update",
            obj=user,
            unit=unit,
            before=before,
            after=after,
        )
    return user


@transaction.atomic
def user_set_roles(*, actor: User | None, user: User, roles: Iterable[str]) -> User:
    _check(actor, user.unit)
    before = snapshot(user, USER_FIELDS)
    role_objs = _roles_for(user.unit, roles)
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
        raise ValidationError(_("Không thể tự khoá tài khoản của chính mình."))
    if user.is_active == is_active:
        return user  # a repeated click (or a retried request) changes nothing
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


def _refuse_replacing_unverified(user: User, *, session_verified: bool) -> None:
    """A user who already has a confirmed authenticator changes it only from a session that
    passed it; otherwise a stolen password would be enough to enrol the thief's device (and
    lock the owner out). A lost device is replaced by an administrator (totp_reset)."""
    if not session_verified and TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise PermissionDenied(
            "Tài khoản đã có ứng dụng xác thực: hãy nhập mã của ứng dụng đó trước khi đổi."
        )


@transaction.atomic
@dataclass(frozen=True)
class TokenCheck:
    """What became of a second-factor code: ``passed``, ``throttled`` (refused unread: too many
    wrong codes, until ``locked_until``), ``used`` (right, but already used once) or
    ``wrong``; ``failures`` counts the wrong codes in a row."""

    outcome: str
    locked_until: datetime.datetime | None = None
    failures: int = 0


def totp_token_check(*, device: TOTPDevice, token: str) -> TokenCheck:
    """Verify ``token`` on ``device`` (django-otp's checks: throttling after wrong codes, each
    code once), saying which check refused it, so that the official is told the truth: a
    right code typed during the throttle window or typed a second time is not "wrong"."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        info = info or {}
        return TokenCheck("throttled", info.get("locked_until"), info.get("failure_count", 0))
    token = token.strip()
    if device.verify_token(token):
        return TokenCheck("passed")
    device.refresh_from_db()
    allowed, info = device.verify_is_allowed()
    info = info or {}
    failures = device.throttling_failure_count
    locked_until = None if allowed else info.get("locked_until")
    if token.isdigit() and device.last_t >= 0:
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        if totp.verify(int(token), device.tolerance) and totp.t() <= device.last_t:
            return TokenCheck("used", locked_until, failures)
    return TokenCheck("wrong", locked_until, failures)


def totp_enrolment_start(
    *, user: User, session_verified: bool, key_hex: str | None = None
) -> TOTPDevice:
    """An unconfirmed device whose secret the user copies into an authenticator app."""
    _refuse_replacing_unverified(user, session_verified=session_verified)
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(
        user=user,
        name="Ứng dụng xác thực",
        confirmed=False,
        key=key_hex or secrets.token_hex(20),
    )


@transaction.atomic
def totp_enrolment_confirm(
    *, user: User, device: TOTPDevice, token: str, session_verified: bool
) -> bool:
    """Confirm the device with a first code; it replaces an earlier confirmed device only when
    the session has passed that earlier device."""
    _refuse_replacing_unverified(user, session_verified=session_verified)
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token.strip()):
        return False
    replaced, _by_model = (
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(
        actor=user,
        action="accounts.totp_replace" if replaced else "accounts.totp_enrol",
        obj=user,
        unit=user.unit,
    )
    if replaced:
        announce(
            SECURITY_NOTICE,
            user_id=user.pk,
            title="Ứng dụng xác thực của tài khoản đã được thay",
            body=(
                "Tài khoản của bạn vừa đăng ký ứng dụng xác thực mới; ứng dụng cũ không còn "
                "dùng được. Nếu không phải bạn làm việc này, hãy báo ngay quản trị hệ thống."
            ),
        )
    return True


@transaction.atomic
def totp_reset(*, actor: User, user: User) -> int:
    """An administrator removes an official's authenticator (lost or broken phone): at the next
    sign-in the official enrols a new one. Audited, and the owner is told."""
    _check(actor, user.unit)
    if actor.pk == user.pk:
        raise ValidationError(_("Không tự đặt lại xác thực hai lớp của chính mình ở đây."))
    removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action="accounts.totp_reset",
        obj=user,
        unit=user.unit,
        after={"devices_removed": removed},
    )
    announce(
        SECURITY_NOTICE,
        user_id=user.pk,
        title="Xác thực hai lớp của tài khoản đã được đặt lại",
        body=(
            f"Quản trị viên {actor} đã đặt lại xác thực hai lớp của tài khoản bạn. Lần đăng "
            "nhập tới, hãy đăng ký lại ứng dụng xác thực. Nếu bạn không yêu cầu việc này, hãy "
            "báo ngay quản trị hệ thống."
        ),
    )
    return removed


@transaction.atomic
def password_change(*, user: User, new_password: str, actor: User | None = None) -> User:
    """Set an official's password (their own change, or a reset through an e-mailed link)."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=actor or user, action="accounts.password_change", obj=user, unit=user.unit)
    announce(
        SECURITY_NOTICE,
        user_id=user.pk,
        title="Mật khẩu của tài khoản đã được đổi",
        body=(
            "Mật khẩu đăng nhập dantoc của bạn vừa được đổi. Nếu không phải bạn làm việc này, "
            "hãy báo ngay quản trị hệ thống."
        ),
    )
    return user


@dataclass(frozen=True)
class PasswordResetLink:
    uidb64: str
    token: str


@transaction.atomic
def password_reset_link(*, actor: User, user: User) -> PasswordResetLink:
    """An administrator resets an official's password: the old one stops working at once, and
    the official chooses a new one through a one-time link (valid PASSWORD_RESET_TIMEOUT, spent
    by its first use: the token hashes the password, which then changes). The administrator
    hands the link over; they never learn the new password. Audited, and the owner is told."""
    _check(actor, user.unit)
    if actor.pk == user.pk:
        raise ValidationError(_("Đổi mật khẩu của chính mình ở trang “Đổi mật khẩu”."))
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="accounts.password_reset", obj=user, unit=user.unit)
    announce(
        SECURITY_NOTICE,
        user_id=user.pk,
        title="Mật khẩu của tài khoản đã được đặt lại",
        body=(
            f"Quản trị viên {actor} đã đặt lại mật khẩu của tài khoản bạn; mật khẩu cũ không "
            "còn dùng được. Hãy đặt mật khẩu mới bằng đường dẫn một lần mà quản trị viên gửi "
            "bạn. Nếu bạn không yêu cầu việc này, hãy báo ngay quản trị hệ thống."
        ),
    )
    return PasswordResetLink(
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )


# An e-mail of the accounts app (a forgotten password's link) for an app above to queue in
# its outbox (channels: stored, sent by the task worker with retries, its delivery state
# visible to administrators); sent directly when no app listens.
MAIL_EVENT = "accounts.mail"


@transaction.atomic
def password_reset_mail(
    *, user: User, address: str, subject: str, body: str, token: str, send_directly
) -> None:
    """The e-mail of a forgotten password's one-time link, asked for from the sign-in page:
    audited (anonymous: the account and that a link went to its address) and handed to the
    outbox (``MAIL_EVENT``), once per link: a form sent twice in the same second makes the same
    token and queues nothing more. ``send_directly()`` when no outbox listens."""
    audit_record(
        actor=None,
        action="accounts.password_reset_requested",
        obj=user,
        unit=user.unit,
    )
    digest = hashlib.sha256(token.encode()).hexdigest()[:32]
    taken = announce_now(
        MAIL_EVENT,
        address=address,
        subject=subject,
        body=body,
        idempotency_key=f"password_reset:{user.pk}:{digest}",
        recipient_id=user.pk,
        source="accounts.password_reset",
    )
    if not taken:
        send_directly()


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


def roles_reference_load() -> int:
    """Loader ``accounts.roles``: a Role row for each role an app declares (names kept up to
    date), so that an app's new role can be given without a migration here."""
    count = 0
    for code, role in roles().items():
        Role.objects.update_or_create(
            code=code,
            defaults={
                "name": str(role.name),
                "name_en": role.name_en,
                "description": role.description,
            },
        )
        count += 1
    return count
