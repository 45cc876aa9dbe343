"""The open-data catalogue for software: CKAN's Action API (read subset) and DCAT-AP documents.

``/api/3/action/<name>`` and ``/api/action/<name>``, GET or POST (a JSON body, or a form as
older clients send), no account needed. The answer is CKAN's envelope
``{"help": …, "success": …, "result": …}`` and its errors (``ckan/views/api.py``):
``Not Found Error`` 404, ``Validation Error`` 409 (field → messages), ``Authorization Error``
403, ``Search Query Error`` 400, ``Search Error`` 409, an unknown action or unreadable JSON
400 with a bare JSON string. Error type names and the English prefixes CKAN puts before a
message stay as CKAN writes them, since clients (``ckanapi``) read them; the explanations
after them are Vietnamese.

``/catalog.ttl|.jsonld|.rdf|.xml?page=n&modified_since=…`` is the DCAT-AP catalogue, 100
data sets a page; ``/du-lieu-mo/<name>.ttl|.jsonld|.rdf`` one data set.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from urllib.parse import parse_qsl

import orjson
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from dantoc.core.text import fold
from dantoc.opendata import ckan, dcat, selectors
from dantoc.opendata.ckan import (
    NotFound,
    SearchFailed,
    ValidationFailed,
    boolean,
    natural,
    required,
)
from dantoc.opendata.models import DatasetState, Licence, Theme
from dantoc.opendata.selectors import Condition, SearchQuery

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json;charset=utf-8"
WRITE_ACTION_RE = re.compile(r"_(create|update|patch|delete|purge|revise)$")
CALLBACK_RE = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")
LIST_MAX = 1000


# --- actions ----------------------------------------------------------------------------------


def status_show(request, params: dict) -> dict:
    """Trạng thái của trang: tên, địa chỉ, phiên bản API CKAN tương thích."""
    return {
        "site_title": _("Dữ liệu mở — Chương trình MTQG vùng đồng bào DTTS và miền núi"),
        "site_description": dcat.CATALOG_DESCRIPTION,
        "site_url": request.build_absolute_uri("/").rstrip("/"),
        "ckan_version": ckan.CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "vi",
        "extensions": ["dcat"],
    }


def package_list(request, params: dict) -> list[str]:
    """Tên các bộ dữ liệu đã công bố, theo thứ tự tên (``limit``, ``offset``)."""
    limit = natural(params, "limit")
    offset = natural(params, "offset", 0)
    if offset > ckan.START_MAX:
        raise ValidationFailed(fields={"offset": [f"Must be at most {ckan.START_MAX}"]})
    names = selectors.published().order_by("name").values_list("name", flat=True)
    if limit:
        return list(names[offset : offset + limit])
    return list(names[offset:])


def package_search(request, params: dict) -> dict:
    """Tìm bộ dữ liệu: ``q``, ``fq``, ``fq_list``, ``rows``, ``start``, ``sort``,
    ``facet.field``, ``facet.limit``, ``facet.mincount`` (cú pháp như CKAN)."""
    query, sort = ckan.search_query(params, now=timezone.now())
    mincount = max(natural(params, "facet.mincount", 1), 1)
    try:
        found = selectors.packages_search(query)
    except selectors.SearchError as exc:
        raise SearchFailed(str(exc)) from None
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, dict] = {}
    for name in query.facet_fields:
        items = [i for i in found.facets.get(name, []) if i.count >= mincount]
        facets[name] = {i.name: i.count for i in items}
        listed = [{"name": i.name, "display_name": i.display_name, "count": i.count} for i in items]
        # CKAN sorts each facet's items by display name, last first, after taking the top ones.
        listed.sort(key=lambda i: i["display_name"], reverse=True)
        search_facets[name] = {"title": name, "items": listed}
    fl = params.get("fl")
    if fl:
        keys = fl if isinstance(fl, list) else re.split(r"[\s,]+", str(fl).strip())
        results = [
            ckan.package_from_document(request, p.document, p.publisher) for p in found.packages
        ]
        results = [{k: r.get(k) for k in keys if k} for r in results]
    else:
        # Each package goes into the answer as the JSON text it is stored as.
        results = [ckan.package_fragment(request, p.document, p.publisher) for p in found.packages]
    return {
        "count": found.count,
        "facets": facets,
        "results": results,
        "sort": sort,
        "search_facets": search_facets,
    }


def package_show(request, params: dict) -> dict:
    """Một bộ dữ liệu theo ``id`` (mã) hoặc tên định danh."""
    package = selectors.package_get(required(params, "id"))
    if package is None:
        raise NotFound(_("Không có bộ dữ liệu này, hoặc bộ dữ liệu đã ngừng công bố."))
    return ckan.package_fragment(request, package.document, package.publisher)


def resource_show(request, params: dict) -> dict:
    """Một tệp tải về (một định dạng của một phiên bản) theo ``id``."""
    release_file = selectors.release_file_get(required(params, "id"))
    if release_file is None or release_file.release.dataset.state != DatasetState.PUBLISHED:
        raise NotFound(_("Không có tệp dữ liệu này."))
    return ckan.resource_dict(request, release_file)


def current_package_list_with_resources(request, params: dict) -> list:
    """Các bộ dữ liệu đã công bố kèm tệp, mới sửa trước (``limit``, ``offset``, ``page``)."""
    limit = natural(params, "limit")
    offset = natural(params, "offset")
    if offset is None:
        # CKAN's deprecated ``page`` counts pages of ``limit`` from 1 when no offset is given.
        page = natural(params, "page")
        offset = (page - 1) * limit if page and limit else 0
    if offset > ckan.START_MAX:
        raise ValidationFailed(fields={"offset": [f"Must be at most {ckan.START_MAX}"]})
    rows = min(ckan.ROWS_DEFAULT if limit is None else limit, ckan.ROWS_MAX)
    found = selectors.packages_search(
        SearchQuery(sort=[("metadata_modified", True)], rows=rows, start=offset),
        remember_facets=False,
    )
    return [ckan.package_fragment(request, p.document, p.publisher) for p in found.packages]


def license_list(request, params: dict) -> list[dict]:
    """Các giấy phép dữ liệu dùng được cho bộ dữ liệu."""
    return [ckan.licence_dict(code) for code in Licence.values]


def package_autocomplete(request, params: dict) -> list[dict]:
    """Gợi ý bộ dữ liệu có tên định danh hoặc tiêu đề chứa ``q`` (``limit``, mặc định 10)."""
    q = required(params, "q")
    limit = min(natural(params, "limit", 10) or 10, LIST_MAX)
    return [ckan.autocomplete_dict(d, q) for d in selectors.datasets_autocomplete(q, limit=limit)]


def resource_search(request, params: dict) -> dict:
    """Tìm tệp dữ liệu: ``query`` là một hay nhiều ``trường:từ`` (không phân biệt hoa thường,
    dấu; ``hash`` khớp phần đầu), ``order_by``, ``offset``, ``limit``."""
    terms = ckan.resource_terms(params.get("query"))
    order_by = params.get("order_by")
    if order_by is not None and order_by not in ckan.RESOURCE_SEARCH_FIELDS:
        raise ValidationFailed(
            fields={"order_by": [f'Field "{order_by}" not recognised in resource_search.']}
        )
    offset = natural(params, "offset", 0)
    limit = natural(params, "limit")
    found = []
    for release_file in selectors.current_release_files():
        resource = ckan.resource_dict(request, release_file)
        if ckan.resource_matches(resource, terms):
            found.append(resource)
    if order_by:
        found.sort(key=lambda r: (r.get(order_by) is None, str(r.get(order_by) or "")))
    page = found[offset:]
    return {"count": len(found), "results": page[:limit] if limit is not None else page}


def organization_list_for_user(request, params: dict) -> list:
    """Các cơ quan mà người gọi có quyền: API dữ liệu mở không đăng nhập, nên luôn rỗng."""
    # CKAN answers an anonymous caller with an empty list; this API has no accounts (every
    # edit goes through the officers' pages), so every caller is anonymous here.
    return []


def _sorted(items: list[dict], params: dict) -> list[dict]:
    sort = str(params.get("sort") or "title").strip()
    if sort in ("packages", "package_count"):
        sort = "package_count desc"
    bits = sort.split()
    field = bits[0] if bits else "title"
    if field == "packages":
        field = "package_count"
    direction = bits[1].lower() if len(bits) > 1 else "asc"
    if field not in ("name", "title", "package_count") or direction not in ("asc", "desc"):
        raise ValidationFailed(fields={"sort": [_("Sắp xếp theo name, title hoặc package_count.")]})

    def key(item):
        value = item[field]
        return fold(value) if isinstance(value, str) else value

    return sorted(items, key=key, reverse=direction == "desc")


def _page(items: list, params: dict) -> list:
    limit = natural(params, "limit")
    offset = natural(params, "offset", 0)
    items = items[offset:]
    return items[:limit] if limit else items


def _counts(field: str) -> dict[str, int]:
    found = selectors.datasets_search(SearchQuery(rows=0, facet_fields=[field], facet_limit=10**6))
    return {item.name: item.count for item in found.facets[field]}


def _wanted(params: dict, name: str) -> set[str] | None:
    value = params.get(name)
    if not value:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.startswith("[") else [value]
        except ValueError:
            raise ValidationFailed(fields={name: ["Could not parse as valid JSON"]}) from None
    return {str(v) for v in value}


def organization_list(request, params: dict) -> list:
    """Các cơ quan công bố (``all_fields``, ``sort``, ``limit``, ``offset``, ``q``)."""
    counts = _counts("organization")
    wanted = _wanted(params, "organizations")
    q = (params.get("q") or "").strip()

    items = []
    for org in selectors.organizations():
        if wanted is not None and org.name not in wanted:
            continue
        if q and fold(q) not in fold(f"{org.name} {org.title} {org.title_en}"):
            continue
        items.append(ckan.organization_dict(org, package_count=counts.get(org.name, 0)))
    items = _page(_sorted(items, params), params)
    if boolean(params.get("all_fields")):
        if not boolean(params.get("include_dataset_count"), default=True):
            for item in items:
                item.pop("package_count")
        return items
    return [item["name"] for item in items]


def _datasets_of(request, condition: Condition, params: dict) -> list[dict]:
    if not boolean(params.get("include_datasets")):
        return []
    rows = min(natural(params, "limit", LIST_MAX) or LIST_MAX, LIST_MAX)
    found = selectors.packages_search(
        SearchQuery(conditions=[condition], sort=[("name", False)], rows=rows)
    )
    return [ckan.package_fragment(request, p.document, p.publisher) for p in found.packages]


def organization_show(request, params: dict) -> dict:
    """Một cơ quan công bố theo ``id`` hoặc tên (``include_datasets``)."""
    org = ckan.organization_find(required(params, "id"))
    if org is None:
        raise NotFound(_("Không có cơ quan công bố này."))
    result = ckan.organization_dict(org, package_count=_counts("organization").get(org.name, 0))
    result["packages"] = _datasets_of(request, Condition("organization", [org.name]), params)
    result["users"] = []
    result["tags"] = []
    result["groups"] = []
    return result


def group_list(request, params: dict) -> list:
    """Các nhóm chủ đề (chủ đề dữ liệu DCAT-AP) (``all_fields``, ``sort``)."""
    counts = _counts("groups")
    wanted = _wanted(params, "groups")
    items = [
        ckan.group_dict(theme, package_count=counts.get(selectors.group_name(theme), 0))
        for theme in Theme.values
        if wanted is None or selectors.group_name(theme) in wanted
    ]
    items = _page(_sorted(items, params), params)
    if boolean(params.get("all_fields")):
        return items
    return [item["name"] for item in items]


def group_show(request, params: dict) -> dict:
    """Một nhóm chủ đề theo ``id`` hoặc tên (``include_datasets``)."""
    theme = ckan.theme_find(required(params, "id"))
    if theme is None:
        raise NotFound(_("Không có nhóm chủ đề này."))
    name = selectors.group_name(theme)
    result = ckan.group_dict(theme, package_count=_counts("groups").get(name, 0))
    result["packages"] = _datasets_of(request, Condition("groups", [name]), params)
    result["users"] = []
    result["tags"] = []
    result["groups"] = []
    return result


def tag_list(request, params: dict) -> list:
    """Các từ khoá của bộ dữ liệu đã công bố (``query``, ``all_fields``)."""
    query = params.get("query") or params.get("q") or ""
    if not isinstance(query, str):
        raise ValidationFailed(fields={"query": ["Must be a string"]})
    names = selectors.tags_all(query.strip())
    if boolean(params.get("all_fields")):
        return [ckan.tag_dict(n) for n in names]
    return names


def help_show(request, params: dict) -> str:
    """Hướng dẫn của một action (``name``)."""
    name = required(params, "name")
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound(_("Không có action “%(name)s”.") % {"name": name})
    return " ".join((action.__doc__ or "").split())


ACTIONS = {
    f.__name__: f
    for f in (
        status_show, package_list, package_search, package_show, resource_show,
        organization_list, organization_show, group_list, group_show, tag_list, help_show,
        current_package_list_with_resources, license_list, package_autocomplete,
        resource_search, organization_list_for_user,
    )
}  # fmt: skip


# --- the HTTP side ----------------------------------------------------------------------------


def _json(status: int, body, *, callback: str | None = None) -> HttpResponse:
    data = orjson.dumps(body)
    if callback:
        response = HttpResponse(
            callback.encode() + b"(" + data + b");",
            status=status,
            content_type="application/javascript;charset=utf-8",
        )
    else:
        response = HttpResponse(data, status=status, content_type=JSON_TYPE)
    # Public, read-only data with no cookies involved: any web page may read it.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _bad_request(message: str) -> HttpResponse:
    # CKAN answers these with a bare JSON string, not the envelope.
    return _json(400, f"Bad request - {message}")


def _mixed(pairs) -> dict:
    """CKAN's ``mixed``: one value → the value, several → a list."""
    out: dict = {}
    for key, value in pairs:
        if key in out:
            if not isinstance(out[key], list):
                out[key] = [out[key]]
            out[key].append(value)
        else:
            out[key] = value
    return out


