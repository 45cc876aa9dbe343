"""Pages of the channels app: citizens subscribe to warnings (and leave in one step); the
administrators' outbox; an official's channel choice; the Zalo webhook."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from dantoc.channels import permissions, selectors, services, zalo
from dantoc.channels.forms import ConfirmForm, OutboxFilterForm, PreferenceForm, SubscribeForm
from dantoc.channels.models import ChannelPreference, OutboxMessage, Subscription
from dantoc.channels.text import phone_masked
from dantoc.geo.models import Unit, UnitLevel

# The citizen pages keep "my commune" in this cookie (dantoc/citizens/views.py).
COMMUNE_COOKIE = "dantoc_commune"


def _errors_on(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["commune"].strip()
            commune = Unit.objects.filter(
                code=code, level=UnitLevel.COMMUNE, valid_to__isnull=True
            ).first()
            try:
                sub, sent = services.subscription_sms_start(
                    phone=form.cleaned_data["phone"],
                    commune=commune,
                    language=form.cleaned_data["language"] or "vi",
                    consent=form.cleaned_data["consent"],
                )
            except ValidationError as error:
                _errors_on(form, error)
            else:
                if sub.confirmed_at is not None:
                    messages.info(request, _("Số này đã đăng ký nhận cảnh báo của xã này."))
                    return redirect("channels:subscribed", uuid=sub.uuid)
                if not sent:
                    messages.warning(
                        request, _("Đã gửi mã nhiều lần; hãy dùng mã trong tin nhắn đã nhận.")
                    )
                return redirect("channels:confirm", uuid=sub.uuid)
    else:
        commune = Unit.objects.filter(
            code=request.COOKIES.get(COMMUNE_COOKIE, ""),
            level=UnitLevel.COMMUNE,
            valid_to__isnull=True,
        ).first()
        form = SubscribeForm(initial={"commune": commune.code if commune else ""})
    return render(
        request,
        "channels/subscribe.html",
        {"form": form, "consent_text": services.consent_text()},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, uuid):
    sub = get_object_or_404(Subscription, uuid=uuid, unsubscribed_at__isnull=True)
    if sub.confirmed_at is not None:
        return redirect("channels:subscribed", uuid=sub.uuid)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_confirm(subscription=sub, code=form.cleaned_data["code"])
        except ValidationError as error:
            _errors_on(form, error)
        else:
            return redirect("channels:subscribed", uuid=sub.uuid)
    return render(
        request,
        "channels/confirm.html",
        {"form": form, "sub": sub, "phone": phone_masked(sub.address)},
    )


@require_http_methods(["GET", "HEAD"])
def subscribed(request, uuid):
    sub = get_object_or_404(
        Subscription, uuid=uuid, confirmed_at__isnull=False, unsubscribed_at__isnull=True
    )
    return render(
        request,
        "channels/subscribed.html",
        {"sub": sub, "phone": phone_masked(sub.address)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """One step: the link in the messages opens this page, whose one button ends it (a GET
    never changes anything: link previewers and prefetchers follow links)."""
    sub = Subscription.objects.filter(unsubscribe_token=token).select_related("commune").first()
    if sub is None:
        raise Http404
    done = sub.unsubscribed_at is not None
    if request.method == "POST" and not done:
        services.subscription_unsubscribe_by_token(token=token)
        done = True
    return render(
        request,
        "channels/unsubscribe.html",
        {"sub": sub, "done": done, "phone": phone_masked(sub.address)},
    )


def _shown_text(message: OutboxMessage) -> str:
    """What the outbox shows of a message: a confirmation code is a secret of the citizen's,
    not something an administrator needs to read."""
    text = message.subject or message.body
    if message.source.startswith("subscription:"):
        text = re.sub(r"\b\d{6}\b", "••••••", text)
    return text


@login_required
@require_http_methods(["GET", "HEAD"])
def outbox(request):
    if not permissions.can_view_outbox(request.user):
        raise Http404
    form = OutboxFilterForm(request.GET or None)
    state = channel = ""
    if form.is_valid():
        state = form.cleaned_data["state"]
        channel = form.cleaned_data["channel"]
    page = Paginator(selectors.outbox_list(state=state, channel=channel), 50).get_page(
        request.GET.get("trang")
    )
    rows = [(m, phone_masked(m.address), _shown_text(m)) for m in page.object_list]
    return render(
        request,
        "channels/outbox.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "counts": selectors.outbox_counts(),
            "subscriptions": selectors.subscription_counts(),
            "query": f"state={state}&channel={channel}",
        },
    )


@login_required
@require_POST
def outbox_requeue(request, uuid):
    if not permissions.can_view_outbox(request.user):
        raise Http404
    message = get_object_or_404(OutboxMessage, uuid=uuid)
    try:
        services.outbox_requeue(actor=request.user, message=message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Đã xếp tin nhắn vào hàng chờ gửi lại."))
    return redirect("channels:outbox")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preference(request):
    pref = ChannelPreference.objects.filter(user=request.user).first()
    initial = {
        "urgent_channel": pref.urgent_channel if pref else "email",
        "phone": pref.phone if pref else "",
        "zalo_user_id": pref.zalo_user_id if pref else "",
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_save(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_on(form, error)
        else:
            messages.success(request, _("Đã lưu lựa chọn kênh nhận tin."))
            return redirect("channels:preference")
    return render(request, "channels/preference.html", {"form": form})


@csrf_exempt
@require_POST
def zalo_webhook(request):
    """Zalo's events (follow, a follower's text, ZNS delivery): verified by their
    ``X-ZEvent-Signature``; anything else is refused and nothing is stored."""
    if not zalo.configured():
        raise Http404
    try:
        event = zalo.webhook_verify(
            body=request.body, header=request.headers.get("X-ZEvent-Signature", "")
        )
    except ValueError:
        return HttpResponseForbidden("bad signature")
    result = services.zalo_event_handle(event=event)
    return JsonResponse({"result": result})
