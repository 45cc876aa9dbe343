"""Analytics pages: the dashboard, the pivot table with its CSV/XLSX export, and targets."""

from __future__ import annotations

import io
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from dantoc.accounts.permissions import unit_in_scope
from dantoc.analytics import selectors, services
from dantoc.analytics.coverage import COVERAGE_THRESHOLD
from dantoc.analytics.models import ComputedIndicator, Target
from dantoc.analytics.permissions import can_include_unapproved, can_view_analytics
from dantoc.analytics.query import QueryError, analytics_run, parse_request
from dantoc.core.csvfiles import csv_writer, xlsx_guard_workbook
from dantoc.core.dates import parse_date
from dantoc.geo.models import Unit, UnitLevel
from dantoc.geo.pickers import unit_param
from dantoc.geo.selectors import unit_ancestors, unit_get
from dantoc.indicators.models import Category, Indicator
from dantoc.reporting.periods import PeriodKind, PeriodRule, recent_periods
from dantoc.reporting.services.xlsx import XLSX_CONTENT_TYPE


def _require_viewer(request) -> None:
    if not can_view_analytics(request.user):
        raise PermissionDenied(_("Tài khoản này không được xem số liệu tổng hợp."))


def _default_unit(user) -> Unit:
    unit = user.unit
    if unit is None or unit.valid_to is not None:
        return unit_get(code="VN")
    return unit


def _year(request, today) -> int:
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= 2100 else today.year


@login_required
def dashboard(request):
    _require_viewer(request)
    today = timezone.localdate()
    year = _year(request, today)
    code = (request.GET.get("unit") or "").strip()
    # The unit as it stands today (a province created in 2025 carries its predecessors'
    # earlier figures); a unit abolished in 2025 as it last stood.
    unit = None
    if code:
        unit = unit_get(code=code, as_of=today) or (
            Unit.objects.filter(code=code, valid_to__isnull=False).order_by("-valid_to").first()
        )
    if code and unit is None:
        raise Http404(_("Không có đơn vị mã %(code)s.") % {"code": code})
    unit = unit or _default_unit(request.user)
    may_include = can_include_unapproved(request.user, [unit])
    include = may_include and request.GET.get("all") == "1"
    data = selectors.dashboard(unit=unit, year=year, include_unapproved=include, today=today)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "data": data,
            "may_include": may_include,
            "years": list(range(today.year, 2020, -1)),
            "ancestors": _ancestors(unit),
            "threshold": COVERAGE_THRESHOLD,
        },
    )


def _ancestors(unit: Unit) -> list[Unit]:

    return unit_ancestors(unit)


# --- pivot ---------------------------------------------------------------------------------

SCOPES = {
    "self": lambda code: [code],
    "children": lambda code: [code, "CHILDREN"],
    "provinces": lambda code: ["VN", "LEVEL-province"],
    "communes": lambda code: [code, "LEVEL-commune"],
}


def _pivot_period_options(today) -> list[tuple[str, str]]:
    """(code, name) of recent years, half-years and quarters, for the period suggestions."""
    english = (get_language() or "vi").startswith("en")
    options = []
    for kind, back in ((PeriodKind.YEAR, 2), (PeriodKind.SEMESTER, 3), (PeriodKind.QUARTER, 5)):
        for p in recent_periods(PeriodRule(kind=kind), today, back=back, ahead=0):
            options.append((p.code, p.label_en if english else p.label))
    return options


def _pivot_choices():
    return {
        "period_options": _pivot_period_options(timezone.localdate()),
        "indicators": list(
            Indicator.objects.filter(value_type__in=["integer", "number", "percentage"]).order_by(
                "code"
            )
        ),
        "computed": list(ComputedIndicator.objects.order_by("code")),
        "categories": list(Category.objects.order_by("code")),
        "scopes": [
            ("self", _("Chỉ đơn vị này")),
            ("children", _("Các đơn vị trực thuộc")),
            ("provinces", _("Tất cả tỉnh, thành phố")),
            ("communes", _("Tất cả xã, phường của đơn vị này")),
        ],
    }


@login_required
def pivot(request):
    _require_viewer(request)
    today = timezone.localdate()
    params = request.GET
    dx = [c for c in params.getlist("dx") if c]
    pe_text = (params.get("pe") or f"{today.year}").replace(",", ";")
    pe = [p.strip() for p in pe_text.split(";") if p.strip()]
    unit_code = unit_param(params, "unit") or _default_unit(request.user).code
    scope = params.get("scope")
    if scope not in SCOPES:
        # The units under this one; a commune has none, so its own figures.
        unit = unit_get(code=unit_code)
        scope = "self" if unit is not None and unit.level == UnitLevel.COMMUNE else "children"
    category = params.get("category") or None
    include = params.get("all") == "1"
    tree_text = (params.get("tree") or "").strip()
    context = {
        **_pivot_choices(),
        "dx": dx, "pe_text": pe_text, "unit_code": unit_code, "scope": scope,
        "category": category or "", "include": include, "table": None, "error": "",
        "tree": tree_text,
    }  # fmt: skip
    status = 200
    if dx:
        try:
            if category and not Category.objects.filter(code=category).exists():
                raise QueryError(_("Không có nhóm phân tổ mã “%(code)s”.") % {"code": category})
            dims = [
                f"dx:{';'.join(dx)}",
                f"pe:{';'.join(pe)}",
                f"ou:{';'.join(SCOPES[scope](unit_code))}",
            ]
            if category:
                dims.append(category)
            try:
                tree = parse_date(tree_text) if tree_text else None
            except ValueError as exc:
                raise QueryError(
                    _("Ngày không hợp lệ: “%(value)s” (viết dd/mm/yyyy).") % {"value": tree_text}
                ) from exc
            query = parse_request(dimensions=dims, include_unapproved=include, hierarchy_date=tree)
            if include:
                unit = unit_get(code=unit_code, as_of=tree)
                bound = unit_get(code="VN") if scope == "provinces" else unit
                if bound is None or not can_include_unapproved(request.user, [bound]):
                    raise PermissionDenied(
                        _("Chỉ xem được số liệu chưa duyệt của các đơn vị trong phạm vi của bạn.")
                    )
            result = analytics_run(query)
            about = unit_get(code="VN") if scope == "provinces" else unit_get(code=unit_code)
            table = selectors.pivot(result, category=category, about=about)
        except QueryError as exc:
            context["error"] = str(exc)
            status = 400
        else:
            fmt = params.get("format")
            if fmt == "csv":
                return _csv(table)
            if fmt == "xlsx":
                return _xlsx(table)
            context["table"] = table
            context["lines"] = _display_lines(table)
            context["coverage_lines"] = selectors.coverage_lines(table)
    return render(request, "analytics/pivot.html", context, status=status)


