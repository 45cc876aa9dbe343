"""Officers' pages (list, issue, update, cancel) and the public pages of warnings (the list,
one message, its CAP document)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from dantoc.alerts import cap, permissions, selectors, services
from dantoc.alerts.forms import AlertForm, CancelForm, initial_from
from dantoc.core.pagecache import public_page


def _base_url(request) -> str:
    return (settings.SITE_URL or request.build_absolute_uri("/")).rstrip("/")


def public_url(request, alert) -> str:
    return _base_url(request) + reverse("alerts:public_detail", args=[alert.uuid])


def _service_errors(form, error: ValidationError) -> None:
    """Put a service's refusal on the form's fields (or on the whole form)."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            target = {"infos": None, "hazard": "hazard", "level": "level", "status": "status"}
            name = target.get(field, field if field in form.fields else None)
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


@login_required
@require_safe
def manage_list(request):
    if not permissions.can_view_alert_pages(request.user):
        raise Http404
    alerts = list(selectors.alerts_for_officer(user=request.user)[:100])
    return render(
        request,
        "alerts/manage_list.html",
        {
            "alerts": alerts,
            "can_issue": permissions.can_issue_alerts(request.user),
            "changeable": {
                a.pk
                for a in alerts
                if not a.is_cancel and permissions.can_change_alert(request.user, a)
            },
        },
    )


def _alert_form_page(request, *, alert=None):
    if request.method == "POST":
        form = AlertForm(request.POST, user=request.user, alert=alert)
        if request.POST.get("action") == "add":
            form = form.with_commune_added()
        elif form.is_valid():
            try:
                if alert is None:
                    saved = services.alert_issue(
                        actor=request.user,
                        content=form.content(),
                        request_token=form.cleaned_data["token"],
                    )
                else:
                    saved = services.alert_update(
                        actor=request.user,
                        alert=alert,
                        content=form.content(),
                        request_token=form.cleaned_data["token"],
                    )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Đã phát cảnh báo %(id)s.") % {"id": saved.identifier}
                    if alert is None
                    else _("Đã cập nhật cảnh báo (%(id)s).") % {"id": saved.identifier},
                )
                return redirect("alerts:manage_list")
    else:
        form = AlertForm(
            user=request.user, alert=alert, initial=initial_from(alert) if alert else None
        )
    return render(
        request,
        "alerts/alert_form.html",
        {"form": form, "alert": alert},
        status=400 if request.method == "POST" and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def issue(request):
    if not permissions.can_issue_alerts(request.user):
        raise PermissionDenied
    return _alert_form_page(request)


def _changeable(request, uuid):
    alert = selectors.alert_get(uuid=uuid)
    if alert is None or not permissions.can_view_alert_pages(request.user):
        raise Http404
    if not permissions.can_change_alert(request.user, alert):
        raise PermissionDenied
    if not alert.is_latest or alert.is_cancel:
        messages.error(request, _("Cảnh báo này đã được cập nhật hoặc hủy; đây là bản mới nhất."))
        return None
    return alert


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def update(request, uuid):
    alert = _changeable(request, uuid)
    if alert is None:
        return redirect("alerts:manage_list")
    return _alert_form_page(request, alert=alert)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request, uuid):
    """A confirmation page first; the POST with the box ticked and a reason cancels."""
    alert = _changeable(request, uuid)
    if alert is None:
        return redirect("alerts:manage_list")
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.alert_cancel(
                actor=request.user,
                alert=alert,
                reason=form.cleaned_data["reason"],
                request_token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("Đã hủy cảnh báo (%(id)s).") % {"id": saved.identifier})
            return redirect("alerts:manage_list")
    return render(
        request,
        "alerts/cancel_confirm.html",
        {"alert": alert, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_safe
@public_page
def public_list(request):
    return render(
        request, "alerts/public_list.html", {"alerts": list(selectors.alerts_active()[:100])}
    )


@require_safe
@public_page
def public_detail(request, uuid):
    alert = selectors.alert_get(uuid=uuid)
    if alert is None:
        raise Http404
    return render(
        request,
        "alerts/public_detail.html",
        {"alert": alert, "messages_of_thread": selectors.thread_messages(alert)},
    )


@require_safe
def cap_document(request, uuid):
    """The CAP 1.2 document of one message, at an address that never changes."""
    alert = selectors.alert_get(uuid=uuid)
    if alert is None:
        raise Http404
    body = cap.alert_document(alert, web=public_url(request, alert))
    response = HttpResponse(body, content_type=cap.CONTENT_TYPE)
    response["Cache-Control"] = "public, max-age=60"
    return response
