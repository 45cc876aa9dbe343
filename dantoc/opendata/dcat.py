"""The catalogue as DCAT-AP (2 and 3) RDF: the whole catalogue in pages of 100 data sets, and
each data set on its own, in Turtle, JSON-LD and RDF/XML.

Classes and properties follow DCAT-AP; controlled vocabularies are the EU Publications
Office authority tables the model's codes come from (data themes, frequencies, file types,
languages, countries) and IANA media types. Paging follows ckanext-dcat (the CKAN extension
harvesters know): a ``hydra:PagedCollection`` node whose URI is the page's address, with
``hydra:totalItems``, ``hydra:itemsPerPage`` and the first, last, next and previous pages'
addresses.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from urllib.parse import urlencode

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from dantoc.opendata import ckan, selectors
from dantoc.opendata.models import (
    LICENCE_URLS,
    THEME_NAMES_EN,
    Dataset,
    FileFormat,
    Licence,
    ReleaseFile,
    Theme,
)
from dantoc.opendata.selectors import Condition, SearchQuery

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
EU = "http://publications.europa.eu/resource/authority/"

PAGE_SIZE = 100  # as ckanext-dcat; settings.OPENDATA_DCAT_PAGE_SIZE changes it


def page_size() -> int:
    from django.conf import settings

    return int(getattr(settings, "OPENDATA_DCAT_PAGE_SIZE", PAGE_SIZE))


FORMATS = {
    # extension → (rdflib serializer, media type)
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("pretty-xml", "application/rdf+xml; charset=utf-8"),
    "xml": ("pretty-xml", "application/rdf+xml; charset=utf-8"),
}
ACCEPT = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdf",
}
FILE_TYPES = {FileFormat.CSV: "CSV", FileFormat.JSON: "JSON", FileFormat.XLSX: "XLSX"}

CATALOG_TITLE = "Danh mục dữ liệu mở Chương trình MTQG vùng đồng bào dân tộc thiểu số và miền núi"
CATALOG_TITLE_EN = (
    "Open data catalogue of the National Target Programme for ethnic-minority and mountainous areas"
)
CATALOG_DESCRIPTION = (
    "Các bộ dữ liệu kết quả thực hiện, theo dõi, đánh giá Chương trình, công bố từ số liệu đã "
    "được duyệt và tổng hợp; không chứa dữ liệu cá nhân."
)
CATALOG_DESCRIPTION_EN = (
    "Data sets on the implementation, monitoring and evaluation of the Programme, published "
    "from approved, aggregated figures; they hold no personal data."
)


class PageOutOfRange(Exception):
    pass


def negotiate(accept: str) -> str | None:
    """The RDF format an ``Accept`` header asks for before HTML, or None."""
    best: tuple[float, str] | None = None
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        quality = 1.0
        for bit in bits[1:]:
            if bit.startswith("q="):
                try:
                    quality = float(bit[2:])
                except ValueError:
                    quality = 0.0
        if media in ("text/html", "application/xhtml+xml") and (best is None or quality > best[0]):
            best = (quality, "")
        elif media in ACCEPT and quality > 0 and (best is None or quality > best[0]):
            best = (quality, ACCEPT[media])
    return (best[1] or None) if best else None


def _bind(graph: Graph) -> Graph:
    for prefix, namespace in (
        ("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD), ("spdx", SPDX),
        ("hydra", HYDRA), ("adms", ADMS), ("locn", LOCN), ("owl", OWL), ("skos", SKOS),
    ):  # fmt: skip
        graph.bind(prefix, namespace)
    return graph


# --- controlled vocabularies --------------------------------------------------------------------
# Each value taken from a controlled vocabulary is given as the vocabulary's URI, and the graph
# says what kind of thing it is (DCAT-AP 3.0's range of the property), so that the document
# passes the DCAT-AP 3.0 SHACL shapes on its own, without the vocabularies loaded beside it.

THEMES = f"{EU}data-theme"
LANGUAGES = {"vi": f"{EU}language/VIE", "en": f"{EU}language/ENG"}
COUNTRY = f"{EU}country/VNM"
PUBLIC = f"{EU}access-right/PUBLIC"
IANA = "https://www.iana.org/assignments/media-types/"


def _typed(graph: Graph, uri: str, cls) -> URIRef:
    node = URIRef(uri)
    graph.add((node, RDF.type, cls))
    return node


def _language(graph: Graph, code: str) -> URIRef:
    return _typed(graph, LANGUAGES[code], DCTERMS.LinguisticSystem)


def _theme_scheme(graph: Graph) -> URIRef:
    scheme = _typed(graph, THEMES, SKOS.ConceptScheme)
    graph.add((scheme, DCTERMS.title, Literal("Data theme", lang="en")))
    graph.add((scheme, DCTERMS.title, Literal("Chủ đề dữ liệu", lang="vi")))
    return scheme


def _theme(graph: Graph, code: str) -> URIRef:
    theme = Theme(code)
    node = _typed(graph, f"{THEMES}/{code}", SKOS.Concept)
    graph.add((node, SKOS.prefLabel, Literal(str(theme.label), lang="vi")))
    graph.add((node, SKOS.prefLabel, Literal(THEME_NAMES_EN[theme], lang="en")))
    graph.add((node, SKOS.inScheme, _theme_scheme(graph)))
    return node


def publisher_uri(request, name: str) -> URIRef:
    """The one URI of a publisher (a CKAN organisation), wherever the graph names it: the
    catalogue's page of its data sets."""
    return URIRef(request.build_absolute_uri(f"/du-lieu-mo/?organization={name}"))


