"""``/api/analytics``: a DHIS2-style analytics query over the maintained roll-ups.

``GET /api/analytics?dimension=dx:VON_KH;VON_GN&dimension=pe:2026;2026Q3&dimension=ou:VN;LEVEL-2
&filter=NGUON_VON:TW`` answers ``headers``, ``rows`` (strings, as DHIS2 does), ``metaData``
(names of every item, the items of each dimension) and, beyond DHIS2, ``dataAsOf``: when the
newest figure in the answer last changed. ``includeUnapproved=true`` adds unapproved data
for units in the caller's scope, with an ``unapproved`` column marking the rows they are in.
``hierarchyDate`` chooses the unit tree (default today). Errors are DHIS2 web messages with
status 409, as DHIS2 answers an analytics query it cannot run.
"""

from __future__ import annotations

import io
from operator import itemgetter

import orjson
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer

from dantoc.analytics import dhis2_params
from dantoc.analytics.coverage import Coverage, coverage_of_result
from dantoc.analytics.permissions import can_include_unapproved, can_view_analytics
from dantoc.analytics.query import (
    AnalyticsRequest,
    AnalyticsResult,
    QueryError,
    analytics_run,
    gc_paused,
    parse_request,
)
from dantoc.core.csvfiles import csv_writer
from dantoc.core.dates import parse_date
from dantoc.core.responses import bulk_response
from dantoc.geo.models import Unit
from dantoc.geo.selectors import valid_on_q
from dantoc.reporting.apis_dhis2 import (
    CSVRenderer,
    DHIS2Api,
    DHIS2BasicAuthentication,
    ErrorMessageSchema,
    _flag,
    _message,
)
from dantoc.reporting.dhis2_metadata import IdMaps

COLUMN_NAMES = {"dx": "Data", "pe": "Period", "ou": "Organisation unit"}


def number_text(value) -> str:
    """A plain decimal string (no exponent), as DHIS2 writes values."""
    # str() is three times quicker than format(value, "f") (13,000 values in a commune
    # table) and the same but for an exponent.
    text = str(value)
    if "E" in text:
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def result_json(result: AnalyticsResult, coverage: list[Coverage] | None = None) -> dict:
    """The DHIS2 analytics response shape, plus ``dataAsOf`` and the coverage of the figures
    (how many of the units that should report the forms behind them have)."""
    headers = [
        {
            "name": dim,
            "column": COLUMN_NAMES.get(dim, result.items.get(dim, dim)),
            "valueType": "TEXT",
            "type": "java.lang.String",
            "hidden": False,
            "meta": True,
        }
        for dim in result.dimensions
    ]
    headers.append(
        {
            "name": "value",
            "column": "Value",
            "valueType": "NUMBER",
            "type": "java.lang.Double",
            "hidden": False,
            "meta": False,
        }
    )
    unapproved = result.request.include_unapproved
    if unapproved:
        headers.append(
            {
                "name": "unapproved",
                "column": "Unapproved data included",
                "valueType": "BOOLEAN",
                "type": "java.lang.Boolean",
                "hidden": False,
                "meta": False,
            }
        )
    dims = result.dimensions
    if len(dims) > 1:
        items_of = itemgetter(*dims)
    else:
        items_of = (lambda keys: (keys[dims[0]],)) if dims else (lambda keys: ())
    rows = []
    append = rows.append
    for keys, value, flagged in result.rows:  # 13,000 rows for a province's communes
        if unapproved:
            append([*items_of(keys), number_text(value), "true" if flagged else "false"])
        else:
            append([*items_of(keys), number_text(value)])
    as_of = result.data_as_of.isoformat() if result.data_as_of else None
    return {
        "headers": headers,
        "metaData": {
            "items": {code: {"name": name} for code, name in result.items.items()},
            "dimensions": result.dimension_items,
            "dataAsOf": as_of,
            "approvedOnly": not unapproved,
            "hierarchyDate": (result.request.hierarchy_date or timezone.localdate()).isoformat(),
            "partialPredecessors": result.partial_predecessors,
            "coverage": [c.as_dict() for c in coverage or []],
        },
        "rows": rows,
        "height": len(rows),
        "width": len(headers),
        "headerWidth": len(headers),
        "dataAsOf": as_of,
    }


def result_csv(result: AnalyticsResult) -> str:
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\n")
    data = result_json(result)
    writer.writerow([h["name"] for h in data["headers"]])
    writer.writerows(data["rows"])
    return buffer.getvalue()


