"""The platform's OAI-PMH 2.0 provider (``/oai``), generic over the apps' ``OaiSource``s.

Spec: https://www.openarchives.org/OAI/openarchivesprotocol.html (version 2.0, 2015-01-08).
All six verbs, GET and POST, ``oai_dc`` (the one format every record offers), selective
harvest by ``from``/``until`` (day or second granularity) and ``set``, stateless resumption
tokens (signed: a token cannot be forged or edited), deleted records (``persistent``: an item
the public saw once and no longer sees is reported as deleted, never silently dropped).

A source (``core.registry.OaiSource``) returns ``OaiRecord``s: this module's datamodel. The
provider shows exactly what it is given; deciding what the public may see is the source's job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core import signing
from django.http import HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from dantoc.core.registry import OaiSource, oai_sources

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

DC_ELEMENTS = (
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
)

PAGE_SIZE = 100
TOKEN_SALT = "dantoc.oai.resumption"
TOKEN_MAX_AGE = 24 * 3600

for prefix, uri in (("", OAI_NS), ("oai_dc", OAI_DC_NS), ("dc", DC_NS), ("xsi", XSI_NS)):
    ET.register_namespace(prefix, uri)


@dataclass(frozen=True)
class OaiRecord:
    """A record offered to harvesters.

    ``local_id``: the part after ``<prefix>/`` in ``oai:<repository>:<prefix>/<local_id>``;
    ``datestamp``: when the record (or its deletion) last changed, timezone-aware;
    ``sets``: the set specs the record belongs to (each starting with the source's prefix);
    ``deleted``: True for a record the public no longer sees (then ``dc`` is ignored);
    ``dc``: Dublin Core element -> values, each a string or ``(string, language)``.
    """

    local_id: str
    datestamp: dt.datetime
    sets: tuple[str, ...] = ()
    deleted: bool = False
    dc: dict[str, list] = field(default_factory=dict)


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def repository_identifier() -> str:
    return getattr(settings, "OAI_REPOSITORY_IDENTIFIER", "dantoc.vn")


def identifier_of(source: OaiSource, local_id: str) -> str:
    return f"oai:{repository_identifier()}:{source.prefix}/{local_id}"


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _second(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(microsecond=0)


def _parse_date(value: str, *, end: bool) -> tuple[dt.datetime, str]:
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min, tzinfo=dt.UTC)
            return moment, "day"
        if len(value) == 20 and value.endswith("Z") and value[10] == "T":
            moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            return (moment.replace(microsecond=999999) if end else moment), "second"
    except ValueError:
        pass
    raise OaiError("badArgument", f"Ngày không hợp lệ / invalid date: {value!r}")


def _source_for_identifier(identifier: str) -> tuple[OaiSource, str]:
    head = f"oai:{repository_identifier()}:"
    if identifier.startswith(head):
        prefix, _sep, local = identifier[len(head) :].partition("/")
        for source in oai_sources():
            if source.prefix == prefix and local:
                return source, local
    raise OaiError("idDoesNotExist", f"Không có bản ghi / no such record: {identifier}")


def _sources_for_set(set_spec: str | None) -> list[OaiSource]:
    sources = oai_sources()
    if set_spec is None:
        return sources
    return [s for s in sources if set_spec == s.prefix or set_spec.startswith(s.prefix + ":")]


# --- arguments ----------------------------------------------------------------------------------

VERBS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
}


def _arguments(request) -> tuple[str | None, dict[str, str]]:
    data = request.POST if request.method == "POST" else request.GET
    for key in data:
        if len(data.getlist(key)) > 1:
            raise OaiError("badArgument", f"Tham số lặp lại / repeated argument: {key}")
    args = {k: data[k] for k in data}
    verb = args.pop("verb", None)
    if verb not in VERBS:
        raise OaiError("badVerb", "Verb không hợp lệ / illegal or missing verb")
    required, optional = VERBS[verb]
    unknown = set(args) - required - optional
    if unknown:
        raise OaiError("badArgument", f"Tham số không hợp lệ / illegal argument: {sorted(unknown)}")
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OaiError("badArgument", "resumptionToken là tham số duy nhất / is exclusive")
        return verb, args
    missing = required - set(args)
    if missing:
        raise OaiError("badArgument", f"Thiếu tham số / missing argument: {sorted(missing)}")
    return verb, args


# --- XML ----------------------------------------------------------------------------------------


def _q(tag: str, ns: str = OAI_NS) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent, tag: str, text: str | None = None, ns: str = OAI_NS, **attrs):
    element = ET.SubElement(parent, _q(tag, ns), {k: v for k, v in attrs.items() if v})
    if text is not None:
        element.text = text
    return element


def _envelope(request, verb: str | None, args: dict[str, str]):
    root = ET.Element(_q("OAI-PMH"), {_q("schemaLocation", XSI_NS): f"{OAI_NS} {OAI_SCHEMA}"})
    _sub(root, "responseDate", _utc(timezone.now()))
    base = request.build_absolute_uri(request.path)
    attrs = {"verb": verb, **args} if verb else {}
    _sub(root, "request", base, **attrs)
    return root, base


def _response(root, status: int = 200) -> HttpResponse:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)


def _header(parent, source: OaiSource, record: OaiRecord):
    header = _sub(parent, "header", status="deleted" if record.deleted else None)
    _sub(header, "identifier", identifier_of(source, record.local_id))
    _sub(header, "datestamp", _utc(record.datestamp))
    for spec in record.sets:
        _sub(header, "setSpec", spec)
    return header


def _oai_dc(parent, record: OaiRecord) -> None:
    metadata = _sub(parent, "metadata")
    dc = ET.SubElement(
        metadata,
        _q("dc", OAI_DC_NS),
        {_q("schemaLocation", XSI_NS): f"{OAI_DC_NS} {OAI_DC_SCHEMA}"},
    )
    for element in DC_ELEMENTS:
        for value in record.dc.get(element, ()):
            text, lang = (value, None) if isinstance(value, str) else value
            if not text:
                continue
            node = _sub(dc, element, text, ns=DC_NS)
            if lang:
                node.set("{http://www.w3.org/XML/1998/namespace}lang", lang)


# --- verbs --------------------------------------------------------------------------------------


def _earliest() -> dt.datetime:
    found = []
    for source in oai_sources():
        first = next(
            iter(import_string(source.records)(since=None, until=None, set_spec=None)), None
        )
        if first is not None:
            found.append(first.datestamp)
    return min(found) if found else dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def _identify(root, base, args):
    node = _sub(root, "Identify")
    _sub(node, "repositoryName", getattr(settings, "OAI_REPOSITORY_NAME", "dantoc"))
    _sub(node, "baseURL", base)
    _sub(node, "protocolVersion", "2.0")
    _sub(node, "adminEmail", getattr(settings, "OAI_ADMIN_EMAIL", "admin@dantoc.vn"))
    _sub(node, "earliestDatestamp", _utc(_earliest()))
    _sub(node, "deletedRecord", "persistent")
    _sub(node, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    description = _sub(node, "description")
    oai_id_ns = "http://www.openarchives.org/OAI/2.0/oai-identifier"
    ident = ET.SubElement(description, f"{{{oai_id_ns}}}oai-identifier")
    for tag, text in (
        ("scheme", "oai"),
        ("repositoryIdentifier", repository_identifier()),
        ("delimiter", ":"),
        ("sampleIdentifier", f"oai:{repository_identifier()}:heritage/1"),
    ):
        ET.SubElement(ident, f"{{{oai_id_ns}}}{tag}").text = text


def _list_metadata_formats(root, base, args):
    if "identifier" in args:
        source, local = _source_for_identifier(args["identifier"])
        if import_string(source.record)(local) is None:
            raise OaiError(
                "idDoesNotExist", f"Không có bản ghi / no such record: {args['identifier']}"
            )
    node = _sub(root, "ListMetadataFormats")
    fmt = _sub(node, "metadataFormat")
    _sub(fmt, "metadataPrefix", "oai_dc")
    _sub(fmt, "schema", OAI_DC_SCHEMA)
    _sub(fmt, "metadataNamespace", OAI_DC_NS)


def _list_sets(root, base, args):
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "Danh sách tập không phân trang / sets are not paged")
    sets = [spec for source in oai_sources() for spec in import_string(source.sets)()]
    if not sets:
        raise OaiError("noSetHierarchy", "Kho không chia tập / no sets")
    node = _sub(root, "ListSets")
    for spec, name in sets:
        item = _sub(node, "set")
        _sub(item, "setSpec", spec)
        _sub(item, "setName", name)


def _get_record(root, base, args):
    if args["metadataPrefix"] != "oai_dc":
        raise OaiError("cannotDisseminateFormat", "Chỉ có oai_dc / only oai_dc")
    source, local = _source_for_identifier(args["identifier"])
    record = import_string(source.record)(local)
    if record is None:
        raise OaiError("idDoesNotExist", f"Không có bản ghi / no such record: {args['identifier']}")
    node = _sub(_sub(root, "GetRecord"), "record")
    _header(node, source, record)
    if not record.deleted:
        _oai_dc(node, record)


def _selection(args) -> dict:
    if "resumptionToken" in args:
        try:
            state = signing.loads(args["resumptionToken"], salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature as exc:
            raise OaiError(
                "badResumptionToken", "Mã tiếp tục không hợp lệ hoặc đã hết hạn"
            ) from exc
        return state
    if args["metadataPrefix"] != "oai_dc":
        raise OaiError("cannotDisseminateFormat", "Chỉ có oai_dc / only oai_dc")
    state = {"set": args.get("set"), "from": None, "until": None, "after": None, "cursor": 0}
    grains = set()
    if "from" in args:
        moment, grain = _parse_date(args["from"], end=False)
        state["from"] = moment.isoformat()
        grains.add(grain)
    if "until" in args:
        moment, grain = _parse_date(args["until"], end=True)
        state["until"] = moment.isoformat()
        grains.add(grain)
    if len(grains) > 1:
        raise OaiError("badArgument", "from và until phải cùng độ chi tiết / same granularity")
    if state["from"] and state["until"] and state["from"] > state["until"]:
        raise OaiError("badArgument", "from sau until / from is after until")
    if state["set"] is not None:
        known = {spec for s in oai_sources() for spec, _name in import_string(s.sets)()}
        if not known:
            raise OaiError("noSetHierarchy", "Kho không chia tập / no sets")
    return state


def _page(state: dict) -> tuple[list[tuple[OaiSource, OaiRecord]], dict | None]:
    since = dt.datetime.fromisoformat(state["from"]) if state["from"] else None
    until = dt.datetime.fromisoformat(state["until"]) if state["until"] else None
    after = None
    if state["after"]:
        after = (dt.datetime.fromisoformat(state["after"][0]), state["after"][1])
        since = max(since, after[0]) if since else after[0]
    found = []
    for source in _sources_for_set(state["set"]):
        records = import_string(source.records)(since=since, until=until, set_spec=state["set"])
        for record in records:
            key = (_second(record.datestamp), identifier_of(source, record.local_id))
            if after is not None and key <= after:
                continue
            found.append((key, source, record))
    found.sort(key=lambda row: row[0])
    page = found[:PAGE_SIZE]
    following = None
    if len(found) > PAGE_SIZE:
        last = page[-1][0]
        following = {
            **state,
            "after": [last[0].isoformat(), last[1]],
            "cursor": state["cursor"] + len(page),
            "size": state["cursor"] + len(found),
        }
    return [(source, record) for _key, source, record in page], following


def _list(root, base, args, *, verb: str):
    state = _selection(args)
    rows, following = _page(state)
    if not rows:
        raise OaiError("noRecordsMatch", "Không có bản ghi phù hợp / no records match")
    node = _sub(root, verb)
    for source, record in rows:
        if verb == "ListIdentifiers":
            _header(node, source, record)
        else:
            item = _sub(node, "record")
            _header(item, source, record)
            if not record.deleted:
                _oai_dc(item, record)
    if following is not None:
        token = _sub(
            node,
            "resumptionToken",
            signing.dumps(following, salt=TOKEN_SALT, compress=True),
            cursor=str(state["cursor"]),
            completeListSize=str(following["size"]),
        )
        token.set("expirationDate", _utc(timezone.now() + dt.timedelta(seconds=TOKEN_MAX_AGE)))
    elif "resumptionToken" in args:
        # The last page of a list carries an empty token (spec 3.5).
        _sub(node, "resumptionToken", "", cursor=str(state["cursor"]))


HANDLERS = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": lambda root, base, args: _list(root, base, args, verb="ListIdentifiers"),
    "ListRecords": lambda root, base, args: _list(root, base, args, verb="ListRecords"),
}


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request):
    try:
        verb, args = _arguments(request)
    except OaiError as error:
        root, _base = _envelope(request, None, {})
        _sub(root, "error", error.message, code=error.code)
        return _response(root)
    root, base = _envelope(request, verb, args)
    try:
        HANDLERS[verb](root, base, args)
    except OaiError as error:
        # The request element keeps its attributes only when the arguments were valid; on
        # badArgument and badVerb the spec asks for the bare base URL.
        if error.code in ("badArgument", "badVerb"):
            root.find(_q("request")).attrib.clear()
        _sub(root, "error", error.message, code=error.code)
    return _response(root)
