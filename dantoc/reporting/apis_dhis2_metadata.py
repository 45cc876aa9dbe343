"""DHIS2's metadata read API: ``/api/dataSets``, ``/api/dataElements``, ``/api/categories``,
``/api/categoryCombos``, ``/api/categoryOptionCombos``, ``/api/categoryOptions``,
``/api/organisationUnits`` (each also ``/<uid>``, ``.json`` and under an API version such as
``/api/40/``) and ``/api/system/info``, so that a DHIS2 client can discover what to send.

Shapes: DHIS2 2.40 (``dhis2_metadata`` says how our objects stand in for DHIS2's; the query
parameters are those of ``dhis2_query``). A list answers ``{"pager": {...}, "<collection>":
[...]}`` with ``fields=id,displayName`` by default; a single object answers all its fields.
Authentication as for ``dataValueSets`` (HTTP Basic or the session).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import path, re_path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from dantoc.reporting import dhis2_metadata, dhis2_query
from dantoc.reporting.apis_dhis2 import (
    BodySafeSessionAuthentication,
    DHIS2Api,
    DHIS2BasicAuthentication,
    ErrorMessageSchema,
    _json,
    _message,
)

DHIS2_VERSION = "2.40.0"  # the DHIS2 release whose Web API shapes are followed
COLLECTIONS = (
    "dataSets",
    "dataElements",
    "categories",
    "categoryOptions",
    "categoryCombos",
    "categoryOptionCombos",
    "organisationUnits",
)
LIST_PARAMETERS = [
    OpenApiParameter(
        "fields",
        str,
        description="Ví dụ / e.g. id,code,name,dataSetElements[dataElement[id,code]] hoặc/or :all",
    ),
    OpenApiParameter(
        "filter", str, many=True, description="thuộc tính:phép:giá trị / e.g. code:eq:BM01-VON"
    ),
    OpenApiParameter("rootJunction", str, enum=["AND", "OR"]),
    OpenApiParameter("order", str, description="Ví dụ / e.g. name:asc"),
    OpenApiParameter("page", int),
    OpenApiParameter("pageSize", int),
    OpenApiParameter("paging", OpenApiTypes.BOOL),
]


class PagerSchema(serializers.Serializer):
    page = serializers.IntegerField()
    pageCount = serializers.IntegerField()
    total = serializers.IntegerField()
    pageSize = serializers.IntegerField()
    nextPage = serializers.CharField(required=False)
    prevPage = serializers.CharField(required=False)


class MetadataApi(DHIS2Api):
    authentication_classes = [DHIS2BasicAuthentication, BodySafeSessionAuthentication]
    permission_classes = [IsAuthenticated]
    collection = ""

    def objects(self) -> list[dict]:
        return self._collection(self.collection)

    def _collection(self, name: str) -> list[dict]:
        cache = self.__dict__.setdefault("_collections", {})
        if name not in cache:
            if name == "organisationUnits":
                cache[name] = dhis2_metadata.organisation_units()
            else:
                if "_catalogue" not in self.__dict__:
                    self._catalogue = dhis2_metadata.metadata_catalogue()
                cache[name] = getattr(self._catalogue, name)
        return cache[name]

    def resolve(self, uid: str) -> dict | None:
        """The object of any collection with this UID (loaded only when a nested field
        asks for more than a reference's id)."""
        index = self.__dict__.get("_index")
        if index is None:
            index = self._index = {
                o["id"]: o for name in COLLECTIONS for o in self._collection(name)
            }
        return index.get(uid)

    def get(self, request, *args, **kwargs):
        params = request.query_params
        uid = kwargs.get("uid")
        try:
            if uid:
                found = [o for o in self.objects() if o["id"] == uid]
                if not found:
                    return _message(
                        404,
                        _("Không tìm thấy đối tượng %(collection)s có id `%(uid)s`.")
                        % {"collection": self.collection, "uid": uid},
                        error_code="E1005",
                    )
                tree = dhis2_query.parse_fields((params.get("fields") or "").strip() or ":all")
                return _json(dhis2_query.select(found[0], tree, self.resolve))
            # One value each: a number or word given twice, or as a structure (page[x]=…), is
            # not something to guess from.
            for single in ("page", "pageSize", "paging", "rootJunction", "order", "fields"):
                if len(params.getlist(single)) > 1 or any(
                    key.startswith(f"{single}[") for key in params
                ):
                    raise dhis2_query.QueryError(
                        _("Tham số %(name)s chỉ được có một giá trị.") % {"name": single}
                    )
            junction = (params.get("rootJunction") or "AND").upper()
            paging_text = (params.get("paging") or "true").lower()
            if junction not in ("AND", "OR") or paging_text not in ("true", "false"):
                raise dhis2_query.QueryError(
                    _("rootJunction phải là AND hoặc OR, paging phải là true hoặc false.")
                )
            # Empty parameters are left out, as DHIS2 does.
            filters = [f for f in params.getlist("filter") if f.strip()]
            objects = dhis2_query.apply_filters(self.objects(), filters, junction)
            if (params.get("order") or "").strip():
                objects = dhis2_query.apply_order(objects, params["order"])
            paging = paging_text == "true"
            objects, pager = dhis2_query.page_of(
                objects, page=params.get("page"), page_size=params.get("pageSize"), paging=paging
            )
            tree = dhis2_query.parse_fields(
                (params.get("fields") or "").strip() or "id,displayName"
            )
        except dhis2_query.QueryError as exc:
            return _message(400, str(exc))
        body: dict = {}
        if pager is not None:
            for name, number in (("prevPage", pager["page"] - 1), ("nextPage", pager["page"] + 1)):
                if 1 <= number <= pager["pageCount"]:
                    query = params.copy()
                    query["page"] = str(number)
                    pager[name] = request.build_absolute_uri(
                        f"{request.path}?{urlencode(query, doseq=True)}"
                    )
            body["pager"] = pager
        body[self.collection] = [dhis2_query.select(o, tree, self.resolve) for o in objects]
        return _json(body)


def _own_get():
    """A ``get`` of its own for each view, so that each carries its own schema."""

    def get(self, request, *args, **kwargs):
        return MetadataApi.get(self, request, *args, **kwargs)

    return get


def _collection_views(collection: str):
    listing = inline_serializer(
        f"DHIS2{collection[0].upper()}{collection[1:]}List",
        {
            "pager": PagerSchema(required=False),
            collection: serializers.ListField(child=serializers.DictField()),
        },
    )
    list_view = type(
        f"{collection}ListApi",
        (MetadataApi,),
        {
            "collection": collection,
            "__doc__": f"DHIS2 ``/api/{collection}``: danh mục theo dạng DHIS2 2.40 / the "
            f"platform's metadata in DHIS2 2.40's shape.",
        },
    )
    list_view.get = extend_schema(
        operation_id=f"dhis2_{collection}_list",
        parameters=LIST_PARAMETERS,
        responses={200: listing, 400: ErrorMessageSchema},
    )(_own_get())
    detail_view = type(
        f"{collection}DetailApi",
        (MetadataApi,),
        {"collection": collection, "__doc__": f"One object of DHIS2 ``/api/{collection}``."},
    )
    detail_view.get = extend_schema(
        operation_id=f"dhis2_{collection}_detail",
        parameters=[OpenApiParameter("fields", str)],
        responses={200: OpenApiTypes.OBJECT, 404: ErrorMessageSchema},
    )(_own_get())
    return list_view, detail_view


class SystemInfoApi(DHIS2Api):
    """DHIS2 ``/api/system/info``: what a DHIS2 client reads first (version, calendar, date
    format, server time)."""

    authentication_classes = [DHIS2BasicAuthentication, BodySafeSessionAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="dhis2_system_info", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, *args, **kwargs):
        now = timezone.localtime()
        base = request.build_absolute_uri("/").rstrip("/")
        return _json(
            {
                "contextPath": base,
                "instanceBaseUrl": base,
                "userAgent": request.META.get("HTTP_USER_AGENT", ""),
                "calendar": "iso8601",
                "dateFormat": "yyyy-mm-dd",
                "serverDate": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
                "serverTimeZoneId": settings.TIME_ZONE,
                "serverTimeZoneDisplayName": settings.TIME_ZONE,
                "version": DHIS2_VERSION,
                "revision": "dantoc",
                "systemName": "dantoc",
                "systemId": "dantoc",
                "isMetadataVersionEnabled": False,
            }
        )


_VERSION = r"(?:[0-9]{2}/)?"
urlpatterns = [path("system/info", SystemInfoApi.as_view(), name="dhis2-system-info")]
for _collection in COLLECTIONS:
    _list, _detail = _collection_views(_collection)
    urlpatterns += [
        path(_collection, _list.as_view(), name=f"dhis2-{_collection}"),
        path(f"{_collection}/<str:uid>", _detail.as_view(), name=f"dhis2-{_collection}-detail"),
        # ``.json`` and an API version in the base URL: the same answers, documented once.
        re_path(
            rf"^{_VERSION}{_collection}(?:\.json)?$",
            extend_schema(exclude=True)(type(f"{_collection}AliasApi", (_list,), {})).as_view(),
        ),
        re_path(
            rf"^{_VERSION}{_collection}/(?P<uid>[A-Za-z0-9]+)(?:\.json)?$",
            extend_schema(exclude=True)(
                type(f"{_collection}DetailAliasApi", (_detail,), {})
            ).as_view(),
        ),
    ]
urlpatterns.append(
    re_path(
        rf"^{_VERSION}system/info(?:\.json)?$",
        extend_schema(exclude=True)(type("SystemInfoAliasApi", (SystemInfoApi,), {})).as_view(),
    )
)
