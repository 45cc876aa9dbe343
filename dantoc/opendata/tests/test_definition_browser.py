"""A province officer defines an open-data set on a 360 px phone in a real Chromium, against
the platform served by gunicorn with the demo data: the unit chosen by its name from the
picker's suggestions, its communes as the scope, a quarter chosen by its name; no code typed,
no sideways scrolling, no axe-core violation (issue 17, defect 7)."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django_otp.oath import TOTP

from conftest import CHROMIUM, PHONE
from dantoc.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from dantoc.core.testing import AXE, axe_violations, running_platform
from dantoc.reporting.periods import PeriodKind, PeriodRule, recent_periods

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install)"),
]
NAME = "von-cac-xa-tuyen-quang"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("opendata-define")) as (_db, served):
        yield served.url


def _sign_in(page, server: str, username: str) -> None:
    page.goto(f"{server}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/accounts/2fa/verify/**")
    key_hex = next(u[5] for u in DEMO_USERS if u[0] == username)
    page.get_by_label("Mã xác thực 6 số").fill(f"{TOTP(bytes.fromhex(key_hex)).token():06d}")
    page.get_by_role("button", name="Xác thực").click()
    page.wait_for_url(f"{server}/")


def _no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_province_officer_defines_a_data_set_with_the_pickers_on_a_phone(server, browser):
    # The quarter before the current one, as the server (in Vietnam) counts them.
    today = datetime.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    quarter = recent_periods(PeriodRule(kind=PeriodKind.QUARTER), today, back=1, ahead=0)[1]
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN", device_scale_factor=2
    )
    page = context.new_page()
    try:
        _sign_in(page, server, "tinh.tuyenquang")
        page.goto(f"{server}/quan-ly/du-lieu-mo/moi/")
        _fits(page)
        _no_axe_violations(page)
        page.locator("#id_name").fill(NAME)
        page.locator("#id_title").fill("Vốn Chương trình 1719 các xã tỉnh Tuyên Quang")
        page.locator("#id_title_en").fill("NTP 1719 capital, communes of Tuyên Quang")
        page.locator("#id_description").fill("Kế hoạch vốn và giải ngân theo quý, từng xã.")
        page.locator("#id_description_en").fill("Capital plan and disbursement by quarter.")
        page.get_by_label("VON_GN – Vốn đã giải ngân").check()
        page.get_by_label(quarter.label, exact=True).check()
        # The unit: a name typed without diacritics, chosen among the suggestions.
        picker = page.get_by_label("Thêm đơn vị")
        picker.press_sequentially("tuyen quang")
        # (A datalist option carries its words in its value.)
        suggestion = page.locator('#id_unit_add-list option[value^="Tỉnh Tuyên Quang"]')
        suggestion.wait_for(state="attached")
        picker.fill(suggestion.get_attribute("value"))
        page.get_by_role("button", name="Thêm đơn vị").click()
        page.wait_for_load_state()
        chosen = page.get_by_label("Tỉnh Tuyên Quang (08)")
        assert chosen.is_checked()
        # What was filled in before the step is still there.
        assert page.locator("#id_title").input_value().endswith("các xã tỉnh Tuyên Quang")
        assert page.get_by_label(quarter.label, exact=True).is_checked()
        page.get_by_label("Các đơn vị đã chọn và mọi xã, phường, đặc khu trong đó").check()
        page.locator("#id_contact_name").fill("Sở Dân tộc và Tôn giáo Tuyên Quang")
        page.locator("#id_contact_email").fill("sdttg@tuyenquang.gov.vn")
        _fits(page)
        page.get_by_role("button", name="Lưu", exact=True).last.click()
        page.wait_for_url(re.compile(rf"/du-lieu-mo/{NAME}/$"))
        assert "Đã lưu bộ dữ liệu" in page.locator("main").inner_text()
        # Opened again for editing: the choices as made, in words.
        page.goto(f"{server}/quan-ly/du-lieu-mo/{NAME}/sua/")
        assert page.get_by_label("Tỉnh Tuyên Quang (08)").is_checked()
        assert page.get_by_label(quarter.label, exact=True).is_checked()
        assert page.get_by_label(
            "Các đơn vị đã chọn và mọi xã, phường, đặc khu trong đó"
        ).is_checked()
        _fits(page)
        _no_axe_violations(page)
    finally:
        context.close()
