"""Pages of the reporting system: the reporter's list, the entry form, review, completeness."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dantoc.accounts.permissions import unit_in_scope
from dantoc.core.templatetags.vn import format_number_vi
from dantoc.geo.selectors import unit_ancestors, unit_get
from dantoc.reporting import selectors, services
from dantoc.reporting.models import LOCKED_STATUSES, SubmissionStatus, submission_status_label
from dantoc.reporting.periods import PeriodError
from dantoc.reporting.permissions import can_enter, can_review, can_view_report


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
    closed = services.entry_closed_reason(
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
        },
        status=400 if errors else 200,
    )


def value_display(cell, value) -> str:
    """A stored value as a Vietnamese official types it: 1.234.567,5."""
    if value is None or value.deleted:
        return ""
    if value.numeric is None or not cell.indicator.is_numeric:
        return value.value
    return format_number_vi(value.numeric)


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
@require_POST
def report_submit(request, form_code, period_code, unit_code):
    return _decision(request, form_code, period_code, unit_code, "submit")


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
    return render(
        request,
        "reporting/completeness.html",
        {
            "form": form,
            "period": period,
            "data": data,
            "ancestors": [a for a in _chain(root) if unit_in_scope(user, a)],
            "reviewer_of_children": root.level != form.reporting_level,
        },
    )


def _chain(unit):

    return unit_ancestors(unit)
