"""New open-data releases as an Atom feed (read with feedparser) and each release's own page
at /du-lieu-mo/<name>/phien-ban/<n>/."""

from __future__ import annotations

import feedparser
import pytest

from dantoc.opendata import services
from dantoc.opendata.tests.conftest import definition
from dantoc.opendata.tests.test_ckan_api import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_releases(people, capital, define, django_capture_on_commit_callbacks):
    """A data set published (release 1), then changed: release 2 with fewer indicators."""
    dataset = publish(people, define)
    with django_capture_on_commit_callbacks(execute=True):
        services.dataset_save(
            actor=people.province, data=definition(indicators=["VON_KH"]), dataset=dataset
        )
    dataset.refresh_from_db()
    return dataset


def test_atom_feed_lists_new_releases_newest_first_with_their_files(two_releases, client):
    response = client.get("/du-lieu-mo/atom.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.bozo_exception
    assert feed.version == "atom10"
    name = two_releases.name
    assert [e.link for e in feed.entries] == [
        f"http://testserver/du-lieu-mo/{name}/phien-ban/2/",
        f"http://testserver/du-lieu-mo/{name}/phien-ban/1/",
    ]
    newest = feed.entries[0]
    assert newest.id == newest.link
    assert "phiên bản 2" in newest.title
    enclosures = {e.href: e for e in newest.enclosures}
    csv = f"http://testserver/du-lieu-mo/{name}/phien-ban/2/{name}-v2.csv"
    assert enclosures[csv].type.startswith("text/csv")
    stored = two_releases.releases.get(version=2).files.get(format="csv")
    assert int(enclosures[csv].length) == stored.size
    assert stored.sha256 in newest.summary


def test_atom_feed_leaves_out_drafts_and_withdrawn_data_sets(people, capital, define, client):
    define(name="ban-nhap")
    withdrawn = publish(people, define, name="da-ngung")
    services.dataset_withdraw(actor=people.province, dataset=withdrawn, reason="Số liệu sai")
    feed = feedparser.parse(client.get("/du-lieu-mo/atom.xml").content)
    assert feed.entries == []
    catalogue = client.get("/du-lieu-mo/").content.decode()
    assert 'type="application/atom+xml" href="/du-lieu-mo/atom.xml"' in catalogue


def test_release_page_lists_files_checksums_date_and_notes(two_releases, client):
    name = two_releases.name
    release = two_releases.releases.get(version=2)
    response = client.get(f"/du-lieu-mo/{name}/phien-ban/2/")
    assert response.status_code == 200
    html = response.content.decode()
    for stored in release.files.all():
        assert stored.sha256 in html
        assert f'href="/du-lieu-mo/{name}/phien-ban/2/{name}-v2.{stored.format}"' in html
    assert release.reason and release.reason in html
    assert "<time datetime=" in html
    assert f'href="/du-lieu-mo/{name}/phien-ban/1/"' in html  # the previous version
    older = client.get(f"/du-lieu-mo/{name}/phien-ban/1/").content.decode()
    assert "Đã có phiên bản mới hơn." in older
    assert f'href="/du-lieu-mo/{name}/phien-ban/2/"' in older
    # The data set's page links to each release's page.
    page = client.get(f"/du-lieu-mo/{name}/").content.decode()
    assert f'href="/du-lieu-mo/{name}/phien-ban/1/"' in page


def test_release_page_of_a_draft_a_missing_version_or_data_set_is_not_found(
    people, capital, define, client
):
    published = publish(people, define)
    define(name="ban-nhap")
    assert client.get(f"/du-lieu-mo/{published.name}/phien-ban/1/").status_code == 200
    assert client.get(f"/du-lieu-mo/{published.name}/phien-ban/9/").status_code == 404
    assert client.get("/du-lieu-mo/ban-nhap/phien-ban/1/").status_code == 404
    assert client.get("/du-lieu-mo/khong-co/phien-ban/1/").status_code == 404
