"""A commune reporter fills a report on a phone in a real Chromium: messages appear next to the
cell as they type (checked in the browser), values are autosaved, and survive a reload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE, page_sign_in
from dantoc.core.testing import run_python, running_platform

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)

# A monthly form that is open for entry whatever day the tests run on, with one rule.
FORM = {
    "code": "BM-E2E",
    "name": "Biểu thử nghiệm: vốn theo nguồn",
    "period_type": "thang",
    "reporting_level": "commune",
    "opens_days_before_end": 31,
    "locks_days_after_end": 40,
    "deadlines": {"commune": 10},
    "sections": [
        {
            "code": "A",
            "title": "Vốn dự án 1",
            "columns": [
                {"code": "KH", "label": "Kế hoạch", "indicator": "VON_KH", "options": {}},
                {"code": "GN", "label": "Giải ngân", "indicator": "VON_GN", "options": {}},
            ],
            "rows": [
                {
                    "code": "TW",
                    "label": "Ngân sách trung ương",
                    "options": {"DU_AN": "DA1", "LOAI_VON": "DTPT", "NGUON_VON": "TW"},
                }
            ],
        }
    ],
    "rules": [
        {
            "code": "GN_LE_KH",
            "left": "#{VON_GN}",
            "operator": "<=",
            "right": "#{VON_KH}",
            "importance": "error",
            "message": "Giải ngân không được vượt kế hoạch.",
        }
    ],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("entry")) as (db, served):
        code = (
            "import json; from django.utils import timezone\n"
            "from dantoc.reporting import services, selectors\n"
            f"form, _ = services.form_define(definition=json.loads({json.dumps(json.dumps(FORM))}))\n"
            "print(selectors.open_periods(form)[0].code)\n"
        )
        period = run_python(db, code).strip().splitlines()[-1]
        yield served.url, period


def test_reporter_types_sees_messages_at_once_and_values_are_autosaved(server, phone):
    base, period = server
    page_sign_in(phone, base, "xa.lungcu")
    url = f"{base}/reporting/BM-E2E/{period}/00715/"
    phone.goto(url)
    planned = phone.get_by_label("Kế hoạch", exact=True)
    disbursed = phone.get_by_label("Giải ngân", exact=True)
    rules = phone.locator("#rule-messages")

    disbursed.fill("mười")
    disbursed.press("Tab")
    message = phone.locator(".cell.has-error .msg")
    message.wait_for()
    assert "không phải là số" in message.inner_text()

    planned.fill("1.000,5")
    planned.press("Tab")
    phone.locator(".cell.saved").first.wait_for()
    disbursed.fill("2000")
    # The rule is checked in the browser while typing, before anything is sent.
    assert "Giải ngân không được vượt kế hoạch." in rules.inner_text()
    disbursed.fill("900")
    disbursed.press("Tab")
    # A locator, not wait_for_function: Playwright polls a string predicate with eval, which
    # the pages' Content-Security-Policy (no 'unsafe-eval') refuses.
    expect(phone.locator(".cell.saved")).to_have_count(2)
    assert "vượt kế hoạch" not in rules.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    phone.reload()
    assert phone.get_by_label("Kế hoạch", exact=True).input_value() == "1.000,5"
    assert phone.get_by_label("Giải ngân", exact=True).input_value() == "900"
    # Submitting asks first (a dialog on the page), then submits.
    phone.get_by_role("link", name="Nộp báo cáo").click()
    phone.get_by_role("button", name="Xác nhận nộp báo cáo").click()
    # The page comes back at the same address: wait for its new text, not for the address.
    expect(phone.locator("main")).to_contain_text("Đã nộp, chờ duyệt")


def test_the_entry_page_works_without_javascript(server, browser):
    base, period = server
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    try:
        page_sign_in(page, base, "xa.ngocduong")
        page.goto(f"{base}/reporting/BM-E2E/{period}/00700/")
        page.get_by_label("Kế hoạch", exact=True).fill("250")
        page.get_by_label("Giải ngân", exact=True).fill("abc")
        page.get_by_role("button", name="Lưu").click()
        assert "không phải là số" in page.locator(".cell.has-error").inner_text()
        assert page.get_by_label("Kế hoạch", exact=True).input_value() == "250"
        page.get_by_label("Giải ngân", exact=True).fill("100")
        page.get_by_role("button", name="Lưu").click()
        expect(page.locator(".messages")).to_contain_text("Đã lưu")
        assert page.get_by_label("Giải ngân", exact=True).input_value() == "100"
    finally:
        context.close()
