"""The subscription pages on a 360 px phone (they use no script) and the outbox on a desktop, in
Chromium against an in-process server on the test's database; screenshots under
var/screenshots/channels-*.png; no axe-core violation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.oath import TOTP

from conftest import CHROMIUM, PASSWORD, PERSONAS, PHONE, in_process_server
from dantoc.channels import services
from dantoc.channels.models import Channel, OutboxMessage, State
from dantoc.core.testing import axe_violations

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def _no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def test_a_citizen_subscribes_on_a_phone_and_an_administrator_reads_the_outbox(
    browser, people, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failed = services.outbox_enqueue(
        channel=Channel.SMS, address="84888000001", body="Cảnh báo lũ quét", idempotency_key="b1"
    )
    OutboxMessage.objects.filter(pk=failed.pk).update(
        state=State.FAILED, last_error="delivery receipt stat:UNDELIV", attempts=1
    )
    with in_process_server() as base:
        # The pages have no script of their own; axe and the layout checks need JavaScript.
        phone = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
        page = phone.new_page()
        page.goto(f"{base}/kenh/dang-ky/")
        page.get_by_label("Số điện thoại di động").fill("0862 000 123")
        page.get_by_label("Mã xã").fill("02701")
        page.get_by_role("checkbox").check()
        page.screenshot(path=str(SCREENSHOTS / "channels-subscribe-360.png"), full_page=True)
        _no_axe_violations(page)
        page.get_by_role("button", name="Gửi mã xác nhận").click()
        page.wait_for_url(re.compile(r".*/xac-nhan/$"))
        code = re.search(
            r"\b(\d{6})\b", OutboxMessage.objects.filter(address="84862000123").latest("id").body
        ).group(1)
        page.get_by_label("Mã xác nhận (6 chữ số)").fill(code)
        page.screenshot(path=str(SCREENSHOTS / "channels-confirm-360.png"), full_page=True)
        page.get_by_role("button", name="Xác nhận").click()
        assert "Đã đăng ký nhận cảnh báo" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SCREENSHOTS / "channels-subscribed-360.png"), full_page=True)
        _no_axe_violations(page)
        phone.close()

        desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        page = desktop.new_page()
        admin = PERSONAS["admin"]
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Tên đăng nhập").fill(admin.username)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url("**/accounts/2fa/verify/**")
        page.get_by_label("Mã xác thực 6 số").fill(
            f"{TOTP(bytes.fromhex(admin.totp_hex)).token():06d}"
        )
        page.get_by_role("button", name="Xác thực").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/kenh/hop-thu-di/")
        assert "stat:UNDELIV" in page.content()
        assert "8488••••001" in page.content()
        assert code not in page.content()  # the citizen's confirmation code is not shown
        page.screenshot(path=str(SCREENSHOTS / "channels-outbox-desktop.png"), full_page=True)
        _no_axe_violations(page)
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(SCREENSHOTS / "channels-outbox-360.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name="Gửi lại").click()
        failed.refresh_from_db()
        assert failed.state == State.QUEUED
        desktop.close()
