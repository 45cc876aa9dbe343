"""Pages of the reporting system: the reporter's list, the entry form, review, completeness."""

from __future__ import annotations

import hashlib
import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from openpyxl import Workbook

from dantoc.accounts.permissions import unit_in_scope
from dantoc.core.csvfiles import csv_writer, xlsx_guard_workbook, xlsx_row
from dantoc.geo.selectors import unit_ancestors, unit_get
from dantoc.reporting import selectors, services
from dantoc.reporting.models import LOCKED_STATUSES, SubmissionStatus, submission_status_label
from dantoc.reporting.periods import PeriodError
from dantoc.reporting.permissions import can_enter, can_review, can_view_report
from dantoc.reporting.services.xlsx import XLSX_CONTENT_TYPE


def resolve_report(request, form_code: str, period_code: str, unit_code: str | None = None):
    """Form (the submission's version if one exists, else the active one), period and unit of
    a report URL; 404 for anything unknown or outside the viewer's scope."""
    form = selectors.form_get(code=form_code)
    if form is None:
        raise Http404(_("Không có biểu mẫu này."))
    try:
        period = services.period_resolve(period_type=form.period_type, code=period_code)
    except PeriodError as exc:
        raise Http404(str(exc)) from exc
    if unit_code is None:
        return form, period, None
    unit = unit_get(code=unit_code, as_of=period.end_date)
    if unit is None or not can_view_report(request.user, unit):
        raise Http404(_("Không có đơn vị này trong phạm vi của bạn."))
    submission = selectors.submission_for(form=form, unit=unit, period=period)
    if submission is not None and submission.form_id != form.pk:
        form = submission.form  # a filed report keeps the version it was filed on
    return form, period, unit


def _report_url(form, period, unit) -> str:
    return reverse("reporting:report", args=[form.code, period.code, unit.code])


@login_required
def report_index(request):
    """What the signed-in official has to do now: their unit's reports and, for officers,
    the reports of the units below."""
    user = request.user
    rows = []
    for form in selectors.active_forms():
        if form.computed:
            continue  # nothing to do: the platform writes these itself
        for window in selectors.open_periods(form):
            period = services.period_resolve(period_type=form.period_type, code=window.code)
            row = {"form": form, "period": period, "deadline": None, "submission": None}
            unit = user.unit
            if unit is not None and unit.level == form.reporting_level and can_enter(user, unit):
                row["unit"] = unit
                row["submission"] = selectors.submission_for(form=form, unit=unit, period=period)
                row["status_label"] = submission_status_label(row["submission"])
                row["deadline"] = selectors.deadline_for(form, unit.level, period)
                row["opens_on"] = form.opens_on(period)
            rows.append(row)
    awaiting = []
    if user.unit is not None and any(
        can_review(user, child) for child in user.unit.children.all()[:1]
    ):
        awaiting = list(selectors.submissions_awaiting_review(user=user)[:200])
    return render(
        request,
        "reporting/index.html",
        {"rows": rows, "unit": user.unit, "today": timezone.localdate(), "awaiting": awaiting},
    )


@login_required
def report_entry(request, form_code: str, period_code: str, unit_code: str):
    form, period, unit = resolve_report(request, form_code, period_code, unit_code)
    user = request.user
    may_enter = can_enter(user, unit)
    if request.method == "POST":
        if not may_enter or unit.level != form.reporting_level:
            raise PermissionDenied
        inputs, conflicts = _changed_cells(request.POST, form, unit, period)
        try:
            result = services.datavalues_save(
                actor=user, form=form, unit=unit, period=period, inputs=inputs, source="web"
            )
        except services.ReportClosed as exc:
            messages.error(request, str(exc))
            return redirect(_report_url(form, period, unit))
        result.cells.extend(conflicts)
        if result.errors:
            return _render_entry(request, form, period, unit, posted=request.POST, result=result)
        saved = result.count("saved") + result.count("deleted")
        messages.success(request, _("Đã lưu %(n)s giá trị.") % {"n": saved})
        return redirect(_report_url(form, period, unit))
    return _render_entry(request, form, period, unit)


