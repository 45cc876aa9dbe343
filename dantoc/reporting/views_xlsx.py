"""Download a report as a pre-filled Excel workbook, and upload it back."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dantoc.audit.services import job_audit
from dantoc.core.jobs import job_create
from dantoc.geo.selectors import unit_get
from dantoc.reporting import selectors, services
from dantoc.reporting.periods import PeriodError
from dantoc.reporting.permissions import can_enter, can_view_report
from dantoc.reporting.services.xlsx import (
    MAX_UPLOAD_BYTES,
    XLSX_CONTENT_TYPE,
    report_workbook,
    report_xlsx_filename,
)
from dantoc.reporting.tasks import xlsx_import_task
from dantoc.reporting.xlsx_messages import import_messages

MAX_ERROR_MESSAGES = 50


def _resolve(form_code: str, period_code: str, unit_code: str):
    """The active form version, the period and the unit of a report URL; 404 if unknown."""
    form = selectors.form_get(code=form_code)
    if form is None:
        raise Http404(_("Không có biểu mẫu này."))
    try:
        period = services.period_resolve(period_type=form.period_type, code=period_code)
    except PeriodError as exc:
        raise Http404(str(exc)) from exc
    unit = unit_get(code=unit_code, as_of=period.end_date)
    if unit is None or unit.level != form.reporting_level:
        raise Http404(_("Không có đơn vị này."))
    return form, period, unit


def _entry_url(form_code: str, period_code: str, unit_code: str) -> str:
    return f"/reporting/{form_code}/{period_code}/{unit_code}/"


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@login_required
@require_safe
def report_xlsx_download(request, form_code: str, period_code: str, unit_code: str):
    form, period, unit = _resolve(form_code, period_code, unit_code)
    if not can_view_report(request.user, unit):
        raise Http404(_("Không có đơn vị này trong phạm vi của bạn."))
    submission = selectors.submission_for(form=form, unit=unit, period=period)
    if submission is not None and submission.form_id != form.pk:
        form = submission.form  # the same version as the entry page shows
    layout = selectors.form_layout(form)
    values = selectors.values_for(layout=layout, unit=unit, period=period)
    content = report_workbook(form=form, unit=unit, period=period, values=values, layout=layout)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    filename = report_xlsx_filename(form=form, unit=unit, period=period)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _looks_like_xlsx(upload) -> bool:
    name = (upload.name or "").lower()
    return name.endswith((".xlsx", ".xlsm")) or upload.content_type == XLSX_CONTENT_TYPE


@login_required
@require_POST
def report_xlsx_upload(request, form_code: str, period_code: str, unit_code: str):
    form, period, unit = _resolve(form_code, period_code, unit_code)
    if not can_enter(request.user, unit):
        raise PermissionDenied
    back = _see_other(_entry_url(form.code, period.code, unit.code))
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Hãy chọn tệp Excel (.xlsx) để tải lên."))
        return back
    if upload.size > MAX_UPLOAD_BYTES:
        messages.error(
            request,
            _("Tệp lớn hơn %(mb)s MB: hãy tải lên đúng biểu mẫu đã tải về từ hệ thống.")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
        )
        return back
    if not _looks_like_xlsx(upload):
        messages.error(request, _("Tệp tải lên không phải là tệp Excel .xlsx."))
        return back
    data = upload.read()
    if len(data) >= settings.DANTOC_BACKGROUND_UPLOAD_BYTES:
        # A large file: read in the background, followed on a progress page.
        job = job_create(
            owner=request.user,
            kind="reporting.xlsx_import",
            title=_("Nhập tệp Excel: %(form)s kỳ %(period)s, %(unit)s")
            % {"form": form.code, "period": period.label, "unit": unit.name},
            params={
                "form": form.code,
                "period": period.code,
                "unit": unit.code,
                "language": translation.get_language(),
            },
            back_url=_entry_url(form.code, period.code, unit.code),
            payload=data,
            enqueue=xlsx_import_task.enqueue,
        )
        job_audit(job_id=job.pk, action="core.job_start")
        return _see_other(reverse("core:job", args=[job.pk]))
    for level, text in import_messages(
        actor=request.user, form=form, unit=unit, period=period, data=data
    ):
        getattr(messages, level)(request, text)
    # Rule violations are listed by the entry page itself, which this redirects to.
    return back
