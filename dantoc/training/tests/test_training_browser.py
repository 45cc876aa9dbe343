"""The training pages in Chromium against the platform served by gunicorn with the demo data:
an organiser on a desktop confirms a registration and checks a participant in; a commune
official on a 360 px phone with JavaScript off finds the workshop, their QR code, a lesson and
the quiz; anyone checks a revoked certificate. Screenshots in var/screenshots/training-*.png;
no axe-core violation on any page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE, page_sign_in
from dantoc.core.testing import axe_violations, running_platform

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("training")) as (_db, served):
        yield served.url


def _shot(page, name: str, *, axe: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"training-{name}.png"), full_page=True)
    if axe:
        _no_axe_violations(page)


def _no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def test_an_organiser_confirms_and_checks_in_on_a_desktop(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        page_sign_in(page, server, "tinh.tuyenquang")
        page.goto(f"{server}/tap-huan/")
        _shot(page, "list-desktop")
        page.get_by_role("link", name="Hội thảo chuyển đổi số").first.click()
        page.get_by_role("button", name="Xác nhận").first.click()
        # count() does not wait: wait for the answer to the form first.
        page.get_by_text("Đã xác nhận").first.wait_for()
        _shot(page, "event-organiser-desktop")
        page.locator("th a").first.click()  # the participant's check-in page
        page.get_by_role("button", name="Ghi có mặt").click()
        assert page.get_by_role("status").inner_text().startswith("Đã ghi")
        _shot(page, "checkin-desktop")
        page.goto(f"{server}/tap-huan/muc-tieu/")
        page.get_by_role("button", name="Nhắc").click()
        page.get_by_text("lời nhắc").first.wait_for()  # the answer to the form, not the page before
        assert page.get_by_text("lời nhắc").count() == 1
        _shot(page, "goal-desktop")
    finally:
        context.close()


def test_a_commune_official_learns_on_a_phone_without_javascript(server, browser):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page_sign_in(page, server, "xa.lungcu")
        page.goto(f"{server}/tap-huan/")
        _shot(page, "list-phone", axe=False)
        seen = [page.url]
        page.get_by_role(
            "link", name="Báo cáo Chương trình MTQG 1719 trên điện thoại", exact=True
        ).click()
        page.get_by_role("link", name="Nhập số liệu biểu mẫu").click()
        expect(page.get_by_role("heading", name="Nhập số liệu biểu mẫu")).to_be_visible()
        _shot(page, "lesson-phone", axe=False)
        seen.append(page.url)
        page.get_by_role("link", name="Bài tiếp: Gửi, duyệt và trả lại báo cáo").click()
        page.get_by_role("link", name="Làm bài kiểm tra").click()
        page.get_by_role("button", name="Nộp bài").click()
        assert "Chưa đạt" in page.get_by_role("status").inner_text()
        _shot(page, "quiz-phone", axe=False)
        seen.append(page.url)
        page.goto(f"{server}/tap-huan/")
        page.get_by_role("link", name="Tập huấn vận hành Hệ thống thông tin báo cáo").first.click()
        _shot(page, "event-participant-phone", axe=False)
        seen.append(page.url)
        # axe needs JavaScript: the same session in a context that has it.
        checked = browser.new_context(viewport=PHONE, storage_state=context.storage_state())
        try:
            check = checked.new_page()
            for url in seen:
                check.goto(url)
                _no_axe_violations(check)
        finally:
            checked.close()
    finally:
        context.close()


def test_an_organiser_adds_a_material_and_narrows_the_audience_on_a_phone(server, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    try:
        # The ministry's officer (the province's officer signed in with their one-time code in
        # the first test: the same code within its 30 s would be refused as a replay).
        page_sign_in(page, server, "bo.giamsat")
        page.goto(f"{server}/tap-huan/")
        page.get_by_role("link", name="Tập huấn vận hành Hệ thống thông tin báo cáo").first.click()
        # The demo's slides and recording are on the page; a new handout is added.
        expect(page.get_by_text("Bài giảng: vận hành hệ thống báo cáo")).to_be_visible()
        page.get_by_label("Tên tài liệu").fill("Danh sách học viên")
        page.get_by_label("Tệp (PDF, DOCX, XLSX, ảnh, âm thanh, video)").set_input_files(
            {"name": "hoc-vien.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        page.get_by_role("button", name="Tải lên").click()
        expect(page.get_by_role("link", name="Tải về")).to_have_count(3)
        page.get_by_role("group", name="Chỉ cán bộ các cấp").get_by_label("Cấp xã").check()
        page.get_by_role("button", name="Lưu đối tượng").click()
        expect(page.get_by_text("Dành cho:")).to_be_visible()
        # Nothing wider than the phone: the attendance table scrolls inside its card.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _shot(page, "event-organiser-phone")
    finally:
        context.close()


# A one-page PDF (what the media pipeline recognises by its content, not by its name).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


CONTROLLED = (
    "navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller || new Promise("
    "ok => navigator.serviceWorker.addEventListener('controllerchange', ok))).then(() => true)"
)


def test_a_lesson_opened_once_reads_again_without_a_network(server, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    try:
        page_sign_in(page, server, "xa.ngocduong")
        page.goto(f"{server}/tap-huan/")
        page.get_by_role(
            "link", name="Báo cáo Chương trình MTQG 1719 trên điện thoại", exact=True
        ).click()
        assert page.evaluate(CONTROLLED)
        course_url = page.url
        page.get_by_role("link", name="Nhập số liệu biểu mẫu").click()
        expect(page.get_by_role("heading", name="Nhập số liệu biểu mẫu")).to_be_visible()
        lesson_url = page.url
        # The copy is written after the page arrives: wait until the cache holds it.
        # (polled with evaluate: the pages' CSP forbids the eval that wait_for_function uses)
        kept = "u => caches.open('dantoc-lessons').then(c => c.match(new URL(u).pathname))"
        for _attempt in range(100):
            if page.evaluate(f"({kept})(location.href).then(Boolean)"):
                break
            page.wait_for_timeout(100)
        else:
            raise AssertionError("the lesson was not kept for offline reading")
        context.set_offline(True)
        page.goto(lesson_url)
        expect(page.get_by_role("heading", name="Nhập số liệu biểu mẫu")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("bản lưu trên máy")
        _shot(page, "lesson-offline-phone", axe=False)
        page.goto(course_url)
        expect(page.get_by_role("link", name="Nhập số liệu biểu mẫu")).to_be_visible()
        page.goto(course_url + "bai/3/")  # never opened here
        expect(page.get_by_role("heading", name="Không có mạng")).to_be_visible()
    finally:
        context.set_offline(False)
        context.close()


def test_anyone_sees_a_revoked_certificate(server, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
    page = context.new_page()
    try:
        page_sign_in(page, server, "xa.ngocduong")
        page.goto(f"{server}/tap-huan/")
        page.get_by_role("link", name="Hoàn thành khóa tập huấn").first.click()
        url = page.url
        context.clear_cookies()
        page.goto(url)
        assert page.get_by_role("alert").inner_text().startswith("Chứng nhận đã bị thu hồi")
        _shot(page, "certificate-revoked-phone")
    finally:
        context.close()
