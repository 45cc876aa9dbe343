"""The catalogue checked against the official DCAT-AP 3.0.0 SHACL shapes (vendored in
``tests/data``, see its README) with pySHACL, and served by content negotiation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Literal, Namespace, URIRef

from dantoc.opendata.tests.test_ckan_api import publish
from dantoc.opendata.tests.test_dcat import PARSERS, fetch

pytestmark = pytest.mark.django_db

SHAPES = Path(__file__).parent / "data" / "dcat-ap-3.0.0-SHACL.ttl"
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
EU = "http://publications.europa.eu/resource/authority/"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def violations(graph: Graph, shapes: Graph) -> list[str]:
    conforms, _report, text = validate(graph, shacl_graph=shapes, inference="none")
    return [] if conforms else [text]


@pytest.fixture
def two_publishers(people, capital, define):
    """A province's data set and one of the ministry, which also publishes the catalogue."""
    return [
        publish(people, define),
        publish(
            people,
            define,
            actor=people.ministry,
            name="von-toan-quoc-2025",
            periods=["2025"],
            units=["VN"],
            theme="GOVE",
            licence="cc-zero",
        ),
    ]


def test_catalogue_passes_the_dcat_ap_3_shacl_shapes(two_publishers, client, shapes):
    graph = fetch(client, "/catalog.ttl", "ttl")
    assert violations(graph, shapes) == []
    for dataset in two_publishers:
        alone = fetch(client, f"/du-lieu-mo/{dataset.name}.ttl", "ttl")
        assert violations(alone, shapes) == []


def test_other_identifier_is_an_adms_identifier_node_with_a_notation(two_publishers, client):
    graph = fetch(client, "/catalog.ttl", "ttl")
    node = URIRef(f"http://testserver/du-lieu-mo/{two_publishers[0].name}/")
    [identifier] = graph.objects(node, ADMS.identifier)
    assert isinstance(identifier, BNode)
    assert (identifier, RDF.type, ADMS.Identifier) in graph
    assert list(graph.objects(identifier, SKOS.notation)) == [Literal(two_publishers[0].name)]


def test_each_publisher_has_one_uri_for_the_catalogue_and_its_data_sets(two_publishers, client):
    graph = fetch(client, "/catalog.ttl", "ttl")
    [catalog] = graph.subjects(RDF.type, DCAT.Catalog)
    [catalogue_publisher] = graph.objects(catalog, DCTERMS.publisher)
    ministry_set = URIRef("http://testserver/du-lieu-mo/von-toan-quoc-2025/")
    assert list(graph.objects(ministry_set, DCTERMS.publisher)) == [catalogue_publisher]
    agents = set(graph.subjects(RDF.type, FOAF.Agent))
    assert len(agents) == 2  # the ministry and the province, once each
    for agent in agents:
        names = [n for n in graph.objects(agent, FOAF.name) if n.language == "vi"]
        assert len(names) == 1


def test_controlled_vocabularies_are_their_eu_uris(two_publishers, client):
    graph = fetch(client, "/catalog.ttl", "ttl")
    formats = set(graph.objects(None, DCTERMS["format"]))
    assert formats == {URIRef(f"{EU}file-type/{t}") for t in ("CSV", "JSON", "XLSX")}
    assert set(graph.objects(None, DCAT.theme)) == {
        URIRef(f"{EU}data-theme/ECON"),
        URIRef(f"{EU}data-theme/GOVE"),
    }
    languages = set(graph.objects(None, DCTERMS.language))
    assert languages == {URIRef(f"{EU}language/VIE"), URIRef(f"{EU}language/ENG")}
    for value in formats | languages:
        assert not isinstance(value, Literal)


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("text/turtle", "text/turtle", "ttl"),
        ("application/ld+json", "application/ld+json", "jsonld"),
        ("application/rdf+xml", "application/rdf+xml", "rdf"),
        ("text/turtle;q=0.9, text/html;q=0.5", "text/turtle", "ttl"),
    ],
)
def test_catalogue_address_answers_rdf_by_content_negotiation(
    two_publishers, client, accept, media, fmt
):
    response = client.get("/du-lieu-mo/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(media)
    assert "Accept" in response["Vary"]
    graph = Graph().parse(data=response.content, format=PARSERS[fmt])
    [catalog] = graph.subjects(RDF.type, DCAT.Catalog)
    assert len(list(graph.objects(catalog, DCAT.dataset))) == 2


def test_catalogue_page_for_browsers_stays_html_and_says_it_varies_on_accept(
    two_publishers, client
):
    response = client.get("/du-lieu-mo/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*")
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
