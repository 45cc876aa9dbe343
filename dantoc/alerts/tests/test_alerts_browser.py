"""A commune officer issues a warning on a 360 px phone with JavaScript off, against the
platform served by gunicorn with the demo data; a citizen who chose the commune sees the
banner on the portal's home; the pages have no axe-core violation."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE
from dantoc.accounts.demo import DEMO_PASSWORD
from dantoc.core.testing import axe_violations, running_platform

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("alerts")) as (_db, served):
        yield served.url


def _no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def test_a_commune_officer_issues_a_warning_without_javascript_and_citizens_see_it(server, browser):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(f"{server}/accounts/login/")
        page.get_by_label("Tên đăng nhập").fill("xa.lungcu")
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{server}/")

        page.goto(f"{server}/canh-bao/quan-ly/phat/")
        # The officer's own commune is already in the area.
        assert page.get_by_label("Xã Lũng Cú — Tỉnh Tuyên Quang (00715)").is_checked()
        page.get_by_label("Loại thiên tai").select_option(label="Sạt lở đất, sụt lún đất")
        page.get_by_label("3 — Rủi ro lớn (da cam)").check()
        page.get_by_label("Thử nghiệm, diễn tập (không phải thật)").check()
        now = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=7)
        page.get_by_label("Bắt đầu").fill(now.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_label("Hết hiệu lực").fill(
            (now + datetime.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")
        )
        page.locator("#id_vi_headline").fill("Sạt lở đất ở thôn Lô Lô Chải")
        page.locator("#id_vi_description").fill("Đất nứt trên sườn đồi sau mưa lớn.")
        page.locator("#id_vi_instruction").fill("Các hộ dưới chân đồi di chuyển đến nhà văn hóa.")
        page.get_by_role("button", name="Phát cảnh báo").click()
        page.wait_for_url(f"{server}/canh-bao/quan-ly/")
        assert "Đã phát cảnh báo" in page.content()
        # axe and layout checks need JavaScript: the same session in a context that has it.
        checker = browser.new_context(
            viewport=PHONE, is_mobile=True, locale="vi-VN", storage_state=context.storage_state()
        )
        check = checker.new_page()
        for address in ("/canh-bao/quan-ly/", "/canh-bao/quan-ly/phat/"):
            check.goto(f"{server}{address}")
            assert check.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            _no_axe_violations(check)
        checker.close()

        # A citizen's phone (no account) that chose Lũng Cú as "my commune".
        citizen = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
        citizen.add_cookies([{"name": "dantoc_commune", "value": "00715", "url": server}])
        home = citizen.new_page()
        home.goto(f"{server}/cong-thong-tin/")
        banner = home.get_by_role("alert").filter(has_text="Sạt lở đất ở thôn Lô Lô Chải")
        expect(banner).to_be_visible()
        assert "Cấp độ 3: Rủi ro lớn" in banner.inner_text()
        assert "DIỄN TẬP" in banner.inner_text()
        _no_axe_violations(home)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        home.screenshot(path=str(SCREENSHOTS / "alerts-banner-phone.png"), full_page=False)
        # A commune with no warning: no banner.
        citizen.add_cookies([{"name": "dantoc_commune", "value": "00700", "url": server}])
        home.goto(f"{server}/cong-thong-tin/")
        assert home.get_by_text("Sạt lở đất ở thôn Lô Lô Chải").count() == 0
        citizen.close()
    finally:
        context.close()
