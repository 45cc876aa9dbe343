"""The catalogue as DCAT-AP documents, read back with rdflib."""

from __future__ import annotations

import datetime

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from dantoc.opendata import dcat, services
from dantoc.opendata.models import Dataset

pytestmark = pytest.mark.django_db

# Plain namespaces: rdflib's closed ones warn when pytest looks into the module's names.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
EU = "http://publications.europa.eu/resource/authority/"
PARSERS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "xml": "xml"}
MEDIA = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "xml": "application/rdf+xml",
}


def fetch(client, url: str, fmt: str) -> Graph:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(MEDIA[fmt])
    return Graph().parse(data=response.content, format=PARSERS[fmt])


def publish(people, define, **overrides) -> Dataset:
    dataset = define(**overrides)
    services.dataset_publish(actor=people.province, dataset=dataset)
    dataset.refresh_from_db()
    return dataset


@pytest.fixture
def published(people, capital, define):
    return publish(people, define)


def test_catalog_in_turtle_json_ld_and_rdf_xml_holds_the_same_triples(published, client):
    graphs = {fmt: fetch(client, f"/catalog.{fmt}", fmt) for fmt in ("ttl", "jsonld", "rdf", "xml")}
    for fmt, graph in graphs.items():
        # Each document's paging node is its own address; everything else is the same.
        [paging] = graph.subjects(RDF.type, HYDRA.PagedCollection)
        assert str(paging) == f"http://testserver/catalog.{fmt}?page=1"
        graph.remove((paging, None, None))
    assert isomorphic(graphs["ttl"], graphs["jsonld"])
    assert isomorphic(graphs["ttl"], graphs["rdf"])
    assert isomorphic(graphs["rdf"], graphs["xml"])
    g = graphs["ttl"]
    [catalog] = g.subjects(RDF.type, DCAT.Catalog)
    titles = {(t.language, str(t)) for t in g.objects(catalog, DCTERMS["title"])}
    assert {lang for lang, _ in titles} == {"vi", "en"}
    assert set(g.objects(catalog, DCTERMS.language)) == {
        URIRef(f"{EU}language/VIE"),
        URIRef(f"{EU}language/ENG"),
    }
    [publisher] = g.objects(catalog, DCTERMS.publisher)
    assert Literal("Bộ Dân tộc và Tôn giáo", lang="vi") in set(g.objects(publisher, FOAF.name))
    assert list(g.objects(catalog, DCAT.dataset)) == [
        URIRef(f"http://testserver/du-lieu-mo/{published.name}/")
    ]