class HeaderSchema(serializers.Serializer):
    name = serializers.CharField()
    column = serializers.CharField()
    valueType = serializers.CharField()
    type = serializers.CharField()
    hidden = serializers.BooleanField()
    meta = serializers.BooleanField()


class CoverageSchema(serializers.Serializer):
    form = serializers.CharField(help_text="Biểu mẫu / report form behind the figures")
    ou = serializers.CharField()
    pe = serializers.CharField()
    level = serializers.CharField(help_text="Cấp báo cáo của biểu / reporting level counted")
    reported = serializers.IntegerField(help_text="Số đơn vị đã báo cáo / units that reported")
    expected = serializers.IntegerField(help_text="Số đơn vị phải báo cáo / units expected")
    percent = serializers.FloatField(allow_null=True)
    rankable = serializers.BooleanField(
        help_text="Đủ tỷ lệ báo cáo để xếp hạng (≥ 50 %) / enough coverage to be ranked"
    )


class MetaDataSchema(serializers.Serializer):
    items = serializers.DictField(child=serializers.DictField(), help_text="code → {name}")
    dimensions = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    dataAsOf = serializers.DateTimeField(allow_null=True)
    approvedOnly = serializers.BooleanField()
    hierarchyDate = serializers.DateField()
    partialPredecessors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField())
    )
    coverage = CoverageSchema(
        many=True, help_text="Tỷ lệ đơn vị đã báo cáo / share of units that reported"
    )


class AnalyticsResponseSchema(serializers.Serializer):
    headers = HeaderSchema(many=True)
    metaData = MetaDataSchema()
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    height = serializers.IntegerField()
    width = serializers.IntegerField()
    headerWidth = serializers.IntegerField()
    dataAsOf = serializers.DateTimeField(
        allow_null=True, help_text="Số liệu cập nhật đến / data as of"
    )


PARAMETERS = [
    OpenApiParameter(
        "dimension",
        OpenApiTypes.STR,
        many=True,
        explode=True,
        description=(
            "Chiều / dimension: `dx:VON_KH;TL_GN` (chỉ tiêu, chỉ tiêu tính toán), "
            "`pe:2026;2026Q3` (kỳ), `ou:VN;LEVEL-2` hoặc `ou:08;LEVEL-commune` hoặc "
            "`ou:08;CHILDREN` (đơn vị), `NGUON_VON:TW;DP` hoặc `NGUON_VON` (phân tổ)."
        ),
    ),
    OpenApiParameter(
        "filter",
        OpenApiTypes.STR,
        many=True,
        explode=True,
        description="Bộ lọc (gộp, không hiện thành cột) / filter, same syntax.",
    ),
    OpenApiParameter(
        "includeUnapproved",
        OpenApiTypes.BOOL,
        description="Gồm số liệu chưa duyệt (đơn vị trong phạm vi của bạn) / include unapproved data.",
    ),
    OpenApiParameter(
        "hierarchyDate",
        OpenApiTypes.DATE,
        description="Cây đơn vị hành chính theo ngày (mặc định hôm nay) / unit tree as of.",
    ),
]