def request_data(request) -> dict:
    """The action's parameters as CKAN reads them (``_get_request_data``): a form whose one
    key is a JSON document (what old clients post), a form, the query string, or a JSON body.
    Raises ValueError for data that is not a JSON object."""
    raw = request._request if hasattr(request, "_request") else request
    if raw.method == "POST":
        form_types = ("application/x-www-form-urlencoded", "multipart/form-data")
        try:
            form = raw.POST if raw.content_type in form_types else None
        except MultiPartParserError as exc:
            raise ValueError(f"Error decoding form data. Error: {exc}") from None
        if form:
            keys = list(form.keys())
            if len(keys) == 1 and form.get(keys[0]) in ("1", ""):
                try:
                    data = json.loads(keys[0])
                except ValueError as exc:
                    raise ValueError(
                        f"Error decoding JSON data. Error: {exc!r} "
                        f"JSON data extracted from the request: {keys[0][:200]!r}"
                    ) from None
            else:
                data = _mixed((k, v) for k in form for v in form.getlist(k))
        elif raw.GET:
            data = _mixed(parse_qsl(raw.META.get("QUERY_STRING", ""), keep_blank_values=True))
        elif raw.body:
            try:
                data = json.loads(raw.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise ValueError(f"Error decoding JSON data. Error: {exc!r}") from None
        else:
            data = {}
    else:
        data = _mixed(parse_qsl(raw.META.get("QUERY_STRING", ""), keep_blank_values=True))
    if not isinstance(data, dict):
        raise ValueError(f"Request data JSON decoded to {data!r} but it needs to be a dictionary.")
    return data


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


# The parameters the schema types (ACTION_PARAMETERS), checked for every action: a client
# that sends ``rows=abc`` is told, whichever action it called.
NATURAL_PARAMETERS = ("rows", "start", "limit", "offset", "page")
INTEGER_PARAMETERS = ("facet.limit",)
BOOLEAN_PARAMETERS = ("all_fields", "include_datasets")
BOOLEAN_WORDS = {"true", "false", "yes", "no", "on", "off", "y", "n", "t", "f", "1", "0"}


def _check_typed_parameters(params: dict) -> None:
    for name in NATURAL_PARAMETERS:
        ckan.natural(params, name)
    for name in INTEGER_PARAMETERS:
        ckan.integer(params, name, 0)
    for name in BOOLEAN_PARAMETERS:
        value = params.get(name)
        if value is None or isinstance(value, bool):
            continue
        if not isinstance(value, str) or value.strip().lower() not in BOOLEAN_WORDS:
            raise ValidationFailed(fields={name: ["Invalid boolean"]})


def call_action(request, name: str) -> HttpResponse:
    help_url = ckan.api_url(request, "help_show", name=name)
    action = ACTIONS.get(name)
    if action is None and WRITE_ACTION_RE.search(name):
        # CKAN answers an anonymous write with an Authorization Error; here every write
        # goes through the officers' pages, never through this API.
        error = ckan.NotAuthorized(_("API dữ liệu mở chỉ cho đọc."))
        return _json(403, {"help": help_url, "success": False, "error": error.error()})
    if action is None:
        return _bad_request(f"Action name not known: {name}")
    try:
        params = request_data(request)
    except ValueError as exc:
        return _bad_request(f"JSON Error: {exc}")
    params.pop("callback", None)
    callback = None
    if request.method == "GET":
        value = request.GET.get("callback", "")
        callback = value if CALLBACK_RE.match(value) else None
    try:
        if _has_nul(params):
            bad = sorted(k for k, v in params.items() if _has_nul(k) or _has_nul(v))
            raise ValidationFailed(fields={k: [_("Có ký tự không hợp lệ (NUL).")] for k in bad})
        _check_typed_parameters(params)
        result = action(request, params)
    except ckan.ActionError as exc:
        return _json(exc.status, {"help": help_url, "success": False, "error": exc.error()})
    except Exception:
        logger.exception("CKAN action %s failed", name)
        error = {"__type": "Internal Server Error", "message": "Internal Server Error"}
        return _json(500, {"help": help_url, "success": False, "error": error})
    return _json(200, {"help": help_url, "success": True, "result": result}, callback=callback)


class CkanResponseSchema(serializers.Serializer):
    help = serializers.URLField(help_text="Địa chỉ hướng dẫn của action / help_show address")
    success = serializers.BooleanField()
    result = serializers.JSONField(
        help_text=(
            "Kết quả, theo đúng dạng của CKAN / the action's result in CKAN's shape "
            "(package_search: count, results, facets, search_facets, sort)."
        )
    )


class CkanErrorSchema(serializers.Serializer):
    help = serializers.URLField()
    success = serializers.BooleanField(default=False)
    error = serializers.DictField(
        help_text="__type (Not Found Error, Validation Error, …) và message hoặc trường → lỗi"
    )


NATURAL = {"type": "integer", "minimum": 0}
ACTION_PARAMETERS = [
    OpenApiParameter(
        "name",
        OpenApiTypes.STR,
        OpenApiParameter.PATH,
        enum=sorted(ACTIONS),
        description="Action CKAN / CKAN action name",
    ),
    OpenApiParameter(
        "id", OpenApiTypes.STR, description="package_show, resource_show, …: id / name"
    ),
    OpenApiParameter("q", OpenApiTypes.STR, description="package_search: văn bản, field:value"),
    OpenApiParameter(
        "fq",
        OpenApiTypes.STR,
        description=(
            'package_search: organization:x, tags:"a b", -groups:econ, '
            "metadata_modified:[2024-01-01T00:00:00Z TO *]"
        ),
    ),
    OpenApiParameter("rows", NATURAL, description="package_search: 10 (≤ 1000)"),
    OpenApiParameter("start", NATURAL, description="package_search: offset"),
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        description=(
            "package_search: score, name, title, id, metadata_modified, metadata_created "
            "(asc/desc, several with commas), e.g. id asc"
        ),
    ),
    OpenApiParameter(
        "facet.field", OpenApiTypes.STR, description='package_search: ["organization","groups"]'
    ),
    OpenApiParameter("facet.limit", OpenApiTypes.INT, description="package_search: 50"),
    OpenApiParameter("limit", NATURAL, description="package_list, …_list"),
    OpenApiParameter("offset", NATURAL, description="package_list, …_list"),
    OpenApiParameter("all_fields", OpenApiTypes.BOOL, description="organization_list, …"),
    OpenApiParameter("include_datasets", OpenApiTypes.BOOL, description="organization_show, …"),
    OpenApiParameter(
        "query", OpenApiTypes.STR, description="tag_list; resource_search: format:csv"
    ),
    OpenApiParameter("order_by", OpenApiTypes.STR, description="resource_search: name"),
    OpenApiParameter("page", NATURAL, description="current_package_list_with_resources"),
]
ACTION_RESPONSES = {
    200: CkanResponseSchema,
    400: OpenApiTypes.ANY,
    403: CkanErrorSchema,
    404: CkanErrorSchema,
    409: CkanErrorSchema,
}


