"""Autosave and the whole-page "Lưu" agree (issue 17, defect 1): after cells were autosaved,
pressing "Lưu" flags nothing, while a value someone else changed meanwhile is still flagged.
A real Chromium on a 360 px screen against the platform served by gunicorn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE, page_sign_in
from dantoc.accounts.demo import DEMO_PASSWORD
from dantoc.core.testing import HttpSession, run_python, running_platform

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)

# A monthly form open for entry whatever day the tests run on.
FORM = {
    "code": "BM-AUTOSAVE",
    "name": "Biểu thử nghiệm: tự động lưu",
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
    "rules": [],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("autosave")) as (db, served):
        code = (
            "import json\n"
            "from dantoc.reporting import services, selectors\n"
            f"form, _ = services.form_define(definition=json.loads({json.dumps(json.dumps(FORM))}))\n"
            "print(selectors.open_periods(form)[0].code)\n"
        )
        period = run_python(db, code).strip().splitlines()[-1]
        yield served.url, period


def test_saving_the_page_after_autosave_flags_no_cell(server, phone):
    base, period = server
    page_sign_in(phone, base, "xa.lungcu")
    phone.goto(f"{base}/reporting/BM-AUTOSAVE/{period}/00715/")
    planned = phone.get_by_label("Kế hoạch", exact=True)
    disbursed = phone.get_by_label("Giải ngân", exact=True)

    planned.fill("1000,5")  # stored and shown back as "1.000,5"
    planned.press("Tab")
    disbursed.fill("900")
    disbursed.press("Tab")
    expect(phone.locator(".cell.saved")).to_have_count(2)
    expect(phone.locator(".cell.saved .msg").first).to_have_text("Đã lưu ✓")

    phone.get_by_role("button", name="Lưu", exact=True).click()
    expect(phone.locator(".messages")).to_contain_text("Đã lưu")
    assert phone.locator(".cell.has-error").count() == 0
    assert phone.locator("p.errorlist").count() == 0
    assert planned.input_value() == "1.000,5" and disbursed.input_value() == "900"

    # "Lưu" pressed straight after typing, while the cell's autosave is still on its way.
    disbursed.fill("950")
    phone.get_by_role("button", name="Lưu", exact=True).click()
    expect(phone.locator(".messages")).to_contain_text("Đã lưu")
    assert phone.locator(".cell.has-error").count() == 0
    assert disbursed.input_value() == "950"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_value_changed_elsewhere_meanwhile_is_still_flagged(server, phone):
    base, period = server
    page_sign_in(phone, base, "xa.ngocduong")
    phone.goto(f"{base}/reporting/BM-AUTOSAVE/{period}/00700/")
    planned = phone.get_by_label("Kế hoạch", exact=True)
    key = planned.get_attribute("id").removeprefix("v-")

    # The phone loses its connection: autosave fails and the change goes to the outbox
    # (issue 20), which sends it with the value it was made on.
    phone.route("**/values", lambda route: route.abort())
    phone.route("**/outbox", lambda route: route.abort())
    planned.fill("300")
    planned.press("Tab")
    expect(phone.locator(".cell.queued .msg")).to_contain_text("Chờ gửi")

    # Meanwhile the same report is changed from another session.
    other = HttpSession(base)
    other.sign_in("xa.ngocduong", DEMO_PASSWORD)
    api = f"/api/v1/reports/BM-AUTOSAVE/{period}/00700/values"
    answer = other.post_json(api, {"cells": [{"key": key, "value": "777"}]})
    assert answer.status == 200, answer.text
    assert answer.json()["cells"][0]["stored"] == {"display": "777", "comment": ""}

    phone.unroute("**/values")
    phone.unroute("**/outbox")
    phone.get_by_role("button", name="Lưu", exact=True).click()
    flagged = phone.locator(".cell.has-error .msg")
    expect(flagged).to_contain_text("giá trị đã được sửa thành “777”")
    expect(phone.locator("p.errorlist")).to_be_visible()
    # Nothing was put back over the other session's value.
    current = other.request("GET", api, headers={"Accept": "application/json"}).json()
    assert current["values"][key]["value"] == "777"
