"""A real Janus WebRTC Server for the meetings tests: one process per test session, on free
loopback ports, configured by the platform's own generator (``janus.config_write``) in a
temporary folder; its event handler posts to ``JANUS_EVENTS_PORT`` on loopback, where the
browser test serves the platform."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from dantoc.meetings import janus


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class RunningJanus:
    url: str
    admin_url: str
    events_port: int
    folder: Path
    keys: janus.JanusSecrets
    log: Path


@pytest.fixture(scope="session")
def janus_server(tmp_path_factory):
    binary = janus.janus_binary()
    if binary is None:
        pytest.fail("Debian's janus is missing: run scripts/ensure-system-packages.sh")
    folder = tmp_path_factory.mktemp("janus")
    http_port, admin_port, events_port = _free_port(), _free_port(), _free_port()
    keys = janus.config_write(
        janus.JanusConfig(
            folder=folder,
            http_port=http_port,
            admin_port=admin_port,
            events_url=f"http://127.0.0.1:{events_port}/hop/janus/su-kien/",
            ice_enforce_list="lo",
            rtp_port_range="30000-30999",
        ),
        keep_secrets=False,
    )
    log = folder / "janus.log"
    process = subprocess.Popen(
        [binary, "-F", str(folder), "-C", str(folder / "janus.jcfg")],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{http_port}/janus"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{url}/info", timeout=1)
            break
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"Janus did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
    try:
        yield RunningJanus(
            url, f"http://127.0.0.1:{admin_port}/admin", events_port, folder, keys, log
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def janus_settings(settings, janus_server):
    """Point the platform at the test's Janus."""
    settings.JANUS_DIR = janus_server.folder
    settings.JANUS_URL = janus_server.url
    settings.JANUS_ADMIN_URL = janus_server.admin_url
    settings.JANUS_PUBLIC_URL = ""
    return janus_server
