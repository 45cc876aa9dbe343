from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dantoc.core.apis import api_error
from dantoc.core.jobs import job_for
from dantoc.core.models import BackgroundJob, JobStatus
from dantoc.core.registry import capability_links_of, health_checks
from dantoc.core.templatetags.vn import vnnumber

FAVICON = settings.BASE_DIR / "static" / "favicon.ico"


@require_safe
def favicon(request):
    """``/favicon.ico``, which browsers ask for on every site whatever the pages say (pages
    link the SVG icon); without it every page view logs a 404."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=604800"
    return response


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
            "capabilities": capability_links_of(user.role_codes()),
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
    # The outside services the apps declared (a media server, a broker…): reported, and the
    # overall status says "degraded" when one fails, but the answer stays 200 while the
    # database answers (the platform still serves its pages; a load balancer keeps it).
    for check in health_checks():
        body[check.name] = report = check.run()
        if report["status"] == "error" and body["status"] == "ok":
            body["status"] = "degraded"
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


@login_required
def job_progress(request, job_id):
    """The progress of a background job: refreshed every few seconds until it is finished
    (a meta refresh; with JavaScript the page polls the JSON instead)."""
    job = job_for(user=request.user, job_id=job_id)
    if job is None:
        raise Http404
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": job.status,
                "label": str(job.get_status_display()),
                "finished": job.finished,
                "done": job.progress_done,
                "total": job.progress_total,
                "stage": job.progress_stage,
                "figure": _progress_figure(job),
            }
        )
    return render(request, "core/job.html", {"job": job, "figure": _progress_figure(job)})


def _progress_figure(job: BackgroundJob) -> str:
    """The progress as the page writes it next to the bar (``core/job.html``)."""
    if job.progress_total:
        return _("%(done)s / %(total)s (%(pct)s%%)") % {
            "done": vnnumber(job.progress_done),
            "total": vnnumber(job.progress_total),
            "pct": job.percent,
        }
    if job.progress_done:
        return _("%(done)s đã xử lý") % {"done": vnnumber(job.progress_done)}
    return ""


@login_required
def job_download(request, job_id):
    job = job_for(user=request.user, job_id=job_id)
    if job is None or job.status != JobStatus.DONE or not job.output_name:
        raise Http404
    data = BackgroundJob.objects.values_list("output", flat=True).get(pk=job.pk)
    response = HttpResponse(bytes(data or b""), content_type=job.output_type)
    response["Content-Disposition"] = f'attachment; filename="{job.output_name}"'
    return response
