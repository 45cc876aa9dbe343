from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from dantoc.accounts.permissions import can_view_audit
from dantoc.audit.describe import entries_described
from dantoc.audit.forms import AuditFilterForm
from dantoc.audit.selectors import audit_entries_for, audit_object_types_named
from dantoc.geo.selectors import unit_get


@login_required
def audit_list(request):
    if not can_view_audit(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None, object_types=audit_object_types_named())
    filters = {"user": "", "unit": "", "object_type": "", "object_id": ""}
    if form.is_bound and form.is_valid():
        filters.update({k: (form.cleaned_data.get(k) or "").strip() for k in filters})
    unit = unit_get(code=filters["unit"]) if filters["unit"] else None
    entries = audit_entries_for(
        viewer=request.user,
        username=filters["user"],
        unit=unit,
        object_type=filters["object_type"],
        object_id=filters["object_id"],
    )
    if form.is_bound and not form.is_valid():
        entries = entries.none()  # the filter's error says why; no unfiltered list instead
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/audit_list.html",
        {"page": page, "form": form, "rows": entries_described(page.object_list)},
    )
