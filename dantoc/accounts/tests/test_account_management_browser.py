"""Account management in a real Chromium on a desktop screen, against the platform served by
gunicorn with the demo data: the administrator finds an official by name, moves them to
another commune with the unit picker, resets their password (the official sets a new one
through the one-time link), locks the account; every page has no axe-core violation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE, page_sign_in
from dantoc.core.testing import axe_violations, running_platform

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
DESKTOP = {"width": 1366, "height": 768}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("accounts")) as (_db, served):
        yield served.url


def _no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_an_administrator_manages_an_official_on_a_desktop(server, browser):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    try:
        page_sign_in(page, server, "admin")
        page.goto(f"{server}/accounts/users/new/")
        _no_axe_violations(page)
        page.goto(f"{server}/accounts/users/")
        page.get_by_label("Tìm theo tên").fill("sung mi cha")
        page.get_by_role("button", name="Tìm").click()
        page.wait_for_url("**q=sung+mi+cha**")
        _no_axe_violations(page)
        page.get_by_role("link", name="Sùng Mí Chá").click()
        page.wait_for_url("**/accounts/users/*/")
        detail_url = page.url
        _no_axe_violations(page)
        _shot(page, "account-detail-desktop")

        # Edit: the unit is chosen by its name, typed without diacritics, with suggestions.
        page.get_by_role("link", name="Sửa thông tin, đơn vị, vai trò").click()
        unit = page.locator("#id_unit_code")
        unit.fill("ngoc duong")
        page.locator("#id_unit_code-list option").first.wait_for(state="attached")
        suggestion = page.locator("#id_unit_code-list option").first.get_attribute("value")
        assert "Ngọc Đường" in suggestion and suggestion.endswith("(00700)")
        unit.fill(suggestion)
        page.get_by_label("Chức vụ").fill("Công chức Văn hoá - Xã hội")
        _no_axe_violations(page)
        page.get_by_role("button", name="Lưu").click()
        page.wait_for_url(detail_url)
        facts = page.locator("dl.facts").inner_text()
        assert "Xã Ngọc Đường" in facts and "Công chức Văn hoá - Xã hội" in facts

        # Password reset: a one-time link for the official.
        page.get_by_role("button", name="Đặt lại mật khẩu").click()
        page.wait_for_load_state()
        link = page.get_by_label("Đường dẫn dùng một lần").input_value()
        _no_axe_violations(page)
        official = browser.new_context(viewport=PHONE, locale="vi-VN")
        phone = official.new_page()
        try:
            phone.goto(link)
            phone.locator("#id_new_password1").fill("mat-khau-moi-cua-cha-2026")
            phone.locator("#id_new_password2").fill("mat-khau-moi-cua-cha-2026")
            phone.get_by_role("button", name="Đặt mật khẩu").click()
            phone.wait_for_url("**/accounts/login/**")
            page_sign_in(phone, server, "xa.lungcu", "mat-khau-moi-cua-cha-2026")
        finally:
            official.close()

        # Lock: the official can no longer sign in.
        page.goto(detail_url)
        page.get_by_role("button", name="Khoá tài khoản").click()
        page.wait_for_url(detail_url)
        assert "Đã khoá tài khoản Sùng Mí Chá." in page.locator("main").inner_text()
        expect(page.get_by_role("button", name="Mở khoá tài khoản")).to_be_visible()
        _no_axe_violations(page)

        # The trail says what happened in words (defect 7 of issue 17).
        page.goto(f"{server}/audit/?object_type=accounts.user")
        trail = page.locator("main").inner_text()
        assert "Khoá tài khoản" in trail and "Sửa tài khoản" in trail
        assert "Xã Ngọc Đường" in trail and "accounts.user_update" not in trail
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
        _no_axe_violations(page)
        _shot(page, "audit-desktop")
        page.set_viewport_size(PHONE)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _shot(page, "audit-phone")
    finally:
        context.close()