def add_publisher(graph: Graph, request, org: selectors.Organization) -> URIRef:
    node = publisher_uri(request, org.name)
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, FOAF.name, Literal(org.title, lang="vi")))
    graph.add((node, FOAF.name, Literal(org.title_en, lang="en")))
    graph.add((node, SKOS.notation, Literal(org.unit.code)))
    return node


def _datetime(value: datetime.datetime) -> Literal:
    return Literal(value.astimezone(datetime.UTC).isoformat(), datatype=XSD.dateTime)


def _date(value: datetime.date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


@dataclass
class Page:
    number: int
    total: int
    datasets: list[Dataset]

    size: int = PAGE_SIZE

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.size))


def catalog_page(number: int, *, modified_since: datetime.datetime | None = None) -> Page:
    """One page of the catalogue, the data sets in name order (so that pages stay put)."""
    size = page_size()
    conditions = []
    if modified_since is not None:
        conditions.append(Condition("metadata_modified", low=modified_since, is_range=True))
    result = selectors.datasets_search(
        SearchQuery(
            conditions=conditions,
            sort=[("name", False)],
            rows=size,
            start=(number - 1) * size,
        )
    )
    page = Page(number, result.count, result.datasets, size)
    if number > page.last:
        raise PageOutOfRange(number)
    return page


