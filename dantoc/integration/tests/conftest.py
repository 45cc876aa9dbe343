"""Fixtures of the integration tests: clients made through the real services, tokens from the
real /token endpoint, a small HTTP receiver for webhooks, and the shared data put back after
tests that run against a live server (they commit, so pytest-django flushes every table)."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import restore_shared_world, shared_world_present
from dantoc.integration import services
from dantoc.integration.scopes import CONTENT_READ, CONTENT_WRITE, WEBHOOKS

ALL_SCOPES = [CONTENT_READ, CONTENT_WRITE, WEBHOOKS]


@pytest.fixture
def immediate_tasks(settings):
    """Run enqueued tasks at once, in the test, instead of leaving them for db_worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def database_tasks(settings):
    """The production task backend (django-tasks-db): tasks wait in a table for db_worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _no_settle(settings):
    # Feeds hold back changes younger than this; tests read what they just wrote.
    settings.INTEGRATION_SYNC_SETTLE_SECONDS = 0


def make_client(people, *, name="Cổng TTĐT tỉnh Tuyên Quang", unit="08", scopes=None, rate=600):
    from dantoc.geo.selectors import unit_get

    return services.client_create(
        actor=people.admin,
        name=name,
        unit=unit_get(code=unit),
        scopes=ALL_SCOPES if scopes is None else scopes,
        rate_limit=rate,
    )


@pytest.fixture
def issued(people):
    """The province's integration client with every scope (client id and secret in clear)."""
    return make_client(people)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def fetch_token(http, credentials, scope: str | None = None) -> str:
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    response = http.post(
        "/token",
        data,
        HTTP_AUTHORIZATION=basic(credentials.client_id, credentials.client_secret),
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def token(client, issued):
    return fetch_token(client, issued)


def bearer(token_value: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_value}"}


# --- a webhook receiver ---------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server in a thread; answers ``status`` (a list is consumed in order)."""

    statuses: list[int] = field(default_factory=list)
    default_status: int = 204
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/dantoc"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def start_receiver(box: Receiver, port: int = 0) -> Receiver:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            box.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            status = box.statuses.pop(0) if box.statuses else box.default_status
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    ThreadingHTTPServer.allow_reuse_address = True
    box.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=box.server.serve_forever, daemon=True).start()
    return box


@pytest.fixture
def receiver(settings):
    """A receiver on 127.0.0.1: webhooks to loopback addresses and to the receiver's port are
    allowed for the test (they are refused by default, see outbound.py)."""
    settings.INTEGRATION_WEBHOOK_ALLOW_PRIVATE = True
    box = start_receiver(Receiver())
    settings.INTEGRATION_WEBHOOK_ALLOWED_PORTS = [80, 443, box.server.server_address[1]]
    yield box
    box.stop()


# --- live-server tests ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def _world_back_after_module(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        if not shared_world_present():
            restore_shared_world()


@pytest.fixture
def live(_world_back_after_module, live_server, monkeypatch):
    """pytest-django's live server, with the reference data and personas present (a previous
    transactional test may have flushed them). It speaks plain HTTP on loopback, which
    oauthlib refuses unless told."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    if not shared_world_present():
        restore_shared_world()
    return live_server
