"""A province officer registers a river-level device on a 360 px phone, adds its stream with
a threshold, the device sends readings over HTTP, and the officer issues the warning the
crossing drafted; the pages fit the phone, look right on a desktop and have no axe-core
violation. Screenshots in var/screenshots/sensors-*.png."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django_otp.oath import TOTP

from conftest import CHROMIUM, PASSWORD, PERSONAS, PHONE, in_process_server
from dantoc.alerts.models import Alert
from dantoc.core.testing import axe_violations
from dantoc.sensors.models import Device, ThresholdCrossing
from dantoc.sensors.tests.helpers import hours_ago, reading

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=False),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def _sign_in(page, base: str, persona: str) -> None:
    # The machine running the tests may be loaded: pages get more time than the default.
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(60_000)
    who = PERSONAS[persona]
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(who.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    if who.totp_hex:
        page.wait_for_url("**/accounts/2fa/verify/**")
        page.get_by_label("Mã xác thực 6 số").fill(
            f"{TOTP(bytes.fromhex(who.totp_hex)).token():06d}"
        )
        page.get_by_role("button", name="Xác thực").click()
    page.wait_for_url(f"{base}/")


def _fits_and_is_accessible(page, name: str, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"sensors-{name}.png"), full_page=True)


def test_a_province_officer_registers_a_device_and_issues_the_warning_it_drafts(people, browser):
    with in_process_server() as base:
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN"
        )
        page = context.new_page()
        try:
            _sign_in(page, base, "province")
            page.goto(f"{base}/thiet-bi/dang-ky/")
            _fits_and_is_accessible(page, "register-phone", PHONE["width"])
            page.get_by_label("Tên thiết bị").fill("Trạm mực nước suối Lũng Cú")
            page.get_by_label("Loại thiết bị").select_option(label="Trạm đo mực nước sông, suối")
            page.get_by_label("Xã đặt thiết bị").select_option(label="Xã Lũng Cú (00715)")
            page.get_by_label("Vĩ độ").fill("23.3631")
            page.get_by_label("Kinh độ").fill("105.3161")
            page.get_by_role("button", name="Đăng ký").click()
            page.get_by_text("chỉ hiện một lần").wait_for()
            secret = page.locator("dd code").nth(1).inner_text()
            _fits_and_is_accessible(page, "secret-phone", PHONE["width"])
            device = Device.objects.get(name="Trạm mực nước suối Lũng Cú")
            assert secret not in device.secret_hash

            page.get_by_role("link", name="Đến trang thiết bị").click()
            page.get_by_label("Mã luồng số liệu").fill("muc_nuoc")
            page.locator("#id_name").fill("Mực nước suối")
            page.get_by_label("Đại lượng đo").fill("Mực nước")
            page.get_by_label("Đơn vị đo").fill("cm")
            page.get_by_label("Chỉ tiêu nhận giá trị").select_option(
                label="CB_MUC_NUOC_MAX Mực nước sông, suối cao nhất trong kỳ"
            )
            page.get_by_label("Tổng hợp theo tháng").select_option("max")
            page.get_by_label("Ngưỡng cảnh báo").fill("250")
            page.get_by_label("Loại thiên tai khi vượt ngưỡng").select_option(label="Lũ quét")
            page.get_by_role("button", name="Thêm").click()
            page.get_by_text("Đã thêm luồng số liệu.").wait_for()

            # The device sends readings; one is malformed, two are over the threshold.
            readings = [
                reading("muc_nuoc", hours_ago(h), v)
                for h, v in ((4, 180), (3, 262.5), (2, 271), (1, 230))
            ]
            answer = requests.post(
                f"{base}/api/sensors/v1/readings",
                json={"readings": [*readings, reading("muc_nuoc", hours_ago(5), "cao")]},
                headers={"Authorization": f"Device {device.uuid}:{secret}"},
                timeout=30,
            )
            assert answer.json()["accepted"] == 4 and answer.json()["malformed"] == 1
            page.reload()
            assert page.locator("td.over").count() == 2
            _fits_and_is_accessible(page, "device-phone", PHONE["width"])

            page.goto(f"{base}/thiet-bi/vuot-nguong/")
            assert "271" in page.content()
            _fits_and_is_accessible(page, "crossings-phone", PHONE["width"])
            page.get_by_label("Cấp độ rủi ro").select_option("2")
            page.get_by_label("Tính chất").select_option("Test")
            headline = page.get_by_label("Tiêu đề", exact=True)
            assert "Lũng Cú" in headline.input_value()  # the draft, editable
            headline.fill("Nước suối Lũng Cú lên nhanh")
            page.get_by_role("button", name="Phát cảnh báo").click()
            page.wait_for_url("**/canh-bao/**")
            alert = Alert.objects.get()
            assert alert.infos.get(language="vi").headline == "Nước suối Lũng Cú lên nhanh"
            assert ThresholdCrossing.objects.get().alert == alert
            assert "Lũng Cú" in page.content()
            # The same officer on a desktop: the session, not a second sign-in (the 2FA code
            # of this 30-second step was used once already and is refused a second time).
            session = context.storage_state()
        finally:
            context.close()

        desk = browser.new_context(viewport=DESKTOP, locale="vi-VN", storage_state=session)
        page = desk.new_page()
        page.set_default_timeout(60_000)
        try:
            page.goto(f"{base}/thiet-bi/")
            assert "Trạm mực nước suối Lũng Cú" in page.content()
            _fits_and_is_accessible(page, "list-desktop", DESKTOP["width"])
            page.goto(f"{base}/thiet-bi/{device.uuid}/")
            _fits_and_is_accessible(page, "device-desktop", DESKTOP["width"])
        finally:
            desk.close()
