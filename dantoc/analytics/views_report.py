"""The aggregate report (báo cáo tổng hợp) page and its PDF / XLSX downloads.

The page is a small GET form (form, period, unit, and for those allowed, unapproved figures)
with a preview of the document; the downloads take the same parameters. A request that names
an unknown form, a malformed period or an unknown unit gets the page back with the reason
(400); one for unapproved figures outside the user's scope is refused (403).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dantoc.analytics.documents import (
    AdminDocument,
    DocTable,
    HeaderCell,
    cell_text,
    number_line,
    render_pdf,
    render_xlsx,
    vn_date_line,
)
from dantoc.analytics.permissions import can_include_unapproved, can_view_analytics
from dantoc.analytics.query import QueryError
from dantoc.analytics.reports import (
    ReportError,
    aggregate_report,
    report_filename,
    report_form,
    report_period,
)
from dantoc.analytics.tasks import aggregate_report_task
from dantoc.audit.services import job_audit
from dantoc.core.jobs import job_create
from dantoc.geo.models import Unit
from dantoc.geo.pickers import unit_param
from dantoc.geo.selectors import unit_get
from dantoc.reporting import selectors as reporting_selectors
from dantoc.reporting.periods import period_containing, previous_period, recent_periods
from dantoc.reporting.services.xlsx import XLSX_CONTENT_TYPE

PDF_CONTENT_TYPE = "application/pdf"


@dataclass
class _Asked:
    form: str
    period: str
    unit: str
    unapproved: bool

    def query(self) -> str:
        params = {"form": self.form, "period": self.period, "unit": self.unit}
        if self.unapproved:
            params["unapproved"] = "1"
        return urlencode(params)


def _require_viewer(request) -> None:
    if not can_view_analytics(request.user):
        raise PermissionDenied(_("Tài khoản này không được xem số liệu tổng hợp."))


def _asked(request) -> _Asked:
    get = request.GET
    return _Asked(
        form=(get.get("form") or "").strip(),
        period=(get.get("period") or "").strip().upper(),
        unit=unit_param(get, "unit"),
        unapproved=get.get("unapproved") in ("1", "on", "true"),
    )


def period_options(form_code: str, today: datetime.date) -> list[tuple[str, str]]:
    """(code, name) of the form's recent periods, for the period field's suggestions."""
    form = reporting_selectors.form_get(code=form_code)
    if form is None:
        return []
    english = (get_language() or "vi").startswith("en")
    return [
        (p.code, p.label_en if english else p.label)
        for p in recent_periods(form.period_type.rule(), today)
    ]


def _default_period(form_code: str, today: datetime.date) -> str:
    """The latest period of the form that is open for reporting and has begun; else the last
    one that has ended."""
    form = reporting_selectors.form_get(code=form_code)
    if form is None:
        return ""
    begun = [w for w in reporting_selectors.open_periods(form, today=today) if w.start <= today]
    if begun:
        return max(begun, key=lambda w: w.start).code
    rule = form.period_type.rule()
    return previous_period(period_containing(today, rule), rule).code


def _unit(code: str) -> Unit:
    if not code:
        raise ReportError(_("Hãy nhập mã đơn vị (VN cho cả nước)."))
    unit = unit_get(code=code)
    if unit is None:
        raise ReportError(_("Không có đơn vị mã “%(code)s”.") % {"code": code})
    return unit


def _document(request, asked: _Asked) -> tuple[AdminDocument, Unit]:
    """The report asked for. ReportError for bad parameters, PermissionDenied for
    unapproved figures outside the user's scope."""
    if not asked.form:
        raise ReportError(_("Hãy chọn biểu mẫu."))
    if not asked.period:
        raise ReportError(_("Hãy nhập kỳ báo cáo, ví dụ 2026Q3."))
    unit = _unit(asked.unit)
    if asked.unapproved and not can_include_unapproved(request.user, [unit]):
        raise PermissionDenied(_("Số liệu chưa duyệt của đơn vị này ngoài phạm vi của bạn."))
    try:
        doc = aggregate_report(
            form_code=asked.form,
            unit=unit,
            period_code=asked.period,
            actor=request.user,
            include_unapproved=asked.unapproved,
        )
    except QueryError as exc:
        raise ReportError(str(exc)) from exc
    return doc, unit


@dataclass
class _PreviewTable:
    caption: str
    unit_note: str
    header: list[list[dict]]
    rows: list[dict]


