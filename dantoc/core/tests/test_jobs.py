"""Long work shows progress: Excel uploads over the size limit, aggregate reports and DHIS2
``async=true`` imports (test_dhis2_metadata) run as background tasks, followed on a progress
page (a bar with its figure; meta refresh without JavaScript, polling with it) that only their
owner sees; their start and end are audited."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from pypdf import PdfReader

from dantoc.analytics.tasks import aggregate_report_task
from dantoc.audit.models import AuditEntry
from dantoc.core.jobs import job_progress
from dantoc.core.models import BackgroundJob, JobStatus
from dantoc.reporting.models import DataValue
from dantoc.reporting.tasks import xlsx_import_task
from dantoc.reporting.tests import conftest as reporting_fixtures

pytestmark = pytest.mark.django_db

# The reporting tests' fixtures: a pinned today, the capital form, its Q3 2026 period.
today = reporting_fixtures.today
von = reporting_fixtures.von
q3 = reporting_fixtures.q3

ENTRY = "/reporting/BM01-VON/2026Q3/00715/"


def run_queued(task, job: BackgroundJob) -> None:
    """What the worker does with the queued task (the database backend only queues it here)."""
    task.call(str(job.pk))


@override_settings(DANTOC_BACKGROUND_UPLOAD_BYTES=0)
def test_a_large_excel_upload_runs_in_the_background_with_a_progress_page(
    people,
    login,
    today,
    von,
    q3,
    django_capture_on_commit_callbacks,
):
    client = login(people.commune)
    upload = io.BytesIO(client.get(ENTRY + "xlsx").content)
    upload.name = "bao-cao.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ENTRY + "xlsx/upload", {"file": upload})
    job = BackgroundJob.objects.get(kind="reporting.xlsx_import")
    assert response.status_code == 303 and response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    # Not finished: the page refreshes itself (no JavaScript needed) and says so.
    assert '<meta http-equiv="refresh" content="3">' in page and "Đang chờ xử lý" in page
    assert client.get(f"/jobs/{job.pk}/", {"format": "json"}).json()["finished"] is False

    run_queued(xlsx_import_task, job)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.payload is None
    done = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in done
    assert "Tệp Excel không có thay đổi nào" in done
    assert f'href="{ENTRY}"' in done
    # A retried task does not run the import again.
    assert xlsx_import_task.call(str(job.pk)) == JobStatus.DONE


def test_an_excel_upload_below_the_limit_is_read_at_once(people, login, today, von, q3):
    client = login(people.commune)
    upload = io.BytesIO(client.get(ENTRY + "xlsx").content)
    upload.name = "bao-cao.xlsx"
    response = client.post(ENTRY + "xlsx/upload", {"file": upload}, follow=True)
    assert "Tệp Excel không có thay đổi nào" in response.content.decode()
    assert not BackgroundJob.objects.exists()


def test_the_aggregate_report_is_generated_in_the_background_and_downloaded(
    people,
    login,
    today,
    von,
    django_capture_on_commit_callbacks,
):
    client = login(people.province)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/analytics/report/generate",
            {"form": "BM01-VON", "period": "2026Q3", "unit": "08", "format": "pdf"},
        )
    job = BackgroundJob.objects.get(kind="analytics.aggregate_report")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404  # not ready yet
    run_queued(aggregate_report_task, job)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert (
        "Báo cáo đã sẵn sàng để tải về." in page
        and "bao-cao-tong-hop-BM01-VON-2026Q3-08.pdf" in page
    )
    pdf = client.get(f"/jobs/{job.pk}/download")
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "BÁO CÁO" in text


def test_a_job_is_seen_only_by_its_owner(
    people, login, today, von, django_capture_on_commit_callbacks
):
    owner = login(people.province)
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(
            "/analytics/report/generate",
            {"form": "BM01-VON", "period": "2026Q3", "unit": "08", "format": "xlsx"},
        )
    job = BackgroundJob.objects.get()
    run_queued(aggregate_report_task, job)
    other = login(people.other_province)
    assert other.get(f"/jobs/{job.pk}/").status_code == 404
    assert other.get(f"/jobs/{job.pk}/download").status_code == 404
    assert not DataValue.objects.exists()


def spy_progress(monkeypatch, module) -> list[tuple[int, int | None, str]]:
    """The figures a task's work records, in order (recorded for real too)."""
    seen: list[tuple[int, int | None, str]] = []
    real = module.job_progress

    def record(job, *, done, total=None, stage=""):
        seen.append((done, total, stage))
        real(job, done=done, total=total, stage=stage)

    monkeypatch.setattr(module, "job_progress", record)
    return seen


