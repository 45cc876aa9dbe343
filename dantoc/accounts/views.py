from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from dantoc.accounts import permissions, selectors, services
from dantoc.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
    UserSearchForm,
)
from dantoc.accounts.middleware import session_touch
from dantoc.accounts.models import User
from dantoc.geo.selectors import unit_get


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        session_touch(self.request.session)
        services.login_record(user=form.get_user(), ip_address=_client_ip(self.request))
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("expired") == "1"
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    """An official changes their own password (the old one first); other sessions of the
    account end, this one stays signed in."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def form_valid(self, form):
        user = services.password_change(
            user=self.request.user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return redirect("core:home")


class PasswordResetView(auth_views.PasswordResetView):
    """Forgotten password: a one-time link by e-mail to the account's address. The answer is
    the same whether or not the address belongs to an account (no probing of who exists)."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The e-mailed link: choose a new password. It does not sign the official in; the second
    factor is still asked at the next sign-in."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        services.password_change(user=form.user, new_password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Đã đặt mật khẩu mới; hãy đăng nhập."))
        return redirect(self.success_url)


def _second_factor_passed(request, device) -> None:
    """Mark the session as having passed ``device``, under a new session key: a cookie taken
    before the second factor (it was sent over the password step) stays unverified."""
    otp_login(request, device)
    request.session.cycle_key()


@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: show the secret as a QR code and as text, check one code.

    An official who already has an authenticator reaches this page only after passing it
    (the 2FA middleware sends them to the code page first): changing the device needs the
    old one; a lost device is reset by an administrator."""
    user = request.user
    verified = user.is_verified()
    if not verified and services.totp_device_for(user, confirmed=True) is not None:
        return redirect(f"{reverse('accounts:2fa_verify')}?next={reverse('accounts:2fa_setup')}")
    device = services.totp_device_for(user, confirmed=False)
    if request.method == "POST" and device is not None:
        form = TokenForm(request.POST)
        if form.is_valid() and services.totp_enrolment_confirm(
            user=user,
            device=device,
            token=form.cleaned_data["token"],
            session_verified=verified,
        ):
            _second_factor_passed(request, device)
            messages.success(request, _("Đã bật xác thực hai lớp."))
            return redirect(_safe_next(request, reverse("core:home")))
        if form.is_valid():
            form.add_error("token", _("Mã không đúng hoặc đã hết hạn, hãy thử mã mới."))
    else:
        if device is None:
            device = services.totp_enrolment_start(user=user, session_verified=verified)
        form = TokenForm()
    secret_b32 = base64.b32encode(bytes.fromhex(device.key)).decode()
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111")
    return render(
        request,
        "accounts/2fa_setup.html",
        {
            "form": form,
            "secret": secret_b32,
            "qr_svg": qr_svg,
            "next": _safe_next(request, ""),
            "replacing": verified and services.totp_device_for(user, confirmed=True) is not None,
        },
    )


def _token_refusal(check: services.TokenCheck) -> str:
    """Why a second-factor code was refused, in the official's words, and until when."""
    until = (
        timezone.localtime(check.locked_until).strftime("%H:%M:%S") if check.locked_until else ""
    )
    if check.outcome == "throttled":
        return _(
            "Đã nhập sai %(n)s lần liên tiếp nên tạm thời chưa kiểm tra mã: hãy chờ đến "
            "%(time)s rồi nhập mã đang hiện trên ứng dụng."
        ) % {"n": check.failures, "time": until}
    if check.outcome == "used":
        text = _(
            "Mã này đã được dùng (mỗi mã chỉ dùng được một lần): hãy chờ ứng dụng hiện mã mới "
            "rồi nhập mã mới."
        )
    else:
        text = _("Mã không đúng hoặc đã hết hạn.")
    if until:
        text += " " + _("Hãy thử lại sau %(time)s.") % {"time": until}
    return text


@login_required
def two_factor_verify(request):
    device = services.totp_device_for(request.user, confirmed=True)
    if device is None:
        return redirect(reverse("accounts:2fa_setup"))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.totp_token_check(device=device, token=form.cleaned_data["token"])
        if check.outcome == "passed":
            _second_factor_passed(request, device)
            return redirect(_safe_next(request, reverse("core:home")))
        form.add_error("token", _token_refusal(check))
    if form.is_bound:
        # A refused code is of no further use: the box is emptied for the next one.
        form.data = form.data.copy()
        form.data["token"] = ""
    return render(
        request, "accounts/2fa_verify.html", {"form": form, "next": _safe_next(request, "")}
    )


@login_required
def user_list(request):
    search = UserSearchForm(request.GET or None)
    q, status = "", ""
    if search.is_valid():
        q, status = search.cleaned_data["q"], search.cleaned_data["status"]
    active = {"active": True, "inactive": False}.get(status)
    users = selectors.users_visible_to(request.user, q=q, active=active)
    unit = None
    if code := request.GET.get("unit"):
        unit = unit_get(code=code)
        if unit is None or not permissions.can_view_unit_officials(request.user, unit):
            raise Http404
        users = users.filter(unit__path__startswith=unit.path)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "unit": unit,
            "search": search,
            "can_manage": permissions.can_manage_users(request.user),
        },
    )