def _preview(table: DocTable) -> _PreviewTable:
    header = [
        [
            {"text": cell.text, "colspan": cell.colspan, "rowspan": cell.rowspan}
            for cell in (c if isinstance(c, HeaderCell) else HeaderCell(c) for c in row)
        ]
        for row in table.header
    ]
    rows = [
        {
            "total": row.total,
            "cells": [
                {"text": cell_text(v), "num": not isinstance(v, str) and v is not None}
                for v in row.cells
            ],
        }
        for row in table.rows
    ]
    return _PreviewTable(table.caption, table.unit_note, header, rows)


def _page(request, asked: _Asked, *, doc=None, unit=None, error: str = "", status: int = 200):
    user = request.user
    scope_unit = unit or (unit_get(code=asked.unit) if asked.unit else None) or user.unit
    context = {
        "forms": list(reporting_selectors.active_forms().order_by("code")),
        "asked": asked,
        "may_include": scope_unit is not None and can_include_unapproved(user, [scope_unit]),
        "period_options": period_options(asked.form, timezone.localdate()),
        "error": error,
        "doc": doc,
    }
    if doc is not None:
        context.update(
            query=asked.query(),
            number_line=number_line(doc.number_symbol),
            date_line=vn_date_line(doc.place, doc.date),
            issuer_lines=doc.issuer.split("\n"),
            tables=[_preview(t) for t in doc.tables],
        )
    return render(request, "analytics/report.html", context, status=status)


@require_safe
@login_required
def report(request):
    _require_viewer(request)
    asked = _asked(request)
    if not asked.form:  # the first visit: the form with defaults, no report yet
        forms = reporting_selectors.active_forms().order_by("code")
        first = forms.filter(code="BM01-VON").first() or forms.first()
        asked.form = first.code if first else ""
        asked.period = asked.period or _default_period(asked.form, timezone.localdate())
        asked.unit = asked.unit or (request.user.unit.code if request.user.unit else "VN")
        return _page(request, asked)
    try:
        doc, unit = _document(request, asked)
    except ReportError as exc:
        return _page(request, asked, error=str(exc), status=400)
    return _page(request, asked, doc=doc, unit=unit)


def _download(request, render_file, content_type: str, extension: str):
    _require_viewer(request)
    asked = _asked(request)
    try:
        doc, unit = _document(request, asked)
    except ReportError as exc:
        return _page(request, asked, error=str(exc), status=400)
    response = HttpResponse(render_file(doc), content_type=content_type)
    name = report_filename(asked.form, asked.period, unit.code, extension)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@login_required
def report_generate(request):
    """Make the PDF or XLSX in the background and follow it on a progress page (a national
    report reads every province's figures: seconds, not a silent wait)."""
    _require_viewer(request)
    post = request.POST
    asked = _Asked(
        form=(post.get("form") or "").strip(),
        period=(post.get("period") or "").strip().upper(),
        unit=(post.get("unit") or "").strip(),
        unapproved=post.get("unapproved") in ("1", "on", "true"),
    )
    fmt = post.get("format") if post.get("format") in ("pdf", "xlsx") else "pdf"
    try:
        form = report_form(asked.form)
        window = report_period(form, asked.period, timezone.localdate())
        unit = _unit(asked.unit)
    except ReportError as exc:
        return _page(request, asked, error=str(exc), status=400)
    if asked.unapproved and not can_include_unapproved(request.user, [unit]):
        raise PermissionDenied(_("Số liệu chưa duyệt của đơn vị này ngoài phạm vi của bạn."))
    job = job_create(
        owner=request.user,
        kind="analytics.aggregate_report",
        title=_("Báo cáo tổng hợp %(form)s kỳ %(period)s, %(unit)s (%(fmt)s)")
        % {"form": form.code, "period": window.label, "unit": unit.name, "fmt": fmt.upper()},
        params={
            "form": form.code,
            "period": window.code,
            "unit": unit.code,
            "unapproved": asked.unapproved,
            "format": fmt,
            "language": translation.get_language(),
        },
        back_url=f"{reverse('analytics:report')}?{asked.query()}",
        enqueue=aggregate_report_task.enqueue,
    )
    job_audit(job_id=job.pk, action="core.job_start")
    return redirect("core:job", job_id=job.pk)


@require_safe
@login_required
def report_pdf(request):
    return _download(request, render_pdf, PDF_CONTENT_TYPE, "pdf")


@require_safe
@login_required
def report_xlsx(request):
    return _download(request, render_xlsx, XLSX_CONTENT_TYPE, "xlsx")
