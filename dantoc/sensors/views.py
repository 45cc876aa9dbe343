"""Pages of the sensors app: the devices of an officer's area, registering and revoking
them, their reading streams, and the threshold crossings waiting for a decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dantoc.sensors import permissions, selectors, services
from dantoc.sensors.forms import CrossingDecisionForm, DatastreamForm, DeviceForm
from dantoc.sensors.models import CrossingState, ThresholdCrossing


def _viewer(request) -> None:
    if not permissions.can_view_devices(request.user):
        raise Http404


def device_list(request):
    _viewer(request)
    devices = list(selectors.devices_for_user(user=request.user)[:300])
    return render(
        request,
        "sensors/device_list.html",
        {
            "devices": devices,
            "can_register": permissions.can_register_devices(request.user),
            "pending": selectors.pending_crossings_count(user=request.user),
        },
    )


def device_register(request):
    if not permissions.can_register_devices(request.user):
        raise Http404
    form = DeviceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            device, secret = services.device_register(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The secret is shown once, on this answer; only its hash is kept.
            return _secret_page(request, device, secret)
    return render(request, "sensors/device_form.html", {"form": form})


def _secret_page(request, device, secret):
    response = render(request, "sensors/device_secret.html", {"device": device, "secret": secret})
    response["Cache-Control"] = "no-store"  # the secret is in this answer only
    return response


def _device(request, uuid):
    _viewer(request)
    device = selectors.device_get(uuid=uuid)
    if device is None or not permissions.can_view_device(request.user, device):
        raise Http404
    return device


def device_detail(request, uuid):
    device = _device(request, uuid)
    can_manage = permissions.can_manage_device(request.user, device)
    form = DatastreamForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if form.is_valid():
            try:
                services.datastream_create(actor=request.user, device=device, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Đã thêm luồng số liệu."))
                return redirect("sensors:device_detail", uuid=device.uuid)
    streams = [
        (s, selectors.recent_readings(datastream=s))
        for s in device.datastreams.select_related("indicator")
    ]
    return render(
        request,
        "sensors/device_detail.html",
        {"device": device, "streams": streams, "form": form, "can_manage": can_manage},
    )


@require_POST
def device_revoke(request, uuid):
    device = _device(request, uuid)
    try:
        services.device_revoke(actor=request.user, device=device)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Đã thu hồi thiết bị: số đo của thiết bị bị từ chối từ bây giờ."))
    return redirect("sensors:device_detail", uuid=device.uuid)


@require_POST
def device_secret_renew(request, uuid):
    device = _device(request, uuid)
    try:
        secret = services.device_secret_renew(actor=request.user, device=device)
    except PermissionDenied:
        raise Http404 from None
    return _secret_page(request, device, secret)


def crossing_list(request):
    _viewer(request)
    crossings = list(selectors.crossings_for_user(user=request.user)[:200])
    decidable = {c.pk for c in crossings if permissions.can_decide_crossing(request.user, c)}
    drafts = {
        c.pk: services.crossing_draft(c)
        for c in crossings
        if c.pk in decidable and c.state == CrossingState.PENDING
    }
    return render(
        request,
        "sensors/crossing_list.html",
        {
            "crossings": [(c, drafts.get(c.pk)) for c in crossings],
            "decidable": decidable,
            "form": CrossingDecisionForm(),
        },
    )


@require_POST
def crossing_decide(request, pk: int):
    _viewer(request)
    crossing = (
        ThresholdCrossing.objects.select_related("datastream__device__unit").filter(pk=pk).first()
    )
    if crossing is None or not permissions.can_decide_crossing(request.user, crossing):
        raise Http404
    try:
        if request.POST.get("action") == "dismiss":
            services.crossing_dismiss(actor=request.user, crossing=crossing)
            messages.success(request, _("Đã bỏ qua lần vượt ngưỡng."))
        else:
            form = CrossingDecisionForm(request.POST)
            if not form.is_valid():
                messages.error(
                    request,
                    _("Chọn cấp độ rủi ro và tính chất của cảnh báo; tiêu đề tối đa 160 ký tự."),
                )
                return redirect("sensors:crossing_list")
            alert = services.crossing_issue_alert(
                actor=request.user, crossing=crossing, **form.cleaned_data
            )
            messages.success(request, _("Đã phát cảnh báo."))
            return redirect("alerts:public_detail", uuid=alert.uuid)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("sensors:crossing_list")