def _visible_user(request, pk: int) -> User:
    other = User.objects.select_related("unit").prefetch_related("roles").filter(pk=pk).first()
    # Out-of-scope accounts answer exactly like missing ones: no probing of who exists.
    if other is None or not permissions.can_view_user(request.user, other):
        raise Http404
    return other


@login_required
def user_detail(request, pk: int):
    other = _visible_user(request, pk)
    can_manage = permissions.can_manage_users(request.user, other.unit)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "other": other,
            "can_manage": can_manage,
            "is_self": other.pk == request.user.pk,
            "can_reset_2fa": other.pk != request.user.pk and can_manage,
            "has_device": services.totp_device_for(other, confirmed=True) is not None,
            "reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )


def _managed_user(request, pk: int) -> User:
    """An account the administrator may change; others answer 404 (out of scope: not even
    its existence is told) or 403 (in sight but not theirs to manage)."""
    other = _visible_user(request, pk)
    if not permissions.can_manage_users(request.user, other.unit):
        raise PermissionDenied
    return other


def _form_errors_from(form, exc: ValidationError, *, field_map: dict[str, str]) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = field_map.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def user_edit(request, pk: int):
    other = _managed_user(request, pk)
    initial = {
        "full_name": other.full_name,
        "email": other.email,
        "position": other.position,
        "phone": other.phone,
        "unit_code": other.unit.code if other.unit else "",
        "roles": list(other.roles.all()),
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = unit_get(code=data["unit_code"])
        if unit is None:
            form.add_error("unit_code", _("Không có đơn vị đang hoạt động với mã này."))
        else:
            try:
                services.user_update(
                    actor=request.user,
                    user=other,
                    unit=unit,
                    roles=[r.code for r in data["roles"]],
                    full_name=data["full_name"],
                    email=data["email"],
                    position=data["position"],
                    phone=data["phone"],
                )
            except PermissionDenied:
                form.add_error("unit_code", _("Đơn vị này nằm ngoài phạm vi quản lý của bạn."))
            except ValidationError as exc:
                _form_errors_from(form, exc, field_map={"unit": "unit_code"})
            else:
                messages.success(request, _("Đã lưu tài khoản %(name)s.") % {"name": other})
                return redirect("accounts:user_detail", pk=other.pk)
    return render(request, "accounts/user_edit.html", {"form": form, "other": other})


@login_required
@require_POST
def user_set_active(request, pk: int):
    """Lock (deactivate) or unlock an account. A locked official's open sessions end at their
    next request (Django refuses inactive accounts)."""
    other = _managed_user(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, user=other, is_active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = _("Đã mở khoá tài khoản %(name)s.") if active else _("Đã khoá tài khoản %(name)s.")
        messages.success(request, text % {"name": other})
    return redirect("accounts:user_detail", pk=other.pk)


@login_required
@require_POST
def user_password_reset(request, pk: int):
    """Reset an official's password: the old one stops working and a one-time link is shown,
    once, for the administrator to hand over (by phone, message or in person)."""
    other = _managed_user(request, pk)
    try:
        link = services.password_reset_link(actor=request.user, user=other)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:user_detail", pk=other.pk)
    url = request.build_absolute_uri(
        reverse("accounts:password_reset_confirm", args=[link.uidb64, link.token])
    )
    response = render(
        request,
        "accounts/user_password_reset.html",
        {"other": other, "url": url, "reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def user_totp_reset(request, pk: int):
    """An administrator removes an official's authenticator (lost phone); audited, and the
    official is told."""
    other = _visible_user(request, pk)
    try:
        services.totp_reset(actor=request.user, user=other)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Đã đặt lại xác thực hai lớp của %(name)s; lần đăng nhập tới họ đăng ký lại.")
            % {"name": other},
        )
    return redirect("accounts:user_detail", pk=other.pk)


@login_required
def user_create(request):
    if not permissions.can_manage_users(request.user):
        raise PermissionDenied
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = unit_get(code=data["unit_code"])
        if unit is None:
            form.add_error("unit_code", _("Không có đơn vị đang hoạt động với mã này."))
        else:
            try:
                user = services.user_create(
                    actor=request.user,
                    username=data["username"],
                    password=data["password"],
                    unit=unit,
                    roles=[r.code for r in data["roles"]],
                    full_name=data["full_name"],
                    email=data["email"],
                    position=data["position"],
                    phone=data["phone"],
                )
            except PermissionDenied:
                form.add_error("unit_code", _("Đơn vị này nằm ngoài phạm vi quản lý của bạn."))
            except ValidationError as exc:
                _form_errors_from(form, exc, field_map={"unit": "unit_code"})
            else:
                messages.success(request, _("Đã tạo tài khoản %(name)s.") % {"name": user})
                return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_create.html", {"form": form})
