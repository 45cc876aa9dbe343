from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from dantoc.accounts.permissions import can_view_audit
from dantoc.audit.selectors import audit_entries_for, audit_object_types
from dantoc.geo.selectors import unit_get


@login_required
def audit_list(request):
    if not can_view_audit(request.user):
        raise PermissionDenied
    filters = {
        k: request.GET.get(k, "").strip() for k in ("user", "unit", "object_type", "object_id")
    }
    unit = unit_get(code=filters["unit"]) if filters["unit"] else None
    entries = audit_entries_for(
        viewer=request.user,
        username=filters["user"],
        unit=unit,
        object_type=filters["object_type"],
        object_id=filters["object_id"],
    )
    if filters["unit"] and unit is None:
        entries = entries.none()
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/audit_list.html",
        {"page": page, "filters": filters, "object_types": audit_object_types()},
    )
