"""Shared test set-up: reference data loaded once, and the personas of CONVENTIONS.md.

Personas are built through the real services, once per test session, inside the test
database; each test runs in a transaction that is rolled back, so they start clean.
"""

from __future__ import annotations

import importlib
import io
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

# Tests read the citizen reach counts right after a reading (servers they start inherit it).
os.environ.setdefault("DANTOC_CITIZEN_REACH_BUFFER_SECONDS", "0")

from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from dantoc.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from dantoc.core import testing as platform_testing

PLATFORM_HELPERS = ("running_platform", "serve", "throwaway_database", "prepare")

PASSWORD = "mat-khau-thu-nghiem-2025"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}


@dataclass(frozen=True)
class Persona:
    username: str
    unit_code: str
    roles: tuple[str, ...]
    totp_hex: str | None = None


PERSONAS = {
    # Xã Lũng Cú (new commune 00715, Tuyên Quang), formed from communes of old Hà Giang.
    "commune": Persona("xa.lungcu", "00715", ("commune_reporter",)),
    "other_commune": Persona("xa.ngocduong", "00700", ("commune_reporter",)),
    "province": Persona("tinh.tuyenquang", "08", ("province_officer",), "11" * 20),
    "other_province": Persona("tinh.laocai", "15", ("province_officer",), "22" * 20),
    "ministry": Persona("bo.giamsat", "VN", ("ministry_officer",), "33" * 20),
    "editor": Persona("bientap", "VN", ("content_editor",)),
    "admin": Persona("quantri", "VN", ("system_admin",), "44" * 20),
    "province_admin": Persona("quantri.tuyenquang", "08", ("system_admin",), "55" * 20),
}


BROWSER_FIXTURES = {"browser", "phone", "desktop"}


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Pages use the same hashed static files as production; build them once per run, so a
    changed stylesheet or script is what the tests (and their servers) see. With pytest-xdist
    the controller builds them before its workers start (the workers only read them: two
    processes rewriting the manifest at once would leave a moment without one)."""
    config.addinivalue_line("markers", "browser: drives Debian's Chromium (page tests)")
    config.addinivalue_line(
        "markers",
        "platform: starts the platform for real (its own database, gunicorn); slow, runs in CI",
    )
    config.addinivalue_line(
        "markers",
        "both_databases: a platform test CI runs on SQLite too (the SQLite pass skips the others)",
    )
    config.addinivalue_line(
        "markers",
        "engine_agnostic: HTTP-level behaviour the database engine does not change; CI runs it"
        " in the PostgreSQL pass only",
    )
    from django.conf import settings

    settings.PASSWORD_HASHERS = [
        "dantoc.core.quick_hashers.QuickArgon2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    call_command("collectstatic", "--noinput", verbosity=0)
    if config.getoption("numprocesses", None):
        # The workers share the platform's template databases (dantoc.core.testing).
        import tempfile

        from dantoc.core.testing import TEMPLATE_SHARE_ENV

        share = tempfile.mkdtemp(prefix="dantoc-templates-")
        os.environ[TEMPLATE_SHARE_ENV] = share
        config._dantoc_template_share = share


def pytest_unconfigure(config):
    share = getattr(config, "_dantoc_template_share", None)
    if share:
        from dantoc.core.testing import TEMPLATE_SHARE_ENV, shared_templates_drop

        shared_templates_drop(share)
        os.environ.pop(TEMPLATE_SHARE_ENV, None)


def pytest_collection_modifyitems(config, items):
    """Every test that drives Chromium is marked ``browser``: CI runs those once, in the
    PostgreSQL pass (``make test``), instead of on both databases."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
        if _starts_the_platform(getattr(item, "module", None)):
            item.add_marker(pytest.mark.platform)


def _starts_the_platform(module) -> bool:
    """Whether a test module uses ``dantoc.core.testing``'s real databases or servers (slow
    tests: ``pytest -m "not platform"`` leaves them out of a quick local run)."""
    if module is None:
        return False
    names = vars(module)
    return names.get("testing") is platform_testing or any(
        names.get(name) is getattr(platform_testing, name) for name in PLATFORM_HELPERS
    )


def personas_create() -> None:
    """The personas' accounts, built through the real services (reference data loaded)."""
    from dantoc.accounts.services import totp_device_install, user_create
    from dantoc.geo.selectors import unit_get

    for persona in PERSONAS.values():
        user = user_create(
            actor=None,
            username=persona.username,
            password=PASSWORD,
            unit=unit_get(code=persona.unit_code),
            roles=persona.roles,
            full_name=persona.username.replace(".", " ").title(),
            check_password=False,
        )
        if persona.totp_hex:
            totp_device_install(actor=None, user=user, key_hex=persona.totp_hex)


def shared_world_present() -> bool:
    from dantoc.accounts.models import User
    from dantoc.geo.models import Unit

    return (
        Unit.objects.exists() and User.objects.filter(username=PERSONAS["admin"].username).exists()
    )


def restore_shared_world() -> None:
    """What django_db_setup (and the roles' data migration) made, after a transactional test
    flushed every table."""
    from django.apps import apps as django_apps

    seed_roles = importlib.import_module("dantoc.accounts.migrations.0002_seed_roles").seed
    seed_roles(django_apps, None)
    call_command("load_reference_data", verbosity=0, stdout=io.StringIO())
    personas_create()


