"""The national dashboard on a phone in a real Chromium, without JavaScript: figures with their
time, the province tile grid as links, no sideways scrolling, under 100 KB on first load."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CHROMIUM, PHONE
from dantoc.accounts.demo import DEMO_PASSWORD
from dantoc.core.testing import running_platform

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("dashboard")) as (_db, served):
        yield served.url


def test_the_national_dashboard_works_on_a_phone_without_javascript(server, browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{server}/accounts/login/")
        page.get_by_label("Tên đăng nhập").fill("xa.lungcu")
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{server}/")
        sizes: dict[str, int] = {}

        def record(response) -> None:
            if response.ok:
                sizes[response.url] = len(response.body())

        page.on("response", record)
        page.goto(f"{server}/analytics/?unit=VN")
        main = page.locator("main").inner_text()
        assert "Số liệu tổng hợp: Việt Nam" in main
        assert "Số liệu cập nhật đến" in main and "Chỉ gồm các báo cáo đã được duyệt" in main
        assert page.locator("svg.tiles a").count() == 34
        # Four charts: by quarter and by project are images; the province tiles and the
        # ranking hold links, so they are groups (an image hides its links from screen readers).
        assert page.locator("main figure svg[role=img]").count() >= 2
        assert page.locator("main figure svg[role=group]").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        first_load = sum(size for url, size in sizes.items() if "/analytics/" in url or
                         url.endswith((".css", ".js")))  # fmt: skip
        assert first_load < 100 * 1024, sizes
        page.remove_listener("response", record)
        # A tile is a link to that province's dashboard.
        page.locator("svg.tiles a").first.click()
        page.wait_for_url("**/analytics/?unit=*")
        assert "Số liệu tổng hợp: " in page.locator("h1").inner_text()
    finally:
        context.close()