def catalog_graph(request, page: Page, *, fmt: str, params: dict[str, str]) -> Graph:
    graph = _bind(Graph())
    root = request.build_absolute_uri("/")
    catalog = URIRef(root)
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal(CATALOG_TITLE, lang="vi")))
    graph.add((catalog, DCTERMS.title, Literal(CATALOG_TITLE_EN, lang="en")))
    graph.add((catalog, DCTERMS.description, Literal(CATALOG_DESCRIPTION, lang="vi")))
    graph.add((catalog, DCTERMS.description, Literal(CATALOG_DESCRIPTION_EN, lang="en")))
    homepage = request.build_absolute_uri("/du-lieu-mo/")
    graph.add((catalog, FOAF.homepage, _typed(graph, homepage, FOAF.Document)))
    graph.add((catalog, DCTERMS.language, _language(graph, "vi")))
    graph.add((catalog, DCTERMS.language, _language(graph, "en")))
    graph.add((catalog, DCAT.themeTaxonomy, _theme_scheme(graph)))
    graph.add((catalog, DCTERMS.spatial, _typed(graph, COUNTRY, DCTERMS.Location)))
    licence = _typed(graph, LICENCE_URLS[Licence.CC_BY], DCTERMS.LicenseDocument)
    graph.add((catalog, DCTERMS.license, licence))
    # The ministry publishes the catalogue and its own data sets: the same agent, one URI.
    ministry = selectors.ministry_organization()
    graph.add((catalog, DCTERMS.publisher, add_publisher(graph, request, ministry)))
    if page.datasets:
        newest = max(d.updated_at for d in page.datasets)
        graph.add((catalog, DCTERMS.modified, _datetime(newest)))
    for dataset in page.datasets:
        node = add_dataset(graph, request, dataset)
        graph.add((catalog, DCAT.dataset, node))

    def page_url(number: int) -> Literal:
        query = urlencode({**params, "page": number})
        return Literal(request.build_absolute_uri(f"/catalog.{fmt}?{query}"))

    paging = URIRef(str(page_url(page.number)))
    graph.add((paging, RDF.type, HYDRA.PagedCollection))
    graph.add((paging, HYDRA.totalItems, Literal(page.total, datatype=XSD.integer)))
    graph.add((paging, HYDRA.itemsPerPage, Literal(page.size, datatype=XSD.integer)))
    graph.add((paging, HYDRA.firstPage, page_url(1)))
    graph.add((paging, HYDRA.lastPage, page_url(page.last)))
    if page.number < page.last:
        graph.add((paging, HYDRA.nextPage, page_url(page.number + 1)))
    if page.number > 1:
        graph.add((paging, HYDRA.previousPage, page_url(page.number - 1)))
    return graph


def dataset_graph(request, dataset: Dataset) -> Graph:
    graph = _bind(Graph())
    add_dataset(graph, request, dataset)
    return graph


def dataset_uri(request, dataset: Dataset) -> URIRef:
    return URIRef(ckan.dataset_page_url(request, dataset))