def _flushes_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = set(getattr(item, "fixturenames", ()))
    return bool(
        (marker is not None and marker.kwargs.get("transaction"))
        or names & {"transactional_db", "live_server"}
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends with every table flushed. In one process pytest-django runs
    those tests last; with pytest-xdist a worker runs a whole file at a time, so the test after
    one may need the reference data and personas back: restore them (committed) when the next
    test on this worker does not flush too."""
    yield
    if nextitem is None or not _flushes_database(item) or _flushes_database(nextitem):
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        if not shared_world_present():
            restore_shared_world()


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """The public page cache (dantoc.core.pagecache: portal, citizen pages) lives outside the
    test database: start and end every test without cached pages, so no test reads a page
    rendered in another."""
    from django.core.cache import cache

    from dantoc.core.pagecache import forget_generation

    cache.clear()
    forget_generation()
    yield
    cache.clear()
    forget_generation()


@pytest.fixture(autouse=True)
def _reach_counted_at_once(settings):
    """Citizen reach counts are written at each reading in tests (pytest-django loads the
    settings before this file sets the environment that the servers tests start inherit)."""
    settings.CITIZEN_REACH_BUFFER_SECONDS = 0


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the platform's default language: the language middleware activates
    the visitor's language for the thread (as Django's own does), so a request made in English
    by one test would otherwise leave English active for the next test on the worker."""
    from django.utils import translation

    translation.activate("vi")
    yield
    translation.activate("vi")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0, stdout=io.StringIO())
        personas_create()


class People:
    """Access to the personas' user rows by the names used in tests: ``people.commune``."""

    def __getattr__(self, name: str):
        from dantoc.accounts.models import User

        return User.objects.get(username=PERSONAS[name].username)


@pytest.fixture
def people(db) -> People:
    return People()


def totp_now(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, user, *, verify: bool = True) -> None:
    """Sign in through the real login page (and the 2FA page when the role needs it)."""
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    if verify and user.requires_2fa:
        response = client.post("/accounts/2fa/verify/", {"token": totp_now(user)})
        assert response.status_code == 302, response.content[:500]


@pytest.fixture
def login(client):
    """Sign a persona in; the first call uses the test's ``client``, later calls get clients
    of their own, so that two people can act in one test."""
    from django.test import Client

    used = []

    def _login(user, *, verify: bool = True):
        browser = client if not used else Client()
        used.append(browser)
        sign_in(browser, user, verify=verify)
        return browser

    return _login


@contextmanager
def in_process_server(port: int = 0) -> Iterator[str]:
    """A real HTTP server on a free port, in this process, answering on the test's own database
    connection, so it sees the test's rows inside the test's transaction (``live_server``
    needs a transactional test and flushes the database after it). For real HTTP clients
    (ckanapi, dhis2.py) against the platform; yields the base URL. ``port``: a given one (a
    peer that calls the platform back, such as Janus's event handler, was told it), else free."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connections

    class Handler(WSGIHandler):
        def __call__(self, environ, start_response):
            # Django closes "old" connections around each request; this one belongs to the
            # test and is inside its transaction. (The test client does the same.)
            request_started.disconnect(close_old_connections)
            request_finished.disconnect(close_old_connections)
            return super().__call__(environ, start_response)

    class Server(ThreadedWSGIServer):
        def _close_connections(self):
            pass  # the connection is the test's: it stays open

    class QuietRequestHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    shared = {alias: connections[alias] for alias in connections}
    for conn in shared.values():
        conn.inc_thread_sharing()
    server = Server(
        ("127.0.0.1", port),
        QuietRequestHandler,
        allow_reuse_address=False,
        connections_override=shared,
    )
    server.set_app(Handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        for conn in shared.values():
            conn.dec_thread_sharing()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


_PAGE_CODES_USED: dict[tuple[str, str], int] = {}  # (server, account) -> last time step used


def page_sign_in(page, base: str, username: str, password: str | None = None) -> None:
    """Sign a demo account in through the login page of a real server in a browser ``page``,
    answering the 2FA page with the account's demo key when its role needs it."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password or DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    key_hex = next((u[-1] for u in DEMO_USERS if u[0] == username), None)
    if key_hex:
        page.wait_for_url("**/accounts/2fa/verify/**")
        totp = TOTP(bytes.fromhex(key_hex))
        totp.time = time.time()
        # django-otp refuses a code of a time step already used (a replay): the same account
        # signed in again on one server within the step answers with the next step's code,
        # which the device's tolerance (one step) accepts.
        if _PAGE_CODES_USED.get((base, username), -1) >= totp.t():
            totp.time += totp.step
        _PAGE_CODES_USED[(base, username)] = totp.t()
        page.get_by_label("Mã xác thực 6 số").fill(f"{totp.token():06d}")
        page.get_by_role("button", name="Xác thực").click()
    page.wait_for_url(f"{base}/")


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright, started once per test process: its sync API runs an asyncio loop in this
    thread for as long as it lives, and refuses to start a second time inside that loop, so
    every browser of the session (``browser``, the meetings' Chromium with a fake camera) is
    launched from this one."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread while the browser
    # lives; Django then refuses database calls from the thread ("async context"), although
    # nothing async touches them. One process ran the page tests last (pytest-django orders
    # tests without a database after the others); a pytest-xdist worker runs whole files, so
    # database tests can follow a page test on the same worker.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """Debian's Chromium driven by Playwright (browser downloads are impossible here)."""
    p = playwright_driver
    chromium = p.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    yield chromium
    chromium.close()


@pytest.fixture
def phone(browser):
    """A page on a phone-sized screen."""
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="vi-VN"
    )
    page = context.new_page()
    yield page
    context.close()
