"""A ministry officer designs a small form in a real Chromium at desktop width: the preview
frame (360 px) follows what is typed before it is added, saving makes version 1, and the
designer's pages have no accessibility violations (axe-core)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE, page_sign_in
from dantoc.core.testing import AXE, axe_violations, running_platform

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or not AXE.exists(),
    reason="Debian chromium or axe-core (npm) is not installed (make test installs them)",
)
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("designer")) as (_db, served):
        yield served.url


@pytest.fixture(scope="module")
def signed_in(server, browser):
    """The ministry officer's session, signed in once: a TOTP code is accepted only once."""
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    page_sign_in(page, server, "bo.giamsat")
    state = context.storage_state()
    context.close()
    return state


def test_ministry_officer_builds_a_form_and_sees_the_phone_preview(server, browser, signed_in):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", storage_state=signed_in)
    page = context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"{server}/reporting/designer/")
        assert axe_violations(page) == []
        page.get_by_label("Mã biểu").fill("BM88-THU")
        page.get_by_label("Tên biểu").fill("Biểu thử: hộ được hỗ trợ nhà ở")
        page.get_by_label("Kỳ báo cáo").select_option(label="Tháng")
        page.get_by_role("button", name="Bắt đầu thiết kế").click()
        page.wait_for_url("**/reporting/designer/*/")
        # General information: a deadline for the communes is needed.
        page.locator("#id_header-deadline_commune").fill("10")
        page.get_by_role("button", name="Lưu thông tin chung").click()
        page.get_by_label("Tiêu đề phần").fill("I. Hỗ trợ nhà ở")
        page.get_by_role("button", name="Thêm phần").click()
        page.locator("#step-column summary").click()
        page.locator("#id_column-label").fill("Số hộ")
        page.locator("#id_column-indicator").select_option(label="Số hộ được hỗ trợ nhà ở (hộ)")
        page.locator("#step-column").get_by_role("button", name="Thêm cột").click()
        # The row being typed appears in the preview before it is added.
        page.locator("#step-row summary").click()
        page.locator("#id_row-label").fill("Dân tộc Mông")
        filter_box = page.locator("#step-row").get_by_label("Lọc: Dân tộc")
        filter_box.fill("mong")
        page.locator("#id_row-opt_DAN_TOC").select_option(value="08")
        frame = page.frame_locator("iframe#preview")
        expect(frame.get_by_text("Dân tộc Mông")).to_be_visible(timeout=10_000)
        expect(frame.get_by_role("textbox", name="Số hộ", exact=True)).to_be_visible()
        page.locator("#step-row").get_by_role("button", name="Thêm dòng").click()
        expect(page.locator(".design-section")).to_contain_text("Dân tộc Mông")
        expect(page.locator(".design-section")).to_contain_text("Dân tộc: ")
        assert page.locator(".problems").count() == 0
        assert axe_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / "designer-desktop.png"), full_page=True)
        preview_url = page.locator("iframe#preview").get_attribute("src")
        page.get_by_role("button", name="Lưu thành phiên bản mới").click()
        page.wait_for_url("**/reporting/forms/BM88-THU/v1/")
        assert "Đã lưu thành phiên bản 1" in page.locator("main").inner_text()
        # The designer on a phone: nothing sticks out sideways, the preview comes below.
        page.goto(f"{server}/reporting/designer/")
        page.get_by_label("Mã biểu").fill("BM88-THU2")
        page.get_by_label("Tên biểu").fill("Biểu thử 2")
        page.get_by_label("Kỳ báo cáo").select_option(label="Quý")
        page.get_by_role("button", name="Bắt đầu thiết kế").click()
        page.wait_for_url("**/reporting/designer/*/")
        page.set_viewport_size(PHONE)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SCREENSHOTS / "designer-phone.png"), full_page=True)
        assert preview_url
    finally:
        context.close()


def test_the_preview_of_a_saved_design_fits_a_phone(server, browser, signed_in):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", storage_state=signed_in)
    page = context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"{server}/reporting/forms/BM02-DA1/v1/")
        page.get_by_role("button", name="Sửa trong trình thiết kế").click()
        page.wait_for_url("**/reporting/designer/*/")
        src = page.locator("iframe#preview").get_attribute("src")
        page.set_viewport_size(PHONE)
        page.goto(f"{server}{src}")
        assert page.locator("input[inputmode=decimal]").count() > 0
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert axe_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / "designer-preview-phone.png"), full_page=True)
    finally:
        context.close()
