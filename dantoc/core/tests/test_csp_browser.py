"""The Content-Security-Policy breaks nothing: the main public and signed-in pages load in a
real Chromium, against the platform served by gunicorn, without a single CSP violation."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from conftest import CHROMIUM, PHONE
from dantoc.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from dantoc.core.testing import run_python, running_platform
from dantoc.library.demo import NAMESPACE as LIBRARY_DEMO
from dantoc.reporting.tests.test_entry_browser import FORM

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"
)

# Runs before any script of each page (and outside its policy): records what the policy
# refused, as the browser reports it to the page.
LISTEN = """document.addEventListener('securitypolicyviolation', e => {
  (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI);
  document.documentElement.setAttribute('data-csp-violations', window.__csp.length);
});"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("csp")) as (db, served):
        code = (
            "import json\n"
            "from dantoc.reporting import services, selectors\n"
            f"form, _ = services.form_define(definition=json.loads({json.dumps(json.dumps(FORM))}))\n"
            "print(selectors.open_periods(form)[0].code)\n"
        )
        period = run_python(db, code).strip().splitlines()[-1]
        yield served.url, period


class Watched:
    """A page whose CSP violations are collected from the console and from the page."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport=PHONE, locale="vi-VN")
        self.context.add_init_script(LISTEN)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on(
            "console",
            lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None,
        )
        self.policies: dict[str, str] = {}

    def visit(self, url: str, *, ready: str = "main") -> list[str]:
        response = self.page.goto(url, wait_until="networkidle")
        assert response is not None and response.ok, url
        self.policies[url] = response.headers.get("content-security-policy", "")
        self.page.locator(ready).first.wait_for()
        return self.violations()

    def violations(self) -> list[str]:
        return self.console + (self.page.evaluate("window.__csp || []") or [])

    def sign_in(self, base: str, username: str) -> None:
        self.page.goto(f"{base}/accounts/login/")
        self.page.get_by_label("Tên đăng nhập").fill(username)
        self.page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="Đăng nhập").click()
        key_hex = next(u for u in DEMO_USERS if u[0] == username)[-1]
        if key_hex:
            self.page.wait_for_url("**/accounts/2fa/verify/**")
            assert self.violations() == []
            token = f"{TOTP(bytes.fromhex(key_hex)).token():06d}"
            self.page.get_by_label("Mã xác thực 6 số").fill(token)
            self.page.get_by_role("button", name="Xác thực").click()
        self.page.wait_for_url(f"{base}/")


def test_public_pages_and_the_api_docs_load_without_a_csp_violation(server, browser):
    base, _ = server
    watched = Watched(browser)
    try:
        for path in (
            "/",
            "/cong-thong-tin/",
            "/cong-thong-tin/van-ban/",
            "/du-lieu-mo/",
            "/du-lieu-mo/ho-duoc-ho-tro-nha-o-lao-cai/",
            "/units/08/",
            "/di-san/",
            "/accounts/login/",
            "/dong-bao/gia-ca/08/",
            "/dong-bao/gia-ca/08/lon-hoi/",
            "/dong-bao/ocop/",
            "/kenh/dang-ky/",
            "/chuyen-gia/?q=ede",
            "/thu-vien/",
        ):
            assert watched.visit(base + path) == [], path
        # The e-library's PDF reader (pdf.js and its worker from the static files) paints a page.
        reader = f"/thu-vien/{uuid.uuid5(LIBRARY_DEMO, 'so-tay')}/doc/"
        assert watched.visit(base + reader, ready="#lib-reader[data-ready]") == [], reader
        # Swagger UI renders the schema with its scripts, under the policy of its page.
        assert watched.visit(f"{base}/api/docs/", ready=".swagger-ui .opblock") == []
        assert "dantoc API" in watched.page.locator(".swagger-ui .info").inner_text()
        assert all("script-src 'self';" in p for p in watched.policies.values())
    finally:
        watched.context.close()


def test_signed_in_pages_load_without_a_csp_violation(server, browser):
    base, period = server
    reporter = Watched(browser)
    try:
        reporter.sign_in(base, "xa.lungcu")
        assert reporter.visit(f"{base}/") == []
        entry = f"{base}/reporting/BM-E2E/{period}/00715/"
        assert reporter.visit(entry) == []
        # The entry script runs: it checks a typed value in the browser.
        reporter.page.get_by_label("Giải ngân", exact=True).fill("mười")
        reporter.page.get_by_label("Giải ngân", exact=True).press("Tab")
        reporter.page.locator(".cell.has-error .msg").wait_for()
        assert reporter.violations() == []
    finally:
        reporter.context.close()
    officer = Watched(browser)
    try:
        officer.sign_in(base, "tinh.tuyenquang")
        for path in (
            "/analytics/?unit=08",
            "/analytics/pivot/?dx=VON_KH&dx=VON_GN&pe=2026&unit=08",
            "/analytics/report/",
            "/notifications/",
            "/reporting/",
            "/hop/",
            "/hop/moi/",
            "/dong-bao/gia-ca/nhap/",
            "/dong-bao/ocop/bien-tap/moi/",
            "/tap-huan/",
            "/tap-huan/tao/",
            "/tap-huan/muc-tieu/",
            "/chung-nhan/kiem-tra/",
            "/kenh/cua-toi/",
            "/chuyen-gia/tim-theo-du-an/?component=DA1&province=66&ethnic_groups=11",
            "/thiet-bi/",
            "/thiet-bi/dang-ky/",
            "/thiet-bi/vuot-nguong/",
        ):
            assert officer.visit(base + path) == [], path
    finally:
        officer.context.close()
    editor = Watched(browser)
    try:
        editor.sign_in(base, "bientap")
        for path in ("/bien-tap/", "/bien-tap/bai-viet/moi/"):
            assert editor.visit(base + path) == [], path
    finally:
        editor.context.close()


def test_an_inline_script_slipped_into_a_page_is_refused_and_reported(server, browser):
    base, _ = server
    watched = Watched(browser)
    try:
        assert watched.visit(f"{base}/") == []
        watched.page.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = 'window.__ran = 1'; document.body.appendChild(s); }"""
        )
        # (A locator: wait_for_function would poll with eval, which the policy refuses.)
        expect(watched.page.locator("html[data-csp-violations]")).to_have_count(1)
        assert watched.page.evaluate("window.__ran") is None
        assert any(v.startswith("script-src") for v in watched.violations())
    finally:
        watched.context.close()