def _display_lines(table):
    lines = []
    items = table.result.items
    for ou, opts in table.rows:
        label = items.get(ou, ou)
        if table.category:
            opt = opts[0]
            label = f"{label} – {items.get(opt) or items.get(f'{table.category}={opt}', opt)}"
        cells = [
            (table.cells.get((ou, opts, d, p)), table.flags.get((ou, opts, d, p), False),
             table.result.decimals.get(d))
            for d, p in table.columns
        ]  # fmt: skip
        lines.append((label, cells, table.row_coverage_text(ou)))
    return lines


def _filename(table, ext: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"tong-hop-{stamp}.{ext}"


def _csv(table) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\r\n")
    for line in selectors.pivot_lines(table):
        writer.writerow(
            ["" if v is None else (format(v, "f") if isinstance(v, Decimal) else v) for v in line]
        )
    as_of = table.result.data_as_of
    writer.writerow([])
    writer.writerow(
        [
            _("Số liệu cập nhật đến"),
            timezone.localtime(as_of).strftime("%d/%m/%Y %H:%M") if as_of else "",
        ]
    )
    for line in selectors.coverage_lines(table):
        writer.writerow([line])
    # A byte-order mark so that Excel opens the UTF-8 file with the right diacritics.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(table, "csv")}"'
    return response


def _unapproved_note(table) -> str:
    if not table.result.request.include_unapproved:
        return _("Chỉ gồm các báo cáo đã được duyệt.")
    flagged = sorted({f"{k[0]} {k[2]} {k[3]}" for k, flag in table.flags.items() if flag})
    note = _("Gồm cả số liệu chưa duyệt")
    if flagged:
        note += ": " + "; ".join(flagged)
    return note + "."


def _xlsx(table) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Tổng hợp")[:31]
    for index, line in enumerate(selectors.pivot_lines(table)):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in line])
        if index == 0:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
    as_of = table.result.data_as_of
    sheet.append([])
    sheet.append(
        [
            _("Số liệu cập nhật đến"),
            timezone.localtime(as_of).strftime("%d/%m/%Y %H:%M") if as_of else "",
        ]
    )
    sheet.append([_unapproved_note(table)])
    for line in selectors.coverage_lines(table):
        sheet.append([line])
    for row in sheet.iter_rows(min_row=2):
        for cell in row[2:]:
            if isinstance(cell.value, float):
                cell.number_format = "#,##0.######"
    sheet.column_dimensions["B"].width = 32
    sheet.freeze_panes = "C2"
    xlsx_guard_workbook(book)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(table, "xlsx")}"'
    return response


# --- targets -------------------------------------------------------------------------------


@login_required
def targets(request):
    _require_viewer(request)
    today = timezone.localdate()
    year = _year(request, today)
    unit = _default_unit(request.user)
    code = (request.GET.get("unit") or request.POST.get("unit") or unit.code).strip()
    chosen = unit_get(code=code)
    if chosen is None or not unit_in_scope(request.user, chosen):
        raise Http404(_("Không có đơn vị này trong phạm vi của bạn."))
    allowed = services.can_set_target(request.user, chosen)
    errors = {}
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied(_("Bạn không được đặt mục tiêu cho đơn vị này."))
        try:
            services.target_set(
                actor=request.user,
                code=request.POST.get("code", ""),
                unit=chosen,
                year=int(request.POST.get("year") or year),
                value=request.POST.get("value", ""),
                note=request.POST.get("note", ""),
            )
        except (ValidationError, ValueError) as exc:
            errors = getattr(exc, "message_dict", {"value": [str(exc)]})
        else:
            messages.success(request, _("Đã lưu mục tiêu."))
            return redirect(f"{request.path}?unit={chosen.code}&year={year}")
    names = selectors.item_names(
        selectors.key_figure_codes() + list(Indicator.objects.values_list("code", flat=True))
    )
    rows = [
        (t, names.get(t.code, (t.code, "", 0)))
        for t in Target.objects.filter(unit=chosen, year=year).order_by("code")
    ]
    return render(
        request,
        "analytics/targets.html",
        {
            "unit": chosen, "year": year, "rows": rows, "allowed": allowed, "errors": errors,
            "choices": sorted(names.items()), "years": list(range(today.year + 5, 2020, -1)),
            "is_commune": chosen.level == UnitLevel.COMMUNE,
        },
        status=400 if errors else 200,
    )  # fmt: skip