def _ckan_error(status: int, message: str) -> HttpResponse:
    """An error met before the action runs (a NUL in the request), as CKAN would answer."""
    if status == 400:
        return _bad_request(message)
    return _json(status, {"success": False, "error": {"__type": "Error", "message": message}})


class CkanActionApi(APIView):
    """CKAN Action API (read subset)."""

    error_serializer = CkanErrorSchema
    error_response = staticmethod(_ckan_error)

    authentication_classes: list = []  # public data; no session, hence no CSRF on POST
    permission_classes = [AllowAny]
    parser_classes: list = []  # the body is read as CKAN reads it (see request_data)

    @extend_schema(
        operation_id="ckan_action",
        summary="CKAN Action API (GET)",
        description=(
            "Các action đọc của CKAN / CKAN's read actions: status_show, package_list, "
            "package_search, package_show, resource_show, organization_list, "
            "organization_show, group_list, group_show, tag_list, help_show, "
            "current_package_list_with_resources, license_list, package_autocomplete, "
            "resource_search, organization_list_for_user. Cũng có ở "
            "/api/action/<name> / also at /api/action/<name>."
        ),
        parameters=ACTION_PARAMETERS,
        responses=ACTION_RESPONSES,
        tags=["opendata"],
    )
    def get(self, request, name: str):
        return call_action(request, name)

    @extend_schema(
        operation_id="ckan_action_post",
        summary="CKAN Action API (POST)",
        parameters=ACTION_PARAMETERS[:1],
        # A form body is read as CKAN reads it (a form whose one key is a JSON document, or
        # fields), which a schema cannot say; ckanapi and CKAN's own clients post JSON.
        request={"application/json": OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "package_search",
                value={"q": "dong bao", "fq": "groups:econ", "rows": 10},
                request_only=True,
            )
        ],
        responses=ACTION_RESPONSES,
        tags=["opendata"],
    )
    def post(self, request, name: str):
        return call_action(request, name)


