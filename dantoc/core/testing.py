"""Throw-away databases and real servers, for tests and benchmarks that need the platform as
it runs in production: its own database, set up with the same commands as `make run`, and
gunicorn with several processes in front of it.

    with throwaway_database(workdir=tmp_path) as db:    # same vendor as this run
        prepare(db)                                     # migrate + reference + demo data
        with serve(db, workers=4, threads=2) as server:
            client = HttpSession(server.url)
            client.sign_in("xa.lungcu", DEMO_PASSWORD)

or, all three steps in one, ``with running_platform(workdir=tmp_path) as (db, server):``.

The vendor follows the run's ``DATABASE_URL``: a SQLite file in ``workdir`` when the run is
on SQLite, a fresh PostgreSQL database (created and dropped with psycopg, on the server and
with the credentials of ``DATABASE_URL``) when the run is on PostgreSQL. Nothing here needs
Django to be set up, so a benchmark can create its database before ``django.setup()``.
"""

from __future__ import annotations

import atexit
import http.cookiejar
import json as jsonlib
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dantoc.core.env import database_from_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
MANAGE_PY = BASE_DIR / "manage.py"
DEFAULT_DATABASE_URL = "sqlite:///var/dantoc.sqlite3"  # as in config/settings.py


# --- databases ------------------------------------------------------------------------------


def run_database_url() -> str:
    """The ``DATABASE_URL`` this process runs on (the settings' default when unset)."""
    return os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)


def vendor_of(url: str) -> str:
    """``"sqlite"`` or ``"postgresql"`` (Django's vendor names) for a ``DATABASE_URL``."""
    engine = database_from_url(url, base_dir=str(BASE_DIR))["ENGINE"]
    return "postgresql" if engine.endswith("postgresql") else "sqlite"


def _pg_connect(params: dict, dbname: str):
    import psycopg

    return psycopg.connect(
        dbname=dbname,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        autocommit=True,
        connect_timeout=5,
    )


