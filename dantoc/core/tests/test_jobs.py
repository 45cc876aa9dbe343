"""Long work shows progress: Excel uploads over the size limit and aggregate reports run as
background tasks, followed on a progress page (meta refresh without JavaScript, polling with
it) that only their owner sees."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from pypdf import PdfReader

from dantoc.analytics.tasks import aggregate_report_task
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
