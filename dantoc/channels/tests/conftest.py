"""The channels' real peers, started by the tests themselves: the SMSC simulator (the
``smpp34`` server from PyPI, as a separate process) and the fake Zalo Open API (a thread)."""

from __future__ import annotations

import datetime
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from dantoc.channels.models import ZaloToken
from dantoc.channels.simulators import fake_zalo


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Smsc:
    """The simulator process; ``records()`` are the submit_sm it accepted (all its runs)."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, *extra: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dantoc.channels.simulators.smsc",
                "--port",
                str(self.port),
                "--log",
                str(self.log),
                *extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the SMSC simulator did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def records(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]


@pytest.fixture
def tasks_held(settings):
    """Queued tasks are kept (not run): tests call the services themselves."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def smsc(settings, tmp_path, tasks_held):
    server = Smsc(tmp_path / "smsc.jsonl")
    server.start()
    settings.CHANNELS_SMPP = {
        "HOST": "127.0.0.1",
        "PORT": server.port,
        "SYSTEM_ID": "dantoc",
        "PASSWORD": "secret",
        "SOURCE_ADDR": "UBND-LAOCAI",
        "UNACCENTED_PREFIXES": ["8491"],
        "WINDOW": 20,
        "TIMEOUT": 5,
        "RECEIPT_DRAIN_SECONDS": 0.5,
    }
    yield server
    server.stop()


ZALO = {
    "APP_ID": "1000000000000000001",
    "APP_SECRET": "app-secret",
    "OA_ID": "2000000000000000002",
    "OA_SECRET": "oa-secret",
}


@pytest.fixture
def zalo_fake(settings, tasks_held, db):
    fake = fake_zalo.FakeZalo(
        app_id=ZALO["APP_ID"],
        app_secret=ZALO["APP_SECRET"],
        oa_id=ZALO["OA_ID"],
        oa_secret=ZALO["OA_SECRET"],
        refresh_token="first-refresh",
    )
    server = fake_zalo.start(fake)
    base = f"http://127.0.0.1:{server.server_port}"
    settings.CHANNELS_ZALO = {
        **ZALO,
        "OAUTH_URL": base,
        "OPENAPI_URL": base,
        "BUSINESS_URL": base,
        "TIMEOUT": 5,
    }
    # The OA was authorised once: an expired access token and the refresh token it gave.
    ZaloToken.objects.create(
        oa_id=ZALO["OA_ID"],
        access_token="expired",
        refresh_token="first-refresh",
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    fake.base = base
    yield fake
    server.shutdown()
    server.server_close()


class BrokenMailBackend:
    """A mail server that refuses every message (an e-mail backend by its dotted path)."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        raise ConnectionRefusedError("the mail server refused the connection")

    def close(self):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused the connection")
