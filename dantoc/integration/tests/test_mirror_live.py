"""Two instances on localhost: this test's live server is the source portal; a second dantoc
instance (its own database, migrated and loaded as `make run` does, served by gunicorn with
two workers) runs the reference sync client `manage.py portal_sync` against it and serves what
it mirrored through its own sync API.

The mirror runs in other processes on another database of the run's vendor (a SQLite file, or
a PostgreSQL database created for the module), so nothing is shared with the source but HTTP.
"""

from __future__ import annotations

import json
import time

import pytest
import requests
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

from dantoc.core.testing import manage, prepare, run_python_json, serve, throwaway_database
from dantoc.integration.scopes import CONTENT_READ
from dantoc.integration.tests import portal_content
from dantoc.integration.tests.conftest import make_client
from dantoc.portal import services as portal

NEW_CLIENT = """
import json
from dantoc.geo.selectors import unit_get
from dantoc.integration.services import client_create
issued = client_create(actor=None, name={name!r}, unit=unit_get(code="08"),
                       scopes=["content:read"], rate_limit={rate})
print(json.dumps({{"id": issued.client_id, "secret": issued.client_secret}}))
"""


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    with throwaway_database(workdir=tmp_path_factory.mktemp("mirror")) as db:
        prepare(db, demo=False)
        # The mirror's feeds show changes at once (by default they hold back the last 2 s).
        env = {"DANTOC_INTEGRATION_SYNC_SETTLE_SECONDS": "0"}
        with serve(db, workers=2, env=env) as server:
            yield db, server


def mirror_client(db, name: str, rate: int) -> dict:
    return run_python_json(db, NEW_CLIENT.format(name=name, rate=rate))


def session_for(base_url: str, credentials: dict) -> OAuth2Session:
    session = OAuth2Session(client=BackendApplicationClient(client_id=credentials["id"]))
    session.fetch_token(
        token_url=f"{base_url}/token",
        client_id=credentials["id"],
        client_secret=credentials["secret"],
    )
    return session


def sync(db, source_url: str, credentials) -> dict:
    out = manage(
        db,
        "portal_sync",
        "--url",
        source_url,
        "--client-id",
        credentials.client_id,
        "--client-secret",
        credentials.client_secret,
        "--limit",
        "2",
    )
    return json.loads(out.strip().splitlines()[-1])


def read_feed(session, base_url: str, feed: str) -> dict[str, dict]:
    items, cursor = {}, None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = session.get(f"{base_url}/api/integration/v1/{feed}", params=params).json()
        items.update({i["title"] if not i["deleted"] else i["id"]: i for i in page["items"]})
        cursor = page["next_cursor"] or cursor
        if not page["has_more"]:
            return items


@pytest.mark.django_db(transaction=True)
def test_a_second_instance_mirrors_this_portal_including_an_update_and_a_deletion(
    live, people, mirror
):
    db, mirror_server = mirror
    issued = make_client(people, scopes=[CONTENT_READ])
    kept = portal_content.article(title="Khởi công cầu treo bản Nà Khương")
    doomed = portal_content.article(title="Tin sẽ bị xoá")
    report = portal_content.article(kind="report", title="Báo cáo quý III/2025", areas=("08",))
    decision = portal_content.document(number="1719/QĐ-TTg")
    portal_content.article(title="Bản nháp không đồng bộ", publish=False)

    first = sync(db, live.url, issued)
    assert first["created"] == 4 and first["errors"] == []

    # The mirror serves what it mirrored through its own API, to its own client.
    reader = session_for(mirror_server.url, mirror_client(db, "Trang tỉnh đọc bản sao", 1000))
    news = read_feed(reader, mirror_server.url, "news")
    assert set(news) == {"Khởi công cầu treo bản Nà Khương", "Tin sẽ bị xoá"}
    # Mirrored items name where they came from.
    assert news["Tin sẽ bị xoá"]["source"] == "localhost"
    reports = read_feed(reader, mirror_server.url, "reports")
    assert reports["Báo cáo quý III/2025"]["areas"] == ["08"]
    documents = read_feed(reader, mirror_server.url, "documents")
    assert documents["Quyết định 1719/QĐ-TTg"]["number_symbol"] == "1719/QĐ-TTg"

    # A run with nothing new changes nothing.
    again = sync(db, live.url, issued)
    assert again["created"] == again["updated"] == again["deleted"] == 0

    # Update, deletion and unpublication on the source propagate.
    portal_content.retitle(kept, "Khánh thành cầu treo bản Nà Khương")
    portal.article_delete(actor=None, article=doomed)
    portal.legal_document_unpublish(actor=None, document=decision)
    second = sync(db, live.url, issued)
    assert (second["created"], second["updated"], second["deleted"]) == (0, 1, 2)

    news = read_feed(reader, mirror_server.url, "news")
    public = {title for title, item in news.items() if not item["deleted"]}
    assert public == {"Khánh thành cầu treo bản Nà Khương"}
    assert sum(1 for item in news.values() if item["deleted"]) == 1  # the deleted one
    documents = read_feed(reader, mirror_server.url, "documents")
    assert [item["deleted"] for item in documents.values()] == [True]
    rows = db.query(
        "SELECT title FROM portal_article WHERE deleted_at IS NULL AND status = %s ORDER BY title",
        ["published"],
    )
    assert rows == [("Báo cáo quý III/2025",), ("Khánh thành cầu treo bản Nà Khương",)]
    assert report.uuid  # the report was left alone


# Transactional only to run right after the test above (pytest-django runs transactional
# tests together), so that the mirror instance is set up once for both.
@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_holds_across_gunicorn_workers(_world_back_after_module, mirror):
    """The counter lives in the database: a client limited to 3 requests a minute gets its
    fourth refused whichever of the two worker processes answers (each request on a new
    connection, so the kernel spreads them over the workers)."""
    db, server = mirror
    credentials = mirror_client(db, "Giới hạn 3 mỗi phút", 3)
    token = requests.post(
        f"{server.url}/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["id"], credentials["secret"]),
        timeout=30,
    ).json()["access_token"]
    if time.time() % 60 > 50:
        # Not a timing assertion: keep the six requests inside one counting minute.
        time.sleep(61 - time.time() % 60)
    statuses = []
    for _ in range(6):
        response = requests.get(
            f"{server.url}/api/integration/v1/me",
            headers={"Authorization": f"Bearer {token}", "Connection": "close"},
            timeout=30,
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
    assert statuses == [200, 200, 200, 429, 429, 429]
