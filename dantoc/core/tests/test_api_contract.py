"""The OpenAPI schema is a contract. Schemathesis, a real client of it, generates requests from
the schema (valid and invalid ones) against the platform served by gunicorn; no operation may
answer with a server error, for a visitor or for a signed-in commune reporter."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dantoc.accounts.demo import DEMO_PASSWORD
from dantoc.core.testing import HttpSession, running_platform

SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(workdir=tmp_path_factory.mktemp("contract"), workers=2) as (_db, s):
        yield s


def run_schemathesis(server, headers: dict[str, str]) -> subprocess.CompletedProcess:
    command = [
        SCHEMATHESIS,
        "run",
        f"{server.url}/api/schema/?format=json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        "25",
        "--seed",
        "20261122",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(SCHEMATHESIS is None, reason="schemathesis is installed by `make test`")
def test_no_operation_answers_with_a_server_error(server):
    anonymous = run_schemathesis(server, {})
    assert anonymous.returncode == 0, anonymous.stdout[-3000:] + server.log_tail()
    session = HttpSession(server.url)
    session.sign_in("xa.lungcu", DEMO_PASSWORD)
    token = session.csrf_token
    signed_in = run_schemathesis(
        server,
        {
            "Cookie": f"sessionid={session.cookie('sessionid')}; csrftoken={token}",
            "X-CSRFToken": token,
            "Referer": f"{server.url}/",
        },
    )
    assert signed_in.returncode == 0, signed_in.stdout[-3000:] + server.log_tail()
    assert "passed" in signed_in.stdout
