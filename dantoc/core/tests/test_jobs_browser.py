"""The progress page of a background job in Chromium: a bar with its figure, at 360 px and on
a desktop, no axe-core violation; with JavaScript it follows the worker without reloading,
without it the page refreshes itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from conftest import CHROMIUM, PHONE, page_sign_in
from dantoc.core.testing import axe_violations, run_python, run_python_json, running_platform

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)

START = """
import json
from django.contrib.auth import get_user_model
from dantoc.core.jobs import job_progress
from dantoc.core.models import BackgroundJob
owner = get_user_model().objects.get(username="xa.lungcu")
job = BackgroundJob.objects.create(
    owner=owner, kind="reporting.datavalueset_import", status="running",
    title="Nhập dữ liệu DHIS2 (dataValueSets)",
)
job_progress(job, done=12000, total=48000, stage="Đang nhập số liệu")
print(json.dumps(str(job.pk)))
"""


def advance(db, job_id: str, code: str) -> None:
    run_python(
        db,
        "from dantoc.core.jobs import job_progress\n"
        "from dantoc.core.models import BackgroundJob\n"
        f"job = BackgroundJob.objects.get(pk={job_id!r})\n" + code,
    )


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("server")) as (db, served):
        yield db, served.url


def test_the_progress_bar_follows_the_worker_on_a_phone_and_a_desktop(platform, browser):
    from playwright.sync_api import expect

    db, url = platform
    job_id = run_python_json(db, START)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        page = context.new_page()
        page_sign_in(page, url, "xa.lungcu")
        page.goto(f"{url}/jobs/{job_id}/")
        bar = page.locator("progress#job-progress")
        assert bar.get_attribute("value") == "12000" and bar.get_attribute("max") == "48000"
        expect(page.locator("#job-figure")).to_have_text("12.000 / 48.000 (25%)")
        assert page.get_by_label("Đang nhập số liệu").count() == 1  # the bar's label
        assert axe_violations(page) == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name}: {width}px wide"
        page.screenshot(path=str(SCREENSHOTS / f"job-progress-{name}.png"), full_page=True)
        context.close()

    # With JavaScript the page asks for the state and moves the bar, then shows the outcome.
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    page_sign_in(page, url, "xa.lungcu")
    page.goto(f"{url}/jobs/{job_id}/")
    advance(db, job_id, "job_progress(job, done=36000, total=48000, stage='Đang nhập số liệu')")
    expect(page.locator("#job-figure")).to_have_text("36.000 / 48.000 (75%)")
    assert page.locator("progress#job-progress").evaluate("b => b.value") == 36000
    advance(
        db,
        job_id,
        "BackgroundJob.objects.filter(pk=job.pk).update(status='done', "
        "outcome=[{'level': 'success', 'text': 'Nhập xong: 48000 giá trị mới.'}])",
    )
    expect(page.get_by_text("Nhập xong: 48000 giá trị mới.")).to_be_visible()
    assert page.locator("progress").count() == 0 and axe_violations(page) == []
    context.close()


def test_without_javascript_the_progress_page_refreshes_itself(platform, browser):
    db, url = platform
    job_id = run_python_json(db, START)
    context = browser.new_context(viewport=PHONE, locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    page_sign_in(page, url, "xa.lungcu")
    page.goto(f"{url}/jobs/{job_id}/")
    assert page.locator('meta[http-equiv="refresh"]').get_attribute("content") == "3"
    assert page.locator("#job-figure").inner_text() == "12.000 / 48.000 (25%)"
    context.close()