class AnalyticsApi(DHIS2Api):
    authentication_classes = [SessionAuthentication, DHIS2BasicAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, CSVRenderer]
    fmt = ""
    # Whether ``dimension=co`` stays one dimension (raw data: each value's option
    # combination) rather than becoming one dimension per category.
    co_as_dimension = False

    def parse(self, request, *, periods_required: bool = True):
        """The analytics request the query string asks for, after the permission checks
        every analytics answer shares (``can_view_analytics``; unapproved data only for
        units in the caller's scope), or the DHIS2 web message refusing it. Sets ``self.co``
        (the categories ``co`` stands for) and ``self.columns`` (the dimension names in the
        order given)."""
        params = request.query_params
        self.co, self.columns = [], []
        if not can_view_analytics(request.user):
            return _message(403, _("Tài khoản này không được xem số liệu tổng hợp."))
        hierarchy_date = None
        if params.get("hierarchyDate"):
            try:
                hierarchy_date = parse_date(params["hierarchyDate"])
            except ValueError:
                return _message(
                    409,
                    _("hierarchyDate không hợp lệ: “%(value)s” (viết yyyy-mm-dd hoặc dd/mm/yyyy).")
                    % {"value": params["hierarchyDate"]},
                )
        include = _flag(params.get("includeUnapproved"))
        try:
            maps, today = IdMaps(), timezone.localdate()
            dimensions = dhis2_params.expand(
                params.getlist("dimension"), user=request.user, today=today, maps=maps
            )
            self.columns = [d.partition(":")[0].strip() for d in dimensions]
            if self.co_as_dimension:
                dimensions = [d for d in dimensions if d.partition(":")[0].strip() != "co"]
            else:
                dimensions, self.co = dhis2_params.co_categories(dimensions)
            query = parse_request(
                dimensions=dimensions,
                filters=dhis2_params.expand(
                    params.getlist("filter"), user=request.user, today=today, maps=maps
                ),
                include_unapproved=include,
                hierarchy_date=hierarchy_date,
                periods_required=periods_required,
            )
            if include:
                # The units named (LEVEL-n and CHILDREN lie under them; none named: the country).
                named = query.ou + query.filters.get("ou", [])
                codes = [c for c in named if not c.startswith("LEVEL-") and c != "CHILDREN"]
                codes = codes or ["VN"]
                as_of = hierarchy_date or timezone.localdate()
                units = list(Unit.objects.filter(valid_on_q(as_of), code__in=codes))
                if not units or not can_include_unapproved(request.user, units):
                    return _message(
                        403,
                        _("Chỉ xem được số liệu chưa duyệt của các đơn vị trong phạm vi của bạn."),
                    )
        except QueryError as exc:
            return _message(409, str(exc), error_code="E7100")
        return query

    @extend_schema(
        operation_id="analytics",
        parameters=PARAMETERS,
        responses={
            (200, "application/json"): AnalyticsResponseSchema,
            (200, "text/csv"): OpenApiTypes.STR,
            403: ErrorMessageSchema,
            409: ErrorMessageSchema,
        },
        tags=["analytics"],
    )
    def get(self, request, *args, **kwargs):
        parsed = self.parse(request)
        if not isinstance(parsed, AnalyticsRequest):
            return parsed
        query, co = parsed, self.co
        try:
            result = analytics_run(query)
        except QueryError as exc:
            return _message(409, str(exc), error_code="E7100")
        fmt = self.fmt or kwargs.get("format") or ""
        if fmt == "dataValueSet":
            return _data_value_set(result, request)
        with gc_paused():
            if fmt == "csv" or (not fmt and "text/csv" in request.headers.get("Accept", "")):
                return bulk_response(
                    request,
                    result_csv(result).encode(),
                    content_type="text/csv; charset=utf-8",
                )
            return bulk_response(
                request,
                orjson.dumps(
                    dhis2_params.co_merge(result_json(result, coverage_of_result(result)), co)
                ),
                content_type="application/json",
            )


@extend_schema(exclude=True)
class AnalyticsJsonApi(AnalyticsApi):
    fmt = "json"


@extend_schema(exclude=True)
class AnalyticsCsvApi(AnalyticsApi):
    fmt = "csv"


def _data_value_set(result: AnalyticsResult, request):
    """The answer as a DHIS2 data value set (``/api/analytics/dataValueSet.json``): one value
    per row, the category dimensions asked for written as the option combination."""
    dims = result.dimensions
    if not {"dx", "pe", "ou"} <= set(dims):
        return _message(
            409,
            _("dataValueSet cần dx, pe và ou là chiều dữ liệu (dimension), không là bộ lọc."),
            error_code="E7100",
        )
    categories = sorted(d for d in dims if d not in ("dx", "pe", "ou"))
    values = [
        {
            "dataElement": keys["dx"],
            "period": keys["pe"],
            "orgUnit": keys["ou"],
            "categoryOptionCombo": ";".join(f"{c}={keys[c]}" for c in categories) or "default",
            "attributeOptionCombo": "default",
            "value": number_text(value),
        }
        for keys, value, _flagged in result.rows
    ]
    return bulk_response(
        request, orjson.dumps({"dataValues": values}), content_type="application/json"
    )


class AnalyticsDataValueSetApi(AnalyticsApi):
    """Kết quả tổng hợp dạng dataValueSet của DHIS2 / The analytics answer as a DHIS2 data
    value set."""

    fmt = "dataValueSet"

    @extend_schema(
        operation_id="analytics_data_value_set",
        parameters=PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, 403: ErrorMessageSchema, 409: ErrorMessageSchema},
        tags=["analytics"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("analytics/dataValueSet.json", AnalyticsDataValueSetApi.as_view(), name="analytics-dvs"),
    path(
        "analytics/dataValueSet",
        extend_schema(exclude=True)(
            type("AnalyticsDataValueSetAliasApi", (AnalyticsDataValueSetApi,), {})
        ).as_view(),
    ),
    path("analytics", AnalyticsApi.as_view(), name="analytics"),
    path("analytics.json", AnalyticsJsonApi.as_view(), name="analytics-json"),
    path("analytics.csv", AnalyticsCsvApi.as_view(), name="analytics-csv"),
]
