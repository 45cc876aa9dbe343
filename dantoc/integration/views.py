"""Administrators' pages: integration clients, their secrets (shown once), webhook
subscriptions and the delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dantoc.geo.selectors import unit_get
from dantoc.integration import selectors, services
from dantoc.integration.forms import ClientCreateForm, ClientEditForm, SubscriptionForm
from dantoc.integration.models import MessageStatus, WebhookMessage, WebhookSubscription
from dantoc.integration.permissions import can_manage_clients
from dantoc.integration.services import webhooks


def _require_admin(request) -> None:
    if not can_manage_clients(request.user):
        raise PermissionDenied


def _client_or_404(request, pk: int):
    # Out-of-scope clients answer exactly like missing ones.
    return get_object_or_404(selectors.clients_visible_to(request.user), pk=pk)


def _form_errors(form, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field_map.get(field, field)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _secret_page(request, *, client, title: str, secret: str, client_id: str = ""):
    response = render(
        request,
        "integration/secret.html",
        {"client": client, "title": title, "secret": secret, "client_id": client_id},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def client_list(request):
    _require_admin(request)
    return render(
        request,
        "integration/client_list.html",
        {"clients": selectors.clients_visible_to(request.user)},
    )


@login_required
@never_cache
def client_create(request):
    _require_admin(request)
    form = ClientCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = unit_get(code=data["unit_code"].strip())
        if unit is None:
            form.add_error("unit_code", _("Không có đơn vị đang hoạt động với mã này."))
        else:
            try:
                issued = services.client_create(
                    actor=request.user,
                    name=data["name"],
                    unit=unit,
                    scopes=data["scopes"],
                    rate_limit=data["rate_limit"],
                    contact=data["contact"],
                )
            except PermissionDenied:
                form.add_error("unit_code", _("Đơn vị này nằm ngoài phạm vi quản lý của bạn."))
            except ValidationError as exc:
                _form_errors(form, exc, {"unit": "unit_code"})
            else:
                return _secret_page(
                    request,
                    client=issued.client,
                    title=_("Đã tạo ứng dụng tích hợp"),
                    secret=issued.client_secret,
                    client_id=issued.client_id,
                )
    return render(request, "integration/client_create.html", {"form": form})


@login_required
def client_detail(request, pk: int):
    client = _client_or_404(request, pk)
    status = request.GET.get("status", "")
    if status not in MessageStatus.values:
        status = ""
    return render(
        request,
        "integration/client_detail.html",
        {
            "client": client,
            "edit_form": ClientEditForm(
                initial={
                    "scopes": client.scope_list,
                    "rate_limit": client.rate_limit,
                    "contact": client.contact,
                }
            ),
            "subscription_form": SubscriptionForm(),
            "subscriptions": selectors.client_subscriptions(client),
            "messages_log": selectors.client_messages(client, status=status),
            "status": status,
            "statuses": MessageStatus.choices,
        },
    )


@login_required
@require_POST
def client_edit(request, pk: int):
    client = _client_or_404(request, pk)
    form = ClientEditForm(request.POST)
    if form.is_valid():
        try:
            services.client_update(
                actor=request.user,
                client=client,
                scopes=form.cleaned_data["scopes"],
                rate_limit=form.cleaned_data["rate_limit"],
                contact=form.cleaned_data["contact"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã lưu thay đổi."))
    else:
        messages.error(request, _("Dữ liệu chưa hợp lệ: chọn ít nhất một phạm vi quyền."))
    return redirect("integration:client_detail", pk=client.pk)


@login_required
@require_POST
@never_cache
def client_rotate(request, pk: int):
    client = _client_or_404(request, pk)
    issued = services.client_rotate_secret(actor=request.user, client=client)
    return _secret_page(
        request,
        client=client,
        title=_("Đã đổi khoá bí mật"),
        secret=issued.client_secret,
        client_id=issued.client_id,
    )


@login_required
@require_POST
def client_active(request, pk: int):
    client = _client_or_404(request, pk)
    active = request.POST.get("active") == "1"
    services.client_set_active(actor=request.user, client=client, active=active)
    messages.success(
        request,
        _("Đã mở lại ứng dụng.") if active else _("Đã khoá ứng dụng; mọi mã truy cập bị thu hồi."),
    )
    return redirect("integration:client_detail", pk=client.pk)


@login_required
@require_POST
@never_cache
def subscription_create(request, pk: int):
    client = _client_or_404(request, pk)
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            subscription = webhooks.subscription_create(
                actor=request.user,
                client=client,
                url=data["url"],
                feed_names=data["feeds"],
                province_code=data["province_code"] or None,
                description=data["description"],
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return _secret_page(
                request,
                client=client,
                title=_("Đã đăng ký webhook %(url)s") % {"url": subscription.url},
                secret=subscription.secret,
            )
    else:
        messages.error(request, _("Địa chỉ nhận phải là URL http(s) đầy đủ."))
    return redirect("integration:client_detail", pk=client.pk)


@login_required
@require_POST
def subscription_delete(request, uuid):
    subscription = get_object_or_404(WebhookSubscription, uuid=uuid)
    client = _client_or_404(request, subscription.client_id)
    webhooks.subscription_delete(actor=request.user, subscription=subscription)
    messages.success(request, _("Đã huỷ đăng ký webhook."))
    return redirect("integration:client_detail", pk=client.pk)


@login_required
@require_POST
def message_retry(request, webhook_id: str):
    message = get_object_or_404(
        WebhookMessage.objects.select_related("subscription__client"), webhook_id=webhook_id
    )
    client = _client_or_404(request, message.subscription.client_id)
    try:
        webhooks.message_retry(actor=request.user, message=message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("Đã xếp lịch gửi lại."))
    return redirect("integration:client_detail", pk=client.pk)
