from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from dantoc.accounts import permissions
from dantoc.core.dates import parse_date
from dantoc.geo import selectors
from dantoc.geo.models import LAST_DAY_BEFORE_REFORM, REFORM_DATE, UnitLevel
from dantoc.geo.pickers import unit_label, units_matching


def _as_of(request) -> tuple[datetime.date, str | None]:
    raw = request.GET.get("as_of", "")
    if not raw:
        return selectors.today(), None
    try:
        return parse_date(raw), None
    except ValueError:
        pass  # shown with today's units and a message below
    return selectors.today(), _("Ngày %(value)s không hợp lệ; đang hiển thị theo ngày hôm nay.") % {
        "value": raw
    }


def unit_index(request):
    as_of, date_error = _as_of(request)
    q = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    if level not in UnitLevel.values:
        level = ""
    context = {
        "as_of": as_of,
        "date_error": date_error,
        "q": q,
        "level": level,
        "levels": [(v, label) for v, label in UnitLevel.choices if v != UnitLevel.COUNTRY],
        "reform_date": REFORM_DATE,
        "before_reform": LAST_DAY_BEFORE_REFORM,
        "is_before_reform": as_of < REFORM_DATE,
    }
    if q or level:
        results = selectors.units_search(q=q, as_of=as_of, level=level or None)
        context["page"] = Paginator(results, 50).get_page(request.GET.get("page"))
    else:
        country = selectors.unit_country()
        context["country"] = country
        context["provinces"] = selectors.unit_children(unit=country, as_of=as_of)
        context["counts"] = selectors.unit_counts(as_of=as_of)
    return render(request, "geo/unit_index.html", context)


def unit_detail(request, code: str):
    as_of, date_error = _as_of(request)
    explicit = "as_of" in request.GET and not date_error
    unit = selectors.unit_get(code=code, as_of=as_of if explicit else None)
    if unit is None:
        raise Http404(_("Không có đơn vị hành chính mã %(code)s vào ngày này.") % {"code": code})
    # Children are listed as they stood while the unit was in force.
    children_day = as_of if unit.is_valid_on(as_of) else unit.valid_to
    children = selectors.unit_children(unit=unit, as_of=children_day)
    return render(
        request,
        "geo/unit_detail.html",
        {
            "unit": unit,
            "as_of": children_day,
            "date_error": date_error,
            "ancestors": selectors.unit_ancestors(unit),
            "children": children,
            "predecessors": selectors.unit_predecessors(unit),
            "successors": selectors.unit_successors(unit),
            "classifications": selectors.unit_classifications(unit),
            "can_view_officials": permissions.can_view_unit_officials(request.user, unit),
            "reform_date": REFORM_DATE,
        },
    )


def ethnic_group_list(request):
    q = request.GET.get("q", "")
    return render(
        request,
        "geo/ethnic_group_list.html",
        {"groups": selectors.ethnic_groups_search(q=q), "q": q},
    )


def unit_pick(request):
    """Suggestions for the unit pickers of forms (static/js/picker.js): units in force whose
    name (with or without diacritics) or code matches ``q``, optionally of some levels."""
    q = request.GET.get("q", "").strip()
    levels = [lv for lv in request.GET.getlist("level") if lv in UnitLevel.values]
    units = units_matching(q, levels=levels, limit=20) if len(q) >= 2 else []
    return JsonResponse(
        {"results": [{"code": u.code, "label": unit_label(u)} for u in units]},
        headers={"Cache-Control": "public, max-age=3600"},
    )
