"""Offline entry for real (issue 20): a Chromium phone against gunicorn, which the test stops
to take the network away (Playwright's offline switch does not reach the service worker) and
starts again on the same port, so the page's origin, cookies and service worker stay."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE, page_sign_in
from dantoc.accounts.demo import DEMO_PASSWORD
from dantoc.core.testing import (
    axe_violations,
    free_port,
    prepare,
    run_python,
    run_python_json,
    serve,
    throwaway_database,
)

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)

ROWS = {"DA1": "Dự án 1", "DA2": "Dự án 2", "DA3": "Dự án 3", "DA4": "Dự án 4"}
# A monthly form open for entry whatever day the tests run on; no rules, so it can be submitted.
FORM = {
    "code": "BM-OFFLINE",
    "name": "Biểu thử nghiệm: nhập khi mất mạng",
    "period_type": "thang",
    "reporting_level": "commune",
    "opens_days_before_end": 31,
    "locks_days_after_end": 40,
    "deadlines": {"commune": 10},
    "sections": [
        {
            "code": "A",
            "title": "Vốn",
            "columns": [
                {"code": "KH", "label": "Kế hoạch", "indicator": "VON_KH", "options": {}},
                {"code": "GN", "label": "Giải ngân", "indicator": "VON_GN", "options": {}},
            ],
            "rows": [
                {
                    "code": code,
                    "label": label,
                    "options": {"DU_AN": code, "LOAI_VON": "DTPT", "NGUON_VON": "TW"},
                }
                for code, label in ROWS.items()
            ],
        }
    ],
    "rules": [],
}

# Resolves once the service worker controls the page.
CONTROLLED = (
    "navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller || new Promise("
    "ok => navigator.serviceWorker.addEventListener('controllerchange', ok))).then(() => true)"
)

COUNTS = """
import json
from dantoc.reporting.models import DataValue, DataValueChange, QueuedChange, Submission
unit = %(unit)r
ours = DataValue.objects.filter(
    unit__code=unit, period__code=%(period)r, period__period_type__code="thang",
    options_key__endswith=";LOAI_VON=DTPT;NGUON_VON=TW",
)
values = ours.filter(deleted=False)
print(json.dumps({
    "values": sorted([v.options_key.split(";")[0] + ":" + v.indicator.code + "=" + v.value for v in values]),
    "history": sorted(c.old_value + ">" + c.new_value for c in DataValueChange.objects.filter(data_value__in=ours)),
    "keys": QueuedChange.objects.filter(unit__code=unit).count(),
    "submitted": list(Submission.objects.filter(form_code="BM-OFFLINE", unit__code=unit).values_list("status", flat=True)),
    "submit_events": sum(s.events.filter(action="submit").count() for s in Submission.objects.filter(form_code="BM-OFFLINE", unit__code=unit)),
}))
"""


class Platform:
    """gunicorn on one port, stopped and started again by the test."""

    def __init__(self, db, port: int):
        self.db, self.port, self.stack = db, port, None
        self.url = f"http://127.0.0.1:{port}"

    def up(self):
        self.stack = contextlib.ExitStack()
        self.stack.enter_context(serve(self.db, port=self.port, workers=2))

    def down(self):
        self.stack.close()
        self.stack = None

    def counts(self, unit: str) -> dict:
        return run_python_json(self.db, COUNTS % {"unit": unit, "period": self.period})


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with throwaway_database(workdir=tmp_path_factory.mktemp("offline")) as db:
        prepare(db)
        code = (
            "import json\n"
            "from dantoc.reporting import services, selectors\n"
            f"form, _ = services.form_define(definition=json.loads({json.dumps(json.dumps(FORM))}))\n"
            "print(selectors.open_periods(form)[0].code)\n"
        )
        period = run_python(db, code).strip().splitlines()[-1]
        server = Platform(db, free_port())
        server.period = period
        server.up()
        try:
            yield server
        finally:
            if server.stack is not None:
                server.down()


@pytest.fixture(autouse=True)
def server_up_again(platform):
    """A test that failed while the server was stopped leaves it running for the next."""
    yield
    if platform.stack is None:
        platform.up()


def open_for_offline(page, url: str) -> None:
    """Open the page, wait for the service worker to take control, and open it again so
    that the worker keeps a copy (the first visit happens before it is installed)."""
    page.goto(url)
    page.evaluate(CONTROLLED)
    page.reload()


def outbox_empties(page, timeout: float = 30) -> None:
    """Until the page's outbox is empty (Playwright's wait_for_function would take the
    promise IndexedDB answers with for a truthy value and not wait)."""
    deadline = time.monotonic() + timeout
    while page.evaluate("window.dantocOutbox.all().then(l => l.length)"):
        assert time.monotonic() < deadline, "changes still wait in the outbox"
        page.wait_for_timeout(50)


def cell(page, row: str, column: str = "Kế hoạch"):
    return page.get_by_role("group", name=row).get_by_label(column, exact=True)


def test_a_report_entered_offline_and_reloaded_arrives_once_then_is_submitted(
    platform, phone, tmp_path
):
    base, period = platform.url, platform.period
    entry = f"{base}/reporting/BM-OFFLINE/{period}/00715/"
    page_sign_in(phone, base, "xa.lungcu")
    open_for_offline(phone, f"{base}/reporting/")
    open_for_offline(phone, entry)

    platform.down()  # no network from here
    cell(phone, "Dự án 1").fill("1.200")
    cell(phone, "Dự án 1").press("Tab")
    cell(phone, "Dự án 2").fill("350,5")
    cell(phone, "Dự án 2").press("Tab")
    expect(phone.locator(".cell.queued")).to_have_count(2)
    expect(phone.locator("#outbox")).to_contain_text("2 thay đổi đang chờ gửi")
    # Submitting offline is queued after the values.
    phone.get_by_role("link", name="Nộp báo cáo").click()
    phone.get_by_role("button", name="Xác nhận nộp báo cáo").click()
    expect(phone.locator("#outbox")).to_contain_text("3 thay đổi đang chờ gửi")

    # Reload with the server still away: the kept page, with what waits in its cells.
    phone.reload()
    expect(cell(phone, "Dự án 1")).to_have_value("1.200")
    expect(cell(phone, "Dự án 2")).to_have_value("350,5")
    expect(phone.locator(".cell.queued")).to_have_count(2)
    expect(phone.locator("#outbox")).to_contain_text("3 thay đổi đang chờ gửi")
    phone.screenshot(path=str(tmp_path / "offline-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(phone) == []
    # The list of reports due opens offline too.
    phone.goto(f"{base}/reporting/")
    expect(phone.get_by_text("Biểu thử nghiệm: nhập khi mất mạng").first).to_be_visible()

    platform.up()
    phone.goto(entry)  # opening the page sends what waits
    expect(phone.locator("#outbox")).to_contain_text("Đã gửi 2 thay đổi ✓")
    expect(phone.locator("#outbox")).to_contain_text("Đã nộp báo cáo ✓")
    assert phone.evaluate("window.dantocOutbox.all().then(l => l.length)") == 0
    counts = platform.counts("00715")
    assert counts["values"] == ["DU_AN=DA1:VON_KH=1200", "DU_AN=DA2:VON_KH=350.5"]
    assert counts["history"] == [] and counts["keys"] == 3
    assert counts["submitted"] == ["submitted"] and counts["submit_events"] == 1


def test_two_tabs_sending_the_same_outbox_store_each_value_once(platform, browser):
    base, period = platform.url, platform.period
    entry = f"{base}/reporting/BM-OFFLINE/{period}/00700/"
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
    one = context.new_page()
    page_sign_in(one, base, "xa.ngocduong")
    open_for_offline(one, entry)
    platform.down()
    cell(one, "Dự án 3").fill("40")
    cell(one, "Dự án 3").press("Tab")
    expect(one.locator(".cell.queued")).to_have_count(1)
    two = context.new_page()
    two.goto(entry)  # the kept page, offline
    expect(two.locator("#outbox")).to_contain_text("1 thay đổi đang chờ gửi")
    platform.up()
    # Both tabs send the same outbox at the same moment.
    one.evaluate("() => { window.dantocOutbox.flush(); }")
    two.evaluate("() => { window.dantocOutbox.flush(); }")
    for tab in (one, two):
        outbox_empties(tab)
    counts = platform.counts("00700")
    assert counts["values"] == ["DU_AN=DA3:VON_KH=40"]
    assert counts["history"] == [] and counts["keys"] == 1
    context.close()


def test_a_session_expired_while_offline_keeps_the_change_until_signed_in_again(platform, phone):
    base, period = platform.url, platform.period
    entry = f"{base}/reporting/BM-OFFLINE/{period}/00700/"
    page_sign_in(phone, base, "xa.ngocduong")
    open_for_offline(phone, entry)
    platform.down()
    cell(phone, "Dự án 4").fill("55")
    cell(phone, "Dự án 4").press("Tab")
    expect(phone.locator(".cell.queued")).to_have_count(1)
    run_python(
        platform.db,
        "from django.contrib.sessions.models import Session\nSession.objects.all().delete()",
    )
    platform.up()
    phone.evaluate("() => window.dantocOutbox.flush()")
    refusal = phone.locator("#outbox li.refused")
    expect(refusal).to_contain_text("Hết phiên đăng nhập")
    assert "DU_AN=DA4:VON_KH=55" not in platform.counts("00700")["values"]
    phone.get_by_role("link", name="Đăng nhập lại").click()
    phone.get_by_label("Tên đăng nhập").fill("xa.ngocduong")
    phone.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    phone.get_by_role("button", name="Đăng nhập").click()
    phone.wait_for_url(entry)
    expect(phone.locator("#outbox")).to_contain_text("Đã gửi 1 thay đổi ✓")
    assert "DU_AN=DA4:VON_KH=55" in platform.counts("00700")["values"]


def test_a_value_changed_meanwhile_shows_both_and_the_reporter_chooses(platform, phone, tmp_path):
    base, period = platform.url, platform.period
    entry = f"{base}/reporting/BM-OFFLINE/{period}/00700/"
    page_sign_in(phone, base, "xa.ngocduong")
    open_for_offline(phone, entry)
    platform.down()
    cell(phone, "Dự án 1", "Giải ngân").fill("300")
    cell(phone, "Dự án 1", "Giải ngân").press("Tab")
    expect(phone.locator(".cell.queued")).to_have_count(1)
    # Meanwhile the value is set elsewhere (another session of the commune's officials).
    run_python(
        platform.db,
        "from django.utils import timezone\n"
        "from dantoc.accounts.models import User\n"
        "from dantoc.geo.selectors import unit_get\n"
        "from dantoc.reporting import selectors, services\n"
        "form = selectors.form_get(code='BM-OFFLINE')\n"
        f"period = services.period_resolve(period_type=form.period_type, code={period!r})\n"
        "layout = selectors.form_layout(form)\n"
        "key = next(k for k, c in layout.cells.items() if c.indicator.code == 'VON_GN'"
        " and c.options.get('DU_AN') == 'DA1')\n"
        "services.datavalues_save(actor=User.objects.get(username='xa.ngocduong'), form=form,"
        " unit=unit_get(code='00700'), period=period, inputs=[services.CellInput(key, '777')],"
        " source='xlsx')\n",
    )
    platform.up()
    phone.evaluate("() => window.dantocOutbox.flush()")
    refusal = phone.locator("#outbox li.refused")
    expect(refusal).to_contain_text("Giá trị đã bị sửa")
    expect(refusal.get_by_role("button", name="Giữ giá trị của tôi (300)")).to_be_visible()
    expect(refusal.get_by_role("button", name="Dùng giá trị đang lưu (777)")).to_be_visible()
    assert "DU_AN=DA1:VON_GN=777" in platform.counts("00700")["values"]
    phone.screenshot(path=str(tmp_path / "conflict-360.png"), full_page=True)
    assert axe_violations(phone) == []
    refusal.get_by_role("button", name="Giữ giá trị của tôi (300)").click()
    expect(phone.locator("#outbox")).to_contain_text("Đã gửi 1 thay đổi ✓")
    counts = platform.counts("00700")
    assert "DU_AN=DA1:VON_GN=300" in counts["values"]
    assert "777>300" in counts["history"]


def test_an_answer_lost_on_the_way_back_is_sent_again_and_stored_once(platform, phone):
    """The connection drops after the server applied the changes and before the phone got
    the answer (the server's answer is thrown away on its way to the page)."""
    base, period = platform.url, platform.period
    entry = f"{base}/reporting/BM-OFFLINE/{period}/00700/"
    page_sign_in(phone, base, "xa.ngocduong")
    open_for_offline(phone, entry)
    platform.down()
    cell(phone, "Dự án 2").fill("12")
    cell(phone, "Dự án 2").press("Tab")
    cell(phone, "Dự án 2", "Giải ngân").fill("7")
    cell(phone, "Dự án 2", "Giải ngân").press("Tab")
    expect(phone.locator(".cell.queued")).to_have_count(2)
    platform.up()
    reached = []

    def lose_answer(route):
        route.fetch()  # the server receives and applies the batch
        reached.append(route.request.url)
        route.abort("connectionreset")

    phone.route("**/outbox", lose_answer)
    phone.evaluate("() => window.dantocOutbox.flush()")
    assert reached
    assert phone.evaluate("window.dantocOutbox.all().then(l => l.length)") == 2
    phone.unroute("**/outbox")
    phone.evaluate("() => window.dantocOutbox.flush()")
    expect(phone.locator("#outbox")).to_contain_text("Đã gửi 2 thay đổi ✓")
    assert phone.evaluate("window.dantocOutbox.all().then(l => l.length)") == 0
    counts = platform.counts("00700")
    assert {"DU_AN=DA2:VON_KH=12", "DU_AN=DA2:VON_GN=7"} <= set(counts["values"])
    assert not [h for h in counts["history"] if h.endswith(">12") or h.endswith(">7")]
