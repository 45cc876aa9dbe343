"""OPDS 1.2 catalogue of the e-library (Atom feeds e-reader apps browse): a navigation feed
at the root, acquisition feeds of items (newest, by type, search results) in pages, and an
OpenSearch description for the search. Spec: https://specs.opds.io/opds-1.2 ; Atom RFC 4287;
OpenSearch 1.1. Only public items appear; an item that may only be read online has no
acquisition link, only its page."""

from __future__ import annotations

import datetime
from xml.etree import ElementTree as ET

from django.utils import timezone

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
for _prefix, _uri in (("", ATOM), ("dc", DC), ("opds", OPDS), ("opensearch", OPENSEARCH)):
    ET.register_namespace(_prefix, _uri)

NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
REL_ACQUIRE_OPEN = "http://opds-spec.org/acquisition/open-access"
REL_NEW = "http://opds-spec.org/sort/new"


def _tag(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _sub(parent, name: str, text: str | None = None, ns: str = ATOM, **attrs) -> ET.Element:
    element = ET.SubElement(parent, _tag(ns, name), {k: v for k, v in attrs.items() if v})
    if text is not None:
        element.text = text
    return element


def _when(value: datetime.datetime | None) -> str:
    value = value or timezone.now()
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(parent, rel: str, href: str, type_: str, title: str = "") -> None:
    _sub(parent, "link", rel=rel, href=href, type=type_, title=title)


def feed(*, feed_id: str, title: str, updated, links: list[tuple[str, str, str]]) -> ET.Element:
    root = ET.Element(_tag(ATOM, "feed"))
    _sub(root, "id", feed_id)
    _sub(root, "title", title)
    _sub(root, "updated", _when(updated))
    author = _sub(root, "author")
    _sub(author, "name", "dantoc")
    for rel, href, type_ in links:
        _link(root, rel, href, type_)
    return root


def navigation_entry(
    root, *, entry_id: str, title: str, href: str, content: str, updated, rel: str = "subsection"
) -> None:
    entry = _sub(root, "entry")
    _sub(entry, "title", title)
    _sub(entry, "id", entry_id)
    _sub(entry, "updated", _when(updated))
    _sub(entry, "content", content, type="text")
    _link(entry, rel, href, ACQUISITION)


def item_entry(root, item, *, absolute) -> None:
    entry = _sub(root, "entry")
    _sub(entry, "title", item.title)
    _sub(entry, "id", f"urn:uuid:{item.uuid}")
    _sub(entry, "updated", _when(item.updated_at))
    if item.first_published_at:
        _sub(entry, "published", _when(item.first_published_at))
    for name in item.creator_list:
        author = _sub(entry, "author")
        _sub(author, "name", name)
    _sub(entry, "language", item.language, ns=DC)
    if item.issued:
        _sub(entry, "issued", item.issued, ns=DC)
    if item.publisher:
        _sub(entry, "publisher", item.publisher, ns=DC)
    if item.isbn:
        _sub(entry, "identifier", f"urn:isbn:{item.isbn}", ns=DC)
    for subject in item.subject_list:
        _sub(entry, "category", term=subject, label=subject)
    if item.licence or item.rights:
        _sub(entry, "rights", "; ".join(r for r in (item.licence, item.rights) if r))
    if item.description:
        _sub(entry, "summary", item.description, type="text")
    page = absolute(item.get_absolute_url())
    if item.document_id and item.downloadable:
        _link(entry, "alternate", page, "text/html", "Trang tài liệu")
    if item.document_id and item.downloadable:
        _link(
            entry,
            REL_ACQUIRE_OPEN,
            absolute(f"{item.get_absolute_url()}tep/?tai=1"),
            item.document.mime_type,
        )
    else:
        # Every acquisition entry carries an acquisition link (OPDS 1.2 §5.2): an item that
        # may only be read online (or is a recording) is acquired as its page in a browser.
        _link(entry, REL_ACQUIRE_OPEN, page, "text/html", "Đọc trực tuyến")


def to_bytes(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def opensearch_description(*, template: str, title: str) -> bytes:
    ns = "http://a9.com/-/spec/opensearch/1.1/"
    root = ET.Element(_tag(ns, "OpenSearchDescription"))
    ET.SubElement(root, _tag(ns, "ShortName")).text = title[:16]
    ET.SubElement(root, _tag(ns, "Description")).text = title
    ET.SubElement(root, _tag(ns, "InputEncoding")).text = "UTF-8"
    ET.SubElement(root, _tag(ns, "OutputEncoding")).text = "UTF-8"
    ET.SubElement(root, _tag(ns, "Url"), {"type": ACQUISITION, "template": template})
    return to_bytes(root)