def _changed_cells(post, form, unit, period):
    """The cells the person changed on the page (each input carries the value it showed, in
    ``b-``/``bc-``), so that saving the whole page never puts back an old value over one
    that someone else (an import, Excel, another session) changed meanwhile: such a cell is
    reported as a conflict and left as it is."""
    layout = selectors.form_layout(form)
    current = selectors.values_for(layout=layout, unit=unit, period=period)
    inputs, conflicts = [], []
    for key, cell in layout.cells.items():
        if f"v-{key}" not in post:
            continue
        value, comment = post.get(f"v-{key}", ""), post.get(f"c-{key}")  # None: not sent
        base, base_comment = post.get(f"b-{key}"), post.get(f"bc-{key}")
        if base is not None and value == base and comment in (None, base_comment or ""):
            continue  # untouched on the page
        stored = current.get(key)
        if base is not None and value_display(cell, stored) != base:
            conflicts.append(
                services.CellOutcome(
                    key,
                    "error",
                    value=value,
                    message=_(
                        "Trong lúc bạn nhập, giá trị đã được sửa thành “%(v)s”. Hãy kiểm tra rồi lưu lại."
                    )
                    % {"v": value_display(cell, stored) or "∅"},
                )
            )
            continue
        inputs.append(services.CellInput(key, value, comment))
    return inputs, conflicts


def _render_entry(request, form, period, unit, *, posted=None, result=None):
    from dantoc.reporting.validation import check_rules

    user = request.user
    layout = selectors.form_layout(form)
    values = selectors.values_for(layout=layout, unit=unit, period=period)
    submission = selectors.submission_for(form=form, unit=unit, period=period)
    closed = services.computed_form_reason(form) or services.entry_closed_reason(
        form=form, period=period, submission=submission, today=timezone.localdate()
    )
    may_enter = can_enter(user, unit) and closed is None and unit.level == form.reporting_level
    violations = check_rules(form.rules.all(), selectors.rule_values(layout=layout, values=values))
    errors = {c.key: c.message for c in result.errors} if result else {}
    warnings = {c.key: c.warning for c in result.cells if c.warning} if result else {}
    sections = []
    for section in layout.sections:
        shown, folded = [], []
        for row in section.rows:
            cells = []
            for column, cell in zip(section.columns, row.cells, strict=True):
                if cell is None:
                    cells.append({"column": column, "cell": None})
                    continue
                value = values.get(cell.key)
                raw = posted.get(f"v-{cell.key}") if posted is not None else None
                cells.append(
                    {
                        "column": column,
                        "cell": cell,
                        "value": value,
                        "display": raw if raw is not None else value_display(cell, value),
                        "base": value_display(cell, value),
                        "base_comment": value.comment if value else "",
                        "comment": (posted.get(f"c-{cell.key}") if posted else None)
                        or (value.comment if value else ""),
                        "error": errors.get(cell.key, ""),
                        "warning": warnings.get(cell.key, ""),
                    }
                )
            filled = any(c.get("display") for c in cells)
            (folded if row.optional and not filled else shown).append({"row": row, "cells": cells})
        sections.append({"section": section, "rows": shown, "folded": folded})
    reviewer = can_review(user, unit)
    changed_after = (
        selectors.changes_since_approval(submission=submission, layout=layout) if submission else 0
    )
    rules_json = [
        {
            "code": r.code,
            "left": r.left,
            "operator": r.operator,
            "right": r.right,
            "importance": r.importance,
            "message": r.message,
        }
        for r in form.rules.all()
    ]
    cells_json = {
        key: {
            "indicator": cell.indicator.code,
            "options": cell.options,
            "type": cell.indicator.value_type,
            "min": str(cell.min_value) if cell.min_value is not None else None,
            "max": str(cell.max_value) if cell.max_value is not None else None,
        }
        for key, cell in layout.cells.items()
    }
    status = submission.status if submission else SubmissionStatus.DRAFT
    review = (
        selectors.review_summary(form=form, unit=unit, period=period)
        if reviewer and status == SubmissionStatus.SUBMITTED
        else None
    )
    return render(
        request,
        "reporting/entry.html",
        {
            "form": form,
            "period": period,
            "unit": unit,
            "sections": sections,
            "submission": submission,
            "status": status,
            "status_label": submission_status_label(submission),
            "closed": closed,
            "may_enter": may_enter,
            "may_submit": can_enter(user, unit) and status not in LOCKED_STATUSES,
            "reviewer": reviewer,
            "violations": violations,
            "changed_after_approval": changed_after,
            "deadline": selectors.deadline_for(form, unit.level, period),
            "opens_on": form.opens_on(period),
            "locks_after": form.locks_after(period),
            "rules_json": rules_json,
            "cells_json": cells_json,
            "events": submission.events.select_related("actor").order_by("-at")[:10]
            if submission
            else [],
            "has_errors": bool(errors),
            "review": review,
        },
        status=400 if errors else 200,
    )