def postgres_unavailable(url: str | None = None) -> str | None:
    """Why a PostgreSQL server at ``url`` cannot create databases for us, or None if it can."""
    url = url or run_database_url()
    params = database_from_url(url, base_dir=str(BASE_DIR))
    try:
        with _pg_connect(params, "postgres") as conn:
            row = conn.execute(
                "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
    except Exception as exc:  # any failure to reach the server is a reason to skip
        return f"PostgreSQL at {params['HOST']}:{params['PORT']} is not reachable: {exc}"
    if not (row and row[0]):
        return f"PostgreSQL user {params['USER']!r} may not create databases"
    return None


@dataclass
class ThrowawayDatabase:
    vendor: str  # "sqlite" | "postgresql"
    name: str  # the SQLite file, or the PostgreSQL database name
    url: str  # DATABASE_URL for the processes that use it
    params: dict = field(repr=False)  # the DATABASES entry built from ``url``

    def connect(self):
        """A DB-API connection of its own (autocommit on PostgreSQL); the caller closes it."""
        if self.vendor == "sqlite":
            return sqlite3.connect(self.name, timeout=20)
        return _pg_connect(self.params, self.name)

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Rows of one SELECT written with ``%s`` placeholders, whatever the vendor."""
        if self.vendor == "sqlite":
            sql = sql.replace("%s", "?")
        conn = self.connect()
        try:
            return list(conn.execute(sql, tuple(params)).fetchall())
        finally:
            conn.close()


def _pg_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_database(
    *,
    workdir: Path | None = None,
    vendor: str | None = None,
    name: str | None = None,
    base_url: str | None = None,
    replace: bool = False,
) -> ThrowawayDatabase:
    """An empty database of ``vendor`` (default: the run's), not yet migrated.

    SQLite: ``<workdir>/<name>.sqlite3``. PostgreSQL: database ``name`` (default
    ``dantoc_tmp_<pid>_<random>``) on the server of ``base_url`` (default: the run's
    ``DATABASE_URL``). An existing database of that name is an error unless ``replace``.
    """
    base_url = base_url or run_database_url()
    vendor = vendor or vendor_of(base_url)
    name = name or f"dantoc_tmp_{os.getpid()}_{secrets.token_hex(4)}"
    if vendor == "sqlite":
        if workdir is None:
            raise ValueError("a SQLite throw-away database needs a workdir")
        path = Path(workdir) / f"{name}.sqlite3"
        if path.exists():
            if not replace:
                raise FileExistsError(path)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"  # an absolute path: sqlite:////tmp/...
        return ThrowawayDatabase("sqlite", str(path), url, database_from_url(url, base_dir="/"))
    if vendor_of(base_url) != "postgresql":
        raise ValueError("a PostgreSQL throw-away database needs a postgres:// base_url")
    params = database_from_url(base_url, base_dir=str(BASE_DIR))
    with _pg_connect(params, "postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            if not replace:
                raise FileExistsError(f"PostgreSQL database {name!r} exists")
            conn.execute(f"DROP DATABASE {_pg_quote(name)} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {_pg_quote(name)} ENCODING 'UTF8' TEMPLATE template0")
    url = urllib.parse.urlparse(base_url)._replace(path="/" + urllib.parse.quote(name)).geturl()
    return ThrowawayDatabase("postgresql", name, url, database_from_url(url, base_dir="/"))


def drop_database(db: ThrowawayDatabase) -> None:
    """Remove the database (closing other sessions on PostgreSQL 13+)."""
    if db.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db.name}{suffix}").unlink(missing_ok=True)
        return
    with _pg_connect(db.params, "postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_pg_quote(db.name)} WITH (FORCE)")


@contextmanager
def throwaway_database(
    *,
    workdir: Path | None = None,
    vendor: str | None = None,
    name: str | None = None,
    base_url: str | None = None,
    replace: bool = False,
    keep: bool = False,
) -> Iterator[ThrowawayDatabase]:
    """``create_database`` for the duration of a ``with`` block, dropped after unless ``keep``."""
    db = create_database(
        workdir=workdir, vendor=vendor, name=name, base_url=base_url, replace=replace
    )
    try:
        yield db
    finally:
        if not keep:
            drop_database(db)


# --- management commands against a throw-away database -------------------------------------


def process_env(db: ThrowawayDatabase, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child process that runs the platform on ``db``."""
    return {
        **os.environ,
        "DATABASE_URL": db.url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
        **(extra or {}),
    }


def manage(
    db: ThrowawayDatabase, *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> str:
    """Run ``manage.py <args>`` on ``db`` in a child process; its stdout, or RuntimeError with
    the end of its stderr."""
    done = subprocess.run(
        [sys.executable, str(MANAGE_PY), *args],
        cwd=BASE_DIR,
        env=process_env(db, env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)[:80]} failed ({done.returncode}):\n{done.stderr[-3000:]}"
        )
    return done.stdout


def prepare_fresh(db: ThrowawayDatabase, *, demo: bool = True) -> None:
    """Set ``db`` up as `make run` does: migrate, reference data, and (``demo``) demo users."""
    manage(db, "migrate", "--noinput")
    manage(db, "load_reference_data")
    if demo:
        manage(db, "load_demo_data")


# One prepared database per process, vendor and demo flag, copied for every later ``prepare``:
# setting a database up takes a minute or more, copying it a second or two. A test module that
# starts a real server still gets a database of its own, so modules cannot disturb each other.
_TEMPLATES: dict[tuple[str, str, bool], ThrowawayDatabase] = {}


# With pytest-xdist, the controller names a folder in ``DANTOC_TEMPLATE_SHARE`` before its
# workers start (conftest.py): the workers then share one template per kind, the first to need
# it building it under a file lock while the others wait (two workers building the same
# template at once each took twice as long on two cores), and the controller drops it at the
# end of the run (``shared_templates_drop``).
TEMPLATE_SHARE_ENV = "DANTOC_TEMPLATE_SHARE"


def _shared_template(share: Path, db: ThrowawayDatabase, demo: bool, server: str):
    import fcntl
    import hashlib

    tag = hashlib.sha1(f"{db.vendor}|{server}|{demo}".encode()).hexdigest()[:10]
    info = share / f"{tag}.json"
    with open(share / f"{tag}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if info.exists():
            saved = jsonlib.loads(info.read_text())
            return ThrowawayDatabase(
                saved["vendor"],
                saved["name"],
                saved["url"],
                database_from_url(saved["url"], base_dir="/"),
            )
        folder = share / tag
        folder.mkdir(exist_ok=True)
        template = create_database(
            workdir=folder,
            vendor=db.vendor,
            base_url=None if db.vendor == "sqlite" else db.url,
            name=f"dantoc_template_{share.name[-8:]}_{tag}",
            replace=True,
        )
        try:
            prepare_fresh(template, demo=demo)
        except BaseException:
            drop_database(template)
            raise
        info.write_text(
            jsonlib.dumps({"vendor": template.vendor, "name": template.name, "url": template.url})
        )
        return template


def shared_templates_drop(share: Path) -> None:
    """Drop the templates the workers built in ``share`` (the controller, at the end)."""
    for info in Path(share).glob("*.json"):
        saved = jsonlib.loads(info.read_text())
        try:
            drop_database(
                ThrowawayDatabase(
                    saved["vendor"],
                    saved["name"],
                    saved["url"],
                    database_from_url(saved["url"], base_dir="/"),
                )
            )
        except Exception:  # a server gone at the end of a run: nothing to drop
            continue
    shutil.rmtree(share, ignore_errors=True)


def _template_for(db: ThrowawayDatabase, demo: bool) -> ThrowawayDatabase:
    server = "" if db.vendor == "sqlite" else f"{db.params.get('HOST')}:{db.params.get('PORT')}"
    key = (db.vendor, server, demo)
    share = os.environ.get(TEMPLATE_SHARE_ENV)
    if key not in _TEMPLATES and share and Path(share).is_dir():
        _TEMPLATES[key] = _shared_template(Path(share), db, demo, server)
    if key not in _TEMPLATES:
        workdir = Path(tempfile.mkdtemp(prefix="dantoc-template-"))
        base_url = None if db.vendor == "sqlite" else db.url
        template = create_database(
            workdir=workdir,
            vendor=db.vendor,
            base_url=base_url,
            name=f"dantoc_template_{os.getpid()}_{secrets.token_hex(4)}",
        )
        try:
            prepare_fresh(template, demo=demo)
        except BaseException:
            drop_database(template)
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        atexit.register(shutil.rmtree, workdir, ignore_errors=True)
        atexit.register(drop_database, template)  # runs first (last registered)
        _TEMPLATES[key] = template
    return _TEMPLATES[key]


def _copy_database(template: ThrowawayDatabase, db: ThrowawayDatabase) -> None:
    if db.vendor == "sqlite":
        source, target = sqlite3.connect(template.name), sqlite3.connect(db.name)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    with _pg_connect(db.params, "postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_pg_quote(db.name)} WITH (FORCE)")
        for attempt in range(20):
            try:
                conn.execute(
                    f"CREATE DATABASE {_pg_quote(db.name)} TEMPLATE {_pg_quote(template.name)}"
                )
                break
            except Exception as exc:  # another worker copying the shared template right now
                if "being accessed by other users" not in str(exc) or attempt == 19:
                    raise
                time.sleep(0.5)


def prepare(db: ThrowawayDatabase, *, demo: bool = True) -> None:
    """``db`` as `make run` leaves it (migrated, reference data, ``demo`` users and data).

    The first call in a process sets up a template database with ``prepare_fresh``; every
    call copies it (PostgreSQL ``CREATE DATABASE … TEMPLATE``, SQLite's backup API), so the
    result is the same and a test suite pays for the set-up once per process. Set
    ``DANTOC_PREPARE_FRESH=1`` to run the commands on ``db`` itself every time.
    """
    if os.environ.get("DANTOC_PREPARE_FRESH") == "1":
        prepare_fresh(db, demo=demo)
        return
    _copy_database(_template_for(db, demo), db)


def run_python(db: ThrowawayDatabase, code: str, *, timeout: float = 300) -> str:
    """Run ``code`` with ``manage.py shell -c`` on ``db``; what it printed."""
    return manage(db, "shell", "--no-startup", "--no-imports", "-c", code, timeout=timeout)


def run_python_json(db: ThrowawayDatabase, code: str, *, timeout: float = 300):
    """Run ``code`` on ``db`` and decode the JSON document it printed last."""
    lines = [line for line in run_python(db, code, timeout=timeout).splitlines() if line]
    if not lines:
        raise RuntimeError("the script printed nothing")
    return jsonlib.loads(lines[-1])


# --- a real server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen = field(repr=False)
    log_path: Path

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


@contextmanager
def serve(
    db: ThrowawayDatabase,
    *,
    workers: int = 2,
    threads: int = 1,
    log_path: Path | None = None,
    env: dict[str, str] | None = None,
    startup_timeout: float = 30,
    port: int | None = None,
) -> Iterator[Server]:
    """gunicorn (config.wsgi) on a free local port against ``db``, stopped after the block.

    The server's output (Django's error log included) goes to ``log_path``, by default beside
    a SQLite database or in the system's temporary directory; ``Server.log_tail()`` reads it
    for an assertion message. Pages use the hashed static files: run ``collectstatic`` first
    (the test suite's conftest does). ``port``: a given one, to restart a server on the same
    origin (a browser's service worker and cookies belong to it).
    """
    port = port or free_port()
    if log_path is None:
        folder = Path(db.name).parent if db.vendor == "sqlite" else Path(tempfile.gettempdir())
        log_path = folder / f"gunicorn-{port}.log"
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads),
        "--timeout", "60", "--graceful-timeout", "5",
    ]  # fmt: skip
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=process_env(db, env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", port, process, Path(log_path))
    try:
        _wait_until_answering(server, startup_timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_until_answering(server: Server, timeout: float) -> None:
    """Until one worker answers an HTTP request (the socket opens before workers are ready)."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited ({server.process.returncode}):\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(f"{server.url}/accounts/login/", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered, even if not with 200
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"gunicorn did not answer in {timeout:.0f} s:\n{server.log_tail()}"
                ) from None
            time.sleep(0.1)  # polling for the server to come up, not for test timing


@contextmanager
def running_platform(
    *,
    workdir: Path,
    vendor: str | None = None,
    demo: bool = True,
    workers: int = 2,
    threads: int = 1,
) -> Iterator[tuple[ThrowawayDatabase, Server]]:
    """A throw-away database set up as `make run` does, and gunicorn serving it; all of it
    removed after the block. The usual fixture of a test against a real server::

        @pytest.fixture(scope="module")
        def server(tmp_path_factory):
            with running_platform(workdir=tmp_path_factory.mktemp("server")) as (_db, server):
                yield server.url
    """
    with throwaway_database(workdir=workdir, vendor=vendor) as db:
        prepare(db, demo=demo)
        log_path = Path(workdir) / "gunicorn.log"
        with serve(db, workers=workers, threads=threads, log_path=log_path) as server:
            yield db, server


# --- an HTTP client with cookies ------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return jsonlib.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # hand the 3xx back to the caller


class HttpSession:
    """A browser-like session over the standard library: keeps cookies, sends Django's CSRF
    token, does not follow redirects. Safe to share between threads (the cookie jar locks).

    The standard library rather than ``requests``, so that the tests need nothing the
    project does not already install.
    """

    def __init__(self, base_url: str, *, timeout: float = 60):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    @property
    def csrf_token(self) -> str:
        return self.cookie("csrftoken") or ""

    def request(
        self, method: str, path: str, *, data: bytes | None = None, headers: dict | None = None
    ) -> Response:
        url = path if path.startswith("http") else self.base_url + path
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                return Response(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:  # 3xx, 4xx and 5xx arrive here
            with err:
                return Response(err.code, dict(err.headers), err.read())

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]) -> Response:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf_token, **fields})
        return self.request(
            "POST",
            path,
            data=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", **self._referer()},
        )

    def post_json(self, path: str, payload) -> Response:
        return self.request(
            "POST",
            path,
            data=jsonlib.dumps(payload).encode(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": self.csrf_token,
                **self._referer(),
            },
        )

    def _referer(self) -> dict[str, str]:
        return {"Referer": self.base_url + "/"}

    def sign_in(self, username: str, password: str) -> None:
        """Through the real login page (no second factor: for roles that need none)."""
        self.get("/accounts/login/")  # the CSRF cookie
        response = self.post_form("/accounts/login/", {"username": username, "password": password})
        if response.status != 302 or not self.cookie("sessionid"):
            raise RuntimeError(
                f"sign-in of {username!r} failed ({response.status}): {response.text[:300]}"
            )


__all__ = [
    "HttpSession",
    "Response",
    "Server",
    "ThrowawayDatabase",
    "create_database",
    "drop_database",
    "free_port",
    "manage",
    "postgres_unavailable",
    "prepare",
    "run_database_url",
    "run_python",
    "run_python_json",
    "running_platform",
    "serve",
    "throwaway_database",
    "vendor_of",
]


# --- accessibility ------------------------------------------------------------------------

# axe-core from npm (package.json); the page tests skip when it is not installed.
AXE = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    """WCAG 2.1 A and AA violations axe-core finds on a Playwright page, shortened."""
    # Evaluated through the browser's debugging protocol: a <script> tag with axe's text would
    # be an inline script, which the pages' Content-Security-Policy (rightly) refuses.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["html"][:160] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]
