"""Approvals in a real Chromium: the commune reporter confirms the submission in a dialog
(360 px), the province officer reviews and approves several reports at once (desktop), the
approve and return buttons look different, and axe-core finds nothing on these pages nor on
the dashboard and pivot with their coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE, page_sign_in
from dantoc.core.testing import axe_violations, run_python, running_platform
from dantoc.reporting.tests.test_entry_browser import FORM

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
APPROVAL_FORM = {**FORM, "code": "BM-APR"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The platform with a monthly form open today; Ngọc Đường's report already submitted."""
    with running_platform(workdir=tmp_path_factory.mktemp("approvals")) as (db, served):
        code = (
            "import json\n"
            "from dantoc.accounts.models import User\n"
            "from dantoc.reporting import services, selectors\n"
            f"form, _ = services.form_define(definition=json.loads({json.dumps(json.dumps(APPROVAL_FORM))}))\n"
            "services.form_publish(actor=None, form=form) if form.status != 'active' else None\n"
            "window = selectors.open_periods(form)[0]\n"
            "period = services.period_resolve(period_type=form.period_type, code=window.code)\n"
            "user = User.objects.get(username='xa.ngocduong')\n"
            "key = next(iter(selectors.form_layout(form).cells))\n"
            "services.datavalues_save(actor=user, form=form, unit=user.unit, period=period,\n"
            "    inputs=[services.CellInput(key, '120')], source='web')\n"
            "services.submission_submit(actor=user, form=form, unit=user.unit, period=period)\n"
            "print(window.code)\n"
        )
        period = run_python(db, code).strip().splitlines()[-1]
        yield served.url, period


def test_reporter_confirms_the_submission_in_a_dialog_on_a_phone(server, phone):
    base, period = server
    page_sign_in(phone, base, "xa.lungcu")
    url = f"{base}/reporting/BM-APR/{period}/00715/"
    phone.goto(url)
    planned = phone.get_by_label("Kế hoạch", exact=True)
    planned.fill("300")
    planned.press("Tab")
    phone.locator(".cell.saved").first.wait_for()
    phone.get_by_role("link", name="Nộp báo cáo").click()
    dialog = phone.locator("dialog#submit-dialog")
    expect(dialog).to_be_visible()
    assert phone.url == url, "the dialog opens on the page, no navigation"
    assert axe_violations(phone) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "submit-dialog-phone.png"))
    # "Not yet" closes it and nothing is submitted.
    dialog.get_by_role("button", name="Chưa nộp, quay lại").click()
    expect(dialog).to_be_hidden()
    assert "Đã nộp, chờ duyệt" not in phone.locator("main").inner_text()
    phone.get_by_role("link", name="Nộp báo cáo").click()
    dialog.get_by_role("button", name="Xác nhận nộp báo cáo").click()
    expect(phone.locator("main")).to_contain_text("Đã nộp, chờ duyệt")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_without_javascript_submitting_goes_through_a_confirmation_page(server, browser):
    base, period = server
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    try:
        page_sign_in(page, base, "xa.ngocduong")
        page.goto(f"{base}/reporting/BM-APR/{period}/00700/")
        # Already submitted in the fixture: the reporter sees no submit action any more.
        assert page.get_by_role("link", name="Nộp báo cáo").count() == 0
        page.goto(f"{base}/reporting/BM-APR/{period}/00700/submit")
        expect(page.get_by_role("heading", level=1)).to_have_text("Nộp báo cáo?")
        assert page.get_by_role("button", name="Xác nhận nộp báo cáo").count() == 1
    finally:
        context.close()
    # axe needs JavaScript: the same confirmation page checked in a normal phone context.
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    try:
        page_sign_in(page, base, "xa.ngocduong")
        page.goto(f"{base}/reporting/BM-APR/{period}/00700/submit")
        assert axe_violations(page) == []
    finally:
        context.close()


def test_officer_reviews_and_approves_several_reports_at_once(server, browser):
    base, period = server
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    try:
        page_sign_in(page, base, "tinh.tuyenquang")
        # The report page: the review before approving, two different-looking actions.
        page.goto(f"{base}/reporting/BM-APR/{period}/00700/")
        expect(page.get_by_role("heading", name="Trước khi duyệt")).to_be_visible()
        approve = page.get_by_role("button", name="Duyệt", exact=True)
        give_back = page.get_by_role("button", name="Trả lại", exact=True)
        style = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]"
        assert approve.evaluate(style) != give_back.evaluate(style)
        assert axe_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / "review-desktop.png"), full_page=True)

        page.goto(f"{base}/reporting/")
        awaiting = page.locator("section", has=page.get_by_role("heading", name="Chờ duyệt"))
        boxes = awaiting.get_by_role("checkbox")
        assert boxes.count() >= 2
        for i in range(boxes.count()):
            boxes.nth(i).check()
        assert axe_violations(page) == []
        page.get_by_role("button", name="Duyệt các báo cáo đã chọn…").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("báo cáo?")
        assert axe_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / "approve-many-desktop.png"), full_page=True)
        page.get_by_role("button", name="Xác nhận duyệt").click()
        expect(page.locator("main")).to_contain_text("Đã duyệt")
        # Completeness with its actions, and coverage on the aggregate pages: axe too.
        page.goto(f"{base}/reporting/BM-APR/{period}/completeness/?unit=08&status=missing")
        expect(page.get_by_role("button", name="Nhắc nộp").first).to_be_visible()
        assert axe_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / "completeness-desktop.png"), full_page=True)
        for path in ("/analytics/?unit=08", "/analytics/pivot/?dx=VON_KH&pe=2026&unit=08"):
            page.goto(base + path)
            expect(page.locator("main")).to_contain_text("đã báo cáo")
            assert axe_violations(page) == [], path
    finally:
        context.close()
