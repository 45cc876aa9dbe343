"""Download a report as a pre-filled Excel workbook, and upload it back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dantoc.core.errors import ImportRejected, RowError
from dantoc.geo.selectors import unit_get
from dantoc.reporting import selectors, services
from dantoc.reporting.periods import PeriodError
from dantoc.reporting.permissions import can_enter, can_view_report
from dantoc.reporting.xlsx import (
    MAX_UPLOAD_BYTES,
    XLSX_CONTENT_TYPE,
    report_workbook,
    report_xlsx_filename,
    report_xlsx_import,
)

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


def _error_text(error: RowError) -> str:
    if error.sheet and error.row:
        return _("Sheet “%(sheet)s”, ô %(cell)s: %(message)s") % {
            "sheet": error.sheet,
            "cell": f"{error.column}{error.row}",
            "message": error.message,
        }
    if error.sheet:
        return _("Sheet “%(sheet)s”: %(message)s") % {
            "sheet": error.sheet,
            "message": error.message,
        }
    return error.message


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
    try:
        result = report_xlsx_import(
            actor=request.user, form=form, unit=unit, period=period, data=upload.read()
        )
    except ImportRejected as exc:
        messages.error(
            request,
            _("Không nhập được tệp Excel (%(n)s lỗi); không có giá trị nào được ghi.")
            % {"n": len(exc.errors)},
        )
        for error in exc.errors[:MAX_ERROR_MESSAGES]:
            messages.error(request, _error_text(error))
        if len(exc.errors) > MAX_ERROR_MESSAGES:
            messages.error(
                request,
                _("… và %(n)s lỗi khác") % {"n": len(exc.errors) - MAX_ERROR_MESSAGES},
            )
        return back
    except services.ReportClosed as exc:
        messages.error(request, str(exc))
        return back
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    saved, deleted = result.count("saved"), result.count("deleted")
    if saved or deleted:
        text = _("Đã nhập %(n)s giá trị từ tệp Excel") % {"n": saved}
        if deleted:
            text += _(", xoá %(n)s giá trị") % {"n": deleted}
        messages.success(request, text + ".")
    else:
        messages.info(request, _("Tệp Excel không có thay đổi nào so với số liệu hiện có."))
    # Rule violations are listed by the entry page itself, which this redirects to.
    return back