@extend_schema(exclude=True)
class CkanActionAliasApi(CkanActionApi):
    """``/api/action/<name>``: the same actions (CKAN's address without the version)."""


# --- DCAT-AP ----------------------------------------------------------------------------------

RDF_RESPONSES = {
    (200, "text/turtle"): OpenApiTypes.STR,
    (200, "application/ld+json"): OpenApiTypes.OBJECT,
    (200, "application/rdf+xml"): OpenApiTypes.STR,
    (400, "text/plain"): OpenApiTypes.STR,
    (404, "text/plain"): OpenApiTypes.STR,
}
FORMAT_PARAMETER = OpenApiParameter(
    "fmt",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=sorted(dcat.FORMATS),
    description="ttl (Turtle), jsonld (JSON-LD), rdf / xml (RDF/XML)",
)


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _rdf(graph, fmt: str) -> HttpResponse:
    response = HttpResponse(dcat.serialize(graph, fmt), content_type=dcat.FORMATS[fmt][1])
    response["Access-Control-Allow-Origin"] = "*"
    return response


class CatalogRdfApi(APIView):
    error_response = staticmethod(_text)
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="dcat_catalog",
        summary="DCAT-AP catalogue",
        description=(
            "Danh mục DCAT-AP, 100 bộ dữ liệu một trang, phân trang hydra:PagedCollection "
            "(như ckanext-dcat) / the DCAT-AP catalogue in pages of 100."
        ),
        parameters=[
            FORMAT_PARAMETER,
            OpenApiParameter(
                "page",
                {"type": "integer", "minimum": 1, "maximum": 999_999_999},
                description="Trang, từ 1 / page",
            ),
            OpenApiParameter(
                "modified_since",
                OpenApiTypes.DATETIME,
                description="Chỉ bộ dữ liệu sửa từ thời điểm này / modified since (ISO 8601)",
            ),
        ],
        responses=RDF_RESPONSES,
        tags=["opendata"],
    )
    def get(self, request, fmt: str):
        if fmt not in dcat.FORMATS:
            return _text(404, _("Không có định dạng này."))
        return catalog_rdf_response(request, fmt)


