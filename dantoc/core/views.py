from __future__ import annotations

import time

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dantoc.core.apis import api_error
from dantoc.core.registry import capabilities_of


def _ancestors(unit) -> list:
    """The chain from the country down to the unit's parent, in one query (the unit's model
    knows its ancestors' ids; core does not import the apps above it)."""
    ids = unit.ancestor_ids()
    by_id = type(unit).objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def home(request):
    context = {}
    user = request.user
    if user.is_authenticated:
        context = {
            "unit": user.unit,
            "unit_chain": _ancestors(user.unit) if user.unit else [],
            "roles": list(user.roles.all()),
            "capabilities": capabilities_of(user.role_codes()),
        }
    return render(request, "core/home.html", context)


@never_cache
@require_safe
def healthz(request):
    """Liveness and database state, for load balancers and monitoring."""
    started = time.perf_counter()
    body = {"status": "ok", "time": timezone.now().isoformat()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        body["database"] = {
            "status": "ok",
            "vendor": connection.vendor,
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        status = 200
    except DatabaseError as exc:
        body["status"] = "error"
        body["database"] = {
            "status": "error",
            "vendor": connection.vendor,
            "error": type(exc).__name__,
        }
        status = 503
    return JsonResponse(body, status=status)


def error_404(request, exception):
    response = api_error(request, 404, _("Không tìm thấy. / Not found."))
    return response or render(request, "404.html", status=404)


def error_500(request):
    response = api_error(request, 500, _("Lỗi máy chủ. / Server error."))
    return response or render(request, "500.html", status=500)


def error_403(request, exception):
    response = api_error(request, 403, _("Không có quyền. / Permission denied."))
    return response or render(request, "403.html", status=403)
