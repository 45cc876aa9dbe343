from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from dantoc.accounts import permissions, selectors, services
from dantoc.accounts.forms import LoginForm, TokenForm, UserCreateForm
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
        services.login_record(user=form.get_user(), ip_address=_client_ip(self.request))
        return response


@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: show the secret as a QR code and as text, check one code."""
    user = request.user
    device = services.totp_device_for(user, confirmed=False)
    if request.method == "POST" and device is not None:
        form = TokenForm(request.POST)
        if form.is_valid() and services.totp_enrolment_confirm(
            user=user, device=device, token=form.cleaned_data["token"]
        ):
            otp_login(request, device)
            messages.success(request, _("Đã bật xác thực hai lớp."))
            return redirect(_safe_next(request, reverse("core:home")))
        if form.is_valid():
            form.add_error("token", _("Mã không đúng hoặc đã hết hạn, hãy thử mã mới."))
    else:
        if device is None:
            device = services.totp_enrolment_start(user=user)
        form = TokenForm()
    secret_b32 = base64.b32encode(bytes.fromhex(device.key)).decode()
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111")
    return render(
        request,
        "accounts/2fa_setup.html",
        {"form": form, "secret": secret_b32, "qr_svg": qr_svg, "next": _safe_next(request, "")},
    )


def _throttle_message(device) -> str | None:
    """django-otp slows guessing down after each wrong code; tell the official until when."""
    allowed, info = device.verify_is_allowed()
    if allowed or not info or not info.get("locked_until"):
        return None
    until = timezone.localtime(info["locked_until"])
    return _("Mã không đúng. Đã nhập sai %(n)s lần; hãy thử lại sau %(time)s.") % {
        "n": info.get("failure_count", ""),
        "time": until.strftime("%H:%M:%S"),
    }


@login_required
def two_factor_verify(request):
    device = services.totp_device_for(request.user, confirmed=True)
    if device is None:
        return redirect(reverse("accounts:2fa_setup"))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            otp_login(request, device)
            return redirect(_safe_next(request, reverse("core:home")))
        form.add_error("token", _throttle_message(device) or _("Mã không đúng hoặc đã hết hạn."))
    return render(
        request, "accounts/2fa_verify.html", {"form": form, "next": _safe_next(request, "")}
    )


@login_required
def user_list(request):
    users = selectors.users_visible_to(request.user)
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
            "can_manage": permissions.can_manage_users(request.user),
        },
    )


@login_required
def user_detail(request, pk: int):
    other = User.objects.select_related("unit").prefetch_related("roles").filter(pk=pk).first()
    # Out-of-scope accounts answer exactly like missing ones: no probing of who exists.
    if other is None or not permissions.can_view_user(request.user, other):
        raise Http404
    return render(request, "accounts/user_detail.html", {"other": other})


@login_required
def user_create(request):
    if not permissions.can_manage_users(request.user):
        raise PermissionDenied
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = unit_get(code=data["unit_code"])
        if unit is None or not unit.is_current:
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
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Đã tạo tài khoản %(name)s.") % {"name": user})
                return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_create.html", {"form": form})