def catalog_rdf_response(request, fmt: str) -> HttpResponse:
    """A page of the DCAT-AP catalogue (``page``, ``modified_since``) in ``fmt``: for
    ``/catalog.<fmt>`` and for the catalogue's page asked with ``Accept: text/turtle`` etc."""
    raw_page = request.GET.get("page", "1")
    if not raw_page.isdigit() or int(raw_page) < 1 or len(raw_page) > 9:
        return _text(400, _("page phải là số nguyên dương."))
    params = {}
    since = None
    if "modified_since" in request.GET:  # present but empty is a 400 too
        params["modified_since"] = request.GET["modified_since"]
        since = _parse_since(params["modified_since"])
        if since is None:
            return _text(400, _("modified_since không hợp lệ (ví dụ 2026-01-31T00:00:00Z)."))
    try:
        page = dcat.catalog_page(int(raw_page), modified_since=since)
    except dcat.PageOutOfRange:
        return _text(404, _("Không có trang này."))
    return _rdf(dcat.catalog_graph(request, page, fmt=fmt, params=params), fmt)


def _parse_since(value: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    try:
        if moment.tzinfo is None:
            moment = timezone.make_aware(moment)
        return moment.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        return None


class DatasetRdfApi(APIView):
    error_response = staticmethod(_text)
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="dcat_dataset",
        summary="DCAT-AP data set",
        description="Một bộ dữ liệu theo DCAT-AP / one data set as DCAT-AP.",
        parameters=[
            OpenApiParameter(
                "name", OpenApiTypes.STR, OpenApiParameter.PATH, description="Tên định danh"
            ),
            FORMAT_PARAMETER,
        ],
        responses=RDF_RESPONSES,
        tags=["opendata"],
    )
    def get(self, request, name: str, fmt: str):
        if fmt not in dcat.FORMATS:
            return _text(404, _("Không có định dạng này."))
        dataset = selectors.dataset_get(name)
        if dataset is None:
            return _text(404, _("Không có bộ dữ liệu này."))
        return _rdf(dcat.dataset_graph(request, dataset), fmt)


def dataset_rdf_response(request, dataset, fmt: str) -> HttpResponse:
    """For the catalogue's data set page: answer ``Accept: text/turtle`` (etc.) with RDF.
    ``fmt`` from ``dcat.negotiate(request.headers.get("Accept", ""))``."""
    response = _rdf(dcat.dataset_graph(request, dataset), fmt)
    response["Vary"] = "Accept"
    return response


urlpatterns = [
    path("api/3/action/<str:name>", CkanActionApi.as_view(), name="ckan-action"),
    path("api/action/<str:name>", CkanActionAliasApi.as_view(), name="ckan-action-alias"),
    path("catalog.<str:fmt>", CatalogRdfApi.as_view(), name="dcat-catalog"),
    # Any name (not only a slug): an unknown one is the view's plain-text 404, as documented.
    path("du-lieu-mo/<str:name>.<str:fmt>", DatasetRdfApi.as_view(), name="dcat-dataset"),
]
