"""A real Chromium, on a phone-sized screen, against the platform served by gunicorn.

The server runs in its own processes on a throw-away database of the run's vendor, set up with
the same commands as `make run` (migrate, reference data, demo data), so this also proves that
set-up works.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django_otp.oath import TOTP

from conftest import CHROMIUM, PHONE
from dantoc.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from dantoc.core.testing import running_platform

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("server")) as (_db, served):
        yield served.url


def transferred_bytes(page, url: str) -> int:
    """Bytes on the wire for a page load (bodies as encoded, plus headers)."""
    responses = []

    def collect(response):
        responses.append(response)

    page.on("response", collect)
    page.goto(url, wait_until="load")
    page.remove_listener("response", collect)
    total = 0
    for response in responses:
        sizes = response.request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return total


def demo(username: str):
    return next(u for u in DEMO_USERS if u[0] == username)


def test_commune_reporter_signs_in_and_reads_the_home_page_on_a_phone(server, phone):
    phone.goto(f"{server}/accounts/login/")
    phone.get_by_label("Tên đăng nhập").fill("xa.lungcu")
    phone.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    phone.get_by_role("button", name="Đăng nhập").click()
    phone.wait_for_url(f"{server}/")
    heading = phone.get_by_role("heading", level=1).inner_text()
    assert "Sùng Mí Chá" in heading
    body = phone.locator("main").inner_text()
    assert "Xã Lũng Cú" in body and "Cán bộ báo cáo cấp xã" in body
    assert "Nhập số liệu báo cáo của xã" in body
    # Nothing sticks out sideways on a 360 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "home-commune-phone.png"), full_page=True)
    weight = transferred_bytes(phone, f"{server}/")
    assert weight < 60 * 1024, weight


def test_province_officer_passes_the_second_factor_in_the_browser(server, phone):
    username, full_name, *_, key_hex = demo("tinh.tuyenquang")
    phone.goto(f"{server}/accounts/login/")
    phone.get_by_label("Tên đăng nhập").fill(username)
    phone.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    phone.get_by_role("button", name="Đăng nhập").click()
    phone.wait_for_url("**/accounts/2fa/verify/**")
    token = f"{TOTP(bytes.fromhex(key_hex)).token():06d}"
    phone.get_by_label("Mã xác thực 6 số").fill(token)
    phone.get_by_role("button", name="Xác thực").click()
    phone.wait_for_url(f"{server}/")
    assert full_name in phone.get_by_role("heading", level=1).inner_text()
    assert "Tỉnh Tuyên Quang" in phone.locator("main").inner_text()


def test_unit_pages_are_light_and_readable_on_a_phone(server, phone):
    for path, name in (("/units/", "unit-index"), ("/units/08/", "unit-tuyen-quang")):
        weight = transferred_bytes(phone, f"{server}{path}")
        assert weight < 60 * 1024, (path, weight)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        phone.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=False)
    assert "Hình thành từ" in phone.locator("main").inner_text()