def test_data_set_has_dcat_ap_properties_in_both_languages(published, client):
    g = fetch(client, f"/du-lieu-mo/{published.name}.ttl", "ttl")
    [node] = g.subjects(RDF.type, DCAT.Dataset)
    assert g.value(node, DCTERMS.identifier) == Literal(str(published.uuid))
    assert set(g.objects(node, DCTERMS["title"])) == {
        Literal("Vốn Chương trình 1719 tỉnh Tuyên Quang năm 2026", lang="vi"),
        Literal("NTP 1719 capital, Tuyên Quang province, 2026", lang="en"),
    }
    assert {d.language for d in g.objects(node, DCTERMS.description)} == {"vi", "en"}
    assert {str(k) for k in g.objects(node, DCAT.keyword)} == {"vốn đầu tư", "giải ngân"}
    assert g.value(node, DCAT.theme) == URIRef(f"{EU}data-theme/ECON")
    assert g.value(node, DCTERMS.accrualPeriodicity) == URIRef(f"{EU}frequency/QUARTERLY")
    publisher = g.value(node, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in g
    assert Literal("Tỉnh Tuyên Quang", lang="vi") in set(g.objects(publisher, FOAF.name))
    period = g.value(node, DCTERMS.temporal)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in g
    assert g.value(period, DCAT.startDate) == Literal("2026-07-01", datatype=XSD.date)
    assert g.value(period, DCAT.endDate) == Literal("2026-09-30", datatype=XSD.date)
    contact = g.value(node, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in g
    assert g.value(contact, VCARD.hasEmail) == URIRef("mailto:sdttg@tuyenquang.gov.vn")
    assert g.value(node, DCAT.landingPage) == URIRef(
        f"http://testserver/du-lieu-mo/{published.name}/"
    )
    assert g.value(node, OWL.versionInfo) == Literal("1")
    assert g.value(node, DCTERMS.issued).datatype == XSD.dateTime
    assert g.value(node, DCTERMS.modified).datatype == XSD.dateTime
    assert URIRef(f"{EU}country/VNM") in set(g.objects(node, DCTERMS.spatial))


def test_distributions_download_with_the_size_and_checksum_they_declare(published, client):
    import hashlib

    g = fetch(client, f"/du-lieu-mo/{published.name}.jsonld", "jsonld")
    [node] = g.subjects(RDF.type, DCAT.Dataset)
    distributions = list(g.objects(node, DCAT.distribution))
    formats = {str(g.value(d, DCTERMS["format"])).rsplit("/", 1)[1] for d in distributions}
    assert formats == {"CSV", "JSON", "XLSX"}
    for dist in distributions:
        url = str(g.value(dist, DCAT.downloadURL))
        assert url.startswith(f"http://testserver/du-lieu-mo/{published.name}/phien-ban/1/")
        assert g.value(dist, DCAT.accessURL) == g.value(dist, DCAT.downloadURL)
        assert g.value(dist, DCTERMS.license) == URIRef(
            "https://creativecommons.org/licenses/by/4.0/"
        )
        assert str(g.value(dist, DCAT.mediaType)).startswith(
            "https://www.iana.org/assignments/media-types/"
        )
        size = g.value(dist, DCAT.byteSize)
        assert size.datatype == XSD.nonNegativeInteger
        checksum = g.value(dist, SPDX.checksum)
        assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert len(body) == int(size)
        assert hashlib.sha256(body).hexdigest() == str(g.value(checksum, SPDX.checksumValue))


def test_catalog_pages_link_first_last_next_and_previous_like_ckanext_dcat(
    people, define, client, settings
):
    settings.OPENDATA_DCAT_PAGE_SIZE = 2
    for n in range(5):
        publish(people, define, name=f"bo-du-lieu-{n}")
    seen = []
    url = "/catalog.ttl"
    pages = 0
    while url:
        g = fetch(client, url, "ttl")
        pages += 1
        [paging] = g.subjects(RDF.type, HYDRA.PagedCollection)
        assert g.value(paging, HYDRA.totalItems).toPython() == 5
        assert g.value(paging, HYDRA.itemsPerPage).toPython() == 2
        assert str(g.value(paging, HYDRA.firstPage)) == "http://testserver/catalog.ttl?page=1"
        assert str(g.value(paging, HYDRA.lastPage)) == "http://testserver/catalog.ttl?page=3"
        previous = g.value(paging, HYDRA.previousPage)
        assert (previous is None) == (pages == 1)
        seen += sorted(str(d).split("/")[-2] for d in g.subjects(RDF.type, DCAT.Dataset))
        following = g.value(paging, HYDRA.nextPage)
        url = str(following).removeprefix("http://testserver") if following else None
    assert pages == 3
    assert seen == [f"bo-du-lieu-{n}" for n in range(5)]
    assert client.get("/catalog.ttl?page=4").status_code == 404
    assert client.get("/catalog.ttl?page=0").status_code == 400
    assert client.get("/catalog.ttl?page=abc").status_code == 400


def test_modified_since_keeps_only_data_sets_changed_after_it(people, define, client):
    old = publish(people, define, name="cu")
    publish(people, define, name="moi")
    Dataset.objects.filter(pk=old.pk).update(
        updated_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    )
    g = fetch(client, "/catalog.rdf?modified_since=2025-01-01T00:00:00Z", "rdf")
    names = [str(d).split("/")[-2] for d in g.subjects(RDF.type, DCAT.Dataset)]
    assert names == ["moi"]
    [paging] = g.subjects(RDF.type, HYDRA.PagedCollection)
    assert "modified_since=2025-01-01T00%3A00%3A00Z" in str(paging)
    assert client.get("/catalog.rdf?modified_since=hôm-qua").status_code == 400


def test_withdrawn_draft_and_missing_data_sets_have_no_document(people, define, client):
    withdrawn = publish(people, define, name="da-ngung")
    services.dataset_withdraw(actor=people.province, dataset=withdrawn, reason="Số liệu sai")
    define(name="ban-nhap")
    for name in ("da-ngung", "ban-nhap", "khong-co"):
        assert client.get(f"/du-lieu-mo/{name}.ttl").status_code == 404
    assert client.get("/catalog.csv").status_code == 404
    g = fetch(client, "/catalog.ttl", "ttl")
    assert list(g.subjects(RDF.type, DCAT.Dataset)) == []


def test_accept_header_chooses_rdf_only_when_preferred_to_html():
    assert dcat.negotiate("text/turtle") == "ttl"
    assert dcat.negotiate("application/ld+json, text/html;q=0.5") == "jsonld"
    assert dcat.negotiate("text/html,application/rdf+xml;q=0.9") is None
    assert dcat.negotiate("*/*") is None
