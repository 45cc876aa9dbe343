"""Background work of analytics (django-tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

from django.utils import translation
from django_tasks import task

from dantoc.analytics.documents import render_pdf, render_xlsx
from dantoc.analytics.reports import ReportError, aggregate_report, report_filename
from dantoc.audit.services import job_finish_audit
from dantoc.core.jobs import JobOutcome, job_progress, job_run
from dantoc.core.models import BackgroundJob
from dantoc.geo.selectors import unit_get
from dantoc.reporting.services.xlsx import XLSX_CONTENT_TYPE

FORMATS = {
    "pdf": (render_pdf, "application/pdf"),
    "xlsx": (render_xlsx, XLSX_CONTENT_TYPE),
}


@task()
def aggregate_report_task(job_id: str) -> str:
    """Build an aggregate report document (PDF or XLSX) in the background."""
    return job_run(job_id, _aggregate_report, on_finish=job_finish_audit)


def _aggregate_report(job: BackgroundJob) -> JobOutcome:
    p = job.params
    render, content_type = FORMATS[p["format"]]
    with translation.override(p.get("language") or "vi"):
        unit = unit_get(code=p["unit"])
        try:
            if unit is None:
                raise ReportError(translation.gettext("Không có đơn vị này."))
            job_progress(job, done=0, total=2, stage=translation.gettext("Đang tổng hợp số liệu"))
            doc = aggregate_report(
                form_code=p["form"],
                unit=unit,
                period_code=p["period"],
                actor=job.owner,
                include_unapproved=p.get("unapproved", False),
            )
        except ReportError as exc:
            return JobOutcome(messages=[("error", str(exc))], failed=True)
        job_progress(
            job,
            done=1,
            total=2,
            stage=translation.gettext("Đang tạo tệp %(format)s") % {"format": p["format"].upper()},
        )
        name = report_filename(p["form"], p["period"], unit.code, p["format"])
        return JobOutcome(
            messages=[("success", translation.gettext("Báo cáo đã sẵn sàng để tải về."))],
            output=render(doc),
            output_name=name,
            output_type=content_type,
        )
