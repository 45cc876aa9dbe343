"""The OPDS catalogue read by feedparser (as e-reader apps read it) and the OAI-PMH records
offered to the provider."""

from __future__ import annotations

import datetime
from xml.etree import ElementTree as ET

import feedparser
import pytest
from django.utils import timezone

from dantoc.editorial import services as editorial
from dantoc.library import oai, opds

pytestmark = pytest.mark.django_db


def _feed(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, path
    return response, feedparser.parse(response.content)


def _links(container) -> dict[str, dict]:
    return {link["rel"]: link for link in container.get("links", [])}


def test_the_root_is_a_navigation_feed_with_search(client, make_item):
    make_item(title="Sách")
    make_item(title="Báo cáo", doc_type="bao-cao")
    response, feed = _feed(client, "/thu-vien/opds/")
    assert response["Content-Type"].startswith(opds.NAVIGATION)
    assert not feed.bozo
    links = _links(feed.feed)
    assert links["self"]["type"] == opds.NAVIGATION
    assert links["start"]["type"] == opds.NAVIGATION
    assert links["search"]["type"] == opds.OPENSEARCH_TYPE
    titles = {e.title: _links(e) for e in feed.entries}
    assert opds.REL_NEW in titles["Tài liệu mới"]
    assert titles["Báo cáo"]["subsection"]["type"] == opds.ACQUISITION
    assert "Luận văn, luận án" not in titles  # empty types are not offered
    for entry in feed.entries:
        assert entry.id and entry.updated


def test_acquisition_entries_carry_dublin_core_and_the_pdf(client, make_item):
    item = make_item(
        title="Thổ cẩm", creators="Nguyễn A\nLò B", isbn="9786040000002", subjects="Nghề"
    )
    response, feed = _feed(client, "/thu-vien/opds/moi/")
    assert response["Content-Type"].startswith(opds.ACQUISITION)
    assert not feed.bozo
    entry = feed.entries[0]
    assert entry.id == f"urn:uuid:{item.uuid}"
    assert [a.name for a in entry.authors] == ["Nguyễn A", "Lò B"]
    assert entry.dcterms_language == "vi"
    assert entry.dcterms_identifier == "urn:isbn:9786040000002"
    links = _links(entry)
    acquire = links[opds.REL_ACQUIRE_OPEN]
    assert acquire["type"] == "application/pdf"
    pdf = client.get(acquire["href"].split("testserver")[1])
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert links["alternate"]["type"] == "text/html"
    assert int(feed.feed.opensearch_totalresults) == 1


def test_every_acquisition_entry_has_an_acquisition_link(client, make_item):
    make_item(title="Tải được")
    make_item(title="Chỉ đọc", access="read")
    _, feed = _feed(client, "/thu-vien/opds/moi/")
    assert len(feed.entries) == 2
    for entry in feed.entries:
        rels = [link["rel"] for link in entry.links]
        assert any(rel.startswith("http://opds-spec.org/acquisition") for rel in rels), rels


def test_acquisition_feeds_are_paginated(client, make_item, settings):
    from dantoc.library import views_opds

    for n in range(3):
        make_item(title=f"Tập {n}", document_file=None)
    old = views_opds.PAGE_SIZE
    views_opds.PAGE_SIZE = 2
    try:
        _, first = _feed(client, "/thu-vien/opds/moi/")
        assert len(first.entries) == 2
        nxt = _links(first.feed)["next"]
        assert nxt["type"] == opds.ACQUISITION
        _, second = _feed(client, nxt["href"].split("testserver")[1])
        assert len(second.entries) == 1
        assert "previous" in _links(second.feed) and "next" not in _links(second.feed)
        ids = {e.id for e in first.entries} | {e.id for e in second.entries}
        assert len(ids) == 3
    finally:
        views_opds.PAGE_SIZE = old


def test_opensearch_description_leads_to_search_results(client, make_item):
    make_item(title="Dân ca Thái")
    make_item(title="Nghề rèn")
    description = client.get("/thu-vien/opds/opensearch.xml")
    assert description["Content-Type"].startswith(opds.OPENSEARCH_TYPE)
    root = ET.fromstring(description.content)
    url = root.find("{http://a9.com/-/spec/opensearch/1.1/}Url")
    assert url.get("type") == opds.ACQUISITION
    template = url.get("template")
    assert "{searchTerms}" in template
    _, feed = _feed(client, template.split("testserver")[1].replace("{searchTerms}", "dan%20ca"))
    assert [e.title for e in feed.entries] == ["Dân ca Thái"]


def test_drafts_never_reach_the_catalogue(client, make_item):
    make_item(title="Nháp kín", publish=False)
    for path in ("/thu-vien/opds/moi/", "/thu-vien/opds/tim/?q=nhap", "/thu-vien/opds/loai/sach/"):
        assert "Nháp kín" not in client.get(path).content.decode()


def test_oai_records_give_dublin_core_of_public_items(make_item):
    from dantoc.geo.models import EthnicGroup

    item = make_item(
        title="Luật mẫu",
        doc_type="van-ban-phap-luat",
        creators="Quốc hội",
        isbn="9786040000002",
        licence="CC BY 4.0",
        ethnic_groups=[EthnicGroup.objects.get(name="Thái")],
    )
    make_item(title="Nháp", publish=False)
    records = list(oai.records())
    assert [r.local_id for r in records] == [str(item.uuid)]
    record = records[0]
    assert record.deleted is False
    assert record.datestamp.tzinfo is not None
    assert record.sets == ("library", "library:van-ban-phap-luat")
    dc = record.dc
    assert dc["title"] == ["Luật mẫu"] and dc["creator"] == ["Quốc hội"]
    assert "Thái" in dc["subject"] and dc["type"][0] == "Text"
    assert "urn:isbn:9786040000002" in dc["identifier"]
    assert dc["format"] == ["application/pdf"] and dc["language"] == ["vi"]
    assert oai.record(str(item.uuid)) == record
    assert oai.record("khong-phai-uuid") is None


def test_oai_reports_a_withdrawn_item_as_deleted(make_item, librarian):
    item = make_item(title="Sẽ gỡ")
    editorial.content_withdraw(actor=librarian, item=item)
    record = oai.record(str(item.uuid))
    assert record.deleted is True and record.dc == {}
    assert [r.deleted for r in oai.records()] == [True]


def test_oai_sets_and_date_ranges(make_item):
    book = make_item(title="Sách")
    report = make_item(title="Báo cáo", doc_type="bao-cao")
    specs = dict(oai.sets())
    assert "library" in specs and "library:bao-cao" in specs
    assert all(spec.startswith("library") for spec in specs)
    assert [r.local_id for r in oai.records(set_spec="library:bao-cao")] == [str(report.uuid)]
    assert list(oai.records(set_spec="library:khong-co")) == []
    later = timezone.now() + datetime.timedelta(days=1)
    assert list(oai.records(since=later)) == []
    both = [r.local_id for r in oai.records(until=later)]
    assert set(both) == {str(book.uuid), str(report.uuid)}
    stamps = [r.datestamp for r in oai.records()]
    assert stamps == sorted(stamps)


def test_the_app_declares_its_oai_source():
    from django.utils.module_loading import import_string

    from dantoc.core.registry import oai_sources

    source = next(s for s in oai_sources() if s.prefix == "library")
    assert import_string(source.sets)() == oai.sets()


def test_the_platform_oai_provider_serves_the_library_set(client, make_item):
    """The records reach harvesters through the platform's provider (/oai), in their set."""
    from xml.etree import ElementTree

    ns = {"o": "http://www.openarchives.org/OAI/2.0/"}
    item = make_item(title="Sách mẫu về dân tộc Thái", doc_type="sach")
    make_item(title="Nháp không công bố", publish=False)
    sets = ElementTree.fromstring(client.get("/oai", {"verb": "ListSets"}).content)
    specs = {e.text for e in sets.iterfind(".//o:setSpec", ns)}
    assert {"library", "library:sach"} <= specs
    listed = client.get(
        "/oai", {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "library:sach"}
    )
    root = ElementTree.fromstring(listed.content)
    identifiers = [e.text for e in root.iterfind(".//o:header/o:identifier", ns)]
    assert [i.rsplit(":", 1)[-1] for i in identifiers] == [f"library/{item.uuid}"]
    text = listed.content.decode()
    assert "Sách mẫu về dân tộc Thái" in text and "Nháp không công bố" not in text