value_display = selectors.value_display


def _decision(request, form_code, period_code, unit_code, action):
    form, period, unit = resolve_report(request, form_code, period_code, unit_code)
    user = request.user
    try:
        if action == "submit":
            services.submission_submit(actor=user, form=form, unit=unit, period=period)
            messages.success(request, _("Đã nộp báo cáo. Cấp trên đã được thông báo."))
        elif action == "waive":
            services.submission_waive(
                actor=user,
                form=form,
                unit=unit,
                period=period,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Đã miễn báo cáo cho đơn vị."))
        else:
            submission = selectors.submission_for(form=form, unit=unit, period=period)
            if submission is None:
                raise services.SubmissionBlocked(_("Đơn vị chưa có báo cáo kỳ này."))
            if action == "approve":
                services.submission_approve(actor=user, submission=submission)
                messages.success(request, _("Đã duyệt báo cáo."))
            else:
                before = submission.status
                services.submission_return(
                    actor=user, submission=submission, reason=request.POST.get("reason", "")
                )
                if before == SubmissionStatus.WAIVED:
                    messages.success(request, _("Đã huỷ miễn báo cáo; đơn vị phải báo cáo kỳ này."))
                elif before == SubmissionStatus.APPROVED:
                    messages.success(request, _("Đã mở lại báo cáo đã duyệt; đơn vị được sửa lại."))
                else:
                    messages.success(request, _("Đã trả lại báo cáo kèm lý do."))
    except services.SubmissionBlocked as exc:
        messages.error(request, str(exc))
        for violation in exc.violations:
            messages.error(request, violation.message)
    except (services.ReportClosed, ValidationError) as exc:
        text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    return redirect(_report_url(form, period, unit))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_submit(request, form_code, period_code, unit_code):
    """GET: the confirmation step (a page without JavaScript; the entry page opens the same
    question in a dialog); POST: submit."""
    if request.method == "POST":
        return _decision(request, form_code, period_code, unit_code, "submit")
    form, period, unit = resolve_report(request, form_code, period_code, unit_code)
    if not can_enter(request.user, unit):
        raise PermissionDenied
    summary = selectors.review_summary(form=form, unit=unit, period=period)
    return render(
        request,
        "reporting/submit_confirm.html",
        {"form": form, "period": period, "unit": unit, "summary": summary},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def approve_many(request):
    """Approve several reports with one confirmation. GET (the ticked reports of the list
    "Chờ duyệt"): each with its rule warnings and large changes; POST: approve them, each one
    checked and audited on its own."""
    ids = [int(i) for i in request.POST.getlist("s") or request.GET.getlist("s") if i.isdigit()]
    if request.method == "POST":
        outcome = services.submissions_approve_many(actor=request.user, submission_ids=ids)
        if outcome.approved:
            messages.success(
                request,
                _("Đã duyệt %(n)s báo cáo: %(names)s.")
                % {
                    "n": len(outcome.approved),
                    "names": ", ".join(s.unit.name for s in outcome.approved),
                },
            )
        if outcome.already:
            messages.info(
                request,
                _("%(n)s báo cáo đã được duyệt trước đó: %(names)s.")
                % {
                    "n": len(outcome.already),
                    "names": ", ".join(s.unit.name for s in outcome.already),
                },
            )
        for submission, reason in outcome.refused:
            name = submission.unit.name if submission else _("Một báo cáo")
            messages.error(
                request,
                _("%(name)s: không duyệt được — %(reason)s") % {"name": name, "reason": reason},
            )
        return redirect("reporting:index")
    rows = []
    for submission in selectors.submissions_awaiting_review(user=request.user).filter(pk__in=ids):
        summary = selectors.review_summary(
            form=submission.form, unit=submission.unit, period=submission.period
        )
        rows.append({"submission": submission, "summary": summary})
    if not rows:
        messages.warning(request, _("Hãy chọn ít nhất một báo cáo đang chờ duyệt."))
        return redirect("reporting:index")
    return render(request, "reporting/approve_many.html", {"rows": rows})


@login_required
@require_POST
def report_approve(request, form_code, period_code, unit_code):
    return _decision(request, form_code, period_code, unit_code, "approve")


@login_required
@require_POST
def report_return(request, form_code, period_code, unit_code):
    return _decision(request, form_code, period_code, unit_code, "return")


@login_required
@require_POST
def report_waive(request, form_code, period_code, unit_code):
    return _decision(request, form_code, period_code, unit_code, "waive")


@login_required
def value_history(request, form_code, period_code, unit_code, key):
    form, period, unit = resolve_report(request, form_code, period_code, unit_code)
    layout = selectors.form_layout(form)
    cell = layout.cells.get(key)
    if cell is None:
        raise Http404
    from dantoc.reporting.models import DataValue

    value = (
        DataValue.objects.select_related("created_by")
        .filter(indicator=cell.indicator, unit=unit, period=period, options_key=cell.options_key)
        .first()
    )
    history = selectors.value_history(data_value=value) if value else None
    return render(
        request,
        "reporting/history.html",
        {
            "form": form,
            "period": period,
            "unit": unit,
            "cell": cell,
            "options": selectors.option_names(cell.options),
            "history": history,
        },
    )


@login_required
def completeness(request, form_code: str, period_code: str):
    form, period, _unit = resolve_report(request, form_code, period_code)
    user = request.user
    code = request.GET.get("unit")
    root = unit_get(code=code, as_of=period.end_date) if code else None
    if code and root is None:
        raise Http404(_("Không có đơn vị mã %(code)s trong kỳ này.") % {"code": code})
    if root is None:
        root = user.unit
        # An official of a unit created in 2025 looking at an earlier period starts from the
        # country when their own unit did not exist yet.
        if root is not None and not root.is_valid_on(period.end_date):
            root = unit_get(code="VN")
    # Who reported, late or approved is reporting information: read by those who take part in
    # reporting (can_view_report), not by every account whose unit covers the unit.
    if root is None or not can_view_report(user, root):
        raise Http404(_("Không có đơn vị này trong phạm vi của bạn."))
    data = selectors.completeness(form=form, period=period, root=root)
    status = request.GET.get("status", "")
    status = status if status in COMPLETENESS_FILTERS else ""
    order = request.GET.get("sort", "")
    order = order if order in COMPLETENESS_SORTS else "code"
    rows = [r for r in data.rows if COMPLETENESS_FILTERS[status][1](r)]
    rows.sort(key=COMPLETENESS_SORTS[order][1])
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _completeness_export(form, period, data, rows, fmt)
    return render(
        request,
        "reporting/completeness.html",
        {
            "form": form,
            "period": period,
            "data": data,
            "rows": rows,
            "ancestors": [a for a in _chain(root) if unit_in_scope(user, a)],
            "reviewer_of_children": root.level != form.reporting_level,
            "may_remind": services.can_review_or_root(user, root) and data.total.missing > 0,
            "filters": [(k, v[0]) for k, v in COMPLETENESS_FILTERS.items()],
            "sorts": [(k, v[0]) for k, v in COMPLETENESS_SORTS.items()],
            "status": status,
            "sort": order,
            "query": request.GET.urlencode(),
        },
    )


# status filter: label, test on a row (a unit's own report, or the units under a row)
COMPLETENESS_FILTERS = {
    "": (gettext_lazy("Tất cả"), lambda r: True),
    "missing": (gettext_lazy("Chưa nộp"), lambda r: r.missing > 0),
    "awaiting": (gettext_lazy("Chờ duyệt"), lambda r: r.submitted > r.approved),
    "late": (gettext_lazy("Nộp muộn"), lambda r: r.late > 0),
    "approved": (
        gettext_lazy("Đã duyệt đủ"),
        lambda r: r.expected > 0 and r.approved == r.expected,
    ),
}
COMPLETENESS_SORTS = {
    "code": (gettext_lazy("Mã đơn vị"), lambda r: r.unit.code),
    "name": (gettext_lazy("Tên đơn vị"), lambda r: (r.unit.name, r.unit.code)),
    "missing": (gettext_lazy("Nhiều đơn vị chưa nộp nhất"), lambda r: (-r.missing, r.unit.code)),
    "percent": (gettext_lazy("Tỷ lệ đã nộp thấp nhất"), lambda r: (r.percent, r.unit.code)),
}


def _completeness_export(form, period, data, rows, fmt: str) -> HttpResponse:
    head = [
        _("Mã đơn vị"), _("Đơn vị"), _("Trạng thái"), _("Phải nộp"), _("Đã nộp"),
        _("Đúng hạn"), _("Muộn"), _("Chưa nộp"), _("Đã duyệt"), _("Tỷ lệ đã nộp (%)"),
    ]  # fmt: skip
    own = form.reporting_level
    lines = [
        [r.unit.code, r.unit.name, str(r.status_label) if r.unit.level == own else "", r.expected,
         r.submitted, r.on_time, r.late, r.missing, r.approved, r.percent]
        for r in rows
    ]  # fmt: skip
    total = data.total
    lines.append(
        ["", _("Tổng"), "", total.expected, total.submitted, total.on_time, total.late,
         total.missing, total.approved, total.percent]
    )  # fmt: skip
    name = f"tinh-hinh-nop-{form.code}-{period.code}-{data.root.code}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv_writer(buffer, lineterminator="\r\n")
        writer.writerow(head)
        writer.writerows(lines)
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
    else:
        book = Workbook()
        sheet = book.active
        sheet.title = _("Tình hình nộp")[:31]
        sheet.append(xlsx_row(sheet, head))
        for line in lines:
            sheet.append(xlsx_row(sheet, line))
        sheet.column_dimensions["B"].width = 36
        xlsx_guard_workbook(book)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def completeness_remind(request, form_code: str, period_code: str):
    """ "Nhắc nộp": remind the units under ``unit`` that have not submitted (or the one
    ``target`` unit), at most once a day each."""
    form, period, _unit = resolve_report(request, form_code, period_code)
    root = unit_get(code=request.POST.get("unit", ""), as_of=period.end_date)
    if root is None or not can_view_report(request.user, root):
        raise Http404(_("Không có đơn vị này trong phạm vi của bạn."))
    target = request.POST.get("target")
    outcome = services.units_remind(
        actor=request.user,
        form=form,
        period=period,
        root=root,
        unit_codes=[target] if target else None,
    )
    if outcome.reminded:
        messages.success(
            request,
            _("Đã nhắc %(n)s đơn vị chưa nộp (thông báo và thư điện tử): %(names)s.")
            % {"n": len(outcome.reminded), "names": ", ".join(u.name for u in outcome.reminded)},
        )
    for unit, until in outcome.too_soon:
        messages.warning(
            request,
            _("%(name)s đã được nhắc trong 24 giờ qua; có thể nhắc lại sau %(time)s.")
            % {"name": unit.name, "time": timezone.localtime(until).strftime("%H:%M %d/%m/%Y")},
        )
    if outcome.no_reporter:
        names = [u.name for u in outcome.no_reporter]
        shown = ", ".join(names[:10]) + (f" (+{len(names) - 10})" if len(names) > 10 else "")
        messages.warning(
            request,
            _("%(n)s đơn vị chưa có cán bộ báo cáo nào để nhắc: %(names)s.")
            % {"n": len(names), "names": shown},
        )
    if not (outcome.reminded or outcome.too_soon or outcome.no_reporter):
        messages.info(request, _("Không có đơn vị nào chưa nộp để nhắc."))
    url = reverse("reporting:completeness", args=[form.code, period.code])
    back = unit_get(code=request.POST.get("back", ""), as_of=period.end_date)
    shown = back if back is not None and can_view_report(request.user, back) else root
    return redirect(f"{url}?unit={shown.code}")


def _chain(unit):

    return unit_ancestors(unit)


# The app shell the service worker keeps for opening the reports offline (hashed URLs).
OFFLINE_SHELL = [
    "css/site.css",
    "css/approvals.css",
    "js/form-entry.js",
    "js/outbox.js",
    "js/confirm-dialog.js",
    "favicon.svg",
    "manifest.webmanifest",
]


def service_worker(request):
    """``/sw.js``: static/js/offline-sw.js served from the site's root, so that its scope
    covers /reporting/, with the app shell's URLs (which change with each release) first."""
    source = finders.find("js/offline-sw.js")
    with open(source, encoding="utf-8") as handle:
        code = handle.read()
    shell = [static(name) for name in OFFLINE_SHELL]
    version = hashlib.sha256((json.dumps(shell) + code).encode()).hexdigest()[:12]
    body = f"self.SHELL={json.dumps(shell)};self.VERSION={json.dumps(version)};\n{code}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