def add_dataset(graph: Graph, request, dataset: Dataset) -> URIRef:
    """The data set's triples; ``dataset`` comes from the selectors (no query is made)."""
    node = dataset_uri(request, dataset)
    org = selectors.organization_of(dataset.publisher)
    releases = list(dataset.releases.all())  # newest first
    latest = releases[0] if releases else None

    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(str(dataset.uuid))))
    # Another identifier of the data set: its CKAN name, as an adms:Identifier node.
    other = BNode()
    graph.add((node, ADMS.identifier, other))
    graph.add((other, RDF.type, ADMS.Identifier))
    graph.add((other, SKOS.notation, Literal(dataset.name)))
    graph.add((node, DCTERMS.title, Literal(dataset.title, lang="vi")))
    graph.add((node, DCTERMS.title, Literal(dataset.title_en, lang="en")))
    graph.add((node, DCTERMS.description, Literal(dataset.description, lang="vi")))
    graph.add((node, DCTERMS.description, Literal(dataset.description_en, lang="en")))
    for keyword in sorted(k.name for k in dataset.keywords.all()):
        graph.add((node, DCAT.keyword, Literal(keyword, lang="vi")))
    graph.add((node, DCAT.theme, _theme(graph, dataset.theme)))
    graph.add((node, DCTERMS.language, _language(graph, "vi")))
    frequency = _typed(graph, f"{EU}frequency/{dataset.frequency}", DCTERMS.Frequency)
    graph.add((node, DCTERMS.accrualPeriodicity, frequency))
    page = _typed(graph, ckan.dataset_page_url(request, dataset), FOAF.Document)
    graph.add((node, DCAT.landingPage, page))
    graph.add((node, DCTERMS.accessRights, _typed(graph, PUBLIC, DCTERMS.RightsStatement)))
    graph.add((node, DCTERMS.publisher, add_publisher(graph, request, org)))

    contact = BNode()
    graph.add((node, DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, VCARD.fn, Literal(dataset.contact_name)))
    graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))

    if dataset.temporal_start or dataset.temporal_end:
        period = BNode()
        graph.add((node, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if dataset.temporal_start:
            graph.add((period, DCAT.startDate, _date(dataset.temporal_start)))
        if dataset.temporal_end:
            graph.add((period, DCAT.endDate, _date(dataset.temporal_end)))

    graph.add((node, DCTERMS.spatial, _typed(graph, COUNTRY, DCTERMS.Location)))
    if dataset.spatial:
        place = BNode()
        graph.add((node, DCTERMS.spatial, place))
        graph.add((place, RDF.type, DCTERMS.Location))
        graph.add((place, LOCN.geographicName, Literal(dataset.spatial, lang="vi")))
        for province in dataset.provinces.all():
            graph.add((place, SKOS.notation, Literal(province.code)))

    if dataset.published_at:
        graph.add((node, DCTERMS.issued, _datetime(dataset.published_at)))
    graph.add((node, DCTERMS.modified, _datetime(dataset.updated_at)))
    if latest is not None:
        graph.add((node, OWL.versionInfo, Literal(str(latest.version))))
        if latest.reason:
            graph.add((node, ADMS.versionNotes, Literal(latest.reason, lang="vi")))
        for release_file in latest.files.all():
            graph.add((node, DCAT.distribution, add_distribution(graph, request, release_file)))
    return node


def distribution_uri(request, release_file: ReleaseFile) -> URIRef:
    release = release_file.release
    base = ckan.dataset_page_url(request, release.dataset)
    return URIRef(f"{base}#phien-ban-{release.version}-{release_file.format}")


def add_distribution(graph: Graph, request, release_file: ReleaseFile) -> URIRef:
    release = release_file.release
    dataset = release.dataset
    node = distribution_uri(request, release_file)
    # rdfs:Resource is what DCAT-AP 3.0 gives as the range of the access and download URLs.
    url = _typed(graph, ckan.release_file_url(request, release_file), RDFS.Resource)
    label = FILE_TYPES[release_file.format]
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add(
        (node, DCTERMS.title, Literal(f"{dataset.title} — phiên bản {release.version} ({label})", lang="vi"))
    )  # fmt: skip
    graph.add(
        (node, DCTERMS.title, Literal(f"{dataset.title_en} — release {release.version} ({label})", lang="en"))
    )  # fmt: skip
    graph.add((node, DCAT.accessURL, url))
    graph.add((node, DCAT.downloadURL, url))
    file_type = _typed(graph, f"{EU}file-type/{label}", DCTERMS.MediaTypeOrExtent)
    graph.add((node, DCTERMS.format, file_type))
    media = _typed(graph, IANA + ckan.MIMETYPES[release_file.format], DCTERMS.MediaType)
    graph.add((node, DCAT.mediaType, media))
    licence = _typed(graph, LICENCE_URLS[Licence(dataset.licence)], DCTERMS.LicenseDocument)
    graph.add((node, DCTERMS.license, licence))
    graph.add((node, DCAT.byteSize, Literal(release_file.size, datatype=XSD.nonNegativeInteger)))
    graph.add((node, DCTERMS.issued, _datetime(release.created_at)))
    graph.add((node, DCTERMS.modified, _datetime(release.created_at)))
    checksum = BNode()
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    algorithm = _typed(graph, SPDX.checksumAlgorithm_sha256, SPDX.ChecksumAlgorithm)
    graph.add((checksum, SPDX.algorithm, algorithm))
    graph.add((checksum, SPDX.checksumValue, Literal(release_file.sha256, datatype=XSD.hexBinary)))
    return node


def serialize(graph: Graph, fmt: str) -> bytes:
    serializer, _media = FORMATS[fmt]
    if serializer == "json-ld":
        context = {
            prefix: str(namespace)
            for prefix, namespace in graph.namespaces()
            if prefix in ("dcat", "dct", "foaf", "vcard", "spdx", "hydra", "adms", "locn", "owl", "skos", "xsd", "rdf")
        }  # fmt: skip
        return graph.serialize(format="json-ld", context=context, indent=1).encode("utf-8")
    return graph.serialize(format=serializer, encoding="utf-8")