def test_the_progress_page_shows_the_figure_as_a_bar_with_text_and_refreshes_without_js(
    people, login
):
    job = BackgroundJob.objects.create(
        owner=people.commune, kind="reporting.xlsx_import", title="Nhập tệp", status="running"
    )
    job_progress(job, done=2500, total=10000, stage="Đang nhập số liệu")
    client = login(people.commune)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert '<progress id="job-progress" max="10000" value="2500">25%</progress>' in page
    assert '<label for="job-progress" id="job-stage">Đang nhập số liệu</label>' in page
    assert "2.500 / 10.000 (25%)" in page
    state = client.get(f"/jobs/{job.pk}/", {"format": "json"}).json()
    assert (state["done"], state["total"], state["stage"]) == (2500, 10000, "Đang nhập số liệu")
    assert state["figure"] == "2.500 / 10.000 (25%)"
    # A finished job is not moved back by a late figure.
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE)
    job_progress(job, done=1, total=2, stage="muộn")
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (2500, 10000)


def test_before_the_total_is_known_the_bar_is_indeterminate(people, login):
    job = BackgroundJob.objects.create(
        owner=people.commune, kind="reporting.xlsx_import", title="Nhập tệp", status="running"
    )
    job_progress(job, done=0, stage="Đang đọc dữ liệu")
    page = login(people.commune).get(f"/jobs/{job.pk}/").content.decode()
    assert '<progress id="job-progress"></progress>' in page and "Đang đọc dữ liệu" in page


@override_settings(DANTOC_BACKGROUND_UPLOAD_BYTES=0)
def test_the_excel_import_job_records_its_steps_and_is_audited_once(
    people, login, today, von, q3, monkeypatch, django_capture_on_commit_callbacks
):
    from dantoc.reporting import tasks as reporting_tasks

    seen = spy_progress(monkeypatch, reporting_tasks)
    client = login(people.commune)
    upload = io.BytesIO(client.get(ENTRY + "xlsx").content)
    upload.name = "bao-cao.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ENTRY + "xlsx/upload", {"file": upload})
    job = BackgroundJob.objects.get(kind="reporting.xlsx_import")
    run_queued(xlsx_import_task, job)
    assert [(done, total) for done, total, _s in seen] == [(0, 3), (1, 3), (2, 3)]
    assert seen[1][2] == "Đang đọc các trang tính"
    xlsx_import_task.call(str(job.pk))  # retried: not run, not audited again
    audited = AuditEntry.objects.filter(object_id=str(job.pk)).order_by("pk")
    assert [(a.action, a.actor) for a in audited] == [
        ("core.job_start", people.commune),
        ("core.job_finish", None),
    ]
    assert audited[1].after["status"] == JobStatus.DONE
    assert audited[0].after["params"]["form"] == "BM01-VON"


def test_the_aggregate_report_job_records_its_steps(
    people, login, today, von, monkeypatch, django_capture_on_commit_callbacks
):
    from dantoc.analytics import tasks as analytics_tasks

    seen = spy_progress(monkeypatch, analytics_tasks)
    client = login(people.province)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/analytics/report/generate",
            {"form": "BM01-VON", "period": "2026Q3", "unit": "08", "format": "xlsx"},
        )
    job = BackgroundJob.objects.get(kind="analytics.aggregate_report")
    run_queued(aggregate_report_task, job)
    assert seen == [(0, 2, "Đang tổng hợp số liệu"), (1, 2, "Đang tạo tệp XLSX")]
    assert AuditEntry.objects.filter(object_id=str(job.pk)).count() == 2


def test_a_job_of_another_kind_is_not_answered_as_a_dhis2_import(
    people, login, today, von, django_capture_on_commit_callbacks
):
    client = login(people.province)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/analytics/report/generate",
            {"form": "BM01-VON", "period": "2026Q3", "unit": "08", "format": "xlsx"},
        )
    job = BackgroundJob.objects.get()
    assert client.get(f"/api/system/tasks/DATAVALUE_IMPORT/{job.pk}").status_code == 404
    assert client.get(f"/api/system/taskSummaries/DATAVALUE_IMPORT/{job.pk}").status_code == 404
